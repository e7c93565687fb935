"""Year-indexed series from the preferred observations, and the coverage of years by series."""

from __future__ import annotations

import pandas as pd

STOCK_MEASURES = frozenset({"clients"})


def _calendar_years(obs: pd.DataFrame) -> pd.Series:
    """True where a row covers exactly one calendar year."""
    start, end = obs["period_start"], obs["period_end"]
    return (start.dt.month == 1) & (start.dt.day == 1) & (end.dt.month == 12) & (end.dt.day == 31) & (
        start.dt.year == end.dt.year
    )


def annual_series(
    obs: pd.DataFrame,
    measure: str,
    client_type: str | tuple[str, ...] = ("victim", "unspecified"),
    place: str = "all",
    form: str = "all",
    sex: str = "all",
    age: str = "all",
    unit: str = "persons",
    stock_date: str = "12-31",
    cumulative: bool = False,
) -> pd.Series:
    """One preferred value per year: flows over calendar years, stocks (clients) on `stock_date` of each year.

    `client_type` may be a tuple in order of preference: per year the first type with a figure is used (for example
    victims, else figures whose source does not say whether children are included); `attrs["client_type"]` says
    which type each year's value is. Years without a published figure are absent from the index, never filled.
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
    if measure in STOCK_MEASURES:
        month, day = (int(x) for x in stock_date.split("-"))
        end = sel["period_end"]
        sel = sel[(sel["period_start"] == end) & (end.dt.month == month) & (end.dt.day == day)]
    elif cumulative:
        end = sel["period_end"]
        sel = sel[(sel["period_start"] == pd.Timestamp("2006-01-01")) & (end.dt.month == 12) & (end.dt.day == 31)
                  & (end.dt.year > 2006)]
    else:
        sel = sel[_calendar_years(sel)]
    order = sel["client_type"].astype(object).map({t: i for i, t in enumerate(types)})
    sel = sel.assign(_order=order.to_numpy(), _year=sel["period_end"].dt.year.to_numpy())
    sel = sel.sort_values(["_year", "_order"]).drop_duplicates("_year")
    out = pd.Series(sel["value"].to_numpy(dtype=float), index=sel["_year"].to_numpy(), dtype=float)
    out.index.name = "year"
    out.name = "/".join([measure, "|".join(types), place, form, sex, age])
    out.attrs["client_type"] = dict(zip(sel["_year"].astype(int), sel["client_type"].astype(str)))
    return out


def coverage(obs: pd.DataFrame, series_specs: dict[str, dict[str, str]]) -> pd.DataFrame:
    """A years x series table of the preferred values (NaN where no source gives the figure)."""
    columns = {label: annual_series(obs, **spec) for label, spec in series_specs.items()}
    table = pd.DataFrame(columns)
    if len(table):
        table = table.reindex(range(int(table.index.min()), int(table.index.max()) + 1))
    table.index.name = "year"
    return table


# The series the analyses use, named once here so that notebooks and tests agree.
CORE_SERIES: dict[str, dict[str, str]] = {
    "victims admitted": {"measure": "admitted"},
    "  exploited in Finland": {"measure": "admitted", "place": "finland"},
    "  exploited abroad": {"measure": "admitted", "place": "abroad"},
    "  women and girls": {"measure": "admitted", "sex": "female"},
    "  men and boys": {"measure": "admitted", "sex": "male"},
    "  minors": {"measure": "admitted", "age": "minor"},
    "  forced labour": {"measure": "admitted", "form": "forced_labour"},
    "  sexual exploitation": {"measure": "admitted", "form": "sexual_exploitation"},
    "  forced labour, Finland": {"measure": "admitted", "place": "finland", "form": "forced_labour"},
    "children of victims admitted": {"measure": "admitted", "client_type": "child_of_victim"},
    "witnesses admitted": {"measure": "admitted", "client_type": "witness"},
    "all admitted": {"measure": "admitted", "client_type": "all"},
    "referred": {"measure": "referred", "client_type": ("all", "unspecified")},
    "clients 31 Dec, all": {"measure": "clients", "client_type": "all"},
    "clients 31 Dec, victims": {"measure": "clients", "client_type": ("victim", "victim_or_witness")},
    "clients 31 Dec, children": {"measure": "clients", "client_type": "child_of_victim"},
    "clients 30 Jun, all": {"measure": "clients", "client_type": "all", "stock_date": "06-30"},
    "cumulative victims since 2006": {"measure": "admitted", "client_type": "victim", "cumulative": True},
    "UNODC detected victims": {"measure": "identified"},
}


def check_years(obs: pd.DataFrame, **years: int) -> None:
    """Refuse notebook year parameters outside the years the data cover, or a start after an end.

    Keyword names are the parameter names, so the message names the parameter at fault.
    """
    from .errors import ParameterError

    first = int(obs["period_start"].dt.year.min())
    last = int(obs["period_end"].dt.year.max())
    for name, year in years.items():
        if not first <= int(year) <= last:
            raise ParameterError(f"parameter '{name}': {year} is outside the years of the data ({first}-{last})")
    if "start_year" in years and "end_year" in years and years["start_year"] > years["end_year"]:
        raise ParameterError(f"parameters 'start_year' {years['start_year']} and 'end_year' {years['end_year']}: "
                             "the start is after the end")
