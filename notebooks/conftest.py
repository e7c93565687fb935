"""Which notebooks here the test suite (nbval) runs: those of the analysis only, never a scratch notebook a researcher
made beside them (`pipeline.notebooks.is_analysis_notebook`: the analysis' notebooks carry their metadata key)."""

from __future__ import annotations

from pathlib import Path

from trafficking_research.pipeline.notebooks import is_analysis_notebook


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    if collection_path.suffix == ".ipynb" and not is_analysis_notebook(collection_path):
        return True
    return None
