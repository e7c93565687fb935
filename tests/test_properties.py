"""Property-based tests: random valid tables load and keep their identities; the models never crash on series with
zeros, gaps or few points (a result or a clear SeriesError, never a traceback from statsmodels)."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trafficking_research.analyses import growth
from trafficking_research.analyses.data_audit import identity_table
from trafficking_research.data.datapackage import rehash
from trafficking_research.data.observations import load_observations
from trafficking_research.errors import SeriesError
from trafficking_research.paths import DATA_DIR
from trafficking_research.stats.shares import share_change

FIELDS = [
    "period_start",
    "period_end",
    "measure",
    "client_type",
    "place",
    "form",
    "sex",
    "age",
    "unit",
    "value",
    "qualifier",
    "source_id",
    "locator",
    "status",
    "note",
]
SOURCE = {
    "source_id": "test-source",
    "publisher": "test",
    "title": "synthetic",
    "url": "https://example.org",
    "published": "2020",
    "language": "en",
    "kind": "dataset",
    "note": "",
}

year_split = st.tuples(st.integers(0, 400), st.floats(0, 1), st.booleans())


def write_package(folder: Path, years: dict[int, tuple[int, float, bool]]) -> list[dict[str, str]]:
    """A data package whose victims admitted split into Finland and abroad (abroad sometimes unpublished)."""
    folder.mkdir()
    shutil.copy(DATA_DIR / "datapackage.json", folder / "datapackage.json")
    shutil.copy(DATA_DIR / "codelist.csv", folder / "codelist.csv")
    for res in json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))["resources"]:
        if res["path"] not in ("codelist.csv", "sources.csv", "observations.csv"):
            shutil.copy(DATA_DIR / res["path"], folder / res["path"])  # other resources (context.csv...) as they are
    with open(folder / "sources.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(SOURCE), lineterminator="\n")
        writer.writeheader()
        writer.writerow(SOURCE)
    rows = []
    for year, (total, share, with_abroad) in years.items():
        finland = int(total * share)
        base = dict(
            period_start=f"{year}-01-01",
            period_end=f"{year}-12-31",
            measure="admitted",
            client_type="victim",
            form="all",
            sex="all",
            age="all",
            unit="persons",
            source_id="test-source",
            qualifier="exact",
            locator="synthetic table, cell of the year",
            status="preferred",
            note="",
        )
        rows.append(dict(base, place="all", value=str(total)))
        rows.append(dict(base, place="finland", value=str(finland)))
        if with_abroad:
            rows.append(dict(base, place="abroad", value=str(total - finland)))
    with open(folder / "observations.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    rehash(folder)
    return rows


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(years=st.dictionaries(st.integers(2006, 2024), year_split, min_size=1, max_size=10))
def test_random_valid_tables_load_and_keep_identities(tmp_path_factory, years) -> None:
    folder = tmp_path_factory.mktemp("pkg") / "data"
    rows = write_package(folder, years)
    obs = load_observations(folder)
    assert len(obs) == len(rows)
    assert obs["value"].sum() == sum(float(r["value"]) for r in rows)
    checks = identity_table(obs)
    assert checks["ok"].all()
    assert len(checks) == len(years)  # one place identity per year


counts = st.lists(st.one_of(st.just(0), st.integers(0, 5), st.integers(0, 2000)), min_size=0, max_size=12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(values=counts, gaps=st.lists(st.booleans(), min_size=12, max_size=12))
def test_models_return_a_fit_or_a_clear_error(values: list[int], gaps: list[bool]) -> None:
    years = [2006 + i for i, keep in zip(range(len(values)), gaps) if keep]
    series = pd.Series(
        [values[i] for i, keep in zip(range(len(values)), gaps) if keep], index=years, dtype=float, name="random"
    )
    fit = growth.fit_series(series, "random", 2006, 2024, min_segment=3, n_boot=9, seed=1)
    if fit.problem:
        assert "series 'random'" in fit.problem
        return
    for model in (fit.poisson, fit.negbin):
        assert math.isfinite(model.slope) and math.isfinite(model.se) and model.se >= 0
        low, high = model.apc_ci
        assert low <= model.apc <= high
    if fit.joinpoint is not None:
        assert 0 < fit.joinpoint.p_value <= 1


@settings(max_examples=100, deadline=None, derandomize=True)
@given(n1=st.integers(1, 500), n2=st.integers(1, 500), f1=st.floats(0, 1), f2=st.floats(0, 1))
def test_share_change_is_bounded(n1: int, n2: int, f1: float, f2: float) -> None:
    k1, k2 = int(n1 * f1), int(n2 * f2)
    ch = share_change(k1, n1, k2, n2)
    assert -1 <= ch.ci[0] <= ch.difference <= ch.ci[1] <= 1
    assert 0 <= ch.p_value <= 1 or math.isnan(ch.p_value)


def test_prepare_names_the_series_for_each_bad_shape() -> None:
    for values in ([], [0, 0, 0], [3, 4]):
        series = pd.Series(values, index=range(2010, 2010 + len(values)), dtype=float, name="shape")
        try:
            growth.fit_series(series, "shape", 2006, 2024, 3, 9, 1)
        except SeriesError as exc:  # fit_series itself must never raise
            raise AssertionError(f"fit_series raised for {values}: {exc}") from None
        assert growth.fit_series(series, "shape", 2006, 2024, 3, 9, 1).problem
