"""Shared fixtures: a scratch copy of the data package, and one fresh `reproduce` run for the whole session."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")

from trafficking_research.data.datapackage import rehash  # noqa: E402
from trafficking_research.paths import DATA_DIR, PROJECT_ROOT  # noqa: E402

SHARED = PROJECT_ROOT.parent / "shared"


def run_cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """`python -m trafficking_research ARGS` in a new process, with CI set (plain log lines, no progress bar)."""
    return subprocess.run([sys.executable, "-m", "trafficking_research", *args], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, CI="true"))


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below a folder, by relative path: what "results intact" is checked against."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the package's data folder."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit_rows(data_dir: Path, edit: Callable[[list[dict[str, str]]], list[dict[str, str]]],
              name: str = "observations.csv", fields: list[str] | None = None, keep_hash: bool = False) -> None:
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


@pytest.fixture(scope="session")
def fresh_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `reproduce --force` of every notebook into a temporary folder, shared by the tests that read its outputs.

    Under pytest-xdist the workers share one run: the first to arrive makes it under a file lock, the others wait
    for it and reuse it.
    """
    import fcntl

    from trafficking_research.pipeline.runner import raise_for_failures, reproduce

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder all workers' temporary folders share
    output, done = root / "fresh" / "results", root / "fresh" / "done"
    with open(root / "fresh.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            output.parent.mkdir(exist_ok=True)
            raise_for_failures(reproduce(output=output, force=True, log=lambda _: None))
            done.write_text("")
    return output
