"""Forecasts of a yearly count series from one origin: every model of `stats.forecast_models` fitted on the published
years up to `train_end`, after the parameters are checked.

Pure statistics: a series in, frozen results out; no files, no figures. How well the forecasts did is
`stats.forecast_evaluation` (one origin against the figures that followed, or every origin).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError, SeriesError
from .forecast_models import GLM_MODELS, MIN_SIMS, MIN_TRAIN_YEARS, MODELS, ModelForecast, fit_glm, fit_log_model


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
            out[m] = fit_glm(m, train, future, n_sims, seed, min_segment)
        else:
            out[m] = fit_log_model(m, train, future, n_sims, seed)
    return out
