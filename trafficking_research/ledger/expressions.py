"""Expressions over figures: a figure reference, or one operator (sum, max, min, first_of, difference, ratio, share,
complement) over expressions; their evaluation, their text, and a walk over the figures they name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .lookup import FigureLookup, FigureUse, series_label

#: Tolerance of every comparison of numbers in the ledger.
EPS: float = 1e-9

_TEXT: dict[str, Callable[[list[str]], str]] = {
    "sum": lambda t: "(" + " + ".join(t) + ")",
    "max": lambda t: f"max({', '.join(t)})",
    "min": lambda t: f"min({', '.join(t)})",
    "complement": lambda t: f"(100 - {t[0]})",
    "difference": lambda t: f"({t[0]} - {t[1]})",
    "ratio": lambda t: f"{t[0]} / {t[1]}",
    "share": lambda t: f"100 x {t[0]} / {t[1]}",
}
_VALUE: dict[str, Callable[[list[float]], float]] = {
    "sum": sum,
    "max": max,
    "min": min,
    "complement": lambda v: 100.0 - v[0],
    "difference": lambda v: v[0] - v[1],
    "ratio": lambda v: v[0] / v[1],
    "share": lambda v: 100.0 * v[0] / v[1],
}


def format_number(x: float) -> str:
    """A number as text: whole numbers without decimals, others with up to two.

    Parameters
    ----------
    x : float
        The number.

    Returns
    -------
    str
        ``123``, ``61.5``, ``0.33``.
    """
    if abs(x - round(x)) < EPS:
        return f"{round(x):d}"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def arguments(args: Any) -> list[Any]:
    """The arguments of an operator as a list (one expression alone for ``complement``)."""
    return args if isinstance(args, list) else [args]


def expression_label(expr: dict[str, Any]) -> str:
    """Short text for a series expression: a figure's series label, or the operator over its arguments.

    Parameters
    ----------
    expr : dict
        A figure reference or an operator over expressions.

    Returns
    -------
    str
        For example ``complement(admitted victim|unspecified finland percent)``.
    """
    if "measure" in expr:
        return series_label(expr)
    op, args = next(iter(expr.items()))
    return f"{op}({', '.join(expression_label(a) for a in arguments(args))})"


def figures_in(expr: dict[str, Any], location: tuple[str | int, ...]) -> Iterator[tuple[dict[str, Any], tuple]]:
    """Every figure reference of a (schema-valid) expression, with its location in the document.

    Parameters
    ----------
    expr : dict
        The expression.
    location : tuple
        Its own location (keys and list indices).

    Yields
    ------
    tuple
        A figure reference and its location.
    """
    if "measure" in expr:
        yield expr, location
        return
    op, args = next(iter(expr.items()))
    if isinstance(args, list):
        for i, arg in enumerate(args):
            yield from figures_in(arg, location + (op, i))
    else:
        yield from figures_in(args, location + (op,))


class Evaluator:
    """Evaluates expressions, keeping the figures used, the figures missing and the stated numbers that differ.

    Parameters
    ----------
    lookup : FigureLookup
        Where figures are read.
    own : tuple of str
        The sources of the claim's own publication, the claim's source first: where a figure marked ``own`` is read.
    """

    def __init__(self, lookup: FigureLookup, own: tuple[str, ...] = ()) -> None:
        self.lookup = lookup
        self.own = own
        self.uses: list[FigureUse] = []
        self.missing: list[str] = []
        self.mismatches: list[str] = []

    def value(self, expr: dict[str, Any], year: int | None = None) -> tuple[float | None, str]:
        """The value of an expression (None when a figure is missing) and the text of the computation.

        Parameters
        ----------
        expr : dict
            A figure reference or an operator over expressions.
        year : int or None
            The year of the series figures in it.

        Returns
        -------
        tuple
            Value or None, and the computation as text.
        """
        if "measure" in expr:
            return self._figure(expr, year)
        op, args = next(iter(expr.items()))
        if op == "first_of":
            return self._first_of(args, year)
        parts = [self.value(a, year) for a in arguments(args)]
        values = [p[0] for p in parts]
        text = _TEXT[op]([p[1] for p in parts])
        if any(v is None for v in values):
            return None, text
        if op in ("ratio", "share") and values[1] == 0:
            self.missing.append(f"a non-zero denominator (it is 0 in {text})")
            return None, text
        return _VALUE[op](values), text

    def _figure(self, ref: dict[str, Any], year: int | None) -> tuple[float | None, str]:
        use, label = self.lookup.get(ref, year, self.own)
        if use is None:
            self.missing.append(label)
            return None, "?"
        self.uses.append(use)
        if "stated" in ref and abs(use.value - ref["stated"]) > EPS:
            self.mismatches.append(
                f"{label}: the preferred figure is {format_number(use.value)} ({use.source_id}, "
                f"line {use.line}), the statement gives {format_number(ref['stated'])}"
            )
        return use.value, format_number(use.value)

    def _first_of(self, options: list[dict[str, Any]], year: int | None) -> tuple[float | None, str]:
        """The first alternative whose figures are all published; its figures alone count as used."""
        first_missing: list[str] = []
        for option in options:
            sub = Evaluator(self.lookup, self.own)
            value, text = sub.value(option, year)
            if value is not None:
                self.adopt(sub)
                return value, text
            first_missing = first_missing or sub.missing
        self.missing.append(f"any of {len(options)} ways to compute it (first: {', '.join(first_missing)})")
        return None, "?"

    def inexact(self) -> list[FigureUse]:
        """The figures used that the source printed as a bound or an approximation (each once)."""
        return list({(u.label, u.line): u for u in self.uses if u.qualifier != "exact"}.values())

    def adopt(self, other: Evaluator) -> None:
        """Take over the figures another evaluator used and the stated numbers it found to differ."""
        self.uses += other.uses
        self.mismatches += other.mismatches
