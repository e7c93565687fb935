"""Calibration of the MSE total: the profile-likelihood interval of the population size on Finland-like lists, the true
model fitted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ...config import CONFIDENCE
from .. import batchfit as bf
from .replicates import block_rng


@dataclass(frozen=True)
class MSEScenario:
    """Finland-like lists (`stats.mse.simulate.FINLAND_PROBS` and `FINLAND_DEPENDENCE`, the dark-figure notebook's
    scenario) for a population of `population` victims; the true model (main effects + lists 1:2)."""

    population: int

    @property
    def label(self) -> str:
        return f"Finland-like lists, N = {self.population}"


MSE_SCENARIOS = (MSEScenario(1000), MSEScenario(2000))


def _mse_design() -> tuple[np.ndarray, np.ndarray]:
    """Histories (16 x 4, all-zero first) and the true model's design on them (intercept, mains, lists 1:2)."""
    from ..mse.simulate import FINLAND_PROBS, _full_histories  # the MSE package only when the family runs

    h = _full_histories(len(FINLAND_PROBS)).astype(float)
    return h, np.column_stack([np.ones(len(h)), h, h[:, 0] * h[:, 1]])


def _multinomial_profile(Xf: np.ndarray, y: np.ndarray, total: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Multinomial log-likelihood of N = total (per row), maximised over the model's other parameters.

    As mse/intervals.py: the unobserved cell gets count N - n and the Poisson fit of the completed table is used.
    """
    n = y.sum(axis=1)
    yf = np.column_stack([np.maximum(total - n, 0.0), y])
    fit = bf.fit_poisson(Xf, yf, start=start, inference=False, tol=1e-8)
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


def _golden(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, iterations: int) -> np.ndarray:
    """The maximum of the unimodal f on [lo, hi] for every row, by golden section: the middle of the last bracket."""
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = f(a), f(b)
    for _ in range(iterations):
        left = fa > fb  # the maximum lies in [lo, b]
        hi = np.where(left, b, hi)
        lo = np.where(left, lo, a)
        new_point = np.where(left, hi - g * (hi - lo), lo + g * (hi - lo))
        f_new = f(new_point)
        a, b, fa, fb = (
            np.where(left, new_point, b),
            np.where(left, a, new_point),
            np.where(left, f_new, fb),
            np.where(left, fa, f_new),
        )
    return (lo + hi) / 2


def _peak(f: Callable[[np.ndarray], np.ndarray], n: np.ndarray, dark: np.ndarray, iterations: int) -> np.ndarray:
    """Where the profile f of N peaks, per row: golden section on [N_hat - 10 - dark / 50, N_hat + 2] (N_hat = n +
    dark), and, should any row's maximum sit at an edge of that bracket, on [n, N_hat + max(10, dark)] for every row
    (30 steps: within 1e-6 of its width)."""
    lo, hi = np.maximum(n, n + dark - 10 - dark / 50), n + dark + 2
    top = _golden(f, lo, hi, iterations)
    edge = 0.01 * (hi - lo)
    if np.any((top - lo < edge) | (hi - top < edge)):
        top = _golden(f, n.copy(), n + dark + np.maximum(10.0, dark), 30)
    return top


def mse_profile_intervals(y: np.ndarray, iterations: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Profile-likelihood 95% interval of N for the true model, every row of observed counts y (R x 15).

    The procedure of mse.intervals.profile_interval (multinomial likelihood), vectorised: the maximum over N by golden
    section, the bounds where twice the drop reaches chi2(1; 0.95) by regula falsi (lower bound n when the drop never
    gets there; upper bound infinite after 60 doublings). The maximum lies a few persons below the Poisson estimate
    N_hat = n + dark (2 to 4 in the study's scenarios), so it is sought on [N_hat - 10 - dark / 50, N_hat + 2] first:
    `iterations` steps leave the peak within 0.02 of a person, its value exact to about 1e-8; should a row's maximum
    sit at an edge of that bracket, every row is searched again on [n, N_hat + max(10, dark)] (`_peak`).
    """
    h, Xf = _mse_design()
    X = Xf[1:]
    y = np.asarray(y, dtype=float)
    n = y.sum(axis=1)
    fit = bf.fit_poisson(X, y)
    dark = np.exp(fit.beta[:, 0])
    crit = stats.chi2.ppf(CONFIDENCE, 1) / 2
    start = np.column_stack([np.log(dark), fit.beta[:, 1:]])

    def profile(total: np.ndarray) -> np.ndarray:
        return _multinomial_profile(Xf, y, total, start)

    top = _peak(profile, n, dark, iterations)
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
    from ..mse.simulate import FINLAND_DEPENDENCE, FINLAND_PROBS, history_probabilities

    prob = history_probabilities(FINLAND_PROBS, FINLAND_DEPENDENCE)
    y = block_rng(seed, "mse", index, start).multinomial(scenario.population, prob, size=stop - start)[:, 1:]
    _, low, high = mse_profile_intervals(y)
    return {"profile_likelihood": (low <= scenario.population) & (scenario.population <= high)}
