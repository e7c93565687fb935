"""Confidence intervals for the total: profile likelihood for a fixed model, and a bootstrap that
repeats the model selection in every replicate (percentile and BCa, as SparseMSE's `estimatepopulation`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln
from scipy.stats import chi2, norm

from ...config import CONFIDENCE, MSE_SELECTION_METHODS
from ...data.capture_tables import CaptureTable
from ...errors import ModelNotEstimableError, ParameterError
from ..result import Estimate, Result
from .fastfit import newton_poisson
from .model import MSEFit
from .selection import select_model

LIKELIHOODS = ("multinomial", "poisson")


def _end(value: float) -> float | None:
    """An interval's end as reported: None where the interval is open (infinite) on that side."""
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class ProfileInterval(Result):
    """A profile-likelihood interval for the total N of a fixed model.

    Attributes
    ----------
    total : float
        The fit's total (the point estimate).
    lower, upper : float
        The interval's ends (`upper` infinite where the likelihood stays too flat).
    level : float
        Confidence level.
    likelihood : str
        ``multinomial`` or ``poisson``: the likelihood profiled.
    table, method, model : str
        The table's name, how the model was chosen and the model's name (for the description).
    """

    total: float
    lower: float
    upper: float
    level: float
    likelihood: str
    table: str = ""
    method: str = ""
    model: str = ""

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The total with its profile-likelihood interval (an infinite upper end reported as None)."""
        return (
            Estimate(
                "total",
                self.total,
                "persons",
                f"list table '{self.table}': total from {MSE_SELECTION_METHODS.get(self.method, self.method)} "
                f"({self.model}), {self.level:.0%} profile-likelihood interval",
                ci=(_end(self.lower), _end(self.upper)),
            ),
        )


def _multinomial_profile(fit: MSEFit) -> Callable[[float], float]:
    """N -> multinomial log-likelihood of N, maximised over the model's other parameters.

    The unobserved cell is added with count N - n and the intercept alone as its design row; the
    Poisson fit of the completed table has fitted total N, so the multinomial log-likelihood is
    sum(y log(mu/N)) + log N! - sum(log y!) over all cells including the unobserved one.
    """
    X, y = fit.design.X, fit.design.y
    n = y.sum()
    Xf = np.vstack([X, np.eye(X.shape[1])[:1]])
    start = {"beta": np.asarray(fit.result.params, dtype=float)}

    def loglik(total: float) -> float:
        """Profile log-likelihood at N = total (warm-started from the previous evaluation)."""
        yf = np.append(y, max(total - n, 0.0))
        beta, mu, _ = newton_poisson(Xf, yf, start=start["beta"], loglik=False)  # the multinomial one below
        start["beta"] = beta
        pos = yf > 0
        return float(np.sum(yf[pos] * np.log(mu[pos] / total)) + gammaln(total + 1) - np.sum(gammaln(yf + 1)))

    return loglik


def _poisson_profile(fit: MSEFit) -> Callable[[float], float]:
    """N -> Poisson log-likelihood with the intercept held at log(N - n), maximised over the rest."""
    X, y = fit.design.X, fit.design.y
    n = y.sum()
    start = {"beta": np.asarray(fit.result.params[1:], dtype=float)}

    def loglik(total: float) -> float:
        """Profile log-likelihood at N = total (warm-started from the previous evaluation)."""
        offset = math.log(max(total - n, 1e-300))
        beta, _, ll = newton_poisson(X[:, 1:], y, offset=offset, start=start["beta"])
        start["beta"] = beta
        return ll

    return loglik


def profile_interval(fit: MSEFit, level: float = CONFIDENCE, likelihood: str = "multinomial") -> ProfileInterval:
    """Profile-likelihood interval for the total N of the fitted model.

    `likelihood="multinomial"` profiles the likelihood of a closed population of N cases (as Rcapture's
    closedpCI.t, used for the UK 2013 estimate); `"poisson"` profiles the Poisson log-linear likelihood
    in its intercept, log of the dark figure. The bounds are where twice the drop from the maximum
    equals the chi-squared(1) quantile; the lower bound is the observed count if the drop never gets
    there, and the upper bound is infinite if the likelihood stays too flat. The point estimate
    reported is the fit's (Poisson) total, as Rcapture reports it.

    Parameters
    ----------
    fit : MSEFit
        The fitted model.
    level : float
        Confidence level (default `config.CONFIDENCE`).
    likelihood : {"multinomial", "poisson"}
        The likelihood profiled.

    Returns
    -------
    ProfileInterval
    """
    if likelihood not in LIKELIHOODS:
        raise ParameterError(
            f"parameter 'likelihood': unknown likelihood {likelihood!r}; choose one of {', '.join(LIKELIHOODS)}"
        )
    n = float(fit.table.n_observed)
    profile = _multinomial_profile(fit) if likelihood == "multinomial" else _poisson_profile(fit)
    dark = fit.dark
    if likelihood == "multinomial":
        best = minimize_scalar(
            lambda t: -profile(t), bounds=(n, fit.total + max(10.0, dark)), method="bounded", options={"xatol": 1e-6}
        )
        top, peak = float(best.x), -float(best.fun)
    else:
        top, peak = fit.total, profile(fit.total)
    crit = chi2.ppf(level, 1) / 2

    def gap(total: float) -> float:
        """Positive outside the interval, zero at its bounds."""
        return peak - profile(total) - crit

    lower = n
    floor = n + dark * 1e-9
    if gap(floor) > 0:
        lower = brentq(gap, floor, top, xtol=1e-8 * top)
    upper, step = math.inf, max(dark, 1.0)
    hi = top + step
    for _ in range(60):
        if gap(hi) > 0:
            upper = brentq(gap, top, hi, xtol=1e-8 * hi)
            break
        hi = top + (hi - top) * 2
    return ProfileInterval(
        fit.total,
        float(lower),
        float(upper),
        level,
        likelihood,
        table=fit.table.name,
        method=fit.method,
        model=fit.label,
    )


@dataclass(frozen=True, eq=False)
class BootstrapResult(Result):
    """Bootstrap replicates of the total, with percentile and BCa intervals.

    Attributes
    ----------
    total : float
        The total of the model selected on the observed table (the point estimate).
    method : str
        The selection method repeated in every replicate.
    level : float
        Confidence level of the intervals.
    replicates, jackknife : numpy.ndarray
        Totals of the bootstrap tables and of the delete-one-case tables (NaN where no model gave an estimate).
    acceleration, bias_correction : float
        The BCa constants.
    percentile, bca : tuple of float
        The two intervals (the BCa's ends NaN when the acceleration could not be computed).
    table : str
        The table's name (for the descriptions).
    """

    total: float
    method: str
    level: float
    replicates: np.ndarray
    jackknife: np.ndarray
    acceleration: float
    bias_correction: float
    percentile: tuple[float, float]
    bca: tuple[float, float]
    table: str = ""

    @property
    def n_boot(self) -> int:
        """Bootstrap replicates drawn."""
        return len(self.replicates)

    @property
    def n_failed(self) -> int:
        """Replicates in which the selection gave no estimate (left out of the intervals)."""
        return int(np.sum(~np.isfinite(self.replicates)))

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The total with its percentile interval (and the failed replicates), and with its BCa interval where the
        acceleration could be computed."""
        what = f"list table '{self.table}': total from {MSE_SELECTION_METHODS.get(self.method, self.method)}"
        out = [
            Estimate(
                "bootstrap_percentile",
                self.total,
                "persons",
                f"{what}, percentile interval of {self.n_boot} replicates",
                ci=self.percentile,
                extra={"failed_replicates": self.n_failed},
            )
        ]
        if all(math.isfinite(b) for b in self.bca):
            out.append(
                Estimate(
                    "bootstrap_bca",
                    self.total,
                    "persons",
                    f"{what}, BCa interval of {self.n_boot} replicates",
                    ci=self.bca,
                )
            )
        return tuple(out)


def _drop_empty_lists(table: CaptureTable) -> CaptureTable | None:
    """The table without lists that hold no case (their main effect is at minus infinity, so leaving
    them out gives the same fit); None if fewer than two lists remain."""
    totals = table.histories.T.astype(np.int64) @ table.counts
    keep = [i for i, t in enumerate(totals) if t > 0]
    if len(keep) == table.n_lists:
        return table
    return table.keep_lists(keep) if len(keep) >= 2 else None


def _total(table: CaptureTable, method: str, options: dict[str, Any]) -> float:
    """The selected model's total for a table, NaN when no model gives an estimate."""
    table_used = _drop_empty_lists(table)
    if table_used is None:
        return math.nan
    try:
        return select_model(table_used, method, **options).total
    except ModelNotEstimableError:
        return math.nan


def bootstrap_replicate(
    table: CaptureTable, method: str, options: dict[str, Any], seed: np.random.SeedSequence
) -> float:
    """One replicate: a multinomial resample of the observed cases, then selection and fit."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(table.n_observed, table.counts / table.n_observed)
    return _total(table.with_counts(counts), method, options)


def jackknife_replicate(table: CaptureTable, method: str, options: dict[str, Any], cell: int) -> float:
    """The total with one case removed from a cell (for the BCa acceleration)."""
    counts = table.counts.copy()
    counts[cell] -= 1
    return _total(table.with_counts(counts), method, options)


def _quantiles(values: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Sample quantiles of R's type 8 (numpy's median-unbiased), as SparseMSE's `bcaconfvalues`."""
    return np.quantile(values, probs, method="median_unbiased")


def bca_limits(replicates: np.ndarray, estimate: float, acceleration: float, probs: np.ndarray) -> np.ndarray:
    """BCa limits (DiCiccio & Efron 1996) at the given probabilities.

    The share of replicates below the estimate is kept within [1/(2B), 1 - 1/(2B)] so the bias
    correction stays finite.
    """
    boot = replicates[np.isfinite(replicates)]
    share = np.clip(np.mean(boot < estimate), 0.5 / len(boot), 1 - 0.5 / len(boot))
    z0 = norm.ppf(share)
    za = norm.ppf(probs) + z0
    adjusted = norm.cdf(z0 + za / (1 - acceleration * za))
    return _quantiles(boot, adjusted)


def jackknife_acceleration(table: CaptureTable, jackknife: np.ndarray) -> float:
    """BCa acceleration from delete-one-case estimates, each cell's estimate weighted by its count."""
    w = table.counts.astype(float)
    used = w > 0
    if np.isnan(jackknife[used]).any():
        return math.nan
    est = np.where(used, jackknife, 0.0)
    resid = np.sum(w * est) / w.sum() - est
    denom = np.sum(w * resid**2)
    return float(np.sum(w * resid**3) / (6 * denom**1.5)) if denom > 0 else 0.0


def bootstrap(
    table: CaptureTable,
    method: str = "stepwise",
    n_boot: int = 1000,
    level: float = CONFIDENCE,
    seed: int = 20240601,
    n_jobs: int | None = -1,
    backend: str | None = None,
    **options: Any,
) -> BootstrapResult:
    """Bootstrap the total, repeating the named selection method in every replicate.

    Replicate i resamples the observed cases multinomially with its own generator from
    SeedSequence(seed).spawn(n_boot)[i], so results do not depend on n_jobs or on how joblib groups
    tasks. Replicates and the delete-one-case jackknife (for the BCa acceleration) are independent
    joblib tasks: `backend=None` takes joblib's default (local processes) or whatever
    `joblib.parallel_config(backend=...)` sets, e.g. "dask" on a cluster.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    method : str
        Selection method repeated in every replicate (see `selection.METHODS`).
    n_boot : int
        Replicates (at least 2).
    level : float
        Confidence level of the intervals (default `config.CONFIDENCE`).
    seed : int
        Seed of the replicates.
    n_jobs : int or None
        joblib workers (-1: every core).
    backend : str or None
        joblib backend.
    **options
        Options of the selection method (e.g. ``threshold``).

    Returns
    -------
    BootstrapResult
        Raises `ModelNotEstimableError` (a `FitError`) when the observed table or all but one replicate give no
        estimate.
    """
    if n_boot < 2:
        raise ParameterError(f"parameter 'n_boot' must be at least 2, not {n_boot}")
    fit = select_model(table, method, **options)
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    cells = [int(c) for c in np.flatnonzero(table.counts > 0)]
    tasks = [delayed(bootstrap_replicate)(table, method, options, s) for s in seeds]
    tasks += [delayed(jackknife_replicate)(table, method, options, c) for c in cells]
    out = Parallel(n_jobs=n_jobs, backend=backend)(tasks)
    replicates = np.array(out[:n_boot], dtype=float)
    jackknife = np.full(len(table.counts), math.nan)
    jackknife[cells] = out[n_boot:]
    accel = jackknife_acceleration(table, jackknife)
    alpha = (1 - level) / 2
    probs = np.array([alpha, 1 - alpha])
    finite = replicates[np.isfinite(replicates)]
    if len(finite) < 2:
        raise ModelNotEstimableError(
            table.name, method, f"only {len(finite)} of {n_boot} bootstrap replicates gave an estimate"
        )
    pct = _quantiles(finite, probs)
    bca = bca_limits(finite, fit.total, accel, probs) if math.isfinite(accel) else np.array([math.nan, math.nan])
    share = np.clip(np.mean(finite < fit.total), 0.5 / len(finite), 1 - 0.5 / len(finite))
    return BootstrapResult(
        total=fit.total,
        method=method,
        level=level,
        replicates=replicates,
        jackknife=jackknife,
        acceleration=accel,
        bias_correction=float(norm.ppf(share)),
        percentile=(float(pct[0]), float(pct[1])),
        bca=(float(bca[0]), float(bca[1])),
        table=table.name,
    )
