"""The context analysis' comparability notes are cited rows of the data package (data/context_notes.csv): the loader
refuses a note without a known source, a locator or a key of its own, and the analysis reads its table and its trend
caveats from the file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import edit_rows

import trafficking_research as tr
from trafficking_research.analyses import context as cx
from trafficking_research.data.context import load_context
from trafficking_research.data.context_notes import NOTES_RESOURCE, TOPICS, load_context_notes, notes_on
from trafficking_research.errors import DataValidationError
from trafficking_research.paths import DATA_DIR

Rows = list[dict[str, str]]


def _copy(tmp_path: Path, edit: Callable[[Rows], Rows]) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    edit_rows(data, edit, name="context_notes.csv")
    return data


def _set(country: str, topic: str, column: str, value: str) -> Callable[[Rows], Rows]:
    def edit(rows: Rows) -> Rows:
        for row in rows:
            if (row["country"], row["topic"]) == (country, topic):
                row[column] = value
        return rows

    return edit


def _line(country: str, topic: str) -> int:
    notes = load_context_notes()
    return int(notes[(notes["country"] == country) & (notes["topic"] == topic)]["line"].iloc[0])


def test_every_country_has_its_notes_each_cited() -> None:
    notes = load_context_notes()
    sources = set(tr.load_data()[1]["source_id"])
    for country in cx.COUNTRIES:
        topics = set(notes.loc[notes["country"] == country, "topic"].astype(str))
        assert {"who_identifies", "what_is_counted", "caveat"} <= topics, country
    assert set(notes["source_id"]) <= sources
    assert notes["locator"].str.strip().str.len().min() > 20


def test_topics_are_the_schema_codes_in_order() -> None:
    descriptor = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in descriptor["resources"] if r["name"] == NOTES_RESOURCE)
    field = next(f for f in res["schema"]["fields"] if f["name"] == "topic")
    assert list(TOPICS) == field["constraints"]["enum"]
    assert res["schema"]["primaryKey"] == ["country", "topic"]
    with pytest.raises(ValueError, match="unknown topic 'trend'"):
        notes_on(load_context_notes(), "trend")


def test_unknown_source_is_refused_naming_file_line_and_column(tmp_path: Path) -> None:
    data = _copy(tmp_path, _set("DNK", "what_is_counted", "source_id", "tip-2021-nowhere"))
    line = _line("DNK", "what_is_counted")
    with pytest.raises(
        DataValidationError, match=rf"context_notes.csv, line {line}, column source_id: unknown source "
    ):
        load_context_notes(data)


def test_empty_locator_is_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path, _set("ISL", "caveat", "locator", "  "))
    line = _line("ISL", "caveat")
    with pytest.raises(DataValidationError, match=rf"context_notes.csv, line {line}, column locator: empty, but"):
        load_context_notes(data)


def test_locator_naming_no_place_is_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path, _set("NOR", "caveat", "locator", "the 2022 report"))
    line = _line("NOR", "caveat")
    with pytest.raises(DataValidationError, match=rf"line {line}, column locator: 'the 2022 report' names no place"):
        load_context_notes(data)


def test_duplicate_country_and_topic_is_refused_naming_both_lines(tmp_path: Path) -> None:
    first = _line("EST", "caveat")
    data = _copy(tmp_path, lambda rows: rows + [dict(next(r for r in rows if r["country"] == "EST"), topic="caveat")])
    last = len(load_context_notes()) + 2  # the appended row: header on line 1
    with pytest.raises(
        DataValidationError,
        match=rf"line {last}, columns country/topic: a note on EST / caveat is already on line {first}",
    ):
        load_context_notes(data)


def test_unreadable_source_is_refused(tmp_path: Path) -> None:
    data = _copy(tmp_path, lambda rows: rows)

    def unread(rows: Rows) -> Rows:
        for row in rows:
            if row["source_id"] == "tip-2020-iceland":
                row["note"] = "text not found: no copy of the page could be opened"
        return rows

    edit_rows(data, unread, name="sources.csv")
    line = _line("ISL", "who_identifies")
    with pytest.raises(DataValidationError, match=rf"line {line}, column source_id: source 'tip-2020-iceland' has"):
        load_context_notes(data)


def test_a_changed_hash_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "context_notes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("64 in 2020", "65 in 2020"), encoding="utf-8")
    with pytest.raises(DataValidationError, match="context_notes.csv: sha256 .* does not match"):
        load_context_notes(data)


def test_comparability_table_and_trend_caveats_come_from_the_csv(tmp_path: Path) -> None:
    """Edit a copy of the package: the analysis' table and the APC description show the edited notes."""
    context, population = load_context()
    before = cx.run(context, population)
    table = before.tables["comparability"]
    assert list(table.columns) == ["country", "name", "topic", "text", "source_id", "locator"]
    assert list(dict.fromkeys(table["country"])) == list(cx.COUNTRIES)
    notes = load_context_notes()
    assert sorted(table["text"]) == sorted(notes["text"])
    assert set(zip(table["source_id"], table["locator"])) == set(zip(notes["source_id"], notes["locator"]))

    def edit(rows: Rows) -> Rows:
        rows = _set("DNK", "caveat", "text", "an edited caveat")(rows)
        return _set("ISL", "trend_caveat", "text", "an edited trend caveat")(rows)

    data = _copy(tmp_path, edit)
    after = cx.run(context, population, load_context_notes(data))
    shown = after.tables["comparability"].set_index(["country", "topic"])
    assert shown.loc[("DNK", "caveat"), "text"] == "an edited caveat"
    assert shown.loc[("DNK", "caveat"), "source_id"] == "tip-2021-denmark"
    isl = next(e for e in after.estimates if e.name == "isl.apc")
    assert isl.description.endswith("; caveat: an edited trend caveat")
    assert isl.value == next(e for e in before.estimates if e.name == "isl.apc").value
