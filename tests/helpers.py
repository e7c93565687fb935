"""Helpers the tests share (imported as `from helpers import ...`; fixtures stay in conftest.py).

`shared()` gives a path under ``../shared/`` beside the project and skips the calling test, with the reason, when
that folder is absent: a researcher's clone has none, CI has it (there these tests run).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from trafficking_research.data.datapackage import rehash
from trafficking_research.paths import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared"


def shared(*parts: str) -> Path:
    """A path under ../shared/; skips the test with a clear reason when it does not exist."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"needs {path} (the project's shared folder beside the clone, present in CI); "
            "a user's clone has no ../shared, so this test does not run here"
        )
    return path


def run_cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """`python -m trafficking_research ARGS` in a new process, with CI set (plain log lines, no progress bar)."""
    return subprocess.run(
        [sys.executable, "-m", "trafficking_research", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, CI="true"),
    )


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below a folder, by relative path: what "results intact" is checked against."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def edit_rows(
    data_dir: Path,
    edit: Callable[[list[dict[str, str]]], list[dict[str, str]]],
    name: str = "observations.csv",
    fields: list[str] | None = None,
    keep_hash: bool = False,
) -> None:
    """Rewrite a CSV of a data copy through `edit`, then record its new hash (unless the test is about hashes)."""
    path = data_dir / name
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = edit(list(reader))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields or header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    if not keep_hash:
        rehash(data_dir)
