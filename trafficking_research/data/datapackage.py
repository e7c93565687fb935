"""Reading data/datapackage.json (Frictionless) and checking the files it describes against their recorded hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import DataValidationError
from ..paths import resolve_data_dir

DESCRIPTOR = "datapackage.json"


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_descriptor(data_dir: str | Path | None = None) -> dict[str, Any]:
    """Parse datapackage.json and check that it names its resources; errors name the file and the rule."""
    folder = resolve_data_dir(data_dir)
    if not folder.is_dir():
        raise DataValidationError([f"{folder}: data directory does not exist"])
    path = folder / DESCRIPTOR
    if not path.is_file():
        raise DataValidationError([f"{path}: missing; every data directory needs a Frictionless descriptor"])
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataValidationError([f"{path}: not valid UTF-8 JSON ({exc})"]) from None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not resources:
        raise DataValidationError([f"{path}: 'resources' must be a non-empty list"])
    problems = []
    for i, res in enumerate(resources):
        for key in ("name", "path", "schema"):
            if not isinstance(res, dict) or key not in res:
                problems.append(f"{path}: resources[{i}] lacks '{key}'")
    if problems:
        raise DataValidationError(problems)
    return descriptor


def resource(descriptor: dict[str, Any], name: str, data_dir: Path) -> dict[str, Any]:
    """The resource called `name`; a clear error when the descriptor lacks it."""
    for res in descriptor["resources"]:
        if res["name"] == name:
            return res
    raise DataValidationError([f"{data_dir / DESCRIPTOR}: no resource named '{name}'"])


def check_hashes(descriptor: dict[str, Any], data_dir: Path) -> list[str]:
    """Problems where a file's size or SHA-256 differs from the descriptor (a changed file needs `data rehash`)."""
    problems = []
    for res in descriptor["resources"]:
        path = data_dir / res["path"]
        if not path.is_file():
            problems.append(f"{path}: file named by resource '{res['name']}' does not exist")
            continue
        want = str(res.get("hash", ""))
        if not want:
            problems.append(f"{path}: resource '{res['name']}' has no 'hash' in {DESCRIPTOR}")
            continue
        algo, _, value = want.rpartition(":")
        if algo not in ("", "sha256"):
            problems.append(f"{path}: hash algorithm '{algo}' is not sha256")
            continue
        got = sha256_of(path)
        if got != value:
            problems.append(
                f"{path}: sha256 {got[:12]}… does not match {DESCRIPTOR} ({value[:12]}…); "
                "the file changed after its hash was recorded (run `trafficking-research data rehash` if intended)"
            )
        elif "bytes" in res and int(res["bytes"]) != path.stat().st_size:
            problems.append(f"{path}: size {path.stat().st_size} bytes differs from {DESCRIPTOR} ({res['bytes']})")
    return problems


def rehash(data_dir: str | Path | None = None) -> list[str]:
    """Record each resource's current bytes and SHA-256 in datapackage.json; returns the names that changed."""
    folder = resolve_data_dir(data_dir)
    descriptor = read_descriptor(folder)
    changed = []
    for res in descriptor["resources"]:
        path = folder / res["path"]
        new_hash, new_bytes = f"sha256:{sha256_of(path)}", path.stat().st_size
        if res.get("hash") != new_hash or res.get("bytes") != new_bytes:
            changed.append(res["name"])
        res["hash"], res["bytes"] = new_hash, new_bytes
    (folder / DESCRIPTOR).write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed
