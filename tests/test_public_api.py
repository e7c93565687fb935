"""The researcher's API: `tr.load_observations`, `tr.annual_series`, `tr.fit_trend` and the result they return,
checked against the independent reference code in tests/expected/, and the growth analysis' reconciliation."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import inspect
import math
from pathlib import Path

import numpy as np
import pytest

import trafficking_research as tr
from trafficking_research.analyses import growth
from trafficking_research.errors import ParameterError, SeriesError
from trafficking_research.paths import DATA_DIR


def _reference_module():
    path = Path(__file__).parent / "expected" / "generate_growth.py"
    spec = importlib.util.spec_from_file_location("generate_growth", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


REF = _reference_module()


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(DATA_DIR / "observations.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def obs():
    return tr.load_observations()


@pytest.mark.parametrize("name", ["load_observations", "annual_series", "fit_trend"])
def test_public_functions_are_documented_numpy_style(name: str) -> None:
    doc = inspect.getdoc(getattr(tr, name)) or ""
    assert "Parameters\n----------" in doc and "Returns\n-------" in doc, f"tr.{name} lacks numpydoc sections"


def test_annual_series_matches_an_independent_reading_of_the_csv(obs, rows) -> None:
    want = REF.yearly(rows, "admitted", ["victim", "unspecified"], start=2000, end=2100)
    got = tr.annual_series(obs, "admitted")
    assert {int(y): float(v) for y, v in got.items()} == want


def test_fit_trend_negbin_matches_direct_maximum_likelihood(obs, rows) -> None:
    series = REF.yearly(rows, "admitted", ["victim", "unspecified"], start=2010, end=2020)
    (_, _), (nb_apc, nb_ci) = REF.apc_fits(series, origin=2010)
    fit = tr.fit_trend(tr.annual_series(obs, "admitted"), model="negbin", start_year=2010, end_year=2020)
    assert fit.apc == pytest.approx(nb_apc, rel=1e-4)
    assert fit.apc_ci == pytest.approx(nb_ci, rel=2e-2)
    assert fit.doubling_time == pytest.approx(math.log(2) / math.log1p(nb_apc / 100), rel=1e-4)
    assert list(fit.years) == sorted(series)


def test_fit_trend_poisson_matches_direct_maximum_likelihood(obs, rows) -> None:
    series = REF.yearly(rows, "admitted", ["victim", "unspecified"], start=2010, end=2020)
    (p_apc, p_ci), _ = REF.apc_fits(series, origin=2010)
    fit = tr.fit_trend(tr.annual_series(obs, "admitted"), model="poisson", start_year=2010, end_year=2020)
    assert fit.apc == pytest.approx(p_apc, rel=1e-5)
    assert fit.apc_ci == pytest.approx(p_ci, rel=1e-3)


def test_trend_result_is_frozen_and_keeps_parameters_and_covariance(obs) -> None:
    fit = tr.fit_trend(tr.annual_series(obs, "admitted"), model="negbin", start_year=2010, end_year=2020)
    assert fit.params.shape == (2,) and fit.cov.shape == (2, 2)
    assert fit.se == pytest.approx(math.sqrt(fit.cov[1, 1]))
    assert np.all(np.linalg.eigvalsh(fit.cov) > 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.alpha = 0.5  # type: ignore[misc]


def test_summary_lists_the_estimates_with_their_intervals(obs) -> None:
    fit = tr.fit_trend(tr.annual_series(obs, "admitted"), model="negbin", start_year=2010, end_year=2020)
    table = fit.summary()
    assert list(table.index) == ["apc", "doubling_time", "nb_alpha"]
    assert table.loc["apc", "value"] == pytest.approx(fit.apc)
    assert (table.loc["apc", "ci_low"], table.loc["apc", "ci_high"]) == pytest.approx(fit.apc_ci)
    assert table.loc["apc", "unit"] == "percent per year"


def test_fit_trend_refuses_an_unknown_model_naming_the_parameter(obs) -> None:
    with pytest.raises(ParameterError, match="parameter 'model'"):
        tr.fit_trend(tr.annual_series(obs, "admitted"), model="gaussian")


def test_fit_trend_refuses_too_short_a_series_as_a_fit_error(obs) -> None:
    with pytest.raises(SeriesError, match="at least three"):
        tr.fit_trend(tr.annual_series(obs, "admitted"), start_year=2019, end_year=2020)


@pytest.mark.parametrize("start_year", [2006, 2012])
def test_reconciliation_counts_from_the_first_year_whatever_the_start_year(obs, rows, start_year: int) -> None:
    """The cumulative totals count from 2006, so the residuals do not depend on the analysis' start year."""
    all_years = REF.yearly(rows, "admitted", ["victim", "unspecified"], start=2006, end=2100)
    analysis = growth.run(obs, start_year=start_year, n_boot=0)
    table = analysis.tables["cumulative_reconciliation"].set_index("year")
    for year, total in ((2017, 630.0), (2020, 1257.0)):
        want = total - sum(v for y, v in all_years.items() if y <= year)
        assert table.loc[year, "residual"] == want
        key = f"reconciliation.cumulative_{year}.residual"
        assert analysis.select(names=[key])[0].value == want
    assert table.loc[2017, "residual"] == 121.0  # the figure, from the published 630 and yearly counts
