"""Every path the package uses, in one place.

The project root is, in order: the folder named by the environment variable ``TRAFFICKING_RESEARCH_ROOT``; the
nearest folder at or above the working directory that holds this project (a ``pyproject.toml`` naming
``trafficking_research`` beside a ``data/datapackage.json``); the folder above the imported package when that is a
working tree (an editable install). A non-editable install into site-packages has no data of its own, so without
either of the first two it fails with a message saying how to point at a working tree.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from .errors import ParameterError

ROOT_VARIABLE = "TRAFFICKING_RESEARCH_ROOT"
#: The file in each notebook's output folder that holds its reported values (written by `reporting.results`).
VALUES_FILE = "values.json"
PACKAGE_DIR: Path = Path(__file__).resolve().parent


def is_project_root(folder: Path) -> bool:
    """True when `folder` holds this project: its pyproject.toml and its data package."""
    pyproject = folder / "pyproject.toml"
    if not (pyproject.is_file() and (folder / "data" / "datapackage.json").is_file()):
        return False
    return 'name = "trafficking_research"' in pyproject.read_text(encoding="utf-8")


@cache
def _find_root(variable: str | None, cwd: str) -> Path:
    if variable:
        root = Path(variable).expanduser().resolve()
        if not is_project_root(root):
            raise ParameterError(
                f"environment variable {ROOT_VARIABLE}={variable}: not a trafficking_research "
                "working tree (it needs pyproject.toml and data/datapackage.json)"
            )
        return root
    for folder in (Path(cwd), *Path(cwd).parents):
        if is_project_root(folder):
            return folder
    if is_project_root(PACKAGE_DIR.parent):
        return PACKAGE_DIR.parent
    raise ParameterError(
        f"no trafficking_research working tree found at or above {cwd}; run from a clone of the "
        f"project or set {ROOT_VARIABLE} to one"
    )


def project_root() -> Path:
    """The project's working tree (see the module's docstring for the order of the rules)."""
    return _find_root(os.environ.get(ROOT_VARIABLE) or None, os.getcwd())


def data_dir() -> Path:
    """The project's own data package."""
    return project_root() / "data"


def notebook_dir() -> Path:
    """The notebooks `reproduce` runs."""
    return project_root() / "notebooks"


def results_dir() -> Path:
    """The default output folder of `reproduce`."""
    return project_root() / "results"


def ledger_file() -> Path:
    """The claims ledger."""
    return project_root() / "claims" / "claims.yaml"


def shared_mse_dir() -> Path:
    """The published list tables used by the tests and `dark_figure`: ``../shared/mse`` beside the project."""
    return project_root().parent / "shared" / "mse"


def resolve_data_dir(data_dir_param: str | Path | None) -> Path:
    """The data folder a notebook parameter names; empty means the project's own `data/`."""
    if data_dir_param is None or str(data_dir_param) == "":
        return data_dir()
    path = Path(data_dir_param).expanduser()
    if not path.is_absolute():
        path = project_root() / path
    return path


def resolve_output_dir(output_dir: str | Path | None, notebook: str, *, create: bool = True) -> Path:
    """Where a notebook writes figures, tables and values; empty means `results/interactive/<notebook>`."""
    if output_dir is None or str(output_dir) == "":
        path = results_dir() / "interactive" / notebook
    else:
        path = Path(output_dir).expanduser()
        if not path.is_absolute():
            path = project_root() / path
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


_CONSTANTS = {
    "PROJECT_ROOT": project_root,
    "DATA_DIR": data_dir,
    "NOTEBOOK_DIR": notebook_dir,
    "RESULTS_DIR": results_dir,
    "LEDGER_FILE": ledger_file,
    "SHARED_MSE_DIR": shared_mse_dir,
}


def __getattr__(name: str) -> Path:
    """`PROJECT_ROOT`, `DATA_DIR`, `NOTEBOOK_DIR`, `RESULTS_DIR`, `LEDGER_FILE`, `SHARED_MSE_DIR`: resolved when read."""
    if name in _CONSTANTS:
        return _CONSTANTS[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
