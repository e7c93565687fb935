"""The dark_figure analysis: a simulated Finland-like scenario against its truth, how precision depends on list sizes
and dependence, every selection method on every table of a folder, and a bootstrap that repeats the selection. The
notebook `dark_figure` calls this module; the statistics are `stats.mse`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..data.capture_tables import CaptureTable
from ..errors import ParameterError
from ..stats.mse import intervals
from ..stats.mse.selection import METHODS
from ..stats.result import Estimate
from .base import Analysis
from .dark_figure_figures import SIMULATED_SOURCE, TABLES_SOURCE, estimates_figure, precision_figure
from .dark_figure_methods import NOT_ESTIMATED, every_method, method_options
from .dark_figure_scenario import (
    PRECISION_ODDS,
    PRECISION_SCALES,
    SCENARIO,
    precision_estimates,
    precision_study,
    scenario_table,
)


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
