"""How well the forecasts predicted the figures that followed: each forecast scored once against the published figure
(actual, error, absolute percentage error, whether the 95% interval covered it), the tables built from those scores,
and the rolling-origin evaluation (forecasts from every origin the data allow, expanding window).

Pure statistics: forecasts and a series in, tables and frozen results out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FitError, ParameterError, SeriesError
from .forecast_models import MIN_TRAIN_YEARS, MODELS, ModelForecast
from .forecasting import forecast
from .result import Estimate, Result


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


def published(series: pd.Series, year: int) -> float | None:
    """The published figure of `year`, or None when the series has none (absent or NaN).

    Parameters
    ----------
    series : pandas.Series
        The published figures, indexed by year.
    year : int
        A forecast year.

    Returns
    -------
    float or None
    """
    if year not in series.index or pd.isna(series[year]):
        return None
    return float(series[year])


def score(f: ModelForecast, year: int, actual: float) -> dict[str, Any]:
    """One forecast against the published figure: the one place the error and the interval's coverage are computed.

    Parameters
    ----------
    f : ModelForecast
        A model's forecasts.
    year : int
        A forecast year of `f`.
    actual : float
        The published figure of `year`.

    Returns
    -------
    dict
        ``actual, forecast, low, high, error`` (forecast minus actual), ``abs_pct_error`` (percent of the actual;
        NaN when it is 0) and ``covered`` (whether the 95% prediction interval holds the actual).
    """
    point, low, high = float(f.point[year]), float(f.low[year]), float(f.high[year])
    return {
        "actual": actual,
        "forecast": point,
        "low": low,
        "high": high,
        "error": point - actual,
        "abs_pct_error": 100 * abs(point - actual) / actual if actual > 0 else np.nan,
        "covered": bool(low <= actual <= high),
    }


#: Columns of `compare`.
COMPARE_COLUMNS = [
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
        high, error, abs_pct_error, covered`` (the scores of `score`).
    """
    rows = []
    for m, f in forecasts.items():
        for year in f.point.index:
            actual = published(series, year)
            if actual is None:
                continue
            head = {"train_end": f.train_end, "model": m, "year": int(year), "horizon": int(year - f.train_end)}
            rows.append({**head, **score(f, year, actual)})
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)


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
        ``model, year, forecast, low, high, actual, covered``, one row per model and forecast year (``actual`` NaN and
        ``covered`` None where there is no published figure).
    """
    rows = []
    for m, f in forecasts.items():
        for year in f.point.index:
            actual = published(series, year)
            scored = score(f, year, actual) if actual is not None else {"actual": np.nan, "covered": None}
            rows.append(
                {
                    "model": m,
                    "year": int(year),
                    "forecast": float(f.point[year]),
                    "low": float(f.low[year]),
                    "high": float(f.high[year]),
                    "actual": scored["actual"],
                    "covered": scored["covered"],
                }
            )
    return pd.DataFrame(rows)
