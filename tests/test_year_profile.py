"""The year_profile analysis: the table against the published figures, and what `year_profile.run` reports."""

from __future__ import annotations

import math

import pytest

from trafficking_research.analyses import year_profile
from trafficking_research.data.observations import load_observations
from trafficking_research.errors import ParameterError

PUBLISHED_2020 = {
    "victims admitted": 244,
    "witnesses admitted": 3,
    "children of victims admitted": 50,
    "all admitted": 297,
    "exploited in Finland": 123,
    "exploited abroad": 121,
    "Finland: forced labour": 78,
    "Finland: sexual exploitation": 15,
    "Finland: forced marriage": 23,
    "Finland: criminal activity": 5,
    "Finland: benefit fraud": 2,
}


@pytest.fixture(scope="module")
def obs():
    return load_observations()


def test_profile_2020_equals_the_published_figures(obs) -> None:
    table = year_profile.year_profile(obs, 2020).set_index("item")["value"]
    for item, value in PUBLISHED_2020.items():
        assert table[item] == value, item


def test_previous_year_and_window_mean(obs) -> None:
    table = year_profile.year_profile(obs, 2020).set_index("item")
    assert table.loc["victims admitted", "previous_year"] == 229
    # 2015-2019: 52, 130, 127, 163, 229
    assert table.loc["victims admitted", "mean_5_years_before"] == pytest.approx((52 + 130 + 127 + 163 + 229) / 5)
    assert table.loc["victims admitted", "years_in_mean"] == 5
    narrow = year_profile.year_profile(obs, 2020, window=2).set_index("item")
    assert narrow.loc["victims admitted", "mean_2_years_before"] == pytest.approx((163 + 229) / 2)


def test_year_without_data_gives_an_empty_profile_not_an_error(obs) -> None:
    table = year_profile.year_profile(obs, 2008)
    assert table["value"].isna().all()


def test_run_reports_every_published_item_and_names_the_missing(obs) -> None:
    out = year_profile.run(obs, year=2020, window=5)
    values = {e.name: e for e in out.estimates}
    assert values["year"].value == 2020 and values["year"].unit == "year"
    for item, value in PUBLISHED_2020.items():
        estimate = values[year_profile.item_key(item)]
        assert estimate.value == value and estimate.unit == "persons"
        assert estimate.description == f"{item}, 2020"
    profile = out.tables["profile"]
    missing = profile.loc[profile["value"].isna(), "item"].tolist()
    assert missing and not any(year_profile.item_key(m) in values for m in missing)
    assert out.notes[0] == "Not published for 2020 (shown for earlier years only): " + "; ".join(missing)
    unodc = out.tables["unodc_breakdown"]
    assert len(out.estimates) == 1 + int(profile["value"].notna().sum()) + len(unodc)
    assert set(out.figures) == {"profile"}
    assert list(out.summary().index) == [e.name for e in out.estimates]


def test_item_keys_are_result_names() -> None:
    assert year_profile.item_key("Finland: forced labour") == "finland_forced_labour"
    assert year_profile.item_key("all places: forced marriage") == "all_places_forced_marriage"


def test_a_year_without_figures_is_a_note_and_has_no_figure(obs) -> None:
    out = year_profile.run(obs, year=2008)
    assert [e.name for e in out.estimates if not e.name.startswith("unodc.")] == ["year"]
    assert out.notes[0] == "No admissions figure is published for 2008: nothing to profile."
    assert out.figures == {}
    assert all(math.isnan(v) for v in out.tables["profile"]["value"])


def test_a_year_outside_the_data_is_refused(obs) -> None:
    with pytest.raises(ParameterError, match="parameter 'year' must be a year the data cover"):
        year_profile.run(obs, year=2100)


def test_the_unodc_note_names_the_narrower_figure_the_system_did_publish(obs) -> None:
    """2020: the system published forced labour only among those exploited in Finland (78), so the note must not say
    it published no forced-labour figure at all."""
    out = year_profile.run(obs, year=2020)
    note = out.notes[-1]
    finland_fl = out.tables["profile"].set_index("item").loc["Finland: forced labour", "value"]
    assert finland_fl == 78
    assert "no split of all victims admitted by" in note and "it published only Finland: forced labour = 78" in note
    assert "no breakdown by" not in note
