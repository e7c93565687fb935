"""Hashes of a notebook's inputs (notebook, parameters, data files, library source): the key of the run cache."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..data.datapackage import sha256_of
from ..paths import PACKAGE_DIR, PROJECT_ROOT, resolve_data_dir

CLAIMS_DIR = PROJECT_ROOT / "claims"


def folder_digests(folder: Path, pattern: str = "*") -> dict[str, str]:
    """SHA-256 of every file matching `pattern` below `folder`, keyed by relative path."""
    return {
        str(p.relative_to(folder)): sha256_of(p)
        for p in sorted(folder.rglob(pattern))
        if p.is_file() and "__pycache__" not in p.parts
    }


def data_digests(data_dir: str | Path | None) -> dict[str, str]:
    """SHA-256 of the files directly in a data folder."""
    folder = resolve_data_dir(data_dir)
    return {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file()}


def library_digest() -> str:
    """One hash over the package's Python source and JSON files (the ledger's schema) and the claims ledger, so that
    a change to any of them re-runs the notebooks."""
    package = {**folder_digests(PACKAGE_DIR, "*.py"), **folder_digests(PACKAGE_DIR, "*.json")}
    files = {"package": package, "claims": folder_digests(CLAIMS_DIR)}
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def notebook_digest(notebook_file: Path) -> str:
    """Hash of a notebook's cell sources and kernel, not its outputs: committing a re-executed notebook changes nothing."""
    nb = json.loads(notebook_file.read_text(encoding="utf-8"))
    cells = [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in nb["cells"]]
    payload = {"cells": cells, "kernel": nb.get("metadata", {}).get("kernelspec", {}).get("name")}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def input_key(notebook_file: Path, params: dict[str, Any], library: str, data: dict[str, str]) -> str:
    """The cache key of one notebook run; `data` is the digest of its data folder (empty without data_dir)."""
    payload = {
        "notebook": notebook_digest(notebook_file),
        "parameters": params,
        "data": data,
        "library": library,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
