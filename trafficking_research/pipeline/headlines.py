"""What the index leads with: the headline findings (results.json keys and their labels, in order) and the notebooks in
the order a reader should take them. Text only; `report` renders it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Headline:
    """One finding on the index: the results.json key that holds it and what it says, in words.

    `key` and `label` are templates filled in with the notebook's parameters in the run (``{end_year}``), so that a
    run with other years finds its own numbers; a `per_year` headline stands once for each year ``{year}`` from
    ``train_end + 1`` to ``train_end + horizon`` (the forecasts).
    """

    notebook: str
    key: str
    label: str
    per_year: bool = False


#: The findings the index leads with, in order: the one list of headline keys.
HEADLINES: tuple[Headline, ...] = (
    Headline(
        "growth",
        "growth.victims_admitted.apc",
        "Growth of the yearly number of victims admitted, the published years of {start_year}–{end_year} (annual "
        "percent change, negative-binomial trend, calibrated interval)",
    ),
    Headline(
        "growth",
        "growth.harmonised.apc",
        "The same over the whole span, with the gap years estimated from every source (2014 from UNODC's series and "
        "its own first half; 2007–2009 from what either published cumulative total leaves), their uncertainty and "
        "the totals' disagreement carried into the interval",
    ),
    Headline(
        "growth",
        "growth.victims_admitted.doubling_time",
        "Time in which the yearly number of victims admitted doubled at that rate",
    ),
    Headline(
        "growth",
        "growth.victims_admitted.break_lr",
        "Evidence of a change in that growth: likelihood-ratio statistic of the best break year against none, "
        "with its bootstrap p-value (a break is drawn only when p < 0.05)",
    ),
    Headline("year_profile", "year_profile.victims_admitted", "Victims admitted to the system in {year}"),
    Headline(
        "profiles",
        "profiles.share.place.finland.y{compare_to}",
        "Share of the victims admitted in {compare_to} who were exploited in Finland",
    ),
    Headline(
        "profiles",
        "profiles.change_{compare_from}_{compare_to}.share_finland",
        "Change of that share from {compare_from} to {compare_to}",
    ),
    Headline(
        "profiles",
        "profiles.share.form_exploited_in_finland.forced_labour.y{compare_to}",
        "Share of forced labour among the victims exploited in Finland, {compare_to}",
    ),
    Headline(
        "profiles",
        "profiles.fifteen_years.unodc.share_female.trend",
        "Trend in the share of women and girls among victims detected in Finland (UNODC series; odds ratio per year)",
    ),
    Headline(
        "profiles",
        "profiles.fifteen_years.system.share_in_finland.trend",
        "Trend in the share of victims admitted who were exploited in Finland (odds ratio per year)",
    ),
    Headline(
        "context",
        "context.rate_ratio.fin_swe.y{compare_year}",
        "Detected victims per inhabitant in Finland against Sweden, {compare_year} (rate ratio; the two count "
        "differently, see the context report)",
    ),
    Headline("claims", "claims.total", "Checkable claims of the published sources in the claims ledger"),
    Headline("claims", "claims.true", "Claims that the preferred figures confirm"),
    Headline("claims", "claims.false", "Claims that the preferred figures contradict"),
    Headline("claims", "claims.cannot_check", "Claims no published figure can check"),
    Headline(
        "forecast",
        "forecast.{year}.victims_admitted",
        "Victims admitted in {year} as forecast from the years up to {train_end} (negative-binomial trend)",
        per_year=True,
    ),
    Headline(
        "recent",
        "recent.joinpoint.n_breaks",
        "Changes in the growth of victims admitted from {start_year} to the latest year that the calibrated "
        "joinpoint test supports (0: no break)",
    ),
    Headline("recent", "recent.joinpoint.break_1", "The (first) break year, with its bootstrap interval"),
    Headline(
        "recent",
        "recent.latest_change",
        "Victims admitted in the latest year against {change_from} (rate ratio; interval allowing for year-to-year "
        "variation)",
    ),
    Headline(
        "recent",
        "recent.amendments.admission_share.odds_ratio",
        "Victims admitted per person referred after the 2023 amendments against the {before_years} years before "
        "(odds ratio, quasi-binomial interval)",
    ),
    Headline(
        "recent",
        "recent.nowcast.backtest.coverage",
        "The year read from its first half: share of back-tested years whose published total fell inside the 95% "
        "interval",
    ),
    Headline(
        "dark_figure",
        "dark_figure.finland_scenario.{method}.estimate",
        "Simulated Finland-like scenario: total number of victims estimated by multiple systems estimation "
        "({method} model selection)",
    ),
    Headline("dark_figure", "dark_figure.finland_scenario.truth", "The scenario's true total, for comparison"),
    Headline(
        "calibration",
        "calibration.coverage.apc.nb2_pearson_t",
        "Calibration: share of simulated series like the real one whose reported 95% APC interval covered the true "
        "growth, in the worst of 12 scenarios of growth and overdispersion ({n_replicates} series each; target "
        "93–97%)",
    ),
    Headline(
        "calibration",
        "calibration.misspecified.level_shift_growth_10_alpha_0_03.underlying_growth",
        "When the model is wrong: share of simulated series with a level shift of the size of 2015→2016 (×2.5) on 10% "
        "growth whose reported APC interval covered the 10% growth (target 93–97%; the APC measures the jump)",
    ),
    Headline(
        "calibration",
        "calibration.misspecified.slowing_growth_growth_30_alpha_0_03.underlying_growth",
        "When the model is wrong: share of simulated series whose growth slows from 30% to 0 whose reported APC "
        "interval covered the latest year's growth, 0% (target 93–97%; the APC averages the whole span)",
    ),
)

#: The notebooks in the order a reader should take them, each with one line on what it does.
READING_ORDER: dict[str, str] = {
    "data_audit": "What the sources say, year by year: coverage, gaps, how conflicts between sources were settled, "
    "and the accounting identities the published figures obey.",
    "growth": "How fast the system grew: trend models of the yearly figures with annual percent change, doubling "
    "time and a test for a change in the trend; stock and flows; reconciliations.",
    "profiles": "Who the victims were: shares by place and form of exploitation, sex and age with 95% intervals, "
    "their trends and the change between two years.",
    "year_profile": "One year laid out as an annual review, against the year before and the mean of earlier years.",
    "claims": "The claims ledger: each checkable statement of the published sources tested against the preferred "
    "figures.",
    "forecast": "Forecast and hindcast: how well the trend up to the forecast origin predicted the years published "
    "since.",
    "recent": "After the fifteen years: whether and when the growth ended, admissions per referral around the 2023 "
    "amendments, and the year predicted from its first half.",
    "dark_figure": "The dark figure: what multiple systems estimation can say about victims on no list, in a "
    "simulated scenario, and how precise it is.",
    "context": "Finland beside its neighbours: detected victims per 100,000 inhabitants, their trends and rate ratios, "
    "and how many reach a prosecution and a conviction (UNODC data).",
    "calibration": "How honest the intervals are: the actual coverage of every reported 95% interval on simulated "
    "series with known truth (2,000 per scenario by default, each verdict decided with its Monte Carlo error), the "
    "size of the joinpoint test, and series on which the trend model is wrong: with a level shift like 2015→2016 or "
    "growth that slows, the APC interval under-covers the underlying growth.",
}
