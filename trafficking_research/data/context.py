"""Loading and validating the regional context resources: data/context.csv (UNODC GLOTIP extract for Finland and its
neighbours) and data/population.csv (population per country and year).

The rules are those of observations.csv (schema, codes, hashes, known sources) plus the context's own:

- one row per key (country, year, indicator, form, sex, age, occurrence); `occurrence` numbers, in file order,
  rows of the extract that share every key field (the extract repeats some "Other forms of exploitation" cells);
- a bound is kept as a bound: a cell published as "<5" is value 5 with qualifier `less_than`, never another number;
- accounting identities where the extract's parts are disjoint: a part never exceeds its total, and the disjoint parts
  of a total (by sex, by age, by sex and age, forced labour plus sexual exploitation) never add up to more than it.
  Bounds enter with their extreme values: a part "<5" counts as at least 0, a total "<5" as at most 4. The extract
  breaks these identities in some cells; those cells are kept as published and every part of a broken identity must
  say so in `identity_exception`, while a cell that breaks none must leave that column empty;
- a cell judged an error of the extract (a block copied from another indicator: the 2021 convictions "by form" for
  Finland repeat its detected victims by form, 105, 68 and 70 against a total of "<5") says so in `extraction_error`
  and must break an identity. Flags bind: `load_context` leaves such cells out unless asked (``include_flagged``);
- every country and year with a detected-victims total has its population in population.csv.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataValidationError
from .observations import _table, _typed, cited_package

CONTEXT_RESOURCE = "context"
POPULATION_RESOURCE = "population"
KEY: tuple[str, ...] = ("country", "year", "indicator", "form", "sex", "age", "occurrence")

# Disjoint parts of a total of the same country, year, indicator and form (occurrence 1): (name, sex codes, age codes).
SEX_PARTS: tuple[str, ...] = ("female", "male", "other", "unknown")
AGE_PARTS: tuple[str, ...] = ("minor", "adult", "unknown")
FORM_PARTS: tuple[str, ...] = ("forced_labour", "sexual_exploitation")


def bounds(value: float, qualifier: str) -> tuple[float, float]:
    """The smallest and largest count a published cell allows.

    Parameters
    ----------
    value : float
        The number recorded for the cell.
    qualifier : str
        One of exact, at_least, at_most, about, more_than, less_than.

    Returns
    -------
    tuple of float
        (lower, upper); an open side is 0 or infinity, and strict bounds move by one whole person.
    """
    if qualifier == "exact":
        return value, value
    if qualifier == "less_than":
        return 0.0, value - 1
    if qualifier == "at_most":
        return 0.0, value
    if qualifier == "more_than":
        return value + 1, float("inf")
    if qualifier == "at_least":
        return value, float("inf")
    return 0.0, float("inf")  # about: no bound the identities can use


def _row_rules(path: Path, rows: list[dict[str, str]], source_ids: set[str]) -> list[str]:
    """Rules across columns and rows: whole counts, possible bounds, known sources, unique contiguous keys."""
    problems = []
    for row in rows:
        where = f"{path}, line {row['_line']}"
        value = float(row["value"])
        if value != int(value):
            problems.append(f"{where}, column value: {row['value']} is not a whole number of {row['unit']}")
        if row["qualifier"] == "less_than" and value < 1:
            problems.append(f"{where}, column qualifier: less than {row['value']} is not a possible count")
        if row["source_id"] not in source_ids:
            problems.append(f"{where}, column source_id: unknown source '{row['source_id']}' (not in sources.csv)")
        if (row["indicator"] == "offences") != (row["unit"] == "offences"):
            problems.append(
                f"{where}, column unit: '{row['unit']}' does not go with indicator '{row['indicator']}' "
                "(offences are counted in offences, everything else in persons)"
            )
    groups: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[c] for c in KEY)].append(row)
    for key, members in groups.items():
        if len(members) > 1:
            problems.append(
                f"{path}, lines {', '.join(r['_line'] for r in members)}: duplicate key "
                f"{'/'.join(key)}; each (country, year, indicator, form, sex, age, occurrence) once"
            )
    repeats: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for key in groups:
        repeats[key[:-1]].append(int(key[-1]))
    for key, numbers in repeats.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            problems.append(
                f"{path}: occurrences {sorted(numbers)} of {'/'.join(key)} are not numbered 1 to {len(numbers)}"
            )
    return problems


def identity_checks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every identity the cells allow, whether it holds, and the lines of its parts and total.

    Parameters
    ----------
    rows : list of dict
        Rows of context.csv (strings or numbers), each with its file line in '_line'.

    Returns
    -------
    list of dict
        One entry per identity: rule, label, parts (line -> lower bound), the total's line and upper bound, holds.
    """
    cells: dict[tuple[str, ...], tuple[float, float, str]] = {}
    for row in rows:
        if int(row["occurrence"]) == 1:
            lower, upper = bounds(float(row["value"]), str(row["qualifier"]))
            key = tuple(str(row[c]) for c in ("country", "year", "indicator", "form", "sex", "age"))
            cells[key] = (lower, upper, str(row["_line"]))
    checks = []

    def check(rule: str, label: str, total_key: tuple[str, ...], part_keys: list[tuple[str, ...]]) -> None:
        if total_key not in cells:
            return
        found = [cells[k] for k in part_keys if k in cells]
        if not found:
            return
        lower_sum = sum(lo for lo, _, _ in found)
        upper = cells[total_key][1]
        checks.append(
            {
                "rule": rule,
                "label": label,
                "parts": {line: lo for lo, _, line in found},
                "parts_lower": lower_sum,
                "total_upper": upper,
                "total_line": cells[total_key][2],
                "holds": lower_sum <= upper,
            }
        )

    for country, year, indicator, form, sex, age in list(cells):
        if sex != "all" or age != "all":
            continue
        base = (country, year, indicator, form)
        label = "/".join(base)
        check("parts by sex", label, base + ("all", "all"), [base + (s, "all") for s in SEX_PARTS])
        check("parts by age", label, base + ("all", "all"), [base + ("all", a) for a in AGE_PARTS])
        check(
            "parts by sex and age", label, base + ("all", "all"), [base + (s, a) for s in SEX_PARTS for a in AGE_PARTS]
        )
        for s in SEX_PARTS:
            check("ages within a sex", f"{label}/{s}", base + (s, "all"), [base + (s, a) for a in AGE_PARTS])
        for a in AGE_PARTS:
            check("sexes within an age", f"{label}/{a}", base + ("all", a), [base + (s, a) for s in SEX_PARTS])
        for s in ("all", *SEX_PARTS):
            for a in ("all", *AGE_PARTS):
                if (s, a) != ("all", "all"):
                    check("part within its total", f"{label}/{s}/{a}", base + ("all", "all"), [base + (s, a)])
        if form == "all":
            check(
                "forced labour plus sexual exploitation",
                label,
                base + ("all", "all"),
                [(country, year, indicator, f, "all", "all") for f in FORM_PARTS],
            )
            for f in (*FORM_PARTS, "other"):
                check(
                    "form within the total",
                    f"{label}/{f}",
                    base + ("all", "all"),
                    [(country, year, indicator, f, "all", "all")],
                )
    return checks


def identity_problems(path: Path | str, rows: list[dict[str, Any]]) -> list[str]:
    """Parts of broken identities without an `identity_exception`, and exceptions where no identity is broken.

    Parameters
    ----------
    path : Path or str
        The file, for the messages.
    rows : list of dict
        Rows of context.csv with their file lines in '_line'.

    Returns
    -------
    list of str
        Messages naming file, line, column and rule.
    """
    broken: dict[str, list[str]] = defaultdict(list)
    for c in identity_checks(rows):
        if not c["holds"]:
            for line in c["parts"]:
                broken[line].append(
                    f"{c['rule']} of {c['label']}: parts at least {c['parts_lower']:g}, "
                    f"total (line {c['total_line']}) at most {c['total_upper']:g}"
                )
    problems = []
    for row in rows:
        line, note = str(row["_line"]), str(row["identity_exception"]).strip()
        if str(row.get("extraction_error", "")).strip() and line not in broken:
            problems.append(
                f"{path}, line {line}, column extraction_error: marks the cell as an error of the extract, but it "
                "breaks no identity of the extract; an extraction error must show in the extract's own accounting"
            )
        if line in broken and not note:
            problems.append(
                f"{path}, line {line}, column identity_exception: empty, but the cell breaks an "
                f"identity of the extract ({'; '.join(broken[line])}); keep it as published and say so"
            )
        elif note and line not in broken:
            problems.append(
                f"{path}, line {line}, column identity_exception: says the cell breaks an identity, "
                "but every identity it takes part in holds; remove the exception"
            )
    return problems


def _population_rules(
    path: Path, rows: list[dict[str, str]], source_ids: set[str], needed: set[tuple[str, str]]
) -> list[str]:
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        where = f"{path}, line {row['_line']}"
        key = (row["country"], row["year"])
        if key in seen:
            problems.append(f"{where}: population of {'/'.join(key)} already given on line {seen[key]}")
        seen[key] = row["_line"]
        if float(row["population"]) != int(float(row["population"])) or float(row["population"]) <= 0:
            problems.append(f"{where}, column population: {row['population']} is not a positive whole number")
        if row["source_id"] not in source_ids:
            problems.append(f"{where}, column source_id: unknown source '{row['source_id']}' (not in sources.csv)")
    for key in sorted(needed - set(seen)):
        problems.append(f"{path}: no population for {key[0]} {key[1]}, a year with detected victims in context.csv")
    return problems


def load_context(
    data_dir: str | Path | None = None, *, verify_hashes: bool = True, include_flagged: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate context.csv and population.csv and return them typed; any problem raises DataValidationError.

    Every cell is validated; the cells flagged as errors of the extract (`extraction_error`) are then left out unless
    `include_flagged` asks for them, so no query of the context can use them by accident.

    Parameters
    ----------
    data_dir : str or Path, optional
        The data package folder; the package's own `data/` when empty.
    verify_hashes : bool
        Check every file's size and SHA-256 against datapackage.json.
    include_flagged : bool
        Also return the cells flagged in `extraction_error` (for an audit of the extract).

    Returns
    -------
    tuple of DataFrame
        (context, population): categorical codes, numeric values and each row's CSV line.
    """
    folder, descriptor, src_rows, problems = cited_package(data_dir, verify_hashes)
    source_ids = {r["source_id"] for r in src_rows}
    ctx_path, ctx_rows, ctx_fields, ctx_problems = _table(folder, descriptor, CONTEXT_RESOURCE)
    pop_path, pop_rows, pop_fields, pop_problems = _table(folder, descriptor, POPULATION_RESOURCE)
    problems += ctx_problems + pop_problems
    if ctx_rows and not ctx_problems:
        problems += _row_rules(ctx_path, ctx_rows, source_ids)
        if not problems:
            problems += identity_problems(ctx_path, ctx_rows)
    if pop_rows and not pop_problems and ctx_rows and not ctx_problems:
        needed = {
            (r["country"], r["year"])
            for r in ctx_rows
            if r["indicator"] == "detected_victims" and r["form"] == "all" and r["sex"] == "all" and r["age"] == "all"
        }
        problems += _population_rules(pop_path, pop_rows, source_ids, needed)
    if problems:
        raise DataValidationError(problems)
    if not include_flagged:
        ctx_rows = [r for r in ctx_rows if not r.get("extraction_error", "").strip()]
    return _typed(ctx_rows, ctx_fields), _typed(pop_rows, pop_fields)
