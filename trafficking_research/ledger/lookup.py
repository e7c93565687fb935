"""Figure references: how a claim names a preferred figure, which period it covers, and the lookup that reads it.

A reference names measure, client type(s), place, form, sex, age and unit, and one time selector: ``year`` (the
period `config.period_of` gives a figure of that year: a calendar year, January-June with ``half: 1``, a stock
date), ``period`` [start, end], ``date`` (a stock), or ``cumulative_to`` (since 1 January of `FIRST_YEAR`). A list
of client types means the first with a figure, as in `data.series.annual_series`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..config import DEFAULT_STOCK_DATE, STOCK_MEASURES, VICTIMS, period_of

#: The key columns a reference names, in the order of the observations' key.
KEY_FIELDS: tuple[str, ...] = ("measure", "client_type", "place", "form", "sex", "age", "unit")
#: The fields that say which period a reference covers (a figure gives exactly one; a series none).
TIME_FIELDS: tuple[str, ...] = ("year", "period", "date", "cumulative_to")
#: Client types of a reference that names none.
DEFAULT_CLIENT_TYPES: tuple[str, ...] = VICTIMS


@dataclass(frozen=True)
class FigureUse:
    """One preferred figure a check used: what it is, its value, the source and CSV line it comes from, and how the
    source printed it (``qualifier``: ``exact``, or a bound or approximation such as ``about`` or ``more_than``)."""

    label: str
    value: float
    source_id: str
    line: int
    qualifier: str = "exact"


def as_date(value: Any) -> dt.date | None:
    """An ISO date (text or a date) as a date, else None.

    Parameters
    ----------
    value : Any
        ``"2020-12-31"`` or a `datetime.date`.

    Returns
    -------
    datetime.date or None
        None when `value` is not a valid ISO date.
    """
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if len(str(value)) == 10 else None
    except ValueError:
        return None


def _default(field: str) -> str:
    return "persons" if field == "unit" else "all"


def ref_key(ref: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    """The key columns a reference names, each as a tuple of codes (client_type may list several, in order).

    Parameters
    ----------
    ref : dict
        A figure reference of the ledger.

    Returns
    -------
    tuple of tuple of str
        One tuple per field of `KEY_FIELDS`.
    """
    types = ref.get("client_type", DEFAULT_CLIENT_TYPES)
    return (
        (str(ref["measure"]),),
        (types,) if isinstance(types, str) else tuple(str(t) for t in types),
        *((str(ref.get(f, _default(f))),) for f in KEY_FIELDS[2:]),
    )


def series_label(ref: dict[str, Any]) -> str:
    """Short text for a series: measure, client types, the codes that differ from the defaults.

    Parameters
    ----------
    ref : dict
        A figure reference.

    Returns
    -------
    str
        For example ``admitted victim|unspecified finland``.
    """
    key = ref_key(ref)
    parts = [key[0][0], "|".join(key[1])]
    parts += [k[0] for f, k in zip(KEY_FIELDS[2:], key[2:]) if k[0] != _default(f)]
    return " ".join(parts)


def figure_period(ref: dict[str, Any], year: int | None) -> tuple[dt.date, dt.date, str]:
    """The period a reference covers and its text (``2020``, ``Jan-Jun 2022``, ``on 2021-06-30``, ``2006..2020-12-31``).

    A figure given by year (or a series figure in `year`) covers the period `config.period_of` gives, the rule the
    series follow; ``period`` and ``date`` name their days; ``cumulative_to`` counts from `FIRST_YEAR`.

    Parameters
    ----------
    ref : dict
        A figure reference.
    year : int or None
        The year of a series figure (a figure's own ``year`` takes precedence).

    Returns
    -------
    tuple
        First day, last day, and the period as text.
    """
    measure = str(ref["measure"])
    if "period" in ref:
        start, end = (as_date(d) for d in ref["period"])
        return start, end, f"{start}..{end}"
    if "date" in ref:
        day = as_date(ref["date"])
        return day, day, f"on {day}"
    if "cumulative_to" in ref:
        to = ref["cumulative_to"]
        last = as_date(to) if isinstance(to, (str, dt.date)) else None
        start, end = period_of(measure, last.year if last else int(to), cumulative=True)
        end = last or end
        return start, end, f"{start.year}..{end}"
    year = ref.get("year", year)
    half = ref.get("half")
    start, end = period_of(measure, year, stock_date=ref.get("stock_date", DEFAULT_STOCK_DATE), half=half)
    if measure in STOCK_MEASURES:
        return start, end, f"on {start}"
    return start, end, f"Jan-Jun {year}" if half == 1 else str(year)


class FigureLookup:
    """The preferred rows keyed by period and key columns: the one way a claim reads a figure.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations (`data.observations.load_data`).
    """

    def __init__(self, obs: pd.DataFrame) -> None:
        self.rows: dict[tuple[Any, ...], tuple[float, str, int, str]] = {}
        self.printed: dict[tuple[Any, ...], tuple[float, str, int, str]] = {}
        columns = [obs["period_start"].dt.date, obs["period_end"].dt.date] + [obs[c].astype(str) for c in KEY_FIELDS]
        qualifiers = obs["qualifier"].astype(str) if "qualifier" in obs.columns else ["exact"] * len(obs)
        for key, value, source, line, qualifier, status in zip(
            zip(*columns), obs["value"], obs["source_id"], obs["line"], qualifiers, obs["status"]
        ):
            row = (float(value), str(source), int(line), str(qualifier))
            self.printed[(*key, str(source))] = row
            if status == "preferred":
                self.rows[key] = row
        self.series = {key[2:] for key in self.rows}

    def get(self, ref: dict[str, Any], year: int | None, own: tuple[str, ...] = ()) -> tuple[FigureUse | None, str]:
        """The preferred figure a reference names (for `year` when it is a series figure), or None; and its label.
        A reference marked ``own`` reads the figure as the claim's own publication prints it (its row, preferred or
        not; the claim's source first, then the other sources of its publication in `own` order).

        Parameters
        ----------
        ref : dict
            A figure reference.
        year : int or None
            The year of a series figure.
        own : tuple of str
            The sources of the claim's own publication, the claim's source first.

        Returns
        -------
        tuple
            The figure used (None when no preferred row matches) and its label; the label of a missing figure says
            when its series has no preferred figure in any period.
        """
        start, end, when = figure_period(ref, year)
        key = ref_key(ref)
        label = f"{series_label(ref)}, {when}"
        rest = [k[0] for k in key[2:]]
        if ref.get("own"):
            for source in own:
                for client_type in key[1]:
                    found = self.printed.get((start, end, key[0][0], client_type, *rest, source))
                    if found:
                        label += f" as printed by {source}"
                        return FigureUse(label, found[0], found[1], found[2], found[3]), label
            return None, label + " (not printed by the claim's own publication)"
        for client_type in key[1]:
            found = self.rows.get((start, end, key[0][0], client_type, *rest))
            if found:
                return FigureUse(label, found[0], found[1], found[2], found[3]), label
        if not any((key[0][0], ct, *rest) in self.series for ct in key[1]):
            label += " (no preferred figure of this series in any period)"
        return None, label


def codes_of(obs: pd.DataFrame) -> dict[str, set[str]]:
    """The codes each key column takes in the observations: what a reference may name.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.

    Returns
    -------
    dict of str to set of str
        Per field of `KEY_FIELDS`, its codes.
    """
    return {c: set(obs[c].cat.categories) if hasattr(obs[c], "cat") else set(obs[c].astype(str)) for c in KEY_FIELDS}
