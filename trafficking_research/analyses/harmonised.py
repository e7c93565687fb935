"""The harmonised admissions series 2006 onwards: published years as published, gap years estimated and flagged.

The data package stays published-only; this module builds, for the analyses, a series of victims admitted in which

* published years keep their preferred figure (flag ``published``);
* 2006, which has no admissions figure, takes the number of clients in the system's first year (every client of the
  first year was admitted that year), 9 or 6 as the two Migri statements say (flag ``published_first_year_clients``);
* each remaining gap year (2007-2009, 2014) is drawn from UNODC's detected-victims figure for that year, scaled by the
  admissions/UNODC relation on the years where both exist, and, when a published cumulative total is used, constrained
  so that the gap years add up to what that total leaves (flag ``estimated_unodc_total_<year>``, or
  ``estimated_unodc`` without a total).

The two cumulative totals (630 to the end of 2017, 1,257 to the end of 2020) leave different sums for the same gap
years; `implied_gap_totals` states both. The main scenario uses the total to 2017: its cut-off is stated on the page,
whereas the release of January 2021 gives 1,257 without one (the data take it as the end of 2020); the sensitivity
table shows both, and the UNODC relation alone. Growth over the full span is fitted on every draw and pooled by Rubin's rules,
so the uncertainty of the estimated years widens the APC interval. Derived breakdowns (exploited abroad = all -
exploited in Finland) are computed by `derived_complements` and flagged as derived.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..config import CONFIDENCE, CUMULATIVE_VICTIMS, FIRST_YEAR, UNODC_DETECTED
from ..data.series import annual_series
from ..errors import ParameterError, SeriesError
from ..stats import trends
from ..stats.imputation import ProxyRelation, draw_gap_counts, fit_proxy_relation, pool_rubin
from ..stats.result import Estimate, Result
from .base import Analysis
from .plotting import finish_year_axes

#: The caption of the harmonised series' figure.
HARMONISED_SOURCE = (
    "Source: the Assistance System's published yearly and cumulative figures and UNODC's detected victims, as cited "
    "in data/observations.csv; estimated years are model draws"
)

TOTAL_CHOICES = ("2017", "2020", None)


@dataclass(frozen=True)
class Scenario:
    """One set of choices for the gap years.

    Parameters
    ----------
    total : {"2017", "2020", None}
        The published cumulative total that constrains the gap years (630 to 2017, 1,257 to 2020), or None for the
        UNODC relation alone.
    first_year : int or None
        Admissions in 2006 (9 or 6 as published for the first year), or None to start the series in 2007.
    relation_years : tuple of int
        First and last year of the overlap on which the admissions/UNODC relation is estimated.
    """

    total: str | None = "2017"
    first_year: int | None = 9
    relation_years: tuple[int, int] = (2010, 2020)

    def __post_init__(self) -> None:
        if self.total not in TOTAL_CHOICES:
            raise ParameterError(f"parameter 'total': {self.total!r} is not one of {TOTAL_CHOICES}")
        if self.first_year is not None and self.first_year < 0:
            raise ParameterError(f"parameter 'first_year': {self.first_year} is negative")
        if self.relation_years[0] > self.relation_years[1]:
            raise ParameterError(f"parameter 'relation_years': {self.relation_years} starts after it ends")

    @property
    def label(self) -> str:
        """Short description for tables."""
        total = {"2017": "total 630 (to 2017)", "2020": "total 1,257 (to 2020)", None: "no total"}[self.total]
        first = "no 2006" if self.first_year is None else f"2006 = {self.first_year}"
        return f"{total}; {first}; UNODC relation {self.relation_years[0]}-{self.relation_years[1]}"


@dataclass(frozen=True)
class Inputs:
    """The published figures the harmonised series is built from."""

    admitted: pd.Series
    unodc: pd.Series
    totals: dict[int, float]
    first_year_values: dict[int, str]


def inputs(obs: pd.DataFrame) -> Inputs:
    """Admissions (victims, else unspecified), UNODC detected victims, cumulative totals and the 2006 figures.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.

    Returns
    -------
    Inputs
        Exact published values only.
    """
    admitted = annual_series(obs, "admitted")
    unodc = annual_series(obs, **UNODC_DETECTED)
    cumulative = annual_series(obs, **CUMULATIVE_VICTIMS)
    first = obs[
        (obs["measure"] == "clients_during")
        & (obs["period_start"] == pd.Timestamp(f"{FIRST_YEAR}-01-01"))
        & (obs["period_end"] == pd.Timestamp(f"{FIRST_YEAR}-12-31"))
        & (obs["place"] == "all")
        & (obs["form"] == "all")
        & (obs["sex"] == "all")
        & (obs["age"] == "all")
        & (obs["unit"] == "persons")
    ]
    values = {int(v): f"{s} ({st})" for v, s, st in zip(first["value"], first["source_id"], first["status"])}
    return Inputs(admitted, unodc, {int(y): float(v) for y, v in cumulative.items()}, values)


def implied_gap_totals(data: Inputs, first_year: int | None, end_year: int) -> pd.DataFrame:
    """What each cumulative total leaves for the years without a published admissions figure.

    Parameters
    ----------
    data : Inputs
        From `inputs`.
    first_year : int or None
        The 2006 value counted as published, or None to count 2006 among the gap years.
    end_year : int
        Last year of the series.

    Returns
    -------
    pandas.DataFrame
        One row per cumulative total: its value, the published sum up to its year, the gap years and what they hold.
    """
    rows = []
    for year, total in sorted(data.totals.items()):
        span = range(FIRST_YEAR, year + 1)
        published = {y: float(data.admitted[y]) for y in span if y in data.admitted.index}
        if first_year is not None:
            published[FIRST_YEAR] = float(first_year)
        gaps = [y for y in span if y not in published]
        rows.append(
            {
                "total_to": year,
                "total": total,
                "published_sum": sum(published.values()),
                "gap_years": ", ".join(map(str, gaps)),
                "gap_sum": total - sum(published.values()),
                "gaps_after_end": [y for y in gaps if y > end_year],
            }
        )
    return pd.DataFrame(rows)


@dataclass
class Harmonised:
    """A harmonised series: a table (value, interval, flag, basis per year) and the draws behind it."""

    scenario: Scenario
    table: pd.DataFrame
    draws: pd.DataFrame
    relation: ProxyRelation
    gap_total: int | None
    notes: list[str] = field(default_factory=list)

    @property
    def gap_years(self) -> list[int]:
        """The estimated years."""
        return [int(y) for y, f in zip(self.table["year"], self.table["flag"]) if f.startswith("estimated")]

    def draw_series(self, i: int) -> pd.Series:
        """Draw `i` as a full series (published years plus that draw of the gap years)."""
        return self.draws.iloc[i].astype(float)


def harmonise(
    obs: pd.DataFrame, scenario: Scenario = Scenario(), end_year: int = 2020, n_draws: int = 200, seed: int = 2006
) -> Harmonised:
    """The harmonised admissions series from the first year to `end_year` under one scenario.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    scenario : Scenario
        Which total, which 2006 value and which relation years.
    end_year : int
        Last year of the series.
    n_draws : int
        Number of draws of the gap years.
    seed : int
        Seed of the draws.

    Returns
    -------
    Harmonised
        Table and draws; intervals of estimated years are the central 95% of the draws.
    """
    data = inputs(obs)
    start = FIRST_YEAR if scenario.first_year is not None else FIRST_YEAR + 1
    if end_year <= start:
        raise ParameterError(f"parameter 'end_year': {end_year} leaves no span after {start}")
    years = list(range(start, end_year + 1))
    published = {y: float(data.admitted[y]) for y in years if y in data.admitted.index}
    gaps = [y for y in years if y not in published and y != FIRST_YEAR]
    no_proxy = [y for y in gaps if y not in data.unodc.index]
    if no_proxy:
        raise SeriesError(f"years {no_proxy} have neither an admissions figure nor a UNODC figure to estimate from")
    lo, hi = scenario.relation_years
    overlap = [y for y in range(lo, hi + 1) if y in data.admitted.index and y in data.unodc.index]
    relation = fit_proxy_relation(data.admitted.to_dict(), data.unodc.to_dict(), overlap)
    gap_total = None
    notes = []
    if scenario.total is not None:
        total_year = int(scenario.total)
        if total_year not in data.totals:
            raise SeriesError(f"no published cumulative total to the end of {total_year}")
        implied = implied_gap_totals(data, scenario.first_year, end_year).set_index("total_to").loc[total_year]
        if any(y > total_year for y in gaps):
            raise ParameterError(f"the total to {total_year} cannot constrain gap years after it ({gaps})")
        if start != FIRST_YEAR:
            raise ParameterError("a cumulative total since 2006 needs a value for 2006 (scenario.first_year)")
        gap_total = int(round(implied["gap_sum"]))
        notes.append(f"the total {implied['total']:g} to {total_year} leaves {gap_total} for {implied['gap_years']}")
    proxy = [float(data.unodc[y]) for y in gaps]
    drawn = draw_gap_counts(proxy, relation, n_draws, seed, total=gap_total) if gaps else np.zeros((n_draws, 0))
    draws = pd.DataFrame({y: np.full(n_draws, v) for y, v in published.items()})
    if scenario.first_year is not None:
        draws[FIRST_YEAR] = float(scenario.first_year)
    for j, y in enumerate(gaps):
        draws[y] = drawn[:, j].astype(float)
    draws = draws[years]
    flag_est = f"estimated_unodc_total_{scenario.total}" if scenario.total else "estimated_unodc"
    types = data.admitted.attrs.get("client_type", {})
    rows = []
    tail = (1 - CONFIDENCE) / 2
    for y in years:
        if y in published:
            rows.append(
                {
                    "year": y,
                    "value": published[y],
                    "low": published[y],
                    "high": published[y],
                    "flag": "published",
                    "basis": f"admitted ({types.get(y, 'victim')})",
                }
            )
        elif y == FIRST_YEAR:
            rows.append(
                {
                    "year": y,
                    "value": float(scenario.first_year),
                    "low": float(scenario.first_year),
                    "high": float(scenario.first_year),
                    "flag": "published_first_year_clients",
                    "basis": "clients in the first year; published as "
                    + "; ".join(f"{v} by {s}" for v, s in sorted(data.first_year_values.items())),
                }
            )
        else:
            col = draws[y].to_numpy()
            rows.append(
                {
                    "year": y,
                    "value": float(np.median(col)),
                    "low": float(np.quantile(col, tail)),
                    "high": float(np.quantile(col, 1 - tail)),
                    "flag": flag_est,
                    "basis": f"UNODC {data.unodc[y]:g} x ratio {relation.ratio:.3f} (years {lo}-{hi})"
                    + (f", gap years sum to {gap_total}" if gap_total is not None else ""),
                }
            )
    return Harmonised(scenario, pd.DataFrame(rows), draws, relation, gap_total, notes)


@dataclass(frozen=True, eq=False)
class FullSpanGrowth(Result):
    """APC over a span: pooled over the draws of a harmonised series (Rubin's rules), or one fit of published years.

    Attributes
    ----------
    label : str
        What was fitted, for descriptions.
    apc : float
        Annual percent change, 100 (exp(slope) - 1).
    apc_ci : tuple of float
        Its 95% interval (Student's t with Rubin's degrees of freedom; normal for a single fit).
    slope, slope_se : float
        Pooled log-scale slope and its total standard error.
    df : float
        Rubin's degrees of freedom (infinite for a single fit or identical draws).
    m : int
        Number of fits pooled.
    first_year, last_year : int
        The span.
    model : str
        ``negbin`` or ``poisson``.
    """

    label: str
    apc: float
    apc_ci: tuple[float, float]
    slope: float
    slope_se: float
    df: float
    m: int
    first_year: int
    last_year: int
    model: str

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """APC with its interval, and the number of fits pooled."""
        how = (
            f"pooled over {self.m} draws of the estimated years (Rubin's rules, t with {self.df:.0f} df)"
            if self.m > 1
            else f"one fit; 95% CI of the slope: {trends.INTERVAL_METHOD}"
        )
        return (
            Estimate(
                "apc",
                self.apc,
                "percent per year",
                f"{self.label}: APC {self.first_year}-{self.last_year}, {self.model} log-linear trend; {how}",
                ci=self.apc_ci,
                extra={"years": f"{self.first_year}-{self.last_year}", "draws": self.m},
            ),
        )


def _fit(series: pd.Series, model: str, origin: int) -> trends.TrendFit:
    return trends.fit_negbin(series, origin) if model == "negbin" else trends.fit_poisson(series, origin)


def full_span_growth(h: Harmonised, model: str = "negbin") -> FullSpanGrowth:
    """Fit the trend on every draw of the harmonised series and pool the slopes (Rubin's rules).

    Parameters
    ----------
    h : Harmonised
        From `harmonise`.
    model : {"negbin", "poisson"}
        Trend model.

    Returns
    -------
    FullSpanGrowth
        APC and its interval; the interval includes the spread between draws.
    """
    if model not in ("negbin", "poisson"):
        raise ParameterError(f"parameter 'model': {model!r} is not 'negbin' or 'poisson'")
    origin = int(h.draws.columns[0])
    fits = trends.fit_many(h.draws, model, origin, label="victims admitted, harmonised")
    # each draw's variance is the calibrated one (the model's, scaled by the Pearson dispersion, as
    # `trends.small_sample_interval`), and the t reference allows for the residual degrees of freedom
    df_complete = fits[0].n_obs - len(fits[0].params)
    pooled = pool_rubin(
        [f.slope for f in fits], [f.se**2 * f.pearson_chi2 / df_complete for f in fits], df_complete=df_complete
    )
    low, high = pooled.interval(CONFIDENCE)
    return FullSpanGrowth(
        f"victims admitted, harmonised ({h.scenario.label})",
        100 * math.expm1(pooled.estimate),
        (100 * math.expm1(low), 100 * math.expm1(high)),
        pooled.estimate,
        math.sqrt(pooled.variance),
        pooled.df,
        pooled.m,
        origin,
        int(h.draws.columns[-1]),
        model,
    )


def published_only_growth(
    obs: pd.DataFrame,
    start_year: int = FIRST_YEAR,
    end_year: int = 2020,
    model: str = "negbin",
    first_year: int | None = None,
) -> FullSpanGrowth:
    """The same trend on the published years only (optionally with a 2006 value), for comparison.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    start_year, end_year : int
        Window.
    model : {"negbin", "poisson"}
        Trend model.
    first_year : int or None
        A 2006 value to include, or None to leave 2006 out.

    Returns
    -------
    FullSpanGrowth
        With m = 1 and the Wald interval of the single fit.
    """
    s = inputs(obs).admitted
    s = s[(s.index >= start_year) & (s.index <= end_year)].astype(float)
    if first_year is not None and start_year <= FIRST_YEAR:
        s = pd.concat([pd.Series({FIRST_YEAR: float(first_year)}), s]).sort_index()
    s.name = "victims admitted"
    origin = int(s.index[0])
    fit = _fit(s, model, origin)
    what = "published years only" + ("" if first_year is None else f", 2006 = {first_year}")
    return FullSpanGrowth(
        f"victims admitted, {what}",
        fit.apc,
        fit.apc_ci,
        fit.slope,
        fit.se,
        math.inf,
        1,
        origin,
        int(s.index[-1]),
        model,
    )


#: Draws per scenario of the sensitivity table, unless a caller says otherwise (the growth notebook's default).
SENSITIVITY_DRAWS = 10


def sensitivity(
    obs: pd.DataFrame,
    end_year: int = 2020,
    n_draws: int = SENSITIVITY_DRAWS,
    seed: int = 2006,
    model: str = "negbin",
    relations: tuple[tuple[int, int], ...] = ((2010, 2020), (2010, 2015), (2010, 2022)),
    first_years: tuple[int, ...] = (9, 6),
) -> pd.DataFrame:
    """APC over the full span under every combination of the choices, beside the published-only fits.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    end_year : int
        Last year.
    n_draws : int
        Draws per scenario.
    seed : int
        Seed, the same for every scenario (common random numbers).
    model : {"negbin", "poisson"}
        Trend model.
    relations : tuple of (int, int)
        Overlap windows for the UNODC relation.
    first_years : tuple of int
        2006 values to try.

    Returns
    -------
    pandas.DataFrame
        One row per choice: description, years, APC and its interval, gap sum, draws.
    """
    rows = []
    for fy in (None, *first_years):
        g = published_only_growth(obs, FIRST_YEAR, end_year, model, first_year=fy)
        rows.append(
            {
                "estimated_years": "none (published only)",
                "total": "",
                "first_year": "" if fy is None else fy,
                "relation": "",
                "years": f"{g.first_year}-{g.last_year}",
                "apc": g.apc,
                "apc_low": g.apc_ci[0],
                "apc_high": g.apc_ci[1],
                "gap_sum": np.nan,
                "draws": 1,
            }
        )
    for total in TOTAL_CHOICES:
        for fy in first_years:
            for rel in relations:
                h = harmonise(obs, Scenario(total, fy, rel), end_year, n_draws, seed)
                g = full_span_growth(h, model)
                rows.append(
                    {
                        "estimated_years": ", ".join(map(str, h.gap_years)),
                        "total": total or "none",
                        "first_year": fy,
                        "relation": f"{rel[0]}-{rel[1]}",
                        "years": f"{g.first_year}-{g.last_year}",
                        "apc": g.apc,
                        "apc_low": g.apc_ci[0],
                        "apc_high": g.apc_ci[1],
                        "gap_sum": float(h.draws[h.gap_years].sum(axis=1).median()),
                        "draws": g.m,
                    }
                )
    return pd.DataFrame(rows)


def derived_complements(obs: pd.DataFrame, end_year: int = 2024) -> pd.DataFrame:
    """Breakdowns that follow by arithmetic from published figures: abroad = all - Finland, and the other sex.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    end_year : int
        Last year considered.

    Returns
    -------
    pandas.DataFrame
        One row per year and derived part (only where the part itself is not published): the total, the published
        part and the remainder, flagged as derived.
    """
    total = annual_series(obs, "admitted")
    rows = []
    for dim, known, other in (("place", "finland", "abroad"), ("sex", "female", "male"), ("sex", "male", "female")):
        part = annual_series(obs, "admitted", **{dim: known})
        rest = annual_series(obs, "admitted", **{dim: other})
        for y in part.index:
            if y > end_year or y not in total.index or y in rest.index:
                continue
            rows.append(
                {
                    "year": int(y),
                    "dimension": dim,
                    "derived": other,
                    "total": float(total[y]),
                    "published_part": float(part[y]),
                    "value": float(total[y] - part[y]),
                    "flag": f"derived: all - {known}",
                }
            )
    return pd.DataFrame(rows, columns=["year", "dimension", "derived", "total", "published_part", "value", "flag"])


def figure(h: Harmonised) -> plt.Figure:
    """Published years as filled points, the 2006 first-year figure as a square, estimated years as open points with
    their 95% draw intervals.

    Parameters
    ----------
    h : Harmonised
        From `harmonise`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = h.table
    fig, ax = plt.subplots(figsize=(8, 4.2))
    pub = t[t["flag"] == "published"]
    first = t[t["flag"] == "published_first_year_clients"]
    est = t[t["flag"].str.startswith("estimated")]
    ax.plot(t["year"], t["value"], color="0.75", lw=1, zorder=1)
    ax.scatter(pub["year"], pub["value"], color="black", zorder=3, label="published")
    if len(first):
        ax.scatter(
            first["year"],
            first["value"],
            marker="s",
            facecolor="white",
            edgecolor="black",
            zorder=3,
            label="2006: clients in the first year",
        )
    if len(est):
        ax.errorbar(
            est["year"],
            est["value"],
            yerr=[est["value"] - est["low"], est["high"] - est["value"]],
            fmt="o",
            mfc="white",
            mec="#e45756",
            ecolor="#e45756",
            capsize=3,
            zorder=2,
            label="estimated: median and central 95% of the draws",
        )
    return finish_year_axes(
        fig, ax, "victims admitted", f"Harmonised series: {h.scenario.label}", source=HARMONISED_SOURCE
    )


def estimates(
    h: Harmonised,
    main: FullSpanGrowth,
    published: FullSpanGrowth,
    table: pd.DataFrame | None,
    implied: pd.DataFrame,
    derived: pd.DataFrame,
) -> list[Estimate]:
    """The numbers of the harmonised analysis, named for ``growth.harmonised.*``.

    Parameters
    ----------
    h : Harmonised
        The main scenario's series.
    main, published : FullSpanGrowth
        Its pooled APC and the published-only APC over the same span.
    table : pandas.DataFrame or None
        From `sensitivity` (None: no sensitivity table was made).
    implied : pandas.DataFrame
        From `implied_gap_totals` with 2006 counted among the gap years.
    derived : pandas.DataFrame
        From `derived_complements`.

    Returns
    -------
    list of Estimate
    """
    out = [main.estimate("apc"), published.estimate("apc").renamed("apc_published_only")]
    if table is not None:  # the range of the sensitivity table, where it was made
        est = table[table["draws"] > 1]
        for end, what in (("min", "smallest"), ("max", "largest")):
            out.append(
                Estimate(
                    f"sensitivity.apc_{end}",
                    float(est["apc"].agg(end)),
                    "percent per year",
                    f"{what} APC over the sensitivity table's choices (total, 2006 value, UNODC relation)",
                )
            )
    for row in implied.itertuples():
        out.append(
            Estimate(
                f"gap_sum.total_{row.total_to}",
                float(row.gap_sum),
                "persons",
                f"what the published total {row.total:g} to {row.total_to} leaves for {row.gap_years} "
                "(the published yearly admissions subtracted)",
            )
        )
    for row in h.table.itertuples():
        if row.flag.startswith("estimated"):
            out.append(
                Estimate(
                    f"y{row.year}",
                    float(row.value),
                    "persons",
                    f"victims admitted in {row.year}, estimated ({row.flag}): median and central 95% of "
                    f"{len(h.draws)} draws; {row.basis}",
                    ci=(float(row.low), float(row.high)),
                )
            )
    for row in derived.itertuples():
        out.append(
            Estimate(
                f"derived.{row.derived}.y{row.year}",
                float(row.value),
                "persons",
                f"victims admitted in {row.year}, {row.flag} ({row.total:g} - {row.published_part:g}); "
                "derived by arithmetic, not published",
            )
        )
    return out


def add_to(
    analysis: Analysis,
    obs: pd.DataFrame,
    *,
    end_year: int = 2020,
    n_draws: int = 100,
    sensitivity_draws: int = SENSITIVITY_DRAWS,
    seed: int = 2006,
    model: str = "negbin",
) -> Harmonised:
    """Add the harmonised series, its growth, the sensitivity table and the derived figures to an analysis.

    Parameters
    ----------
    analysis : Analysis
        Usually the growth analysis; estimates go under ``harmonised.``.
    obs : pandas.DataFrame
        The validated observations.
    end_year : int
        Last year of the span (which starts in 2006).
    n_draws, sensitivity_draws : int
        Draws for the main scenario and for each scenario of the sensitivity table (at least 2 each; a
        `sensitivity_draws` of 0 leaves the sensitivity table out).
    seed : int
        Seed of the draws.
    model : {"negbin", "poisson"}
        Trend model.

    Returns
    -------
    Harmonised
        The main scenario (total 630 to 2017, 2006 = 9, UNODC relation 2010-2020).
    """
    if n_draws < 2:
        raise ParameterError(f"parameter 'harmonised_draws' must be at least 2 (Rubin's rules), got {n_draws}")
    if sensitivity_draws == 1 or sensitivity_draws < 0:
        raise ParameterError(
            f"parameter 'sensitivity_draws' must be 0 (no table) or at least 2, got {sensitivity_draws}"
        )
    h = harmonise(obs, Scenario(), end_year, n_draws, seed)
    main = full_span_growth(h, model)
    published = published_only_growth(obs, FIRST_YEAR, end_year, model)
    table = sensitivity(obs, end_year, sensitivity_draws, seed, model) if sensitivity_draws else None
    implied = implied_gap_totals(inputs(obs), None, end_year)
    derived = derived_complements(obs)
    analysis.table("harmonised_series", h.table)
    if table is not None:
        analysis.table("harmonised_sensitivity", table)
    analysis.table("harmonised_implied_gap_totals", implied.drop(columns="gaps_after_end"))
    analysis.table("derived_figures", derived)
    analysis.figure("harmonised_series", figure(h))
    analysis.models["harmonised"] = h
    analysis.add(estimates(h, main, published, table, implied, derived), prefix="harmonised")
    analysis.notes.extend(f"harmonised: {n}" for n in h.notes)
    return h
