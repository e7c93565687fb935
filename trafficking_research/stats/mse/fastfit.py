"""Lean Poisson log-linear fitting for searches that fit thousands of small models (BIC, profiles).

The fits that are reported use statsmodels' GLM; the tests check that these solvers agree with it.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln


def poisson_loglik(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson log-likelihood of counts y given means mu (zero counts with zero mean contribute nothing)."""
    pos = y > 0
    return float(np.sum(y[pos] * np.log(mu[pos])) - np.sum(mu) - np.sum(gammaln(y + 1)))


def newton_poisson(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray | float = 0.0,
    start: np.ndarray | None = None,
    tol: float = 1e-12,
    max_iter: int = 100,
    loglik: bool = True,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Poisson log-linear MLE by damped Newton steps: (coefficients, means, log-likelihood).

    With `loglik` False the log-likelihood is not computed (NaN): a caller that works out its own likelihood from the
    means does not pay for it.
    """
    offset = np.broadcast_to(np.asarray(offset, dtype=float), y.shape)
    if start is None:
        start = np.linalg.lstsq(X, np.log(y + 0.5) - offset, rcond=None)[0]
    beta = np.asarray(start, dtype=float).copy()
    eta = np.minimum(X @ beta + offset, 700.0)
    mu = np.exp(eta)
    ll = float(y @ eta - mu.sum())
    for _ in range(max_iter):
        grad = X.T @ (y - mu)
        hess = (X * mu[:, None]).T @ X
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        decrement = float(grad @ step)
        t = 1.0
        while True:
            new_beta = beta + t * step
            new_eta = np.minimum(X @ new_beta + offset, 700.0)
            new_mu = np.exp(new_eta)
            new_ll = float(y @ new_eta - new_mu.sum())
            if new_ll >= ll - 1e-12 * (1 + abs(ll)) or t < 1e-10:
                break
            t /= 2
        beta, mu, ll = new_beta, new_mu, new_ll
        if decrement < tol * (1 + abs(ll)):
            break
    return beta, mu, poisson_loglik(y, mu) if loglik else float("nan")


def batch_poisson_loglik(
    X: np.ndarray,
    y: np.ndarray,
    columns: np.ndarray,
    cells: np.ndarray,
    tol: float = 1e-12,
    max_iter: int = 100,
) -> np.ndarray:
    """Maximised Poisson log-likelihoods of many models at once, by vectorised damped Newton steps.

    X (cells x parameters) holds every column any model may use; row b of the boolean arrays
    `columns` (models x parameters) and `cells` (models x cells) says which columns and cells
    model b uses. A left-out cell must have count zero; its mean is held at zero.
    """
    n_models, n_par = columns.shape
    cmask = cells.astype(float)
    xb = X[None, :, :] * columns[:, None, :] * cmask[:, :, None]
    inactive = np.where(columns, 0.0, 1.0)[:, :, None] * np.eye(n_par)[None]
    gram = xb.transpose(0, 2, 1) @ xb + inactive
    target = np.log(y + 0.5)[None, :] * cmask
    beta = np.linalg.solve(gram, (xb.transpose(0, 2, 1) @ target[:, :, None]))[:, :, 0]

    def loglik(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log-likelihoods (without the log y! constant) and means of every model at coefficients b."""
        eta = np.minimum((xb @ b[:, :, None])[:, :, 0], 700.0)
        mu = np.exp(eta) * cmask
        return (eta * y[None, :] * cmask).sum(1) - mu.sum(1), mu

    ll, mu = loglik(beta)
    active = np.ones(n_models, dtype=bool)
    for _ in range(max_iter):
        grad = (xb.transpose(0, 2, 1) @ (y[None, :] * cmask - mu)[:, :, None])[:, :, 0]
        hess = (xb * mu[:, :, None]).transpose(0, 2, 1) @ xb + inactive
        step = np.linalg.solve(hess, grad[:, :, None])[:, :, 0] * active[:, None]
        decrement = (grad * step).sum(1)
        t = np.ones(n_models)
        new_beta = beta + step
        new_ll, new_mu = loglik(new_beta)
        for _ in range(40):
            worse = new_ll < ll - 1e-12 * (1 + np.abs(ll))
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
            new_beta = beta + t[:, None] * step
            new_ll, new_mu = loglik(new_beta)
        beta, ll, mu = new_beta, new_ll, new_mu
        active &= decrement >= tol * (1 + np.abs(ll))
        if not active.any():
            break
    const = gammaln(y + 1).sum()
    return ll - const
