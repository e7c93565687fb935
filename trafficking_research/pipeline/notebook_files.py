"""Cleaning executed notebooks of volatile metadata and turning them into HTML reports with the code hidden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VOLATILE_NB_KEYS = (
    "start_time",
    "end_time",
    "duration",
    "input_path",
    "output_path",
    "exception",
    "environment_variables",
)


def strip_volatile(nb: dict[str, Any], replace: dict[str, str] | None = None) -> dict[str, Any]:
    """Drop papermill's timings and paths and the kernel's execution timings, so reruns give the same file."""
    pm = nb.get("metadata", {}).get("papermill")
    if isinstance(pm, dict):
        for key in VOLATILE_NB_KEYS:
            pm.pop(key, None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
    if replace:
        text = json.dumps(nb)
        for old, new in replace.items():
            text = text.replace(old, new)
        nb = json.loads(text)
    return nb


def drop_injected_parameters(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook without papermill's injected-parameters cell (for committing a default run)."""
    nb["cells"] = [c for c in nb["cells"] if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    nb.get("metadata", {}).get("papermill", {}).pop("parameters", None)
    return nb


def write_notebook(nb: dict[str, Any], path: Path) -> None:
    """Write a notebook as Jupyter does (indent 1, trailing newline)."""
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def export_html(notebook_file: Path, html_file: Path) -> None:
    """An HTML report of an executed notebook with code cells hidden (nbconvert)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(notebook_file, as_version=4))
    html_file.write_text(body, encoding="utf-8")
