"""Calibration of the forecast prediction intervals (NB2, the headline forecast model): the future counts of
simulated series against the interval of the normal-draws predictive and of the calibrated one.
"""

from __future__ import annotations

import numpy as np

from ...config import ALPHA
from .. import batchfit as bf
from .. import calibrated_predictive as fc
from ..trendfit import design
from .replicates import replicate_rngs
from .trend import TrendScenario, true_means

#: Years forecast after the last year of a series.
FORECAST_HORIZON = 4
FORECAST_SIMS = 400
FORECAST_SCENARIOS = tuple(TrendScenario(g, a) for g in (0.0, 0.2, 0.3) for a in (0.0, 0.03, 0.06))


def forecast_years(years: np.ndarray, horizon: int = FORECAST_HORIZON) -> np.ndarray:
    """The `horizon` calendar years after the last of `years`."""
    last = int(years[-1])
    return np.arange(last + 1, last + horizon + 1)


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
    """Coverage of the future counts (h = 1..4 years after the last year) by each forecast method's 95% interval."""
    years = scenario.years
    future_years = forecast_years(years)
    mu = true_means(scenario.growth, years)
    mu_f = true_means(scenario.growth, years, at=future_years)
    rngs = replicate_rngs(seed, "forecast", index, start, stop)
    Y = np.vstack([bf.draw_nb2(rng, mu, scenario.alpha) for rng in rngs])
    future = np.vstack([bf.draw_nb2(rng, mu_f, scenario.alpha) for rng in rngs])
    origin = int(years[-1])
    X, Xf = design(years, origin), design(future_years, origin)
    fit = bf.fit_nb2(X, Y)
    alpha_m = fc.moment_alpha(Y, fit.mu, len(years) - X.shape[1])
    out = {}
    for m in FORECAST_METHODS:
        draws = (
            normal_draws(rngs, fit, Xf, FORECAST_SIMS)
            if m == "nb2_normal_draws"
            else fc.calibrated_draws(rngs, X, Xf, fit.beta, fit.mu, alpha_m, FORECAST_SIMS)
        )
        low, high = np.quantile(draws, (ALPHA / 2, 1 - ALPHA / 2), axis=1, method="inverted_cdf")
        for h in range(len(future_years)):
            out[f"h{h + 1}:{m}"] = (low[:, h] <= future[:, h]) & (future[:, h] <= high[:, h])
    return out
