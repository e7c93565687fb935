"""How the notebooks and the run's index show numbers and tables: one place for every display rule.

- Tables are never cut: every row, every column and the whole text of every cell.
- Counts are integers with thousands separators (``1,257``, never ``1257.0`` or ``1.26e+03``); a gap is "–".
- A meaningless 0..n index is not printed.
- An estimate is shown in words (its description), with value, unit, a labelled interval ("95% CI") and its
  p-value beside its test statistic; its row carries the estimate's key as an HTML id, so that the run's index can
  link to the place the number is shown.

Nothing happens on import: notebooks call `setup()` once (or use `display_options()` as a context) for pandas' own
display of a table, and `show_table` / `show_estimates` for the tables and numbers they report.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..config import CI_LABEL
from ..stats.result import Estimate, plain
from ..stats.summary import Summary

#: What a gap (a missing value) looks like wherever a number would stand.
GAP = "–"
#: Units whose values are counts of something: shown as whole numbers with thousands separators.
COUNT_UNITS = frozenset(
    {
        "persons",
        "claims",
        "rows",
        "sources",
        "checks",
        "figures",
        "origins",
        "clients",
        "victims",
        "tables",
        "replicates",
        "forecasts",
        "breaks",
    }
)
#: Units shown as percentages (value x 100) and percentage points.
PROPORTION_UNITS = {
    "proportion": "%",
    "difference of proportions": " percentage points",
}
#: Significant digits of a number that is neither a count nor a year.
DIGITS = 3

#: pandas display options under which nothing is cut and no float is shown in e-notation.
PANDAS_OPTIONS: dict[str, Any] = {
    "display.max_rows": None,
    "display.max_columns": None,
    "display.max_colwidth": None,
    "display.width": 100_000,
    "display.expand_frame_repr": False,
    "display.float_format": lambda v: plain_number(v),
}


def setup() -> None:
    """Set pandas' display options so that tables a notebook displays are never cut (call once, at its start)."""
    for key, value in PANDAS_OPTIONS.items():
        pd.set_option(key, value)


@contextmanager
def display_options() -> Iterator[None]:
    """`PANDAS_OPTIONS` for the duration of a ``with`` block, the previous options restored after it."""
    flat = [item for pair in PANDAS_OPTIONS.items() for item in pair]
    with pd.option_context(*flat):
        yield


# --- numbers ---------------------------------------------------------------------------------------------------------


def is_gap(value: Any) -> bool:
    """True for None, NaN and pandas' missing values."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def plain_number(value: Any, digits: int = DIGITS) -> str:
    """A number in plain notation: whole numbers with thousands separators, others to `digits` significant digits.

    Parameters
    ----------
    value : number or None
        The number (None or NaN gives the gap sign).
    digits : int
        Significant digits of a number that is not whole.

    Returns
    -------
    str
        For example ``1,257``, ``20.8``, ``0.000969``; never e-notation.
    """
    if is_gap(value):
        return GAP
    value = plain(value)
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    magnitude = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(value: Any) -> str:
    """A count: a whole number with thousands separators (a fractional model estimate is rounded)."""
    if is_gap(value):
        return GAP
    return f"{round(float(value)):,}"


def p_value(value: Any) -> str:
    """A p-value: two significant digits, ``< 0.001`` below that."""
    if is_gap(value):
        return GAP
    v = float(value)
    return "< 0.001" if v < 0.001 else plain_number(v, 2)


def value_in_unit(value: Any, unit: str) -> tuple[str, str]:
    """A value and its unit as shown: counts whole, proportions as percentages, years as years.

    Parameters
    ----------
    value : number or None
        The value as recorded in results.json.
    unit : str
        Its unit as recorded.

    Returns
    -------
    tuple of str
        The formatted number and the unit to print after it (may be "" or start with a space-less sign).
    """
    if is_gap(value):
        return GAP, unit
    if unit in PROPORTION_UNITS:
        number = plain_number(100 * float(value))
        if unit == "difference of proportions" and float(value) > 0:
            number = "+" + number
        return number, PROPORTION_UNITS[unit]
    if unit == "year":
        return str(int(value)), ""
    if unit in COUNT_UNITS:
        return count(value), unit[:-1] if value == 1 else unit  # "1 break", "1 person"
    return plain_number(value), unit


def joined(number: str, unit: str) -> str:
    """A formatted number and its unit as one piece of text (``50.4%``, ``244 persons``)."""
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" or unit.startswith(" ") else f"{number} {unit}"


def interval(ci: tuple[Any, Any] | list[Any] | None, unit: str) -> str:
    """``95% CI low to high`` in the unit's display (empty when there is no interval)."""
    if ci is None:
        return ""
    low, _ = value_in_unit(ci[0], unit)
    high, shown = value_in_unit(ci[1], unit)
    if shown == "%":
        return f"{CI_LABEL} {low}% to {high}%"
    return f"{CI_LABEL} {low} to {high}" + (shown if shown.startswith(" ") else "")


def value_text(entry: Mapping[str, Any]) -> str:
    """A results.json entry's number: ``value unit (95% CI a to b), p = x`` (interval and p-value when it has them).

    Parameters
    ----------
    entry : mapping
        An entry of results.json (value, unit, optional ci and p_value).

    Returns
    -------
    str
        The number as a reader sees it.
    """
    unit = entry.get("unit", "")
    text = joined(*value_in_unit(entry.get("value"), unit))
    ci = interval(entry.get("ci"), unit)
    if ci:
        text += f" ({ci})"
    if "p_value" in entry:
        shown = p_value(entry["p_value"])
        text += f", p {shown}" if shown.startswith("<") else f", p = {shown}"
    return text


def entry_text(entry: Mapping[str, Any], label: str | None = None) -> str:
    """One results.json entry in words: ``label: value unit (95% CI a to b), p = x`` (label: its description)."""
    return f"{entry.get('description', '') if label is None else label}: {value_text(entry)}"


# --- tables ----------------------------------------------------------------------------------------------------------


def _is_year(name: Any, column: pd.Series) -> bool:
    values = column.dropna()
    return "year" in str(name).lower() and not values.empty and bool(((values >= 1800) & (values <= 2200)).all())


def _integral(column: pd.Series) -> bool:
    values = column.dropna()
    if values.empty or column.dtype == bool:
        return False
    if pd.api.types.is_integer_dtype(column):
        return True
    return bool(pd.api.types.is_float_dtype(column) and np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))


def _with_index(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a meaningful index turned into columns, a plain 0..n index dropped."""
    if isinstance(table.index, pd.RangeIndex) and table.index.name is None:
        return table
    return table.reset_index()


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The table as text, cell by cell, by the display rules (a 0..n index dropped, any other kept as columns).

    Parameters
    ----------
    table : pandas.DataFrame
        The table to show.

    Returns
    -------
    pandas.DataFrame
        Same columns (named index levels first), every cell a string.
    """
    frame = _with_index(table)
    out = {}
    for name in frame.columns:
        column = frame[name]
        if _integral(column) and _is_year(name, column):
            out[name] = [GAP if is_gap(v) else str(int(v)) for v in column]
        elif _integral(column):
            out[name] = [count(v) for v in column]
        elif pd.api.types.is_bool_dtype(column):
            out[name] = ["yes" if v else "no" for v in column]
        elif pd.api.types.is_numeric_dtype(column):
            out[name] = [plain_number(v) for v in column]
        else:
            out[name] = [GAP if is_gap(v) else str(plain_number(v) if isinstance(v, float) else v) for v in column]
    return pd.DataFrame(out, columns=list(frame.columns))


class _Shown:
    """A displayable object with fixed HTML and text forms (no memory address in its text)."""

    def __init__(self, html_text: str, plain_text: str) -> None:
        self._html = html_text
        self._text = plain_text

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self._text


def table_html(table: pd.DataFrame, name: str = "", caption: str = "") -> str:
    """The HTML of a table by the display rules: header, every row, gaps as "–", numbers right-aligned."""
    shown = formatted(table)
    numeric = [
        pd.api.types.is_numeric_dtype(c) and not pd.api.types.is_bool_dtype(c) for _, c in _with_index(table).items()
    ]
    ident = f" id='table-{html.escape(name)}'" if name else ""
    parts = [f"<table class='tr-table'{ident}>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append(
        "<thead><tr>"
        + "".join(f"<th style='text-align:left'>{html.escape(str(c))}</th>" for c in shown.columns)
        + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in shown.itertuples(index=False):
        cells = "".join(
            f"<td style='text-align:{'right' if num else 'left'}'>{html.escape(v)}</td>" for v, num in zip(row, numeric)
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def show_table(table: pd.DataFrame | Summary, name: str = "", caption: str = "") -> None:
    """Display a table in a notebook by the display rules (HTML and plain text, neither ever cut).

    Parameters
    ----------
    table : pandas.DataFrame or Summary
        The table (as saved to CSV: this changes only how it looks), or a model's summary, shown as it is.
    name : str
        The table's name (its CSV file stem); the HTML table gets the id ``table-<name>``.
    caption : str
        A caption above the table.
    """
    from IPython.display import display

    if not isinstance(table, pd.DataFrame):  # a model's own summary (`stats.summary.Summary`) shows itself
        display(table)
        return
    shown = formatted(table)
    text = shown.to_string(index=False)
    if caption:
        text = f"{caption}\n{text}"
    display(_Shown(table_html(table, name, caption), text))


def estimate_entries(estimates: Iterable[Estimate], notebook: str) -> list[tuple[str, dict[str, Any]]]:
    """Each estimate's key (``<notebook>.<name>``) and its entry as results.json holds it."""
    out = []
    for e in estimates:
        entry: dict[str, Any] = {
            "value": plain(e.value),
            "unit": e.unit,
            "description": e.description,
        }
        if e.ci is not None:
            entry["ci"] = [plain(c) for c in e.ci]
        entry.update(e.extra)
        out.append((f"{notebook}.{e.name}", entry))
    return out


def estimates_html(entries: list[tuple[str, Mapping[str, Any]]]) -> str:
    """A table of estimates: what, value, unit, interval, p-value; each row's id is the estimate's key."""
    with_p = any("p_value" in entry for _, entry in entries)
    head = ["what", "value", "unit", CI_LABEL] + (["p-value"] if with_p else [])
    parts = [
        "<table class='tr-estimates'><thead><tr>"
        + "".join(f"<th style='text-align:left'>{h}</th>" for h in head)
        + "</tr></thead><tbody>"
    ]
    for key, entry in entries:
        number, unit = value_in_unit(entry.get("value"), entry.get("unit", ""))
        ci = interval(entry.get("ci"), entry.get("unit", "")).removeprefix(f"{CI_LABEL} ") or GAP
        cells = [
            html.escape(str(entry.get("description", ""))),
            number,
            html.escape(unit.strip()),
            ci,
        ]
        if with_p:
            cells.append(p_value(entry["p_value"]) if "p_value" in entry else GAP)
        tds = "".join(
            f"<td style='text-align:{'left' if i in (0, 2) else 'right'}'>{c}</td>" for i, c in enumerate(cells)
        )
        parts.append(f"<tr id='{html.escape(key)}'>{tds}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def show_estimates(estimates: Iterable[Estimate], notebook: str) -> None:
    """Display estimates in words: description, value, unit, labelled 95% CI, p-value beside its statistic.

    Parameters
    ----------
    estimates : iterable of Estimate
        The estimates (as an analysis holds them, named relative to it).
    notebook : str
        The notebook's name; each row's HTML id is the key ``<notebook>.<name>`` results.json uses.
    """
    from IPython.display import display

    entries = estimate_entries(estimates, notebook)
    text = "\n".join(entry_text(entry) for _, entry in entries)
    display(_Shown(estimates_html(entries), text))


def show_notes(notes: Iterable[str]) -> None:
    """Print the reasons an analysis gives for what it could not compute, one per line (nothing if none)."""
    for note in notes:
        print(f"Note: {note}")
