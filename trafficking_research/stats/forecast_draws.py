"""Predictive draws of the forecast models by seeded simulation: counts from a log-linear GLM's predictive
distribution (parameters drawn from their normal sampling distribution, then Poisson or NB2 counts), and paths of a
random walk on log counts with drawn variance and drift.

Pure functions on arrays; `stats.forecast_models` calls them. The calibrated NB2 predictive of the headline forecast is
`stats.calibrated_predictive`.
"""

from __future__ import annotations

import numpy as np

from ..errors import SeriesError

ETA_CAP = 25.0  # cap on a simulated log mean (e^25 is about 7e10), only to keep the samplers finite


def count_draws(
    X: np.ndarray, theta: np.ndarray, cov: np.ndarray, n_sims: int, rng: np.random.Generator, alpha: float | None = None
) -> np.ndarray:
    """Counts from a log-linear GLM's predictive: parameters ~ N(theta, cov), then Poisson or NB2 (gamma-Poisson).

    Parameters
    ----------
    X : numpy.ndarray
        Design of the forecast years (H x k).
    theta : numpy.ndarray
        The k coefficients, followed by log alpha when `alpha` is None.
    cov : numpy.ndarray
        Covariance of `theta`'s sampling distribution.
    n_sims : int
        Draws.
    rng : numpy.random.Generator
        The model's generator.
    alpha : float or None
        None: the last entry of theta is log alpha and is drawn with the coefficients; a number: alpha held there
        (0: Poisson).

    Returns
    -------
    numpy.ndarray
        Simulated counts, ``(n_sims, H)``.
    """
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise SeriesError("the parameter covariance is not positive definite; no predictive draws") from None
    draws = theta + rng.standard_normal((n_sims, len(theta))) @ chol.T
    k = X.shape[1]
    mu = np.exp(np.minimum(draws[:, :k] @ X.T, ETA_CAP))
    a = np.exp(np.minimum(draws[:, k], ETA_CAP))[:, None] if alpha is None else alpha
    lam = rng.gamma(shape=1 / a, scale=a * mu) if alpha is None or alpha > 1e-6 else mu
    return rng.poisson(lam).astype(float)


def log_draws(
    last_log: float,
    drift: float,
    ss: float,
    df: int,
    drift_var_factor: float,
    horizon: int,
    n_sims: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Counts from a random walk on log counts: sigma^2 ~ ss/chi2(df), drift ~ N(drift, sigma^2 * factor), then the path.

    Parameters
    ----------
    last_log : float
        Log of the last training count.
    drift : float
        Estimated drift per year.
    ss, df : float, int
        Sum of squares of the log changes and its degrees of freedom.
    drift_var_factor : float
        The drift's sampling variance over sigma^2 (0: drift held).
    horizon : int
        Years simulated.
    n_sims : int
        Draws.
    rng : numpy.random.Generator
        The model's generator.

    Returns
    -------
    numpy.ndarray
        Simulated counts, ``(n_sims, horizon)``.
    """
    sigma2 = ss / rng.chisquare(df, size=n_sims)
    mu = drift + np.sqrt(sigma2 * drift_var_factor) * rng.standard_normal(n_sims)
    steps = mu[:, None] + np.sqrt(sigma2)[:, None] * rng.standard_normal((n_sims, horizon))
    return np.exp(np.minimum(last_log + np.cumsum(steps, axis=1), ETA_CAP))
