"""Forecast and hindcast of victims admitted: trend models fitted up to a year, their prediction intervals, and how
well they predicted the published figures that followed (one origin, and every origin the data allow).

Models (keys): `poisson`, `negbin` (NB2), `joinpoint` (NB2 with one break; the last segment is extrapolated), and
three models on log counts: `last_value` (random walk), `mean_growth` (geometric mean of year-on-year ratios of
consecutive published years) and `arima` (ARIMA(0,1,0) with drift, statsmodels).

Gaps (2014 has no figure): the GLMs simply leave the year out. `last_value` and `mean_growth` use only ratios of
consecutive published years (2013 to 2015 is not a one-year ratio). `arima` is fitted on the full calendar run with
the gap as a missing value; the Kalman filter then treats 2013 to 2015 as a two-year step (mean 2 drifts, variance
2 sigma^2), which is the exact likelihood of a random walk observed with a gap.

Prediction intervals come from a seeded simulation of each model's predictive distribution (`n_sims` draws; the
95% interval is the 2.5% and 97.5% quantiles). GLMs: coefficients and NB2's log alpha drawn from their estimated
normal sampling distribution (inverse observed information; the joinpoint's break year held at its estimate), then
counts from the Poisson or NB2 distribution. The NB2 model (the headline) instead uses the calibrated predictive of
`stats.forecasting`: with ten years the draws above cover the next years' counts in only about 88-92% of NB2 series
(the calibration notebook measures it), because alpha is estimated too small. Log-scale models: sigma^2 drawn from its scaled inverse chi-square
sampling distribution, the drift from its normal distribution given sigma^2, then the random-walk path; for Gaussian
log counts this is exactly the Student-t predictive interval. Point forecasts are the plug-in values: exp(linear
predictor), the expected count, for the GLMs; the last value times exp(h * drift), the predictive median, for the
log-scale models.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from scipy import special

from ..stats import forecasting, trends
from ..errors import ParameterError, SeriesError
from ..reporting.results import Results
from ..data.series import annual_series

MODELS: dict[str, str] = {
    "poisson": "Poisson log-linear",
    "negbin": "negative binomial (NB2) log-linear",
    "joinpoint": "joinpoint NB2 (last segment)",
    "last_value": "last value (random walk on log counts)",
    "mean_growth": "mean growth (geometric mean of yearly ratios)",
    "arima": "ARIMA(0,1,0) with drift on log counts",
}
HEADLINE = "negbin"
SERIES_KEY = "victims_admitted"
MIN_TRAIN_YEARS = 5
MIN_SIMS = 100
QUANTILES = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)
ETA_CAP = 25.0  # cap on a simulated log mean (e^25 is about 7e10), only to keep the samplers finite


@dataclass
class ModelForecast:
    """One model's fit up to `train_end` and its forecasts: point, 95% interval and predictive quantiles per year."""

    model: str
    label: str
    train_end: int
    train: pd.Series
    point: pd.Series
    low: pd.Series
    high: pd.Series
    quantiles: pd.DataFrame
    fitted: pd.Series | None = None
    details: dict = field(default_factory=dict)


def victims_admitted(obs: pd.DataFrame) -> pd.Series:
    """The series forecast here: victims admitted per year, falling back to figures of unspecified client type."""
    s = annual_series(obs, "admitted")
    s.name = "victims admitted"
    return s


def years_table(series: pd.Series, train_end: int) -> pd.DataFrame:
    """Every published year of the series: its value, client type, and whether it trains the models or tests them."""
    types = series.attrs.get("client_type", {})
    return pd.DataFrame({"year": [int(y) for y in series.index], "victims_admitted": series.to_numpy(),
                         "client_type": [types.get(int(y), "") for y in series.index],
                         "role": ["training" if y <= train_end else "hold-out" for y in series.index]})


def check_parameters(series: pd.Series, train_end: int, horizon: int, n_sims: int, seed: int,
                     min_train_years: int = MIN_TRAIN_YEARS) -> pd.Series:
    """The published years up to `train_end`, after checking every parameter; errors name the parameter and rule."""
    s = series.dropna().sort_index()
    years = [int(y) for y in s.index]
    if not years:
        raise SeriesError(f"series '{series.name}' has no published year")
    span = f"{years[0]}-{years[-1]}"
    for name, value in (("train_end", train_end), ("horizon", horizon), ("n_sims", n_sims), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ParameterError(f"parameter '{name}' must be an integer, got {value!r}")
    if not years[0] <= train_end <= years[-1]:
        raise ParameterError(f"parameter 'train_end' = {train_end} is outside the data: series '{series.name}' has "
                             f"published years {span}")
    if train_end not in years:
        raise ParameterError(f"parameter 'train_end' = {train_end} has no published figure in series "
                             f"'{series.name}'; a forecast origin must be a published year ({', '.join(map(str, years))})")
    train = s[s.index <= train_end]
    if len(train) < min_train_years:
        raise ParameterError(f"parameter 'train_end' = {train_end} leaves {len(train)} training year(s) "
                             f"({', '.join(map(str, train.index))}); the models need at least {min_train_years}")
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


def _design(years: np.ndarray, origin: int, breaks: tuple[int, ...] = ()) -> np.ndarray:
    """Intercept, years since `origin`, and a hinge max(year - b, 0) per break: the log-linear design."""
    cols = [np.ones(len(years)), (years - origin).astype(float)]
    cols += [np.clip(years - b, 0, None).astype(float) for b in breaks]
    return np.column_stack(cols)


def _nb2_negloglik(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """NB2 negative log-likelihood in (coefficients, log alpha)."""
    mu = np.exp(X @ theta[:-1])
    r = math.exp(-theta[-1])
    return -float(np.sum(special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
                         + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu))))


def nb2_covariance(y: np.ndarray, X: np.ndarray, params: np.ndarray, alpha: float) -> np.ndarray:
    """Inverse observed information of NB2 at (params, log alpha), by central differences of the log-likelihood.

    `trends.fit_negbin` keeps only the coefficients' block; the forecast also needs log alpha's variance and
    covariances, so that the dispersion's uncertainty enters the prediction intervals.
    """
    theta = np.append(params, math.log(alpha))
    n = len(theta)
    step = 1e-4 * np.maximum(np.abs(theta), 1.0)
    f = lambda th: _nb2_negloglik(th, X, y)  # noqa: E731
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * step[i], np.eye(n)[j] * step[j]
            hess[i, j] = hess[j, i] = (f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej)
                                       + f(theta - ei - ej)) / (4 * step[i] * step[j])
    return np.linalg.inv(hess)


def _count_draws(X: np.ndarray, theta: np.ndarray, cov: np.ndarray, n_sims: int, rng: np.random.Generator,
                 alpha: float | None = None) -> np.ndarray:
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


def _log_draws(last_log: float, drift: float, ss: float, df: int, drift_var_factor: float, horizon: int,
               n_sims: int, rng: np.random.Generator) -> np.ndarray:
    """Counts from a random walk on log counts: sigma^2 ~ ss/chi2(df), drift ~ N(drift, sigma^2 * factor), then the path."""
    sigma2 = ss / rng.chisquare(df, size=n_sims)
    mu = drift + np.sqrt(sigma2 * drift_var_factor) * rng.standard_normal(n_sims)
    steps = mu[:, None] + np.sqrt(sigma2)[:, None] * rng.standard_normal((n_sims, horizon))
    return np.exp(np.minimum(last_log + np.cumsum(steps, axis=1), ETA_CAP))


def _summarise(model: str, train: pd.Series, years: np.ndarray, point: np.ndarray, draws: np.ndarray,
               fitted: pd.Series | None, details: dict) -> ModelForecast:
    """Point forecasts with the 95% interval and quantiles of the simulated predictive distribution."""
    q = np.quantile(draws, QUANTILES, axis=0, method="inverted_cdf")
    quantiles = pd.DataFrame(q.T, index=years, columns=list(QUANTILES))
    return ModelForecast(model, MODELS[model], int(train.index[-1]), train, pd.Series(point, index=years),
                         quantiles[0.025].rename(None), quantiles[0.975].rename(None), quantiles, fitted, details)


def _consecutive_log_ratios(train: pd.Series) -> np.ndarray:
    """log(y_t / y_{t-1}) for every pair of consecutive published years (pairs across a gap are left out)."""
    years, logs = train.index.to_numpy(), np.log(train.to_numpy())
    keep = np.diff(years) == 1
    return np.diff(logs)[keep]


def _fit_glm(model: str, train: pd.Series, future: np.ndarray, n_sims: int, seed: int,
             min_segment: int) -> ModelForecast:
    """Poisson, NB2 or joinpoint NB2 fitted with `trends`, forecast by its parametric bootstrap."""
    train_end = int(train.index[-1])
    years = train.index.to_numpy()
    breaks: tuple[int, ...] = ()
    details: dict = {}
    if model == "poisson":
        origin = train_end
        fit = trends.fit_poisson(train, origin)
        X = _design(years, origin)
        mu = fit.fitted.to_numpy()
        params = np.linalg.lstsq(X, np.log(mu), rcond=None)[0]  # fit_poisson keeps the fitted means, not the betas
        cov = np.linalg.inv(X.T @ (mu[:, None] * X))  # inverse Fisher information of the Poisson GLM
        alpha = 0.0
    elif model == "negbin":
        origin = train_end
        fit = trends.fit_negbin(train, origin)
        params, cov, alpha = fit.params, fit.cov, fit.alpha or 0.0  # type: ignore[attr-defined]
    else:
        jp = trends.joinpoint(train, min_segment=min_segment, n_boot=0)  # only the break year and fit are used
        fit, origin, breaks = jp.model, int(years[0]), (jp.break_year,)
        params, cov, alpha = fit.params, fit.cov, fit.alpha or 0.0  # type: ignore[attr-defined]
        details.update(break_year=jp.break_year, slope_after_break=float(params[1] + params[2]))
    params, cov = np.asarray(params, float), np.asarray(cov, float)
    details.update(origin=origin, params=[float(p) for p in params], alpha=float(alpha), slope=float(fit.slope))
    Xf = _design(future, origin, breaks)
    point = np.exp(Xf @ params)
    rng = _rng(seed, train_end, model)
    if model == "negbin":  # the headline: the calibrated predictive of stats.forecasting
        X = _design(years, origin)
        mu = fit.fitted.to_numpy()
        alpha_m = forecasting.moment_alpha(train.to_numpy(), mu, len(years) - X.shape[1])
        draws = forecasting.calibrated_draws([rng], X, Xf, params[None, :], mu[None, :], np.atleast_1d(alpha_m),
                                             n_sims)[0]
        details.update(alpha_moment=float(alpha_m), interval_method=forecasting.PREDICTIVE_METHOD)
        return _summarise(model, train, future, point, draws, fit.fitted, details)
    full = None
    if alpha > 0:
        try:
            full = nb2_covariance(train.to_numpy(), _design(years, origin, breaks), params, alpha)
            full = full if np.all(np.isfinite(full)) and np.all(np.linalg.eigvalsh(full) > 0) else None
        except np.linalg.LinAlgError:
            full = None
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
            drift, ss, df, factor = 0.0, float(np.sum(r ** 2)), len(r), 0.0
            details = {"sigma2": ss / df, "ratios": len(r)}
        else:
            if len(r) < 2:
                raise SeriesError(f"series '{train.name}': {len(r)} ratio(s) of consecutive published years up to "
                                  f"{train_end}; mean growth needs at least two")
            drift, ss, df, factor = float(r.mean()), float(np.sum((r - r.mean()) ** 2)), len(r) - 1, 1 / len(r)
            details = {"growth_factor": math.exp(drift), "sigma2": ss / df, "ratios": len(r)}
    if df < 1 or ss <= 0:
        raise SeriesError(f"series '{train.name}': too few or constant log changes up to {train_end} for an interval")
    details["drift"] = drift
    point = float(train.iloc[-1]) * np.exp(h * drift)
    draws = _log_draws(last_log, drift, ss, df, factor, int(h[-1]), n_sims, _rng(seed, train_end, model))
    return _summarise(model, train, future, point, draws[:, h - 1], None, details)


def forecast(series: pd.Series, train_end: int = 2020, horizon: int = 4, n_sims: int = 2000, seed: int = 2021,
             models: tuple[str, ...] = tuple(MODELS), min_train_years: int = MIN_TRAIN_YEARS,
             min_segment: int = 3) -> dict[str, ModelForecast]:
    """Every model fitted on the published years up to `train_end`, forecasting the `horizon` calendar years after it."""
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ParameterError(f"parameter 'models': unknown model(s) {', '.join(unknown)} (known: {', '.join(MODELS)})")
    train = check_parameters(series, train_end, horizon, n_sims, seed, min_train_years)
    train.name = series.name
    future = np.arange(train_end + 1, train_end + horizon + 1)
    out = {}
    for m in models:
        if m in ("poisson", "negbin", "joinpoint"):
            out[m] = _fit_glm(m, train, future, n_sims, seed, min_segment)
        else:
            out[m] = _fit_log_model(m, train, future, n_sims, seed)
    return out


def compare(forecasts: dict[str, ModelForecast], series: pd.Series) -> pd.DataFrame:
    """Each forecast year that has a published figure: forecast, interval, actual, error and whether it was covered."""
    rows = []
    for m, f in forecasts.items():
        for year in f.point.index:
            if year not in series.index or pd.isna(series[year]):
                continue
            actual, point, low, high = float(series[year]), float(f.point[year]), float(f.low[year]), float(f.high[year])
            rows.append({"train_end": f.train_end, "model": m, "year": int(year), "horizon": int(year - f.train_end),
                         "actual": actual, "forecast": point, "low": low, "high": high, "error": point - actual,
                         "abs_pct_error": 100 * abs(point - actual) / actual if actual > 0 else np.nan,
                         "covered": bool(low <= actual <= high)})
    cols = ["train_end", "model", "year", "horizon", "actual", "forecast", "low", "high", "error", "abs_pct_error",
            "covered"]
    return pd.DataFrame(rows, columns=cols)


def rolling_origins(series: pd.Series, horizon: int, min_train_years: int = MIN_TRAIN_YEARS) -> list[int]:
    """Published years with at least `min_train_years` published years up to them and a published year within the horizon."""
    years = sorted(int(y) for y in series.dropna().index)
    return [y for i, y in enumerate(years) if i + 1 >= min_train_years and any(y < z <= y + horizon for z in years)]


def rolling_origin(series: pd.Series, horizon: int = 4, n_sims: int = 2000, seed: int = 2021,
                   models: tuple[str, ...] = tuple(MODELS), min_train_years: int = MIN_TRAIN_YEARS
                   ) -> tuple[pd.DataFrame, list[str]]:
    """Forecasts from every origin the data allow (expanding window) against the published figures that followed.

    A model that cannot be fitted at an origin is left out there; its reason is returned with the table.
    """
    origins = rolling_origins(series, horizon, min_train_years)
    if not origins:
        raise ParameterError(f"series '{series.name}': no forecast origin has {min_train_years} training years and a "
                             f"published year within 'horizon' = {horizon}")
    tables, problems = [], []
    for origin in origins:
        for m in models:
            try:
                f = forecast(series, origin, horizon, n_sims, seed, (m,), min_train_years)
            except SeriesError as exc:
                problems.append(f"{m}, train_end {origin}: {exc}")
                continue
            tables.append(compare(f, series))
    return pd.concat(tables, ignore_index=True), problems


def summarise_errors(table: pd.DataFrame) -> pd.DataFrame:
    """Per model, at horizon 1 and over all horizons: count, mean error, MAE, MAPE (%) and 95% interval coverage."""
    rows = []
    for m in [m for m in MODELS if m in set(table["model"])]:
        sub = table[table["model"] == m]
        for label, part in (("1", sub[sub["horizon"] == 1]), ("all", sub)):
            if part.empty:
                continue
            rows.append({"model": m, "horizon": label, "n": len(part), "mean_error": part["error"].mean(),
                         "mae": part["error"].abs().mean(), "mape": part["abs_pct_error"].mean(),
                         "coverage": part["covered"].mean()})
    return pd.DataFrame(rows, columns=["model", "horizon", "n", "mean_error", "mae", "mape", "coverage"])


def forecast_table(forecasts: dict[str, ModelForecast], series: pd.Series) -> pd.DataFrame:
    """Every model's forecasts with their 95% intervals, and the published figure where there is one."""
    rows = []
    for m, f in forecasts.items():
        for year in f.point.index:
            actual = float(series[year]) if year in series.index else np.nan
            rows.append({"model": m, "year": int(year), "forecast": float(f.point[year]), "low": float(f.low[year]),
                         "high": float(f.high[year]), "actual": actual,
                         "covered": bool(f.low[year] <= actual <= f.high[year]) if not np.isnan(actual) else None})
    return pd.DataFrame(rows)


def report(results: Results, forecasts: dict[str, ModelForecast], series: pd.Series, holdout: pd.DataFrame,
           rolling: pd.DataFrame, origins: list[int]) -> None:
    """Record the forecasts (NB2 as the headline), the hold-out errors and the rolling-origin scores in results.json."""
    for m, f in forecasts.items():
        for year in f.point.index:
            actual = float(series[year]) if year in series.index else None
            extra = {"horizon": int(year - f.train_end), "actual": actual}
            if actual is not None:
                extra.update(error=float(f.point[year]) - actual, covered=bool(f.low[year] <= actual <= f.high[year]))
            ci = (float(f.low[year]), float(f.high[year]))
            method = (forecasting.PREDICTIVE_METHOD if m == "negbin" else
                      "seeded simulation of the predictive distribution; not calibrated by the calibration study"
                      if m in ("poisson", "joinpoint") else "seeded simulation of the predictive distribution")
            desc = (f"victims admitted in {year}, forecast from the years up to {f.train_end} by the {f.label} model "
                    f"(95% prediction interval: {method})")
            results.add(f"{m}.{year}.{SERIES_KEY}", float(f.point[year]), "persons", desc, ci=ci, **extra)
            if m == HEADLINE:
                results.add(f"{year}.{SERIES_KEY}", float(f.point[year]), "persons", "headline forecast: " + desc,
                            ci=ci, **extra)
    for _, row in summarise_errors(holdout).query("horizon == 'all'").iterrows():
        base = f"holdout.{row.model}"
        what = f"{MODELS[row.model]}, forecasts from {holdout['train_end'].iloc[0]} of the {row.n} published later years"
        results.add(f"{base}.mae", row.mae, "persons", f"mean absolute error, {what}")
        results.add(f"{base}.mape", row.mape, "percent", f"mean absolute percentage error, {what}")
        results.add(f"{base}.coverage", row.coverage, "proportion", f"share of 95% intervals covering the figure, {what}")
    results.add("rolling.origins", len(origins), "origins", "forecast origins of the rolling-origin evaluation "
                f"(expanding window, at least {MIN_TRAIN_YEARS} training years)", years=origins)
    for _, row in summarise_errors(rolling).iterrows():
        h = "h1" if row.horizon == "1" else "all"
        what = (f"{MODELS[row.model]}, rolling origin, " + ("one year ahead" if h == "h1" else "all horizons pooled")
                + f" ({row.n} forecasts)")
        results.add(f"rolling.{row.model}.{h}.mae", row.mae, "persons", f"mean absolute error, {what}", n=int(row.n))
        results.add(f"rolling.{row.model}.{h}.mape", row.mape, "percent", f"mean absolute percentage error, {what}",
                    n=int(row.n))
        results.add(f"rolling.{row.model}.{h}.coverage", row.coverage, "proportion",
                    f"share of 95% prediction intervals covering the published figure, {what}", n=int(row.n))


COLOURS = {"poisson": "#9d755d", "negbin": "#4c78a8", "joinpoint": "#e45756", "last_value": "#72b7b2",
           "mean_growth": "#f58518", "arima": "#54a24b"}


def forecast_figure(series: pd.Series, forecasts: dict[str, ModelForecast]) -> plt.Figure:
    """One panel per model: training years, fit, forecast fan (50%, 80%, 95%) and the published figures that followed."""
    n = len(forecasts)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False, sharex=True, sharey=True)
    for ax, (m, f) in zip(axes.flat, forecasts.items()):
        colour = COLOURS.get(m, "#4c78a8")
        train, later = series[series.index <= f.train_end], series[series.index > f.train_end]
        q = f.quantiles
        x = np.concatenate([[f.train_end], f.point.index])
        for lo, hi, a in ((0.025, 0.975, 0.15), (0.1, 0.9, 0.2), (0.25, 0.75, 0.3)):
            last = float(train.iloc[-1]) if f.fitted is None else float(f.fitted.iloc[-1])
            ax.fill_between(x, np.r_[last, q[lo]], np.r_[last, q[hi]], color=colour, alpha=a, lw=0)
        if f.fitted is not None:
            ax.plot(f.fitted.index, f.fitted.values, "-", color=colour, lw=1.5)
            ax.plot(x, np.r_[f.fitted.iloc[-1], f.point.values], "--", color=colour, lw=1.5)
        else:
            ax.plot(x, np.r_[train.iloc[-1], f.point.values], "--", color=colour, lw=1.5)
        ax.plot(train.index, train.values, "o", color="black", ms=4, label=f"published, to {f.train_end}")
        ax.plot(later.index, later.values, "D", mfc="white", mec="black", ms=5, label="published later")
        title = f.label + (f", break {f.details['break_year']}" if "break_year" in f.details else "")
        ax.set_title(title, fontsize=8.5)
        ax.axvline(f.train_end + 0.5, color="grey", lw=0.6, ls=":")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=True))
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    top = max(float(series.max()), *(float(f.high.max()) for f in forecasts.values()))
    axes[0][0].set_ylim(0, min(top, 4 * float(series.max())) * 1.05)
    for ax in axes[:, 0]:
        ax.set_ylabel("victims admitted")
    for ax in axes[-1]:
        ax.set_xlabel("year")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Fits to the published years and forecast fans (bands: 50%, 80%, 95% prediction intervals)",
                 fontsize=9.5)
    fig.tight_layout()
    return fig


def rolling_figure(table: pd.DataFrame) -> plt.Figure:
    """Rolling origin: one-year-ahead forecasts and intervals against the published figure; MAPE and coverage by horizon."""
    models = [m for m in MODELS if m in set(table["model"])]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), gridspec_kw={"width_ratios": [1.6, 1, 1]})
    ax = axes[0]
    one = table[table["horizon"] == 1]
    width = 0.8 / len(models)
    for i, m in enumerate(models):
        sub = one[one["model"] == m]
        x = sub["year"] + (i - (len(models) - 1) / 2) * width
        ax.errorbar(x, sub["forecast"], yerr=[sub["forecast"] - sub["low"], sub["high"] - sub["forecast"]], fmt="o",
                    ms=3, lw=1, color=COLOURS.get(m), label=m)
    actual = one.drop_duplicates("year")
    ax.plot(actual["year"], actual["actual"], "D", mfc="white", mec="black", ms=6, label="published", zorder=5)
    ax.set_ylim(0, 2.5 * float(actual["actual"].max()))
    ax.set_title("One year ahead: forecast and 95% interval", fontsize=9)
    ax.set_xlabel("forecast year")
    ax.set_ylabel("victims admitted")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7, ncol=4, loc="upper left")
    by_h = table.groupby(["model", "horizon"]).agg(mape=("abs_pct_error", "mean"), coverage=("covered", "mean"))
    for m in models:
        part = by_h.loc[m]
        axes[1].plot(part.index, part["mape"], "o-", color=COLOURS.get(m), label=m)
        axes[2].plot(part.index, part["coverage"], "o-", color=COLOURS.get(m), label=m)
    axes[1].set_title("Mean absolute percentage error", fontsize=9)
    axes[1].set_ylabel("MAPE (%)")
    axes[2].axhline(0.95, color="grey", ls=":", lw=1)
    axes[2].set_ylim(-0.03, 1.03)
    axes[2].set_title("Coverage of the 95% prediction intervals", fontsize=9)
    axes[2].set_ylabel("share covered")
    for ax in axes[1:]:
        ax.set_xlabel("horizon (years ahead)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    n_h = table.groupby(["horizon", "model"]).size().groupby("horizon").max()
    axes[2].text(0.02, 0.03, "forecasts per model: " + ", ".join(f"h{h}: {c}" for h, c in n_h.items()),
                 transform=axes[2].transAxes, fontsize=7)
    fig.tight_layout()
    return fig
