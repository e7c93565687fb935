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
import pandas as pd
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


def test_summary_is_a_readable_table_that_agrees_with_statsmodels(obs) -> None:
    """fit.summary(): header, coefficients (scaled SE, t, p, interval) and derived estimates, at any level; checked
    against statsmodels' own NB2 fit (discrete NegativeBinomial), its SEs scaled by the Pearson dispersion."""
    import statsmodels.api as sm
    from scipy import stats

    series = tr.annual_series(obs, "admitted")
    fit = tr.fit_trend(series, model="negbin", start_year=2010, end_year=2020)
    s = series.loc[2010:2020]
    X = sm.add_constant(s.index.to_numpy(dtype=float) - 2010)
    ref = sm.NegativeBinomial(s.to_numpy(), X, loglike_method="nb2").fit(disp=0, method="bfgs", maxiter=500)
    mu = ref.predict(X)
    alpha = ref.params[-1]
    pearson = float(np.sum((s.to_numpy() - mu) ** 2 / (mu + alpha * mu**2)))
    df = len(s) - 2
    se = ref.bse[:2] * math.sqrt(pearson / df)
    for a in (0.05, 0.10):
        summary = fit.summary(alpha=a)
        coef = summary.table("coefficients")
        assert coef["estimate"].to_numpy() == pytest.approx(ref.params[:2], rel=1e-4)
        assert coef["SE"].to_numpy() == pytest.approx(se, rel=1e-3)
        assert coef["p"].iloc[1] == pytest.approx(2 * stats.t.sf(ref.params[1] / se[1], df), rel=1e-2)
        q = stats.t.ppf(1 - a / 2, df)
        level = f"{100 * (1 - a):g}% CI"
        low, high = (100 * math.expm1(ref.params[1] + sign * q * se[1]) for sign in (-1, 1))
        assert (
            summary.table("derived estimates").loc["annual percent change (APC)", level] == f"{low:.3g} to {high:.3g}"
        )
    assert fit.summary().table("derived estimates").loc["annual percent change (APC)", "95% CI"] == (
        f"{fit.apc_ci[0]:.3g} to {fit.apc_ci[1]:.3g}"
    )
    text, page = str(fit.summary()), fit.summary()._repr_html_()
    for words in ("years used", "2010–2020 (no figure: 2014)", "residual df", "NB2 alpha", "95% CI", "interval method"):
        assert words in text and words in page
    assert "admitted (victim or unspecified)" in text and "admitted/victim" not in text
    assert "NaN" not in text and "ci_low" not in text and "90% CI" in str(fit.summary(alpha=0.1))
    with pytest.raises(ValueError, match="alpha"):
        fit.summary(alpha=1.5)


def test_summary_of_an_unnamed_series_and_of_a_falling_trend() -> None:
    fit = tr.fit_trend(pd.Series([40.0, 30, 26, 20, 15], index=range(2010, 2015)), model="poisson")
    text = str(fit.summary())
    assert text.startswith("Trend of series") and "None" not in text
    assert fit.summary().table("derived estimates").loc["doubling time", "95% CI"] == "–"
    assert "no doubling time" in text


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
