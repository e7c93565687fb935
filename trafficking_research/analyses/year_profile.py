"""The year_profile analysis: one year's admissions laid out as an annual review would lay them out, each item against
the previous year and the mean of the years before it. The notebook `year_profile` calls this module."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..config import ALL_CLIENTS, VICTIMS, SeriesSpec
from ..data.codes import PARTITIONS
from ..data.series import annual_series
from ..stats.result import Estimate
from .base import Analysis
from .declarations import YEAR_PROFILE, observation_inputs
from .fifteen_years import profile_table
from .parameters import declared
from .plotting import DATA_SOURCE, headroom, plain_axis, source_caption, years_label

FORMS: tuple[str, ...] = PARTITIONS["form"][1]


def _label(form: str) -> str:
    return form.replace("_", " ")


#: The items of a year's profile, in the order of an annual review: label -> query of the admitted.
ITEMS: dict[str, SeriesSpec] = {
    "victims admitted": {"client_type": VICTIMS},
    "witnesses admitted": {"client_type": "witness"},
    "children of victims admitted": {"client_type": "child_of_victim"},
    "all admitted": {"client_type": ALL_CLIENTS},
    "exploited in Finland": {"client_type": VICTIMS, "place": "finland"},
    "exploited abroad": {"client_type": VICTIMS, "place": "abroad"},
    **{f"Finland: {_label(f)}": {"client_type": VICTIMS, "place": "finland", "form": f} for f in FORMS},
    **{f"abroad: {_label(f)}": {"client_type": VICTIMS, "place": "abroad", "form": f} for f in FORMS},
    **{f"all places: {_label(f)}": {"client_type": VICTIMS, "form": f} for f in FORMS},
    "women and girls": {"client_type": VICTIMS, "sex": "female"},
    "men and boys": {"client_type": VICTIMS, "sex": "male"},
    "minors": {"client_type": VICTIMS, "age": "minor"},
    "exploited as minors": {"client_type": VICTIMS, "age": "minor_when_exploited"},
}


def year_profile(obs: pd.DataFrame, year: int, window: int = 5) -> pd.DataFrame:
    """A year's admissions laid out as an annual review.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    year : int
        The year profiled.
    window : int
        Years before `year` averaged for comparison (over the years with data, with their number).

    Returns
    -------
    pandas.DataFrame
        One row per item of `ITEMS` that has a figure in `year`, the year before or the window: ``item``,
        ``value``, ``previous_year``, ``mean_<window>_years_before`` and ``years_in_mean``; missing figures stay
        empty (NaN).
    """
    rows = []
    for label, query in ITEMS.items():
        s = annual_series(obs, "admitted", **query)
        before = s[(s.index >= year - window) & (s.index < year)]
        rows.append(
            {
                "item": label,
                "value": s.get(year, np.nan),
                "previous_year": s.get(year - 1, np.nan),
                f"mean_{window}_years_before": before.mean() if len(before) else np.nan,
                "years_in_mean": len(before),
            }
        )
    table = pd.DataFrame(rows)
    keep = table[["value", "previous_year", f"mean_{window}_years_before"]].notna().any(axis=1)
    return table[keep].reset_index(drop=True)


def item_key(item: str) -> str:
    """The estimate name of a profile item: lower case, colons dropped, spaces as underscores.

    Parameters
    ----------
    item : str
        A label of `ITEMS` (``"Finland: forced labour"``).

    Returns
    -------
    str
        For example ``finland_forced_labour``.
    """
    return item.lower().replace(":", "").replace(" ", "_")


@declared(YEAR_PROFILE, observation_inputs)
def run(obs: pd.DataFrame, *, year: int, window: int) -> Analysis:
    """The year_profile analysis: every published item of one year's admissions, and what the year lacks.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    {parameters}

    Returns
    -------
    Analysis
        Estimates (``year`` and one per item published for `year`, in persons; ``unodc.<share>`` for each
        breakdown only UNODC has for the year), the tables ``profile`` and ``unodc_breakdown``, the figure
        ``profile`` (when the year has any figure) and notes on what is not published for the year.

    Raises
    ------
    ParameterError
        `year` outside the years of the data.
    """
    out = Analysis("year_profile", {"year": year, "window": window})
    profile = out.table("profile", year_profile(obs, year, window))
    have = profile[profile["value"].notna()]
    missing = profile[profile["value"].isna()]["item"].tolist()
    out.add([Estimate("year", year, "year", "the year profiled")])
    out.add(
        Estimate(item_key(row["item"]), row["value"], "persons", f"{row['item']}, {year}") for _, row in have.iterrows()
    )
    if have.empty:
        out.notes.append(f"No admissions figure is published for {year}: nothing to profile.")
    else:
        fig = profile_figure(profile, year, window)
        out.figure("profile", fig)
    if missing:
        out.notes.append(f"Not published for {year} (shown for earlier years only): " + "; ".join(missing))
    unodc = out.table("unodc_breakdown", unodc_breakdown(obs, year))
    for row in unodc.itertuples():
        value = None if pd.isna(row.value) else float(row.value)
        out.add(
            [
                Estimate(
                    f"unodc.{row.share}",
                    value,
                    "proportion",
                    f"UNODC, victims detected in Finland (not admissions), {year}: share of {row.label}, "
                    f"{row.count_low if row.count_low == row.count_high else f'{row.count_low}-{row.count_high}'}"
                    f" of {row.total:g} (Wilson CI; {row.how}); the system published no such split of all victims "
                    f"admitted for {year}",
                    ci=(float(row.ci_low), float(row.ci_high)),
                )
            ]
        )
    if len(unodc):
        out.notes.append(unodc_note(unodc, have, year))
    return out


def unodc_note(unodc: pd.DataFrame, have: pd.DataFrame, year: int) -> str:
    """What the system did not publish for `year` that UNODC did, in words: a share of all victims admitted, with
    the narrower figure the system did publish named beside it (forced labour among those exploited in Finland is
    not forced labour among all victims).

    Parameters
    ----------
    unodc : pandas.DataFrame
        The rows of `unodc_breakdown`.
    have : pandas.DataFrame
        The profile's published items (``item``, ``value``).
    year : int
        The year.

    Returns
    -------
    str
    """
    parts = []
    for label in unodc["label"]:
        narrower = [
            f"{row.item} = {row.value:g}" for row in have.itertuples() if label in row.item and row.item != label
        ]
        parts.append(label + (f" (it published only {'; '.join(narrower)})" if narrower else ""))
    return (
        f"For {year} the system published no split of all victims admitted by {', '.join(parts)}; UNODC's "
        "detected-victims breakdown is shown instead, labelled as such (it counts victims detected in Finland, "
        "not admissions to the system)."
    )


def unodc_breakdown(obs: pd.DataFrame, year: int) -> pd.DataFrame:
    """UNODC's shares for `year` of every breakdown the system did not publish for that year.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    year : int
        The year.

    Returns
    -------
    pandas.DataFrame
        The rows of `fifteen_years.profile_table` for UNODC and `year` whose share the system lacks that year.
    """
    table = profile_table(obs, year, year)
    system = set(table.loc[table["series"] == "system", "share"])
    return table[(table["series"] == "unodc") & ~table["share"].isin(system)].reset_index(drop=True)


def profile_figure(profile: pd.DataFrame, year: int, window: int) -> plt.Figure:
    """Each item of the year against the mean of the years before it, as paired horizontal bars.

    Parameters
    ----------
    profile : pandas.DataFrame
        A table from `year_profile`.
    year, window : int
        The year profiled and the number of years averaged before it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(profile) + 1))
    y = range(len(profile))
    ax.barh([i + 0.2 for i in y], profile["value"].fillna(0), height=0.4, label=str(year))
    ax.barh(
        [i - 0.2 for i in y],
        profile[f"mean_{window}_years_before"].fillna(0),
        height=0.4,
        label=f"mean of the {years_label(window)} before",
        color="#bab0ac",
    )
    ax.set_yticks(list(y), profile["item"], fontsize=8)
    ax.invert_yaxis()
    headroom(ax, 0.1, axis="x")
    plain_axis(ax, "x")
    ax.set_xlabel("persons counted in each item (no bar: not published)")
    ax.set_title(f"{year} against the mean of the {years_label(window)} before it", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return source_caption(fig, DATA_SOURCE)
