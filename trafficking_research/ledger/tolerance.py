"""The ledger's tolerance, as rules: what a printed number allows, and when a relation holds for it.

- **Rounded percentages.** A percentage printed with `d` decimals is true when the exact share rounds to it (lies
  within half a unit of the last decimal, either rounding convention), and *true within one person* when it does not
  but a difference of at most one person in the numerator or in the denominator would make it round to it (a count
  revised by one, or taken a day apart). The one-person tolerance does not apply when the claim's own publication
  prints both counts: its percentage must then round from them.
- **About, almost, more than.** "About N" is N within a relative band of `ABOUT_BAND` (5%) either side; "almost N"
  is the one-sided band below N (at most N, at least N less 5%); "more than N" and "at least N" are one-sided bounds
  with no upper limit, "less than N" and "at most N" with none below but zero. The same rules read a claim's words
  (the operators ``about`` and ``almost``; "more than" is ``>``) and the data's figures printed as bounds or
  approximations (their `qualifier`): such a figure stands for every count it allows, strict bounds moving by one
  whole person (for counts of persons; by a negligible amount for other units).
- **Verdict over a range.** A relation is true when it holds for every value the figures allow, false when it holds
  for none, and undecided (the claim cannot be checked: no exact figure is published) otherwise. With exact figures
  this is the plain comparison.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .expressions import EPS, Evaluator, arguments, format_number

#: Relative half-width of "about N" (and the depth of "almost N" below N).
ABOUT_BAND: float = 0.05
#: How far a strict bound moves for a figure that is not a whole count of persons.
OPEN_STEP: float = 1e-6
#: Operators whose expected value is a band (a range the quantity must lie in).
BAND_OPERATORS: tuple[str, ...] = ("between", "about", "almost")

Range = tuple[float, float]


def figure_range(value: float, qualifier: str, unit: str = "persons") -> Range:
    """The values a figure printed as `value` with `qualifier` allows.

    Parameters
    ----------
    value : float
        The number printed.
    qualifier : str
        exact, about, more_than, at_least, less_than or at_most (data/codelist.csv).
    unit : str
        The figure's unit; counts of ``persons`` are whole numbers, so strict bounds move by one person and the band
        of "about" is narrowed to whole persons.

    Returns
    -------
    tuple of float
        (lowest, highest); an open side is infinity, and counts and shares are never below zero.
    """
    whole = unit == "persons"
    step = 1.0 if whole else OPEN_STEP
    if qualifier == "exact":
        return value, value
    if qualifier == "about":
        low, high = value - ABOUT_BAND * abs(value), value + ABOUT_BAND * abs(value)
        return (math.ceil(low - EPS), math.floor(high + EPS)) if whole else (low, high)
    if qualifier == "more_than":
        return value + step, math.inf
    if qualifier == "at_least":
        return value, math.inf
    if qualifier == "less_than":
        return 0.0, value - step
    if qualifier == "at_most":
        return 0.0, value
    raise ValueError(f"unknown qualifier {qualifier!r}")


def band(op: str, expected: Any) -> Range:
    """The range an operator with a band accepts: ``between`` [low, high], ``about`` N, ``almost`` N.

    Parameters
    ----------
    op : str
        ``between``, ``about`` or ``almost``.
    expected : float or [low, high]
        The check's expected value.

    Returns
    -------
    tuple of float
        (low, high).
    """
    if op == "between":
        return float(expected[0]), float(expected[1])
    n = float(expected)
    if op == "about":
        return n - ABOUT_BAND * abs(n), n + ABOUT_BAND * abs(n)
    if op == "almost":
        return n - ABOUT_BAND * abs(n), n
    raise ValueError(f"operator {op!r} has no band")


def holds(op: str, value: float, expected: Any, tolerance: float = 0.0) -> bool:
    """Whether `value op expected` holds for one exact value (equality and bands within the tolerance).

    Parameters
    ----------
    op : str
        ``==``, ``<``, ``<=``, ``>``, ``>=``, ``between``, ``about`` or ``almost``.
    value : float
        The quantity.
    expected : float or [low, high]
        The expected value (a pair for ``between``).
    tolerance : float
        Allowed distance for ``==`` and the bands.

    Returns
    -------
    bool
    """
    if op in BAND_OPERATORS:
        low, high = band(op, expected)
        return low - tolerance - EPS <= value <= high + tolerance + EPS
    if op == "==":
        return abs(value - expected) <= tolerance + EPS
    return {
        "<": value < expected - EPS,
        "<=": value <= expected + EPS,
        ">": value > expected + EPS,
        ">=": value >= expected - EPS,
    }[op]


def decide(op: str, quantity: Range, expected: Range, tolerance: float = 0.0) -> bool | None:
    """Whether `quantity op expected` holds for every value the two ranges allow (True), for none (False), or for
    some only (None).

    Parameters
    ----------
    op : str
        An operator of `holds`. For the band operators `expected` is the band itself (`band`).
    quantity : tuple of float
        The quantity's range.
    expected : tuple of float
        The expected value's range (low == high when exact), or the band.
    tolerance : float
        As in `holds`.

    Returns
    -------
    bool or None
        With exact values (both ranges single points) the same answer as `holds`.
    """
    q_low, q_high = quantity
    e_low, e_high = expected
    if op in BAND_OPERATORS:
        every = e_low - tolerance - EPS <= q_low and q_high <= e_high + tolerance + EPS
        none = q_high < e_low - tolerance - EPS or q_low > e_high + tolerance + EPS
    elif op == "==":
        every = max(q_high - e_low, e_high - q_low) <= tolerance + EPS
        none = q_low - e_high > tolerance + EPS or e_low - q_high > tolerance + EPS
    elif op in ("<", "<="):
        every, none = holds(op, q_high, e_low), not holds(op, q_low, e_high)
    else:
        every, none = holds(op, q_low, e_high), not holds(op, q_high, e_low)
    return True if every else False if none else None


def _ratio(a: Range, b: Range) -> Range:
    if b[0] <= 0 <= b[1]:
        return -math.inf, math.inf
    corners = [x / y for x in a for y in b if not (math.isinf(x) and math.isinf(y))]
    return min(corners), max(corners)


#: Range arithmetic of the ledger's operators (`expressions`): the smallest range holding every result.
RANGE_OPS: dict[str, Callable[[Sequence[Range]], Range]] = {
    "sum": lambda r: (sum(x[0] for x in r), sum(x[1] for x in r)),
    "max": lambda r: (max(x[0] for x in r), max(x[1] for x in r)),
    "min": lambda r: (min(x[0] for x in r), min(x[1] for x in r)),
    "complement": lambda r: (100.0 - r[0][1], 100.0 - r[0][0]),
    "difference": lambda r: (r[0][0] - r[1][1], r[0][1] - r[1][0]),
    "ratio": lambda r: _ratio(r[0], r[1]),
    "share": lambda r: tuple(100.0 * x for x in _ratio(r[0], r[1])),  # type: ignore[return-value]
}


def span(ev: Evaluator, expr: dict[str, Any], year: int | None = None) -> Range | None:
    """The range of values an expression takes over every value its figures allow (None when a figure is missing,
    or a denominator is exactly 0: where `Evaluator.value` gives None).

    Parameters
    ----------
    ev : Evaluator
        Reads the figures; nothing is recorded (`Evaluator.value` records the figures used).
    expr, year : dict, int or None
        The expression and the year of its series figures, as `Evaluator.value` takes them.

    Returns
    -------
    tuple of float or None
        (lowest, highest).
    """
    if "measure" in expr:
        use, _ = ev.lookup.get(expr, year, ev.own)
        return None if use is None else figure_range(use.value, use.qualifier, str(expr.get("unit", "persons")))
    op, args = next(iter(expr.items()))
    if op == "first_of":
        return next((r for r in (span(ev, a, year) for a in args) if r is not None), None)
    parts = [span(ev, a, year) for a in arguments(args)]
    if any(p is None for p in parts):
        return None
    if op in ("ratio", "share") and parts[1] == (0.0, 0.0):
        return None
    return RANGE_OPS[op](parts)  # type: ignore[arg-type]


def range_text(r: Range) -> str:
    """A range as text: ``76 to 84``, or the single value."""
    if abs(r[1] - r[0]) < EPS:
        return format_number(r[0])
    return (
        f"{format_number(r[0])} to {format_number(r[1])}" if math.isfinite(r[1]) else f"{format_number(r[0])} or more"
    )


def rounds_to(share: float, stated: float, decimals: int = 0) -> bool:
    """Whether a share (percent) rounds to the stated percentage printed with `decimals` decimals (either rounding
    convention at the midpoint).

    Parameters
    ----------
    share : float
        The exact share in percent.
    stated : float
        The percentage printed.
    decimals : int
        Its decimals.

    Returns
    -------
    bool
    """
    return abs(share - stated) <= 0.5 * 10.0**-decimals + EPS


def within_one_person(part: float, whole: float, stated: float, decimals: int = 0) -> str | None:
    """A difference of at most one person in the numerator or the denominator that makes the share round to the
    stated percentage, as text; None when there is none.

    Parameters
    ----------
    part, whole : float
        The counts (whole persons).
    stated, decimals : float, int
        The percentage printed and its decimals, as `rounds_to` reads them.

    Returns
    -------
    str or None
        For example ``with one person fewer in the numerator, 100 x 87 / 130 = 66.92 rounds to 67``.
    """
    tries = [
        (part - 1, whole, "one person fewer in the numerator"),
        (part + 1, whole, "one person more in the numerator"),
        (part, whole - 1, "one person fewer in the denominator"),
        (part, whole + 1, "one person more in the denominator"),
    ]
    for p, w, how in tries:
        if p < 0 or w <= 0 or (p > w and part <= whole):
            continue
        share = 100.0 * p / w
        if rounds_to(share, stated, decimals):
            return (
                f"with {how}, 100 x {format_number(p)} / {format_number(w)} = {format_number(share)} "
                f"rounds to {format_number(stated)}"
            )
    return None
