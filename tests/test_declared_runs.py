"""Every combination of parameters an analysis' declaration allows runs (hypothesis draws them, at small sizes):
a declared range that admits a value the analysis cannot serve is a bug of the declaration or of the analysis."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trafficking_research.analyses.declarations import DECLARATIONS
from trafficking_research.analyses.parameters import DataYear, OneOf, Range
from trafficking_research.errors import ParameterError

#: The test's sizes: the largest value drawn for parameters whose cost grows with them (the declaration allows more).
SMALL = {
    "n_boot": 25,
    "harmonised_draws": 4,
    "sensitivity_draws": 3,
    "n_sims": 150,
    "n_replicates": 12,
    "reps": 2,
    "population": 400,
    "window": 12,
    "horizon": 4,
    "max_breaks": 3,
    "min_segment": 8,
    "before_years": 6,
}
#: Parameters whose value does not change what runs, fixed so that draws go where they matter.
FIXED = {"data_dir": "", "output_dir": "", "n_jobs": 1}


def _span(name: str) -> tuple[int, int]:
    from trafficking_research.analyses.declarations import context_span, observation_span
    from trafficking_research.analyses.parameters import Inputs
    from trafficking_research.data.context import load_context
    from trafficking_research.data.observations import load_observations

    if name == "context":
        return context_span(Inputs(context=lambda: load_context("")[0]))
    return observation_span(Inputs(observations=lambda: load_observations("")))


def strategy(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Values the declaration allows, each parameter drawn from its constraints (capped at `SMALL`)."""
    decl = DECLARATIONS[name]
    span = _span(name) if decl.span is not None else None
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for p in decl.params:
        if p.name in FIXED:
            continue
        options: list[st.SearchStrategy[Any]] = []
        for c in p.allowed:
            if isinstance(c, OneOf):
                options.append(st.sampled_from(c.values))
            elif isinstance(c, DataYear):
                options.append(st.integers(*span))
            elif isinstance(c, Range) and p.type == "int":
                low = int(c.low)
                high = SMALL.get(p.name, low + 30) if c.high is None else int(min(c.high, SMALL.get(p.name, c.high)))
                options.append(st.integers(low, max(low, high)))
            elif isinstance(c, Range):
                options.append(st.floats(c.low, c.high, exclude_min=c.exclusive, exclude_max=c.exclusive))
        fields[p.name] = st.one_of(options) if options else st.just(p.default)
    return st.fixed_dictionaries(fields)


def _run(name: str, values: dict[str, Any]) -> Any:
    import trafficking_research as tr
    from trafficking_research.analyses import (
        calibration,
        context,
        dark_figure,
        data_audit,
        forecast,
        growth,
        profiles,
        recent,
        year_profile,
    )
    from trafficking_research.data.context import load_context

    if name == "context":
        frame, population = load_context("")
        return context.run(frame, population, **values)
    if name == "dark_figure":
        return dark_figure.run(None, **values)
    obs, sources = tr.load_data("")
    if name == "data_audit":
        return data_audit.run(obs, sources, **values)
    if name == "calibration":
        return calibration.run(obs, **values, families=("trend",))
    runs = {
        "growth": growth,
        "profiles": profiles,
        "year_profile": year_profile,
        "forecast": forecast,
        "recent": recent,
    }
    return runs[name].run(obs, **values)


def _allowed(name: str, values: dict[str, Any]) -> bool:
    """Whether the declaration's relations accept the values (those it refuses are not the point here)."""
    from trafficking_research.pipeline.checks import check_parameters

    try:
        check_parameters(name, **values)
    except ParameterError:
        return False
    return True


EXAMPLES = {"calibration": 2, "context": 2, "dark_figure": 2, "forecast": 2}


@pytest.mark.parametrize("name", sorted(set(DECLARATIONS) - {"claims"}))
def test_every_allowed_combination_runs(name: str) -> None:
    @settings(
        max_examples=EXAMPLES.get(name, 3),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(strategy(name).filter(lambda v: _allowed(name, v)))
    def runs(values: dict[str, Any]) -> None:
        out = _run(name, values)
        assert out.estimates or out.tables, (name, values)

    runs()
