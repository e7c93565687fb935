"""Each analysis' parameters are declared once (`analyses.declarations`): the notebooks' parameters cells, ``run()``'s
defaults and checks, `reproduce`'s checks and ``list`` all derive from the declaration, and every combination the
declaration allows runs."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

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
from trafficking_research.analyses.declarations import DECLARATIONS
from trafficking_research.analyses.parameters import Declaration, OneOf, Param, Range
from trafficking_research.errors import ParameterError
from trafficking_research.pipeline.notebooks import cell_parameters, notebook_names, parameters_source

RUNS = {
    "growth": growth.run,
    "profiles": profiles.run,
    "year_profile": year_profile.run,
    "data_audit": data_audit.run,
    "forecast": forecast.run,
    "dark_figure": dark_figure.run,
    "calibration": calibration.run,
    "context": context.run,
    "recent": recent.run,
}


@pytest.mark.parametrize("name", sorted(DECLARATIONS))
def test_parameters_cell_is_the_declaration(name: str) -> None:
    from trafficking_research.pipeline.notebooks import notebook_path

    cell = parameters_source(notebook_path(name))
    assert cell == DECLARATIONS[name].cell(), (
        f"notebooks/{name}.ipynb's parameters cell must read:\n{DECLARATIONS[name].cell()}"
    )
    parsed = cell_parameters(name)
    declared = {p.name: (p.type, p.default) for p in DECLARATIONS[name].params}
    assert {n: (p.type, p.default) for n, p in parsed.items()} == declared


def test_every_analysis_notebook_is_declared_and_run_takes_its_defaults() -> None:
    assert set(DECLARATIONS) == set(notebook_names())
    assert set(RUNS) == set(DECLARATIONS) - {"claims"}  # claims has no parameter but its data folder
    for name, run in RUNS.items():
        sig = inspect.signature(run)
        for p in DECLARATIONS[name].params:
            if p.name in sig.parameters:
                assert sig.parameters[p.name].default == p.default, (name, p.name)
        assert "{parameters}" not in (run.__doc__ or "")
        for p in DECLARATIONS[name].params:
            if p.name in sig.parameters and p.name != "data_dir":
                assert f"{p.name} : {p.type}, default {p.default!r}" in run.__doc__, (name, p.name)


def test_rules_in_words_and_refusals() -> None:
    draws = Param("draws", "int", 0, "draws", (OneOf((0,)), Range(2)))
    assert draws.rule == "0 or at least 2"
    for ok in (0, 2, 10**6):
        draws.check(ok)
    for bad, message in ((1, "must be 0 or at least 2, got 1"), (True, "must be int, got True"), (2.0, "must be int")):
        with pytest.raises(ParameterError, match=f"^parameter 'draws' {message}"):
            draws.check(bad)
    level = Param("level", "float", 0.95, "level", (Range(0, 1, exclusive=True),))
    level.check(0.5)
    with pytest.raises(ParameterError, match="strictly between 0 and 1, got 1"):
        level.check(1)
    decl = Declaration("x", (draws, level))
    with pytest.raises(ParameterError, match="unknown parameter 'drws' of notebook 'x'"):
        decl.check({"drws": 3})
    assert decl.check({"draws": 3}) == {"draws": 3, "level": 0.95}


def test_a_declaration_refuses_a_default_it_does_not_allow() -> None:
    with pytest.raises(ValueError, match="default '3' is not int"):
        Param("n", "int", "3", "n")
    with pytest.raises(ValueError, match="default 1 is not 0 or at least 2"):
        Param("draws", "int", 1, "draws", (OneOf((0,)), Range(2)))


def test_run_refuses_before_any_work(obs: Any) -> None:
    with pytest.raises(ParameterError, match="^parameter 'n_boot' must be at least 0, got -1$"):
        growth.run(obs, n_boot=-1)
    with pytest.raises(ParameterError, match="unknown parameter 'nboot' of growth.run"):
        growth.run(obs, nboot=3)
    with pytest.raises(ParameterError, match="'start_year' 2016 and 'end_year' 2012"):
        growth.run(obs, start_year=2016, end_year=2012)
    with pytest.raises(
        ParameterError, match=r"parameter 'year' must be a year the data cover \(2006-20\d\d\), got 1999"
    ):
        year_profile.run(obs, year=1999)


def test_the_drifts_are_gone(obs: Any) -> None:
    """The issue's drifts: n_boot 0 is accepted everywhere; harmonised_draws 0 runs with the default sensitivity
    draws; sensitivity_draws has one default; dark_figure's bootstrap is n_boot in the notebook and in run()."""
    from trafficking_research.pipeline.checks import check_parameters

    check_parameters("growth", n_boot=0)
    out = growth.run(obs, n_boot=0, harmonised_draws=0, end_year=2012, start_year=2008)
    assert not any(e.name.startswith("harmonised.") for e in out.estimates)
    assert (
        inspect.signature(growth.run).parameters["sensitivity_draws"].default
        == DECLARATIONS["growth"]["sensitivity_draws"].default
    )
    assert "n_boot" in DECLARATIONS["dark_figure"] and "bootstrap" not in DECLARATIONS["dark_figure"]


@pytest.fixture(scope="module")
def obs() -> Any:
    import trafficking_research as tr

    return tr.load_observations()


def test_figures_enter_an_analysis_one_way() -> None:
    import matplotlib.pyplot as plt

    from trafficking_research.analyses.base import Analysis

    out = Analysis("x", {})
    fig = plt.figure()
    out.figure("f", fig)
    assert not plt.fignum_exists(fig.number)  # closed: no inline backend shows it before it is published
    with pytest.raises(TypeError):
        out.figures["g"] = plt.figure()  # type: ignore[index]
    assert out.take_figure("f") is fig and not out.figures


def test_a_cell_that_drifts_from_its_declaration_is_refused(tmp_path) -> None:
    """A notebook whose parameters cell says another default than the declaration stops `list` and `reproduce`."""
    import json

    from trafficking_research.paths import NOTEBOOK_DIR
    from trafficking_research.pipeline.notebooks import notebook_parameters

    nb = json.loads((NOTEBOOK_DIR / "growth.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            assert "n_boot: int = 199" in source
            cell["source"] = source.replace("n_boot: int = 199", "n_boot: int = 99")
    (tmp_path / "growth.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"'n_boot' is int = 99 there but int = 199 in its declaration"):
        notebook_parameters("growth", folder=tmp_path)
    assert notebook_parameters("growth")["n_boot"].default == 199
