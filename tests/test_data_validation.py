"""Each validation rule of the loader, triggered by a small change to a copy of the real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import edit_rows

from trafficking_research.data.observations import load_data, load_observations
from trafficking_research.errors import DataValidationError


def first_preferred(rows: list[dict[str, str]], **match: str) -> dict[str, str]:
    match.setdefault("unit", "persons")
    return next(r for r in rows if r["status"] == "preferred" and all(r[k] == v for k, v in match.items()))


def expect_error(data_dir: Path, *fragments: str) -> str:
    with pytest.raises(DataValidationError) as info:
        load_observations(data_dir)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_real_data_loads_with_types() -> None:
    obs, sources = load_data()
    assert len(obs) > 100
    assert str(obs["measure"].dtype) == "category"
    assert obs["period_end"].dt.year.min() >= 2006
    assert set(obs["source_id"]) <= set(sources["source_id"])
    assert (obs["value"] >= 0).all()


def test_missing_column(data_copy: Path) -> None:
    edit_rows(
        data_copy,
        lambda rows: rows,
        fields=[
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
            "status",
            "note",
        ],
    )
    expect_error(data_copy, "observations.csv, header: missing column(s) locator")


def test_extra_column(data_copy: Path) -> None:
    def add(rows):
        for r in rows:
            r["comment"] = "x"
        return rows

    with open(data_copy / "observations.csv", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    edit_rows(data_copy, add, fields=header + ["comment"])
    expect_error(data_copy, "unexpected column(s) comment")


def test_unknown_code(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], form="smuggling")] + rows[1:])
    expect_error(data_copy, "observations.csv, line 2, column form", "unknown code 'smuggling'")


def test_text_value(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], value="about 40")] + rows[1:])
    expect_error(data_copy, "line 2, column value", "'about 40' is not a number")


def test_negative_value(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], value="-3")] + rows[1:])
    expect_error(data_copy, "line 2, column value", "below the minimum 0")


def test_fractional_count(data_copy: Path) -> None:
    def edit(rows):
        i = next(i for i, r in enumerate(rows) if r["unit"] == "persons")
        rows[i] = dict(rows[i], value="12.5")
        return rows

    edit_rows(data_copy, edit)
    expect_error(data_copy, "column value: 12.5 persons is not a whole number")


def test_duplicate_preferred(data_copy: Path) -> None:
    def edit(rows):
        row = first_preferred(rows)
        return rows + [dict(row, source_id=rows[-1]["source_id"])]

    edit_rows(data_copy, edit)
    expect_error(data_copy, "column status: duplicate preferred rows for")


def test_preferred_without_reason(data_copy: Path) -> None:
    def edit(rows):
        row = first_preferred(rows, measure="clients", client_type="all", period_end="2020-12-31")
        row["note"] = ""
        return rows + [dict(row, status="alternative", value="900", note="")]

    edit_rows(data_copy, edit)
    expect_error(data_copy, "column note: preferred over line(s)", "without a reason")


def test_broken_identity_parts_exceed_total(data_copy: Path) -> None:
    def edit(rows):
        row = first_preferred(
            rows,
            period_end="2020-12-31",
            measure="admitted",
            client_type="victim",
            place="finland",
            form="all",
            sex="all",
            age="all",
        )
        row["value"] = "200"  # 200 in Finland + 121 abroad > 244 in all
        return rows

    edit_rows(data_copy, edit)
    expect_error(
        data_copy,
        "identity broken for 2020-01-01/2020-12-31/admitted/victim/all/all/all/persons",
        "place parts",
        "more than the total 244",
    )


def test_broken_identity_complete_parts(data_copy: Path) -> None:
    def edit(rows):
        row = first_preferred(
            rows,
            period_end="2020-12-31",
            measure="admitted",
            client_type="child_of_victim",
            place="all",
            form="all",
            sex="all",
            age="all",
        )
        row["value"] = "40"  # 244 victims + 3 witnesses + 40 children != 297 admitted
        return rows

    edit_rows(data_copy, edit)
    expect_error(data_copy, "client_type parts are all given and sum to 287", "not the total 297")


def test_unknown_source(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], source_id="nowhere-2020")] + rows[1:])
    expect_error(data_copy, "line 2, column source_id: unknown source 'nowhere-2020'")


def test_hash_mismatch(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: rows[:-1], keep_hash=True)
    expect_error(data_copy, "observations.csv: sha256", "does not match datapackage.json")


def test_missing_datapackage(data_copy: Path) -> None:
    (data_copy / "datapackage.json").unlink()
    expect_error(data_copy, "datapackage.json: missing")


def test_invalid_datapackage(data_copy: Path) -> None:
    (data_copy / "datapackage.json").write_text("{not json", encoding="utf-8")
    expect_error(data_copy, "datapackage.json: not valid UTF-8 JSON")


def test_datapackage_without_resources(data_copy: Path) -> None:
    (data_copy / "datapackage.json").write_text(json.dumps({"name": "x"}), encoding="utf-8")
    expect_error(data_copy, "'resources' must be a non-empty list")


def test_empty_file(data_copy: Path) -> None:
    (data_copy / "observations.csv").write_text("", encoding="utf-8")
    from trafficking_research.data.datapackage import rehash

    rehash(data_copy)
    expect_error(data_copy, "observations.csv: file is empty")


def test_wrong_encoding(data_copy: Path) -> None:
    path = data_copy / "observations.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace("value,source_id", "value,source_id", 1).encode("utf-8") + "Ä".encode("latin-1"))
    from trafficking_research.data.datapackage import rehash

    rehash(data_copy)
    expect_error(data_copy, "not valid UTF-8")


def test_dates_out_of_order(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], period_start="2030-01-01")] + rows[1:])
    expect_error(data_copy, "line 2, columns period_start/period_end: start 2030-01-01 is after end")


def test_bad_date(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], period_end="31.12.2020")] + rows[1:])
    expect_error(data_copy, "line 2, column period_end: '31.12.2020' is not an ISO date")


def test_ragged_row(data_copy: Path) -> None:
    path = data_copy / "observations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",surplus"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from trafficking_research.data.datapackage import rehash

    rehash(data_copy)
    expect_error(data_copy, "observations.csv, line 4:", "fields where the header has 15")


def test_missing_data_dir(tmp_path: Path) -> None:
    expect_error(tmp_path / "nowhere", "data directory does not exist")


def test_duplicate_source_id(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: rows + [rows[0]], name="sources.csv")
    expect_error(data_copy, "sources.csv, lines", "is used by more than one source")
