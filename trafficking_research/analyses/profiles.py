"""The profiles analysis: compositions of the victims admitted by place, form, sex and age, as shares with 95%
intervals, their changes between two years and their trends. The notebook `profiles` calls this module.

The statistics (Wilson intervals, Newcombe's interval with the score test, the quasi-binomial logit trend) are
`stats.shares`; this module chooses the shares to test, names the estimates and runs the analysis. Its tables are
`profiles_tables`, its figures `profiles_figures`, and the fifteen-year profiles beside them `fifteen_years`.
"""

from __future__ import annotations

import pandas as pd

from ..config import VICTIMS, SeriesSpec
from ..data.series import annual_series
from ..errors import FitError
from ..stats.result import Estimate
from ..stats.shares import ShareChange, ShareTrend, fit_share_trend, share_change
from .base import Analysis
from .declarations import PROFILES, observation_inputs
from .fifteen_years import fifteen_years
from .parameters import declared
from .profiles_figures import FIGURES, shares_figure, stacked_figure
from .profiles_tables import availability, compositions

#: Shares whose change between two years and trend over the years are tested: name -> (part, whole), each a query
#: of the victims admitted.
SHARE_TESTS: dict[str, tuple[SeriesSpec, SeriesSpec]] = {
    "share_finland": ({"place": "finland"}, {}),
    "forced_labour_share_in_finland": ({"place": "finland", "form": "forced_labour"}, {"place": "finland"}),
    "minor_share": ({"age": "minor"}, {}),
}
#: The same shares in words, for readers (descriptions, notes and reports say these, not the keys).
SHARE_LABELS: dict[str, str] = {
    "share_finland": "share of victims admitted who were exploited in Finland",
    "forced_labour_share_in_finland": "share in forced labour among victims exploited in Finland",
    "minor_share": "share of minors among victims admitted",
}


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
        f"{SHARE_LABELS[name]}: {k2:g}/{n2:g} in {second_year} against {k1:g}/{n1:g} in {first_year} (Newcombe CI, "
        "score test)",
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
    return e.renamed(f"trend.{name}", f"{SHARE_LABELS[name]}: {e.description} ({', '.join(map(str, trend.years))})")


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


@declared(PROFILES, observation_inputs)
def run(
    obs: pd.DataFrame,
    *,
    start_year: int,
    end_year: int,
    compare_from: int,
    compare_to: int,
    context: pd.DataFrame | None = None,
) -> Analysis:
    """The profiles analysis: shares of every published breakdown, two-year changes and logit trends of three shares.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    {parameters}
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
            out.notes.append(f"{SHARE_LABELS[name]}: no comparison, {a} or {b} lacks a published figure")
        try:
            trend = fit_share_trend(_within(part, start_year, end_year), _within(whole, start_year, end_year))
        except FitError:
            out.notes.append(f"{SHARE_LABELS[name]}: fewer than three years with both figures, no trend")
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
