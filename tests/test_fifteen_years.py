"""Fifteen-year profiles from both series: shares read, derived and bounded as documented, checked against an
independent reading of data/observations.csv and on a small synthetic table with suppressed cells."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

import trafficking_research as tr
from trafficking_research.analyses import fifteen_years as fy
from trafficking_research.paths import DATA_DIR


def preferred(measure: str, client_types: tuple[str, ...], year: int, **dims: str) -> float | None:
    """The preferred calendar-year figure of a cell, read with csv (independent of the package)."""
    want = {d: dims.get(d, "all") for d in ("place", "form", "sex", "age")}
    with open(DATA_DIR / "observations.csv", encoding="utf-8", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["status"] == "preferred"
            and r["measure"] == measure
            and r["period_start"] == f"{year}-01-01"
            and r["period_end"] == f"{year}-12-31"
            and r["unit"] == "persons"
            and all(r[d] == v for d, v in want.items())
        ]
    for ctype in client_types:
        for r in rows:
            if r["client_type"] == ctype:
                return float(r["value"])
    return None


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return fy.profile_table(tr.load_observations(), 2006, 2024)


def row(table: pd.DataFrame, series: str, share: str, year: int) -> pd.Series:
    sel = table[(table["series"] == series) & (table["share"] == share) & (table["year"] == year)]
    assert len(sel) == 1, (series, share, year)
    return sel.iloc[0]


def test_system_share_of_minors_is_the_published_ratio(table: pd.DataFrame) -> None:
    minors = preferred("admitted", ("victim", "unspecified"), 2020, age="minor")
    total = preferred("admitted", ("victim", "unspecified"), 2020)
    r = row(table, "system", "share_minor", 2020)
    assert (r["count_low"], r["total"], r["how"]) == (minors, total, "published")
    assert r["value"] == pytest.approx(minors / total)


def test_unodc_share_female_sums_ages_and_derives_a_missing_cell(table: pd.DataFrame) -> None:
    ids = ("victim",)
    female_adult = preferred("identified", ids, 2020, sex="female", age="adult")
    assert preferred("identified", ids, 2020, sex="female", age="minor") is None  # not published
    female_minor = preferred("identified", ids, 2020, age="minor") - preferred(
        "identified", ids, 2020, sex="male", age="minor"
    )
    r = row(table, "unodc", "share_female", 2020)
    assert r["count_low"] == r["count_high"] == female_adult + female_minor
    assert r["total"] == preferred("identified", ids, 2020)
    assert r["how"] == "derived"


def test_every_share_lies_in_its_interval_and_is_labelled(table: pd.DataFrame) -> None:
    exact = table[table["value"].notna()]
    assert ((exact["ci_low"] <= exact["value"] + 1e-12) & (exact["value"] <= exact["ci_high"] + 1e-12)).all()
    assert set(table["counts"]) == {"victims admitted to the Assistance System", "victims detected in Finland (UNODC)"}
    estimates = fy.share_estimates(table)
    unodc = [e for e in estimates if ".unodc." in e.name and e.extra["how"] == "derived"]
    assert unodc and all("unknown sex or age" in e.description for e in unodc)


def synthetic(qualifier_2012: str, value_2012: float) -> pd.DataFrame:
    """A UNODC-like table: minors published every year, one year's minors as a bound."""
    rows = []
    for year, total, minors in ((2010, 50, 6), (2011, 60, 8), (2012, 70, value_2012), (2013, 80, 12)):
        for age, value, qualifier in (
            ("all", total, "exact"),
            ("minor", minors, qualifier_2012 if year == 2012 else "exact"),
        ):
            rows.append(
                {
                    "period_start": pd.Timestamp(f"{year}-01-01"),
                    "period_end": pd.Timestamp(f"{year}-12-31"),
                    "measure": "identified",
                    "client_type": "victim",
                    "place": "all",
                    "form": "all",
                    "sex": "all",
                    "age": age,
                    "unit": "persons",
                    "value": float(value),
                    "status": "preferred",
                    "qualifier": qualifier,
                }
            )
    return pd.DataFrame(rows)


def test_a_suppressed_cell_is_a_range_never_a_zero_or_a_gap() -> None:
    table = fy.profile_table(synthetic("less_than", 5), 2010, 2013)
    r = row(table, "unodc", "share_minor", 2012)
    assert (r["count_low"], r["count_high"], r["how"]) == (0, 4, "bound")
    assert pd.isna(r["value"]) and r["range_high"] == pytest.approx(4 / 70)
    estimates, _, figures, notes = fy.fifteen_years(synthetic("less_than", 5), 2010, 2013)
    trend = next(e for e in estimates if e.name == "fifteen_years.unodc.share_minor.trend")
    assert "(2012)" in trend.description and not notes
    share = next(e for e in estimates if e.name == "fifteen_years.unodc.share_minor.y2012")
    assert share.value is None and share.extra["bounds"] == [0.0, pytest.approx(4 / 70)]
    assert "fifteen_years_share_minor" in figures


def test_year_profile_shows_unodc_where_the_system_has_no_breakdown() -> None:
    from trafficking_research.analyses import year_profile

    analysis = year_profile.run(tr.load_observations(), year=2012)
    minors = preferred("identified", ("victim",), 2012, age="minor")
    total = preferred("identified", ("victim",), 2012)
    assert preferred("admitted", ("victim", "unspecified"), 2012, age="minor") is None  # the system has none
    share = next(e for e in analysis.estimates if e.name == "unodc.share_minor")
    assert share.value == pytest.approx(minors / total)
    assert "UNODC, victims detected in Finland (not admissions)" in share.description
    assert any("UNODC's detected-victims breakdown is shown instead" in n for n in analysis.notes)
    # a year in which the system publishes minors shows no UNODC stand-in for them
    later = year_profile.run(tr.load_observations(), year=2020)
    assert not any(e.name == "unodc.share_minor" for e in later.estimates)


def test_unodc_from_the_context_resource_keeps_suppressed_cells_as_bounds() -> None:
    from trafficking_research.data.context import load_context

    context, _ = load_context()
    table = fy.profile_table(tr.load_observations(), 2006, 2024, context)
    bounds = table[(table["series"] == "unodc") & (table["how"] == "bound")]
    assert len(bounds) >= 1 and (bounds["count_high"] > bounds["count_low"]).all()
    assert bounds["value"].isna().all()
    # every exact UNODC share agrees with the observations' copy of the same published cells
    plain = fy.profile_table(tr.load_observations(), 2006, 2024)
    both = table.merge(plain, on=["series", "share", "year"], suffixes=("", "_obs"))
    both = both[(both["series"] == "unodc") & (both["how"] == "published") & (both["how_obs"] == "published")]
    assert len(both) > 10 and (both["count_low"] == both["count_low_obs"]).all()
