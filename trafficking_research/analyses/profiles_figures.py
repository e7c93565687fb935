"""The profiles analysis' figures: shares over the years with their intervals, and counts stacked by part."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .plotting import DATA_SOURCE, finish_year_axes, headroom, with_gaps

#: The figures of the analysis: file stem -> (drawing, breakdown, title).
FIGURES: dict[str, tuple[str, str, str]] = {
    "share_place": ("shares", "place", "Share exploited in Finland and abroad"),
    "share_forms_finland": (
        "shares",
        "form, exploited in Finland",
        "Forms of exploitation among victims exploited in Finland",
    ),
    "stacked_forms_finland": ("stacked", "form, exploited in Finland", "Victims exploited in Finland by form (counts)"),
    "share_minors": ("shares", "age", "Share of minors among victims admitted"),
}


#: What each breakdown's share divides: y-axis labels of the share figures (part / whole).
SHARE_LABELS: dict[str, str] = {
    "place": "victims exploited there /\nall victims admitted",
    "form, exploited in Finland": "victims of the form /\nvictims exploited in Finland",
    "age": "victims in the age group /\nall victims admitted",
    "sex": "victims of the sex /\nall victims admitted",
}


def share_label(breakdown: str) -> str:
    """The y-axis label of a share figure: what is divided by what (a breakdown not listed: part / its total)."""
    return SHARE_LABELS.get(breakdown, f"victims in the part /\nall victims of the breakdown '{breakdown}'")


def shares_figure(table: pd.DataFrame, breakdown: str, title: str) -> plt.Figure:
    """Shares over time with their 95% intervals, one line per part; small denominators drawn hollow.

    Parameters
    ----------
    table : pandas.DataFrame
        Shares from `compositions`.
    breakdown : str
        The breakdown drawn.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(7, 3.8))
    sel = table[table["breakdown"] == breakdown]
    for part, grp in sel.groupby("part", sort=True):
        grp = grp.sort_values("year")
        err = np.vstack([grp["share"] - grp["ci_low"], grp["ci_high"] - grp["share"]])
        line = ax.errorbar(grp["year"], grp["share"], yerr=err, fmt="o", capsize=3, label=part.replace("_", " "))
        gapped = with_gaps(grp.set_index("year")["share"])  # the line breaks where a year has no figure
        ax.plot(gapped.index, gapped.to_numpy(), "-", color=line[0].get_color())
        small = grp[grp["small"]]
        ax.plot(small["year"], small["share"], "o", mfc="white", color=line[0].get_color())
    ax.set_ylim(0, 1.08)  # headroom above a share of 1
    return finish_year_axes(fig, ax, share_label(breakdown), title, source=DATA_SOURCE)


def stacked_figure(table: pd.DataFrame, breakdown: str, title: str) -> plt.Figure:
    """Stacked counts of the published parts per year (the remainder up to the total drawn grey).

    Parameters
    ----------
    table : pandas.DataFrame
        Shares from `compositions`.
    breakdown : str
        The breakdown drawn.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    sel = table[table["breakdown"] == breakdown]
    pivot = sel.pivot_table(index="year", columns="part", values="count", aggfunc="first").fillna(0)
    totals = sel.groupby("year")["total"].first()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    bottom = np.zeros(len(pivot))
    for part in pivot.columns:
        ax.bar(pivot.index, pivot[part], bottom=bottom, label=part.replace("_", " "))
        bottom += pivot[part].to_numpy()
    rest = totals.reindex(pivot.index).to_numpy() - bottom
    ax.bar(pivot.index, np.clip(rest, 0, None), bottom=bottom, color="#d9d9d9", label="not broken down")
    headroom(ax, 0.1)
    counted = "victims exploited in Finland,\nadmitted in the year" if "Finland" in breakdown else "victims admitted"
    return finish_year_axes(fig, ax, f"{counted} (persons)", title, legend_size=7, source=DATA_SOURCE)
