"""The profiles analysis: breakdown tables and the estimates of `profiles.run`, against the published figures and
formulas written out here (the share statistics themselves are tested in test_shares.py)."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from trafficking_research.analyses import profiles, profiles_figures, profiles_tables
from trafficking_research.data.observations import load_observations
from trafficking_research.errors import ParameterError
from trafficking_research.stats.shares import ShareChange, ShareTrend

Z = stats.norm.ppf(0.975)


def wilson(k: float, n: float) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


@pytest.fixture(scope="module")
def obs():
    return load_observations()


@pytest.fixture(scope="module")
def analysis(obs):
    return profiles.run(obs, start_year=2006, end_year=2020, compare_from=2019, compare_to=2020)


def test_composition_flags_small_denominators_and_keeps_gaps(obs) -> None:
    comp = profiles_tables.composition(obs, 2020, "form, exploited in Finland")
    assert set(comp["part"]) == {
        "forced_labour",
        "sexual_exploitation",
        "forced_marriage",
        "criminal_activity",
        "benefit_fraud",
    }
    assert not comp["small"].any() and comp["total"].eq(123).all()
    assert profiles_tables.composition(obs, 2008, "place").empty


def test_share_key_is_lower_case_words() -> None:
    assert (
        profiles.share_key("form, exploited in Finland", "forced_labour", 2020)
        == "share.form_exploited_in_finland.forced_labour.y2020"
    )


def test_every_share_of_the_table_is_an_estimate_with_its_wilson_interval(analysis) -> None:
    table = analysis.tables["shares"]
    shares = analysis.select("share.")
    assert len(shares) == len(table)
    finland = analysis.select(names=["share.place.finland.y2020"])[0]
    assert finland.value == pytest.approx(123 / 244)
    assert finland.ci == pytest.approx(wilson(123, 244), abs=1e-12)
    assert finland.unit == "proportion"
    assert finland.description == "share of finland in place, 2020: 123 of 244"
    small = [e for e in shares if e.description.endswith("(small denominator)")]
    assert len(small) == int(table["small"].sum())


def test_changes_and_trends_carry_todays_keys_and_descriptions(analysis) -> None:
    change = analysis.select(names=["change_2019_2020.share_finland"])[0]
    assert change.description == (
        "share of victims admitted who were exploited in Finland: 123/244 in 2020 against 70/229 in 2019 (Newcombe CI, "
        "score test)"
    )
    assert change.value == pytest.approx(123 / 244 - 70 / 229)
    assert change.unit == "difference of proportions" and 0 < change.p_value < 1
    trend = analysis.select(names=["trend.share_finland"])[0]
    assert trend.description.startswith(
        "share of victims admitted who were exploited in Finland: logit of the share on year over 4 years; quasi-binomial"
    )
    assert trend.description.endswith("the interval includes 1: no trend is established (2016, 2018, 2019, 2020)")
    assert trend.extra["dispersion"] > 1 and trend.extra["df"] == 2
    assert trend.unit == "odds ratio per year" and trend.ci[0] < trend.value < trend.ci[1]
    names = [e.name for e in analysis.select("change_2019_2020.", "trend.")]
    assert names == [f"{kind}.{share}" for share in profiles.SHARE_TESTS for kind in ("change_2019_2020", "trend")]
    assert isinstance(analysis.models["trend.share_finland"], ShareTrend)
    assert isinstance(analysis.models["change_2019_2020.minor_share"], ShareChange)
    # the only notes are the fifteen-year series' (a share with fewer than three years has no trend)
    assert all(" no trend (" in note and note.startswith("share of ") for note in analysis.notes)


def test_summary_lists_every_estimate(analysis) -> None:
    summary = analysis.summary()
    assert list(summary.index) == [e.name for e in analysis.estimates]
    assert summary.loc["trend.minor_share", "value"] == analysis.models["trend.minor_share"].odds_ratio


def test_reports_speak_words_not_keys(obs) -> None:
    assert set(profiles.SHARE_LABELS) == set(profiles.SHARE_TESTS)
    analysis = profiles.run(obs)
    for e in analysis.select("trend.", "change_"):
        assert not any(e.description.startswith(f"{key}:") for key in profiles.SHARE_TESTS), e.description
        assert any(e.description.startswith(label) for label in profiles.SHARE_LABELS.values()), e.description


def test_a_trend_that_cannot_be_fitted_becomes_a_note(obs) -> None:
    short = profiles.run(obs, start_year=2019, end_year=2020, compare_from=2019, compare_to=2020)
    assert not short.select("trend.")
    assert [n for n in short.notes if " no trend (" not in n] == [
        f"{profiles.SHARE_LABELS[name]}: fewer than three years with both figures, no trend"
        for name in profiles.SHARE_TESTS
    ]
    assert len(short.select("change_2019_2020.")) == 3


def test_a_comparison_year_without_figures_becomes_a_note(obs) -> None:
    out = profiles.run(obs, start_year=2006, end_year=2020, compare_from=2017, compare_to=2020)
    assert (
        "share of victims admitted who were exploited in Finland: no comparison, 2017 or 2020 lacks a published figure"
        in out.notes
    )
    assert [e.name for e in out.select("change_")] == ["change_2017_2020.minor_share"]
    minors = out.select(names=["change_2017_2020.minor_share"])[0]
    assert minors.value == pytest.approx(10 / 244 - 14 / 127)


def test_figures_and_tables_of_the_run(analysis) -> None:
    fifteen = {f for f in analysis.figures if f.startswith("fifteen_years_")}
    assert set(analysis.figures) - fifteen == set(profiles_figures.FIGURES) and fifteen
    assert set(analysis.tables) == {"breakdowns_by_year", "shares", "fifteen_years_shares", "fifteen_years_agreement"}
    assert analysis.indexed == {"breakdowns_by_year"}
    available = analysis.tables["breakdowns_by_year"]
    assert available.loc["place", 2020] == "finland, abroad"
    assert 2008 not in profiles_tables.published_years(available).columns


def test_years_outside_the_data_are_refused(obs) -> None:
    with pytest.raises(ParameterError, match="parameter 'compare_to' must be a year the data cover .*got 2100"):
        profiles.run(obs, compare_to=2100)
    with pytest.raises(ParameterError, match="'start_year' must not be after 'end_year'"):
        profiles.run(obs, start_year=2020, end_year=2015)
