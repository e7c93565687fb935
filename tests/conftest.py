"""Shared fixtures: a scratch copy of the data package, and one fresh `reproduce` run for the whole session.

Helper functions the tests share live in helpers.py (tests import them from there, never from conftest)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")

from trafficking_research.paths import DATA_DIR  # noqa: E402


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the package's data folder."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


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
