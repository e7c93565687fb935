"""The figures of the analysis after the fifteen years (`recent`): the whole series with its joinpoint model, the
admission share by year, and the nowcast's back-test."""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import pandas as pd

from ..stats.segmented import SegmentedTrend
from .harmonised import HARMONISED_SOURCE, Harmonised
from .harmonised_figures import estimated_points
from .plotting import DATA_SOURCE, finish_year_axes, headroom


def _mark_change(ax: plt.Axes, changed: dt.date) -> None:
    x = (
        changed.year - 0.5
        if (changed.month, changed.day) == (1, 1)
        else changed.year + (changed.timetuple().tm_yday / 365)
    )
    ax.axvline(x, color="0.35", linestyle=":", linewidth=1.2)
    ax.annotate(
        f"amendments in force\n{changed:%-d %b %Y}",
        (x, 0.98),
        xycoords=("data", "axes fraction"),
        ha="right",
        va="top",
        fontsize=8,
        color="0.3",
        xytext=(-3, 0),
        textcoords="offset points",
    )


def series_figure(series: pd.Series, h: Harmonised | None, seg: SegmentedTrend, changed: dt.date) -> plt.Figure:
    """Victims admitted per year (estimated gap years with their 95% range), the fitted joinpoint trend and its
    break years."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    estimated = set(h.gap_years) if h is not None else set()
    pub = series[[y not in estimated for y in series.index]]
    ax.plot(pub.index, pub.to_numpy(), "o", color="C0", label="published")
    if h is not None:
        t = h.table[h.table["year"].isin(sorted(estimated)) & h.table["year"].isin(series.index)]
        estimated_points(ax, t, "estimated gap year (median, 95% of draws)", color="C0")
    fitted = seg.model.fitted
    band = seg.model.band
    ax.plot(fitted.index, fitted.to_numpy(), color="C1", label="NB2 joinpoint trend")
    ax.fill_between(band.index, band["low"], band["high"], color="C1", alpha=0.15, linewidth=0)
    for b, (lo, hi) in zip(seg.breaks, seg.break_intervals):
        ax.axvspan(lo - 0.5, hi + 0.5, color="C3", alpha=0.08)
        ax.axvline(b, color="C3", linewidth=1, label=f"break {b} (95% interval {lo}-{hi})")
    _mark_change(ax, changed)
    headroom(ax)
    title = f"Victims admitted {series.index[0]}-{series.index[-1]}: " + seg.verdict.split(":")[0]
    source = HARMONISED_SOURCE if h is not None else DATA_SOURCE
    return finish_year_axes(fig, ax, "victims admitted per year", title, source=source)


def admission_figure(table: pd.DataFrame, changed: dt.date) -> plt.Figure:
    """Victims admitted per person referred, by year, with 95% Wilson intervals."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    y = table["share"].to_numpy()
    ax.errorbar(table["year"], y, yerr=[y - table["low"], table["high"] - y], fmt="o", color="C0", capsize=3)
    ax.plot([], [], "o", color="C0", label="victims admitted / persons referred, 95% Wilson interval")
    _mark_change(ax, changed)
    ax.set_ylim(0, 1)
    return finish_year_axes(
        fig, ax, "victims admitted per person referred", "Admissions per referral", source=DATA_SOURCE
    )


def backtest_figure(table: pd.DataFrame) -> plt.Figure:
    """Each year's nowcast from its first half (left out of the history) against the published full year."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    x = table["year"].to_numpy()
    ax.errorbar(
        x - 0.12,
        table["nowcast"],
        yerr=[table["nowcast"] - table["low"], table["high"] - table["nowcast"]],
        fmt="s",
        color="C1",
        capsize=3,
        label="nowcast from the first half, 95% interval",
    )
    ax.plot(x + 0.12, table["naive"], "x", color="0.4", label="twice the first half")
    ax.plot(x, table["full_year"], "o", color="C0", label="published full year")
    headroom(ax)
    title = "The year from its first half: each year nowcast with itself left out"
    return finish_year_axes(fig, ax, "victims admitted in the year", title, source=DATA_SOURCE)


__all__ = ["admission_figure", "backtest_figure", "series_figure"]
