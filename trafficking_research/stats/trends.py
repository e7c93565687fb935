"""Trend models for yearly counts: Poisson and negative-binomial log-linear fits, APC, doubling time and joinpoints.

Every model is fitted by the package's batched Newton-Raphson engine (`batchfit`: analytic gradient and Hessian in
numpy, many series at once); statsmodels is the reference the tests compare it with. Years without a published
figure are left out (never imputed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config import CONFIDENCE, Z
from ..errors import ParameterError, SeriesError
from . import batchfit as bf
from .result import Estimate, Result

#: How the trend intervals are computed, for the descriptions of the reported values.
INTERVAL_METHOD = (
    "standard error scaled by the Pearson dispersion, Student's t with n - p degrees of freedom; "
    "chosen by the calibration study"
)


def small_sample_interval(
    estimate: Any, se: Any, pearson_chi2: Any, df: Any, confidence: float = CONFIDENCE
) -> tuple[Any, Any]:
    """A Wald interval calibrated for a few years of counts: the model's standard error scaled by the Pearson
    dispersion, with Student's t quantile on the residual degrees of freedom.

    The quasi-likelihood correction: the dispersion ``pearson_chi2 / df`` absorbs what the fitted variance function
    misses (for NB2, an alpha estimated too small from ten years), and the t quantile allows for the dispersion
    being estimated from ``df`` residuals. The calibration study (`stats.calibration`) measures its coverage on
    series shaped like the real ones; a Wald interval with the normal quantile covers 87-90% there. Works on numbers
    or numpy arrays alike.

    Parameters
    ----------
    estimate, se : float or numpy.ndarray
        The estimate (a log-scale slope) and its model-based standard error.
    pearson_chi2 : float or numpy.ndarray
        Pearson statistic of the fit.
    df : int or numpy.ndarray
        Residual degrees of freedom (years minus coefficients).
    confidence : float
        Confidence level.

    Returns
    -------
    tuple
        Lower and upper bounds.
    """
    half = stats.t.ppf(0.5 + confidence / 2, df) * se * np.sqrt(np.asarray(pearson_chi2) / df)
    return estimate - half, estimate + half


@dataclass(frozen=True, eq=False)
class TrendFit(Result):
    """A fitted log-linear trend of yearly counts, frozen.

    Attributes
    ----------
    label : str
        The series' name, used in descriptions.
    model : str
        Readable model name (``Poisson``, ``negative binomial``, ``negative binomial, joinpoint 2015``, ...).
    family : str
        ``"poisson"`` or ``"negbin"``.
    years, counts : numpy.ndarray
        The years fitted and their counts.
    origin : int
        The year at which the linear predictor's time variable is zero.
    breaks : tuple of int
        Joinpoint years (hinge terms ``max(year - b, 0)``); empty for a single trend.
    params, cov : numpy.ndarray
        The coefficients (intercept, slope, one per break) and their covariance (inverse observed information).
    alpha : float or None
        NB2 dispersion (variance ``mu + alpha mu^2``); None for Poisson, 0 where the NB2 likelihood peaks at 0.
    cov_log_alpha : numpy.ndarray or None
        Covariance of (coefficients, log alpha) for an NB2 fit with alpha > 0, else None.
    llf, deviance, pearson_chi2 : float
        Log-likelihood and goodness-of-fit statistics.
    n_params, n_obs : int
        Parameters (alpha counted for NB2) and years fitted.
    fitted, band : pandas.Series and DataFrame
        Fitted means per year and their 95% confidence band (``low``, ``high``).
    """

    label: str
    model: str
    family: str
    years: np.ndarray
    counts: np.ndarray
    origin: int
    breaks: tuple[int, ...]
    params: np.ndarray
    cov: np.ndarray
    alpha: float | None
    cov_log_alpha: np.ndarray | None
    llf: float
    n_params: int
    n_obs: int
    deviance: float
    pearson_chi2: float
    fitted: pd.Series
    band: pd.DataFrame

    @property
    def slope(self) -> float:
        """Slope per year on the log scale (of the first segment, for a joinpoint model)."""
        return float(self.params[1])

    @property
    def se(self) -> float:
        """Standard error of the slope."""
        return float(math.sqrt(self.cov[1, 1]))

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom: years fitted minus coefficients (NB2's alpha not counted)."""
        return self.n_obs - len(self.params)

    @property
    def dispersion(self) -> float:
        """Pearson chi-square per residual degree of freedom (1 when the model's variance is right)."""
        return self.pearson_chi2 / self.df_resid

    @property
    def slope_ci_wald(self) -> tuple[float, float]:
        """95% Wald interval of the slope (normal quantile, model-based standard error): too narrow with ten years
        of overdispersed counts (the calibration study measures it); kept for comparison."""
        return (self.slope - Z * self.se, self.slope + Z * self.se)

    @property
    def slope_ci(self) -> tuple[float, float]:
        """95% interval of the slope, calibrated for short series (see `small_sample_interval`)."""
        low, high = small_sample_interval(self.slope, self.se, self.pearson_chi2, self.df_resid)
        return (float(low), float(high))

    @property
    def apc(self) -> float:
        """Annual percent change, ``100 (exp(slope) - 1)``."""
        return 100.0 * math.expm1(self.slope)

    @property
    def apc_ci(self) -> tuple[float, float]:
        """95% interval of the APC, the slope's interval transformed."""
        low, high = self.slope_ci
        return (100.0 * float(np.expm1(low)), 100.0 * float(np.expm1(high)))

    @property
    def doubling_time(self) -> float | None:
        """Years for the expected count to double; None when the trend is not upward."""
        return math.log(2) / self.slope if self.slope > 0 else None

    @property
    def doubling_time_ci(self) -> tuple[float | None, float | None]:
        """95% interval of the doubling time, the slope's interval transformed; None where it reaches zero."""
        low, high = self.slope_ci
        return (float(math.log(2) / high) if high > 0 else None, float(math.log(2) / low) if low > 0 else None)

    @property
    def aic(self) -> float:
        """Akaike's information criterion."""
        return 2 * self.n_params - 2 * self.llf

    @property
    def bic(self) -> float:
        """Schwarz's Bayesian information criterion."""
        return math.log(self.n_obs) * self.n_params - 2 * self.llf

    @property
    def _short(self) -> str:
        return "NB2" if self.family == "negbin" else "Poisson"

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """APC (with its 95% interval), doubling time where the trend is upward, and NB2's alpha."""
        model = "NB2 log-linear model" if self.family == "negbin" else "Poisson model"
        method = f"95% CI of the slope: {INTERVAL_METHOD} (n - p = {self.df_resid})"
        out = [
            Estimate(
                "apc",
                self.apc,
                "percent per year",
                f"{self.label}: annual percent change, {model}; {method}",
                ci=self.apc_ci,
            )
        ]
        if self.doubling_time is not None:
            out.append(
                Estimate(
                    "doubling_time",
                    self.doubling_time,
                    "years",
                    f"{self.label}: doubling time log(2)/slope from the {self._short} slope, its interval "
                    f"the slope's interval transformed ({method}; upper bound null: the slope's interval "
                    "reaches zero)",
                    ci=self.doubling_time_ci,
                )
            )
        if self.family == "negbin":
            out.append(
                Estimate("nb_alpha", self.alpha, "dimensionless", f"{self.label}: NB2 dispersion parameter alpha")
            )
        return tuple(out)


def prepare(series: pd.Series, name: str, start_year: int, end_year: int) -> pd.Series:
    """The series' years within [start_year, end_year], checked: enough years, whole non-negative counts, not all zero."""
    if start_year > end_year:
        raise SeriesError(f"series '{name}': start year {start_year} is after end year {end_year}")
    s = series.dropna()
    s = s[(s.index >= start_year) & (s.index <= end_year)].sort_index()
    if (s < 0).any() or (s != np.round(s)).any():
        bad = ", ".join(str(y) for y in s.index[(s < 0) | (s != np.round(s))])
        raise SeriesError(f"series '{name}': counts must be whole and non-negative (years {bad})")
    if len(s) < 3:
        years = ", ".join(str(y) for y in s.index) or "none"
        raise SeriesError(
            f"series '{name}': {len(s)} year(s) with data in {start_year}-{end_year} (years: {years}); "
            "a trend needs at least three"
        )
    if (s == 0).all():
        raise SeriesError(f"series '{name}': every count in {start_year}-{end_year} is zero; no trend can be fitted")
    if (s > 0).sum() < 2:
        year = int(s.index[s > 0][0])
        raise SeriesError(
            f"series '{name}': only {year} has a count above zero in {start_year}-{end_year}; "
            "a log-linear trend needs two such years (its slope would run to infinity)"
        )
    return s.astype(float)


def design(years: np.ndarray, origin: int, breaks: tuple[int, ...] = ()) -> np.ndarray:
    """The log-linear design: intercept, years since `origin`, and a hinge ``max(year - b, 0)`` per break.

    Parameters
    ----------
    years : numpy.ndarray
        Calendar years.
    origin : int
        The year where the time column is zero.
    breaks : tuple of int
        Joinpoint years.

    Returns
    -------
    numpy.ndarray
        Matrix of shape ``(len(years), 2 + len(breaks))``.
    """
    years = np.asarray(years)
    t = years - origin
    cols = [np.ones_like(t, dtype=float), t.astype(float)]
    cols += [np.clip(years - b, 0, None).astype(float) for b in breaks]
    return np.column_stack(cols)


def _linear_band(X: np.ndarray, eta: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95% band of exp(X b): the linear predictor's normal interval, transformed."""
    se = np.sqrt(np.einsum("ij,jk,ik->i", X, cov, X))
    return np.exp(eta - Z * se), np.exp(eta + Z * se)


def nb2_deviance(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """Deviance of an NB2 fit with dispersion `alpha` (alpha 0: the Poisson deviance), as a GLM reports it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
        if alpha <= 0:
            return float(2 * np.sum(ylogy - (y - mu)))
        return float(2 * np.sum(ylogy - (y + 1 / alpha) * np.log((1 + alpha * y) / (1 + alpha * mu))))


def fit_rows(X: np.ndarray, Y: np.ndarray, family: str) -> bf.BatchFit:
    """Poisson or NB2 fits of every row of `Y` on the design `X` by the package's batched Newton engine.

    The one place where trend models are fitted: single series, harmonised draws and scenarios all come here.

    Parameters
    ----------
    X : numpy.ndarray
        Design (years x coefficients), shared by every row.
    Y : numpy.ndarray
        Counts (rows x years).
    family : {"poisson", "negbin"}
        Model; NB2's alpha is estimated by maximum likelihood, with the Poisson fit where it peaks at 0.

    Returns
    -------
    batchfit.BatchFit
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    pois = bf.fit_poisson(X, Y)
    return pois if family == "poisson" else bf.fit_nb2(X, Y, poisson=pois)


def _trend_fit(
    label: str,
    model: str,
    family: str,
    years: np.ndarray,
    y: np.ndarray,
    origin: int,
    breaks: tuple[int, ...],
    X: np.ndarray,
    fit: bf.BatchFit,
    r: int,
) -> TrendFit:
    """Row `r` of a batched fit as a TrendFit; a fit that did not converge to finite values raises SeriesError."""
    beta, cov = fit.beta[r], fit.cov[r]
    if not (fit.converged[r] and np.all(np.isfinite(beta)) and np.all(np.isfinite(cov)) and cov[1, 1] > 0):
        raise SeriesError(f"series '{label}': the {model} model could not be fitted (no finite maximum found)")
    mu = fit.mu[r]
    eta = X @ beta
    if family == "poisson":
        alpha, cov_log_alpha, weight, n_params = None, None, mu, X.shape[1]
    else:
        alpha = float(fit.alpha[r])
        boundary = bool(fit.boundary[r])
        full = fit.cov_full[r]
        cov_log_alpha = None if boundary or not np.all(np.linalg.eigvalsh(full) > 0) else full
        weight = mu / (1 + alpha * mu)
        n_params = X.shape[1] + 1
        model = f"{model} (alpha at 0)" if boundary else model
    low, high = _linear_band(X, eta, np.linalg.inv((X * weight[:, None]).T @ X))
    return TrendFit(
        label,
        model,
        family,
        years,
        y,
        origin,
        breaks,
        beta.copy(),
        cov.copy(),
        alpha,
        cov_log_alpha,
        float(fit.llf[r]),
        n_params,
        len(y),
        nb2_deviance(y, mu, alpha or 0.0),
        float(fit.pearson_chi2[r]),
        pd.Series(mu, index=years),
        pd.DataFrame({"low": low, "high": high}, index=years),
    )


def _model_name(family: str, breaks: tuple[int, ...]) -> str:
    if family == "poisson":
        return "Poisson"
    return "negative binomial" if not breaks else f"negative binomial, joinpoint {', '.join(map(str, breaks))}"


def fit_many(
    draws: pd.DataFrame, family: str = "negbin", origin: int | None = None, label: str | None = None
) -> list[TrendFit]:
    """The same trend model fitted to many series over the same years (draws, scenarios) in one batched call.

    Parameters
    ----------
    draws : pandas.DataFrame
        One series per row, years as columns (whole non-negative counts).
    family : {"negbin", "poisson"}
        Model.
    origin : int, optional
        Year where the time column is zero (default: the first column).
    label : str, optional
        The series' name for descriptions (default: the frame's ``attrs["label"]`` or ``"draw"``).

    Returns
    -------
    list of TrendFit
        One per row, in order.
    """
    if family not in MODELS:
        raise ParameterError(f"parameter 'model': {family!r} is not a trend model (known: {', '.join(MODELS)})")
    years = np.asarray(draws.columns, dtype=int)
    origin = int(years[0]) if origin is None else origin
    X = design(years, origin)
    Y = draws.to_numpy(dtype=float)
    fit = fit_rows(X, Y, family)
    name = label or str(draws.attrs.get("label", "draw"))
    model = _model_name(family, ())
    return [_trend_fit(name, model, family, years, Y[r], origin, (), X, fit, r) for r in range(len(Y))]


def _fit_one(s: pd.Series, family: str, origin: int | None, breaks: tuple[int, ...]) -> TrendFit:
    years = s.index.to_numpy()
    origin = origin if origin is not None else int(years[0])
    X = design(years, origin, breaks)
    y = s.to_numpy(dtype=float)
    fit = fit_rows(X, y[None, :], family)
    return _trend_fit(str(s.name), _model_name(family, breaks), family, years, y, origin, breaks, X, fit, 0)


def fit_poisson(s: pd.Series, origin: int | None = None) -> TrendFit:
    """Log-linear Poisson model of the counts on year (maximum likelihood by Newton-Raphson, `batchfit`).

    Parameters
    ----------
    s : pandas.Series
        Counts indexed by year (checked by `prepare`).
    origin : int, optional
        Year where the time column is zero (default: the first year).

    Returns
    -------
    TrendFit
    """
    return _fit_one(s, "poisson", origin, ())


def fit_negbin(s: pd.Series, origin: int | None = None, breaks: tuple[int, ...] = ()) -> TrendFit:
    """Log-linear NB2 model on year (alpha by maximum likelihood), with optional joinpoints at `breaks`.

    When the likelihood is largest at alpha = 0 (no overdispersion) the NB2 fit is the Poisson fit, reported with
    alpha 0; a fit that fails outright raises SeriesError naming the series. Fitted by the batched Newton-Raphson
    engine (`batchfit`); the tests check it against statsmodels' ``NegativeBinomial``.

    Parameters
    ----------
    s : pandas.Series
        Counts indexed by year (checked by `prepare`).
    origin : int, optional
        Year where the time column is zero (default: the first year).
    breaks : tuple of int
        Joinpoint years.

    Returns
    -------
    TrendFit
    """
    return _fit_one(s, "negbin", origin, breaks)


MODELS: dict[str, Any] = {"poisson": fit_poisson, "negbin": fit_negbin}


def fit_trend(
    series: pd.Series,
    model: str = "negbin",
    *,
    start_year: int | None = None,
    end_year: int | None = None,
    origin: int | None = None,
) -> TrendFit:
    """Fit a log-linear trend to a yearly series: the package's public entry point for trend models.

    Years without a figure are left out (never imputed); the series is checked first (at least three years, whole
    non-negative counts, two of them above zero).

    Parameters
    ----------
    series : pandas.Series
        Counts indexed by year, e.g. from `annual_series`.
    model : {"negbin", "poisson"}
        NB2 (dispersion estimated; the default) or Poisson.
    start_year, end_year : int, optional
        Years to fit (default: every year of the series).
    origin : int, optional
        Year where the time column is zero (default: the first year fitted).

    Returns
    -------
    TrendFit
        With ``.apc`` (percent per year), ``.apc_ci`` (95%), ``.doubling_time``, ``.doubling_time_ci`` and
        ``.summary()``.

    Examples
    --------
    >>> import trafficking_research as tr
    >>> obs = tr.load_observations()
    >>> fit = tr.fit_trend(tr.annual_series(obs, "admitted"), model="negbin", start_year=2010, end_year=2020)
    >>> round(fit.apc, 1)
    20.8
    """
    if model not in MODELS:
        raise ParameterError(f"parameter 'model': {model!r} is not a trend model (known: {', '.join(MODELS)})")
    s = series.dropna()
    first = int(s.index.min()) if len(s) else 0
    last = int(s.index.max()) if len(s) else 0
    data = prepare(
        series,
        str(series.name),
        start_year if start_year is not None else first,
        end_year if end_year is not None else last,
    )
    data.name = series.name
    return MODELS[model](data, origin)


@dataclass(frozen=True)
class Overdispersion(Result):
    """Pearson chi-square per degree of freedom of the Poisson fit, and the LR test of NB2 against Poisson."""

    label: str
    pearson_ratio: float
    lr_statistic: float
    p_value: float

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The Pearson ratio and the LR statistic with its boundary p-value."""
        return (
            Estimate(
                "pearson_dispersion", self.pearson_ratio, "ratio", f"{self.label}: Pearson chi2/df of the Poisson fit"
            ),
            Estimate(
                "lr_nb_vs_poisson",
                self.lr_statistic,
                "chi2",
                f"{self.label}: LR statistic, NB2 against Poisson (p from the half chi2(1) boundary distribution)",
                extra={"p_value": self.p_value},
            ),
        )


def overdispersion(poisson: TrendFit, negbin: TrendFit) -> Overdispersion:
    """Dispersion of the Poisson fit and the boundary LR test (half chi-square(1)) for alpha > 0.

    Parameters
    ----------
    poisson, negbin : TrendFit
        The two fits of one series.

    Returns
    -------
    Overdispersion
    """
    ratio = poisson.pearson_chi2 / (poisson.n_obs - poisson.n_params)
    lr = max(0.0, 2 * (negbin.llf - poisson.llf))
    return Overdispersion(poisson.label, ratio, lr, 0.5 * float(stats.chi2.sf(lr, 1)))


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
    Y: np.ndarray, years: np.ndarray, origin: int, candidates: list[int], alpha: float, kernel: bool = False
) -> tuple[np.ndarray, np.ndarray]:
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
    alpha : float
        NB2 dispersion (at most 1e-6: Poisson).
    kernel : bool
        Leave out the terms that cancel in likelihood ratios.

    Returns
    -------
    tuple of numpy.ndarray
        The no-break log-likelihood per row (R), the log-likelihood per row and break year (R x K), and the
        no-break fit's Pearson dispersion per row (R; chi-square over n - 2).
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    a = np.full(len(Y), alpha if alpha > 1e-6 else 0.0)
    X0 = design(years, origin)
    null, beta = bf.fixed_alpha_loglik(X0, Y, a, kernel=kernel)
    lls = np.column_stack(
        [bf.fixed_alpha_loglik(design(years, origin, (k,)), Y, a, kernel=kernel)[0] for k in candidates]
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


def comparison_table(models: list[TrendFit]) -> pd.DataFrame:
    """AIC, BIC, deviance and parameters of fitted models, best AIC first."""
    rows = [
        {
            "model": m.model,
            "parameters": m.n_params,
            "log_likelihood": m.llf,
            "AIC": m.aic,
            "BIC": m.bic,
            "deviance": m.deviance,
            "APC %": m.apc,
        }
        for m in models
    ]
    return pd.DataFrame(rows).sort_values("AIC").reset_index(drop=True)
