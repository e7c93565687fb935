"""The kinds of check: one checker per kind (compare, record, trend, each_year, run_in_range, cumulative), each
reading its figures through an `Evaluator` and returning an `Outcome`: the verdict and the texts of the ledger table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from ..config import FIRST_YEAR
from . import tolerance
from .expressions import EPS, Evaluator, expression_label, format_number
from .tolerance import holds

_fmt = format_number


@dataclass
class Outcome:
    """What a checker found: verdict and the texts of the ledger table."""

    verdict: str
    expected: str
    computed: str
    reason: str
    margin: str = ""  # "within one person": true only with the one-person tolerance of a rounded percentage


def years_text(years: list[int]) -> str:
    """Years as ranges: ``2006-2009, 2014``.

    Parameters
    ----------
    years : list of int
        Years in any order.

    Returns
    -------
    str
        Runs of consecutive years as ``first-last``, single years alone, joined by commas.
    """
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


def _expected_text(op: str, expected: Any, tol: float) -> str:
    """The relation as text: ``== 123``, ``between 60 and 70 (+/- 0.5)``, ``about 1000 (950 to 1050)``."""
    if op == "between":
        text = f"between {_fmt(expected[0])} and {_fmt(expected[1])}"
    elif op in tolerance.BAND_OPERATORS:
        text = f"{op} {_fmt(expected)} ({tolerance.range_text(tolerance.band(op, expected))})"
    else:
        text = f"{op} {_fmt(expected)}"
    return text + (f" (+/- {_fmt(tol)})" if tol else "")


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


def _series(check: dict[str, Any], ev: Evaluator, years: list[int]) -> dict[int, float | None]:
    """The series expression per year (None where a figure is missing, without counting it as missing overall)."""
    out = {}
    for year in years:
        sub = Evaluator(ev.lookup, ev.own)
        value, _ = sub.value(check["series"], year)
        out[year] = value
        if value is not None:
            ev.adopt(sub)
    return out


def _check_stated(check: dict[str, Any], values: dict[int, float | None], ev: Evaluator) -> None:
    """Compare the per-year numbers a statement gives with the series (a missing year counts as missing)."""
    for year, stated in check.get("stated", {}).items():
        got = values.get(year)
        if got is None:
            got = _series(check, ev, [year])[year]
        if got is None:
            ev.missing.append(f"{expression_label(check['series'])}, {year}")
        elif abs(got - stated) > EPS:
            ev.mismatches.append(
                f"{expression_label(check['series'])}, {year}: the preferred figure is {_fmt(got)}, "
                f"the statement gives {_fmt(stated)}"
            )


def _check_compare(check: dict[str, Any], ev: Evaluator) -> Outcome:
    """A quantity against a number, a band or another expression, over every value the figures allow."""
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
        return Outcome("cannot_check", expected_shown, shown, "")
    quantity = tolerance.span(ev, check["quantity"])
    if isinstance(check["expected"], dict):
        target = tolerance.span(ev, check["expected"])
    else:
        target = tolerance.band(op, expected) if op in tolerance.BAND_OPERATORS else (expected, expected)
    verdict = tolerance.decide(op, quantity, target, tol)  # type: ignore[arg-type]
    if verdict is None:
        return Outcome("cannot_check", expected_shown, shown, _open_reason(ev, quantity, target))  # type: ignore[arg-type]
    reason = f"{_fmt(value)} {'satisfies' if verdict else 'does not satisfy'} {expected_shown}"
    if quantity != (value, value) or (isinstance(check["expected"], dict) and target != (expected, expected)):
        reason += (
            f" for every value the figures allow (quantity {tolerance.range_text(quantity)}"  # type: ignore[arg-type]
            + (f", expected {tolerance.range_text(target)})" if isinstance(check["expected"], dict) else ")")
        )
    return Outcome("true" if verdict else "false", expected_shown, shown, reason)


def no_exact_figure(ev: Evaluator) -> str:
    """The figures used that are printed only as bounds or approximations, as the start of a reason.

    Parameters
    ----------
    ev : Evaluator
        After the check.

    Returns
    -------
    str
        ``no exact figure: <label> is printed as about 80``.
    """
    printed = "; ".join(
        f"{u.label} is printed as {u.qualifier.replace('_', ' ')} {_fmt(u.value)}" for u in ev.inexact()
    )
    return f"no exact figure: {printed}"


def _open_reason(ev: Evaluator, quantity: tolerance.Range, target: tolerance.Range) -> str:
    """Why a relation over ranges is undecided: the figures printed as bounds or approximations, and the ranges."""
    return (
        f"{no_exact_figure(ev)}; over the values they allow the quantity is {tolerance.range_text(quantity)} "
        f"against {tolerance.range_text(target)}: the relation holds for some of them only"
    )


def _check_percentage(check: dict[str, Any], ev: Evaluator) -> Outcome:
    """A printed percentage against 100 x part / whole: it rounds to it, or would with one person more or less in
    the numerator or denominator (not when the claim's own publication prints both counts)."""
    part, part_text = ev.value(check["part"])
    whole, whole_text = ev.value(check["whole"])
    stated, decimals = float(check["stated"]), int(check.get("decimals", 0))
    half = 0.5 * 10.0**-decimals
    expected = f"rounds to {_fmt(stated)} ({_fmt(stated - half)} to {_fmt(stated + half)})"
    computed = f"100 x {part_text} / {whole_text}"
    if part is None or whole is None:
        return Outcome("cannot_check", expected, computed + " = ?", "")
    if whole == 0:
        ev.missing.append(f"a non-zero denominator (it is 0 in {computed})")
        return Outcome("cannot_check", expected, computed + " = ?", "")
    share = 100.0 * part / whole
    computed += f" = {_fmt(share)}"
    if tolerance.rounds_to(share, stated, decimals):
        return Outcome("true", expected, computed, f"{_fmt(share)} rounds to {_fmt(stated)}")
    reason = f"{_fmt(share)} rounds to {round(share, decimals):.{decimals}f}, not {_fmt(stated)}"
    if ev.uses and all(u.source_id in ev.own for u in ev.uses):
        return Outcome(
            "false", expected, computed, reason + "; the claim's own publication prints both counts (no tolerance)"
        )
    nearby = tolerance.within_one_person(part, whole, stated, decimals)
    if nearby:
        return Outcome("true", expected, computed, f"{reason}; {nearby}: true within one person", "within one person")
    return Outcome("false", expected, computed, reason + "; not even with one person more or less in either count")


def _check_record(check: dict[str, Any], ev: Evaluator) -> Outcome:
    """The target year's value above every earlier year that has one; years without a figure are listed."""
    year, since = check["year"], check.get("since", FIRST_YEAR)
    values = _series(check, ev, list(range(since, year + 1)))
    _check_stated(check, values, ev)
    target = values.pop(year)
    earlier = {y: v for y, v in values.items() if v is not None}
    gaps = [y for y, v in values.items() if v is None]
    expected = f"> every earlier year with a figure ({since}-{year - 1})"
    if target is None:
        ev.missing.append(f"{expression_label(check['series'])}, {year}")
        return Outcome("cannot_check", expected, "", "")
    if not earlier:
        ev.missing.append(f"any earlier year of {expression_label(check['series'])} ({since}-{year - 1})")
        return Outcome("cannot_check", expected, _fmt(target), "")
    top = max(earlier, key=lambda y: (earlier[y], y))
    listing = ", ".join(f"{y}: {_fmt(v)}" for y, v in earlier.items())
    holds = target > earlier[top] + EPS
    reason = (
        f"{year}: {_fmt(target)} {'>' if holds else '<='} the highest earlier figure {_fmt(earlier[top])} "
        f"({top}); earlier figures {listing}" + (f"; no figure for {years_text(gaps)}" if gaps else "")
    )
    computed = f"{_fmt(target)} vs earlier max {_fmt(earlier[top])} ({top})"
    return Outcome("true" if holds else "false", expected, computed, reason)


def _check_years(check: dict[str, Any], ev: Evaluator) -> tuple[dict[int, float], list[int]]:
    """The series in each listed year (stated numbers checked); the years without a figure count as missing."""
    values = _series(check, ev, check["years"])
    _check_stated(check, values, ev)
    missing = [y for y, v in values.items() if v is None]
    for y in missing:
        ev.missing.append(f"{expression_label(check['series'])}, {y}")
    return {y: v for y, v in values.items() if v is not None}, missing


def _check_trend(check: dict[str, Any], ev: Evaluator) -> Outcome:
    """Strictly rising (or falling) over the listed years, each step at least `min_ratio` when given."""
    values, missing = _check_years(check, ev)
    rising = check["direction"] == "increasing"
    min_ratio = check.get("min_ratio")
    expected = f"{check['direction']} over {years_text(check['years'])}" + (
        f", each year at least {_fmt(min_ratio)} times the year before" if min_ratio else ""
    )
    computed = " -> ".join(f"{_fmt(v)} ({y})" for y, v in values.items())
    if missing:
        return Outcome("cannot_check", expected, computed, "")
    failures = []
    years = check["years"]
    for a, b in pairwise(years):
        if (values[b] <= values[a] + EPS) if rising else (values[b] >= values[a] - EPS):
            failures.append(f"{b} ({_fmt(values[b])}) is not {'above' if rising else 'below'} {a} ({_fmt(values[a])})")
        elif min_ratio and values[a] > 0 and values[b] / values[a] < min_ratio - EPS:
            failures.append(f"{a}->{b} grew {_fmt(values[b] / values[a])} times, less than {_fmt(min_ratio)}")
    ratios = ", ".join(f"{a}->{b} x{_fmt(values[b] / values[a])}" for a, b in pairwise(years) if values[a] > 0)
    reason = "; ".join(failures) if failures else f"{check['direction']} each year ({ratios})"
    return Outcome("false" if failures else "true", expected, computed, reason)


def _check_each_year(check: dict[str, Any], ev: Evaluator) -> Outcome:
    """Every listed year satisfies the relation."""
    values, missing = _check_years(check, ev)
    op, tol = check["op"], float(check.get("tolerance", 0))
    expected = f"each of {years_text(check['years'])}: {_expected_text(op, check['expected'], tol)}"
    computed = ", ".join(f"{y}: {_fmt(v)}" for y, v in values.items())
    if missing:
        return Outcome("cannot_check", expected, computed, "")
    bad = [y for y, v in values.items() if not holds(op, v, check["expected"], tol)]
    reason = (f"fails in {years_text(bad)}" if bad else "holds in every year") + f" ({computed})"
    return Outcome("false" if bad else "true", expected, computed, reason)


def _check_run(check: dict[str, Any], ev: Evaluator) -> Outcome:
    """Counting back from the year before `before`, the consecutive years inside the range: at least `min_years`."""
    before, since, (low, high) = check["before"], check.get("since", FIRST_YEAR), check["range"]
    tol = float(check.get("tolerance", 0))
    years = list(range(before - 1, since - 1, -1))
    values = _series(check, ev, years)
    expected = (
        f"between {_fmt(low)} and {_fmt(high)}"
        + (f" (+/- {_fmt(tol)})" if tol else "")
        + f" in at least the {check['min_years']} years before {before}"
    )
    if values[before - 1] is None:
        ev.missing.append(f"{expression_label(check['series'])}, {before - 1}")
        return Outcome("cannot_check", expected, "", "")
    run, stop = [], None
    for y in years:
        v = values[y]
        if v is None or not (low - tol - EPS <= v <= high + tol + EPS):
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
        reason += f"; no figure for {years_text(gaps)}"
    return Outcome("true" if holds else "false", expected, computed, reason)


def _check_cumulative(check: dict[str, Any], ev: Evaluator) -> Outcome:
    """A published total since the first year against the sum of the yearly figures; gaps make it uncheckable."""
    total, _ = ev.value(check["total"])
    first, last = check["from"], check["to"]
    tol = float(check.get("tolerance", 0))
    values = _series({"series": check["yearly"]}, ev, list(range(first, last + 1)))
    present = {y: v for y, v in values.items() if v is not None}
    gaps = [y for y, v in values.items() if v is None]
    partial = sum(present.values())
    expected = f"sum of yearly figures {first}-{last} == total" + (f" (+/- {_fmt(tol)})" if tol else "")
    if total is None:
        return Outcome("cannot_check", expected, "", "")
    computed = f"{_fmt(partial)} over {len(present)} of {last - first + 1} years vs total {_fmt(total)}"
    if gaps:
        if partial > total + tol + EPS:
            return Outcome(
                "false",
                expected,
                computed,
                f"the {len(present)} years with figures already sum to "
                f"{_fmt(partial)}, more than the total {_fmt(total)}",
            )
        ev.missing.append(f"{expression_label(check['yearly'])} in {years_text(gaps)}")
        return Outcome(
            "cannot_check",
            expected,
            computed,
            f"the {len(present)} years with figures sum to "
            f"{_fmt(partial)}, leaving {_fmt(total - partial)} for {years_text(gaps)}",
        )
    holds = abs(partial - total) <= tol + EPS
    return Outcome(
        "true" if holds else "false",
        expected,
        computed,
        f"the yearly figures sum to {_fmt(partial)}, the total is {_fmt(total)}",
    )


CHECKERS: dict[str, Callable[[dict[str, Any], Evaluator], Outcome]] = {
    "compare": _check_compare,
    "percentage": _check_percentage,
    "record": _check_record,
    "trend": _check_trend,
    "each_year": _check_each_year,
    "run_in_range": _check_run,
    "cumulative": _check_cumulative,
}
