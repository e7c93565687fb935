"""The dark-figure analysis' simulated scenario: Finland-like lists for a population of known size
(`stats.mse.simulate.FINLAND_PROBS`, `FINLAND_DEPENDENCE`; hypothetical, not an estimate for Finland), and the
precision study: how the estimate's bias, interval width and coverage depend on list sizes and on police/system
dependence.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from ..data.capture_tables import CaptureTable
from ..stats.mse.simulate import (
    FINLAND_DEPENDENCE,
    FINLAND_LISTS,
    FINLAND_PROBS,
    expected_dark_share,
    simulate_table,
)
from ..stats.result import Estimate
from .dark_figure_methods import NOT_ESTIMATED, estimate

# The simulated table's name. Its scenario (`stats.mse.simulate.FINLAND_PROBS`, `FINLAND_DEPENDENCE`) is hypothetical,
# not an estimate for Finland: four lists of plausible relative size, the police and the Assistance System positively
# dependent (the police refer victims to the system). Probabilities are per victim.
SCENARIO = "finland_scenario"
#: Settings of the precision study: scales of every capture probability, and odds ratios police/system.
PRECISION_SCALES = (0.5, 1.0, 2.0)
PRECISION_ODDS = (1.0, 3.0)


def scenario_table(n: int, seed: int) -> CaptureTable:
    """The simulated Finland-like lists for a population of n victims.

    Parameters
    ----------
    n : int
        The true number of victims.
    seed : int
        Seed of the simulation.

    Returns
    -------
    CaptureTable
        Named ``finland_scenario``.
    """
    table = simulate_table(n, FINLAND_PROBS, FINLAND_DEPENDENCE, seed=seed, lists=FINLAND_LISTS)
    return dataclasses.replace(table, name=SCENARIO)


def precision_study(
    n: int,
    scales: list[float],
    dependences: list[float],
    reps: int,
    seed: int,
    method: str = "stepwise",
    threshold: float = 0.02,
) -> pd.DataFrame:
    """How the estimate's bias, interval width and coverage depend on list sizes and on police/system dependence.

    For each scale of the capture probabilities and each odds ratio between the first two lists, `reps` seeded
    tables are drawn and estimated; the profile interval's coverage of n and its width relative to n are averaged.

    Parameters
    ----------
    n : int
        The true total.
    scales, dependences : list of float
        Scales of the capture probabilities and odds ratios between the first two lists.
    reps : int
        Simulated tables per setting.
    seed : int
        Seed of the simulations.
    method : str
        Selection method.
    threshold : float
        Stepwise's cut-off.

    Returns
    -------
    pandas.DataFrame
        One row per setting; tables without an estimate are counted in ``failed``.
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
                fit, prof = estimate(table, method, threshold)
            except NOT_ESTIMATED:
                failed += 1
                continue
            estimates.append(fit.total)
            covered += prof.lower <= n <= prof.upper
            widths.append((prof.upper - prof.lower) / n)
        done = max(1, len(estimates))
        rows.append(
            {
                "probability_scale": scale,
                "odds_ratio_police_system": odds,
                "share_on_no_list": expected_dark_share(probs, dep),
                "mean_estimate": float(np.mean(estimates)) if estimates else np.nan,
                "relative_bias": float(np.mean(estimates)) / n - 1 if estimates else np.nan,
                "coverage": covered / done,
                "relative_width": float(np.median(widths)) if widths else np.nan,
                "failed": failed,
            }
        )
    return pd.DataFrame(rows)


def setting_key(scale: float, odds: float) -> str:
    """results.json name of one precision-study setting, e.g. precision.scale_0_5.odds_3.

    Parameters
    ----------
    scale, odds : float
        The setting's probability scale and odds ratio.

    Returns
    -------
    str
    """
    fmt = lambda x: f"{x:g}".replace(".", "_")  # noqa: E731
    return f"precision.scale_{fmt(scale)}.odds_{fmt(odds)}"


def precision_estimates(study: pd.DataFrame, reps: int) -> list[Estimate]:
    """Per setting of the precision study: the median relative interval width and the coverage of the truth.

    Parameters
    ----------
    study : pandas.DataFrame
        From `precision_study`.
    reps : int
        Simulated tables per setting.

    Returns
    -------
    list of Estimate
        Named ``finland_scenario.precision.scale_<s>.odds_<o>.relative_width`` and ``.coverage``.
    """
    out = []
    for _, row in study.iterrows():
        key = f"{SCENARIO}.{setting_key(row.probability_scale, row.odds_ratio_police_system)}"
        setting = f"capture probabilities x{row.probability_scale:g}, odds ratio {row.odds_ratio_police_system:g}"
        out += [
            Estimate(
                f"{key}.relative_width",
                row.relative_width,
                "ratio",
                f"median 95% interval width over the true total, {setting}, {reps} tables",
            ),
            Estimate(
                f"{key}.coverage",
                row.coverage,
                "proportion",
                f"share of the {reps} intervals covering the true total, {setting}",
            ),
        ]
    return out
