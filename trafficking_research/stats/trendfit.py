"""The fitted trend of yearly counts as a frozen result (`TrendFit`: APC, doubling time, calibrated intervals), its
design matrix and the checks a series passes before it is fitted. The fitting itself is in `trends`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config import ALPHA, CONFIDENCE, Z
from ..errors import SeriesError
from .result import Estimate, Result
from .summary import Summary, fmt, interval

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


def apc_interval(low: float, high: float) -> tuple[float, float]:
    """A slope's interval (log scale, per year) as an annual percent change, ``100 (exp(b) - 1)``."""
    return (100.0 * float(np.expm1(low)), 100.0 * float(np.expm1(high)))


def doubling_interval(low: float, high: float) -> tuple[float | None, float | None]:
    """A slope's interval as years to double, ``log(2) / b``; an end is None where the slope's interval reaches
    zero (no doubling there)."""
    return (float(math.log(2) / high) if high > 0 else None, float(math.log(2) / low) if low > 0 else None)


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
        return apc_interval(*self.slope_ci)

    @property
    def doubling_time(self) -> float | None:
        """Years for the expected count to double; None when the trend is not upward."""
        return math.log(2) / self.slope if self.slope > 0 else None

    @property
    def doubling_time_ci(self) -> tuple[float | None, float | None]:
        """95% interval of the doubling time, the slope's interval transformed; None where it reaches zero."""
        return doubling_interval(*self.slope_ci)

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

    def coefficient_names(self) -> list[str]:
        """The coefficients in words: intercept, slope, and a change of slope per break."""
        return [
            f"intercept (log count in {self.origin})",
            "slope (log count per year)",
            *(f"change of slope from {b}" for b in self.breaks),
        ]

    def summary(self, alpha: float = ALPHA) -> Summary:  # type: ignore[override]
        """The fit as a researcher reads it: a header (series, years, n, model, dispersion, residual df, interval
        method), the coefficients (estimate, scaled SE, t, p, interval) and the derived estimates (APC, doubling
        time), at confidence level ``1 - alpha``.

        Parameters
        ----------
        alpha : float
            One minus the confidence level of every interval shown (0.05: 95% intervals).

        Returns
        -------
        Summary
            Shown as HTML in JupyterLab and as text by ``print``; ``.table("coefficients")`` and
            ``.table("derived estimates")`` hold the numbers.
        """
        if not 0 < alpha < 1:
            raise ValueError(f"parameter 'alpha' must lie strictly between 0 and 1, got {alpha!r}")
        level = f"{100 * (1 - alpha):g}% CI"
        df = self.df_resid
        scale = math.sqrt(self.dispersion) if df > 0 else math.nan
        se = np.sqrt(np.diag(self.cov)) * scale
        t = self.params / se
        p = 2 * stats.t.sf(np.abs(t), df) if df > 0 else np.full(len(t), math.nan)
        q = stats.t.ppf(1 - alpha / 2, df) if df > 0 else math.nan
        coefficients = pd.DataFrame(
            {
                "estimate": self.params,
                "SE": se,
                "t": t,
                "p": p,
                level: [interval(b - q * e, b + q * e) for b, e in zip(self.params, se)],
            },
            index=pd.Index(self.coefficient_names(), name="coefficient"),
        )
        low, high = small_sample_interval(self.slope, self.se, self.pearson_chi2, df, 1 - alpha)
        doubling = doubling_interval(low, high)
        derived = pd.DataFrame(
            {
                "estimate": [self.apc, self.doubling_time],
                "unit": ["percent per year", "years"],
                level: [interval(*apc_interval(low, high)), interval(*doubling)],
            },
            index=pd.Index(["annual percent change (APC)", "doubling time"], name="derived from the slope"),
        )
        years = [int(y) for y in self.years]
        gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        dispersion = f"Pearson chi2/df {fmt(self.dispersion)}"
        if self.family == "negbin":
            dispersion = f"NB2 alpha {fmt(self.alpha)}; {dispersion}"
        header = (
            ("series", self.label),
            ("years used", f"{years[0]}–{years[-1]}" + (f" (no figure: {', '.join(map(str, gaps))})" if gaps else "")),
            ("n (years)", str(self.n_obs)),
            ("model", f"{self.model} log-linear trend on year (origin {self.origin})"),
            ("dispersion", dispersion),
            ("residual df", str(df)),
            ("interval method", f"{level}: {INTERVAL_METHOD}"),
            ("log-likelihood, AIC", f"{fmt(self.llf)}, {fmt(self.aic)}"),
        )
        notes = []
        if self.doubling_time is None:
            notes.append("the trend is not upward, so there is no doubling time")
        elif doubling[1] is None:
            notes.append("the slope's interval reaches zero, so the doubling time's interval has no upper end")
        if df < 1:
            notes.append("no residual degree of freedom: standard errors, tests and intervals cannot be estimated")
        return Summary(
            f"Trend of {self.label}",
            header,
            (("coefficients", coefficients), ("derived estimates", derived)),
            tuple(notes),
        )

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

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
