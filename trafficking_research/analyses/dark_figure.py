"""What the dark_figure notebook shows: a simulated Finland-like scenario against its truth, how precision depends
on list sizes and dependence, and every selection method on every table of a folder."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..errors import TraffickingResearchError
from ..stats.mse.intervals import bootstrap, profile_interval
from ..stats.mse.selection import METHODS, select_model
from ..stats.mse.simulate import expected_dark_share, simulate_table

# A hypothetical scenario, not an estimate for Finland: four lists of plausible relative size, the police and the
# Assistance System positively dependent (the police refer victims to the system). Probabilities are per victim.
FINLAND_LISTS = ("assistance_system", "police", "victim_support", "ngos")
FINLAND_PROBS = (0.25, 0.12, 0.10, 0.15)
FINLAND_DEPENDENCE = {(0, 1): math.log(3.0)}


def method_options(method: str, threshold: float) -> dict[str, Any]:
    """The options a method takes from the notebook's `threshold` (stepwise's tail-probability cut-off)."""
    return {"threshold": threshold} if method == "stepwise" else {}


def estimate_row(table: Any, method: str, threshold: float) -> dict[str, Any]:
    """One method on one table: the chosen model, the total and its profile-likelihood interval, or why not."""
    row: dict[str, Any] = {"dataset": table.name, "method": method, "observed": int(table.n_observed)}
    try:
        fit = select_model(table, method, **method_options(method, threshold))
        prof = profile_interval(fit)
    except TraffickingResearchError as exc:
        row.update(model="", estimate=np.nan, profile_low=np.nan, profile_high=np.nan, problem=str(exc))
        return row
    row.update(model=fit.label, estimate=fit.total, profile_low=prof.lower, profile_high=prof.upper, problem="")
    return row


def every_method(tables: dict[str, Any], threshold: float) -> pd.DataFrame:
    """Every selection method on every table, with profile intervals; refused models keep their reason."""
    return pd.DataFrame([estimate_row(t, m, threshold) for t in tables.values() for m in METHODS])


def scenario_table(n: int, seed: int) -> Any:
    """The simulated Finland-like lists for a population of n victims."""
    import dataclasses

    table = simulate_table(n, FINLAND_PROBS, FINLAND_DEPENDENCE, seed=seed, lists=FINLAND_LISTS)
    return dataclasses.replace(table, name="finland_scenario")


def precision_study(n: int, scales: list[float], dependences: list[float], reps: int, seed: int,
                    method: str = "stepwise", threshold: float = 0.02) -> pd.DataFrame:
    """How the estimate's bias, interval width and coverage depend on list sizes and on police/system dependence.

    For each scale of the capture probabilities and each odds ratio between the first two lists, `reps` seeded
    tables are drawn and estimated; the profile interval's coverage of n and its width relative to n are averaged.
    """
    rows = []
    seeds = np.random.SeedSequence(seed).spawn(len(scales) * len(dependences))
    for i, (scale, odds) in enumerate((s, d) for s in scales for d in dependences):
        probs = [min(0.95, p * scale) for p in FINLAND_PROBS]
        dep = {(0, 1): math.log(odds)}
        estimates, covered, widths, failed = [], 0, [], 0
        for child in seeds[i].spawn(reps):
            table = simulate_table(n, probs, dep, seed=child, lists=FINLAND_LISTS)
            try:
                fit = select_model(table, method, **method_options(method, threshold))
                prof = profile_interval(fit)
            except TraffickingResearchError:
                failed += 1
                continue
            estimates.append(fit.total)
            covered += prof.lower <= n <= prof.upper
            widths.append((prof.upper - prof.lower) / n)
        done = max(1, len(estimates))
        rows.append({"probability_scale": scale, "odds_ratio_police_system": odds,
                     "share_on_no_list": expected_dark_share(probs, dep), "mean_estimate": float(np.mean(estimates)) if estimates else np.nan,
                     "relative_bias": float(np.mean(estimates)) / n - 1 if estimates else np.nan,
                     "coverage": covered / done, "relative_width": float(np.median(widths)) if widths else np.nan,
                     "failed": failed})
    return pd.DataFrame(rows)


def bootstrap_row(table: Any, method: str, threshold: float, n_boot: int, seed: int) -> dict[str, Any]:
    """Percentile and BCa bootstrap intervals that repeat the model selection in every replicate."""
    res = bootstrap(table, method, n_boot=n_boot, seed=seed, **method_options(method, threshold))
    return {"estimate": res.estimate, "percentile": res.percentile, "bca": res.bca,
            "failed": int(np.sum(~np.isfinite(res.replicates)))}


def estimates_figure(table: pd.DataFrame, truth: float | None = None) -> plt.Figure:
    """Estimates with profile intervals, one row per dataset and method (log scale); the truth as a line."""
    ok = table[table["problem"] == ""].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(ok) + 1.2))
    y = np.arange(len(ok))
    ax.errorbar(ok["estimate"], y, xerr=[ok["estimate"] - ok["profile_low"], ok["profile_high"] - ok["estimate"]],
                fmt="o", capsize=3)
    ax.set_yticks(y, [f"{d} · {m}" for d, m in zip(ok["dataset"], ok["method"])], fontsize=7)
    ax.set_xscale("log")
    ax.invert_yaxis()
    if truth is not None:
        ax.axvline(truth, color="#e45756", linestyle="--", label=f"true total {truth:,.0f}")
        ax.legend(fontsize=8)
    ax.set_xlabel("estimated total (95% profile-likelihood interval)")
    fig.tight_layout()
    return fig


def precision_figure(study: pd.DataFrame) -> plt.Figure:
    """Relative interval width and coverage against the size of the lists, one line per dependence level."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for odds, grp in study.groupby("odds_ratio_police_system"):
        axes[0].plot(grp["probability_scale"], grp["relative_width"], "o-", label=f"odds ratio {odds:g}")
        axes[1].plot(grp["probability_scale"], grp["coverage"], "o-", label=f"odds ratio {odds:g}")
    axes[0].set_ylabel("interval width / true total")
    axes[1].set_ylabel("coverage of the true total")
    axes[1].axhline(0.95, color="grey", linestyle=":")
    for ax in axes:
        ax.set_xlabel("capture probabilities x scale")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def setting_key(scale: float, odds: float) -> str:
    """results.json name of one precision-study setting, e.g. precision.scale_0_5.odds_3."""
    fmt = lambda x: f"{x:g}".replace(".", "_")  # noqa: E731
    return f"precision.scale_{fmt(scale)}.odds_{fmt(odds)}"
