"""The fifteen-year profiles' figure: both series' shares over time with 95% intervals, side by side."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .fifteen_years_counts import SHARES
from .plotting import finish_year_axes, source_caption

_STYLE = {
    "system": dict(marker="o", color="#4c78a8", label="Assistance System: victims admitted"),
    "unodc": dict(marker="s", color="#e45756", label="UNODC: victims detected"),
}


def share_figure(table: pd.DataFrame, key: str) -> plt.Figure:
    """Both series' shares over time with 95% intervals; a year whose count is a range is drawn as a bar only."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    sel = table[table["share"] == key]
    offsets = {"system": -0.12, "unodc": 0.12}
    for series, grp in sel.groupby("series", sort=True):
        style = _STYLE[series]
        x = grp["year"].to_numpy() + offsets[series]
        exact = grp["value"].notna().to_numpy()
        err = np.clip(np.vstack([grp["value"] - grp["ci_low"], grp["ci_high"] - grp["value"]])[:, exact], 0, None)
        ax.errorbar(
            x[exact],
            grp["value"][exact],
            yerr=err,
            fmt=style["marker"],
            color=style["color"],
            capsize=3,
            label=style["label"],
        )
        if (~exact).any():
            ax.vlines(
                x[~exact],
                grp["ci_low"][~exact],
                grp["ci_high"][~exact],
                color=style["color"],
                lw=3,
                alpha=0.5,
                label=f"{style['label'].split(':')[0]}: suppressed cell (range)",
            )
    label = sel["label"].iloc[0] if len(sel) else SHARES[key][3]
    ax.set_ylim(0, min(1.08, max(0.1, float(sel["ci_high"].max()) * 1.15)) if len(sel) else 1.08)  # headroom
    finish_year_axes(
        fig, ax, f"{label} / all victims in the series", f"Share of {label}: both series (95% CIs)", legend_size=7
    )
    return source_caption(
        fig,
        "Sources: Assistance System reviews and releases (admitted); UNODC Global Report on "
        "Trafficking in Persons data (detected). Cited row by row in data/observations.csv.",
    )
