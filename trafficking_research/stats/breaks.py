"""Joinpoint models of yearly counts: the best single break year, its NB2 fit and a parametric bootstrap test of a
break against none, with every break year of every bootstrap series fitted in batched calls (`batchfit`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SeriesError
from . import batchfit as bf
from .result import Estimate, Result
from .trendfit import TrendFit, design, small_sample_interval
from .trends import fit_negbin


@dataclass(frozen=True, eq=False)
class JoinpointFit(Result):
    """The best single break year, its fit, and the bootstrap test of a break against none."""

    label: str
    break_year: int
    model: TrendFit
    lr_statistic: float
    p_value: float
    n_boot: int
    candidates: pd.DataFrame
    aapc: float
    aapc_ci: tuple[float, float]
    slopes: tuple[float, float]

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """Break year, the LR test with its bootstrap p-value, the APC on each side and the AAPC."""
        lab = self.label
        return (
            Estimate("break_year", self.break_year, "year", f"{lab}: joinpoint year of maximum likelihood"),
            Estimate(
                "break_lr",
                self.lr_statistic,
                "chi2",
                f"{lab}: LR statistic, best joinpoint against none (p from a parametric bootstrap of "
                f"{self.n_boot} series from the no-break NB2 fit, of the LR statistic divided by the no-break fit's "
                "Pearson dispersion; its size measured in calibration.joinpoint_size.*)",
                extra={"p_value": self.p_value},
            ),
            Estimate(
                "apc_before_break",
                100 * np.expm1(self.slopes[0]),
                "percent per year",
                f"{lab}: APC up to the joinpoint",
            ),
            Estimate(
                "apc_after_break", 100 * np.expm1(self.slopes[1]), "percent per year", f"{lab}: APC after the joinpoint"
            ),
            Estimate(
                "aapc",
                self.aapc,
                "percent per year",
                f"{lab}: average APC over the period from the "
                "joinpoint model (delta-method CI given the break year, with the trend models' small-sample "
                "correction: standard error scaled by the Pearson dispersion, Student's t with n - p degrees of "
                "freedom; it does NOT hold its 95% level, because the break year is chosen from the data: its "
                "measured coverage is calibration.coverage.aapc.nb2_pearson_t)",
                ci=self.aapc_ci,
            ),
        )


def break_loglik(
    Y: np.ndarray,
    years: np.ndarray,
    origin: int,
    candidates: list[int],
    alpha: float | np.ndarray,
    kernel: bool = False,
    start: np.ndarray | None = None,
    tol: float = 1e-9,
    max_iter: int = 50,
    lean: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-likelihoods of the no-break model and of every break year, for every row of `Y`, alpha held fixed.

    All candidate designs of all rows are fitted in batched Newton calls (`batchfit.fixed_alpha_loglik`), one per
    design. With `kernel` the terms that depend only on the counts are left out, which leaves every likelihood
    ratio unchanged.

    Parameters
    ----------
    Y : numpy.ndarray
        Counts (rows x years).
    years : numpy.ndarray
        The years of the columns.
    origin : int
        Year where the time column is zero.
    candidates : list of int
        Break years.
    alpha : float or numpy.ndarray
        NB2 dispersion, one for all rows or one per row (at most 1e-6: Poisson).
    kernel : bool
        Leave out the terms that cancel in likelihood ratios.
    start : numpy.ndarray, optional
        No-break coefficients per row (R x 2) to start Newton's method from; the break models then start from the
        no-break fit (hinge coefficient 0). By default every model starts from least squares on log counts.
    tol, max_iter : float and int
        Newton's stopping rule (`batchfit.fixed_alpha_loglik`).
    lean : bool
        Solve the Newton systems by the adjugate (`batchfit.fixed_alpha_loglik`; the calibration study).

    Returns
    -------
    tuple of numpy.ndarray
        The no-break log-likelihood per row (R), the log-likelihood per row and break year (R x K), and the
        no-break fit's Pearson dispersion per row (R; chi-square over n - 2).
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    a = np.broadcast_to(np.asarray(alpha, dtype=float), (len(Y),))
    a = np.where(a > 1e-6, a, 0.0)
    X0 = design(years, origin)
    newton = {"kernel": kernel, "tol": tol, "max_iter": max_iter, "lean": lean}
    null, beta = bf.fixed_alpha_loglik(X0, Y, a, start=start, **newton)
    s3 = None if start is None else np.column_stack([beta, np.zeros(len(beta))])
    lls = np.column_stack(
        [bf.fixed_alpha_loglik(design(years, origin, (k,)), Y, a, start=s3, **newton)[0] for k in candidates]
    )
    return null, lls, bf.pearson_dispersion(X0, Y, a, beta)


def scaled_lr(null: np.ndarray, best: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """The joinpoint test's statistic: the likelihood ratio of the best break against none, divided by the no-break
    fit's Pearson dispersion, so that variation the fitted alpha misses does not pass for a break (the calibration
    study chose it: its size stays within 3-7% for alpha 0 to 0.06, where the plain ratio's ranged 2-7%)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(0.0, 2 * (best - null)) / np.maximum(dispersion, 1e-12)


def _best(lls: np.ndarray) -> np.ndarray:
    """Per row, the index of the largest log-likelihood; ties go to the earliest break year."""
    return np.argmax(lls, axis=1)


def joinpoint(s: pd.Series, min_segment: int = 3, n_boot: int = 199, seed: int = 2021) -> JoinpointFit:
    """Joinpoint log-linear NB model: the break year maximising the likelihood, with a parametric bootstrap test.

    Candidates leave at least `min_segment` observed years on each side. The test statistic is the likelihood ratio
    of the best break against none (alpha held at the no-break fit's value) divided by the no-break fit's Pearson
    dispersion (`scaled_lr`). Under the no-break NB fit, `n_boot` series are simulated and the statistic computed
    again in each, the break year searched anew, so the p-value accounts for the break year having been chosen. Every break year of every replicate is fitted in one batched
    call per break year.

    Parameters
    ----------
    s : pandas.Series
        Counts indexed by year (checked by `prepare`).
    min_segment : int
        Fewest observed years on each side of the break, the break year included.
    n_boot : int
        Bootstrap series for the test (0: no test, p-value 1).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    JoinpointFit
    """
    years = s.index.to_numpy()
    origin = int(years[0])
    candidates = [
        int(k) for k in years if (years < k).sum() >= min_segment - 1 and (years > k).sum() >= min_segment - 1
    ]
    candidates = [k for k in candidates if (years <= k).sum() >= min_segment and (years >= k).sum() >= min_segment]
    positive = s.to_numpy() > 0
    # each segment needs two years above zero, or its slope runs to minus infinity
    candidates = [k for k in candidates if positive[years <= k].sum() >= 2 and positive[years >= k].sum() >= 2]
    if not candidates:
        raise SeriesError(
            f"series '{s.name}': {len(s)} years leave no break year with {min_segment} years on each side, "
            "two of them above zero"
        )
    null = fit_negbin(s, origin)
    alpha = null.alpha or 0.0
    y = s.to_numpy(dtype=float)
    null_llf, lls, dispersion = break_loglik(y[None, :], years, origin, candidates, alpha)
    best_index = int(_best(lls)[0])
    best = candidates[best_index]
    lr = max(0.0, 2 * float(lls[0, best_index] - null_llf[0]))
    observed = float(scaled_lr(null_llf, lls[0, best_index], dispersion)[0])
    rng = np.random.default_rng(seed)
    mu = null.fitted.to_numpy()
    sims = []
    for _ in range(n_boot):  # drawn one series at a time, so that the stream of random numbers is the test's own
        # NB2 draw: gamma-Poisson mixture with mean mu and variance mu + alpha mu^2
        lam = rng.gamma(shape=1 / alpha, scale=alpha * mu) if alpha > 1e-6 else mu
        sims.append(rng.poisson(lam).astype(float))
    exceed = 0
    Y = np.array([ysim for ysim in sims if ysim.sum() > 0]).reshape(-1, len(y))  # an all-zero draw never exceeds
    if len(Y):
        with np.errstate(all="ignore"):
            boot_null, boot_lls, boot_dispersion = break_loglik(Y, years, origin, candidates, alpha, kernel=True)
            stat = scaled_lr(boot_null, np.max(boot_lls, axis=1), boot_dispersion)
        # a degenerate draw (a non-finite likelihood, e.g. zeros on one side) counts as not exceeding
        exceed = int(np.sum(np.isfinite(stat) & (stat >= observed * (1 - 1e-12) - 1e-9)))
    p_value = (exceed + 1) / (n_boot + 1)
    model = fit_negbin(s, origin, (best,))
    b, c = model.params[1], model.params[2]
    span = years[-1] - years[0]
    w = (years[-1] - best) / span
    avg = b + w * c
    cov = model.cov
    var = cov[1, 1] + w * w * cov[2, 2] + 2 * w * cov[1, 2]
    se = math.sqrt(max(var, 0.0))
    if not (math.isfinite(avg) and math.isfinite(se)):
        raise SeriesError(f"series '{s.name}': the joinpoint model at {best} did not converge to finite slopes")
    aapc = 100 * float(np.expm1(avg))
    low, high = small_sample_interval(avg, se, model.pearson_chi2, model.df_resid)
    aapc_ci = (100 * float(np.expm1(low)), 100 * float(np.expm1(high)))
    table = pd.DataFrame({"break_year": candidates, "log_likelihood": lls[0]})
    return JoinpointFit(str(s.name), best, model, lr, p_value, n_boot, table, aapc, aapc_ci, (float(b), float(b + c)))
