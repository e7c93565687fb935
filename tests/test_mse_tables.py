"""Loading and validating the folder of multiple-list tables (read from ../shared/mse, never copied)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import shared

from trafficking_research.data.capture_tables import load_table, load_tables
from trafficking_research.errors import DataValidationError

# Observed totals and list counts stated in ../shared/mse/README.md.
README_OBSERVED = {
    "uk_2013_6lists": (6, 2744),
    "uk_2013_5lists": (5, 2744),
    "netherlands_6lists": (6, 8234),
    "netherlands_5lists": (5, 8234),
    "new_orleans_8lists": (8, 185),
    "new_orleans_5lists": (5, 185),
    "western_us_5lists": (5, 345),
    "korea_3lists": (3, 123),
    "kosovo_4lists": (4, 4400),
    "artificial_3lists": (3, 96),
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    """A CSV file with the given text."""
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shared_tables_load_with_readme_totals() -> None:
    tables = load_tables(shared("mse"))
    assert {name: (t.n_lists, t.n_observed) for name, t in tables.items()} == README_OBSERVED


def test_table_keeps_every_history_and_fills_zeros() -> None:
    table = load_table(shared("mse") / "artificial_3lists.csv")
    assert table.lists == ("A", "B", "C")
    assert len(table.histories) == 7 and not (table.histories.sum(axis=1) == 0).any()
    by_history = {"".join(map(str, h)): int(c) for h, c in zip(table.histories, table.counts)}
    assert by_history == {"100": 40, "010": 30, "001": 20, "110": 6, "101": 0, "011": 0, "111": 0}
    assert table.overlap(0, 1) == 6 and table.overlap(0, 2) == 0


def test_uk_five_lists_is_the_six_lists_with_pf_and_nca_merged() -> None:
    six = load_table(shared("mse") / "uk_2013_6lists.csv")
    five = load_table(shared("mse") / "uk_2013_5lists.csv")
    h = six.histories
    merged = np.column_stack([h[:, 0], h[:, 1], h[:, 2] | h[:, 5], h[:, 3], h[:, 4]])
    counts = {}
    for row, c in zip(map(tuple, merged), six.counts):
        counts[row] = counts.get(row, 0) + int(c)
    assert {tuple(r): int(c) for r, c in zip(five.histories, five.counts)} == counts


def test_non_binary_list_column_names_file_row_and_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", "A,B,count\n1,0,5\n2,1,3\n")
    with pytest.raises(DataValidationError) as err:
        load_table(path)
    msg = str(err.value)
    assert "bad.csv, row 2 (line 3), column 'A'" in msg and "is not 0 or 1" in msg


def test_negative_count_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "neg.csv", "A,B,count\n1,0,5\n0,1,-3\n")
    with pytest.raises(DataValidationError, match=r"neg.csv, row 2 \(line 3\), column 'count': value '-3' is negative"):
        load_table(path)


def test_fractional_and_missing_counts_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "frac.csv", "A,B,count\n1,0,5.5\n0,1,\n1,1,2\n")
    with pytest.raises(DataValidationError) as err:
        load_table(path)
    problems = err.value.problems
    assert len(problems) == 2
    assert "frac.csv, row 1 (line 2), column 'count': value '5.5' is not a whole number" in problems[0]
    assert "frac.csv, row 2 (line 3), column 'count': value '' is not a number" in problems[1]


def test_duplicate_pattern_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "dup.csv", "A,B,C,count\n1,0,0,5\n0,1,1,2\n1,0,0,3\n")
    with pytest.raises(
        DataValidationError, match=r"dup.csv, row 3 \(line 4\): history 100 repeats row 1 \(no duplicate pattern\)"
    ):
        load_table(path)


def test_all_zero_row_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "zero.csv", "A,B,count\n1,0,5\n0,0,7\n")
    with pytest.raises(DataValidationError, match=r"zero.csv, row 2 \(line 3\).*no all-zero row"):
        load_table(path)


def test_fewer_than_two_lists_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "one.csv", "A,count\n1,5\n")
    with pytest.raises(
        DataValidationError, match=r"one.csv: 1 list column\(s\) \['A'\]; at least two lists are needed"
    ):
        load_table(path)


def test_missing_count_column_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "nocount.csv", "A,B,n\n1,0,5\n")
    with pytest.raises(DataValidationError, match="nocount.csv: no 'count' column"):
        load_table(path)


def test_folder_reports_problems_of_every_file(tmp_path: Path) -> None:
    _write(tmp_path, "a_good.csv", "A,B,count\n1,0,5\n0,1,4\n1,1,2\n")
    _write(tmp_path, "b_bad.csv", "A,B,count\n1,0,x\n")
    _write(tmp_path, "c_bad.csv", "A,B,count\n1,0,1\n1,0,1\n")
    with pytest.raises(DataValidationError) as err:
        load_tables(tmp_path)
    assert [p.split(",")[0] for p in err.value.problems] == ["b_bad.csv", "c_bad.csv"]


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="no \\*.csv table files"):
        load_tables(tmp_path)
