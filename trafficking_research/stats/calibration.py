"""Calibration study: how often each interval the package reports covers the truth, on data shaped like the real data.

Every scenario simulates data with known truth at the real data's sample sizes, fits them the way the package does,
and counts how often the nominal 95% interval covers the true value; the Monte Carlo standard error of that share is
sqrt(c (1 - c) / R) for R replicates. The joinpoint bootstrap test is run on series without a break, and its share of
p-values at or below 5% is its size.

Seeding: replicate i of scenario s of study family f draws from its own generator,
SeedSequence(seed).spawn(...)[f].spawn(...)[s].spawn(R)[i] (built directly from the spawn key (f, s, i)), and
replicates are fitted in fixed blocks of `BLOCK`, so the results are the same for any number of joblib workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

from ..config import ALPHA
from ..errors import ParameterError
from . import batchfit as bf
from . import calibrated_predictive as fc
from .breaks import break_loglik, scaled_lr
from .trendfit import small_sample_interval

NOMINAL = 0.95
BLOCK = 1000
YEARS = np.array([2010, 2011, 2012, 2013, 2015, 2016, 2017, 2018, 2019, 2020])  # as the real series: 2014 missing
FUTURE = np.array([2021, 2022, 2023, 2024])
GEOMETRIC_MEAN_COUNT = 110.0  # expected counts around the real series' size (44-244 in 2010-2020)
FAMILIES = (
    "trend",
    "forecast",
    "joinpoint_slopes",
    "joinpoint_size",
    "share",
    "share_difference",
    "share_trend",
    "mse",
)


def replicate_rngs(seed: int, family: str, scenario: int, start: int, stop: int) -> list[np.random.Generator]:
    """Generators of replicates start..stop-1 of one scenario: the children SeedSequence(seed).spawn gives."""
    f = FAMILIES.index(family)
    return [np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(f, scenario, i))) for i in range(start, stop)]


def design(years: np.ndarray, origin: int, breaks: tuple[int, ...] = ()) -> np.ndarray:
    """Intercept, years since origin and a hinge per break: the package's log-linear design."""
    cols = [np.ones(len(years)), (years - origin).astype(float)]
    cols += [np.clip(years - b, 0, None).astype(float) for b in breaks]
    return np.column_stack(cols)


def true_means(growth: float, years: np.ndarray = YEARS) -> np.ndarray:
    """Expected counts growing by `growth` a year, with geometric mean GEOMETRIC_MEAN_COUNT over YEARS."""
    slope = math.log1p(growth)
    centre = YEARS.mean()
    return GEOMETRIC_MEAN_COUNT * np.exp(slope * (years - centre))


# --------------------------------------------------------------------------------------------------------------------
# Trend intervals (APC, doubling time)


def t_quantile(df: int | float) -> float:
    """Two-sided 95% quantile of Student's t."""
    return float(stats.t.ppf(0.5 + NOMINAL / 2, df))


Z = float(stats.norm.ppf(0.5 + NOMINAL / 2))


def trend_intervals(X: np.ndarray, Y: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """95% intervals of the slope (column 1 of X) of every row, by each candidate method."""
    n, p = X.shape
    pois = bf.fit_poisson(X, Y)
    nb = bf.fit_nb2(X, Y, poisson=pois)
    out = {}
    se_p = np.sqrt(pois.cov[:, 1, 1])
    out["poisson_wald_z"] = (pois.beta[:, 1] - Z * se_p, pois.beta[:, 1] + Z * se_p)
    se_nb = np.sqrt(nb.cov[:, 1, 1])
    out["nb2_wald_z"] = (nb.beta[:, 1] - Z * se_nb, nb.beta[:, 1] + Z * se_nb)
    tq = t_quantile(n - p - 1)
    out["nb2_wald_t"] = (nb.beta[:, 1] - tq * se_nb, nb.beta[:, 1] + tq * se_nb)
    # the package's calibrated interval (trends.small_sample_interval) on the Poisson and on the NB2 fit
    out["quasipoisson_t"] = small_sample_interval(pois.beta[:, 1], se_p, pois.pearson_chi2, n - p)
    out["nb2_pearson_t"] = small_sample_interval(nb.beta[:, 1], se_nb, nb.pearson_chi2, n - p)
    # a candidate not chosen: the dispersion never taken below 1
    tq2 = t_quantile(n - p)
    se_f = se_nb * np.sqrt(np.maximum(nb.pearson_chi2 / (n - p), 1))
    out["nb2_pearson_floor_t"] = (nb.beta[:, 1] - tq2 * se_f, nb.beta[:, 1] + tq2 * se_f)
    return out


#: Multiplier of the expected counts from 2016 on in the level-shift scenarios: the real series' jump from 52 (2015)
#: to 130 (2016).
LEVEL_SHIFT = 130 / 52
LEVEL_SHIFT_YEAR = 2016
#: The quantity of the scenarios outside the study's grid, kept apart from the grid's coverage.
MISSPECIFIED = "APC, misspecified trend or alpha beyond the grid"


@dataclass(frozen=True)
class TrendScenario:
    """Yearly NB2 counts on YEARS growing by `growth` a year with dispersion `alpha`.

    `shape` makes the log-linear model wrong on purpose: ``"level shift"`` multiplies the expected counts by
    `LEVEL_SHIFT` from `LEVEL_SHIFT_YEAR` on; ``"slowing growth"`` lets the yearly growth fall linearly from `growth`
    in the first year to 0 in the last. The target of an interval is then the slope the model estimates (the pseudo-true
    value: the log-linear fit to the expected counts, with the method's own weights).
    """

    growth: float
    alpha: float
    shape: str = ""

    @property
    def label(self) -> str:
        text = f"growth {self.growth:.0%}, alpha {self.alpha:g}"
        return f"{self.shape}: {text}" if self.shape else text

    @property
    def off_grid(self) -> bool:
        """Outside the study's grid: a misspecified trend, or alpha above 0.06."""
        return bool(self.shape) or self.alpha > 0.06

    def means(self) -> np.ndarray:
        """The expected counts on YEARS."""
        if self.shape == "slowing growth":
            rates = np.linspace(self.growth, 0.0, len(YEARS))
            log_mu = np.concatenate([[0.0], np.cumsum(np.log1p(rates[1:]) * np.diff(YEARS))])
            return GEOMETRIC_MEAN_COUNT * np.exp(log_mu - log_mu.mean())
        mu = true_means(self.growth)
        if self.shape == "level shift":
            mu = np.where(YEARS >= LEVEL_SHIFT_YEAR, mu * LEVEL_SHIFT, mu)
            mu = mu * GEOMETRIC_MEAN_COUNT / np.exp(np.mean(np.log(mu)))
        return mu


TREND_SCENARIOS = tuple(TrendScenario(g, a) for g in (0.0, 0.1, 0.2, 0.3) for a in (0.0, 0.03, 0.06)) + (
    TrendScenario(0.1, 0.03, "level shift"),
    TrendScenario(0.0, 0.03, "level shift"),
    TrendScenario(0.3, 0.03, "slowing growth"),
    TrendScenario(0.2, 0.1),
    TrendScenario(0.2, 0.15),
)
#: Methods that fit the Poisson model (their pseudo-true slope has Poisson weights); the others fit NB2.
POISSON_METHODS = ("poisson_wald_z", "quasipoisson_t")


def _trend_block(scenario: TrendScenario, index: int, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Coverage indicators of every slope method for replicates start..stop-1."""
    mu = scenario.means()
    Y = np.vstack([bf.draw_nb2(rng, mu, scenario.alpha) for rng in replicate_rngs(seed, "trend", index, start, stop)])
    X = design(YEARS, int(YEARS[0]))
    out = {}
    for method, (low, high) in trend_intervals(X, Y).items():
        if not scenario.shape:
            truth = math.log1p(scenario.growth)
        else:  # the pseudo-true slope: the method's model fitted to the expected counts themselves
            weight_alpha = 0.0 if method in POISSON_METHODS else scenario.alpha
            truth = float(bf.fixed_alpha_loglik(X, mu[None, :], np.array([weight_alpha]))[1][0, 1])
        hit = (low <= truth) & (truth <= high)
        if scenario.off_grid:
            out[f"{MISSPECIFIED}:{method}"] = hit
            continue
        out[method] = hit
        if scenario.growth > 0:  # doubling time: the slope's interval transformed, log 2 / slope
            dt_low = np.where(high > 0, math.log(2) / np.where(high > 0, high, 1), np.inf)
            dt_high = np.where(low > 0, math.log(2) / np.where(low > 0, low, 1), np.inf)
            true_dt = math.log(2) / truth
            out[f"doubling:{method}"] = (dt_low <= true_dt) & (true_dt <= dt_high)
    return out


# --------------------------------------------------------------------------------------------------------------------
# Forecast prediction intervals (NB2, the headline forecast model)

FORECAST_SIMS = 400
FORECAST_SCENARIOS = tuple(TrendScenario(g, a) for g in (0.0, 0.2, 0.3) for a in (0.0, 0.03, 0.06))


def normal_draws(rngs: list[np.random.Generator], fit: bf.BatchFit, Xf: np.ndarray, n_sims: int) -> np.ndarray:
    """Predictive draws as forecast.py made them before calibration (replicates x draws x years).

    Off the boundary, (coefficients, log alpha) ~ N(estimate, inverse observed information), then NB2 counts; at the
    boundary the Poisson coefficients ~ N(estimate, inverse information), then Poisson counts.
    """
    R, p = fit.beta.shape
    off = ~fit.boundary
    theta = np.column_stack([fit.beta, np.where(off, np.log(np.where(off, fit.alpha, 1.0)), 0.0)])
    cov = np.zeros((R, p + 1, p + 1))
    cov[:, :p, :p] = fit.cov
    cov[:, p, p] = 1.0
    cov[off] = fit.cov_full[off]
    chol = np.linalg.cholesky(cov)
    z = np.stack([rng.standard_normal((n_sims, p + 1)) for rng in rngs])
    draws = theta[:, None, :] + z @ chol.transpose(0, 2, 1)
    mu = np.exp(np.minimum(draws[..., :p] @ Xf.T, bf.ETA_CAP))
    alpha = np.where(off[:, None, None], np.exp(np.minimum(draws[..., p:], bf.ETA_CAP)), 0.0)
    return fc.predictive_counts(rngs, mu, alpha)


FORECAST_METHODS = ("nb2_normal_draws", "nb2_moment_t_draws")


def _forecast_block(scenario: TrendScenario, index: int, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Coverage of the future counts (h = 1..4 years after 2020) by each forecast method's 95% interval."""
    mu = true_means(scenario.growth)
    mu_f = true_means(scenario.growth, FUTURE)
    rngs = replicate_rngs(seed, "forecast", index, start, stop)
    Y = np.vstack([bf.draw_nb2(rng, mu, scenario.alpha) for rng in rngs])
    future = np.vstack([bf.draw_nb2(rng, mu_f, scenario.alpha) for rng in rngs])
    origin = int(YEARS[-1])
    X, Xf = design(YEARS, origin), design(FUTURE, origin)
    fit = bf.fit_nb2(X, Y)
    alpha_m = fc.moment_alpha(Y, fit.mu, len(YEARS) - X.shape[1])
    out = {}
    for m in FORECAST_METHODS:
        draws = (
            normal_draws(rngs, fit, Xf, FORECAST_SIMS)
            if m == "nb2_normal_draws"
            else fc.calibrated_draws(rngs, X, Xf, fit.beta, fit.mu, alpha_m, FORECAST_SIMS)
        )
        low, high = np.quantile(draws, (ALPHA / 2, 1 - ALPHA / 2), axis=1, method="inverted_cdf")
        for h in range(len(FUTURE)):
            out[f"h{h + 1}:{m}"] = (low[:, h] <= future[:, h]) & (future[:, h] <= high[:, h])
    return out


# --------------------------------------------------------------------------------------------------------------------
# Joinpoint: segment slopes and AAPC given the chosen break, and the bootstrap test's size


MIN_SEGMENT = 3


def joinpoint_candidates(years: np.ndarray = YEARS, min_segment: int = MIN_SEGMENT) -> list[int]:
    """Break years leaving `min_segment` observed years on each side (the rule of breaks.joinpoint)."""
    return [int(k) for k in years if (years <= k).sum() >= min_segment and (years >= k).sum() >= min_segment]


def best_breaks(Y: np.ndarray, alpha: np.ndarray, candidates: list[int]) -> np.ndarray:
    """Per row: the break year of highest likelihood with alpha held (ties: the earliest), by `breaks.break_loglik`."""
    _, lls, _ = break_loglik(Y, YEARS, int(YEARS[0]), candidates, alpha)
    return np.asarray(candidates)[np.argmax(lls, axis=1)]


@dataclass(frozen=True)
class BreakScenario:
    """NB2 counts with a joinpoint: slope `before` up to `break_year`, `after` from it, dispersion alpha."""

    before: float
    after: float
    break_year: int
    alpha: float
    start_count: float = 50.0

    @property
    def label(self) -> str:
        return (
            f"APC {math.expm1(self.before):.0%} then {math.expm1(self.after):.0%} from {self.break_year}, "
            f"alpha {self.alpha:g}"
        )

    def means(self) -> np.ndarray:
        return self.start_count * np.exp(
            design(YEARS, int(YEARS[0]), (self.break_year,)) @ np.array([0.0, self.before, self.after - self.before])
        )


BREAK_SCENARIOS = (
    BreakScenario(0.02, 0.2, 2015, 0.03),
    BreakScenario(0.02, 0.2, 2015, 0.0),
    BreakScenario(0.05, 0.25, 2016, 0.06),
)


def _joinpoint_slopes_block(
    scenario: BreakScenario, index: int, seed: int, start: int, stop: int
) -> dict[str, np.ndarray]:
    """Coverage of the true segment slopes and average slope by the intervals of the fitted joinpoint model."""
    mu = scenario.means()
    Y = np.vstack(
        [bf.draw_nb2(rng, mu, scenario.alpha) for rng in replicate_rngs(seed, "joinpoint_slopes", index, start, stop)]
    )
    origin, span = int(YEARS[0]), float(YEARS[-1] - YEARS[0])
    null = bf.fit_nb2(design(YEARS, origin), Y)
    cands = joinpoint_candidates()
    best = best_breaks(Y, null.alpha, cands)
    n = len(YEARS)
    truths = {
        "slope before break": scenario.before,
        "slope after break": scenario.after,
        "AAPC": float(np.log(mu[-1] / mu[0]) / span),
    }
    out = {f"{q}:{m}": np.zeros(len(Y), dtype=bool) for q in truths for m in ("nb2_wald_z", "nb2_pearson_t")}
    out["break year found:-"] = best == scenario.break_year
    for k in np.unique(best):
        rows = np.flatnonzero(best == k)
        fit = bf.fit_nb2(design(YEARS, origin, (int(k),)), Y[rows])
        w = (YEARS[-1] - k) / span
        b, c = fit.beta[:, 1], fit.beta[:, 2]
        cov = fit.cov
        est = {
            "slope before break": (b, cov[:, 1, 1]),
            "slope after break": (b + c, cov[:, 1, 1] + cov[:, 2, 2] + 2 * cov[:, 1, 2]),
            "AAPC": (b + w * c, cov[:, 1, 1] + w * w * cov[:, 2, 2] + 2 * w * cov[:, 1, 2]),
        }
        for q, (e, var) in est.items():
            se = np.sqrt(np.maximum(var, 0))
            truth = truths[q]
            out[f"{q}:nb2_wald_z"][rows] = np.abs(e - truth) <= Z * se
            low, high = small_sample_interval(e, se, fit.pearson_chi2, n - 3)
            out[f"{q}:nb2_pearson_t"][rows] = (low <= truth) & (truth <= high)
    return out


JOINPOINT_BOOT = 99
BOOT_NEWTON_STEPS = 3
SIZE_SCENARIOS = (
    TrendScenario(0.2, 0.03),
    TrendScenario(0.2, 0.0),
    TrendScenario(0.0, 0.06),
    TrendScenario(0.2, 0.015),
    TrendScenario(0.0, 0.0),
)


def _joinpoint_size_block(
    scenario: TrendScenario, index: int, seed: int, start: int, stop: int
) -> dict[str, np.ndarray]:
    """Rejections at 5% of the joinpoint bootstrap test (breaks.joinpoint's procedure) on series with no break."""
    mu = true_means(scenario.growth)
    rngs = replicate_rngs(seed, "joinpoint_size", index, start, stop)
    Y = np.vstack([bf.draw_nb2(rng, mu, scenario.alpha) for rng in rngs])
    origin = int(YEARS[0])
    null = bf.fit_nb2(design(YEARS, origin), Y)
    cands = joinpoint_candidates()
    null_ll, lls, dispersion = break_loglik(Y, YEARS, origin, cands, null.alpha)
    observed = scaled_lr(null_ll, lls.max(axis=1), dispersion)
    B = JOINPOINT_BOOT
    boot = np.vstack(
        [bf.draw_nb2(rng, np.broadcast_to(null.mu[i], (B, len(YEARS))), null.alpha[i]) for i, rng in enumerate(rngs)]
    )
    alpha_b = np.repeat(null.alpha, B)
    # Newton from the null fit: BOOT_NEWTON_STEPS steps leave every log-likelihood within about 1e-11 of its
    # maximum (tests/test_calibration.py checks it), far inside the 1e-9 tolerance of the comparison below
    b_null, b_lls, b_dispersion = break_loglik(
        boot,
        YEARS,
        origin,
        cands,
        alpha_b,
        kernel=True,
        start=np.repeat(null.beta, B, axis=0),
        tol=0.0,
        max_iter=BOOT_NEWTON_STEPS,
    )
    stat = scaled_lr(b_null, b_lls.max(axis=1), b_dispersion)
    exceed = (stat >= np.repeat(observed * (1 - 1e-12), B) - 1e-9).reshape(len(Y), B).sum(axis=1)
    p_value = (exceed + 1) / (B + 1)
    return {"bootstrap_lr": p_value <= 0.05}


# --------------------------------------------------------------------------------------------------------------------
# Shares: Wilson intervals, Newcombe differences, logit trends


def wilson(k: np.ndarray, n: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval of k successes in n (vectorised; profiles.share uses statsmodels' version)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z2 = Z * Z
    centre = (k + z2 / 2) / (n + z2)
    half = Z * np.sqrt(k * (n - k) / n + z2 / 4) / (n + z2)
    return centre - half, centre + half


def newcombe(k1: np.ndarray, n1: float, k2: np.ndarray, n2: float) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score 95% interval of k2/n2 - k1/n1 (profiles.share_change's interval, vectorised)."""
    p1, p2 = np.asarray(k1) / n1, np.asarray(k2) / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p2 - p1
    return d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


@dataclass(frozen=True)
class ShareScenario:
    """k ~ Binomial(n, p)."""

    p: float
    n: int

    @property
    def label(self) -> str:
        return f"share {self.p:.0%} of {self.n}"


SHARE_SCENARIOS = tuple(ShareScenario(p, n) for p in (0.02, 0.05, 0.1, 0.3, 0.6) for n in (100, 300))


def _share_block(scenario: ShareScenario, index: int, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    k = np.array([rng.binomial(scenario.n, scenario.p) for rng in replicate_rngs(seed, "share", index, start, stop)])
    low, high = wilson(k, scenario.n)
    return {"wilson": (low <= scenario.p) & (scenario.p <= high)}


@dataclass(frozen=True)
class DifferenceScenario:
    """Two years' shares: k1 ~ Binomial(n1, p1), k2 ~ Binomial(n2, p2); the truth is p2 - p1."""

    p1: float
    n1: int
    p2: float
    n2: int

    @property
    def label(self) -> str:
        return f"{self.p1:.0%} of {self.n1} to {self.p2:.0%} of {self.n2}"


DIFFERENCE_SCENARIOS = (
    DifferenceScenario(0.02, 100, 0.05, 300),
    DifferenceScenario(0.1, 150, 0.2, 250),
    DifferenceScenario(0.3, 100, 0.3, 100),
    DifferenceScenario(0.5, 300, 0.6, 300),
    DifferenceScenario(0.05, 300, 0.02, 100),
)


def _difference_block(
    scenario: DifferenceScenario, index: int, seed: int, start: int, stop: int
) -> dict[str, np.ndarray]:
    rngs = replicate_rngs(seed, "share_difference", index, start, stop)
    k = np.array([(rng.binomial(scenario.n1, scenario.p1), rng.binomial(scenario.n2, scenario.p2)) for rng in rngs])
    low, high = newcombe(k[:, 0], scenario.n1, k[:, 1], scenario.n2)
    truth = scenario.p2 - scenario.p1
    return {"newcombe": (low <= truth + 1e-12) & (truth - 1e-12 <= high)}


TREND_TOTALS = np.round(np.linspace(100, 300, len(YEARS))).astype(int)  # persons per year, 100 growing to 300


def special_expit(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class ShareTrendScenario:
    """Yearly shares with a logit trend, logit p_t = logit(p0) + log(odds_ratio) (year - first year).

    With `icc` 0, k_t ~ Binomial(n_t, p_t) on the real series' years (2010-2020 without 2014) and n_t from 100 to
    300. With `icc` > 0 the share of each year varies beyond binomial sampling: k_t ~ beta-binomial with mean
    n_t p_t and intra-class correlation `icc` (variance n p (1 - p) (1 + (n - 1) icc)), over `n_years` consecutive
    years with n_t from `totals[0]` to `totals[1]`: the group sizes and spans of the shares the package reports
    (the system's 4-7 years of about 100-250 persons, UNODC's 15 years of about 50-250).
    """

    p0: float
    odds_ratio: float
    icc: float = 0.0
    n_years: int = 0
    totals: tuple[int, int] = (100, 300)

    @property
    def years(self) -> np.ndarray:
        return YEARS if not self.n_years else np.arange(2008, 2008 + self.n_years)

    @property
    def label(self) -> str:
        text = f"share {self.p0:.0%} in {int(self.years[0])}, odds ratio {self.odds_ratio:g} a year"
        if self.n_years:
            text += f", {self.n_years} years of {self.totals[0]}-{self.totals[1]} persons, intra-class correlation "
            text += f"{self.icc:g}"
        return text


SHARE_TREND_SCENARIOS = (
    ShareTrendScenario(0.02, 1.15),
    ShareTrendScenario(0.05, 1.1),
    ShareTrendScenario(0.3, 1.05),
    ShareTrendScenario(0.6, 0.95),
    # extra-binomial variation at the real group sizes and spans
    ShareTrendScenario(0.4, 1.3, 0.0, 5, (100, 250)),
    ShareTrendScenario(0.4, 1.3, 0.02, 5, (100, 250)),
    ShareTrendScenario(0.4, 1.3, 0.05, 5, (100, 250)),
    ShareTrendScenario(0.15, 1.0, 0.02, 7, (100, 250)),
    ShareTrendScenario(0.6, 0.95, 0.0, 15, (50, 250)),
    ShareTrendScenario(0.6, 0.95, 0.02, 15, (50, 250)),
    ShareTrendScenario(0.6, 0.95, 0.05, 15, (50, 250)),
    ShareTrendScenario(0.4, 1.3, 0.05, 4, (100, 250)),
)


def _share_trend_block(
    scenario: ShareTrendScenario, index: int, seed: int, start: int, stop: int
) -> dict[str, np.ndarray]:
    """Coverage of the true log odds ratio by the binomial Wald interval and by the quasi-binomial t interval."""
    years = scenario.years
    totals = TREND_TOTALS if not scenario.n_years else np.round(np.linspace(*scenario.totals, len(years))).astype(int)
    X = design(years, int(years[0]))
    truth = math.log(scenario.odds_ratio)
    pr = special_expit(math.log(scenario.p0 / (1 - scenario.p0)) + truth * (years - years[0]))
    rngs = replicate_rngs(seed, "share_trend", index, start, stop)
    if scenario.icc > 0:
        a, b = pr * (1 - scenario.icc) / scenario.icc, (1 - pr) * (1 - scenario.icc) / scenario.icc
        K = np.vstack([rng.binomial(totals, rng.beta(a, b)) for rng in rngs])
    else:
        K = np.vstack([rng.binomial(totals, pr) for rng in rngs])
    beta, cov, pearson, _ = bf.fit_binomial(X, K, np.broadcast_to(totals, K.shape))
    se = np.sqrt(cov[:, 1, 1])
    low, high = small_sample_interval(beta[:, 1], se, pearson, len(years) - 2)  # as shares.fit_share_trend
    return {"logit_wald_z": np.abs(beta[:, 1] - truth) <= Z * se, "logit_quasi_t": (low <= truth) & (truth <= high)}


# --------------------------------------------------------------------------------------------------------------------
# MSE: profile-likelihood interval of the total, Finland-like lists, the true model fitted

# The scenario of mse/report.py (hypothetical, not an estimate): four lists, police and Assistance System dependent.
FINLAND_PROBS = (0.25, 0.12, 0.10, 0.15)
FINLAND_ODDS_RATIO = 3.0


@dataclass(frozen=True)
class MSEScenario:
    """Finland-like lists for a population of `population` victims; the true model (main effects + lists 1:2)."""

    population: int

    @property
    def label(self) -> str:
        return f"Finland-like lists, N = {self.population}"


MSE_SCENARIOS = (MSEScenario(1000), MSEScenario(2000))


def _mse_design() -> tuple[np.ndarray, np.ndarray]:
    """Histories (16 x 4, all-zero first) and the true model's design on them (intercept, mains, lists 1:2)."""
    from .mse.simulate import _full_histories

    h = _full_histories(len(FINLAND_PROBS)).astype(float)
    return h, np.column_stack([np.ones(len(h)), h, h[:, 0] * h[:, 1]])


def _multinomial_profile(Xf: np.ndarray, y: np.ndarray, total: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Multinomial log-likelihood of N = total (per row), maximised over the model's other parameters.

    As mse/intervals.py: the unobserved cell gets count N - n and the Poisson fit of the completed table is used.
    """
    n = y.sum(axis=1)
    yf = np.column_stack([np.maximum(total - n, 0.0), y])
    fit = bf.fit_poisson(Xf, yf, start=start)
    start[:] = fit.beta  # warm start of the next evaluation
    mu = fit.mu
    return (
        np.sum(special_xlogy(yf, mu / total[:, None]), axis=1)
        + special_gammaln(total + 1)
        - np.sum(special_gammaln(yf + 1), axis=1)
    )


def special_xlogy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.special import xlogy

    return xlogy(a, b)


def special_gammaln(a: np.ndarray) -> np.ndarray:
    from scipy.special import gammaln

    return gammaln(a)


def _illinois(
    f: Callable[[np.ndarray], np.ndarray],
    a: np.ndarray,
    b: np.ndarray,
    fa: np.ndarray,
    fb: np.ndarray,
    iterations: int = 40,
    rtol: float = 1e-10,
) -> np.ndarray:
    """Roots of f in [a, b] (f(a), f(b) of opposite signs) for every row: regula falsi with the Illinois rule.

    Stops when every row's bracket is within `rtol` or its function value within 1e-10 of zero.
    """
    a, b, fa, fb = a.copy(), b.copy(), fa.copy(), fb.copy()
    side = np.zeros(len(a))
    for _ in range(iterations):
        c = np.where(fb != fa, b - fb * (b - a) / np.where(fb != fa, fb - fa, 1.0), (a + b) / 2)
        if np.all((np.abs(b - a) <= rtol * np.abs(c)) | (np.abs(fb) < 1e-10)):
            break
        fc = f(c)
        same_as_b = np.sign(fc) == np.sign(fb)
        # Illinois: when the same end is kept twice, halve its function value so the interval shrinks from both sides
        fa = np.where(same_as_b, np.where(side == 1, fa / 2, fa), fb)
        a = np.where(same_as_b, a, b)
        side = np.where(same_as_b, 1, -1)
        b, fb = c, fc
    return b


def mse_profile_intervals(y: np.ndarray, iterations: int = 30) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Profile-likelihood 95% interval of N for the true model, every row of observed counts y (R x 15).

    The procedure of mse.intervals.profile_interval (multinomial likelihood), vectorised: the maximum over N by golden
    section on [n, N_hat + max(10, dark)], the bounds where twice the drop reaches chi2(1; 0.95) by bisection
    (lower bound n when the drop never gets there; upper bound infinite after 60 doublings).
    """
    h, Xf = _mse_design()
    X = Xf[1:]
    y = np.asarray(y, dtype=float)
    n = y.sum(axis=1)
    fit = bf.fit_poisson(X, y)
    dark = np.exp(fit.beta[:, 0])
    crit = stats.chi2.ppf(NOMINAL, 1) / 2
    start = np.column_stack([np.log(dark), fit.beta[:, 1:]])

    def profile(total: np.ndarray) -> np.ndarray:
        return _multinomial_profile(Xf, y, total, start)

    lo, hi = n.copy(), n + dark + np.maximum(10.0, dark)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = profile(a), profile(b)
    for _ in range(iterations):  # golden section: the bracket shrinks to 0.618^30, about 5e-7 of its width
        left = fa > fb  # the maximum lies in [lo, b]
        hi = np.where(left, b, hi)
        lo = np.where(left, lo, a)
        new_point = np.where(left, hi - g * (hi - lo), lo + g * (hi - lo))
        f_new = profile(new_point)
        a, b, fa, fb = (
            np.where(left, new_point, b),
            np.where(left, a, new_point),
            np.where(left, f_new, fb),
            np.where(left, fa, f_new),
        )
    top = (lo + hi) / 2
    peak = profile(top)

    def gap(total: np.ndarray) -> np.ndarray:
        return peak - profile(total) - crit

    floor = n + dark * 1e-9
    g_floor = gap(floor)
    has_lower = g_floor > 0
    lower = np.where(has_lower, _illinois(gap, floor, top, g_floor, np.full(len(n), -crit)), n)
    hi_b = top + np.maximum(dark, 1.0)
    g_hi = gap(hi_b)
    for _ in range(60):
        if (g_hi > 0).all():
            break
        hi_b = np.where(g_hi > 0, hi_b, top + (hi_b - top) * 2)
        g_hi = np.where(g_hi > 0, g_hi, gap(hi_b))
    found = g_hi > 0
    upper = np.where(found, _illinois(gap, top, hi_b, np.full(len(n), -crit), g_hi), np.inf)
    return n + dark, lower, upper


def _mse_block(scenario: MSEScenario, index: int, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    from .mse.simulate import history_probabilities

    prob = history_probabilities(FINLAND_PROBS, {(0, 1): math.log(FINLAND_ODDS_RATIO)})
    y = np.vstack(
        [rng.multinomial(scenario.population, prob)[1:] for rng in replicate_rngs(seed, "mse", index, start, stop)]
    )
    _, low, high = mse_profile_intervals(y)
    return {"profile_likelihood": (low <= scenario.population) & (scenario.population <= high)}


# --------------------------------------------------------------------------------------------------------------------
# Running and summarising


def _blocks(n_replicates: int) -> list[tuple[int, int]]:
    return [(s, min(s + BLOCK, n_replicates)) for s in range(0, n_replicates, BLOCK)]


def _quantity(family: str, quantity: str, prefix: str) -> str:
    """The quantity a coverage row is about, from the family's default and the hit key's prefix."""
    if prefix == "doubling":
        return "doubling time"
    if family == "forecast" and prefix.startswith("h"):
        h = int(prefix[1:])
        return f"forecast {h} year{'s' if h > 1 else ''} ahead"
    return prefix or quantity


def _coverage_rows(family: str, quantity: str, label: str, hits: dict[str, np.ndarray]) -> list[dict]:
    """One row per method: nominal level, actual share of hits and its Monte Carlo standard error."""
    rows = []
    for key, h in hits.items():
        prefix, method = key.split(":", 1) if ":" in key else ("", key)
        q = _quantity(family, quantity, prefix)
        r = len(h)
        c = float(np.mean(h))
        nominal = 0.05 if family == "joinpoint_size" else (math.nan if method == "-" else NOMINAL)
        rows.append(
            {
                "family": family,
                "quantity": q,
                "method": method,
                "scenario": label,
                "nominal": nominal,
                "actual": c,
                "mc_se": math.sqrt(c * (1 - c) / r),
                "replicates": r,
            }
        )
    return rows


FAMILY_SPECS: dict[str, tuple[tuple, Callable, str]] = {
    "trend": (TREND_SCENARIOS, _trend_block, "APC"),
    "forecast": (FORECAST_SCENARIOS, _forecast_block, "forecast"),
    "joinpoint_slopes": (BREAK_SCENARIOS, _joinpoint_slopes_block, "joinpoint"),
    "joinpoint_size": (SIZE_SCENARIOS, _joinpoint_size_block, "joinpoint test size at 5%"),
    "share": (SHARE_SCENARIOS, _share_block, "share"),
    "share_difference": (DIFFERENCE_SCENARIOS, _difference_block, "difference of shares"),
    "share_trend": (SHARE_TREND_SCENARIOS, _share_trend_block, "odds ratio per year"),
    "mse": (MSE_SCENARIOS, _mse_block, "MSE total"),
}


def run_family(family: str, n_replicates: int, seed: int, n_jobs: int) -> pd.DataFrame:
    """Coverage (or size) table of one study family."""
    spec = FAMILY_SPECS.get(family)
    if spec is None:
        raise ParameterError(
            f"parameter 'families': unknown study family {family!r} (known: {', '.join(FAMILY_SPECS)})"
        )
    scen, block, quantity = spec
    tasks = [delayed(block)(sc, i, seed, a, b) for i, sc in enumerate(scen) for a, b in _blocks(n_replicates)]
    results = Parallel(n_jobs=n_jobs)(tasks)
    nb = len(_blocks(n_replicates))
    rows = []
    for i, sc in enumerate(scen):
        parts = results[i * nb : (i + 1) * nb]
        hits = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        rows += _coverage_rows(family, quantity, sc.label, hits)
    return pd.DataFrame(rows)


def check_parameters(n_replicates: int, seed: int, n_jobs: int) -> None:
    """Refuse bad study parameters, naming the parameter and the rule."""
    for name, value in (("n_replicates", n_replicates), ("seed", seed), ("n_jobs", n_jobs)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ParameterError(f"parameter '{name}' must be an integer, got {value!r}")
    if n_replicates < 10:
        raise ParameterError(f"parameter 'n_replicates' must be at least 10, got {n_replicates}")
    if seed < 0:
        raise ParameterError(f"parameter 'seed' must be a non-negative integer, got {seed}")
    if n_jobs == 0 or n_jobs < -1:
        raise ParameterError(f"parameter 'n_jobs' must be a positive number of workers or -1 (all cores), got {n_jobs}")


def run_study(
    n_replicates: int = 2000, seed: int = 2021, n_jobs: int = 2, families: tuple[str, ...] = ("trend",)
) -> pd.DataFrame:
    """The coverage table of the chosen families: method x scenario, nominal, actual coverage, MC standard error."""
    check_parameters(n_replicates, seed, n_jobs)
    return pd.concat([run_family(f, n_replicates, seed, n_jobs) for f in families], ignore_index=True)
