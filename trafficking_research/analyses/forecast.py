"""The forecast analysis: trend models of victims admitted fitted up to `train_end`, their forecasts with prediction
intervals against the figures published since, and a rolling-origin evaluation. The notebook `forecast` calls this
module; the statistics are `stats.forecasting` (one origin), `stats.forecast_models` and `stats.forecast_evaluation`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..config import GROWTH_SERIES, VICTIMS_ADMITTED
from ..data.series import victims_admitted
from ..stats import forecast_evaluation, forecasting
from ..stats.forecast_evaluation import published, score
from ..stats.forecast_models import MIN_TRAIN_YEARS, MODELS, ModelForecast
from ..stats.result import Estimate
from .base import Analysis
from .declarations import FORECAST, observation_inputs
from .parameters import declared
from .plotting import DATA_SOURCE, headroom, plain_axis, source_caption

#: The model whose forecasts are reported as the headline.
HEADLINE = "negbin"
#: The series forecast (its definition is the growth analysis' in config.py) and its result key.
SERIES_LABEL = VICTIMS_ADMITTED
SERIES_KEY = GROWTH_SERIES[SERIES_LABEL][0]


def years_table(series: pd.Series, train_end: int) -> pd.DataFrame:
    """Every published year of the series: its value, client type, and whether it trains the models or tests them.

    Parameters
    ----------
    series : pandas.Series
        Victims admitted per year (from `victims_admitted`).
    train_end : int
        The forecast origin.

    Returns
    -------
    pandas.DataFrame
        ``year, victims_admitted, client_type, role``.
    """
    types = series.attrs.get("client_type", {})
    return pd.DataFrame(
        {
            "year": [int(y) for y in series.index],
            "victims_admitted": series.to_numpy(),
            "client_type": [types.get(int(y), "") for y in series.index],
            "role": ["training" if y <= train_end else "hold-out" for y in series.index],
        }
    )


def forecast_estimates(forecasts: Mapping[str, ModelForecast], series: pd.Series) -> list[Estimate]:
    """Every model's forecast per year (``<model>.<year>.victims_admitted``) with the published figure, error and
    coverage where there is one; the headline model's also as ``<year>.victims_admitted``.

    Parameters
    ----------
    forecasts : Mapping of str to ModelForecast
        Forecasts by model key.
    series : pandas.Series
        The published figures.

    Returns
    -------
    list of Estimate
    """
    out = []
    for m, f in forecasts.items():
        for e in f.estimates:
            year = int(e.name)
            actual = published(series, year)
            extra = {**e.extra, "actual": actual}
            if actual is not None:
                scored = score(f, year, actual)
                extra.update(error=scored["error"], covered=scored["covered"])
            e = replace(e, extra=extra)
            out.append(e.renamed(f"{m}.{year}.{SERIES_KEY}"))
            if m == HEADLINE:
                out.append(e.renamed(f"{year}.{SERIES_KEY}", "headline forecast: " + e.description))
    return out


def holdout_estimates(holdout: pd.DataFrame) -> list[Estimate]:
    """Per model: MAE, MAPE and coverage of the forecasts from one origin over the published years that followed.

    Parameters
    ----------
    holdout : pandas.DataFrame
        Forecasts against published figures (from `forecast_evaluation.compare`).

    Returns
    -------
    list of Estimate
        Named ``holdout.<model>.mae``, ``.mape`` and ``.coverage``.
    """
    out = []
    for _, row in forecast_evaluation.summarise_errors(holdout).query("horizon == 'all'").iterrows():
        base = f"holdout.{row.model}"
        what = (
            f"{MODELS[row.model]}, forecasts from {holdout['train_end'].iloc[0]} of the {row.n} published later years"
        )
        out += [
            Estimate(f"{base}.mae", row.mae, "persons", f"mean absolute error, {what}"),
            Estimate(f"{base}.mape", row.mape, "percent", f"mean absolute percentage error, {what}"),
            Estimate(
                f"{base}.coverage", row.coverage, "proportion", f"share of 95% intervals covering the figure, {what}"
            ),
        ]
    return out


@declared(FORECAST, observation_inputs)
def run(
    obs: pd.DataFrame,
    *,
    train_end: int,
    horizon: int,
    n_sims: int,
    seed: int,
    min_train_years: int = MIN_TRAIN_YEARS,
    min_segment: int = 3,
) -> Analysis:
    """The forecast analysis: every model's forecasts from `train_end`, the hold-out errors and the rolling origin.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    {parameters}
    min_train_years : int
        Fewest published years a model is fitted on.
    min_segment : int
        Fewest observed years on each side of the joinpoint model's break.

    Returns
    -------
    Analysis
        Estimates (``<year>.victims_admitted`` headline forecasts, ``<model>.<year>.victims_admitted``,
        ``holdout.*``, ``rolling.*``), tables (``years``, ``forecasts``, ``holdout_errors``,
        ``rolling_origin_forecasts``, ``rolling_origin_summary``), figures (``forecast_fans``, ``rolling_origin``),
        models (each `ModelForecast` by key, and ``rolling``, the `RollingOrigin`) and a note per model that could
        not be fitted at a rolling origin.
    """
    series = victims_admitted(obs)
    forecasting.check_parameters(series, train_end, horizon, n_sims, seed, min_train_years)
    params = dict(
        train_end=train_end,
        horizon=horizon,
        n_sims=n_sims,
        seed=seed,
        min_train_years=min_train_years,
        min_segment=min_segment,
    )
    out = Analysis("forecast", params)
    out.table("years", years_table(series, train_end))

    forecasts = forecasting.forecast(
        series, train_end, horizon, n_sims, seed, min_train_years=min_train_years, min_segment=min_segment
    )
    out.models.update(forecasts)
    out.table("forecasts", forecast_evaluation.forecast_table(forecasts, series))
    holdout = out.table("holdout_errors", forecast_evaluation.compare(forecasts, series))
    out.add(forecast_estimates(forecasts, series))
    out.add(holdout_estimates(holdout))

    rolling = forecast_evaluation.rolling_origin(
        series, horizon, n_sims, seed, min_train_years=min_train_years, min_segment=min_segment
    )
    out.models["rolling"] = rolling
    out.notes += [f"not fitted: {m}, train_end {origin}: {exc}" for (m, origin), exc in rolling.failures.items()]
    out.table("rolling_origin_forecasts", rolling.table)
    out.table("rolling_origin_summary", rolling.summary_table)
    out.add(rolling.estimates, prefix="rolling")

    out.figure("forecast_fans", forecast_figure(series, forecasts))
    out.figure("rolling_origin", rolling_figure(rolling.table))
    return out


COLOURS = {
    "poisson": "#9d755d",
    "negbin": "#4c78a8",
    "joinpoint": "#e45756",
    "last_value": "#72b7b2",
    "mean_growth": "#f58518",
    "arima": "#54a24b",
}


def forecast_figure(series: pd.Series, forecasts: Mapping[str, ModelForecast]) -> plt.Figure:
    """One panel per model: training years, fit, forecast fan (50%, 80%, 95%) and the published figures that followed.

    Parameters
    ----------
    series : pandas.Series
        The published figures.
    forecasts : Mapping of str to ModelForecast
        Forecasts by model key.

    Returns
    -------
    matplotlib.figure.Figure
    """
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
    axes[0][0].set_ylim(0, min(top, 4 * float(series.max())) * 1.08)  # headroom above the highest point
    for ax in axes.flat[:n]:
        plain_axis(ax, "y")
    for ax in axes[:, 0]:
        ax.set_ylabel("victims admitted in the year")
    for ax in axes[-1]:
        ax.set_xlabel("year")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(
        "Fits to the published years and forecast fans (bands: 50%, 80%, 95% prediction intervals)", fontsize=9.5
    )
    fig.tight_layout()
    return source_caption(fig, DATA_SOURCE)


def rolling_figure(table: pd.DataFrame) -> plt.Figure:
    """Rolling origin: one-year-ahead forecasts and intervals against the published figure; MAPE and coverage by horizon.

    Parameters
    ----------
    table : pandas.DataFrame
        The rolling-origin forecasts (`RollingOrigin.table`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    models = [m for m in MODELS if m in set(table["model"])]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), gridspec_kw={"width_ratios": [1.6, 1, 1]})
    ax = axes[0]
    one = table[table["horizon"] == 1]
    width = 0.8 / len(models)
    for i, m in enumerate(models):
        sub = one[one["model"] == m]
        x = sub["year"] + (i - (len(models) - 1) / 2) * width
        ax.errorbar(
            x,
            sub["forecast"],
            yerr=[sub["forecast"] - sub["low"], sub["high"] - sub["forecast"]],
            fmt="o",
            ms=3,
            lw=1,
            color=COLOURS.get(m),
            label=m,
        )
    actual = one.drop_duplicates("year")
    ax.plot(actual["year"], actual["actual"], "D", mfc="white", mec="black", ms=6, label="published", zorder=5)
    ax.set_ylim(0, 2.5 * float(actual["actual"].max()))
    ax.set_title("One year ahead: forecast and 95% interval", fontsize=9)
    ax.set_xlabel("forecast year")
    ax.set_ylabel("victims admitted in the year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    plain_axis(ax, "y")
    ax.legend(fontsize=7, ncol=4, loc="upper left")
    by_h = table.groupby(["model", "horizon"]).agg(mape=("abs_pct_error", "mean"), coverage=("covered", "mean"))
    for m in models:
        part = by_h.loc[m]
        axes[1].plot(part.index, part["mape"], "o-", color=COLOURS.get(m), label=m)
        axes[2].plot(part.index, part["coverage"], "o-", color=COLOURS.get(m), label=m)
    axes[1].set_title("Mean absolute percentage error", fontsize=9)
    axes[1].set_ylabel("MAPE (% of the published figure)")
    axes[1].set_ylim(0, None)
    headroom(axes[1])
    plain_axis(axes[1], "y")
    axes[2].axhline(0.95, color="grey", ls=":", lw=1)
    axes[2].set_ylim(-0.03, 1.07)  # headroom above a coverage of 1
    axes[2].set_title("Coverage of the 95% prediction intervals", fontsize=9)
    axes[2].set_ylabel("forecasts whose interval covers\nthe published figure / all forecasts", fontsize=8)
    for ax in axes[1:]:
        ax.set_xlabel("horizon (years ahead)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    n_h = table.groupby(["horizon", "model"]).size().groupby("horizon").max()
    axes[2].text(
        0.02,
        0.03,
        "forecasts per model: " + ", ".join(f"h{h}: {c}" for h, c in n_h.items()),
        transform=axes[2].transAxes,
        fontsize=7,
    )
    fig.tight_layout()
    return source_caption(fig, DATA_SOURCE)
