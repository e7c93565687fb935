"""After the fifteen years: did the growth end, what changed around the 2023 amendments, and the year read from its
first half. The notebook `recent` calls this module; its figures are `recent_figures`, the statistics
`stats.segmented`, `stats.periods`, `stats.shares` and `stats.nowcast`.

Every year the data package holds is used by default (``end_year`` 0: the latest year with a published figure of
victims admitted), so next year's rows extend the analysis without a change of code.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from ..config import CORE_SERIES, VICTIMS_ADMITTED
from ..data.events import event_date, load_events
from ..data.series import annual_series, half_year_pairs, latest_year
from ..errors import FitError
from ..stats import trends
from ..stats.censored import count_from_percent
from ..stats.nowcast import backtest_nowcast, nowcast_year
from ..stats.periods import compare_periods, count_change
from ..stats.result import Estimate
from ..stats.segmented import fit_segmented, segment_table
from ..stats.shares import fit_share_trend, wilson_share
from . import recent_figures
from .base import Analysis
from .declarations import RECENT, observation_inputs
from .harmonised import Scenario, harmonise
from .parameters import declared

#: The change of law compared before and after (its date and source are in data/events.csv).
AMENDMENTS = "reception_act_amendments_2023"
#: The shares compared before and after the amendments: key -> (label, query of the part, unit of the part).
SHARES: dict[str, tuple[str, dict[str, str]]] = {
    "share_finland": ("share of the victims admitted who were exploited in Finland", {"place": "finland"}),
    "share_forced_labour": (
        "share of the victims admitted who were exploited in forced labour",
        {"form": "forced_labour"},
    ),
}
SERIES_LABEL = VICTIMS_ADMITTED


def admission_table(obs: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Victims admitted per person referred, by year, with each year's Wilson interval."""
    admitted = annual_series(obs, "admitted")
    referred = annual_series(obs, **CORE_SERIES["referred"])
    rows = []
    for y in sorted(set(admitted.index) & set(referred.index)):
        if start_year <= y <= end_year:
            s = wilson_share(admitted[y], referred[y])
            rows.append(
                {"year": int(y), "referred": referred[y], "admitted": admitted[y], "share": s.value}
                | {"low": s.ci[0], "high": s.ci[1]}
            )
    return pd.DataFrame(rows, columns=["year", "referred", "admitted", "share", "low", "high"])


def share_counts(obs: pd.DataFrame, query: dict[str, str]) -> tuple[pd.Series, pd.Series, dict[int, tuple[int, int]]]:
    """A part of the victims admitted per year: the published count, else the counts a published whole percentage
    of the year's victims admitted allows (the middle one as the value, the range beside it).

    Returns
    -------
    tuple
        Counts, totals (victims admitted) and the ranges of the years read from a percentage.
    """
    totals = annual_series(obs, "admitted")
    persons = annual_series(obs, "admitted", **query)
    percent = annual_series(obs, "admitted", unit="percent", **query)
    counts, ranges = {}, {}
    for y in totals.index:
        if y in persons.index:
            counts[y] = float(persons[y])
        elif y in percent.index:
            r = count_from_percent(float(percent[y]), float(totals[y]))
            counts[y] = float(round(float(percent[y]) * totals[y] / 100))
            counts[y] = min(max(counts[y], r.low), r.high)
            ranges[int(y)] = (r.low, r.high)
    return pd.Series(counts, dtype=float), totals, ranges


@declared(RECENT, observation_inputs)
def run(
    obs: pd.DataFrame,
    *,
    start_year: int,
    end_year: int,
    max_breaks: int,
    min_segment: int,
    n_boot: int,
    harmonised_draws: int,
    change_from: int,
    before_years: int,
    seed: int,
    data_dir: str,
) -> Analysis:
    """The analysis after the fifteen years; every parameter is checked (`declarations.RECENT`) before any work.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    {parameters}

    Returns
    -------
    Analysis
    """
    end = end_year or latest_year(obs)
    params = dict(start_year=start_year, end_year=end_year, max_breaks=max_breaks, min_segment=min_segment)
    params |= dict(n_boot=n_boot, harmonised_draws=harmonised_draws, change_from=change_from, seed=seed)
    analysis = Analysis("recent", params | {"before_years": before_years, "resolved_end_year": end})
    # the whole series with the harmonised gap years
    h = harmonise(obs, Scenario(), end, max(harmonised_draws, 2), seed) if harmonised_draws else None
    if h is not None:
        table = h.table[(h.table["year"] >= start_year)]
        series = pd.Series(table["value"].to_numpy(), index=table["year"].astype(int).to_numpy(), name=SERIES_LABEL)
        draws = h.draws.loc[:, [c for c in h.draws.columns if c >= start_year]]
        analysis.table("series", table)
    else:
        series = annual_series(obs, "admitted").loc[start_year:end].rename(SERIES_LABEL)
        draws = None
        analysis.table("series", series.rename("value").reset_index())
    seg = fit_segmented(series, max_breaks, min_segment, n_boot, seed)
    analysis.models["joinpoint"] = seg
    estimates = list(seg.estimates)
    if draws is not None:
        fits = trends.fit_many(draws, "negbin", int(series.index[0]), SERIES_LABEL, breaks=seg.breaks)
        pooled = segment_table(fits, int(series.index[0]), end)
        estimates = [e for e in estimates if ".apc" not in e.name]
        seg = replace(seg, segments=pooled)
        estimates += [e for e in seg.estimates if ".apc" in e.name]
    analysis.add(estimates, prefix="joinpoint")
    analysis.table("segments", seg.segments)
    # the change over the latest years
    admitted = annual_series(obs, "admitted")
    change = count_change(
        SERIES_LABEL, (change_from, end), (admitted[change_from], admitted[end]), seg.model.alpha or 0
    )
    analysis.add([e.renamed("latest_change") for e in change.estimates])
    # admissions per referral
    adm = analysis.table("admission_share", admission_table(obs, start_year, end))
    for row in adm.itertuples():
        analysis.add(
            [
                Estimate(
                    f"admission_share.y{row.year}",
                    row.share,
                    "proportion",
                    f"victims admitted per person referred in {row.year} ({row.admitted:g} of {row.referred:g}; Wilson CI)",
                    ci=(row.low, row.high),
                )
            ]
        )
    ix = adm.set_index("year")
    try:
        trend = fit_share_trend(ix["admitted"], ix["referred"])
        analysis.add([e.renamed("admission_share.trend") for e in trend.estimates])
    except FitError as exc:
        analysis.notes.append(f"admission share trend: {exc}")
    # before and after the amendments
    events = load_events(data_dir)
    changed = event_date(events, AMENDMENTS)
    first_after = changed.year if (changed.month, changed.day) == (1, 1) else changed.year + 1
    analysis.params["amendments_in_force"] = changed.isoformat()
    window = lambda s: s[(s.index >= first_after - before_years) & (s.index <= end)]  # noqa: E731
    comparisons = {"admission_share": ("victims admitted per person referred", ix["admitted"], ix["referred"], {})}
    for key, (label, query) in SHARES.items():
        counts, totals, ranges = share_counts(obs, query)
        comparisons[key] = (label, counts, totals, ranges)
    rows = []
    for key, (label, counts, totals, ranges) in comparisons.items():
        try:
            pc = compare_periods(window(counts), window(totals), first_after, label, ranges)
        except FitError as exc:
            analysis.notes.append(f"before/after {key}: {exc}")
            continue
        analysis.add(pc.estimates, prefix=f"amendments.{key}")
        rows.append(
            {"share": label, "years_before": ", ".join(map(str, pc.years_before))}
            | {
                "share_before": pc.share_before,
                "years_after": ", ".join(map(str, pc.years_after)),
                "share_after": pc.share_after,
                "odds_ratio": pc.odds_ratio,
                "low": pc.odds_ratio_ci[0],
                "high": pc.odds_ratio_ci[1],
                "p_value": pc.p_value,
                "dispersion": pc.dispersion,
                "from_percent": ", ".join(map(str, pc.ranged_years)),
            }
        )
    analysis.table("before_after", pd.DataFrame(rows))
    # the year from its first half
    pairs = half_year_pairs(obs)
    history = pairs.dropna()
    backtest = backtest_nowcast(history)
    analysis.add(backtest.estimates, prefix="nowcast")
    analysis.table("nowcast_backtest", backtest.table)
    analysis.table("half_year_pairs", pairs, index=True)
    for year in [y for y in pairs.index if math.isnan(pairs.loc[y, "full_year"])] + [int(pairs.index.max())]:
        nc = nowcast_year(float(pairs.loc[year, "first_half"]), history.drop(index=year, errors="ignore"))
        published = pairs.loc[year, "full_year"]
        what = "no full-year figure is published" if math.isnan(published) else f"published full year {published:g}"
        analysis.add(
            [
                e.renamed(
                    f"nowcast.y{year}",
                    f"victims admitted in {year} nowcast from its first half ({what}); " + e.description,
                )
                for e in nc.estimates
            ]
        )
    analysis.figure("series_and_breaks", recent_figures.series_figure(series, h, seg, changed))
    analysis.figure("admission_share", recent_figures.admission_figure(adm, changed))
    analysis.figure("nowcast_backtest", recent_figures.backtest_figure(backtest.table))
    return analysis
