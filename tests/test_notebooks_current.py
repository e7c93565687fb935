"""Committed notebooks carry the outputs of the default run: a stale one fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from trafficking_research.paths import NOTEBOOK_DIR
from trafficking_research.pipeline.notebooks import notebook_names

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def text_outputs(nb: dict) -> list[list[str]]:
    """Per code cell (papermill's injected cell left out), its text outputs with memory addresses masked."""
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        texts = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                texts.append("".join(out["text"]))
            elif "data" in out and "text/plain" in out["data"]:
                texts.append("".join(out["data"]["text/plain"]))
            elif out.get("output_type") == "error":
                texts.append(f"error: {out['ename']}")
        cells.append([ADDRESS.sub("0x", t) for t in texts])
    return cells


@pytest.mark.parametrize("name", notebook_names())
def test_committed_notebook_matches_a_fresh_run(name: str, fresh_run: Path) -> None:
    committed = json.loads((NOTEBOOK_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    fresh = json.loads((fresh_run / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert text_outputs(committed) == text_outputs(fresh), (
        f"notebooks/{name}.ipynb is stale: run `trafficking-research reproduce --update-notebooks` and commit it"
    )


@pytest.mark.parametrize("name", notebook_names())
def test_committed_notebook_has_no_volatile_metadata(name: str) -> None:
    nb = json.loads((NOTEBOOK_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        assert key not in nb["metadata"].get("papermill", {}), key
    for cell in nb["cells"]:
        assert "papermill" not in cell.get("metadata", {}) and "execution" not in cell.get("metadata", {})
