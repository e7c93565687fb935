"""Loading and validating data/context_notes.csv: what each country's count of detected victims in the UNODC extract
counts, and what its trend mixes, as cited statements.

Each note is one statement about one country and one topic (who identifies victims, what the national count holds,
a caveat on comparing it, a caveat on its trend). Like every number of the package, each note names its source (a
row of sources.csv that someone could read) and a locator that stands on its own; the schema, the file hashes and
the known-source rule are those of the other tables, and each (country, topic) has one note.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataValidationError
from .observations import _table, _typed, cited_package
from .provenance import TEXT_NOT_FOUND, locator_problem, unread_sources

NOTES_RESOURCE = "context_notes"
#: The topics in the order a comparability table shows them, with their labels for readers.
TOPICS: dict[str, str] = {
    "who_identifies": "who identifies",
    "what_is_counted": "what is counted",
    "caveat": "caveat",
    "trend_caveat": "trend caveat",
}


def _note_rules(path: Path, rows: list[dict[str, str]], sources: set[str], unread: set[str]) -> list[str]:
    """Known and readable sources, locators that stand on their own, one note per (country, topic)."""
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        where = f"{path}, line {row['_line']}"
        if row["source_id"] not in sources:
            problems.append(f"{where}, column source_id: unknown source '{row['source_id']}' (not in sources.csv)")
        elif row["source_id"] in unread:
            problems.append(
                f"{where}, column source_id: source '{row['source_id']}' has a note in sources.csv beginning "
                f"'{TEXT_NOT_FOUND}'; a note must rest on a source someone could read"
            )
        why = locator_problem(row["locator"]) if row["locator"].strip() else None
        if why:
            problems.append(f"{where}, column locator: '{row['locator']}' {why}")
        key = (row["country"], row["topic"])
        if key in seen:
            problems.append(
                f"{where}, columns country/topic: a note on {key[0]} / {key[1]} is already on line {seen[key]}; "
                "each (country, topic) has one note"
            )
        else:
            seen[key] = row["_line"]
    return problems


def load_context_notes(data_dir: str | Path | None = None, *, verify_hashes: bool = True) -> pd.DataFrame:
    """Validate context_notes.csv and return it typed; any problem raises DataValidationError.

    Parameters
    ----------
    data_dir : str or Path, optional
        The data package folder; the package's own `data/` when empty.
    verify_hashes : bool
        Check every file's size and SHA-256 against datapackage.json.

    Returns
    -------
    pandas.DataFrame
        One row per note: country, topic (categorical, in the order of `TOPICS`), text, source_id, locator and the
        CSV line.

    Raises
    ------
    DataValidationError
        Listing every problem with its file, line, column and rule.
    """
    folder, descriptor, src_rows, problems = cited_package(data_dir, verify_hashes)
    path, rows, fields, note_problems = _table(folder, descriptor, NOTES_RESOURCE)
    problems += note_problems
    if rows:
        problems += _note_rules(path, rows, {r["source_id"] for r in src_rows}, unread_sources(src_rows))
    if problems:
        raise DataValidationError(problems)
    return _typed(rows, fields)


def notes_on(notes: pd.DataFrame, topic: str) -> dict[str, str]:
    """The text of every country's note on one topic.

    Parameters
    ----------
    notes : pandas.DataFrame
        From `load_context_notes`.
    topic : str
        One of `TOPICS`.

    Returns
    -------
    dict
        Country code -> the note's text, for the countries that have a note on `topic`.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown topic '{topic}' (topics: {', '.join(TOPICS)})")
    chosen = notes[notes["topic"] == topic]
    return dict(zip(chosen["country"].astype(str), chosen["text"].astype(str)))
