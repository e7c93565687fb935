"""The data audit: `data_audit.run` against values computed from the CSV files without the package
(tests/expected/results_expected.json, made by tests/expected/generate_expected.py) and by counting here."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from trafficking_research.analyses import data_audit
from trafficking_research.data.observations import load_data
from trafficking_research.paths import DATA_DIR

EXPECTED = json.loads((Path(__file__).parent / "expected" / "results_expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data():
    return load_data()


@pytest.fixture(scope="module")
def analysis(data):
    obs, sources = data
    return data_audit.run(obs, sources, first_year=2006, last_year=2025)


def test_estimates_match_the_independent_counts(analysis) -> None:
    values = {e.name: e.value for e in analysis.estimates}
    checked = [k for k in EXPECTED if k.startswith("data_audit.")]
    assert checked
    for key in checked:
        assert values[key.split(".", 1)[1]] == EXPECTED[key]["value"], key


def test_every_estimate_has_a_unit_and_a_description(analysis) -> None:
    assert [e.name for e in analysis.estimates] == [
        "rows",
        "preferred_rows",
        "sources",
        "first_year",
        "last_year",
        "conflicts",
        "identities_checked",
        "identities_failed",
        "unodc_identities_failed",
        "preferred_rows_read",
        "preferred_rows_read_share",
        "unread_rows",
    ]
    assert all(e.unit and e.description for e in analysis.estimates)
    assert list(analysis.summary().index) == [e.name for e in analysis.estimates]


def test_tables_and_figure(analysis) -> None:
    assert set(analysis.tables) == {
        "coverage",
        "gaps",
        "conflicts",
        "identities",
        "identities_unodc",
        "unread_sources",
        "sources",
    }
    assert analysis.indexed == {"coverage"}
    assert set(analysis.figures) == {"coverage"}
    coverage = analysis.tables["coverage"]
    assert coverage.index.min() >= 2006 and coverage.index.max() <= 2025
    assert len(analysis.tables["gaps"]) == len(coverage.columns)
    unodc = analysis.tables["identities_unodc"]
    assert len(data_audit.broken_identities(unodc)) == analysis.select(names=["unodc_identities_failed"])[0].value


def test_sources_table_counts_the_rows_citing_each_source(analysis) -> None:
    with open(DATA_DIR / "observations.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = analysis.tables["sources"].set_index("source_id")
    for source_id in {r["source_id"] for r in rows}:
        assert table.loc[source_id, "rows"] == sum(r["source_id"] == source_id for r in rows), source_id
    by_kind = data_audit.sources_by_kind(analysis.tables["sources"])
    assert by_kind["rows"].sum() == len(rows) and by_kind["sources"].sum() == len(table)


def test_gaps_list_the_years_without_a_figure() -> None:
    table = pd.DataFrame({"a": [1.0, None, 3.0], "  b": [None, None, None]}, index=[2010, 2011, 2012])
    gaps = data_audit.gaps(table, 2010, 2013)
    assert gaps.to_dict("records") == [
        {"series": "a", "missing_years": "2011, 2013"},
        {"series": "b", "missing_years": "2010, 2011, 2012, 2013"},
    ]


def test_a_shorter_range_narrows_coverage_and_gaps(data) -> None:
    obs, sources = data
    out = data_audit.run(obs, sources, first_year=2018, last_year=2020)
    assert list(out.tables["coverage"].index) == [2018, 2019, 2020]
    assert all(
        int(y) in (2018, 2019, 2020) for m in out.tables["gaps"]["missing_years"] if m != "none" for y in m.split(", ")
    )
