"""Loading and validating data/observations.csv: schema, hashes, sources, preferred rows and accounting identities."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataValidationError
from ..paths import resolve_data_dir
from .codes import IDENTITY_EXEMPT_MEASURES, KEY_COLUMNS, PARTITIONS
from .datapackage import check_hashes, read_descriptor, resource
from .provenance import (
    TEXT_NOT_FOUND,
    duplicate_url_problems,
    id_date_problems,
    locator_problem,
    missing_address_problems,
    unread_sources,
)


def _read_rows(path: Path, fields: list[str]) -> tuple[list[dict[str, str]], list[str]]:
    """Rows of a CSV as strings keyed by header, each with its file line in '_line'; plus structural problems."""
    if not path.is_file():
        return [], [f"{path}: file does not exist"]
    raw = path.read_bytes()
    if not raw.strip():
        return [], [f"{path}: file is empty (a header row with the columns {', '.join(fields)} is required)"]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [f"{path}, line {line}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8"]
    # A byte-order mark (removed by utf-8-sig) and CRLF line ends (split by splitlines) are read as they are.
    first = text.splitlines()[0]
    if first.count(";") >= len(fields) - 1 and first.count(",") < len(fields) - 1:
        return [], [
            f"{path}: the file is separated by semicolons, not commas (a spreadsheet saving CSV in a Finnish or other "
            "European locale does this, with decimal commas); save it again as CSV with ',' as the field delimiter "
            "and '.' as the decimal separator (LibreOffice: Save As > Text CSV > Edit filter settings), then run "
            "`trafficking-research data rehash`"
        ]
    try:
        records = list(csv.reader(text.splitlines(), strict=True))
    except csv.Error as exc:
        return [], [f"{path}: malformed CSV ({exc})"]
    header = [h.strip() for h in records[0]]
    problems = []
    missing = [f for f in fields if f not in header]
    extra = [h for h in header if h not in fields]
    if missing:
        problems.append(f"{path}, header: missing column(s) {', '.join(missing)}")
    if extra:
        problems.append(
            f"{path}, header: unexpected column(s) {', '.join(extra)}; the schema allows {', '.join(fields)}"
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        problems.append(f"{path}, header: column(s) {', '.join(duplicated)} appear more than once")
    if problems:
        return [], problems
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(map(str.strip, record)):
            continue
        if len(record) != len(header):
            problems.append(f"{path}, line {number}: {len(record)} fields where the header has {len(header)}")
            continue
        row = dict(zip(header, record))
        row["_line"] = str(number)
        rows.append(row)
    if not rows and not problems:
        problems.append(f"{path}: no data rows below the header")
    return rows, problems


def _check_field(path: Path, row: dict[str, str], field: dict[str, Any]) -> str | None:
    """The problem with one cell against its schema field, or None."""
    problem = _cell_problem(row[field["name"]].strip(), field)
    return None if problem is None else f"{path}, line {row['_line']}, column {field['name']}: {problem}"


def _cell_problem(cell: str, field: dict[str, Any]) -> str | None:
    """What is wrong with a stripped cell against its schema field (`_check_field` adds the place)."""
    kind = field.get("type", "string")
    constraints = field.get("constraints", {})
    if cell == "":
        return "empty, but the column is required" if constraints.get("required") else None
    if kind == "date":
        try:
            dt.date.fromisoformat(cell)
        except ValueError:
            return f"'{cell}' is not an ISO date (YYYY-MM-DD)"
        if len(cell) != 10:
            return f"'{cell}' is not an ISO date (YYYY-MM-DD)"
    elif kind in ("number", "integer"):
        try:
            number = float(cell)
        except ValueError:
            if re.fullmatch(r"[-+]?\d+,\d+", cell):
                return f"'{cell}' is not a number: it has a decimal comma; write a decimal point"
            return f"'{cell}' is not a number"
        if not math.isfinite(number):
            return f"'{cell}' is not a finite number"
        if kind == "integer" and number != int(number):
            return f"'{cell}' is not a whole number"
        if "minimum" in constraints and number < constraints["minimum"]:
            return f"{cell} is below the minimum {constraints['minimum']} (counts cannot be negative)"
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], cell):
        rule = field.get("description") or f"pattern {constraints['pattern']}"
        return f"'{cell}' does not have the required form ({rule})"
    if "enum" in constraints and cell not in constraints["enum"]:
        allowed = ", ".join(constraints["enum"])
        return f"unknown code '{cell}' (allowed: {allowed}; see data/codelist.csv)"
    return None


def _validate_rows(path: Path, rows: list[dict[str, str]], fields: list[dict[str, Any]]) -> list[str]:
    problems = []
    for row in rows:
        for field in fields:
            problem = _check_field(path, row, field)
            if problem:
                problems.append(problem)
    return problems


def _observation_rules(
    path: Path, rows: list[dict[str, str]], source_ids: set[str], unread: frozenset[str] = frozenset()
) -> list[str]:
    """Rules across columns and rows: counts whole, dates ordered, sources known, one preferred version per key,
    and no preferred row resting on a source whose text nobody could read (`unread`)."""
    problems = []
    for row in rows:
        where = f"{path}, line {row['_line']}"
        if row["unit"] == "persons":
            try:
                if float(row["value"]) != int(float(row["value"])):
                    problems.append(f"{where}, column value: {row['value']} persons is not a whole number")
            except ValueError:
                pass
        if row["unit"] == "percent":
            try:
                if float(row["value"]) > 100:
                    problems.append(f"{where}, column value: {row['value']} percent exceeds 100")
            except ValueError:
                pass
        if row["period_start"] and row["period_end"] and row["period_start"] > row["period_end"]:
            problems.append(
                f"{where}, columns period_start/period_end: start {row['period_start']} is after end {row['period_end']}"
            )
        if row["source_id"] and row["source_id"] not in source_ids:
            problems.append(f"{where}, column source_id: unknown source '{row['source_id']}' (not in sources.csv)")
        if row["locator"].strip():
            why = locator_problem(row["locator"])
            if why:
                problems.append(f"{where}, column locator: '{row['locator']}' {why}")
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[c] for c in KEY_COLUMNS), []).append(row)
    for key, members in groups.items():
        preferred = [r for r in members if r["status"] == "preferred"]
        lines = ", ".join(r["_line"] for r in members)
        label = "/".join(key)
        if len(preferred) > 1:
            problems.append(
                f"{path}, lines {', '.join(r['_line'] for r in preferred)}, column status: "
                f"duplicate preferred rows for {label}; exactly one version may be preferred"
            )
        elif not preferred and not all(r["note"].strip() for r in members):
            problems.append(
                f"{path}, lines {lines}, column status: no preferred row for {label}; mark one version preferred "
                "or say in note why every version is rejected"
            )
        elif preferred and preferred[0]["source_id"] in unread:
            problems.append(
                f"{path}, line {preferred[0]['_line']}, column status: the preferred row for {label} rests on source "
                f"'{preferred[0]['source_id']}', whose note in sources.csv says '{TEXT_NOT_FOUND}'; a preferred row "
                "must be checkable: make a version from a readable source preferred, or give a readable source"
            )
        elif len(members) > 1 and not preferred[0]["note"].strip():
            problems.append(
                f"{path}, line {preferred[0]['_line']}, column note: preferred over line(s) "
                f"{', '.join(r['_line'] for r in members if r is not preferred[0])} without a reason in note"
            )
    return problems


def identity_checks(
    rows: list[dict[str, Any]], exempt: frozenset[str] = IDENTITY_EXEMPT_MEASURES
) -> list[dict[str, Any]]:
    """Every accounting identity the preferred counts allow: per total, its parts, their sum and whether it holds.

    Parts never exceed their total; when every part is published they add up to it exactly. Measures in `exempt`
    are skipped (see codes.IDENTITY_EXEMPT_MEASURES for why).
    """
    counts: dict[tuple[str, ...], tuple[float, str]] = {}
    for row in rows:
        if row["status"] == "preferred" and row["unit"] == "persons" and row["measure"] not in exempt:
            counts[tuple(str(row[c]) for c in KEY_COLUMNS)] = (float(row["value"]), str(row["_line"]))
    checks = []
    for dim, (total_code, parts) in PARTITIONS.items():
        pos = KEY_COLUMNS.index(dim)
        for key, (total, total_line) in counts.items():
            if key[pos] != total_code:
                continue
            found = []
            for part in parts:
                part_key = key[:pos] + (part,) + key[pos + 1 :]
                if part_key in counts:
                    found.append((part, *counts[part_key]))
            if not found:
                continue
            parts_sum = sum(v for _, v, _ in found)
            complete = len(found) == len(parts)
            checks.append(
                {
                    "dimension": dim,
                    "label": "/".join(k for i, k in enumerate(key) if i != pos),
                    "total": total,
                    "parts_sum": parts_sum,
                    "parts": ", ".join(f"{p}={v:g}" for p, v, _ in found),
                    "complete": complete,
                    "ok": parts_sum <= total and (not complete or parts_sum == total),
                    "lines": ", ".join(line for _, _, line in found),
                    "total_line": total_line,
                }
            )
    return checks


def identity_problems(
    path: Path | str, rows: list[dict[str, Any]], exempt: frozenset[str] = IDENTITY_EXEMPT_MEASURES
) -> list[str]:
    """The broken identities among `identity_checks`, as messages naming the file and lines."""
    problems = []
    for c in identity_checks(rows, exempt):
        if c["ok"]:
            continue
        head = (
            f"{path}, lines {c['lines']} vs {c['total_line']}: identity broken for {c['label']}: {c['dimension']} parts"
        )
        if c["parts_sum"] > c["total"]:
            problems.append(f"{head} sum to {c['parts_sum']:g}, more than the total {c['total']:g}")
        else:
            problems.append(f"{head} are all given and sum to {c['parts_sum']:g}, not the total {c['total']:g}")
    return problems


def cited_package(
    data_dir: str | Path | None, verify_hashes: bool = True
) -> tuple[Path, dict[str, Any], list[dict[str, str]], list[str]]:
    """What every cited resource's loader starts with: the package folder, its descriptor, the rows of sources.csv
    (what a row may cite) and the problems found so far (hashes, the sources table).

    Parameters
    ----------
    data_dir : str or Path, optional
        The data package folder; the package's own `data/` when empty.
    verify_hashes : bool
        Check every file's size and SHA-256 against datapackage.json.

    Returns
    -------
    tuple
        (folder, descriptor, source rows, problems).
    """
    folder = resolve_data_dir(data_dir)
    descriptor = read_descriptor(folder)
    problems = check_hashes(descriptor, folder) if verify_hashes else []
    _, src_rows, _, src_problems = _table(folder, descriptor, "sources")
    return folder, descriptor, src_rows, problems + src_problems


def _table(
    data_dir: Path, descriptor: dict[str, Any], name: str
) -> tuple[Path, list[dict[str, str]], list[dict[str, Any]], list[str]]:
    res = resource(descriptor, name, data_dir)
    fields = res["schema"]["fields"]
    path = data_dir / res["path"]
    rows, problems = _read_rows(path, [f["name"] for f in fields])
    if rows:
        problems += _validate_rows(path, rows, fields)
    return path, rows, fields, problems


def _typed(rows: list[dict[str, str]], fields: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for field in fields:
        name, kind = field["name"], field.get("type", "string")
        if kind == "date":
            frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d")
        elif kind in ("number", "integer"):
            frame[name] = pd.to_numeric(frame[name])
        elif "enum" in field.get("constraints", {}):
            frame[name] = pd.Categorical(frame[name], categories=field["constraints"]["enum"])
        else:
            frame[name] = frame[name].astype(object)
    frame["line"] = frame.pop("_line").astype(int)
    return frame


def load_data(data_dir: str | Path | None = None, *, verify_hashes: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate the whole data package and return (observations, sources); any problem raises DataValidationError."""
    folder = resolve_data_dir(data_dir)
    descriptor = read_descriptor(folder)
    problems = check_hashes(descriptor, folder) if verify_hashes else []
    src_path, src_rows, src_fields, src_problems = _table(folder, descriptor, "sources")
    problems += src_problems
    ids = [r["source_id"] for r in src_rows]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        lines = ", ".join(r["_line"] for r in src_rows if r["source_id"] == dup)
        problems.append(f"{src_path}, lines {lines}, column source_id: '{dup}' is used by more than one source")
    if not src_problems:
        problems += duplicate_url_problems(src_path, src_rows)
        problems += missing_address_problems(src_path, src_rows)
        problems += id_date_problems(src_path, src_rows)
    obs_path, obs_rows, obs_fields, obs_problems = _table(folder, descriptor, "observations")
    problems += obs_problems
    if obs_rows and not obs_problems:
        problems += _observation_rules(obs_path, obs_rows, set(ids), frozenset(unread_sources(src_rows)))
        if not problems:
            problems += identity_problems(obs_path, obs_rows)
    if problems:
        raise DataValidationError(problems)
    return _typed(obs_rows, obs_fields), _typed(src_rows, src_fields)


def load_observations(data_dir: str | Path | None = None, *, verify_hashes: bool = True) -> pd.DataFrame:
    """Load the data package's observations, validated on every load.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder of a data package (``datapackage.json`` beside its CSV files); default: the project's ``data/``.
    verify_hashes : bool
        Refuse files whose SHA-256 differs from the one ``datapackage.json`` records.

    Returns
    -------
    pandas.DataFrame
        One row per published figure: period dates, categorical codes (measure, client type, place, form, sex,
        age, unit), the value as published, its source, locator and status (``preferred`` or not), and the CSV
        line it came from.

    Raises
    ------
    DataValidationError
        Listing every problem with its file, line, column and rule.
    """
    return load_data(data_dir, verify_hashes=verify_hashes)[0]
