"""A scratch notebook a researcher creates in notebooks/ is neither run by `reproduce` nor collected by the tests,
and a default run's committed notebooks are numbered as a fresh "Run All" numbers them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trafficking_research.errors import ParameterError
from trafficking_research.paths import NOTEBOOK_DIR
from trafficking_research.pipeline.notebook_files import drop_injected_parameters
from trafficking_research.pipeline.notebooks import notebook_names, notebook_path

SCRATCH = {
    "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ["1 / 0"]}],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture
def notebooks_with_scratch(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, folder, ignore=shutil.ignore_patterns("*.ipynb"))
    shutil.copy(NOTEBOOK_DIR / "data_audit.ipynb", folder)
    (folder / "Untitled.ipynb").write_text(json.dumps(SCRATCH), encoding="utf-8")
    return folder


def test_a_scratch_notebook_is_not_part_of_the_analysis(notebooks_with_scratch: Path) -> None:
    assert notebook_names(notebooks_with_scratch) == ["data_audit"]
    with pytest.raises(ParameterError, match="'Untitled' is not one of the analysis"):
        notebook_path("Untitled", notebooks_with_scratch)


def test_nbval_does_not_collect_a_scratch_notebook(notebooks_with_scratch: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "-n",
            "0",
            "-c",
            "/dev/null",
            "--rootdir",
            str(notebooks_with_scratch),
            str(notebooks_with_scratch),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "data_audit.ipynb" in proc.stdout, proc.stdout + proc.stderr
    assert "Untitled" not in proc.stdout


def test_committed_notebooks_are_numbered_as_a_fresh_run_numbers_them() -> None:
    for name in notebook_names():
        nb = json.loads(notebook_path(name).read_text(encoding="utf-8"))
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), name
    injected = {
        "cell_type": "code",
        "execution_count": 2,
        "metadata": {"tags": ["injected-parameters"]},
        "outputs": [],
        "source": ["x = 1"],
    }
    nb = {
        "cells": [dict(SCRATCH["cells"][0], execution_count=1), injected, dict(SCRATCH["cells"][0], execution_count=3)],
        "metadata": {},
    }
    assert [c["execution_count"] for c in drop_injected_parameters(nb)["cells"]] == [1, 2]
