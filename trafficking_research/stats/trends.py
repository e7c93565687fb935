"""Trend models for yearly counts: Poisson and negative-binomial log-linear fits, with APC and doubling time.

Every model is fitted by the package's batched Newton-Raphson engine (`batchfit`: analytic gradient and Hessian in
numpy, many series at once); statsmodels is the reference the tests compare it with. Years without a published
figure are left out (never imputed). The result type is `trendfit.TrendFit`; joinpoint models are in `breaks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config import Z
from ..data.series import series_label
from ..errors import ParameterError, SeriesError
from . import batchfit as bf
from .result import Estimate, Result
from .trendfit import INTERVAL_METHOD, TrendFit, design, prepare, small_sample_interval

__all__ = [
    "INTERVAL_METHOD",
    "MODELS",
    "Overdispersion",
    "TrendFit",
    "comparison_table",
    "design",
    "fit_many",
    "fit_negbin",
    "fit_poisson",
    "fit_rows",
    "fit_trend",
    "nb2_deviance",
    "overdispersion",
    "prepare",
    "small_sample_interval",
]


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
    draws: pd.DataFrame,
    family: str = "negbin",
    origin: int | None = None,
    label: str | None = None,
    breaks: tuple[int, ...] = (),
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
    breaks : tuple of int
        Joinpoint years, the same for every row.

    Returns
    -------
    list of TrendFit
        One per row, in order.
    """
    if family not in MODELS:
        raise ParameterError(f"parameter 'model': {family!r} is not a trend model (known: {', '.join(MODELS)})")
    years = np.asarray(draws.columns, dtype=int)
    origin = int(years[0]) if origin is None else origin
    X = design(years, origin, breaks)
    Y = draws.to_numpy(dtype=float)
    fit = fit_rows(X, Y, family)
    name = label or str(draws.attrs.get("label", "draw"))
    model = _model_name(family, breaks)
    return [_trend_fit(name, model, family, years, Y[r], origin, breaks, X, fit, r) for r in range(len(Y))]


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
        series_label(series.name),
        start_year if start_year is not None else first,
        end_year if end_year is not None else last,
    )
    data.name = series_label(series.name)
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
