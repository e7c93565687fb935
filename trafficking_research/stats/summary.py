"""A model's summary as a researcher reads it, in the spirit of statsmodels' ``Summary``: a header of facts about the
fit, then tables (coefficients, derived estimates), shown as HTML in JupyterLab and as text in a terminal.

Numbers keep three significant figures; what does not exist reads "–"; nothing is cut. Pure formatting: no files,
no figures.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

MISSING = "–"


def fmt(value: Any, digits: int = 3) -> str:
    """A number with `digits` significant figures (whole numbers in full, with thousands separators), "–" for
    None or NaN; text unchanged."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return MISSING
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if float(v).is_integer() and abs(v) >= 10 ** (digits - 1):
        return f"{v:,.0f}"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
        return f"{v:.{digits - 1}e}"
    text = f"{v:#.{digits}g}"
    return text.rstrip(".") if "e" not in text else text


def interval(low: Any, high: Any) -> str:
    """An interval as "low to high" ("–" for an end that does not exist)."""
    if low is None and high is None:
        return MISSING
    return f"{fmt(low)} to {fmt(high)}"


@dataclass(frozen=True)
class Summary:
    """A fit's summary: a title, a header (label, value pairs), tables and notes.

    Attributes
    ----------
    title : str
        What was fitted.
    header : tuple of (str, str)
        Facts about the fit (series, years, n, model, dispersion, residual df, interval method).
    tables : tuple of (str, pandas.DataFrame)
        Titled tables of numbers (formatted when shown; the frames keep the numbers).
    notes : tuple of str
        What the reader should know that the tables do not say.
    """

    title: str
    header: tuple[tuple[str, str], ...]
    tables: tuple[tuple[str, pd.DataFrame], ...]
    notes: tuple[str, ...] = ()

    def table(self, title: str) -> pd.DataFrame:
        """One of the tables by title (the numbers, unformatted)."""
        for name, frame in self.tables:
            if name == title:
                return frame
        raise KeyError(f"no table {title!r}; tables: {', '.join(n for n, _ in self.tables)}")

    @staticmethod
    def _shown(frame: pd.DataFrame) -> pd.DataFrame:
        """The table formatted, its index a first column (one header row)."""
        return frame.apply(lambda col: col.map(fmt)).astype(str).reset_index()

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self.header) if self.header else 0
        lines = [self.title, "=" * len(self.title)]
        lines += [f"{k + ':':<{width + 1}} {v}" for k, v in self.header]
        for name, frame in self.tables:
            shown = self._shown(frame)
            first = shown.columns[0]
            width = max(len(str(first)), *(len(v) for v in shown[first]))
            shown[first] = shown[first].str.ljust(width)  # labels read from the left
            shown = shown.rename(columns={first: str(first).ljust(width)})
            lines += ["", name, "-" * len(name), shown.to_string(index=False)]
        if self.notes:
            lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self.header
        )
        parts = [
            f"<div class='tr-summary'><p><b>{html.escape(self.title)}</b></p>",
            f"<table class='tr-summary-header'>{rows}</table>",
        ]
        for name, frame in self.tables:
            shown = self._shown(frame)
            parts.append(f"<p><b>{html.escape(name)}</b></p>")
            parts.append(shown.to_html(escape=True, classes="tr-summary-table", justify="left", index=False))
        parts += [f"<p><i>Note:</i> {html.escape(n)}</p>" for n in self.notes]
        return "".join(parts) + "</div>"
