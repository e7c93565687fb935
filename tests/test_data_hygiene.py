"""The hygiene rules of issue 14: qualifiers, locators that stand on their own, one source per address, dated sources."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import pytest
from helpers import edit_rows

from trafficking_research.data.codes import KEY_COLUMNS
from trafficking_research.data.observations import load_data, load_observations
from trafficking_research.data.provenance import locator_problem, normalised_url
from trafficking_research.data.series import annual_series
from trafficking_research.errors import DataValidationError
from trafficking_research.paths import DATA_DIR


def refused(data_dir: Path, *fragments: str) -> str:
    with pytest.raises(DataValidationError) as info:
        load_observations(data_dir)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def raw_rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------------ locators


@pytest.mark.parametrize(
    "locator",
    [
        "same sentence",
        "Protection section, same sentence, children in parentheses",
        "same comparison sentence",
        "see row 12",
        "ibid.",
        "as above, second figure",
        "previous row, last figure",
    ],
)
def test_loader_refuses_a_locator_that_points_at_another_row(data_copy: Path, locator: str) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], locator=locator)] + rows[1:])
    refused(data_copy, "observations.csv, line 2, column locator", "points at another row")


@pytest.mark.parametrize("locator", ["comparison with 2015", "the 2019 total", "stated by Migri"])
def test_loader_refuses_a_locator_that_names_no_place(data_copy: Path, locator: str) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], locator=locator)] + rows[1:])
    refused(data_copy, "observations.csv, line 2, column locator", "names no place in the source")


@pytest.mark.parametrize(
    "locator",
    [
        "third paragraph, second sentence",
        "caption of figure 18 (n=1132)",
        "Iso3_code=FIN; Year=2010; Sex=Total",
        "section 'Aiempina vuosina', same period last year",
        "lead paragraph",
    ],
)
def test_locators_that_stand_on_their_own_pass(locator: str) -> None:
    assert locator_problem(locator) is None


def test_every_locator_in_the_data_stands_on_its_own() -> None:
    bad = [
        (i, r["locator"]) for i, r in enumerate(raw_rows("observations.csv"), start=2) if locator_problem(r["locator"])
    ]
    assert bad == []


# ------------------------------------------------------------------ sources


def test_loader_refuses_a_duplicate_source_address(data_copy: Path) -> None:
    def add(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        first = rows[0]
        twin = dict(
            first, source_id="twin-of-first", url=first["url"].replace("https://", "http://www.") + "/?origin=rss"
        )
        return rows + [twin]

    edit_rows(data_copy, add, name="sources.csv")
    first_id = raw_rows("sources.csv")[0]["source_id"]
    refused(data_copy, "sources.csv, lines 2 and", "column url", f"'{first_id}' and 'twin-of-first'", "same address")


def test_loader_refuses_a_source_without_a_date(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], published="")] + rows[1:], name="sources.csv")
    refused(data_copy, "sources.csv, line 2, column published: empty, but the column is required")


@pytest.mark.parametrize("date", ["Jan 2021", "27.1.2021", "2021-1-27", "21"])
def test_loader_refuses_a_badly_written_date(data_copy: Path, date: str) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], published=date)] + rows[1:], name="sources.csv")
    refused(data_copy, "sources.csv, line 2, column published", f"'{date}' does not have the required form")


@pytest.mark.parametrize(
    "url", ["", "shared/sources/migri-press-release-2021-01-27.txt", "file:///tmp/x.html", "migri.fi"]
)
def test_loader_refuses_a_source_without_a_public_address(data_copy: Path, url: str) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], url=url)] + rows[1:], name="sources.csv")
    refused(data_copy, "sources.csv, line 2, column url")


def test_an_empty_address_needs_a_note_saying_it_was_not_found(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], url="", note="")] + rows[1:], name="sources.csv")
    refused(data_copy, "sources.csv, line 2, column url", "has no address", "address not found:")
    edit_rows(
        data_copy,
        lambda rows: [dict(rows[0], url="", note="address not found: read in a library copy")] + rows[1:],
        name="sources.csv",
    )
    load_observations(data_copy)


def test_addresses_compare_without_what_does_not_change_the_page() -> None:
    assert normalised_url("https://yle.fi/uutiset/3-11157750?origin=rss") == normalised_url(
        "http://www.yle.fi/uutiset/3-11157750/"
    )
    assert normalised_url("https://migri.fi:443/-/x") == normalised_url("https://migri.fi/-/x")
    assert normalised_url("https://migri.fi/-/x?languageId=en_US") != normalised_url("https://migri.fi/-/x")


def test_every_source_is_dated_and_public_and_listed_once() -> None:
    sources = raw_rows("sources.csv")
    assert all(s["published"].strip() for s in sources)
    assert all(
        s["url"].startswith(("http://", "https://")) or s["note"].startswith("address not found:") for s in sources
    )
    keys = [normalised_url(s["url"]) for s in sources if s["url"]]
    assert len(keys) == len(set(keys))


# ------------------------------------------------------------------ qualifiers


def test_loader_refuses_an_empty_qualifier(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], qualifier="")] + rows[1:])
    refused(data_copy, "observations.csv, line 2, column qualifier: empty, but the column is required")


def test_loader_refuses_an_unknown_qualifier(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], qualifier="approx")] + rows[1:])
    refused(data_copy, "observations.csv, line 2, column qualifier: unknown code 'approx'", "more_than")


def test_bounds_printed_in_the_sources_are_not_exact() -> None:
    rows = raw_rows("observations.csv")
    by_source_value = {(r["source_id"], r["value"]): r["qualifier"] for r in rows}
    assert by_source_value[("migri-pr-2017-08-18-sv", "200")] == "more_than"  # 'över 200'
    assert by_source_value[("migri-pr-2021-11-11-fi", "1250")] == "more_than"  # 'yli 1250'
    assert by_source_value[("migri-pr-2017-08-18-sv", "270")] == "about"  # 'cirka 270'
    for line, r in enumerate(rows, start=2):
        printed = rf"\b(about|approximately|noin|cirka|ungefär|över|yli|more than)\s+{r['value']}\b"
        if re.search(printed, r["note"], re.IGNORECASE):
            assert r["qualifier"] != "exact", (line, r["note"])


def test_annual_series_uses_only_exact_values_by_default(data_copy: Path) -> None:
    def loosen(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for r in rows:
            if (
                (r["status"], r["measure"], r["client_type"], r["period_start"], r["period_end"])
                == ("preferred", "admitted", "victim", "2021-01-01", "2021-12-31")
                and r["place"] == r["form"] == r["sex"] == r["age"] == "all"
                and r["unit"] == "persons"
            ):
                r["qualifier"] = "about"
        return rows

    edit_rows(data_copy, loosen)
    obs = load_observations(data_copy)
    exact = annual_series(obs, "admitted")
    assert 2021 not in exact.index and 2020 in exact.index
    assert set(exact.attrs["qualifier"].values()) == {"exact"}
    loose = annual_series(obs, "admitted", qualifiers=("exact", "about"))
    assert loose[2021] == 243 and loose.attrs["qualifier"][2021] == "about"


# ------------------------------------------------------------------ one number, one row


def test_no_source_gives_one_number_twice_under_two_codes() -> None:
    """A figure of one source is one preferred row: not repeated under another client type or measure (UNODC cells for adults and for all ages are separate cells)."""
    rows = [r for r in raw_rows("observations.csv") if r["status"] == "preferred"]
    dims = ("client_type", "measure")
    for dim in dims:
        groups: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for r in rows:
            key = tuple(r[c] for c in ("source_id", *KEY_COLUMNS, "value") if c != dim)
            groups[key].add(r[dim])
        assert {k: v for k, v in groups.items() if len(v) > 1} == {}, dim


def test_first_half_exploited_in_finland_is_one_measure() -> None:
    """Migri's January-June series of persons exploited in Finland (11, 16, 30, 34, 48) is coded admitted throughout."""
    rows = [
        r
        for r in raw_rows("observations.csv")
        if r["place"] == "finland"
        and r["form"] == "all"
        and r["age"] == "all"
        and r["period_end"][5:] == "06-30"
        and r["period_start"][5:] == "01-01"
        and "2016" <= r["period_start"][:4] <= "2020"
    ]
    assert rows and {r["measure"] for r in rows} == {"admitted"}
    obs, _ = load_data()
    h1 = obs[
        (obs["status"] == "preferred")
        & (obs["measure"] == "admitted")
        & (obs["place"] == "finland")
        & (obs["form"] == "all")
        & (obs["age"] == "all")
        & (obs["period_end"].dt.month == 6)
        & (obs["period_start"].dt.year.between(2016, 2020))
    ]
    assert dict(zip(h1["period_start"].dt.year, h1["value"])) == {2016: 11, 2017: 16, 2018: 30, 2019: 34, 2020: 48}
