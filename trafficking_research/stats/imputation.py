"""Pure statistics for filling gap years of a count series: a proxy relation, seeded draws, Rubin's rules.

Arrays and mappings in, frozen results out; no files, no plotting. The model for a gap year t is

    A_t ~ Poisson(P_t * exp(mu + e_t)),  e_t ~ N(0, sigma^2),

where P is a proxy series (for example UNODC's detected victims) and (mu, sigma) describe log(A/P) on the years where
both series are published. Parameter uncertainty is drawn from the usual non-informative posterior (sigma^2 scaled
inverse chi-square with n-1 degrees of freedom, mu normal given sigma). When the gap years' total is known (a
published cumulative total minus the published years), the draws are conditioned on it: given the total T, Poisson
counts are multinomial with shares proportional to their means, so the level mu cancels and only the proxy's
year-to-year shape and the year noise e_t matter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class ProxyRelation:
    """log(target / proxy) on the overlap years: mean, standard deviation and the years it rests on."""

    mean: float
    sd: float
    years: tuple[int, ...]

    @property
    def n(self) -> int:
        """Number of overlap years."""
        return len(self.years)

    @property
    def ratio(self) -> float:
        """exp(mean): the typical target/proxy ratio."""
        return math.exp(self.mean)


def fit_proxy_relation(target: Mapping[int, float], proxy: Mapping[int, float], years: Sequence[int]) -> ProxyRelation:
    """The log-ratio relation of `target` to `proxy` on `years` (each must be published, positive, in both).

    Parameters
    ----------
    target, proxy : mapping of year to count
        The series to fill and the series that stands in for it.
    years : sequence of int
        The overlap years to estimate the relation on; at least two.

    Returns
    -------
    ProxyRelation
        Mean and sample standard deviation (ddof=1) of log(target/proxy).
    """
    ys = tuple(sorted(int(y) for y in years))
    missing = [y for y in ys if y not in target or y not in proxy]
    if missing:
        raise ValueError(f"parameter 'years': {missing} lack a figure in the target or the proxy series")
    if len(ys) < 2:
        raise ValueError("parameter 'years': the relation needs at least two overlap years")
    logs = np.array([math.log(float(target[y]) / float(proxy[y])) for y in ys if target[y] > 0 and proxy[y] > 0])
    if len(logs) != len(ys):
        raise ValueError("parameter 'years': counts must be positive in both series on the overlap years")
    return ProxyRelation(float(logs.mean()), float(logs.std(ddof=1)), ys)


def draw_gap_counts(
    proxy_gap: Sequence[float],
    relation: ProxyRelation,
    n_draws: int,
    seed: int,
    total: int | None = None,
) -> np.ndarray:
    """Draws of the gap years' counts (n_draws x gap years), seeded.

    Parameters
    ----------
    proxy_gap : sequence of float
        The proxy's value in each gap year, in the order the columns are wanted.
    relation : ProxyRelation
        From `fit_proxy_relation`; needs at least two overlap years.
    n_draws : int
        Number of draws (imputations).
    seed : int
        Seed of numpy's default generator; the same inputs give the same draws.
    total : int or None
        Known sum of the gap years; every draw then adds up to it exactly.

    Returns
    -------
    numpy.ndarray
        Integer counts, one row per draw.
    """
    p = np.asarray(proxy_gap, dtype=float)
    if p.ndim != 1 or len(p) == 0 or (p <= 0).any():
        raise ValueError("parameter 'proxy_gap': one positive proxy value per gap year is required")
    if n_draws < 1:
        raise ValueError("parameter 'n_draws': at least one draw is required")
    if total is not None and total < 0:
        raise ValueError(f"parameter 'total': {total} is negative; the published totals and years disagree")
    rng = np.random.default_rng(seed)
    df = relation.n - 1
    sigma2 = df * relation.sd**2 / rng.chisquare(df, size=n_draws) if relation.sd > 0 else np.zeros(n_draws)
    mu = rng.normal(relation.mean, np.sqrt(sigma2 / relation.n))
    eps = rng.normal(0.0, 1.0, size=(n_draws, len(p))) * np.sqrt(sigma2)[:, None]
    lam = p[None, :] * np.exp(mu[:, None] + eps)
    if total is None:
        return rng.poisson(lam)
    shares = lam / lam.sum(axis=1, keepdims=True)
    return np.vstack([rng.multinomial(int(total), row) for row in shares])


@dataclass(frozen=True)
class Pooled:
    """Rubin's rules: pooled estimate, its total variance, the parts, and the degrees of freedom."""

    estimate: float
    variance: float
    within: float
    between: float
    df: float
    m: int

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """Interval from Student's t with Rubin's degrees of freedom."""
        half = stats.t.ppf(0.5 + confidence / 2, self.df) * math.sqrt(self.variance)
        return self.estimate - half, self.estimate + half


def pool_rubin(estimates: Sequence[float], variances: Sequence[float]) -> Pooled:
    """Combine per-imputation estimates and their variances by Rubin's rules.

    Parameters
    ----------
    estimates, variances : sequence of float
        One estimate and its squared standard error per imputation.

    Returns
    -------
    Pooled
        Mean estimate; total variance W + (1 + 1/m) B; df = (m - 1)(1 + W / ((1 + 1/m) B))^2 (infinite when B = 0).
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = len(q)
    if m == 0 or len(u) != m:
        raise ValueError("parameters 'estimates' and 'variances': one variance per estimate, at least one")
    within = float(u.mean())
    between = float(q.var(ddof=1)) if m > 1 and np.ptp(q) > 0 else 0.0
    total = within + (1 + 1 / m) * between
    if between > 0 and m > 1:
        r = (1 + 1 / m) * between / within if within > 0 else math.inf
        df = (m - 1) * (1 + 1 / r) ** 2 if math.isfinite(r) else float(m - 1)
    else:
        df = math.inf
    return Pooled(float(q.mean()), total, within, between, df, m)
