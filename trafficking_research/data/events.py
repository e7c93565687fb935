"""Loading and validating data/events.csv: dated events (a change of law) that an analysis compares before and after.

Each event names its source (a row of sources.csv) and where in it the date stands, like every observation; the
schema, the file hashes and the known-source rule are those of the other tables.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..errors import DataValidationError, ParameterError
from .observations import _table, _typed, cited_package

EVENTS_RESOURCE = "events"


def load_events(data_dir: str | Path | None = None, *, verify_hashes: bool = True) -> pd.DataFrame:
    """Validate events.csv and return it typed; any problem raises DataValidationError.

    Parameters
    ----------
    data_dir : str or Path, optional
        The data package folder; the package's own `data/` when empty.
    verify_hashes : bool
        Check every file's size and SHA-256 against datapackage.json.

    Returns
    -------
    pandas.DataFrame
        One row per event, indexed by ``event_id``, with its date, source and locator.
    """
    folder, descriptor, src_rows, problems = cited_package(data_dir, verify_hashes)
    path, rows, fields, event_problems = _table(folder, descriptor, EVENTS_RESOURCE)
    problems += event_problems
    sources = {r["source_id"] for r in src_rows}
    seen: dict[str, str] = {}
    for row in rows:
        where = f"{path}, line {row['_line']}"
        if row["source_id"] not in sources:
            problems.append(f"{where}, column source_id: unknown source '{row['source_id']}' (not in sources.csv)")
        if row["event_id"] in seen:
            problems.append(f"{where}, column event_id: '{row['event_id']}' already on line {seen[row['event_id']]}")
        seen[row["event_id"]] = row["_line"]
    if problems:
        raise DataValidationError(problems)
    return _typed(rows, fields).set_index("event_id")


def event_date(events: pd.DataFrame, event_id: str) -> dt.date:
    """The date of one event.

    Parameters
    ----------
    events : pandas.DataFrame
        From `load_events`.
    event_id : str
        The event's key.

    Returns
    -------
    datetime.date
    """
    if event_id not in events.index:
        raise ParameterError(
            f"parameter 'event': no event '{event_id}' in events.csv (events: {', '.join(events.index)})"
        )
    return events.loc[event_id, "date"].date()
