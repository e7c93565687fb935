"""The ledger's format as a JSON Schema (``claims.schema.json`` beside this module), and its messages.

`format_problems` validates a parsed ledger with `jsonschema` and turns every violation into a sentence that names
the file, the claim (or `same_origin` group), the field and the rule: the schema's ``title`` names what is checked
(``a 'compare' check``, ``operator``) and its ``description`` says the rule in words.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


def _import_jsonschema() -> None:
    """Import jsonschema without its optional IRI checker: where `rfc3987_syntax` is installed (jupyter-events brings
    it), jsonschema imports it at once, and it compiles 38 grammars on import (about 2.7 CPU-s). The ledger's schema
    uses no IRI format, so the module is hidden for the length of this import only, unless it is loaded already."""
    hidden = "rfc3987_syntax" not in sys.modules
    if hidden:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # an import of it raises ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        if hidden:
            del sys.modules["rfc3987_syntax"]


_import_jsonschema()

import jsonschema  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402
from jsonschema.exceptions import ValidationError  # noqa: E402

SCHEMA_FILE: Path = Path(__file__).with_name("claims.schema.json")

_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
    "null": "empty",
}


def _is_integer(_: Any, value: Any) -> bool:
    """A Python int, not a bool (YAML's 2020.0 is not a year)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(_: Any, value: Any) -> bool:
    """A finite int or float, not a bool (YAML's .nan and .inf are not numbers a source states)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


#: Draft 2020-12 with strict numbers: an integer is an int, a number is finite.
LedgerValidator = jsonschema.validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number}),
)


@cache
def ledger_schema() -> dict[str, Any]:
    """The ledger's JSON Schema, read from `SCHEMA_FILE`.

    Returns
    -------
    dict
        The schema (Draft 2020-12).
    """
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Problem:
    """One broken rule: where in the document (the path of keys and list indices) and what is wrong."""

    location: tuple[str | int, ...]
    text: str


def json_compatible(node: Any) -> Any:
    """The parsed YAML with dates as ISO text, as JSON Schema sees a document (lists, mappings, text, numbers).

    Parameters
    ----------
    node : Any
        A parsed YAML document or part of one.

    Returns
    -------
    Any
        The same structure, every `datetime.date` replaced by its ISO text.
    """
    if isinstance(node, dict):
        return {key: json_compatible(value) for key, value in node.items()}
    if isinstance(node, list):
        return [json_compatible(value) for value in node]
    if isinstance(node, dt.date):  # also datetimes, whose ISO text is then not a date
        return node.isoformat()
    return node


def place(file: Path, doc: Any, location: tuple[str | int, ...]) -> str:
    """Where a problem is, in words: ``<file>: claim '<id>', field 'check.quantity.sum[0].place'``.

    Parameters
    ----------
    file : Path
        The ledger file.
    doc : Any
        The parsed ledger (to find a claim's id or a group's name).
    location : tuple
        Keys and list indices from the top of the document.

    Returns
    -------
    str
        The file, the claim or group, and the field.
    """
    head, rest = str(file), list(location)
    if len(rest) >= 2 and rest[0] in ("claims", "same_origin") and isinstance(rest[1], int) and isinstance(doc, dict):
        items = doc.get(rest[0])
        item = items[rest[1]] if isinstance(items, list) and rest[1] < len(items) else None
        key = item.get("id" if rest[0] == "claims" else "name") if isinstance(item, dict) else None
        if rest[0] == "claims":
            head += f": claim '{key}'" if isinstance(key, str) and key else f": claims[{rest[1]}] (no id)"
        else:
            head += f": same_origin[{rest[1]}]" + (f" ('{key}')" if isinstance(key, str) else "")
        rest = rest[2:]
    if not rest:
        return head
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest).lstrip(".")
    return f"{head}{',' if ': ' in head else ':'} field '{field}'"


def format_problems(doc: Any) -> list[Problem]:
    """Every violation of the ledger's JSON Schema, as located sentences (duplicates once).

    Parameters
    ----------
    doc : Any
        The parsed ledger, made JSON-compatible by `json_compatible`.

    Returns
    -------
    list of Problem
        In document order; empty when the ledger's format is valid.
    """
    validator = LedgerValidator(ledger_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    found: dict[Problem, None] = {}
    for error in validator.iter_errors(doc):
        for problem in _explain(error):
            found[problem] = None
    return list(found)


def _shown(value: Any) -> str:
    """The offending value in a message: itself, or the field names of a mapping."""
    if isinstance(value, dict):
        return "fields: " + (", ".join(str(k) for k in value) or "none")
    return f"got {value!r}"


def _explain(error: ValidationError) -> Iterator[Problem]:
    """One or more problems from one `jsonschema` error, worded from the schema's title and description."""
    where = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    title, rule = schema.get("title"), schema.get("description")
    value, keyword = error.instance, error.validator
    if keyword == "required":
        needed = ", ".join(error.validator_value)
        for name in error.validator_value:
            if isinstance(value, dict) and name not in value:
                yield Problem(
                    where + (name,), f"missing ({title} needs {needed})" if title else f"missing (required: {needed})"
                )
    elif keyword == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        for name in value:
            if name not in allowed:
                yield Problem(
                    where + (name,), f"unknown field{' for ' + title if title else ''} (allowed: {', '.join(allowed)})"
                )
    elif keyword == "enum":
        text = f"unknown {title or 'value'} {value!r} (allowed: {', '.join(map(str, error.validator_value))})"
        yield Problem(where, text + (f"; {rule}" if rule else ""))
    elif keyword == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
        yield Problem(where, f"must be {words}, got {value!r}" + (f" ({rule})" if rule else ""))
    elif rule:
        yield Problem(where, f"{rule} ({_shown(value)})")
    else:
        yield Problem(where, error.message)
