"""The context analysis' figures: rates per 100,000 over time, rates by form of exploitation, and persons prosecuted
and convicted per detected victim (Finland highlighted; bounds of '<5' cells as open markers).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .context_tables import COUNTRIES, FOCUS, FORMS, NAMES
from .plotting import plain_axis


def rates_figure(rates: pd.DataFrame) -> plt.Figure:
    """Detected victims per 100,000 over time with exact 95% intervals; Finland highlighted, bounds as open markers."""
    fig, ax = plt.subplots(figsize=(8, 4.4))
    colours = dict(zip(COUNTRIES, ["#d62728", "#4c78a8", "#72b7b2", "#f58518", "#54a24b", "#b279a2"]))
    for country in COUNTRIES:
        r = rates[rates["country"] == country].sort_values("year")
        if r.empty:
            continue
        focus = country == FOCUS
        exact = r[r["rate"].notna()]
        line = _gapped(r, "rate")
        ax.plot(
            line.index,
            line.values,
            "o-",
            color=colours[country],
            lw=2.6 if focus else 1.1,
            ms=5 if focus else 3.5,
            alpha=1 if focus else 0.75,
            zorder=3 if focus else 2,
            label=NAMES[country] + (" (highlighted)" if focus else ""),
        )
        ax.vlines(exact["year"], exact["low"], exact["high"], color=colours[country], lw=1, alpha=0.5)
        bounded = r[r["rate"].isna()]
        if len(bounded):
            ax.plot(bounded["year"], bounded["bound"], "v", mfc="none", color=colours[country], ms=6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")
    ax.set_ylabel("detected victims per 100,000 inhabitants")
    ax.set_title(
        "Detected victims per 100,000 (UNODC GLOTIP; bars: exact 95% CI; open triangles: upper bound of a '<5' cell)",
        fontsize=9,
    )
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def forms_figure(by_form: dict[str, pd.DataFrame]) -> plt.Figure:
    """Small multiples: one panel per country, detected victims per 100,000 by form of exploitation."""
    fig, axes = plt.subplots(2, 3, figsize=(11, 6), sharex=True)
    styles = {"forced_labour": ("#4c78a8", "o-"), "sexual_exploitation": ("#e45756", "s-"), "other": ("#54a24b", "^-")}
    for ax, country in zip(axes.ravel(), COUNTRIES):
        for form, table in by_form.items():
            r = table[table["country"] == country].sort_values("year")
            colour, style = styles[form]
            line = _gapped(r, "rate")
            ax.plot(line.index, line.values, style, color=colour, ms=3.5, lw=1.2, label=FORMS[form])
            bounded = r[r["rate"].isna()]
            if len(bounded):
                ax.plot(bounded["year"], bounded["bound"], style[0], mfc="none", color=colour, ms=4, ls="none")
        ax.set_title(
            NAMES[country] + (" (focus)" if country == FOCUS else ""),
            fontsize=9,
            fontweight="bold" if country == FOCUS else "normal",
        )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    for ax in axes[:, 0]:
        ax.set_ylabel("per 100,000")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(
        "Detected victims per 100,000 by form of exploitation (open markers: upper bound of a '<5' cell)", fontsize=10
    )
    fig.tight_layout()
    return fig


def per_victim_figure(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Prosecuted and convicted persons per detected victim, by country, with exact intervals (log scale)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    colours = dict(zip(COUNTRIES, ["#d62728", "#4c78a8", "#72b7b2", "#f58518", "#54a24b", "#b279a2"]))
    for ax, (stage, table) in zip(axes, tables.items()):
        for i, country in enumerate(COUNTRIES):
            r = table[table["country"] == country]
            x = r["year"] + (i - 2.5) * 0.1
            exact = r[r["ratio"].notna()]
            ax.errorbar(
                x[exact.index],
                exact["ratio"],
                yerr=[exact["ratio"] - exact["low"], exact["high"] - exact["ratio"]],
                fmt="o",
                ms=3.5,
                color=colours[country],
                lw=0.8,
                label=NAMES[country],
                alpha=1 if country == FOCUS else 0.7,
            )
            # Upper bounds only: a ratio whose denominator is "<5" has no finite upper bound to draw.
            bounded = r[r["ratio"].isna() & np.isfinite(r["bound"].astype(float))]
            ax.plot(x[bounded.index], bounded["bound"], "v", mfc="none", color=colours[country], ms=4)
        ax.set_yscale("log")
        plain_axis(ax, "y")  # 0.01, 0.1, 1, not powers of ten
        ax.set_title(f"persons {stage} per detected victim", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("year")
    axes[0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def _gapped(table: pd.DataFrame, column: str) -> pd.Series:
    """A column by year over the table's whole year range, NaN where no exact figure: lines break at gaps."""
    if table.empty:
        return pd.Series(dtype=float)
    years = range(int(table["year"].min()), int(table["year"].max()) + 1)
    return table.set_index("year")[column].astype(float).reindex(years)
