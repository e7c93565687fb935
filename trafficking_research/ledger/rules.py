"""The ledger's rules that its JSON Schema cannot state: they need the data (known sources, known series codes), the
package's facts (which measures are stocks), or several fields at once (unique ids, dates and years in order).

Each function takes a ledger (or one claim) whose format the schema has accepted, and returns `Problem`s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..config import STOCK_MEASURES
from .expressions import figures_in
from .lookup import KEY_FIELDS, as_date, ref_key
from .schema import Problem

Location = tuple[str | int, ...]


def unique_ids(claims: list[Any]) -> list[Problem]:
    """A problem for every claim whose id an earlier claim already uses.

    Parameters
    ----------
    claims : list
        The ledger's claim entries (entries without a text id are skipped).

    Returns
    -------
    list of Problem
    """
    seen: set[str] = set()
    problems = []
    for i, raw in enumerate(claims):
        cid = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(cid, str):
            if cid in seen:
                problems.append(Problem(("claims", i, "id"), "used by more than one claim"))
            seen.add(cid)
    return problems


def known_sources(claims: list[Any], source_ids: set[str]) -> list[Problem]:
    """A problem for every claim whose source_id is not a source of data/sources.csv.

    Parameters
    ----------
    claims : list
        The ledger's claim entries (entries without a text source_id are skipped).
    source_ids : set of str
        The sources of data/sources.csv.

    Returns
    -------
    list of Problem
    """
    return [
        Problem(("claims", i, "source_id"), f"unknown source {raw['source_id']!r} (not in data/sources.csv)")
        for i, raw in enumerate(claims)
        if isinstance(raw, dict)
        and isinstance(raw.get("source_id"), str)
        and raw["source_id"]
        and raw["source_id"] not in source_ids
    ]


def origin_groups(groups: dict[int, dict[str, Any]], source_ids: set[str]) -> tuple[dict[str, str], list[Problem]]:
    """Map each source of a `same_origin` group to the group; problems for unknown sources and sources in two groups.

    Parameters
    ----------
    groups : dict of int to dict
        The schema-valid `same_origin` groups by their index in the list.
    source_ids : set of str
        The sources of data/sources.csv.

    Returns
    -------
    tuple
        Source id -> ``group:<name>``, and the problems.
    """
    origin: dict[str, str] = {}
    problems = []
    for i, group in groups.items():
        for sid in group["sources"]:
            if sid not in source_ids:
                problems.append(Problem(("same_origin", i, "sources"), f"unknown source '{sid}' (not in sources.csv)"))
            elif sid in origin:
                problems.append(Problem(("same_origin", i, "sources"), f"'{sid}' is already in group '{origin[sid]}'"))
            else:
                origin[sid] = f"group:{group['name']}"
    return origin, problems


def check_rules(check: dict[str, Any], where: Location, codes: dict[str, set[str]]) -> list[Problem]:
    """The rules of one schema-valid check across its fields, and of every figure it names.

    Parameters
    ----------
    check : dict
        The check.
    where : tuple
        Its location (``("claims", i, "check")``).
    codes : dict of str to set of str
        The codes each key column takes in the data (`lookup.codes_of`).

    Returns
    -------
    list of Problem
    """
    problems = list(_order_rules(check, where))
    for name in ("quantity", "expected", "total", "series", "yearly", "part", "whole"):
        if isinstance(check.get(name), dict):
            for ref, at in figures_in(check[name], where + (name,)):
                problems += figure_rules(ref, at, codes)
                if name in ("part", "whole") and ref.get("unit", "persons") != "persons":
                    problems.append(
                        Problem(at + ("unit",), "a percentage check counts persons: part and whole need unit persons")
                    )
    return problems


def _order_rules(check: dict[str, Any], where: Location) -> Iterator[Problem]:
    """Years before years, low before high, and stated values given per year."""
    kind = check["kind"]
    if kind in ("record", "run_in_range") and "since" in check:
        last = "year" if kind == "record" else "before"
        if check["since"] >= check[last]:
            yield Problem(where + ("since",), f"must be a year before '{last}'")
    if kind == "cumulative" and check["from"] > check["to"]:
        yield Problem(where + ("from",), "must be a year no later than 'to'")
    if "years" in check and check["years"] != sorted(check["years"]):
        yield Problem(where + ("years",), "must be a list of distinct years in increasing order")
    for name in ("expected", "range"):
        value = check.get(name)
        if isinstance(value, list) and value[0] > value[1]:
            yield Problem(where + (name,), "needs [low, high] with low <= high")
    stated = check.get("stated", {}) if kind != "percentage" else {}
    if not all(isinstance(y, int) and not isinstance(y, bool) and 1900 <= y <= 2100 for y in stated):
        yield Problem(where + ("stated",), "must map years to the numbers the statement gives")


def figure_rules(ref: dict[str, Any], where: Location, codes: dict[str, set[str]]) -> list[Problem]:
    """Known series codes, the stock/flow rules of ``half`` and ``stock_date``, a period's start before its end.

    Parameters
    ----------
    ref : dict
        A schema-valid figure reference.
    where : tuple
        Its location.
    codes : dict of str to set of str
        The codes each key column takes in the data.

    Returns
    -------
    list of Problem
    """
    problems = []
    for field, wanted in zip(KEY_FIELDS, ref_key(ref)):
        for code in wanted:
            if code not in codes[field]:
                problems.append(
                    Problem(
                        where + (field,),
                        f"unknown series code '{code}' (allowed: "
                        f"{', '.join(sorted(codes[field]))}; see data/codelist.csv)",
                    )
                )
    stock = str(ref["measure"]) in STOCK_MEASURES
    if "half" in ref and stock:
        problems.append(Problem(where + ("half",), "only 'half: 1' (January-June) with a yearly flow figure"))
    if "stock_date" in ref and not stock:
        problems.append(
            Problem(where + ("stock_date",), f"only with a stock measure ({', '.join(sorted(STOCK_MEASURES))})")
        )
    if "period" in ref and as_date(ref["period"][0]) > as_date(ref["period"][1]):
        problems.append(Problem(where + ("period",), "must be [start, end] ISO dates with start <= end"))
    return problems
