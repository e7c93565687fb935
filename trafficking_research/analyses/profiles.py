"""The profiles analysis: compositions of the victims admitted by place, form, sex and age, as shares with 95%
intervals, their changes between two years and their trends. The notebook `profiles` calls this module.

The statistics (Wilson intervals, Newcombe's interval with the score test, the quasi-binomial logit trend) are
`stats.shares`; this module chooses the breakdowns and the shares, names the estimates and draws the figures.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..config import BREAKDOWNS, FIRST_YEAR, SMALL_DENOMINATOR, VICTIMS, SeriesSpec
from ..data.codes import PARTITIONS
from ..data.series import annual_series, check_years
from ..errors import FitError
from ..stats.result import Estimate
from ..stats.shares import (
    ShareChange,
    ShareTrend,
    fit_share_trend,
    share_change,
    wilson_share,
)
from .base import Analysis
from .fifteen_years import fifteen_years
from .plotting import DATA_SOURCE, finish_year_axes, headroom, with_gaps

COLUMNS = ["year", "breakdown", "part", "count", "total", "share", "ci_low", "ci_high", "small"]

#: Shares whose change between two years and trend over the years are tested: name -> (part, whole), each a query
#: of the victims admitted.
SHARE_TESTS: dict[str, tuple[SeriesSpec, SeriesSpec]] = {
    "share_finland": ({"place": "finland"}, {}),
    "forced_labour_share_in_finland": ({"place": "finland", "form": "forced_labour"}, {"place": "finland"}),
    "minor_share": ({"age": "minor"}, {}),
}

#: The figures of the analysis: file stem -> (drawing, breakdown, title).
FIGURES: dict[str, tuple[str, str, str]] = {
    "share_place": ("shares", "place", "Share exploited in Finland and abroad"),
    "share_forms_finland": (
        "shares",
        "form, exploited in Finland",
        "Forms of exploitation among victims exploited in Finland",
    ),
    "stacked_forms_finland": ("stacked", "form, exploited in Finland", "Victims exploited in Finland by form (counts)"),
    "share_minors": ("shares", "age", "Share of minors among victims admitted"),
}


#: What each breakdown's share divides: y-axis labels of the share figures (part / whole).
SHARE_LABELS: dict[str, str] = {
    "place": "victims exploited there /\nall victims admitted",
    "form, exploited in Finland": "victims of the form /\nvictims exploited in Finland",
    "age": "victims in the age group /\nall victims admitted",
    "sex": "victims of the sex /\nall victims admitted",
}


def share_label(breakdown: str) -> str:
    """The y-axis label of a share figure: what is divided by what (a breakdown not listed: part / its total)."""
    return SHARE_LABELS.get(breakdown, f"victims in the part /\nall victims of the breakdown '{breakdown}'")


def _breakdown(obs: pd.DataFrame, breakdown: str, years: range | list[int]) -> pd.DataFrame:
    """Counts and shares (Wilson 95% CIs) of the published parts of one breakdown, for the given years.

    Each series (the total and every part) is read from the data once for all years. The denominator is the published
    total of the same selection; a year whose total is missing or zero has no rows; a denominator under
    `SMALL_DENOMINATOR` is flagged.
    """
    dim, fixed = BREAKDOWNS[breakdown]
    total = annual_series(obs, "admitted", client_type=VICTIMS, **fixed)
    parts = {
        part: annual_series(obs, "admitted", client_type=VICTIMS, **dict(fixed, **{dim: part}))
        for part in PARTITIONS[dim][1]
    }
    rows = []
    for year in years:
        if year not in total.index or total[year] == 0:
            continue
        n = float(total[year])
        for part, s in parts.items():
            if year in s.index:
                share = wilson_share(float(s[year]), n)
                rows.append(
                    {
                        "year": year,
                        "breakdown": breakdown,
                        "part": part,
                        "count": share.count,
                        "total": n,
                        "share": share.value,
                        "ci_low": share.ci[0],
                        "ci_high": share.ci[1],
                        "small": n < SMALL_DENOMINATOR,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def composition(obs: pd.DataFrame, year: int, breakdown: str) -> pd.DataFrame:
    """One breakdown of one year's admitted victims.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    year : int
        The year.
    breakdown : str
        A label of `config.BREAKDOWNS`.

    Returns
    -------
    pandas.DataFrame
        One row per published part (columns `COLUMNS`); empty when the year has no such breakdown.
    """
    return _breakdown(obs, breakdown, [year])


def compositions(obs: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Every breakdown of every year in the range that the data allow.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    start_year, end_year : int
        First and last year.

    Returns
    -------
    pandas.DataFrame
        One row per year, breakdown and published part (columns `COLUMNS`), by year and then breakdown.
    """
    frames = [_breakdown(obs, b, range(start_year, end_year + 1)) for b in BREAKDOWNS]
    frames = [f for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    order = table["breakdown"].map({b: i for i, b in enumerate(BREAKDOWNS)})
    return (
        table.assign(_order=order)
        .sort_values(["year", "_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def availability(table: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Which breakdowns each year has.

    Parameters
    ----------
    table : pandas.DataFrame
        Shares from `compositions`.
    start_year, end_year : int
        First and last year (one column each).

    Returns
    -------
    pandas.DataFrame
        Breakdowns x years; each cell lists the parts published (empty: none).
    """
    rows = []
    for b in BREAKDOWNS:
        row = {"breakdown": b}
        for y in range(start_year, end_year + 1):
            sel = table[(table["breakdown"] == b) & (table["year"] == y)] if len(table) else table
            row[y] = ", ".join(sel["part"]) if len(sel) else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("breakdown")


def published_years(available: pd.DataFrame) -> pd.DataFrame:
    """The columns (years) of an `availability` table in which some breakdown is published.

    Parameters
    ----------
    available : pandas.DataFrame
        A table from `availability`.

    Returns
    -------
    pandas.DataFrame
        The same table without the years that have no breakdown at all.
    """
    return available.loc[:, (available != "").any()]


def share_key(breakdown: str, part: str, year: int) -> str:
    """The estimate name of a share: ``share.<breakdown>.<part>.y<year>``, in lower-case words.

    Parameters
    ----------
    breakdown : str
        A label of `config.BREAKDOWNS` (``"form, exploited in Finland"``).
    part : str
        The part's code (``"forced_labour"``).
    year : int
        The year.

    Returns
    -------
    str
        For example ``share.form_exploited_in_finland.forced_labour.y2020``.
    """
    slug = "_".join(breakdown.lower().replace(",", " ").split())
    return f"share.{slug}.{part}.y{year}"


def share_estimates(table: pd.DataFrame) -> list[Estimate]:
    """Every share of a `compositions` table as an estimate with its Wilson interval.

    Parameters
    ----------
    table : pandas.DataFrame
        Shares from `compositions`.

    Returns
    -------
    list of Estimate
        Named by `share_key`, in the table's order.
    """
    return [
        Estimate(
            share_key(row.breakdown, row.part, row.year),
            row.share,
            "proportion",
            f"share of {row.part} in {row.breakdown}, {row.year}: {row.count:g} of {row.total:g}"
            + (" (small denominator)" if row.small else ""),
            ci=(row.ci_low, row.ci_high),
        )
        for row in table.itertuples(index=False)
    ]


def change_estimate(name: str, change: ShareChange, first_year: int, second_year: int) -> Estimate:
    """The difference of a share between two years, named ``change_<first>_<second>.<name>``.

    Parameters
    ----------
    name : str
        The share (a key of `SHARE_TESTS`).
    change : ShareChange
        The change from `stats.shares.share_change`.
    first_year, second_year : int
        The years compared.

    Returns
    -------
    Estimate
        The difference with Newcombe's interval and the score test's p-value; the description gives both counts.
    """
    (k1, n1), (k2, n2) = change.first, change.second
    return change.estimate("difference").renamed(
        f"change_{first_year}_{second_year}.{name}",
        f"{name}: {k2:g}/{n2:g} in {second_year} against {k1:g}/{n1:g} in {first_year} (Newcombe CI, score test)",
    )


def trend_estimate(name: str, trend: ShareTrend) -> Estimate:
    """The odds ratio per year of a share's logit trend, named ``trend.<name>``.

    Parameters
    ----------
    name : str
        The share (a key of `SHARE_TESTS`).
    trend : ShareTrend
        The trend from `stats.shares.fit_share_trend`.

    Returns
    -------
    Estimate
        The odds ratio with its quasi-binomial interval and t-test p-value; the description lists the years fitted.
    """
    e = trend.estimate("odds_ratio")
    return e.renamed(f"trend.{name}", f"{name}: {e.description} ({', '.join(map(str, trend.years))})")


def shares_of_year(analysis: Analysis, year: int) -> list[Estimate]:
    """The share estimates of one year.

    Parameters
    ----------
    analysis : Analysis
        A profiles analysis from `run`.
    year : int
        The year.

    Returns
    -------
    list of Estimate
        The ``share.*.y<year>`` estimates, in the analysis' order.
    """
    return [e for e in analysis.select("share.") if e.name.endswith(f".y{year}")]


def run(
    obs: pd.DataFrame,
    *,
    start_year: int = FIRST_YEAR,
    end_year: int = 2020,
    compare_from: int = 2019,
    compare_to: int = 2020,
    context: pd.DataFrame | None = None,
) -> Analysis:
    """The profiles analysis: shares of every published breakdown, two-year changes and logit trends of three shares.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    start_year, end_year : int
        Years of the shares and of the trends.
    compare_from, compare_to : int
        The two years whose shares are compared.
    context : pandas.DataFrame, optional
        The context resource (`data.context.load_context`); UNODC's fifteen-year series then reads Finland's cells
        from it, "<5" cells as bounds (without it, only the cells published in the observations).

    Returns
    -------
    Analysis
        Estimates (``share.*``, ``change_<from>_<to>.*``, ``trend.*``), tables (``breakdowns_by_year``,
        ``shares``), figures (`FIGURES`), the fitted changes and trends as models, and a note for every change or
        trend the data do not allow; and the fifteen-year profiles of both series from `start_year` to the last
        year of the data (``fifteen_years.*``; see `analyses.fifteen_years`).

    Raises
    ------
    ParameterError
        A year outside the years of the data, or `start_year` after `end_year`.
    """
    check_years(obs, start_year=start_year, end_year=end_year, compare_from=compare_from, compare_to=compare_to)
    params = {"start_year": start_year, "end_year": end_year, "compare_from": compare_from, "compare_to": compare_to}
    out = Analysis("profiles", params)
    table = compositions(obs, start_year, end_year)
    out.table("breakdowns_by_year", availability(table, start_year, end_year), index=True)
    out.table("shares", table)
    out.add(share_estimates(table))

    a, b = compare_from, compare_to
    for name, (part_query, whole_query) in SHARE_TESTS.items():
        part = annual_series(obs, "admitted", client_type=VICTIMS, **part_query)
        whole = annual_series(obs, "admitted", client_type=VICTIMS, **whole_query)
        if all(y in part.index and y in whole.index for y in (a, b)):
            change = share_change(part[a], whole[a], part[b], whole[b])
            out.models[f"change_{a}_{b}.{name}"] = change
            out.add([change_estimate(name, change, a, b)])
        else:
            out.notes.append(f"{name}: no comparison, {a} or {b} lacks a published figure")
        try:
            trend = fit_share_trend(_within(part, start_year, end_year), _within(whole, start_year, end_year))
        except FitError:
            out.notes.append(f"{name}: fewer than three years with both figures, no trend")
            continue
        out.models[f"trend.{name}"] = trend
        out.add([trend_estimate(name, trend)])

    for stem, (kind, breakdown, title) in FIGURES.items():
        draw = shares_figure if kind == "shares" else stacked_figure
        fig = draw(table, breakdown, title)
        out.figure(stem, fig)

    estimates, tables, figures, notes = fifteen_years(obs, start_year, context=context)
    out.add(estimates)
    for name, tab in tables.items():
        out.table(name, tab)
    for name, fig in figures.items():
        out.figure(name, fig)
    out.notes += notes
    return out


def _within(s: pd.Series, start_year: int, end_year: int) -> pd.Series:
    return s[(s.index >= start_year) & (s.index <= end_year)]


def shares_figure(table: pd.DataFrame, breakdown: str, title: str) -> plt.Figure:
    """Shares over time with their 95% intervals, one line per part; small denominators drawn hollow.

    Parameters
    ----------
    table : pandas.DataFrame
        Shares from `compositions`.
    breakdown : str
        The breakdown drawn.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7, 3.8))
    sel = table[table["breakdown"] == breakdown]
    for part, grp in sel.groupby("part", sort=True):
        grp = grp.sort_values("year")
        err = np.vstack([grp["share"] - grp["ci_low"], grp["ci_high"] - grp["share"]])
        line = ax.errorbar(grp["year"], grp["share"], yerr=err, fmt="o", capsize=3, label=part.replace("_", " "))
        gapped = with_gaps(grp.set_index("year")["share"])  # the line breaks where a year has no figure
        ax.plot(gapped.index, gapped.to_numpy(), "-", color=line[0].get_color())
        small = grp[grp["small"]]
        ax.plot(small["year"], small["share"], "o", mfc="white", color=line[0].get_color())
    ax.set_ylim(0, 1.08)  # headroom above a share of 1
    return finish_year_axes(fig, ax, share_label(breakdown), title, source=DATA_SOURCE)


def stacked_figure(table: pd.DataFrame, breakdown: str, title: str) -> plt.Figure:
    """Stacked counts of the published parts per year (the remainder up to the total drawn grey).

    Parameters
    ----------
    table : pandas.DataFrame
        Shares from `compositions`.
    breakdown : str
        The breakdown drawn.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    sel = table[table["breakdown"] == breakdown]
    pivot = sel.pivot_table(index="year", columns="part", values="count", aggfunc="first").fillna(0)
    totals = sel.groupby("year")["total"].first()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    bottom = np.zeros(len(pivot))
    for part in pivot.columns:
        ax.bar(pivot.index, pivot[part], bottom=bottom, label=part.replace("_", " "))
        bottom += pivot[part].to_numpy()
    rest = totals.reindex(pivot.index).to_numpy() - bottom
    ax.bar(pivot.index, np.clip(rest, 0, None), bottom=bottom, color="#d9d9d9", label="not broken down")
    headroom(ax, 0.1)
    counted = "victims exploited in Finland,\nadmitted in the year" if "Finland" in breakdown else "victims admitted"
    return finish_year_axes(fig, ax, f"{counted} (persons)", title, legend_size=7, source=DATA_SOURCE)
