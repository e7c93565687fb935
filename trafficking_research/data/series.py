"""Year-indexed series from the preferred observations, the first-half/full-year pairs, and the coverage of years by
series."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import weakref
from dataclasses import dataclass

import pandas as pd

from ..config import (
    DEFAULT_STOCK_DATE,
    FIRST_YEAR,
    GROWTH_SERIES,
    STOCK_MEASURES,
    VICTIMS,
    VICTIMS_ADMITTED,
    SeriesSpec,
    period_of,
)
from ..errors import ParameterError

#: Client types of the first-half/full-year pairs, in order of preference; a year pairs the first type published
#: for both halves (2020's first half is published for victims and witnesses together).
HALF_YEAR_TYPES: tuple[str, ...] = (*VICTIMS, "victim_or_witness")


def covers_period(
    measure: str,
    start: dt.date,
    end: dt.date,
    stock_date: str = DEFAULT_STOCK_DATE,
    cumulative: bool = False,
    half: int | None = None,
) -> bool:
    """Whether a figure from `start` to `end` covers exactly the period `config.period_of` gives a figure of its
    last year (a cumulative total only after the first year, where it would be a yearly figure; with `half` 1, the
    first half of the year)."""
    expected = period_of(measure, end.year, stock_date=stock_date, cumulative=cumulative, half=half)
    return (start, end) == expected and not (cumulative and end.year <= FIRST_YEAR)


def follows_period_rule(
    sel: pd.DataFrame, measure: str, stock_date: str = DEFAULT_STOCK_DATE, cumulative: bool = False
) -> pd.Series:
    """True where a row covers exactly the period `config.period_of` gives a figure of its last year (`covers_period`)."""
    return pd.Series(
        [
            covers_period(measure, start, end, stock_date, cumulative)
            for start, end in zip(sel["period_start"].dt.date, sel["period_end"].dt.date)
        ],
        index=sel.index,
        dtype=bool,
    )


def annual_series(
    obs: pd.DataFrame,
    measure: str,
    client_type: str | tuple[str, ...] = VICTIMS,
    place: str = "all",
    form: str = "all",
    sex: str = "all",
    age: str = "all",
    unit: str = "persons",
    stock_date: str = DEFAULT_STOCK_DATE,
    cumulative: bool = False,
    qualifiers: tuple[str, ...] = ("exact",),
    half: int | None = None,
) -> pd.Series:
    """One preferred value per year: flows over calendar years, stocks (clients) on `stock_date` of each year.

    Years without a published figure are absent from the index, never filled. The period each figure must cover
    is `config.period_of`, the rule the claims ledger uses too. Only values whose `qualifier` is in `qualifiers`
    are used: by default exact ones, so that a bound ("more than 200") or an approximation ("about 80") is never
    read as a count.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    measure : str
        ``admitted``, ``referred``, ``clients``, ``identified`` (UNODC's detected victims), ...
    client_type : str or tuple of str
        A client type, or several in order of preference: per year the first type with a figure is used (the
        default: victims, else figures whose source does not say whether witnesses are included).
    place, form, sex, age, unit : str
        The other coded dimensions (``"all"``: not broken down).
    stock_date : str
        Month-day of a stock measure (``"12-31"``).
    cumulative : bool
        Totals counted from 1 January of the system's first year to the end of each year.
    qualifiers : tuple of str
        The qualifiers admitted (default ``("exact",)``); e.g. ``("exact", "about")`` admits approximations.
    half : int or None
        ``1``: figures of a flow over January-June of each year (the half-year reviews) instead of the whole year.

    Returns
    -------
    pandas.Series
        Values indexed by year (``year``); ``attrs["client_type"]`` says which client type each year's value is,
        ``attrs["qualifier"]`` how it was printed.
    """
    types = (client_type,) if isinstance(client_type, str) else tuple(client_type)
    cumulative = cumulative and measure not in STOCK_MEASURES
    if half is not None and (half != 1 or measure in STOCK_MEASURES or cumulative):
        raise ParameterError(f"parameter 'half': {half!r} selects the first half (1) of a yearly flow only")
    index = series_index(obs)
    chosen: dict[int, _Row] = {}  # per year, the row of the first client type (in order of preference) with one
    for ctype in types:
        for row in index.rows.get((measure, ctype, place, form, sex, age, unit), ()):
            if row.qualifier not in qualifiers or row.year in chosen:
                continue
            if covers_period(measure, row.start, row.end, stock_date, cumulative, half):
                chosen[row.year] = row
    years = sorted(chosen)
    out = pd.Series([float(chosen[y].value) for y in years], index=pd.Index(years, dtype="int64"), dtype=float)
    out.index.name = "year"
    out.name = "/".join([measure, "|".join(types), place, form, sex, age]) + ("/first half" if half else "")
    out.attrs["client_type"] = {y: chosen[y].client_type for y in years}
    out.attrs["qualifier"] = {y: chosen[y].qualifier for y in years}
    return out


@dataclass(frozen=True)
class _Row:
    """One preferred observation, as the series queries need it."""

    year: int
    start: dt.date
    end: dt.date
    value: float
    client_type: str
    qualifier: str


@dataclass(frozen=True)
class SeriesIndex:
    """The preferred observations grouped by their coded dimensions, built once per loaded frame."""

    fingerprint: bytes
    rows: dict[tuple[str, ...], tuple[_Row, ...]]


_KEY = ("measure", "client_type", "place", "form", "sex", "age", "unit")
_INDEXES: dict[int, tuple[weakref.ref, SeriesIndex]] = {}


def _fingerprint(obs: pd.DataFrame) -> bytes:
    """A digest of every column the series read: a frame changed in place is indexed again."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((obs.shape, tuple(obs.columns))).encode())
    for col in (*_KEY, "status", "qualifier", "period_start", "period_end", "value"):
        if col in obs.columns:
            values = obs[col]
            data = values.cat.codes.to_numpy() if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()
            h.update(data.tobytes() if data.dtype != object else repr(data.tolist()).encode())
            if isinstance(values.dtype, pd.CategoricalDtype):
                h.update(repr(list(values.cat.categories)).encode())
    return h.digest()


def series_index(obs: pd.DataFrame) -> SeriesIndex:
    """The index of `obs` for series queries: built on first use, reused while the frame is unchanged.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.

    Returns
    -------
    SeriesIndex
        Preferred rows by (measure, client type, place, form, sex, age, unit).
    """
    fingerprint = _fingerprint(obs)
    cached = _INDEXES.get(id(obs))
    if cached is not None and cached[0]() is obs and cached[1].fingerprint == fingerprint:
        return cached[1]
    pref = obs[obs["status"] == "preferred"]
    qualifier = pref["qualifier"].astype(str) if "qualifier" in pref.columns else pd.Series("exact", index=pref.index)
    rows: dict[tuple[str, ...], list[_Row]] = {}
    columns = [pref[c].astype(str).tolist() for c in _KEY]
    for key, start, end, value, q in zip(
        zip(*columns), pref["period_start"].dt.date, pref["period_end"].dt.date, pref["value"], qualifier
    ):
        rows.setdefault(key, []).append(_Row(end.year, start, end, value, key[1], q))
    index = SeriesIndex(fingerprint, {k: tuple(v) for k, v in rows.items()})
    key = id(obs)
    _INDEXES[key] = (weakref.ref(obs, lambda _: _INDEXES.pop(key, None)), index)
    return index


def coverage(obs: pd.DataFrame, series_specs: dict[str, SeriesSpec]) -> pd.DataFrame:
    """A years x series table of the preferred values (NaN where no source gives the figure)."""
    columns = {label: annual_series(obs, **spec) for label, spec in series_specs.items()}
    table = pd.DataFrame(columns)
    if len(table):
        table = table.reindex(range(int(table.index.min()), int(table.index.max()) + 1))
    table.index.name = "year"
    return table


def cell_versions(
    obs: pd.DataFrame,
    measure: str,
    year: int,
    *,
    place: str = "all",
    form: str = "all",
    sex: str = "all",
    age: str = "all",
    unit: str = "persons",
) -> pd.DataFrame:
    """Every version of one calendar-year cell (preferred and alternatives, any client type), in file order: the
    query for a figure whose sources disagree, where the analysis states each version.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations` (every version kept).
    measure : str
        The measure (``clients_during``).
    year : int
        The calendar year (1 January to 31 December).
    place, form, sex, age, unit : str
        The cell.

    Returns
    -------
    pandas.DataFrame
        The matching rows, with their ``value``, ``source_id`` and ``status``.
    """
    return obs[
        (obs["measure"] == measure)
        & (obs["period_start"] == pd.Timestamp(f"{year}-01-01"))
        & (obs["period_end"] == pd.Timestamp(f"{year}-12-31"))
        & (obs["place"] == place)
        & (obs["form"] == form)
        & (obs["sex"] == sex)
        & (obs["age"] == age)
        & (obs["unit"] == unit)
    ]


def series_label(name: object) -> str:
    """Words for a series' name: the key `annual_series` gives (``admitted/victim|unspecified/all/all/all/all``)
    becomes "admitted (victim or unspecified)" with any other selection after it; a name already in words stays;
    no name is "series".

    Parameters
    ----------
    name : object
        A pandas Series' name.

    Returns
    -------
    str
        The label.
    """
    if name is None:
        return "series"
    text = str(name)
    parts = text.split("/")
    if len(parts) not in (6, 7) or any(not p for p in parts):
        return text
    measure, types, place, form, sex, age = parts[:6]
    label = f"{measure} ({' or '.join(t.replace('_', ' ') for t in types.split('|'))})"
    chosen = [
        f"{dim} {value.replace('_', ' ')}"
        for dim, value in zip(("place", "form", "sex", "age"), (place, form, sex, age))
        if value != "all"
    ]
    return ", ".join([label, *chosen, *parts[6:]])


def victims_admitted(obs: pd.DataFrame) -> pd.Series:
    """Victims admitted per year, falling back to figures of unspecified client type (the growth analysis' series).

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.

    Returns
    -------
    pandas.Series
        Counts indexed by year, named ``victims admitted``.
    """
    s = annual_series(obs, **GROWTH_SERIES[VICTIMS_ADMITTED][1])
    s.name = VICTIMS_ADMITTED
    return s


def latest_year(obs: pd.DataFrame) -> int:
    """The latest year with a published figure of victims admitted.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.

    Returns
    -------
    int
        The year.
    """
    return int(annual_series(obs, "admitted").index.max())


def half_year_pairs(obs: pd.DataFrame) -> pd.DataFrame:
    """Victims admitted in the first half and in the whole year, for every year with a first-half figure.

    Returns
    -------
    pandas.DataFrame
        Indexed by year: first_half, full_year (missing where the year is not published) and client_type.
    """
    rows: dict[int, dict] = {}
    for ctype in HALF_YEAR_TYPES:
        first = annual_series(obs, "admitted", ctype, half=1)
        full = annual_series(obs, "admitted", ctype)
        for y in first.index:
            if y not in rows or (math.isnan(rows[y]["full_year"]) and y in full.index):
                rows[int(y)] = {
                    "first_half": float(first[y]),
                    "full_year": float(full[y]) if y in full.index else math.nan,
                    "client_type": ctype,
                }
    return pd.DataFrame.from_dict(rows, orient="index").sort_index().rename_axis("year")
