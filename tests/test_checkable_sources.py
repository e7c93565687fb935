"""Issue 24: every preferred row rests on a source someone could read, and ids' dates agree with `published`."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import edit_rows
from test_data_validation import expect_error

from trafficking_research.analyses import data_audit
from trafficking_research.data.observations import load_data
from trafficking_research.data.provenance import TEXT_NOT_FOUND, id_date, id_date_problems


def set_source(rows: list[dict[str, str]], source_id: str, **values: str) -> list[dict[str, str]]:
    for row in rows:
        if row["source_id"] == source_id:
            row.update(values)
    return rows


@pytest.mark.parametrize(
    ("source_id", "expected"),
    [
        ("yle-2020-07-15", "2020-07-15"),
        ("hs-2021-01", "2021-01"),
        ("yle-2020-01-3-11157750", "2020-01"),
        ("is-2019-08-art-2000006195081", "2019-08"),
        ("ihmiskauppa-vuosikatsaus-2022", None),  # a year alone names the year reviewed, not a date
        ("migri-pr-2013-48-uutta-asiakasta-en", None),  # 48 is not a month
        ("mtvuutiset-2017-6294948", None),
    ],
)
def test_id_date(source_id: str, expected: str | None) -> None:
    assert id_date(source_id) == expected


def test_every_source_id_agrees_with_published() -> None:
    _, sources = load_data()
    rows = [
        {"source_id": s, "published": p, "note": n or "", "_line": str(i)}
        for i, (s, p, n) in enumerate(zip(sources["source_id"], sources["published"], sources["note"]), start=2)
    ]
    assert id_date_problems("sources.csv", rows) == []


def test_id_date_contradicting_published_is_refused(data_copy: Path) -> None:
    edit_rows(
        data_copy, lambda rows: set_source(rows, "helsinkitimes-2022-07-28", published="2022-08-01"), "sources.csv"
    )
    expect_error(
        data_copy,
        "sources.csv, line",
        "column published: '2022-08-01' contradicts the date 2022-07-28 in the id 'helsinkitimes-2022-07-28'",
    )


def test_published_coarser_than_id_needs_a_reason(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: set_source(rows, "ts-2022-01", published="2022", note=""), "sources.csv")
    expect_error(data_copy, "column published: '2022' is coarser than the date 2022-01 in the id 'ts-2022-01'")


def test_preferred_row_on_unread_source_is_refused(data_copy: Path) -> None:
    note = f"{TEXT_NOT_FOUND} no copy found"
    edit_rows(data_copy, lambda rows: set_source(rows, "kansanuutiset-2020-07", note=note), "sources.csv")
    message = expect_error(data_copy, "rests on source 'kansanuutiset-2020-07'", "must be checkable")
    # both of its preferred rows (witnesses and minors in forced labour, first half of 2020) are named
    assert message.count("rests on source 'kansanuutiset-2020-07'") == 2, message


def test_audit_counts_preferred_rows_on_read_sources() -> None:
    obs, sources = load_data()
    table = data_audit.unread_rows(obs, sources)
    assert set(table["source"]) == {"sttinfo-2020-07-15-sv"}
    assert (table["status"] == "alternative").all()
    assert (table["corroborated_by"] != "").all()
    values = {e.name: e.value for e in data_audit.readability_estimates(obs, table)}
    preferred = int((obs["status"] == "preferred").sum())
    assert values["preferred_rows_read"] == preferred
    assert values["preferred_rows_read_share"] == 100.0
    assert values["unread_rows"] == len(table) == int((obs["source_id"] == "sttinfo-2020-07-15-sv").sum())


def test_audit_counts_a_preferred_row_on_an_unread_source() -> None:
    obs, sources = load_data()
    sources = sources.copy()
    sources.loc[sources["source_id"] == "kansanuutiset-2020-07", "note"] = f"{TEXT_NOT_FOUND} test"
    table = data_audit.unread_rows(obs, sources)
    values = {e.name: e.value for e in data_audit.readability_estimates(obs, table)}
    preferred = int((obs["status"] == "preferred").sum())
    assert values["preferred_rows_read"] == preferred - 2
    minors = table[(table["source"] == "kansanuutiset-2020-07") & table["series"].str.contains("minor_when_exploited")]
    assert list(minors["corroborated_by"]) == [""]  # its only other version is the unread Swedish release
