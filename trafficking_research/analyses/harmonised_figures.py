"""The harmonised series' figure: published years, the 2006 first-year figure and the estimated gap years."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .harmonised_series import Harmonised
from .plotting import finish_year_axes

#: The caption of the harmonised series' figure.
HARMONISED_SOURCE = (
    "Source: the Assistance System's published yearly, first-half and cumulative figures and UNODC's detected "
    "victims, as cited in data/observations.csv; estimated years are model draws"
)


def estimated_points(ax: plt.Axes, table: pd.DataFrame, label: str, **style: object) -> None:
    """Estimated years as open points with their 95% draw intervals (columns year, value, low, high)."""
    ax.errorbar(
        table["year"],
        table["value"],
        yerr=[table["value"] - table["low"], table["high"] - table["value"]],
        fmt="o",
        mfc="white",
        capsize=3,
        zorder=2,
        label=label,
        **style,
    )


def figure(h: Harmonised) -> plt.Figure:
    """Published years as filled points, the 2006 first-year figure as a square, estimated years as open points with
    their 95% draw intervals.

    Parameters
    ----------
    h : Harmonised
        From `harmonise`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = h.table
    fig, ax = plt.subplots(figsize=(8, 4.2))
    pub = t[t["flag"] == "published"]
    first = t[t["flag"] == "published_first_year_clients"]
    est = t[t["flag"] == "estimated"]
    ax.plot(t["year"], t["value"], color="0.75", lw=1, zorder=1)
    ax.scatter(pub["year"], pub["value"], color="black", zorder=3, label="published")
    if len(first):
        ax.scatter(
            first["year"],
            first["value"],
            marker="s",
            facecolor="white",
            edgecolor="black",
            zorder=3,
            label="2006: clients in the first year",
        )
    if len(est):
        estimated_points(ax, est, "estimated: median and central 95% of the draws", mec="#e45756", ecolor="#e45756")
    return finish_year_axes(
        fig, ax, "victims admitted", f"Harmonised series: {h.scenario.label}", source=HARMONISED_SOURCE
    )
