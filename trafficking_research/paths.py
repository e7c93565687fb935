"""The project's folders, resolved from the package so that every kernel finds them whatever its working directory."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parents[1]
DATA_DIR: Path = PROJECT_ROOT / "data"
NOTEBOOK_DIR: Path = PROJECT_ROOT / "notebooks"
RESULTS_DIR: Path = PROJECT_ROOT / "results"
PACKAGE_DIR: Path = PROJECT_ROOT / "trafficking_research"


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    """The data folder a notebook parameter names; empty means the package's own `data/`."""
    if data_dir is None or str(data_dir) == "":
        return DATA_DIR
    path = Path(data_dir).expanduser()
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    return path


def resolve_output_dir(output_dir: str | Path | None, notebook: str) -> Path:
    """Where a notebook writes figures, tables and values; empty means `results/interactive/<notebook>`."""
    if output_dir is None or str(output_dir) == "":
        path = RESULTS_DIR / "interactive" / notebook
    else:
        path = Path(output_dir).expanduser()
        if not path.is_absolute():
            path = PROJECT_ROOT / path
    path.mkdir(parents=True, exist_ok=True)
    return path
