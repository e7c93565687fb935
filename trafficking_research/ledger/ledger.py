"""The claims ledger (claims/claims.yaml): published statements, each checked against the preferred observations.

A claim names its source, says in our words what the source states, and declares how to check it: a quantity built
from named figures (sums, differences, ratios, shares) compared with the stated value, or a comparison of one year
with earlier years. Figures are looked up among the preferred rows by their key columns, never typed in as numbers;
the numbers a statement quotes are written as `stated` and must equal the preferred figures. A verdict is `true`,
`false` or `cannot_check` (a figure is not published; the reason names it). A checked claim is corroborated
`independent`ly when one of the figures used comes from a publication other than the claim's own (language versions,
pages and wire copies of one publication count as one, see `same_origin`), else it is only `self_consistent`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import FIRST_YEAR, STOCK_MEASURES, VICTIMS, period_of
from ..errors import LedgerError, TraffickingResearchError
from .. import paths

LEDGER_FILE: Path = paths.ledger_file()
VERDICTS: tuple[str, ...] = ("true", "false", "cannot_check")
CORROBORATION: tuple[str, ...] = ("independent", "self_consistent", "n/a")
OPERATORS: tuple[str, ...] = ("==", "<", "<=", ">", ">=", "between")
DEFAULT_CLIENT_TYPES: tuple[str, ...] = VICTIMS
KEY_FIELDS: tuple[str, ...] = ("measure", "client_type", "place", "form", "sex", "age", "unit")
TIME_FIELDS: tuple[str, ...] = ("year", "period", "date", "cumulative_to")
REF_FIELDS: frozenset[str] = frozenset(KEY_FIELDS + TIME_FIELDS + ("half", "stock_date", "stated"))
EXPRESSIONS: dict[str, str] = {  # operator -> arguments: "list" (one or more), "pair" (exactly two), "one"
    "sum": "list", "max": "list", "min": "list", "first_of": "list",
    "difference": "pair", "ratio": "pair", "share": "pair", "complement": "one",
}
CLAIM_FIELDS: dict[str, bool] = {"id": True, "source_id": True, "statement": True, "check": True, "note": False,
                                  "disputed": False}
KINDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {  # kind -> (required fields, optional fields)
    "compare": (frozenset({"quantity", "op", "expected"}), frozenset({"tolerance"})),
    "record": (frozenset({"series", "year"}), frozenset({"since", "stated"})),
    "trend": (frozenset({"series", "years", "direction"}), frozenset({"min_ratio", "stated"})),
    "each_year": (frozenset({"series", "years", "op", "expected"}), frozenset({"tolerance", "stated"})),
    "run_in_range": (frozenset({"series", "before", "range", "min_years"}), frozenset({"since", "tolerance"})),
    "cumulative": (frozenset({"total", "yearly", "from", "to"}), frozenset({"tolerance"})),
}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_EPS = 1e-9


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


@dataclass(frozen=True)
class FigureUse:
    """One preferred figure a check used: what it is, its value, and the source and CSV line it comes from."""

    label: str
    value: float
    source_id: str
    line: int


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, with what was expected, what the data give, why, and from which sources."""

    id: str
    source_id: str
    statement: str
    kind: str
    expected: str
    computed: str
    verdict: str
    reason: str
    corroboration: str
    sources: tuple[str, ...]
    corroborating_sources: tuple[str, ...]
    figures: tuple[FigureUse, ...]
    disputed: str = ""


# ---------------------------------------------------------------------------------------------------------- loading


def load_ledger(path: str | Path = LEDGER_FILE, *, obs: pd.DataFrame, sources: pd.DataFrame) -> Ledger:
    """Read and validate the YAML ledger against the data's sources, codes and series; raise LedgerError if bad."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise LedgerError([f"{path}: file does not exist"])
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LedgerError([f"{path}: not valid UTF-8 YAML ({exc})"]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("claims"), list) or not doc["claims"]:
        raise LedgerError([f"{path}: the top level must be a mapping with a non-empty list 'claims'"])
    unknown_top = sorted(set(doc) - {"claims", "same_origin"})
    problems = []
    if unknown_top:
        problems.append(f"{path}: unknown top-level field(s) {', '.join(unknown_top)} (allowed: claims, same_origin)")
    source_ids = set(sources["source_id"].astype(str))
    origin, origin_problems = _read_origins(path, doc.get("same_origin", []), source_ids)
    problems += origin_problems
    rules = _Rules(obs)
    claims, seen = [], set()
    for i, raw in enumerate(doc["claims"]):
        claim, claim_problems = _read_claim(path, i, raw, source_ids, rules)
        problems += claim_problems
        if claim is not None:
            if claim.id in seen:
                problems.append(f"{path}: claim '{claim.id}', field 'id': used by more than one claim")
            seen.add(claim.id)
            claims.append(claim)
    if problems:
        raise LedgerError(problems)
    return Ledger(path, tuple(claims), origin)


def _read_origins(path: Path, groups: Any, source_ids: set[str]) -> tuple[dict[str, str], list[str]]:
    """Map each source in a `same_origin` group to the group's name; problems for unknown or repeated sources."""
    problems: list[str] = []
    origin: dict[str, str] = {}
    if not isinstance(groups, list):
        return origin, [f"{path}: 'same_origin' must be a list of groups"]
    for i, group in enumerate(groups):
        where = f"{path}: same_origin[{i}]"
        if not (isinstance(group, dict) and isinstance(group.get("name"), str) and isinstance(group.get("sources"), list)):
            problems.append(f"{where}: each group needs 'name' (text), 'sources' (list) and 'reason' (text)")
            continue
        if not str(group.get("reason", "")).strip():
            problems.append(f"{where} ('{group['name']}'), field 'reason': say why these sources are one publication")
        for sid in group["sources"]:
            if sid not in source_ids:
                problems.append(f"{where} ('{group['name']}'), field 'sources': unknown source '{sid}' (not in sources.csv)")
            elif sid in origin:
                problems.append(f"{where} ('{group['name']}'), field 'sources': '{sid}' is already in group '{origin[sid]}'")
            else:
                origin[sid] = f"group:{group['name']}"
    return origin, problems


class _Rules:
    """What a figure reference may name: the codes of each key column."""

    def __init__(self, obs: pd.DataFrame) -> None:
        self.codes = {c: set(obs[c].cat.categories) if hasattr(obs[c], "cat") else set(obs[c].astype(str))
                      for c in KEY_FIELDS}


def _read_claim(path: Path, index: int, raw: Any, source_ids: set[str], rules: _Rules) -> tuple[Claim | None, list[str]]:
    """Validate one claim entry; return the claim (or None when its id is unusable) and its problems."""
    if not isinstance(raw, dict):
        return None, [f"{path}: claims[{index}] is not a mapping of fields"]
    cid = raw.get("id")
    label = f"claim '{cid}'" if isinstance(cid, str) and cid else f"claims[{index}] (no id)"
    where = f"{path}: {label}"
    problems = []
    for name, required in CLAIM_FIELDS.items():
        if required and (name not in raw or raw[name] in (None, "")):
            needed = ", ".join(k for k, r in CLAIM_FIELDS.items() if r)
            problems.append(f"{where}, field '{name}': missing (every claim needs {needed})")
    for name in sorted(set(raw) - set(CLAIM_FIELDS)):
        problems.append(f"{where}, field '{name}': unknown field (allowed: {', '.join(CLAIM_FIELDS)})")
    if "id" in raw and raw["id"] not in (None, "") and not isinstance(cid, str):
        problems.append(f"{where}, field 'id': must be text, got {cid!r}")
    if isinstance(cid, str) and cid and not _ID.match(cid):
        problems.append(f"{where}, field 'id': use lower-case letters and digits joined by '-'")
    sid = raw.get("source_id")
    if "source_id" in raw and sid not in (None, "") and not (isinstance(sid, str) and sid in source_ids):
        problems.append(f"{where}, field 'source_id': unknown source {sid!r} (not in data/sources.csv)")
    if "statement" in raw and not (isinstance(raw["statement"], str) and raw["statement"].strip()):
        problems.append(f"{where}, field 'statement': must be text saying what the source states")
    check = raw.get("check")
    if "check" in raw:
        if isinstance(check, dict):
            problems += _check_check(check, f"{where}, field 'check", rules)
        else:
            problems.append(f"{where}, field 'check': must be a mapping with a 'kind'")
    if problems or not isinstance(cid, str):
        return (None if not isinstance(cid, str) else Claim(cid, str(raw.get("source_id")), "", {})), problems
    if "disputed" in raw and not (isinstance(raw["disputed"], str) and raw["disputed"].strip()):
        return Claim(cid, str(raw.get("source_id")), "", {}), [f"{where}, field 'disputed': must say why the statement "
                                                               "disagrees with the data"]
    return Claim(cid, raw["source_id"], raw["statement"].strip(), check, str(raw.get("note", "")).strip(),
                 str(raw.get("disputed", "")).strip()), []


def _check_check(check: dict[str, Any], where: str, rules: _Rules) -> list[str]:
    """Problems of a check mapping: its kind, its fields, operators, expected values and expressions."""
    kind = check.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        return [f"{where}.kind': unknown kind {kind!r} (allowed: {', '.join(KINDS)})"]
    required, optional = KINDS[kind]
    needed, allowed = ", ".join(sorted(required)), ", ".join(sorted(required | optional))
    problems = [f"{where}.{f}': missing (a '{kind}' check needs {needed})" for f in sorted(required - set(check))]
    problems += [f"{where}.{f}': unknown field for a '{kind}' check (allowed: kind, {allowed})"
                 for f in sorted(set(check) - required - optional - {"kind"})]
    if problems:
        return problems
    op = check.get("op")
    if "op" in check and not (isinstance(op, str) and op in OPERATORS):
        problems.append(f"{where}.op': unknown operator {op!r} (allowed: {', '.join(OPERATORS)})")
    if "tolerance" in check:
        tol = check["tolerance"]
        if not _is_number(tol) or tol < 0:
            problems.append(f"{where}.tolerance': must be a number >= 0")
        elif op in ("<", "<=", ">", ">="):
            problems.append(f"{where}.tolerance': applies only to '==' and 'between', not to '{op}'")
    if "expected" in check and isinstance(op, str) and op in OPERATORS:
        problems += _check_expected(check["expected"], op, f"{where}.expected'", rules, allow_expr=kind == "compare")
    if kind == "compare":
        problems += _check_expr(check["quantity"], f"{where}.quantity", rules, template=False)
    elif kind == "cumulative":
        total = check["total"]
        if not (isinstance(total, dict) and "measure" in total and "cumulative_to" in total):
            problems.append(f"{where}.total': must be a figure with 'cumulative_to'")
        else:
            problems += _check_expr(total, f"{where}.total", rules, template=False)
        problems += _check_expr(check["yearly"], f"{where}.yearly", rules, template=True)
        if not (_is_year(check["from"]) and _is_year(check["to"]) and check["from"] <= check["to"]):
            problems.append(f"{where}.from'/'to': must be years with from <= to")
    else:
        problems += _check_expr(check["series"], f"{where}.series", rules, template=True)
    if kind == "record":
        if not _is_year(check["year"]):
            problems.append(f"{where}.year': must be a year")
        elif "since" in check and not (_is_year(check["since"]) and check["since"] < check["year"]):
            problems.append(f"{where}.since': must be a year before 'year'")
    if kind in ("trend", "each_year"):
        years = check["years"]
        if not (isinstance(years, list) and years and all(_is_year(y) for y in years) and years == sorted(set(years))):
            problems.append(f"{where}.years': must be a list of distinct years in increasing order")
        elif kind == "trend" and len(years) < 2:
            problems.append(f"{where}.years': a trend needs at least two years")
    if kind == "trend":
        if check["direction"] not in ("increasing", "decreasing"):
            problems.append(f"{where}.direction': must be 'increasing' or 'decreasing'")
        if "min_ratio" in check and not (_is_number(check["min_ratio"]) and check["min_ratio"] > 0):
            problems.append(f"{where}.min_ratio': must be a number > 0")
    if kind == "run_in_range":
        rng = check["range"]
        if not (isinstance(rng, list) and len(rng) == 2 and all(_is_number(v) for v in rng) and rng[0] <= rng[1]):
            problems.append(f"{where}.range': must be [low, high] with low <= high")
        if not _is_year(check["before"]):
            problems.append(f"{where}.before': must be a year")
        if not (isinstance(check["min_years"], int) and check["min_years"] >= 1):
            problems.append(f"{where}.min_years': must be a whole number >= 1")
        since = check.get("since")
        if "since" in check and not (_is_year(since) and _is_year(check["before"]) and since < check["before"]):
            problems.append(f"{where}.since': must be a year before 'before'")
    if "stated" in check:
        stated = check["stated"]
        if not (isinstance(stated, dict) and stated and all(_is_year(y) and _is_number(v) for y, v in stated.items())):
            problems.append(f"{where}.stated': must map years to the numbers the statement gives")
        elif not (isinstance(check["series"], dict) and "measure" in check["series"]):
            problems.append(f"{where}.stated': stated values need a plain figure as the series, not an expression")
    return problems


def _check_expected(expected: Any, op: str, where: str, rules: _Rules, allow_expr: bool) -> list[str]:
    """Problems of an expected value: [low, high] for 'between', else a number (or, in a comparison, an expression)."""
    if op == "between":
        if isinstance(expected, list) and len(expected) == 2 and all(_is_number(v) for v in expected) \
                and expected[0] <= expected[1]:
            return []
        return [f"{where}: 'between' needs [low, high] with low <= high"]
    if _is_number(expected):
        return []
    if allow_expr and isinstance(expected, dict):
        return _check_expr(expected, where.rstrip("'"), rules, template=False)
    return [f"{where}: must be a number" + (" or a figure/expression" if allow_expr else "")]


def _check_expr(expr: Any, where: str, rules: _Rules, template: bool) -> list[str]:
    """Problems of an expression: a figure reference or one operator over expressions; `where` lacks its closing quote."""
    if not isinstance(expr, dict):
        return [f"{where}': must be a figure (with 'measure') or one of {', '.join(EXPRESSIONS)}"]
    if "measure" in expr:
        return _check_ref(expr, where, rules, template)
    if len(expr) != 1 or not isinstance(next(iter(expr)), str) or next(iter(expr)) not in EXPRESSIONS:
        names = ", ".join(str(k) for k in expr)
        return [f"{where}': unknown expression ({names}): a figure needs 'measure'; operators: {', '.join(EXPRESSIONS)}"]
    op, args = next(iter(expr.items()))
    arity = EXPRESSIONS[op]
    if arity == "one":
        return _check_expr(args, f"{where}.{op}", rules, template)
    if not isinstance(args, list) or not args or (arity == "pair" and len(args) != 2):
        return [f"{where}.{op}': needs {'exactly two' if arity == 'pair' else 'a list of'} expressions"]
    problems = []
    for i, arg in enumerate(args):
        problems += _check_expr(arg, f"{where}.{op}[{i}]", rules, template)
    return problems


def _check_ref(ref: dict[str, Any], where: str, rules: _Rules, template: bool) -> list[str]:
    """Problems of a figure reference: known fields and codes, a series with preferred rows, one time selector."""
    problems = [f"{where}.{f}': unknown field of a figure (allowed: {', '.join(sorted(REF_FIELDS))})"
                for f in sorted(set(ref) - REF_FIELDS)]
    key = _ref_key(ref)
    for field_name, codes in zip(KEY_FIELDS, key):
        for code in codes:
            if code not in rules.codes[field_name]:
                problems.append(f"{where}.{field_name}': unknown series code '{code}' "
                                f"(allowed: {', '.join(sorted(rules.codes[field_name]))}; see data/codelist.csv)")
    times = [f for f in TIME_FIELDS if f in ref]
    if template and times:
        problems.append(f"{where}': a series figure takes its years from the check; remove {', '.join(times)}")
    if not template and len(times) != 1:
        problems.append(f"{where}': give exactly one of {', '.join(TIME_FIELDS)} (found {len(times)})")
    if template and "stated" in ref:
        problems.append(f"{where}.stated': in a series, give stated values per year in the check's 'stated'")
    if "stated" in ref and not _is_number(ref["stated"]):
        problems.append(f"{where}.stated': must be the number the statement gives")
    if "year" in ref and not _is_year(ref["year"]):
        problems.append(f"{where}.year': must be a year")
    if "half" in ref and (ref["half"] != 1 or str(ref["measure"]) in STOCK_MEASURES or (not template and "year" not in ref)):
        problems.append(f"{where}.half': only 'half: 1' (January-June) with a yearly flow figure")
    if "stock_date" in ref and (not (isinstance(ref["stock_date"], str) and _MONTH_DAY.match(ref["stock_date"]))
                                or str(ref["measure"]) not in STOCK_MEASURES or (not template and "year" not in ref)):
        problems.append(f"{where}.stock_date': 'MM-DD' (quoted), only with a stock measure "
                        f"({', '.join(sorted(STOCK_MEASURES))}) given by year")
    if "period" in ref:
        period = ref["period"]
        if not (isinstance(period, list) and len(period) == 2 and all(_as_date(d) for d in period)
                and _as_date(period[0]) <= _as_date(period[1])):
            problems.append(f"{where}.period': must be [start, end] ISO dates with start <= end")
    if "date" in ref and not _as_date(ref["date"]):
        problems.append(f"{where}.date': must be an ISO date")
    if "cumulative_to" in ref and not (_is_year(ref["cumulative_to"]) or _as_date(ref["cumulative_to"])):
        problems.append(f"{where}.cumulative_to': must be a year or an ISO date")
    return problems


def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_year(value: Any) -> bool:
    """A whole number that can be a year of these statistics."""
    return isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100


def _as_date(value: Any) -> dt.date | None:
    """A YAML date (parsed or ISO text) as a date, else None."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if len(str(value)) == 10 else None
    except ValueError:
        return None


def _ref_key(ref: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    """The key columns a reference names, each as a tuple of codes (client_type may list several, in order)."""
    types = ref.get("client_type", DEFAULT_CLIENT_TYPES)
    return (
        (str(ref["measure"]),),
        (types,) if isinstance(types, str) else tuple(str(t) for t in types),
        *((str(ref.get(f, "persons" if f == "unit" else "all")),) for f in KEY_FIELDS[2:]),
    )


def _series_label(ref: dict[str, Any]) -> str:
    """Short text for a series: measure, client types, the non-default codes."""
    key = _ref_key(ref)
    parts = [key[0][0], "|".join(key[1])]
    parts += [k[0] for f, k in zip(KEY_FIELDS[2:], key[2:]) if k[0] != ("persons" if f == "unit" else "all")]
    return " ".join(parts)


def _expr_label(expr: dict[str, Any]) -> str:
    """Short text for a series expression: a figure's series label, or the operator over its arguments."""
    if "measure" in expr:
        return _series_label(expr)
    op, args = next(iter(expr.items()))
    return f"{op}({', '.join(_expr_label(a) for a in (args if isinstance(args, list) else [args]))})"


# ------------------------------------------------------------------------------------------------------- evaluation


class FigureLookup:
    """The preferred rows keyed by period and key columns: the one way a claim reads a figure.

    A reference names measure, client type(s), place, form, sex, age, unit and one time selector (see `_period`);
    a list of client types means the first with a figure, as in `series.annual_series`.
    """

    def __init__(self, obs: pd.DataFrame) -> None:
        pref = obs[obs["status"] == "preferred"]
        self.rows: dict[tuple[Any, ...], tuple[float, str, int]] = {}
        columns = [pref["period_start"].dt.date, pref["period_end"].dt.date] + [pref[c].astype(str) for c in KEY_FIELDS]
        for key, value, source, line in zip(zip(*columns), pref["value"], pref["source_id"], pref["line"]):
            self.rows[key] = (float(value), str(source), int(line))
        self.series = {key[2:] for key in self.rows}

    def get(self, ref: dict[str, Any], year: int | None) -> tuple[FigureUse | None, str]:
        """The preferred figure a reference names (for `year` when it is a series), or None; and its label."""
        start, end, when = _period(ref, year)
        key = _ref_key(ref)
        label = f"{_series_label(ref)}, {when}"
        for client_type in key[1]:
            found = self.rows.get((start, end, key[0][0], client_type, *[k[0] for k in key[2:]]))
            if found:
                return FigureUse(label, found[0], found[1], found[2]), label
        if not any((key[0][0], ct, *[k[0] for k in key[2:]]) in self.series for ct in key[1]):
            label += " (no preferred figure of this series in any period)"
        return None, label


def _period(ref: dict[str, Any], year: int | None) -> tuple[dt.date, dt.date, str]:
    """The period a reference covers, and its text: a calendar year or January-June, a stock date, a span."""
    year = ref.get("year", year)
    if "period" in ref:
        start, end = (_as_date(d) for d in ref["period"])
        return start, end, f"{start}..{end}"
    if "date" in ref:
        day = _as_date(ref["date"])
        return day, day, f"on {day}"
    if "cumulative_to" in ref:
        to = ref["cumulative_to"]
        end = dt.date(to, 12, 31) if _is_year(to) else _as_date(to)
        return dt.date(FIRST_YEAR, 1, 1), end, f"{FIRST_YEAR}..{end}"
    if str(ref["measure"]) in STOCK_MEASURES:
        month, day = (int(x) for x in ref.get("stock_date", "12-31").split("-"))
        date = dt.date(year, month, day)
        return date, date, f"on {date}"
    if ref.get("half") == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30), f"Jan-Jun {year}"
    return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)


class _Eval:
    """Evaluates expressions, keeping the figures used, the figures missing and stated numbers that differ."""

    def __init__(self, lookup: FigureLookup) -> None:
        self.lookup = lookup
        self.uses: list[FigureUse] = []
        self.missing: list[str] = []
        self.mismatches: list[str] = []

    def value(self, expr: dict[str, Any], year: int | None = None) -> tuple[float | None, str]:
        """(value or None when a figure is missing, text of the computation)."""
        if "measure" in expr:
            use, label = self.lookup.get(expr, year)
            if use is None:
                self.missing.append(label)
                return None, "?"
            self.uses.append(use)
            if "stated" in expr and abs(use.value - expr["stated"]) > _EPS:
                self.mismatches.append(f"{label}: the preferred figure is {_fmt(use.value)} ({use.source_id}, line "
                                       f"{use.line}), the statement gives {_fmt(expr['stated'])}")
            return use.value, _fmt(use.value)
        op, args = next(iter(expr.items()))
        if op == "first_of":
            return self._first_of(args, year)
        parts = [self.value(a, year) for a in (args if isinstance(args, list) else [args])]
        values = [p[0] for p in parts]
        texts = [p[1] for p in parts]
        text = {
            "sum": lambda: "(" + " + ".join(texts) + ")",
            "max": lambda: f"max({', '.join(texts)})",
            "min": lambda: f"min({', '.join(texts)})",
            "complement": lambda: f"(100 - {texts[0]})",
            "difference": lambda: f"({texts[0]} - {texts[1]})",
            "ratio": lambda: f"{texts[0]} / {texts[1]}",
            "share": lambda: f"100 x {texts[0]} / {texts[1]}",
        }[op]()
        if any(v is None for v in values):
            return None, text
        if op in ("ratio", "share") and values[1] == 0:
            self.missing.append(f"a non-zero denominator (it is 0 in {text})")
            return None, text
        result = {
            "sum": lambda: sum(values), "max": lambda: max(values), "min": lambda: min(values),
            "complement": lambda: 100.0 - values[0], "difference": lambda: values[0] - values[1],
            "ratio": lambda: values[0] / values[1], "share": lambda: 100.0 * values[0] / values[1],
        }[op]()
        return result, text

    def _first_of(self, options: list[dict[str, Any]], year: int | None) -> tuple[float | None, str]:
        """The first alternative whose figures are all published; its figures alone count as used."""
        first_missing: list[str] = []
        for option in options:
            sub = _Eval(self.lookup)
            value, text = sub.value(option, year)
            if value is not None:
                self.uses += sub.uses
                self.mismatches += sub.mismatches
                return value, text
            first_missing = first_missing or sub.missing
        self.missing.append(f"any of {len(options)} ways to compute it (first: {', '.join(first_missing)})")
        return None, "?"


def _fmt(x: float) -> str:
    """A number as text: whole numbers without decimals, others with up to two."""
    if abs(x - round(x)) < _EPS:
        return f"{round(x):d}"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _years_text(years: list[int]) -> str:
    """Years as ranges: 2006-2009, 2014."""
    out, run = [], []
    for y in sorted(years):
        if run and y == run[-1] + 1:
            run.append(y)
        else:
            if run:
                out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
            run = [y]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(out)


def _holds(op: str, value: float, expected: Any, tolerance: float) -> bool:
    """Whether `value op expected` holds (equality and ranges within the tolerance)."""
    if op == "between":
        return expected[0] - tolerance - _EPS <= value <= expected[1] + tolerance + _EPS
    if op == "==":
        return abs(value - expected) <= tolerance + _EPS
    return {"<": value < expected - _EPS, "<=": value <= expected + _EPS,
            ">": value > expected + _EPS, ">=": value >= expected - _EPS}[op]


def _expected_text(op: str, expected: Any, tolerance: float) -> str:
    """The relation as text: '== 123', 'between 60 and 70 (+/- 0.5)'."""
    if op == "between":
        text = f"between {_fmt(expected[0])} and {_fmt(expected[1])}"
    else:
        text = f"{op} {_fmt(expected)}"
    return text + (f" (+/- {_fmt(tolerance)})" if tolerance else "")


@dataclass
class _Outcome:
    """What a checker found: verdict and the texts of the ledger table."""

    verdict: str
    expected: str
    computed: str
    reason: str


def _unwrap(text: str) -> str:
    """Drop one pair of parentheses around a whole computation text."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0 and i < len(text) - 1:
                return text
        return text[1:-1]
    return text


def _check_compare(check: dict[str, Any], ev: _Eval) -> _Outcome:
    """A quantity against a number, a range or another expression."""
    value, text = ev.value(check["quantity"])
    expected, exp_text = check["expected"], ""
    if isinstance(expected, dict):
        expected, exp_text = ev.value(expected)
    op, tol = check["op"], float(check.get("tolerance", 0))
    text, exp_text = _unwrap(text), _unwrap(exp_text)
    result = _fmt(value) if value is not None else "?"
    shown = result if text == result else f"{text} = {result}"
    if expected is None:
        expected_shown = f"{op} {exp_text}"
    else:
        expected_shown = _expected_text(op, expected, tol)
        if exp_text and exp_text != _fmt(expected):
            expected_shown += f" ({exp_text})"
    if value is None or expected is None:
        return _Outcome("cannot_check", expected_shown, shown, "")
    holds = _holds(op, value, expected, tol)
    reason = f"{_fmt(value)} {'satisfies' if holds else 'does not satisfy'} {expected_shown}"
    return _Outcome("true" if holds else "false", expected_shown, shown, reason)


def _series(check: dict[str, Any], ev: _Eval, years: list[int]) -> dict[int, float | None]:
    """The series expression per year (None where a figure is missing, without counting it as missing overall)."""
    out = {}
    for year in years:
        sub = _Eval(ev.lookup)
        value, _ = sub.value(check["series"], year)
        out[year] = value
        if value is not None:
            ev.uses += sub.uses
            ev.mismatches += sub.mismatches
    return out


def _check_stated(check: dict[str, Any], values: dict[int, float | None], ev: _Eval) -> None:
    """Compare the per-year numbers a statement gives with the series (a missing year counts as missing)."""
    for year, stated in check.get("stated", {}).items():
        got = values.get(year)
        if got is None:
            got = _series(check, ev, [year])[year]
        if got is None:
            ev.missing.append(f"{_expr_label(check['series'])}, {year}")
        elif abs(got - stated) > _EPS:
            ev.mismatches.append(f"{_expr_label(check['series'])}, {year}: the preferred figure is {_fmt(got)}, "
                                 f"the statement gives {_fmt(stated)}")


def _check_record(check: dict[str, Any], ev: _Eval) -> _Outcome:
    """The target year's value above every earlier year that has one; years without a figure are listed."""
    year, since = check["year"], check.get("since", FIRST_YEAR)
    values = _series(check, ev, list(range(since, year + 1)))
    _check_stated(check, values, ev)
    target = values.pop(year)
    earlier = {y: v for y, v in values.items() if v is not None}
    gaps = [y for y, v in values.items() if v is None]
    expected = f"> every earlier year with a figure ({since}-{year - 1})"
    if target is None:
        ev.missing.append(f"{_expr_label(check['series'])}, {year}")
        return _Outcome("cannot_check", expected, "", "")
    if not earlier:
        ev.missing.append(f"any earlier year of {_expr_label(check['series'])} ({since}-{year - 1})")
        return _Outcome("cannot_check", expected, _fmt(target), "")
    top = max(earlier, key=lambda y: (earlier[y], y))
    listing = ", ".join(f"{y}: {_fmt(v)}" for y, v in earlier.items())
    holds = target > earlier[top] + _EPS
    reason = (f"{year}: {_fmt(target)} {'>' if holds else '<='} the highest earlier figure {_fmt(earlier[top])} ({top}); "
              f"earlier figures {listing}" + (f"; no figure for {_years_text(gaps)}" if gaps else ""))
    computed = f"{_fmt(target)} vs earlier max {_fmt(earlier[top])} ({top})"
    return _Outcome("true" if holds else "false", expected, computed, reason)


def _check_years(check: dict[str, Any], ev: _Eval) -> tuple[dict[int, float], list[int]]:
    """The series in each listed year (stated numbers checked); the years without a figure count as missing."""
    values = _series(check, ev, check["years"])
    _check_stated(check, values, ev)
    missing = [y for y, v in values.items() if v is None]
    for y in missing:
        ev.missing.append(f"{_expr_label(check['series'])}, {y}")
    return {y: v for y, v in values.items() if v is not None}, missing


def _check_trend(check: dict[str, Any], ev: _Eval) -> _Outcome:
    """Strictly rising (or falling) over the listed years, each step at least `min_ratio` when given."""
    values, missing = _check_years(check, ev)
    rising = check["direction"] == "increasing"
    min_ratio = check.get("min_ratio")
    expected = f"{check['direction']} over {_years_text(check['years'])}" + (
        f", each year at least {_fmt(min_ratio)} times the year before" if min_ratio else "")
    computed = " -> ".join(f"{_fmt(v)} ({y})" for y, v in values.items())
    if missing:
        return _Outcome("cannot_check", expected, computed, "")
    failures = []
    years = check["years"]
    for a, b in zip(years, years[1:]):
        if (values[b] <= values[a] + _EPS) if rising else (values[b] >= values[a] - _EPS):
            failures.append(f"{b} ({_fmt(values[b])}) is not {'above' if rising else 'below'} {a} ({_fmt(values[a])})")
        elif min_ratio and values[a] > 0 and values[b] / values[a] < min_ratio - _EPS:
            failures.append(f"{a}->{b} grew {_fmt(values[b] / values[a])} times, less than {_fmt(min_ratio)}")
    ratios = ", ".join(f"{a}->{b} x{_fmt(values[b] / values[a])}" for a, b in zip(years, years[1:]) if values[a] > 0)
    reason = "; ".join(failures) if failures else f"{check['direction']} each year ({ratios})"
    return _Outcome("false" if failures else "true", expected, computed, reason)


def _check_each_year(check: dict[str, Any], ev: _Eval) -> _Outcome:
    """Every listed year satisfies the relation."""
    values, missing = _check_years(check, ev)
    op, tol = check["op"], float(check.get("tolerance", 0))
    expected = f"each of {_years_text(check['years'])}: {_expected_text(op, check['expected'], tol)}"
    computed = ", ".join(f"{y}: {_fmt(v)}" for y, v in values.items())
    if missing:
        return _Outcome("cannot_check", expected, computed, "")
    bad = [y for y, v in values.items() if not _holds(op, v, check["expected"], tol)]
    reason = (f"fails in {_years_text(bad)}" if bad else "holds in every year") + f" ({computed})"
    return _Outcome("false" if bad else "true", expected, computed, reason)


def _check_run(check: dict[str, Any], ev: _Eval) -> _Outcome:
    """Counting back from the year before `before`, the consecutive years inside the range: at least `min_years`."""
    before, since, (low, high) = check["before"], check.get("since", FIRST_YEAR), check["range"]
    tol = float(check.get("tolerance", 0))
    years = list(range(before - 1, since - 1, -1))
    values = _series(check, ev, years)
    expected = f"between {_fmt(low)} and {_fmt(high)}" + (f" (+/- {_fmt(tol)})" if tol else "") + \
        f" in at least the {check['min_years']} years before {before}"
    if values[before - 1] is None:
        ev.missing.append(f"{_expr_label(check['series'])}, {before - 1}")
        return _Outcome("cannot_check", expected, "", "")
    run, stop = [], None
    for y in years:
        v = values[y]
        if v is None or not (low - tol - _EPS <= v <= high + tol + _EPS):
            stop = y
            break
        run.append(y)
    computed = ", ".join(f"{y}: {_fmt(values[y])}" for y in sorted(run))
    outside = {y: v for y, v in values.items() if v is not None and y not in run}
    gaps = [y for y, v in values.items() if v is None]
    holds = len(run) >= check["min_years"]
    reason = f"inside the range in {len(run)} consecutive year(s) ({computed})"
    if stop is not None:
        reason += f"; the run ends at {stop} ({'no figure' if values[stop] is None else _fmt(values[stop])})"
    if outside:
        reason += "; outside the range: " + ", ".join(f"{y}: {_fmt(v)}" for y, v in sorted(outside.items()))
    if gaps:
        reason += f"; no figure for {_years_text(gaps)}"
    return _Outcome("true" if holds else "false", expected, computed, reason)


def _check_cumulative(check: dict[str, Any], ev: _Eval) -> _Outcome:
    """A published total since 2006 against the sum of the yearly figures; gaps make it uncheckable, not true."""
    total, _ = ev.value(check["total"])
    first, last = check["from"], check["to"]
    tol = float(check.get("tolerance", 0))
    sub = {"series": check["yearly"]}
    values = _series(sub, ev, list(range(first, last + 1)))
    present = {y: v for y, v in values.items() if v is not None}
    gaps = [y for y, v in values.items() if v is None]
    partial = sum(present.values())
    expected = f"sum of yearly figures {first}-{last} == total" + (f" (+/- {_fmt(tol)})" if tol else "")
    if total is None:
        return _Outcome("cannot_check", expected, "", "")
    computed = f"{_fmt(partial)} over {len(present)} of {last - first + 1} years vs total {_fmt(total)}"
    if gaps:
        if partial > total + tol + _EPS:
            return _Outcome("false", expected, computed, f"the {len(present)} years with figures already sum to "
                            f"{_fmt(partial)}, more than the total {_fmt(total)}")
        ev.missing.append(f"{_expr_label(check['yearly'])} in {_years_text(gaps)}")
        return _Outcome("cannot_check", expected, computed, f"the {len(present)} years with figures sum to "
                        f"{_fmt(partial)}, leaving {_fmt(total - partial)} for {_years_text(gaps)}")
    holds = abs(partial - total) <= tol + _EPS
    return _Outcome("true" if holds else "false", expected, computed,
                    f"the yearly figures sum to {_fmt(partial)}, the total is {_fmt(total)}")


_CHECKERS = {
    "compare": _check_compare, "record": _check_record, "trend": _check_trend, "each_year": _check_each_year,
    "run_in_range": _check_run, "cumulative": _check_cumulative,
}


def evaluate_claim(claim: Claim, lookup: FigureLookup, origin: dict[str, str]) -> ClaimResult:
    """Check one claim: verdict, what was compared, why, and whether another publication corroborates it."""
    ev = _Eval(lookup)
    out = _CHECKERS[claim.check["kind"]](claim.check, ev)
    verdict, reason = out.verdict, out.reason
    if ev.mismatches:  # a stated number the data contradict is decisive, whatever else is missing
        verdict = "false"
        reason = "; ".join(ev.mismatches) + (f"; {reason}" if reason else "")
    elif ev.missing or verdict == "cannot_check":
        verdict = "cannot_check"
        gone = "; ".join(dict.fromkeys(ev.missing))
        reason = f"no preferred figure for {gone}" + (f"; {reason}" if reason else "")
    sources = tuple(sorted({u.source_id for u in ev.uses}))
    own = origin.get(claim.source_id, claim.source_id)
    others = tuple(s for s in sources if origin.get(s, s) != own)
    if verdict == "cannot_check":
        corroboration = "n/a"
    else:
        corroboration = "independent" if others else "self_consistent"
    return ClaimResult(claim.id, claim.source_id, claim.statement, claim.check["kind"], out.expected, out.computed,
                       verdict, reason, corroboration, sources, others, tuple(ev.uses), claim.disputed)


def evaluate(ledger: Ledger, obs: pd.DataFrame) -> list[ClaimResult]:
    """Every claim of the ledger checked against the preferred observations, in ledger order."""
    lookup = FigureLookup(obs)
    return [evaluate_claim(c, lookup, ledger.origin) for c in ledger.claims]


def check_ledger(path: str | Path = LEDGER_FILE, data_dir: str | Path | None = None) -> list[ClaimResult]:
    """Load the data package and the ledger, validate both, and evaluate every claim."""
    from ..data.observations import load_data

    obs, sources = load_data(data_dir)
    return evaluate(load_ledger(path, obs=obs, sources=sources), obs)


# ---------------------------------------------------------------------------------------------------------- summaries


def results_table(results: list[ClaimResult]) -> pd.DataFrame:
    """One row per claim: id, source, statement, expected, computed, verdict, corroboration, sources, reason."""
    return pd.DataFrame([{
        "id": r.id, "source_id": r.source_id, "claim": r.statement, "expected": r.expected, "computed": r.computed,
        "verdict": r.verdict, "corroboration": r.corroboration,
        "corroborating_sources": "; ".join(r.corroborating_sources), "reason": r.reason, "disputed": r.disputed,
    } for r in results], columns=["id", "source_id", "claim", "expected", "computed", "verdict", "corroboration",
                                  "corroborating_sources", "reason", "disputed"])


def verdict_counts(results: list[ClaimResult]) -> dict[str, int]:
    """Totals: claims, each verdict, and how the checked ones are corroborated (cannot_check is never passed)."""
    counts = {"total": len(results)}
    counts.update({v: sum(r.verdict == v for r in results) for v in VERDICTS})
    counts.update({c: sum(r.corroboration == c for r in results) for c in CORROBORATION if c != "n/a"})
    counts["disputed"] = sum(bool(r.disputed) for r in results)
    return counts


def counts_by_source(results: list[ClaimResult]) -> pd.DataFrame:
    """Claims per source and verdict (every verdict a column, zeros included), sources in ledger order."""
    order = list(dict.fromkeys(r.source_id for r in results))
    table = pd.crosstab(pd.Categorical([r.source_id for r in results], categories=order),
                        pd.Categorical([r.verdict for r in results], categories=list(VERDICTS)), dropna=False)
    table.index.name, table.columns.name = "source_id", None
    table.columns = [str(c) for c in table.columns]
    return table


def verdict_figure(by_source: pd.DataFrame, title: str = "Claims by source and verdict") -> "matplotlib.figure.Figure":
    """Horizontal stacked bars: per source, how many of its claims are true, false or cannot be checked."""
    import matplotlib.pyplot as plt

    colours = {"true": "#4c9a5f", "false": "#c0392b", "cannot_check": "#b0b0b0"}
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(by_source) + 1.4))
    left = pd.Series(0, index=by_source.index, dtype=float)
    labels = list(by_source.index)[::-1]
    for verdict in VERDICTS:
        counts = by_source[verdict].astype(float)
        ax.barh(labels, counts[labels], left=left[labels], color=colours[verdict], label=verdict.replace("_", " "))
        left += counts
    ax.set_xlabel("claims")
    ax.set_title(title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
