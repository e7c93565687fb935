"""Reading the ledger (claims/claims.yaml): its format by the JSON Schema, then the rules that need the data.

Every problem is collected before any claim is checked; `LedgerError` lists them all, each naming the file, the
claim (or `same_origin` group), the field and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import paths
from ..errors import LedgerError
from . import rules
from .lookup import codes_of
from .schema import Problem, format_problems, json_compatible, place

LEDGER_FILE: Path = paths.ledger_file()


@dataclass(frozen=True)
class Claim:
    """One checkable statement of one source, with its declarative check."""

    id: str
    source_id: str
    statement: str
    check: dict[str, Any]
    note: str = ""
    disputed: str = ""  # why the source's statement is known to disagree with the preferred figures


@dataclass(frozen=True)
class Ledger:
    """The validated claims, and which sources are one publication (`origin` maps a source to its group)."""

    path: Path
    claims: tuple[Claim, ...]
    origin: dict[str, str]


def _loader() -> type:
    """YAML's safe loader (libyaml's when built) without implicit dates: a date stays text, which the schema checks
    (2020-02-30 too)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type, misc]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return Loader


def read_yaml(path: Path) -> Any:
    """The parsed ledger file, dates as ISO text.

    Parameters
    ----------
    path : Path
        The ledger file.

    Returns
    -------
    Any
        The document as JSON Schema sees it (mappings, lists, text, numbers).

    Raises
    ------
    LedgerError
        When the file is missing or not UTF-8 YAML.
    """
    import yaml

    if not path.is_file():
        raise LedgerError([f"{path}: file does not exist"])
    try:
        return json_compatible(yaml.load(path.read_text(encoding="utf-8"), Loader=_loader()))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LedgerError([f"{path}: not valid UTF-8 YAML ({exc})"]) from None


def load_ledger(path: str | Path = LEDGER_FILE, *, obs: pd.DataFrame, sources: pd.DataFrame) -> Ledger:
    """Read the ledger and validate it against its schema and the data's sources and codes.

    Parameters
    ----------
    path : str or Path
        The ledger file (default: claims/claims.yaml).
    obs : pandas.DataFrame
        The validated observations (the codes a figure may name).
    sources : pandas.DataFrame
        The sources of the data package (the source ids a claim may name).

    Returns
    -------
    Ledger
        The claims in ledger order and the `same_origin` groups.

    Raises
    ------
    LedgerError
        Listing every problem of the file.
    """
    path = Path(path)
    doc = read_yaml(path)
    problems = format_problems(doc)
    if not (isinstance(doc, dict) and isinstance(doc.get("claims"), list)):
        raise LedgerError([f"{place(path, doc, p.location)}: {p.text}" for p in problems])
    broken = {p.location[:2] for p in problems if len(p.location) >= 2}
    source_ids = set(sources["source_id"].astype(str))
    claims, groups = doc["claims"], doc.get("same_origin")
    problems += rules.unique_ids(claims) + rules.known_sources(claims, source_ids)
    valid_groups = {
        i: g for i, g in enumerate(groups if isinstance(groups, list) else []) if ("same_origin", i) not in broken
    }
    origin, origin_problems = rules.origin_groups(valid_groups, source_ids)
    problems += origin_problems
    codes = codes_of(obs)
    for i, raw in enumerate(claims):
        if ("claims", i) not in broken:
            problems += rules.check_rules(raw["check"], ("claims", i, "check"), codes)
    if problems:
        problems.sort(key=_in_document_order)
        raise LedgerError([f"{place(path, doc, p.location)}: {p.text}" for p in problems])
    return Ledger(path, tuple(_claim(raw) for raw in claims), origin)


def _in_document_order(problem: Problem) -> tuple[int, int]:
    """Top-level problems, then each `same_origin` group's, then each claim's, in the order of the file."""
    loc = problem.location
    section = {"same_origin": 1, "claims": 2}.get(str(loc[0]), 0) if loc else 0
    return section, loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1


def _claim(raw: dict[str, Any]) -> Claim:
    return Claim(
        raw["id"],
        raw["source_id"],
        raw["statement"].strip(),
        raw["check"],
        raw.get("note", "").strip(),
        raw.get("disputed", "").strip(),
    )
