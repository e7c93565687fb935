"""The dark-figure analysis' figures: every method's estimate with its profile interval, and the precision study."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .plotting import headroom, plain_axis, source_caption

#: Captions of the figures: a simulated population, or list tables given as data.
SIMULATED_SOURCE = "Source: a simulated Finland-like population of lists (parameters population and seed); no real data"
TABLES_SOURCE = "Source: the list tables of the run's data_dir (CSV: 0/1 list columns and count)"


def estimates_figure(table: pd.DataFrame, truth: float | None = None, source: str = TABLES_SOURCE) -> plt.Figure:
    """Estimates with profile intervals, one row per dataset and method (log scale); the truth as a line.

    Parameters
    ----------
    table : pandas.DataFrame
        From `every_method`.
    truth : float, optional
        The true total of a simulated population.
    source : str
        The caption naming where the list tables came from.

    Returns
    -------
    matplotlib.figure.Figure
    """
    ok = table[table["problem"] == ""].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(ok) + 1.2))
    y = np.arange(len(ok))
    ax.errorbar(
        ok["estimate"],
        y,
        xerr=[ok["estimate"] - ok["profile_low"], ok["profile_high"] - ok["estimate"]],
        fmt="o",
        capsize=3,
    )
    ax.set_yticks(y, [f"{d} · {m}" for d, m in zip(ok["dataset"], ok["method"])], fontsize=7)
    ax.set_xscale("log")
    ax.invert_yaxis()
    if truth is not None:
        ax.axvline(truth, color="#e45756", linestyle="--", label=f"true total {truth:,.0f}")
        ax.legend(fontsize=8)
    plain_axis(ax, "x")
    ax.set_xlabel("estimated total number of victims, persons (95% profile-likelihood interval)")
    fig.tight_layout()
    return source_caption(fig, source)


def precision_figure(study: pd.DataFrame) -> plt.Figure:
    """Relative interval width and coverage against the size of the lists, one line per dependence level.

    Parameters
    ----------
    study : pandas.DataFrame
        From `precision_study`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for odds, grp in study.groupby("odds_ratio_police_system"):
        axes[0].plot(grp["probability_scale"], grp["relative_width"], "o-", label=f"odds ratio {odds:g}")
        axes[1].plot(grp["probability_scale"], grp["coverage"], "o-", label=f"odds ratio {odds:g}")
    axes[0].set_ylabel("interval width / true total")
    axes[1].set_ylabel("tables whose interval covers\nthe true total / all tables", fontsize=8)
    axes[1].axhline(0.95, color="grey", linestyle=":")
    axes[0].set_ylim(0, None)
    headroom(axes[0])
    axes[1].set_ylim(0, 1.08)  # headroom above a coverage of 1
    for ax in axes:
        ax.set_xlabel("capture probabilities x scale")
        plain_axis(ax, "y")
        plain_axis(ax, "x")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return source_caption(fig, SIMULATED_SOURCE)
