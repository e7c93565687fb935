"""What the data audit reports: coverage of years by series, conflicts between sources, identities checked, gaps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..data.codes import KEY_COLUMNS
from ..data.observations import identity_checks
from ..config import CORE_SERIES
from ..data.series import coverage


def _rows(obs: pd.DataFrame) -> list[dict[str, str]]:
    frame = obs.copy()
    for col in ("period_start", "period_end"):
        frame[col] = frame[col].dt.strftime("%Y-%m-%d")
    frame["_line"] = frame["line"].astype(str)
    frame["value"] = frame["value"].astype(float)
    return [{k: (v if k == "value" else str(v)) for k, v in r.items()} for r in frame.to_dict("records")]


def identity_table(obs: pd.DataFrame, exempt: frozenset[str] = frozenset({"identified"})) -> pd.DataFrame:
    """Every identity checked on the preferred counts, with its parts and whether it holds."""
    return pd.DataFrame(identity_checks(_rows(obs), exempt))


def conflicts(obs: pd.DataFrame) -> pd.DataFrame:
    """Keys for which sources give different values: the preferred value and source against the others."""
    out = []
    for key, group in obs.groupby(list(KEY_COLUMNS), observed=True, sort=True):
        if group["value"].nunique() < 2:
            continue
        pref = group[group["status"] == "preferred"]
        others = group[group["value"] != (pref["value"].iloc[0] if len(pref) else np.nan)]
        out.append({
            "period": f"{key[0]:%Y-%m-%d}..{key[1]:%Y-%m-%d}",
            "series": "/".join(str(k) for k in key[2:]),
            "preferred": pref["value"].iloc[0] if len(pref) else None,
            "preferred_source": pref["source_id"].iloc[0] if len(pref) else None,
            "other_values": "; ".join(f"{v:g} ({s})" for v, s in zip(others["value"], others["source_id"])),
            "reason": pref["note"].iloc[0] if len(pref) else group["note"].iloc[0],
        })
    return pd.DataFrame(out)


def core_coverage(obs: pd.DataFrame) -> pd.DataFrame:
    """Years x the analyses' core series (NaN where no source gives the figure)."""
    return coverage(obs, CORE_SERIES)


def gaps(table: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Per series, the years between `first_year` and `last_year` with no published figure."""
    years = range(first_year, last_year + 1)
    full = table.reindex(years)
    rows = [{"series": col.strip(), "missing_years": ", ".join(str(y) for y in years if pd.isna(full.loc[y, col])) or "none"}
            for col in full.columns]
    return pd.DataFrame(rows)


def coverage_figure(table: pd.DataFrame) -> plt.Figure:
    """Heat-map of which years have a figure for each series (the number printed in each cell)."""
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(max(8, 0.55 * len(table)), 0.42 * len(table.columns) + 1.5))
    present = table.T.notna().astype(float)
    labels = table.T.map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    sns.heatmap(present, ax=ax, cmap=["#f2f2f2", "#4c78a8"], cbar=False, linewidths=0.5, linecolor="white",
                annot=labels.values, fmt="", annot_kws={"fontsize": 7, "color": "white"})
    ax.set_xlabel("year")
    ax.set_ylabel("")
    ax.set_title("Published figures per year (blank: no source gives the number)")
    fig.tight_layout()
    return fig
