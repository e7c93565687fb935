"""Year-indexed series from the preferred observations, and the coverage of years by series."""

from __future__ import annotations

import pandas as pd

from ..config import DEFAULT_STOCK_DATE, FIRST_YEAR, STOCK_MEASURES, VICTIMS, SeriesSpec, period_of
from ..errors import ParameterError


def follows_period_rule(
    sel: pd.DataFrame, measure: str, stock_date: str = DEFAULT_STOCK_DATE, cumulative: bool = False
) -> pd.Series:
    """True where a row covers exactly the period `config.period_of` gives a figure of its last year."""
    years = sel["period_end"].dt.year
    expected = [period_of(measure, int(y), stock_date=stock_date, cumulative=cumulative) for y in years]
    starts = pd.to_datetime(pd.Series([e[0] for e in expected], index=sel.index, dtype="object"))
    ends = pd.to_datetime(pd.Series([e[1] for e in expected], index=sel.index, dtype="object"))
    keep = (sel["period_start"] == starts) & (sel["period_end"] == ends)
    if cumulative:
        keep &= years > FIRST_YEAR
    return keep


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

    Returns
    -------
    pandas.Series
        Values indexed by year (``year``); ``attrs["client_type"]`` says which client type each year's value is,
        ``attrs["qualifier"]`` how it was printed.
    """
    types = (client_type,) if isinstance(client_type, str) else tuple(client_type)
    sel = obs[
        (obs["status"] == "preferred")
        & (obs["measure"] == measure)
        & (obs["client_type"].isin(types))
        & (obs["place"] == place)
        & (obs["form"] == form)
        & (obs["sex"] == sex)
        & (obs["age"] == age)
        & (obs["unit"] == unit)
    ]
    if "qualifier" in sel.columns:
        sel = sel[sel["qualifier"].astype(str).isin(qualifiers)]
    if len(sel):
        sel = sel[follows_period_rule(sel, measure, stock_date, cumulative and measure not in STOCK_MEASURES)]
    order = sel["client_type"].astype(object).map({t: i for i, t in enumerate(types)})
    sel = sel.assign(_order=order.to_numpy(), _year=sel["period_end"].dt.year.to_numpy())
    sel = sel.sort_values(["_year", "_order"]).drop_duplicates("_year")
    out = pd.Series(sel["value"].to_numpy(dtype=float), index=sel["_year"].to_numpy(), dtype=float)
    out.index.name = "year"
    out.name = "/".join([measure, "|".join(types), place, form, sex, age])
    out.attrs["client_type"] = dict(zip(sel["_year"].astype(int), sel["client_type"].astype(str)))
    quals = sel["qualifier"].astype(str) if "qualifier" in sel.columns else pd.Series("exact", index=sel.index)
    out.attrs["qualifier"] = dict(zip(sel["_year"].astype(int), quals))
    return out


def coverage(obs: pd.DataFrame, series_specs: dict[str, SeriesSpec]) -> pd.DataFrame:
    """A years x series table of the preferred values (NaN where no source gives the figure)."""
    columns = {label: annual_series(obs, **spec) for label, spec in series_specs.items()}
    table = pd.DataFrame(columns)
    if len(table):
        table = table.reindex(range(int(table.index.min()), int(table.index.max()) + 1))
    table.index.name = "year"
    return table


def check_years(obs: pd.DataFrame, **years: int) -> None:
    """Refuse notebook year parameters outside the years the data cover, or a start after an end.

    Keyword names are the parameter names, so the message names the parameter at fault.
    """
    first = int(obs["period_start"].dt.year.min())
    last = int(obs["period_end"].dt.year.max())
    for name, year in years.items():
        if not first <= int(year) <= last:
            raise ParameterError(f"parameter '{name}': {year} is outside the years of the data ({first}-{last})")
    if "start_year" in years and "end_year" in years and years["start_year"] > years["end_year"]:
        raise ParameterError(
            f"parameters 'start_year' {years['start_year']} and 'end_year' {years['end_year']}: "
            "the start is after the end"
        )
