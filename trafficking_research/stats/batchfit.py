"""The package's fitting engine: Poisson, NB2 and binomial logit models fitted to many series at once (rows).

Every function takes one design X (n years x p columns) shared by all series and counts Y (replicates x n), and runs
Newton-Raphson on all rows together; a row stops moving once it has converged, so a row's result never depends on
which other rows share its batch. The tests check these fits against statsmodels and the package's own fits.

NB2 is parametrised by (coefficients, log alpha), variance mu + alpha mu^2. The observed information is analytic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

BOUNDARY_ALPHA = 1e-4  # below this the NB2 fit is reported as the Poisson fit (as trends.fit_negbin does)
LOG_ALPHA_FLOOR = -16.0  # log alpha is not moved below this; such fits are at the boundary anyway
ETA_CAP = 30.0


@dataclass(frozen=True, eq=False)
class BatchFit:
    """Fits of many series: coefficients (R x p), their covariance (R x p x p), log-likelihood, fitted means.

    `alpha` is 0 for Poisson fits and for NB2 fits at the boundary (`boundary` True); `cov_full` is the inverse
    observed information of (coefficients, log alpha) for NB2 fits off the boundary (NaN elsewhere); `converged`
    says whether Newton's method met its tolerance.
    """

    beta: np.ndarray
    cov: np.ndarray
    llf: np.ndarray
    mu: np.ndarray
    alpha: np.ndarray
    boundary: np.ndarray
    cov_full: np.ndarray
    pearson_chi2: np.ndarray
    converged: np.ndarray


def _solve(H: np.ndarray, g: np.ndarray, lean: bool = False) -> np.ndarray:
    """Solve H x = g for a stack of small systems (2 x 2 by Cramer's rule, faster than a batched LAPACK call; with
    `lean`, 3 x 3 symmetric systems too, by the adjugate)."""
    p = H.shape[-1]
    if p == 2:
        a, b, c, d = H[:, 0, 0], H[:, 0, 1], H[:, 1, 0], H[:, 1, 1]
        det = a * d - b * c
        return np.column_stack([(d * g[:, 0] - b * g[:, 1]) / det, (a * g[:, 1] - c * g[:, 0]) / det])
    if p == 3 and lean:
        a, b, c = H[:, 0, 0], H[:, 0, 1], H[:, 0, 2]
        d, e, f = H[:, 1, 1], H[:, 1, 2], H[:, 2, 2]
        c00, c01, c02 = d * f - e * e, c * e - b * f, b * e - c * d
        c11, c12, c22 = a * f - c * c, b * c - a * e, a * d - b * b
        det = a * c00 + b * c01 + c * c02
        g0, g1, g2 = g[:, 0], g[:, 1], g[:, 2]
        return (
            np.column_stack(
                [c00 * g0 + c01 * g1 + c02 * g2, c01 * g0 + c11 * g1 + c12 * g2, c02 * g0 + c12 * g1 + c22 * g2]
            )
            / det[:, None]
        )
    return np.linalg.solve(H, g[..., None])[..., 0]


def _gram(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """X' diag(w_r) X for every row r of w: (R x p x p)."""
    return np.matmul((w[:, :, None] * X).transpose(0, 2, 1), X)


def _gram_outer(X: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """X' diag(w_r) X for every row r of w as one matrix product with the cells' outer products (R x p x p)."""
    n, p = X.shape
    outer = (X[:, :, None] * X[:, None, :]).reshape(n, p * p)
    return lambda _X, w: (w @ outer).reshape(-1, p, p)


def poisson_loglik(Y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Poisson log-likelihood of each row."""
    return np.sum(special.xlogy(Y, mu) - mu - special.gammaln(Y + 1), axis=1)


def fit_poisson(
    X: np.ndarray,
    Y: np.ndarray,
    tol: float = 1e-10,
    max_iter: int = 100,
    start: np.ndarray | None = None,
    inference: bool = True,
) -> BatchFit:
    """Poisson log-linear MLE of every row of Y by Newton-Raphson (the log-likelihood is concave).

    `start` (R x p) warm-starts the search; by default it starts from least squares on log(y + 0.5). With
    `inference` False the covariance, log-likelihood and Pearson statistic are left NaN (a search that needs only
    the coefficients and means, such as the calibration study's profile likelihoods, does not pay for them).
    """
    Y = np.asarray(Y, dtype=float)
    R = Y.shape[0]
    beta = np.linalg.lstsq(X, np.log(Y.T + 0.5), rcond=None)[0].T if start is None else np.array(start, dtype=float)
    active = np.ones(R, dtype=bool)
    # without inference the information is summed as one matrix product over the cells (the same sums in another
    # order: many rows of a wide design, as in the profile searches, at a fraction of the cost)
    gram = _gram if inference else _gram_outer(X)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        mu = np.exp(np.minimum(beta[idx] @ X.T, ETA_CAP))
        step = _solve(gram(X, mu), (Y[idx] - mu) @ X)
        beta[idx] += step
        active[idx] = np.max(np.abs(step), axis=1) > tol
    mu = np.exp(np.minimum(beta @ X.T, ETA_CAP))
    p = X.shape[1]
    if not inference:
        nan = np.full(R, np.nan)
        return BatchFit(beta, np.full((R, p, p), np.nan), nan, mu, np.zeros(R), np.ones(R, dtype=bool),
                        np.full((R, p + 1, p + 1), np.nan), nan, ~active)  # fmt: skip
    cov = np.linalg.inv(_gram(X, mu))
    return BatchFit(
        beta,
        cov,
        poisson_loglik(Y, mu),
        mu,
        np.zeros(R),
        np.ones(R, dtype=bool),
        np.full((R, p + 1, p + 1), np.nan),
        np.sum((Y - mu) ** 2 / mu, axis=1),
        ~active,
    )


def fit_binomial(
    X: np.ndarray, K: np.ndarray, N: np.ndarray, tol: float = 1e-10, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Binomial logit MLE of every row (K successes of N trials per year) by Newton-Raphson.

    The log-likelihood is concave in the coefficients; a step that lowers it is halved. Starts from least squares
    on the empirical logit with a half added to each cell.

    Parameters
    ----------
    X : numpy.ndarray
        Design (years x p), shared by every row.
    K, N : numpy.ndarray
        Successes and trials (rows x years).
    tol : float
        Largest step of a converged row.
    max_iter : int
        Newton steps at most.

    Returns
    -------
    tuple of numpy.ndarray
        Coefficients (R x p), their covariance (R x p x p, inverse Fisher information), Pearson chi-square (R) and
        whether each row converged (R).
    """
    K = np.atleast_2d(np.asarray(K, dtype=float))
    N = np.atleast_2d(np.asarray(N, dtype=float))
    R = K.shape[0]
    beta = np.linalg.lstsq(X, np.log((K.T + 0.5) / (N.T - K.T + 0.5)), rcond=None)[0].T

    def loglik(b: np.ndarray, k: np.ndarray, n: np.ndarray) -> np.ndarray:
        eta = b @ X.T
        return np.sum(k * eta - n * np.logaddexp(0.0, eta), axis=1)

    active = np.ones(R, dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        k, n, b = K[idx], N[idx], beta[idx]
        p = special.expit(b @ X.T)
        step = _solve(_gram(X, n * p * (1 - p)), (k - n * p) @ X)
        ll, t = loglik(b, k, n), np.ones(len(idx))
        for _ in range(30):
            worse = ~(loglik(b + t[:, None] * step, k, n) >= ll - 1e-12 * (1 + np.abs(ll)))
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
        beta[idx] = b + t[:, None] * step
        active[idx] = np.max(np.abs(t[:, None] * step), axis=1) > tol
    p = special.expit(beta @ X.T)
    w = N * p * (1 - p)
    cov = np.linalg.inv(_gram(X, w))
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.sum((K - N * p) ** 2 / w, axis=1)
    return beta, cov, pearson, ~active


def nb2_loglik(Y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """NB2 log-likelihood of each row (alpha per row; alpha 0 gives the Poisson log-likelihood)."""
    a = np.asarray(alpha, dtype=float)[:, None]
    pois = a <= 0
    r = 1.0 / np.where(pois, 1.0, a)
    ll = (
        special.gammaln(Y + r)
        - special.gammaln(r)
        - special.gammaln(Y + 1)
        + r * np.log(r / (r + mu))
        + special.xlogy(Y, mu / (r + mu))
    )
    return np.sum(np.where(pois, special.xlogy(Y, mu) - mu - special.gammaln(Y + 1), ll), axis=1)


def trigamma(x: np.ndarray) -> np.ndarray:
    """The trigamma function psi'(x) = zeta(2, x) for x > 0, by numpy arithmetic.

    Below 10 the recurrence psi'(x) = psi'(x + 1) + 1 / x^2 moves x up; from 10 on, the asymptotic series
    1/x + 1/(2x^2) + sum B_2k / x^(2k+1) to the x^-11 term leaves an error below 3e-14 (relative 3e-13). About ten
    times faster than scipy's Hurwitz zeta on arrays of counts, which is what the calibration study's fits need.

    Parameters
    ----------
    x : numpy.ndarray
        Positive arguments.

    Returns
    -------
    numpy.ndarray
    """
    x = np.array(x, dtype=float)
    acc = np.zeros_like(x)
    small = np.flatnonzero(x < 10)
    while len(small):
        acc.flat[small] += 1 / x.flat[small] ** 2
        x.flat[small] += 1
        small = small[x.flat[small] < 10]
    z = 1 / x
    z2 = z * z
    return acc + z + z2 * (0.5 + z * (1 / 6 + z2 * (-1 / 30 + z2 * (1 / 42 + z2 * (-1 / 30 + z2 * 5 / 66)))))


def _nb2_derivatives(
    X: np.ndarray, Y: np.ndarray, beta: np.ndarray, log_alpha: np.ndarray, series: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Log-likelihood, gradient and Hessian in (coefficients, log alpha), and the means, for every row."""
    mu = np.exp(np.minimum(beta @ X.T, ETA_CAP))
    a = np.exp(log_alpha)[:, None]
    r = 1.0 / a
    ll = np.sum(
        special.gammaln(Y + r)
        - special.gammaln(r)
        - special.gammaln(Y + 1)
        + r * np.log(r / (r + mu))
        + special.xlogy(Y, mu / (r + mu)),
        axis=1,
    )
    resid = (Y - mu) / (1 + a * mu)
    dl_dr = special.digamma(Y + r) - special.digamma(r) + np.log(r / (r + mu)) + (mu - Y) / (r + mu)
    psi1 = trigamma(Y + r) - trigamma(r) if series else special.zeta(2, Y + r) - special.zeta(2, r)
    d2l_dr2 = psi1 + 1 / r - 1 / (r + mu) - (mu - Y) / (r + mu) ** 2
    p = X.shape[1]
    g = np.empty((len(beta), p + 1))
    g[:, :p] = resid @ X
    g[:, p] = -np.sum(r * dl_dr, axis=1)
    H = np.empty((len(beta), p + 1, p + 1))
    H[:, :p, :p] = -_gram(X, mu * (1 + a * Y) / (1 + a * mu) ** 2)
    cross = (-r * (Y - mu) * mu / (r + mu) ** 2) @ X
    H[:, :p, p] = cross
    H[:, p, :p] = cross
    H[:, p, p] = np.sum(r**2 * d2l_dr2 + r * dl_dr, axis=1)
    return ll, g, H, mu


def fit_nb2(
    X: np.ndarray,
    Y: np.ndarray,
    tol: float = 1e-10,
    max_iter: int = 200,
    poisson: BatchFit | None = None,
    lean: bool = False,
) -> BatchFit:
    """NB2 log-linear MLE of every row, with the Poisson fit where the likelihood peaks at alpha = 0.

    Damped Newton-Raphson on (coefficients, log alpha) from the Poisson fit, with a moment estimate of alpha as the
    start; a row whose alpha ends below `BOUNDARY_ALPHA`, whose NB2 likelihood is below the Poisson one, or whose
    information is not positive definite is reported as its Poisson fit with alpha 0 (the rule of trends.fit_negbin).
    With `lean` the second derivative in alpha uses `trigamma` instead of scipy's zeta (the same to about 1e-13) and
    the 3 x 3 Newton systems are solved by the adjugate instead of LAPACK: much cheaper for the calibration study's
    tens of thousands of fits, the same fits to rounding; the analyses keep the default, so their numbers do not move
    in the last digits.
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # trial steps may overflow; they are refused
        return _fit_nb2(X, np.asarray(Y, dtype=float), tol, max_iter, poisson, lean)


def _fit_nb2(
    X: np.ndarray, Y: np.ndarray, tol: float, max_iter: int, poisson: BatchFit | None, series: bool = False
) -> BatchFit:
    R, n = Y.shape
    p = X.shape[1]
    pois = poisson if poisson is not None else fit_poisson(X, Y)
    moment = np.sum(((Y - pois.mu) ** 2 - Y) / pois.mu**2, axis=1) / max(n - p, 1)
    beta = pois.beta.copy()
    log_alpha = np.log(np.clip(moment, 0.01, 10.0))
    # The score of alpha at 0 is sum((y - mu)^2 - y) / 2: where it is not positive the likelihood falls as alpha
    # leaves 0, and the row is at the boundary without any Newton step.
    score0 = np.sum((Y - pois.mu) ** 2 - Y, axis=1)
    active = score0 > 0
    ll = np.full(R, -np.inf)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        ll_i, g, H, _ = _nb2_derivatives(X, Y[idx], beta[idx], log_alpha[idx], series)
        neg = -H
        low = np.linalg.eigvalsh(neg)[:, 0]
        scale = np.abs(np.diagonal(neg, axis1=1, axis2=2)).max(axis=1)
        # damped only where the information is not safely positive definite: a flat but curved direction (alpha
        # just above the boundary) keeps its full Newton step, or it would crawl
        lam = np.where(low > 1e-12 * scale, 0.0, 1e-8 * scale - low)
        step = _solve(neg + lam[:, None, None] * np.eye(p + 1), g, series)
        decrement = np.sum(g * step, axis=1)
        t = np.ones(len(idx))
        for _ in range(50):
            nb, nl = beta[idx] + t[:, None] * step[:, :p], np.maximum(log_alpha[idx] + t * step[:, p], LOG_ALPHA_FLOOR)
            mu = np.exp(np.minimum(nb @ X.T, ETA_CAP))
            new = nb2_loglik(Y[idx], mu, np.exp(nl))
            worse = ~(new >= ll_i - 1e-12 * (1 + np.abs(ll_i)))
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
        beta[idx], log_alpha[idx], ll[idx] = nb, nl, new
        # a row whose alpha has fallen far below the boundary value ends there (it is reported as Poisson)
        # below the boundary value the likelihood is flat in alpha and Newton crawls: a row whose possible further
        # gain is under 1e-6 there ends (it is reported as its Poisson fit)
        done = (
            (decrement < tol)
            | (t < 1e-12)
            | (nl <= np.log(BOUNDARY_ALPHA) - 2)
            | ((nl < np.log(BOUNDARY_ALPHA)) & (decrement < 1e-6))
        )
        active[idx[done]] = False
    converged = ~active & pois.converged  # a row at the boundary is its Poisson fit, converged or not
    log_alpha[score0 <= 0] = LOG_ALPHA_FLOOR
    ll, _, H, mu = _nb2_derivatives(X, Y, beta, log_alpha, series)
    alpha = np.exp(log_alpha)
    cov_full = np.full((R, p + 1, p + 1), np.nan)
    off = (alpha >= BOUNDARY_ALPHA) & (ll >= pois.llf - 1e-6) & converged
    if off.any():
        neg = -H[off]
        ok = np.linalg.eigvalsh(neg)[:, 0] > 0
        inv = np.full_like(neg, np.nan)
        inv[ok] = np.linalg.inv(neg[ok])
        cov_full[off] = inv
        off[np.flatnonzero(off)[~ok]] = False
    boundary = ~off
    beta_out = np.where(boundary[:, None], pois.beta, beta)
    cov = np.where(boundary[:, None, None], pois.cov, cov_full[:, :p, :p])
    mu_out = np.where(boundary[:, None], pois.mu, mu)
    alpha_out = np.where(boundary, 0.0, alpha)
    llf = np.where(boundary, pois.llf, ll)
    pearson = np.sum((Y - mu_out) ** 2 / (mu_out * (1 + alpha_out[:, None] * mu_out)), axis=1)
    return BatchFit(beta_out, cov, llf, mu_out, alpha_out, boundary, cov_full, pearson, converged)


def fixed_alpha_loglik(
    X: np.ndarray,
    Y: np.ndarray,
    alpha: np.ndarray,
    tol: float = 1e-9,
    max_iter: int = 50,
    start: np.ndarray | None = None,
    kernel: bool = False,
    lean: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Maximised NB2 log-likelihood with alpha held at a given value per row (0: Poisson): (log-likelihood, beta).

    For a fixed alpha the log-likelihood is concave in the coefficients (log link), so plain Newton steps converge;
    they start from `start` or from least squares on log(y + 0.5). All rows step together until every step is below
    `tol`. With `kernel` True the terms that depend only on y and alpha are left out: differences between designs
    for the same counts and alpha (likelihood ratios) are then unchanged and much cheaper to compute. With `lean` the
    3 x 3 Newton systems are solved by the adjugate (the calibration study; see `fit_nb2`).
    """
    Y = np.asarray(Y, dtype=float)
    a = np.asarray(alpha, dtype=float)[:, None]
    gram = _gram_outer(X)
    beta = np.log(Y + 0.5) @ np.linalg.pinv(X).T if start is None else np.array(start, dtype=float)
    for _ in range(max_iter):
        mu = np.exp(np.minimum(beta @ X.T, ETA_CAP))
        denom = 1 + a * mu
        g = ((Y - mu) / denom) @ X
        H = gram(X, mu * (1 + a * Y) / denom**2)
        step = _solve(H, g, lean)
        beta += step
        if np.max(np.abs(step)) <= tol:
            break
    mu = np.exp(np.minimum(beta @ X.T, ETA_CAP))
    if not kernel:
        return nb2_loglik(Y, mu, a[:, 0]), beta
    pois = a <= 0
    r = 1.0 / np.where(pois, 1.0, a)
    log_mu = np.log(mu)
    ll = np.where(pois, Y * log_mu - mu, Y * log_mu - (Y + r) * np.log(r + mu) + r * np.log(r))
    return np.sum(ll, axis=1), beta


def pearson_dispersion(X: np.ndarray, Y: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Pearson chi-square over residual degrees of freedom of each row's fit (NB2 variance, alpha 0: Poisson)."""
    mu = np.exp(np.minimum(beta @ X.T, ETA_CAP))
    a = np.asarray(alpha, dtype=float)[:, None]
    return np.sum((Y - mu) ** 2 / (mu * (1 + a * mu)), axis=1) / (X.shape[0] - X.shape[1])


def draw_nb2(rng: np.random.Generator, mu: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
    """NB2 counts with means mu and dispersion alpha (gamma-Poisson mixture); alpha 0 gives Poisson counts."""
    if np.ndim(alpha) == 0:  # the common case, kept quick: one dispersion for all draws
        a0 = float(alpha)
        return (rng.poisson(rng.gamma(1 / a0, a0 * mu)) if a0 > 0 else rng.poisson(mu)).astype(float)
    a = np.asarray(alpha, dtype=float)
    if np.all(a <= 0):
        return rng.poisson(mu).astype(float)
    a_safe = np.where(a > 0, a, 1.0)
    lam = np.where(a > 0, rng.gamma(shape=1 / a_safe * np.ones_like(mu), scale=a_safe * mu), mu)
    return rng.poisson(lam).astype(float)
