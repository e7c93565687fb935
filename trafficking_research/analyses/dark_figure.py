"""The dark_figure analysis: a simulated Finland-like scenario against its truth, how precision depends on list sizes
and dependence, every selection method on every table of a folder, and a bootstrap that repeats the selection. The
notebook `dark_figure` calls this module; the statistics are `stats.mse`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..data.capture_tables import CaptureTable
from ..stats.mse import intervals
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
from .declarations import DARK_FIGURE, table_inputs
from .parameters import declared


@declared(DARK_FIGURE, table_inputs)
def run(
    tables: Mapping[str, CaptureTable] | None = None,
    *,
    dataset: str,
    method: str,
    threshold: float,
    n_boot: int,
    seed: int,
    population: int,
    reps: int,
) -> Analysis:
    """The dark-figure analysis, on the simulated scenario (``tables`` None) or on list tables; every parameter is
    checked (`declarations.DARK_FIGURE`) before any work.

    Parameters
    ----------
    tables : Mapping of str to CaptureTable, optional
        List tables by name (e.g. from `load_tables`); None simulates the Finland-like scenario.
    {parameters}

    Returns
    -------
    Analysis
        Estimates (``<dataset>.<method>.estimate`` with profile intervals; ``<dataset>.<method>.bootstrap_percentile``
        and ``.bootstrap_bca``; for the scenario ``finland_scenario.truth``, ``.observed`` and the precision study),
        tables (``estimates``, ``precision_study``), figures (``estimates``, ``precision``), models (fits, profile
        intervals and the bootstrap) and the reasons for estimates that could not be made.
    """
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
