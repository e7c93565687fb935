"""Growth over a span whose gap years are draws: the trend fitted on every draw and pooled by Rubin's rules, or one
fit of the published years. Pure: series and draws in, a frozen `FullSpanGrowth` out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..config import CONFIDENCE
from ..errors import ParameterError
from . import trends
from .imputation import pool_rubin
from .result import Estimate, Result

MODELS = ("negbin", "poisson")


@dataclass(frozen=True, eq=False)
class FullSpanGrowth(Result):
    """APC over a span: pooled over the draws of a harmonised series (Rubin's rules), or one fit of published years.

    Attributes
    ----------
    label : str
        What was fitted, for descriptions.
    apc : float
        Annual percent change, 100 (exp(slope) - 1).
    apc_ci : tuple of float
        Its 95% interval (Student's t with Rubin's degrees of freedom; normal for a single fit).
    slope, slope_se : float
        Pooled log-scale slope and its total standard error.
    df : float
        Rubin's degrees of freedom (infinite for a single fit or identical draws).
    m : int
        Number of fits pooled.
    first_year, last_year : int
        The span.
    model : str
        ``negbin`` or ``poisson``.
    """

    label: str
    apc: float
    apc_ci: tuple[float, float]
    slope: float
    slope_se: float
    df: float
    m: int
    first_year: int
    last_year: int
    model: str

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """APC with its interval, and the number of fits pooled."""
        how = (
            f"pooled over {self.m} draws of the estimated years (Rubin's rules, t with {self.df:.0f} df)"
            if self.m > 1
            else f"one fit; 95% CI of the slope: {trends.INTERVAL_METHOD}"
        )
        return (
            Estimate(
                "apc",
                self.apc,
                "percent per year",
                f"{self.label}: APC {self.first_year}-{self.last_year}, {self.model} log-linear trend; {how}",
                ci=self.apc_ci,
                extra={"years": f"{self.first_year}-{self.last_year}", "draws": self.m},
            ),
        )


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ParameterError(f"parameter 'model': {model!r} is not 'negbin' or 'poisson'")


def pooled_growth(draws: pd.DataFrame, label: str, model: str = "negbin") -> FullSpanGrowth:
    """Fit the trend on every draw of a series and pool the slopes (Rubin's rules).

    Parameters
    ----------
    draws : pandas.DataFrame
        One series per row, years as columns (whole counts); published years repeat in every row.
    label : str
        What the series is, for descriptions.
    model : {"negbin", "poisson"}
        Trend model.

    Returns
    -------
    FullSpanGrowth
        APC and its interval; the interval includes the spread between draws. Each draw's variance is the calibrated
        one (the model's, scaled by the Pearson dispersion, as `trends.small_sample_interval`), and the pooled
        degrees of freedom are Barnard and Rubin's with the residual degrees of freedom as the complete-data ones.
    """
    _check_model(model)
    origin = int(draws.columns[0])
    fits = trends.fit_many(draws, model, origin, label=label)
    df_complete = fits[0].n_obs - len(fits[0].params)
    pooled = pool_rubin(
        [f.slope for f in fits], [f.se**2 * f.pearson_chi2 / df_complete for f in fits], df_complete=df_complete
    )
    low, high = pooled.interval(CONFIDENCE)
    return FullSpanGrowth(
        label,
        100 * math.expm1(pooled.estimate),
        (100 * math.expm1(low), 100 * math.expm1(high)),
        pooled.estimate,
        math.sqrt(pooled.variance),
        pooled.df,
        pooled.m,
        origin,
        int(draws.columns[-1]),
        model,
    )


def single_growth(series: pd.Series, label: str, model: str = "negbin") -> FullSpanGrowth:
    """The same trend fitted once, on a series without draws (the published years alone).

    Parameters
    ----------
    series : pandas.Series
        Counts indexed by year.
    label, model : str
        What the series is, for descriptions, and the trend model (``negbin`` or ``poisson``).

    Returns
    -------
    FullSpanGrowth
        With m = 1 and the fit's own interval (`trends.INTERVAL_METHOD`).
    """
    _check_model(model)
    origin = int(series.index[0])
    fit = trends.fit_negbin(series, origin) if model == "negbin" else trends.fit_poisson(series, origin)
    return FullSpanGrowth(
        label, fit.apc, fit.apc_ci, fit.slope, fit.se, math.inf, 1, origin, int(series.index[-1]), model
    )
