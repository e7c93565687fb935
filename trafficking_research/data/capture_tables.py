"""Incomplete 2^k tables of list memberships: validated loading from CSV, one table per file.

A table file has one 0/1 column per list and a `count` column; each row is a capture history
(the lists a case is on) and the number of cases with exactly that history. Histories that are
not given have count zero; the all-zero history (on no list) is the unobserved dark figure.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trafficking_research import paths
from trafficking_research.errors import DataValidationError

COUNT_COLUMN = "count"
SHARED_MSE_DIR: Path = paths.shared_mse_dir()


def all_histories(n_lists: int) -> np.ndarray:
    """Every non-empty capture history of `n_lists` lists, ordered by number of lists then lexicographically."""
    rows = [h for h in itertools.product((0, 1), repeat=n_lists) if any(h)]
    rows.sort(key=lambda h: (sum(h), tuple(-x for x in h)))
    return np.array(rows, dtype=np.int8).reshape(-1, n_lists)


@dataclass(frozen=True, eq=False)
class CaptureTable:
    """A named incomplete contingency table: counts for every non-empty history of the lists."""

    name: str
    lists: tuple[str, ...]
    histories: np.ndarray
    counts: np.ndarray

    @property
    def n_lists(self) -> int:
        """Number of lists."""
        return len(self.lists)

    @property
    def n_observed(self) -> int:
        """Number of cases seen on at least one list."""
        return int(self.counts.sum())

    def overlap(self, i: int, j: int) -> int:
        """Cases on both list i and list j, whatever other lists they are on."""
        both = self.histories[:, i] & self.histories[:, j]
        return int(self.counts[both == 1].sum())

    def with_counts(self, counts: np.ndarray, name: str | None = None) -> CaptureTable:
        """The same lists and histories with other counts (a bootstrap or jackknife table)."""
        return CaptureTable(name or self.name, self.lists, self.histories, np.asarray(counts, dtype=np.int64))

    def keep_lists(self, keep: list[int]) -> CaptureTable:
        """The table collapsed onto a subset of its lists (cases on none of them join the dark figure)."""
        hist = all_histories(len(keep))
        index = {tuple(h): r for r, h in enumerate(hist)}
        counts = np.zeros(len(hist), dtype=np.int64)
        for h, c in zip(self.histories[:, keep], self.counts):
            if h.any():
                counts[index[tuple(h)]] += c
        return CaptureTable(self.name, tuple(self.lists[i] for i in keep), hist, counts)

    def to_frame(self, include_zero: bool = False) -> pd.DataFrame:
        """The table as a data frame of list columns and `count` (zero-count histories omitted unless asked)."""
        frame = pd.DataFrame(self.histories.astype(int), columns=list(self.lists))
        frame[COUNT_COLUMN] = self.counts
        return frame if include_zero else frame[frame[COUNT_COLUMN] > 0].reset_index(drop=True)


def _as_number(value: str) -> float | None:
    """The number a CSV cell holds, or None when it holds none."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _row_problems(frame: pd.DataFrame, lists: list[str], source: str) -> list[str]:
    """Per-row breaches: list columns other than 0/1, counts that are not non-negative integers."""
    problems: list[str] = []
    for pos, row in enumerate(frame.itertuples(index=False), start=1):
        where = f"{source}, row {pos} (line {pos + 1})"
        values = dict(zip(frame.columns, row))
        for col in lists:
            number = _as_number(values[col])
            if number not in (0.0, 1.0):
                problems.append(
                    f"{where}, column '{col}': value {values[col]!r} is not 0 or 1 (list columns are 0/1 only)"
                )
        raw = values[COUNT_COLUMN]
        number = _as_number(raw)
        if number is None:
            problems.append(
                f"{where}, column 'count': value {raw!r} is not a number (counts are non-negative integers)"
            )
        elif number < 0:
            problems.append(f"{where}, column 'count': value {raw!r} is negative (counts are non-negative integers)")
        elif number != int(number):
            problems.append(
                f"{where}, column 'count': value {raw!r} is not a whole number (counts are non-negative integers)"
            )
    return problems


def _pattern_problems(patterns: np.ndarray, source: str) -> list[str]:
    """Breaches among valid rows: the all-zero history given, and the same history on two rows."""
    problems: list[str] = []
    first_row: dict[tuple[int, ...], int] = {}
    for pos, pattern in enumerate(map(tuple, patterns), start=1):
        if not any(pattern):
            problems.append(
                f"{source}, row {pos} (line {pos + 1}): the history is on no list; the all-zero cell is the "
                "unobserved dark figure and must not be given (no all-zero row)"
            )
        if pattern in first_row:
            shown = "".join(str(x) for x in pattern)
            problems.append(
                f"{source}, row {pos} (line {pos + 1}): history {shown} repeats row {first_row[pattern]} "
                "(no duplicate pattern)"
            )
        else:
            first_row[pattern] = pos
    return problems


def table_from_frame(frame: pd.DataFrame, name: str, source: str | None = None) -> CaptureTable:
    """A validated table from a data frame of list columns and `count`; every breach is reported at once.

    Raises DataValidationError whose problems name the source, the row and the rule broken.
    """
    source = source or name
    frame = frame.astype(str) if len(frame.columns) else frame
    columns = [str(c) for c in frame.columns]
    if COUNT_COLUMN not in columns:
        raise DataValidationError([f"{source}: no 'count' column (a table needs one 0/1 column per list and 'count')"])
    lists = [c for c in columns if c != COUNT_COLUMN]
    if len(lists) < 2:
        raise DataValidationError([f"{source}: {len(lists)} list column(s) {lists}; at least two lists are needed"])
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise DataValidationError([f"{source}: column name(s) {dupes} appear more than once"])
    frame = frame.copy()
    frame.columns = columns
    problems = _row_problems(frame, lists, source)
    if problems:
        raise DataValidationError(problems)
    patterns = frame[lists].astype(float).astype(np.int8).to_numpy()
    problems = _pattern_problems(patterns, source)
    if problems:
        raise DataValidationError(problems)
    hist = all_histories(len(lists))
    index = {tuple(h): r for r, h in enumerate(hist)}
    counts = np.zeros(len(hist), dtype=np.int64)
    for pattern, count in zip(map(tuple, patterns), frame[COUNT_COLUMN].astype(float)):
        counts[index[pattern]] = int(count)
    return CaptureTable(name, tuple(lists), hist, counts)


def load_table(path: str | Path) -> CaptureTable:
    """Read and validate one table file; its name is the file's stem."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataValidationError([f"{path.name}: cannot be read as CSV ({exc})"]) from exc
    return table_from_frame(frame, path.stem, source=path.name)


def load_tables(folder: str | Path = SHARED_MSE_DIR) -> dict[str, CaptureTable]:
    """Read and validate every `*.csv` in a folder, by file stem; problems of all files are raised together."""
    folder = Path(folder)
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise DataValidationError([f"{folder}: no *.csv table files"])
    tables: dict[str, CaptureTable] = {}
    problems: list[str] = []
    for path in files:
        try:
            tables[path.stem] = load_table(path)
        except DataValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataValidationError(problems)
    return tables
