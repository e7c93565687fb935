"""The dark_figure analysis: a simulated Finland-like scenario against its truth, how precision depends on list sizes
and dependence, every selection method on every table of a folder, and a bootstrap that repeats the selection. The
notebook `dark_figure` calls this module; the statistics are `stats.mse`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..data.capture_tables import CaptureTable
from ..errors import FitError, ParameterError, SelectionError
from ..stats.mse import intervals
from ..stats.mse.intervals import ProfileInterval, profile_interval
from ..stats.mse.model import MSEFit
from ..stats.mse.selection import METHODS, select_model
from ..stats.mse.simulate import (
    FINLAND_DEPENDENCE,
    FINLAND_LISTS,
    FINLAND_PROBS,
    expected_dark_share,
    simulate_table,
)
from ..stats.result import Estimate
from .base import Analysis
from .plotting import headroom, plain_axis, source_caption

#: Captions of the figures: a simulated population, or list tables given as data.
SIMULATED_SOURCE = "Source: a simulated Finland-like population of lists (parameters population and seed); no real data"
TABLES_SOURCE = "Source: the list tables of the run's data_dir (CSV: 0/1 list columns and count)"

# The simulated table's name. Its scenario (`stats.mse.simulate.FINLAND_PROBS`, `FINLAND_DEPENDENCE`) is hypothetical,
# not an estimate for Finland: four lists of plausible relative size, the police and the Assistance System positively
# dependent (the police refer victims to the system). Probabilities are per victim.
SCENARIO = "finland_scenario"
#: Settings of the precision study: scales of every capture probability, and odds ratios police/system.
PRECISION_SCALES = (0.5, 1.0, 2.0)
PRECISION_ODDS = (1.0, 3.0)
#: What a model that cannot be estimated, or a method that cannot run on a table, raises.
NOT_ESTIMATED = (FitError, SelectionError)


def method_options(method: str, threshold: float) -> dict[str, Any]:
    """The options a method takes from the notebook's `threshold` (stepwise's tail-probability cut-off).

    Parameters
    ----------
    method : str
        A selection method (see `METHODS`).
    threshold : float
        Stepwise's tail-probability cut-off.

    Returns
    -------
    dict
        Keyword arguments of `select_model`.
    """
    return {"threshold": threshold} if method == "stepwise" else {}


def estimate(table: CaptureTable, method: str, threshold: float) -> tuple[MSEFit, ProfileInterval]:
    """One method on one table: the selected model's fit and its profile-likelihood interval for the total.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    method : str
        A selection method.
    threshold : float
        Stepwise's cut-off.

    Returns
    -------
    tuple of MSEFit and ProfileInterval
        Raises a `FitError` (no estimable model) or a `SelectionError` (the method cannot run on the table).
    """
    fit = select_model(table, method, **method_options(method, threshold))
    return fit, profile_interval(fit)


def every_method(
    tables: Mapping[str, CaptureTable], threshold: float
) -> tuple[pd.DataFrame, dict[str, MSEFit], dict[str, ProfileInterval], list[str]]:
    """Every selection method on every table, with profile intervals; refused models keep their reason.

    Parameters
    ----------
    tables : Mapping of str to CaptureTable
        The tables.
    threshold : float
        Stepwise's cut-off.

    Returns
    -------
    table : pandas.DataFrame
        One row per table and method: ``dataset, method, observed, model, estimate, profile_low, profile_high,
        problem`` (the reason where no estimate was made, else empty).
    fits, profiles : dict
        The fits and their intervals by ``<dataset>.<method>``.
    notes : list of str
        The reasons, one per table and method without an estimate.
    """
    rows, fits, profiles, notes = [], {}, {}, []
    for table in tables.values():
        for method in METHODS:
            row: dict[str, Any] = {"dataset": table.name, "method": method, "observed": int(table.n_observed)}
            try:
                fit, prof = estimate(table, method, threshold)
            except NOT_ESTIMATED as exc:
                row.update(model="", estimate=np.nan, profile_low=np.nan, profile_high=np.nan, problem=str(exc))
                notes.append(f"not estimated: {table.name}, {method}: {exc}")
            else:
                row.update(
                    model=fit.label, estimate=prof.total, profile_low=prof.lower, profile_high=prof.upper, problem=""
                )
                fits[f"{table.name}.{method}"], profiles[f"{table.name}.{method}"] = fit, prof
            rows.append(row)
    return pd.DataFrame(rows), fits, profiles, notes


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


def check_parameters(
    tables: Mapping[str, CaptureTable] | None,
    dataset: str,
    method: str,
    threshold: float,
    n_boot: int,
    population: int,
    reps: int,
) -> None:
    """Refuse bad parameters before any work, naming the parameter and the rule.

    Parameters
    ----------
    tables : Mapping or None
        The list tables, or None for the simulated scenario.
    dataset, method : str
        The table to bootstrap and the selection method.
    threshold : float
        Stepwise's cut-off.
    n_boot, population, reps : int
        Bootstrap replicates, true total of the scenario, tables per precision setting.

    Returns
    -------
    None
        Raises `ParameterError`.
    """
    if method not in METHODS:
        raise ParameterError(f"parameter 'method': unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if not 0 < threshold < 1:
        raise ParameterError(f"parameter 'threshold' must lie between 0 and 1, got {threshold!r}")
    if n_boot < 0 or n_boot == 1:
        raise ParameterError(f"parameter 'bootstrap' must be 0 (no bootstrap) or at least 2, got {n_boot}")
    if tables is None:
        if population < 1:
            raise ParameterError(f"parameter 'population' must be a positive number of victims, got {population}")
        if reps < 1:
            raise ParameterError(f"parameter 'reps' must be at least 1, got {reps}")
    elif not tables:
        raise ParameterError("no list tables given")
    names = [SCENARIO] if tables is None else list(tables)
    if dataset and dataset not in names:
        raise ParameterError(
            f"parameter 'dataset': no table '{dataset}' among the tables given (tables: {', '.join(names)})"
        )


def run(
    tables: Mapping[str, CaptureTable] | None = None,
    *,
    dataset: str = "",
    method: str = "stepwise",
    threshold: float = 0.02,
    n_boot: int = 200,
    seed: int = 2021,
    population: int = 2000,
    reps: int = 50,
) -> Analysis:
    """The dark-figure analysis, on the simulated scenario (``tables`` None) or on list tables.

    Parameters
    ----------
    tables : Mapping of str to CaptureTable, optional
        List tables by name (e.g. from `load_tables`); None simulates the Finland-like scenario.
    dataset : str
        The table to bootstrap; "" means the scenario or the first table.
    method : str
        Selection method of the bootstrap and the precision study (see `METHODS`).
    threshold : float
        Stepwise's tail-probability cut-off.
    n_boot : int
        Bootstrap replicates that repeat the selection (0: no bootstrap).
    seed : int
        Seed of the simulation, the bootstrap and the precision study.
    population : int
        True number of victims in the simulated scenario.
    reps : int
        Simulated tables per setting of the precision study.

    Returns
    -------
    Analysis
        Estimates (``<dataset>.<method>.estimate`` with profile intervals; ``<dataset>.<method>.bootstrap_percentile``
        and ``.bootstrap_bca``; for the scenario ``finland_scenario.truth``, ``.observed`` and the precision study),
        tables (``estimates``, ``precision_study``), figures (``estimates``, ``precision``), models (fits, profile
        intervals and the bootstrap) and the reasons for estimates that could not be made.
    """
    check_parameters(tables, dataset, method, threshold, n_boot, population, reps)
    simulated = tables is None
    params = dict(
        dataset=dataset,
        method=method,
        threshold=threshold,
        n_boot=n_boot,
        seed=seed,
        population=population,
        reps=reps,
        simulated=simulated,
    )
    out = Analysis("dark_figure", params)
    if tables is None:
        tables = {SCENARIO: scenario_table(population, seed)}
    chosen = dataset or next(iter(tables))

    table, fits, profiles, notes = every_method(tables, threshold)
    out.table("estimates", table)
    out.notes += notes
    out.models.update(fits)
    out.models.update((f"{key}.profile", prof) for key, prof in profiles.items())
    for key, prof in profiles.items():
        out.add([e.renamed(f"{key}.estimate") for e in prof.estimates])
    if simulated:
        out.add(
            [
                Estimate(f"{SCENARIO}.truth", population, "persons", "true total of the simulated population"),
                Estimate(
                    f"{SCENARIO}.observed",
                    int(tables[SCENARIO].n_observed),
                    "persons",
                    "victims on at least one simulated list",
                ),
            ]
        )
    out.figure(
        "estimates",
        estimates_figure(
            table, truth=population if simulated else None, source=SIMULATED_SOURCE if simulated else TABLES_SOURCE
        ),
    )

    if n_boot > 0:
        try:
            boot = intervals.bootstrap(
                tables[chosen], method, n_boot=n_boot, seed=seed, n_jobs=1, **method_options(method, threshold)
            )
        except NOT_ESTIMATED as exc:
            out.notes.append(f"no bootstrap: {chosen}, {method}: {exc}")
        else:
            out.models["bootstrap"] = boot
            out.add(boot.estimates, prefix=f"{chosen}.{method}")
            if len(boot.estimates) < 2:
                out.notes.append(
                    f"no BCa interval: {chosen}, {method}: the jackknife acceleration could not be "
                    "computed (a delete-one-case table gave no estimate)"
                )

    if simulated:
        study = out.table(
            "precision_study",
            precision_study(population, list(PRECISION_SCALES), list(PRECISION_ODDS), reps, seed, method, threshold),
        )
        out.add(precision_estimates(study, reps))
        out.figure("precision", precision_figure(study))
    return out


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
