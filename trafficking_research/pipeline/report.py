"""The run-level files: results.json (every reported number with provenance), index.html and manifest.json."""

from __future__ import annotations

import html
import json
import os
import platform
import subprocess
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

from ..data.datapackage import sha256_of
from ..paths import PROJECT_ROOT, resolve_data_dir
from ..reporting.results import VALUES_FILE
from .hashing import data_digests

PACKAGES = (
    "trafficking_research",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "ipykernel",
)
SKIP = (".cache", ".staging", "failed")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def git_commit() -> dict[str, Any]:
    """The commit of the project tree and whether it has uncommitted changes (None outside git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the results depend on."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def notebook_dirs(output: Path) -> list[Path]:
    """Folders of notebooks that completed a run in `output`."""
    return sorted(p for p in output.iterdir() if p.is_dir() and p.name not in SKIP and (p / "inputs.json").is_file())


def collect_results(output: Path) -> dict[str, Any]:
    """Merge every notebook's values.json with the provenance of the run."""
    values: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for folder in notebook_dirs(output):
        inputs = json.loads((folder / "inputs.json").read_text())
        parameters[folder.name] = inputs["parameters"]
        if "data_dir" in inputs["parameters"]:
            label = inputs["parameters"]["data_dir"] or "data"
            if label not in data:
                data[label] = data_digests(resolve_data_dir(inputs["parameters"]["data_dir"]))
        if (folder / VALUES_FILE).is_file():
            values.update(json.loads((folder / VALUES_FILE).read_text()))
    provenance = {
        "parameters": parameters,
        "data_sha256": data,
        "packages": package_versions(),
        "python": platform.python_version(),
        "git": git_commit(),
    }
    return {"values": dict(sorted(values.items())), "provenance": provenance}


def write_index(output: Path) -> None:
    """index.html: a link to each notebook's report and a thumbnail of each of its figures."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>trafficking_research results</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:auto}img{max-width:30em;border:1px solid #ccc;margin:.3em}</style>",
        "</head><body><h1>trafficking_research: reproduction report</h1>",
        "<p>Every number reported is in <a href='results.json'>results.json</a>; file hashes in "
        "<a href='manifest.json'>manifest.json</a>.</p>",
    ]
    for folder in notebook_dirs(output):
        name = html.escape(folder.name)
        parts.append(
            f"<h2>{name}</h2><p><a href='{name}/{name}.html'>report</a> · "
            f"<a href='{name}/{name}.ipynb'>executed notebook</a></p>"
        )
        for png in sorted((folder / "figures").glob("*.png")):
            rel = f"{name}/figures/{png.name}"
            parts.append(
                f"<a href='{html.escape(rel)}'><img src='{html.escape(rel)}' alt='{html.escape(png.stem)}'></a>"
            )
    parts.append("</body></html>\n")
    _atomic_write(output / "index.html", "\n".join(parts))


def write_manifest(output: Path) -> dict[str, str]:
    """manifest.json: SHA-256 of every output file."""
    files = {}
    for path in sorted(output.rglob("*")):
        rel = path.relative_to(output)
        if path.is_file() and rel.parts[0] not in SKIP and rel.name != "manifest.json" and not rel.name.startswith("."):
            files[str(rel)] = sha256_of(path)
    _atomic_write(output / "manifest.json", json.dumps({"sha256": files}, indent=2, sort_keys=True) + "\n")
    return files


def write_run_files(output: Path) -> None:
    """Write results.json, index.html and manifest.json for what `output` now holds."""
    _atomic_write(output / "results.json", json.dumps(collect_results(output), indent=2, sort_keys=True) + "\n")
    write_index(output)
    write_manifest(output)
