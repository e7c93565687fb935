"""Compare two `reproduce` output folders: every value of results.json, every table and every figure, byte by byte.

Used as the guard of a refactoring that must not change a published number:

    trafficking-research reproduce --force --output /tmp/before     # on the old commit
    trafficking-research reproduce --force --output /tmp/after      # on the new one
    python benchmarks/compare_outputs.py /tmp/before /tmp/after [--notebooks growth profiles]

Prints, per notebook, the values, tables and figures that are identical, differ (with the largest relative
difference of a value) or exist on one side only; exits 1 when anything differs.

With ``--rtol R`` (the guard of a change of numerical method, such as the fitting engine) a value or a table cell
counts as the same when every number in it is within relative difference R (absolute 1e-12 near zero) and its text
is unchanged, or, for a table cell printed to a few digits, when it moved by one unit of its last digit; those are listed as "close", and figures, which cannot be compared that way, are only reported.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _numbers(entry: Any) -> list[float]:
    if isinstance(entry, bool) or entry is None:
        return []
    if isinstance(entry, (int, float)):
        return [float(entry)]
    if isinstance(entry, dict):
        return [x for k in sorted(entry) for x in _numbers(entry[k])]
    if isinstance(entry, list):
        return [x for v in entry for x in _numbers(v)]
    return []


def _rel(a: float, b: float) -> float:
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b), 1e-300) if math.isfinite(a) and math.isfinite(b) else math.inf


def _text(entry: Any) -> Any:
    """The entry with every number replaced by a placeholder: what must match exactly under a tolerance."""
    if isinstance(entry, bool) or entry is None or isinstance(entry, str):
        return entry
    if isinstance(entry, (int, float)):
        return "#"
    if isinstance(entry, dict):
        return {k: _text(v) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_text(v) for v in entry]
    return entry


def _close(a: float, b: float, rtol: float) -> bool:
    return a == b or abs(a - b) <= max(rtol * max(abs(a), abs(b)), 1e-12)


def compare_values(before: dict[str, Any], after: dict[str, Any], rtol: float = 0.0) -> dict[str, list[str]]:
    """Keys with identical entries, differing entries (with the largest relative difference) and one-sided keys;
    with `rtol` > 0 also entries whose numbers are all within `rtol` (and whose text is unchanged) as "close"."""
    out: dict[str, list[str]] = {"identical": [], "close": [], "differ": [], "only_before": [], "only_after": []}
    for key in sorted(set(before) | set(after)):
        if key not in after:
            out["only_before"].append(key)
        elif key not in before:
            out["only_after"].append(key)
        elif json.dumps(before[key], sort_keys=True) == json.dumps(after[key], sort_keys=True):
            out["identical"].append(key)
        else:
            a, b = _numbers(before[key]), _numbers(after[key])
            worst = max((_rel(x, y) for x, y in zip(a, b)), default=math.inf) if len(a) == len(b) else math.inf
            same_numbers = worst == 0.0
            what = "text only" if same_numbers else f"max relative difference {worst:.3g}"
            close = rtol > 0 and _text(before[key]) == _text(after[key]) and len(a) == len(b)
            close = close and all(_close(x, y, rtol) for x, y in zip(a, b))
            out["close" if close else "differ"].append(f"{key} ({what})")
    return out


def _cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _cells_close(a: list[list[str]], b: list[list[str]], rtol: float) -> bool:
    """Two CSV tables with the same shape and text whose numeric cells are within `rtol`."""
    if len(a) != len(b) or any(len(x) != len(y) for x, y in zip(a, b)):
        return False
    for x, y in zip((c for row in a for c in row), (c for row in b for c in row)):
        if x == y:
            continue
        try:
            u, v = float(x), float(y)
        except ValueError:
            return False
        # a cell printed to a few digits may move by one unit of its last digit when its value moves by far less
        digits = max(len(x.partition(".")[2]), len(y.partition(".")[2])) if "e" not in x + y else 0
        if not (_close(u, v, rtol) or ("." in x + y and abs(u - v) <= 1.000001 * 10.0**-digits)):
            return False
    return True


def compare_files(before: Path, after: Path, pattern: str, rtol: float = 0.0) -> dict[str, list[str]]:
    """Files matching `pattern` under both folders, compared by SHA-256 (CSV tables cell by cell under `rtol`)."""
    a = {p.relative_to(before).as_posix(): p for p in before.glob(pattern)}
    b = {p.relative_to(after).as_posix(): p for p in after.glob(pattern)}
    out: dict[str, list[str]] = {"identical": [], "close": [], "differ": [], "only_before": [], "only_after": []}
    for name in sorted(set(a) | set(b)):
        if name not in b:
            out["only_before"].append(name)
        elif name not in a:
            out["only_after"].append(name)
        elif _digest(a[name]) == _digest(b[name]):
            out["identical"].append(name)
        elif rtol > 0 and name.endswith(".csv") and _cells_close(_cells(a[name]), _cells(b[name]), rtol):
            out["close"].append(name)
        else:
            out["differ"].append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--notebooks", nargs="*", help="compare only these notebooks (default: all in 'after')")
    parser.add_argument(
        "--rtol", type=float, default=0.0, help="relative tolerance for values and table cells (default: exact)"
    )
    args = parser.parse_args(argv)
    names = args.notebooks or sorted(p.name for p in args.after.iterdir() if (p / "values.json").is_file())
    failed = False
    for name in names:
        vb = json.loads((args.before / name / "values.json").read_text(encoding="utf-8"))
        va = json.loads((args.after / name / "values.json").read_text(encoding="utf-8"))
        parts = {
            "values": compare_values(vb, va, args.rtol),
            "tables": compare_files(args.before / name, args.after / name, "tables/*.csv", args.rtol),
            "figures": compare_files(args.before / name, args.after / name, "figures/*"),
        }
        for part, res in parts.items():
            bad = {k: v for k, v in res.items() if k != "identical" and v}
            tolerated = {"close"} | ({"differ"} if part == "figures" and args.rtol > 0 else set())
            failed |= any(k not in tolerated for k in bad)
            print(
                f"{name} {part}: {len(res['identical'])} identical"
                + "".join(f", {len(v)} {k.replace('_', ' ')}" for k, v in bad.items())
            )
            for kind, items in bad.items():
                for item in items:
                    print(f"    {kind}: {item}")
    if args.rtol > 0:
        print(f"every value and table within relative {args.rtol:g}" if not failed else "DIFFERENCES FOUND")
    else:
        print("byte-identical" if not failed else "DIFFERENCES FOUND")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
