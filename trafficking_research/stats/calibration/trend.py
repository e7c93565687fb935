"""Calibration of the trend intervals (APC and doubling time): yearly NB2 counts with known growth on the years of the
real series, fitted by Poisson and NB2, every candidate interval of the slope judged against the truth.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ...config import CONFIDENCE, Z
from .. import batchfit as bf
from ..trendfit import design, small_sample_interval
from .replicates import block_rng

#: The years of every simulated yearly series: those of the real series the study imitates (victims admitted
#: 2010-2020, which has no figure for 2014). A default of the scenarios, never a fact the statistics need.
SERIES_YEARS: tuple[int, ...] = (2010, 2011, 2012, 2013, 2015, 2016, 2017, 2018, 2019, 2020)
GEOMETRIC_MEAN_COUNT = 110.0  # expected counts around the real series' size (44-244 in 2010-2020)


def true_means(growth: float, years: Sequence[int] = SERIES_YEARS, at: Sequence[int] | None = None) -> np.ndarray:
    """Expected counts growing by `growth` a year, with geometric mean `GEOMETRIC_MEAN_COUNT` over `years`.

    Parameters
    ----------
    growth : float
        Yearly growth (0.1: 10% a year).
    years : sequence of int
        The years of the series; the counts are centred on their mean.
    at : sequence of int, optional
        The years to evaluate at (default `years`; later years for the forecast scenarios).

    Returns
    -------
    numpy.ndarray
    """
    slope = math.log1p(growth)
    centre = np.asarray(years).mean()
    return GEOMETRIC_MEAN_COUNT * np.exp(slope * (np.asarray(years if at is None else at) - centre))


def t_quantile(df: int | float) -> float:
    """Two-sided quantile of Student's t at the package's confidence level."""
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df))


def trend_intervals(
    X: np.ndarray, Y: np.ndarray, fits: tuple[bf.BatchFit, bf.BatchFit] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """95% intervals of the slope (column 1 of X) of every row, by each candidate method (from the Poisson and NB2
    `fits` of Y when given)."""
    n, p = X.shape
    pois = bf.fit_poisson(X, Y) if fits is None else fits[0]
    nb = bf.fit_nb2(X, Y, poisson=pois, lean=True) if fits is None else fits[1]
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
#: The quantity of the scenarios outside the study's grid, kept apart from the grid's coverage: the interval against
#: the slope the model estimates (for alpha beyond the grid, the true slope).
MISSPECIFIED = "APC, misspecified trend or alpha beyond the grid"
#: The misspecified trends' interval against the growth a reader would take the APC for: the growth without the level
#: shift, and for growth that slows, the growth of the latest year.
MISSPECIFIED_GROWTH = "APC against the underlying growth, misspecified trend"


@dataclass(frozen=True)
class TrendScenario:
    """Yearly NB2 counts on `series_years` growing by `growth` a year with dispersion `alpha`.

    `shape` makes the log-linear model wrong on purpose: ``"level shift"`` multiplies the expected counts by
    `LEVEL_SHIFT` from `LEVEL_SHIFT_YEAR` on; ``"slowing growth"`` lets the yearly growth fall linearly from `growth`
    in the first year to 0 in the last. The target of an interval is then the slope the model estimates (the pseudo-true
    value: the log-linear fit to the expected counts, with the method's own weights).
    """

    growth: float
    alpha: float
    shape: str = ""
    series_years: tuple[int, ...] = SERIES_YEARS

    @property
    def years(self) -> np.ndarray:
        """The years of the series."""
        return np.asarray(self.series_years)

    @property
    def label(self) -> str:
        text = f"growth {self.growth:.0%}, alpha {self.alpha:g}"
        return f"{self.shape}: {text}" if self.shape else text

    @property
    def off_grid(self) -> bool:
        """Outside the study's grid: a misspecified trend, or alpha above 0.06."""
        return bool(self.shape) or self.alpha > 0.06

    @property
    def underlying_slope(self) -> float:
        """The log growth a reader would take the APC for: `growth` without the level shift; for growth that slows,
        that of the latest year (0)."""
        return 0.0 if self.shape == "slowing growth" else math.log1p(self.growth)

    def means(self) -> np.ndarray:
        """The expected counts on the scenario's years."""
        years = self.years
        if self.shape == "slowing growth":
            rates = np.linspace(self.growth, 0.0, len(years))
            log_mu = np.concatenate([[0.0], np.cumsum(np.log1p(rates[1:]) * np.diff(years))])
            return GEOMETRIC_MEAN_COUNT * np.exp(log_mu - log_mu.mean())
        mu = true_means(self.growth, years)
        if self.shape == "level shift":
            mu = np.where(years >= LEVEL_SHIFT_YEAR, mu * LEVEL_SHIFT, mu)
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


@functools.lru_cache(maxsize=2 * len(TREND_SCENARIOS) + 2)
def simulated_fits(
    scenario: TrendScenario, seed: int, start: int, stop: int
) -> tuple[np.ndarray, np.ndarray, bf.BatchFit, bf.BatchFit]:
    """Replicates start..stop-1 of a trend scenario with their Poisson and NB2 fits: (counts, design, fits).

    The series are drawn from the trend family's generator of the block, and the design has its origin at the last
    year (the forecasts' origin; the slope does not depend on it). The forecast family and the joinpoint test's size,
    which study scenarios of this grid, take the same series and fits from here instead of drawing and fitting their
    own: their results are those of these series, and one study fits each series once. `run_study` empties this
    memory when it ends, so every study pays for its own fits.

    Parameters
    ----------
    scenario : TrendScenario
        One of `TREND_SCENARIOS`.
    seed, start, stop : int
        Seed of the study and the block's replicates.

    Returns
    -------
    tuple
        Counts (replicates x years, read-only), design (years x 2), Poisson fit, NB2 fit.
    """
    mu = scenario.means()
    rng = block_rng(seed, "trend", TREND_SCENARIOS.index(scenario), start)
    Y = bf.draw_nb2(rng, np.broadcast_to(mu, (stop - start, len(mu))), scenario.alpha)
    Y.flags.writeable = False
    X = design(scenario.years, int(scenario.years[-1]))
    pois = bf.fit_poisson(X, Y)
    return Y, X, pois, bf.fit_nb2(X, Y, poisson=pois, lean=True)


def _trend_block(scenario: TrendScenario, index: int, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Coverage indicators of every slope method for replicates start..stop-1."""
    mu = scenario.means()
    Y, X, pois, nb = simulated_fits(scenario, seed, start, stop)
    out = {}
    for method, (low, high) in trend_intervals(X, Y, (pois, nb)).items():
        if not scenario.shape:
            truth = math.log1p(scenario.growth)
        else:  # the pseudo-true slope: the method's model fitted to the expected counts themselves
            weight_alpha = 0.0 if method in POISSON_METHODS else scenario.alpha
            truth = float(bf.fixed_alpha_loglik(X, mu[None, :], np.array([weight_alpha]))[1][0, 1])
        hit = (low <= truth) & (truth <= high)
        if scenario.off_grid:
            out[f"{MISSPECIFIED}:{method}"] = hit
            if scenario.shape:
                under = scenario.underlying_slope
                out[f"{MISSPECIFIED_GROWTH}:{method}"] = (low <= under) & (under <= high)
            continue
        out[method] = hit
        if scenario.growth > 0:  # doubling time: the slope's interval transformed, log 2 / slope
            dt_low = np.where(high > 0, math.log(2) / np.where(high > 0, high, 1), np.inf)
            dt_high = np.where(low > 0, math.log(2) / np.where(low > 0, low, 1), np.inf)
            true_dt = math.log(2) / truth
            out[f"doubling:{method}"] = (dt_low <= true_dt) & (true_dt <= dt_high)
    return out
