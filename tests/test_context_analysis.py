"""The context analysis against reference values computed independently (tests/expected/generate_context.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from trafficking_research.analyses import context as cx
from trafficking_research.analyses import context_tables
from trafficking_research.data.context import load_context
from trafficking_research.data.context_notes import load_context_notes

EXPECTED = {
    k: v
    for k, v in json.loads((Path(__file__).parent / "expected" / "results_expected.json").read_text()).items()
    if k.startswith("context.")
}


@pytest.fixture(scope="module")
def computed() -> dict[str, cx.Estimate]:
    context, population = load_context()
    return {f"context.{e.name}": e for e in cx.estimates(context, population, 2008, 2022, 2020, 0.95)}


def close(got: float, want: float, tol: dict) -> bool:
    return math.isclose(got, want, rel_tol=tol.get("rel", 0.0), abs_tol=tol.get("abs", 0.0))


@pytest.mark.parametrize("key", sorted(k for k in EXPECTED if not k.endswith(".apc")))
def test_estimate_matches_reference(key: str, computed: dict[str, cx.Estimate]) -> None:
    assert key in computed, key
    got, want = computed[key], EXPECTED[key]
    assert got.value is not None and close(got.value, want["value"], want["tolerance"]), (key, got.value, want)
    for g, w in zip(got.ci, want["ci"]):
        assert close(g, w, want["ci_tolerance"]), (key, got.ci, want["ci"])


def test_every_computed_point_estimate_has_a_reference(computed: dict[str, cx.Estimate]) -> None:
    """Point estimates the reference does not know would be untested; bounds are tested below."""
    missing = [k for k, e in computed.items() if e.value is not None and k not in EXPECTED]
    assert not missing, missing


def test_bounded_cells_are_reported_as_bounds(computed: dict[str, cx.Estimate]) -> None:
    """Finland 2020: convicted '<5' of 247 victims -> at most 4/247, interval from the range 0-4."""
    est = computed["context.fin.convicted_per_victim.y2020"]
    assert est.value is None
    assert est.extra["bound"] == pytest.approx(4 / 247) and est.extra["qualifier"] == "at_most"
    assert est.ci[0] == 0.0 and est.ci[1] > 4 / 247
    assert "'<5'" in est.description


def test_missing_years_are_listed_not_estimated() -> None:
    context, _ = load_context()
    table = context_tables.per_victim_table(context, "convicted", 2008, 2022, 0.95)
    fin = table[table["country"] == "FIN"].set_index("year")
    assert fin.loc[2019, "status"] == "missing: convicted"
    assert math.isnan(fin.loc[2019, "ratio"])
    isl = table[table["country"] == "ISL"].set_index("year")
    assert isl.loc[2010, "status"] == "missing: detected victims and convicted"


def test_trend_series_leaves_bounds_out() -> None:
    context, _ = load_context()
    series, bounded = context_tables.trend_series(context, "SWE", 2008, 2022)
    assert bounded == [2013, 2014, 2015, 2016]
    assert 2013 not in series.index and series[2020] == 206


def test_comparability_table_covers_every_country() -> None:
    table = cx.comparability_table(load_context_notes())
    assert list(dict.fromkeys(table["country"])) == list(context_tables.COUNTRIES)
    assert (table["source_id"].str.len() > 0).all() and (table["locator"].str.len() > 0).all()


@pytest.fixture(scope="module")
def analysis():
    context, population = load_context()
    return cx.run(context, population)


@pytest.mark.parametrize("key", sorted(k for k in EXPECTED if k.endswith(".apc")))
def test_apc_matches_independent_nb2_fit(key: str, analysis) -> None:
    """The package's calibrated NB2 trend (fit_trend) against a direct maximisation of the NB2 likelihood."""
    got = {f"context.{e.name}": e for e in analysis.estimates}[key]
    want = EXPECTED[key]
    assert close(got.value, want["value"], want["tolerance"]), (got.value, want["value"])
    for g, w in zip(got.ci, want["ci"]):
        assert close(g, w, want["ci_tolerance"]), (got.ci, want["ci"])


def test_run_returns_tables_figures_and_unique_names(analysis) -> None:
    names = [e.name for e in analysis.estimates]
    assert len(names) == len(set(names))
    assert set(analysis.figures) == {"rates", "forms", "per_victim"}
    assert {"comparability", "rates", "apc", "convicted_per_victim", "prosecuted_per_victim"} <= set(analysis.tables)
    assert all(n == n.lower() for n in names)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_year": 1990}, "parameter 'start_year' must be a year the data cover (2003-2022), got 1990"),
        ({"start_year": 2015, "end_year": 2010}, "'start_year' must not be after 'end_year'"),
        ({"compare_year": 2009, "start_year": 2010}, "parameter 'compare_year': 2009 is outside start_year-end_year"),
        ({"confidence": 1.5}, "parameter 'confidence'"),
    ],
)
def test_bad_parameters(params: dict, message: str) -> None:
    from trafficking_research.errors import ParameterError

    context, population = load_context()
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cx.run(context, population, **params)
