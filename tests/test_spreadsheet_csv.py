"""Issue 5 of #24: observations.csv as a spreadsheet saves it (Excel or LibreOffice in a Finnish locale).

Each variant is either read as the original after `data rehash` (byte-order mark, CRLF line ends) or refused with
one message that names the cause (semicolons, decimal commas)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from trafficking_research.data.datapackage import rehash
from trafficking_research.data.observations import load_observations
from trafficking_research.errors import DataValidationError


def rewrite(folder: Path, *, delimiter: str = ",", decimal: str = ".", bom: bool = False, crlf: bool = False) -> None:
    """Save observations.csv again the way a spreadsheet would, then record its hash as `data rehash` does."""
    path = folder / "observations.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    value = rows[0].index("value")
    for row in rows[1:]:
        row[value] = row[value].replace(".", decimal)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + out.getvalue().encode("utf-8"))
    rehash(folder)


def refusal(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        load_observations(folder)
    return info.value.problems


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_byte_order_mark_is_read_after_rehash(data_copy: Path) -> None:
    original = load_observations(data_copy)
    rewrite(data_copy, bom=True)
    assert (data_copy / "observations.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    same_frame(load_observations(data_copy), original)


def test_crlf_line_ends_are_read_after_rehash(data_copy: Path) -> None:
    original = load_observations(data_copy)
    rewrite(data_copy, crlf=True)
    assert b"\r\n" in (data_copy / "observations.csv").read_bytes()
    same_frame(load_observations(data_copy), original)


def test_semicolons_are_refused_with_one_message(data_copy: Path) -> None:
    rewrite(data_copy, delimiter=";")
    (problem,) = refusal(data_copy)
    assert "observations.csv: the file is separated by semicolons, not commas" in problem
    assert "data rehash" in problem


def test_finnish_locale_file_is_refused_with_one_message(data_copy: Path) -> None:
    """Everything a Finnish-locale spreadsheet does at once: semicolons, decimal commas, a byte-order mark, CRLF."""
    rewrite(data_copy, delimiter=";", decimal=",", bom=True, crlf=True)
    (problem,) = refusal(data_copy)
    assert "separated by semicolons" in problem and "decimal" in problem


def test_decimal_comma_in_a_comma_separated_file_is_named(data_copy: Path) -> None:
    path = data_copy / "observations.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    target = next(i for i, r in enumerate(rows) if r["unit"] == "percent")
    rows[target]["value"] = "60,4"  # a share as a Finnish-locale spreadsheet writes it
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    rehash(data_copy)
    (problem,) = refusal(data_copy)
    assert f"line {target + 2}, column value" in problem
    assert "has a decimal comma; write a decimal point" in problem
