"""Forecasts of a yearly count series: trend and log-scale models fitted up to a year, their predictive distributions
by seeded simulation, and how well they predicted the figures that followed (one origin, or every origin).

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

from ..config import CONFIDENCE
from ..errors import FitError, ParameterError, SeriesError
from . import trends
from .breaks import joinpoint as joinpoint_model
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
MIN_SIMS = 100
#: Quantiles of each predictive distribution kept; the outer two are the ends of the 95% prediction interval.
LOW, HIGH = 0.025, 0.975
QUANTILES = (LOW, 0.1, 0.25, 0.5, 0.75, 0.9, HIGH)
assert math.isclose(HIGH - LOW, CONFIDENCE), "the prediction interval's quantiles must match config.CONFIDENCE"
ETA_CAP = 25.0  # cap on a simulated log mean (e^25 is about 7e10), only to keep the samplers finite


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


@dataclass(frozen=True, eq=False)
class RollingOrigin(Result):
    """Forecasts from every origin the data allow (expanding window), scored against the published figures.

    Attributes
    ----------
    origins : tuple of int
        The forecast origins.
    min_train_years : int
        Fewest training years of an origin.
    table : pandas.DataFrame
        Every forecast that has a published figure (the columns of `compare`).
    failures : Mapping
        ``(model, origin) -> FitError`` for each model that could not be fitted at an origin (left out of `table`).
    """

    origins: tuple[int, ...]
    min_train_years: int
    table: pd.DataFrame
    failures: Mapping[tuple[str, int], FitError] = field(default_factory=dict)

    @property
    def summary_table(self) -> pd.DataFrame:
        """Per model, at horizon 1 and over all horizons: count, mean error, MAE, MAPE and coverage."""
        return summarise_errors(self.table)

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The number of origins, and per model MAE, MAPE and coverage one year ahead (``h1``) and pooled (``all``)."""
        out = [
            Estimate(
                "origins",
                len(self.origins),
                "origins",
                "forecast origins of the rolling-origin evaluation "
                f"(expanding window, at least {self.min_train_years} training years)",
                extra={"years": list(self.origins)},
            )
        ]
        for _, row in self.summary_table.iterrows():
            h = "h1" if row.horizon == "1" else "all"
            what = (
                f"{MODELS[row.model]}, rolling origin, "
                + ("one year ahead" if h == "h1" else "all horizons pooled")
                + f" ({row.n} forecasts)"
            )
            n = {"n": int(row.n)}
            out += [
                Estimate(f"{row.model}.{h}.mae", row.mae, "persons", f"mean absolute error, {what}", extra=n),
                Estimate(
                    f"{row.model}.{h}.mape", row.mape, "percent", f"mean absolute percentage error, {what}", extra=n
                ),
                Estimate(
                    f"{row.model}.{h}.coverage",
                    row.coverage,
                    "proportion",
                    f"share of 95% prediction intervals covering the published figure, {what}",
                    extra=n,
                ),
            ]
        return tuple(out)


def check_parameters(
    series: pd.Series, train_end: int, horizon: int, n_sims: int, seed: int, min_train_years: int = MIN_TRAIN_YEARS
) -> pd.Series:
    """The published years up to `train_end`, after checking every parameter; errors name the parameter and rule.

    Parameters
    ----------
    series : pandas.Series
        Counts indexed by year.
    train_end : int
        The forecast origin: a published year.
    horizon : int
        Years forecast after `train_end` (at least 1).
    n_sims : int
        Simulated draws per predictive distribution (at least `MIN_SIMS`).
    seed : int
        Non-negative seed of the simulations.
    min_train_years : int
        Fewest published years up to `train_end`.

    Returns
    -------
    pandas.Series
        The training years, as floats.
    """
    s = series.dropna().sort_index()
    years = [int(y) for y in s.index]
    if not years:
        raise SeriesError(f"series '{series.name}' has no published year")
    span = f"{years[0]}-{years[-1]}"
    for name, value in (("train_end", train_end), ("horizon", horizon), ("n_sims", n_sims), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ParameterError(f"parameter '{name}' must be an integer, got {value!r}")
    if not years[0] <= train_end <= years[-1]:
        raise ParameterError(
            f"parameter 'train_end' = {train_end} is outside the data: series '{series.name}' has "
            f"published years {span}"
        )
    if train_end not in years:
        raise ParameterError(
            f"parameter 'train_end' = {train_end} has no published figure in series "
            f"'{series.name}'; a forecast origin must be a published year ({', '.join(map(str, years))})"
        )
    train = s[s.index <= train_end]
    if len(train) < min_train_years:
        raise ParameterError(
            f"parameter 'train_end' = {train_end} leaves {len(train)} training year(s) "
            f"({', '.join(map(str, train.index))}); the models need at least {min_train_years}"
        )
    if horizon < 1:
        raise ParameterError(f"parameter 'horizon' must be at least 1 (years ahead), got {horizon}")
    if n_sims < MIN_SIMS:
        raise ParameterError(f"parameter 'n_sims' must be at least {MIN_SIMS} for a 95% interval, got {n_sims}")
    if seed < 0:
        raise ParameterError(f"parameter 'seed' must be a non-negative integer, got {seed}")
    if (train < 0).any() or (train != np.round(train)).any():
        raise SeriesError(f"series '{series.name}': counts must be whole and non-negative")
    if (train <= 0).any():
        raise SeriesError(f"series '{series.name}': the log-scale models need positive counts up to {train_end}")
    return train.astype(float)


def _rng(seed: int, train_end: int, model: str) -> np.random.Generator:
    """A generator per (seed, origin, model), so that a model's draws do not depend on which other models run."""
    return np.random.default_rng([seed, train_end, list(MODELS).index(model)])


def _count_draws(
    X: np.ndarray, theta: np.ndarray, cov: np.ndarray, n_sims: int, rng: np.random.Generator, alpha: float | None = None
) -> np.ndarray:
    """Counts from a log-linear GLM's predictive: parameters ~ N(theta, cov), then Poisson or NB2 (gamma-Poisson).

    With `alpha` None the last entry of theta is log alpha and is drawn with the coefficients; with alpha given it is
    held there (0: Poisson).
    """
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise SeriesError("the parameter covariance is not positive definite; no predictive draws") from None
    draws = theta + rng.standard_normal((n_sims, len(theta))) @ chol.T
    k = X.shape[1]
    mu = np.exp(np.minimum(draws[:, :k] @ X.T, ETA_CAP))
    a = np.exp(np.minimum(draws[:, k], ETA_CAP))[:, None] if alpha is None else alpha
    lam = rng.gamma(shape=1 / a, scale=a * mu) if alpha is None or alpha > 1e-6 else mu
    return rng.poisson(lam).astype(float)


def _log_draws(
    last_log: float,
    drift: float,
    ss: float,
    df: int,
    drift_var_factor: float,
    horizon: int,
    n_sims: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Counts from a random walk on log counts: sigma^2 ~ ss/chi2(df), drift ~ N(drift, sigma^2 * factor), then the path."""
    sigma2 = ss / rng.chisquare(df, size=n_sims)
    mu = drift + np.sqrt(sigma2 * drift_var_factor) * rng.standard_normal(n_sims)
    steps = mu[:, None] + np.sqrt(sigma2)[:, None] * rng.standard_normal((n_sims, horizon))
    return np.exp(np.minimum(last_log + np.cumsum(steps, axis=1), ETA_CAP))


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


def _fit_glm(
    model: str, train: pd.Series, future: np.ndarray, n_sims: int, seed: int, min_segment: int
) -> ModelForecast:
    """Poisson, NB2 or joinpoint NB2 fitted with `trends`, forecast by its parametric bootstrap."""
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
        draws = _count_draws(Xf, np.append(params, math.log(alpha)), full, n_sims, rng)
        details["log_alpha_se"] = float(math.sqrt(full[-1, -1]))
    else:  # Poisson; NB2 at its boundary alpha = 0 (the Poisson model); or a flat likelihood in alpha: alpha held
        draws = _count_draws(Xf, params, cov, n_sims, rng, alpha=alpha)
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


def _fit_log_model(model: str, train: pd.Series, future: np.ndarray, n_sims: int, seed: int) -> ModelForecast:
    """Last value, mean growth or ARIMA on log counts, forecast by simulating the random walk with drawn parameters."""
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
    draws = _log_draws(last_log, drift, ss, df, factor, int(h[-1]), n_sims, _rng(seed, train_end, model))
    return _summarise(model, train, future, point, draws[:, h - 1], None, details)


def forecast(
    series: pd.Series,
    train_end: int = 2020,
    horizon: int = 4,
    n_sims: int = 2000,
    seed: int = 2021,
    models: tuple[str, ...] = tuple(MODELS),
    min_train_years: int = MIN_TRAIN_YEARS,
    min_segment: int = 3,
) -> dict[str, ModelForecast]:
    """Every model fitted on the published years up to `train_end`, forecasting the `horizon` calendar years after it.

    Parameters
    ----------
    series : pandas.Series
        Counts indexed by year; years without a figure are absent (or NaN).
    train_end : int
        The forecast origin, a published year.
    horizon : int
        Calendar years forecast after `train_end`.
    n_sims : int
        Simulated draws of each predictive distribution.
    seed : int
        Seed of the simulations (each model and origin has its own stream).
    models : tuple of str
        Model keys (see `MODELS`).
    min_train_years : int
        Fewest published years up to `train_end`.
    min_segment : int
        Fewest observed years on each side of the joinpoint model's break.

    Returns
    -------
    dict of str to ModelForecast
        By model key, in the order of `models`.
    """
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ParameterError(f"parameter 'models': unknown model(s) {', '.join(unknown)} (known: {', '.join(MODELS)})")
    train = check_parameters(series, train_end, horizon, n_sims, seed, min_train_years)
    train.name = series.name
    future = np.arange(train_end + 1, train_end + horizon + 1)
    out = {}
    for m in models:
        if m in GLM_MODELS:
            out[m] = _fit_glm(m, train, future, n_sims, seed, min_segment)
        else:
            out[m] = _fit_log_model(m, train, future, n_sims, seed)
    return out


def compare(forecasts: Mapping[str, ModelForecast], series: pd.Series) -> pd.DataFrame:
    """Each forecast year that has a published figure: forecast, interval, actual, error and whether it was covered.

    Parameters
    ----------
    forecasts : Mapping of str to ModelForecast
        Forecasts by model key.
    series : pandas.Series
        The published figures.

    Returns
    -------
    pandas.DataFrame
        One row per model and forecast year with a figure: ``train_end, model, year, horizon, actual, forecast, low,
        high, error, abs_pct_error, covered``.
    """
    rows = []
    for m, f in forecasts.items():
        for year in f.point.index:
            if year not in series.index or pd.isna(series[year]):
                continue
            actual, point, low, high = (
                float(series[year]),
                float(f.point[year]),
                float(f.low[year]),
                float(f.high[year]),
            )
            rows.append(
                {
                    "train_end": f.train_end,
                    "model": m,
                    "year": int(year),
                    "horizon": int(year - f.train_end),
                    "actual": actual,
                    "forecast": point,
                    "low": low,
                    "high": high,
                    "error": point - actual,
                    "abs_pct_error": 100 * abs(point - actual) / actual if actual > 0 else np.nan,
                    "covered": bool(low <= actual <= high),
                }
            )
    cols = [
        "train_end",
        "model",
        "year",
        "horizon",
        "actual",
        "forecast",
        "low",
        "high",
        "error",
        "abs_pct_error",
        "covered",
    ]
    return pd.DataFrame(rows, columns=cols)


def rolling_origins(series: pd.Series, horizon: int, min_train_years: int = MIN_TRAIN_YEARS) -> list[int]:
    """Published years with at least `min_train_years` published years up to them and a published year within the horizon.

    Parameters
    ----------
    series : pandas.Series
        Counts indexed by year.
    horizon : int
        Longest horizon scored.
    min_train_years : int
        Fewest published years up to an origin.

    Returns
    -------
    list of int
        The origins, in order.
    """
    years = sorted(int(y) for y in series.dropna().index)
    return [y for i, y in enumerate(years) if i + 1 >= min_train_years and any(y < z <= y + horizon for z in years)]


def rolling_origin(
    series: pd.Series,
    horizon: int = 4,
    n_sims: int = 2000,
    seed: int = 2021,
    models: tuple[str, ...] = tuple(MODELS),
    min_train_years: int = MIN_TRAIN_YEARS,
    min_segment: int = 3,
) -> RollingOrigin:
    """Forecasts from every origin the data allow (expanding window) against the published figures that followed.

    A model that cannot be fitted at an origin (a `SeriesError`) is left out there and its error kept in
    ``failures``.

    Parameters
    ----------
    series : pandas.Series
        Counts indexed by year.
    horizon : int
        Longest horizon forecast and scored.
    n_sims, seed : int
        Simulated draws per predictive distribution and their seed (as in `forecast`).
    models : tuple of str
        Model keys.
    min_train_years : int
        Fewest published years up to an origin.
    min_segment : int
        Fewest observed years on each side of the joinpoint model's break.

    Returns
    -------
    RollingOrigin
    """
    origins = rolling_origins(series, horizon, min_train_years)
    if not origins:
        raise ParameterError(
            f"series '{series.name}': no forecast origin has {min_train_years} training years and a "
            f"published year within 'horizon' = {horizon}"
        )
    tables, failures = [], {}
    for origin in origins:
        for m in models:
            try:
                f = forecast(series, origin, horizon, n_sims, seed, (m,), min_train_years, min_segment)
            except SeriesError as exc:
                failures[(m, origin)] = exc
                continue
            tables.append(compare(f, series))
    return RollingOrigin(tuple(origins), min_train_years, pd.concat(tables, ignore_index=True), failures)


def summarise_errors(table: pd.DataFrame) -> pd.DataFrame:
    """Per model, at horizon 1 and over all horizons: count, mean error, MAE, MAPE (%) and 95% interval coverage.

    Parameters
    ----------
    table : pandas.DataFrame
        Forecasts against published figures (the columns of `compare`).

    Returns
    -------
    pandas.DataFrame
        ``model, horizon ("1" or "all"), n, mean_error, mae, mape, coverage``.
    """
    rows = []
    for m in [m for m in MODELS if m in set(table["model"])]:
        sub = table[table["model"] == m]
        for label, part in (("1", sub[sub["horizon"] == 1]), ("all", sub)):
            if part.empty:
                continue
            rows.append(
                {
                    "model": m,
                    "horizon": label,
                    "n": len(part),
                    "mean_error": part["error"].mean(),
                    "mae": part["error"].abs().mean(),
                    "mape": part["abs_pct_error"].mean(),
                    "coverage": part["covered"].mean(),
                }
            )
    return pd.DataFrame(rows, columns=["model", "horizon", "n", "mean_error", "mae", "mape", "coverage"])


def forecast_table(forecasts: Mapping[str, ModelForecast], series: pd.Series) -> pd.DataFrame:
    """Every model's forecasts with their 95% intervals, and the published figure where there is one.

    Parameters
    ----------
    forecasts : Mapping of str to ModelForecast
        Forecasts by model key.
    series : pandas.Series
        The published figures.

    Returns
    -------
    pandas.DataFrame
        ``model, year, forecast, low, high, actual, covered``, one row per model and forecast year.
    """
    rows = []
    for m, f in forecasts.items():
        for year in f.point.index:
            actual = float(series[year]) if year in series.index else np.nan
            rows.append(
                {
                    "model": m,
                    "year": int(year),
                    "forecast": float(f.point[year]),
                    "low": float(f.low[year]),
                    "high": float(f.high[year]),
                    "actual": actual,
                    "covered": bool(f.low[year] <= actual <= f.high[year]) if not np.isnan(actual) else None,
                }
            )
    return pd.DataFrame(rows)


# --- the calibrated NB2 predictive ------------------------------------------------------------------------------
#
# Calibrated prediction intervals for NB2 trend forecasts of yearly counts.
#
# With ten years of counts the NB2 dispersion alpha is estimated too small, and a predictive simulation that draws the
# coefficients and log alpha from their normal sampling distribution covers the next years' counts in only about 88-92%
# of series shaped like the real one (the calibration study, `stats.calibration`, measures it). The method here:
#
# 1. alpha from the degrees-of-freedom-corrected moment equation: the alpha at which the Pearson statistic
#    sum (y - mu)^2 / (mu (1 + alpha mu)) equals n - p (0 when the Poisson fit already leaves less than n - p);
# 2. per predictive draw a scale s = k / chi2(k), k = n - p - 1 (alpha counted among the estimated parameters),
#    standing for the sampling uncertainty of that moment estimate (for Gaussian data this construction with k = n - p
#    gives exactly the Student-t prediction interval); where the moment equation finds no overdispersion (alpha 0) the
#    Poisson variance is taken as it is, s = 1;
# 3. coefficients ~ N(estimate, s x inverse information at the moment alpha), then counts ~ NB2(mu, s alpha).
#
# The study chose k = n - p - 1 over n - p, and s = 1 at alpha 0, by coverage (calibration notebook): with k = n - p the
# interval covered 92-93% of fast-growing overdispersed series one year ahead, and drawing s for Poisson-like series
# made it cover 97-98% of them.
#
# Pure functions on arrays: the analysis calls them for one series, the calibration study for thousands at once.


def interval_method(model: str) -> str:
    """How a model's prediction interval is made, as the reported values' descriptions say it."""
    if model == "negbin":
        return PREDICTIVE_METHOD
    if model in ("poisson", "joinpoint"):
        return "seeded simulation of the predictive distribution; not calibrated by the calibration study"
    return "seeded simulation of the predictive distribution"


CALIBRATED_ETA_CAP = 30.0  # cap on a simulated log mean in the calibrated predictive, only to keep it finite

#: How the calibrated NB2 prediction intervals are made, for the descriptions of the reported values.
PREDICTIVE_METHOD = (
    "NB2 predictive simulation with alpha from the degrees-of-freedom-corrected Pearson moment "
    "equation and its sampling uncertainty as k/chi2(k), k = n - p - 1; chosen by the calibration study"
)


def moment_alpha(y: np.ndarray, mu: np.ndarray, df: int, iterations: int = 60) -> np.ndarray:
    """The degrees-of-freedom-corrected moment estimate of the NB2 dispersion, per row.

    Parameters
    ----------
    y, mu : numpy.ndarray
        Counts and fitted means, shape ``(R, n)`` (or ``(n,)`` for one series).
    df : int
        Residual degrees of freedom, ``n - p``.
    iterations : int
        Bisection steps on [0, 10] (60 steps: below 1e-17 of the bracket).

    Returns
    -------
    numpy.ndarray
        alpha per row, 0 where the Pearson statistic at alpha = 0 is at most `df` (shape ``(R,)``, or a 0-d array).
    """
    y, mu = np.asarray(y, dtype=float), np.asarray(mu, dtype=float)
    one = y.ndim == 1
    y, mu = np.atleast_2d(y), np.atleast_2d(mu)
    r2 = (y - mu) ** 2

    def excess(a: np.ndarray) -> np.ndarray:
        return np.sum(r2 / (mu * (1 + a[:, None] * mu)), axis=1) - df

    lo, hi = np.zeros(len(y)), np.full(len(y), 10.0)
    positive = excess(lo) > 0
    for _ in range(iterations):  # the statistic falls as alpha grows
        mid = (lo + hi) / 2
        above = excess(mid) > 0
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    out = np.where(positive, (lo + hi) / 2, 0.0)
    return out[0] if one else out


def predictive_counts(rngs: list[np.random.Generator], mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """NB2 counts (gamma-Poisson) per replicate: mu[i] (S x H) with dispersion alpha[i] (broadcast; 0: Poisson)."""
    out = np.empty_like(mu)
    for i, rng in enumerate(rngs):
        a = np.asarray(alpha[i])
        if np.all(a <= 0):
            out[i] = rng.poisson(mu[i])
        else:
            a = np.broadcast_to(a, mu[i].shape)
            out[i] = rng.poisson(rng.gamma(shape=1 / a, scale=a * mu[i]))
    return out


def calibrated_draws(
    rngs: list[np.random.Generator],
    X: np.ndarray,
    Xf: np.ndarray,
    beta: np.ndarray,
    mu: np.ndarray,
    alpha_m: np.ndarray,
    n_sims: int,
) -> np.ndarray:
    """Draws of future counts from the calibrated NB2 predictive distribution, for R fitted series at once.

    Parameters
    ----------
    rngs : list of numpy.random.Generator
        One generator per series (the draws of series i use only rngs[i]).
    X, Xf : numpy.ndarray
        Design of the fitted years (n x p) and of the future years (H x p).
    beta : numpy.ndarray
        Coefficients of each series' fit, ``(R, p)``.
    mu : numpy.ndarray
        Fitted means, ``(R, n)``.
    alpha_m : numpy.ndarray
        Moment estimates of alpha (`moment_alpha`), ``(R,)``.
    n_sims : int
        Draws per series.

    Returns
    -------
    numpy.ndarray
        Simulated counts, ``(R, n_sims, H)``.
    """
    n, p = X.shape
    df = n - p
    k = df - 1  # alpha counted among the estimated parameters
    s = k / np.stack([rng.chisquare(k, size=n_sims) for rng in rngs])
    # where the moment equation finds no overdispersion the Poisson variance is taken as it is (no scale drawn)
    s = np.where(alpha_m[:, None] > 0, s, 1.0)
    w = mu / (1 + alpha_m[:, None] * mu)
    info = np.matmul((w[:, :, None] * X).transpose(0, 2, 1), X)
    chol = np.linalg.cholesky(np.linalg.inv(info))
    z = np.stack([rng.standard_normal((n_sims, p)) for rng in rngs]) @ chol.transpose(0, 2, 1)
    mu_f = np.exp(np.minimum((beta[:, None, :] + z * np.sqrt(s)[..., None]) @ Xf.T, CALIBRATED_ETA_CAP))
    return predictive_counts(rngs, mu_f, (alpha_m[:, None] * s)[..., None])
