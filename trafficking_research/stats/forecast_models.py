"""The forecast models of a yearly count series: trend and log-scale models fitted up to a year, and their predictive
distributions by seeded simulation (`stats.forecasting.forecast` runs them; `stats.forecast_evaluation` scores them).

Pure statistics: a series in, frozen results and tables out; no files, no figures.

Models (keys): `poisson`, `negbin` (NB2), `joinpoint` (NB2 with one break; the last segment is extrapolated), and
three models on log counts: `last_value` (random walk), `mean_growth` (geometric mean of year-on-year ratios of
consecutive published years) and `arima` (ARIMA(0,1,0) with drift, statsmodels).

Gaps (a year without a figure): the GLMs simply leave the year out. `last_value` and `mean_growth` use only ratios of
consecutive published years (2013 to 2015 is not a one-year ratio). `arima` is fitted on the full calendar run with
the gap as a missing value; the Kalman filter then treats 2013 to 2015 as a two-year step (mean 2 drifts, variance
2 sigma^2), which is the exact likelihood of a random walk observed with a gap.

Prediction intervals come from a seeded simulation of each model's predictive distribution (`n_sims` draws; the
95% interval is the 2.5% and 97.5% quantiles). GLMs: coefficients and NB2's log alpha drawn from their estimated
normal sampling distribution (the inverse observed information the trend fit keeps, `TrendFit.cov` and
`TrendFit.cov_log_alpha`; the joinpoint's break year held at its estimate), then counts from the Poisson or NB2
distribution. Log-scale models: sigma^2 drawn from its scaled inverse chi-square sampling distribution, the drift
from its normal distribution given sigma^2, then the random-walk path; for Gaussian log counts this is exactly the
Student-t predictive interval. Point forecasts are the plug-in values: exp(linear predictor), the expected count, for
the GLMs; the last value times exp(h * drift), the predictive median, for the log-scale models. In simulations with
15 years of NB2 counts the NB2 interval covers about 93% rather than 95%: the dispersion is estimated with a downward
bias from so few years (holding alpha at its estimate gives about 90%).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config import CONFIDENCE, MIN_FORECAST_SIMS
from ..errors import SeriesError
from . import trends
from .breaks import joinpoint as joinpoint_model
from .calibrated_predictive import PREDICTIVE_METHOD, calibrated_draws, moment_alpha
from .forecast_draws import count_draws, log_draws
from .result import Estimate, Result

#: Model key -> readable name.
MODELS: dict[str, str] = {
    "poisson": "Poisson log-linear",
    "negbin": "negative binomial (NB2) log-linear",
    "joinpoint": "joinpoint NB2 (last segment)",
    "last_value": "last value (random walk on log counts)",
    "mean_growth": "mean growth (geometric mean of yearly ratios)",
    "arima": "ARIMA(0,1,0) with drift on log counts",
}
GLM_MODELS: tuple[str, ...] = ("poisson", "negbin", "joinpoint")
#: Fewest published years a model is fitted on.
MIN_TRAIN_YEARS = 5
#: Fewest simulated draws for a 95% interval.
MIN_SIMS = MIN_FORECAST_SIMS
#: Quantiles of each predictive distribution kept; the outer two are the ends of the 95% prediction interval.
LOW, HIGH = 0.025, 0.975
QUANTILES = (LOW, 0.1, 0.25, 0.5, 0.75, 0.9, HIGH)
assert math.isclose(HIGH - LOW, CONFIDENCE), "the prediction interval's quantiles must match config.CONFIDENCE"


def interval_method(model: str) -> str:
    """How a model's prediction interval is made, as the reported values' descriptions say it."""
    if model == "negbin":
        return PREDICTIVE_METHOD
    if model in ("poisson", "joinpoint"):
        return "seeded simulation of the predictive distribution; not calibrated by the calibration study"
    return "seeded simulation of the predictive distribution"


@dataclass(frozen=True, eq=False)
class ModelForecast(Result):
    """One model's fit up to `train_end` and its forecasts: point, 95% interval and predictive quantiles per year.

    Attributes
    ----------
    model, label : str
        Model key (see `MODELS`) and readable name.
    train_end : int
        The forecast origin: the last year the model was fitted on.
    train : pandas.Series
        The published years it was fitted on.
    point, low, high : pandas.Series
        Point forecast and the 95% prediction interval per forecast year.
    quantiles : pandas.DataFrame
        Quantiles (`QUANTILES`, columns) of the simulated predictive distribution per forecast year (rows).
    fitted : pandas.Series or None
        Fitted means over the training years (GLMs only).
    details : Mapping
        The fit's parameters (``params``, ``alpha``, ``slope``, ``drift``, ``sigma2``, ``break_year``, ...).
    """

    model: str
    label: str
    train_end: int
    train: pd.Series
    point: pd.Series
    low: pd.Series
    high: pd.Series
    quantiles: pd.DataFrame
    fitted: pd.Series | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def series_label(self) -> str:
        """The name of the series forecast, as descriptions use it."""
        return str(self.train.name) if self.train.name is not None else "the series"

    def description(self, year: int) -> str:
        """What the forecast of `year` is and how its interval was computed."""
        return (
            f"{self.series_label} in {year}, forecast from the years up to {self.train_end} by the {self.label} "
            f"model ({CONFIDENCE:.0%} prediction interval: {interval_method(self.model)})"
        )

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """Per forecast year (named by the year): the point forecast with its 95% prediction interval and horizon."""
        return tuple(
            Estimate(
                str(int(year)),
                float(self.point[year]),
                "persons",
                self.description(int(year)),
                ci=(float(self.low[year]), float(self.high[year])),
                extra={"horizon": int(year - self.train_end)},
            )
            for year in self.point.index
        )


def _rng(seed: int, train_end: int, model: str) -> np.random.Generator:
    """A generator per (seed, origin, model), so that a model's draws do not depend on which other models run."""
    return np.random.default_rng([seed, train_end, list(MODELS).index(model)])


def _summarise(
    model: str,
    train: pd.Series,
    years: np.ndarray,
    point: np.ndarray,
    draws: np.ndarray,
    fitted: pd.Series | None,
    details: dict[str, Any],
) -> ModelForecast:
    """Point forecasts with the 95% interval and quantiles of the simulated predictive distribution."""
    q = np.quantile(draws, QUANTILES, axis=0, method="inverted_cdf")
    quantiles = pd.DataFrame(q.T, index=years, columns=list(QUANTILES))
    return ModelForecast(
        model,
        MODELS[model],
        int(train.index[-1]),
        train,
        pd.Series(point, index=years),
        quantiles[LOW].rename(None),
        quantiles[HIGH].rename(None),
        quantiles,
        fitted,
        details,
    )


def _consecutive_log_ratios(train: pd.Series) -> np.ndarray:
    """log(y_t / y_{t-1}) for every pair of consecutive published years (pairs across a gap are left out)."""
    years, logs = train.index.to_numpy(), np.log(train.to_numpy())
    keep = np.diff(years) == 1
    return np.diff(logs)[keep]


def fit_glm(
    model: str, train: pd.Series, future: np.ndarray, n_sims: int, seed: int, min_segment: int
) -> ModelForecast:
    """Poisson, NB2 or joinpoint NB2 fitted with `trends`, forecast by its parametric bootstrap.

    Parameters
    ----------
    model : str
        ``poisson``, ``negbin`` (the calibrated NB2 predictive) or ``joinpoint``.
    train : pandas.Series
        The published years up to the origin (from `stats.forecasting.check_parameters`).
    future : numpy.ndarray
        The calendar years forecast.
    n_sims, seed : int
        Simulated draws of the predictive distribution and their seed.
    min_segment : int
        Fewest observed years on each side of the joinpoint model's break.

    Returns
    -------
    ModelForecast
    """
    train_end = int(train.index[-1])
    years = train.index.to_numpy()
    breaks: tuple[int, ...] = ()
    details: dict[str, Any] = {}
    if model == "poisson":
        origin = train_end
        fit = trends.fit_poisson(train, origin)
    elif model == "negbin":
        origin = train_end
        fit = trends.fit_negbin(train, origin)
    else:
        jp = joinpoint_model(train, min_segment=min_segment, n_boot=0)  # only the break year and fit are used
        fit, origin, breaks = jp.model, int(years[0]), (jp.break_year,)
        details.update(break_year=jp.break_year, slope_after_break=float(fit.params[1] + fit.params[2]))
    params, cov = np.asarray(fit.params, float), np.asarray(fit.cov, float)
    alpha = fit.alpha or 0.0
    details.update(origin=origin, params=[float(p) for p in params], alpha=float(alpha), slope=float(fit.slope))
    Xf = trends.design(future, origin, breaks)
    point = np.exp(Xf @ params)
    rng = _rng(seed, train_end, model)
    if model == "negbin":  # the headline: the calibrated predictive (see `calibrated_draws`)
        X = trends.design(years, origin)
        mu = fit.fitted.to_numpy()
        alpha_m = moment_alpha(train.to_numpy(), mu, len(years) - X.shape[1])
        draws = calibrated_draws([rng], X, Xf, params[None, :], mu[None, :], np.atleast_1d(alpha_m), n_sims)[0]
        details.update(alpha_moment=float(alpha_m), interval_method=PREDICTIVE_METHOD)
        return _summarise(model, train, future, point, draws, fit.fitted, details)
    full = fit.cov_log_alpha if alpha > 0 else None
    if full is not None:  # NB2: log alpha drawn with the coefficients
        draws = count_draws(Xf, np.append(params, math.log(alpha)), full, n_sims, rng)
        details["log_alpha_se"] = float(math.sqrt(full[-1, -1]))
    else:  # Poisson; NB2 at its boundary alpha = 0 (the Poisson model); or a flat likelihood in alpha: alpha held
        draws = count_draws(Xf, params, cov, n_sims, rng, alpha=alpha)
        details["alpha_held_fixed"] = alpha > 0
    return _summarise(model, train, future, point, draws, fit.fitted, details)


def _fit_arima(train: pd.Series) -> tuple[float, float, int]:
    """ARIMA(0,1,0) with drift on log counts over the calendar run, gaps as missing: (drift, sigma^2, n steps)."""
    from statsmodels.tsa.arima.model import ARIMA

    years = train.index.to_numpy()
    full = np.log(train.reindex(range(int(years[0]), int(years[-1]) + 1)).to_numpy())
    d, k = np.diff(np.log(train.to_numpy())), np.diff(years)
    start = [float(np.mean(d / k)), float(np.var(d / np.sqrt(k))) or 1e-4]  # moments of the steps, to start the search
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ARIMA(full, order=(0, 1, 0), trend="t").fit(start_params=start)
    params = dict(zip(res.param_names, res.params))
    return float(params["x1"]), float(params["sigma2"]), len(train) - 1


def fit_log_model(model: str, train: pd.Series, future: np.ndarray, n_sims: int, seed: int) -> ModelForecast:
    """Last value, mean growth or ARIMA on log counts, forecast by simulating the random walk with drawn parameters.

    Parameters
    ----------
    model : str
        ``last_value``, ``mean_growth`` or ``arima``.
    train : pandas.Series
        The published years up to the origin (positive counts).
    future : numpy.ndarray
        The calendar years forecast.
    n_sims, seed : int
        Simulated draws of the predictive distribution and their seed.

    Returns
    -------
    ModelForecast
    """
    train_end = int(train.index[-1])
    last_log = math.log(float(train.iloc[-1]))
    h = future - train_end
    details: dict[str, Any]
    if model == "arima":
        drift, sigma2, n = _fit_arima(train)
        span = int(train.index[-1] - train.index[0])
        ss, df, factor = n * sigma2, n - 1, 1 / span
        details = {"drift": drift, "sigma2": sigma2, "steps": n, "span_years": span}
    else:
        r = _consecutive_log_ratios(train)
        if model == "last_value":
            if len(r) < 1:
                raise SeriesError(f"series '{train.name}': no two consecutive published years up to {train_end}")
            drift, ss, df, factor = 0.0, float(np.sum(r**2)), len(r), 0.0
            details = {"sigma2": ss / df, "ratios": len(r)}
        else:
            if len(r) < 2:
                raise SeriesError(
                    f"series '{train.name}': {len(r)} ratio(s) of consecutive published years up to "
                    f"{train_end}; mean growth needs at least two"
                )
            drift, ss, df, factor = float(r.mean()), float(np.sum((r - r.mean()) ** 2)), len(r) - 1, 1 / len(r)
            details = {"growth_factor": math.exp(drift), "sigma2": ss / df, "ratios": len(r)}
    if df < 1 or ss <= 0:
        raise SeriesError(f"series '{train.name}': too few or constant log changes up to {train_end} for an interval")
    details["drift"] = drift
    point = float(train.iloc[-1]) * np.exp(h * drift)
    draws = log_draws(last_log, drift, ss, df, factor, int(h[-1]), n_sims, _rng(seed, train_end, model))
    return _summarise(model, train, future, point, draws[:, h - 1], None, details)
