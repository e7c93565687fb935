"""Compare two `reproduce` output folders: every value of results.json, every table and every figure, byte by byte.

Used as the guard of a refactoring that must not change a published number:

    trafficking-research reproduce --force --output /tmp/before     # on the old commit
    trafficking-research reproduce --force --output /tmp/after      # on the new one
    python benchmarks/compare_outputs.py /tmp/before /tmp/after [--notebooks growth profiles]

Prints, per notebook, the values, tables and figures that are identical, differ (with the largest relative
difference of a value) or exist on one side only; exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
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


def compare_values(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    """Keys with identical entries, differing entries (with the largest relative difference) and one-sided keys."""
    out: dict[str, list[str]] = {"identical": [], "differ": [], "only_before": [], "only_after": []}
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
            out["differ"].append(f"{key} ({what})")
    return out


def compare_files(before: Path, after: Path, pattern: str) -> dict[str, list[str]]:
    """Files matching `pattern` under both folders, compared by SHA-256."""
    a = {p.relative_to(before).as_posix(): p for p in before.glob(pattern)}
    b = {p.relative_to(after).as_posix(): p for p in after.glob(pattern)}
    out: dict[str, list[str]] = {"identical": [], "differ": [], "only_before": [], "only_after": []}
    for name in sorted(set(a) | set(b)):
        if name not in b:
            out["only_before"].append(name)
        elif name not in a:
            out["only_after"].append(name)
        else:
            out["identical" if _digest(a[name]) == _digest(b[name]) else "differ"].append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--notebooks", nargs="*", help="compare only these notebooks (default: all in 'after')")
    args = parser.parse_args(argv)
    names = args.notebooks or sorted(p.name for p in args.after.iterdir() if (p / "values.json").is_file())
    failed = False
    for name in names:
        vb = json.loads((args.before / name / "values.json").read_text(encoding="utf-8"))
        va = json.loads((args.after / name / "values.json").read_text(encoding="utf-8"))
        parts = {
            "values": compare_values(vb, va),
            "tables": compare_files(args.before / name, args.after / name, "tables/*.csv"),
            "figures": compare_files(args.before / name, args.after / name, "figures/*"),
        }
        for part, res in parts.items():
            bad = {k: v for k, v in res.items() if k != "identical" and v}
            failed |= bool(bad)
            print(
                f"{name} {part}: {len(res['identical'])} identical"
                + "".join(f", {len(v)} {k.replace('_', ' ')}" for k, v in bad.items())
            )
            for kind, items in bad.items():
                for item in items:
                    print(f"    {kind}: {item}")
    print("byte-identical" if not failed else "DIFFERENCES FOUND")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
