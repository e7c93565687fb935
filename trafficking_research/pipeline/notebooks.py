"""Finding the notebooks and reading their parameters cell: literals only, each typed and commented."""

from __future__ import annotations

import ast
import io
import json
import tokenize
from pathlib import Path
from typing import Any

from ..analyses.declarations import declaration
from ..analyses.parameters import TYPES, Param, is_type
from ..errors import ParameterError
from ..paths import NOTEBOOK_DIR

RESERVED = ("output_dir",)

#: The notebook metadata key that makes a notebook in `notebooks/` one of the analysis (it says what `data_dir` holds).
METADATA_KEY = "trafficking_research"


def is_analysis_notebook(path: Path) -> bool:
    """Whether a notebook file is one of the analysis: its metadata carries `METADATA_KEY`. A scratch notebook a
    researcher creates beside them (``Untitled.ipynb``) does not, so neither `reproduce` nor the tests run it."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and METADATA_KEY in meta


def notebook_names(folder: Path = NOTEBOOK_DIR) -> list[str]:
    """The notebooks `reproduce` runs (those of the analysis, `is_analysis_notebook`), by file stem, in name order."""
    return sorted(p.stem for p in folder.glob("*.ipynb") if not p.name.startswith(".") and is_analysis_notebook(p))


def notebook_path(name: str, folder: Path = NOTEBOOK_DIR) -> Path:
    """The file of a notebook name; an unknown name is a ParameterError listing the known ones."""
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        known = ", ".join(notebook_names(folder)) or "none"
        raise ParameterError(f"unknown notebook '{name}' (known notebooks: {known})")
    if not is_analysis_notebook(path):
        known = ", ".join(notebook_names(folder)) or "none"
        raise ParameterError(
            f"notebook '{name}' is not one of the analysis (its metadata has no '{METADATA_KEY}' entry saying what "
            f"its data_dir holds); known notebooks: {known}"
        )
    return path


def parameters_source(path: Path) -> str:
    """The source of the cell tagged `parameters`."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell["source"]
            return "".join(src) if isinstance(src, list) else src
    raise ParameterError(f"{path.name}: no code cell tagged 'parameters'")


def parse_parameters(source: str, where: str = "parameters cell") -> dict[str, Param]:
    """Each `name: type = literal  # help` line of a parameters cell; anything else is refused."""
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    params: dict[str, Param] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None):
            raise ParameterError(f"{where}, line {node.lineno}: only `name: type = literal  # help` is allowed")
        name = node.target.id
        kind = ast.unparse(node.annotation)
        if kind not in TYPES:
            raise ParameterError(f"{where}, line {node.lineno}: type of '{name}' must be one of {', '.join(TYPES)}")
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(f"{where}, line {node.lineno}: default of '{name}' is not a literal") from None
        if not is_type(default, kind):
            raise ParameterError(f"{where}, line {node.lineno}: default {default!r} of '{name}' is not {kind}")
        help_text = comments.get(node.lineno, "")
        if not help_text:
            raise ParameterError(f"{where}, line {node.lineno}: '{name}' needs a comment saying what it is")
        params[name] = Param(name, kind, default, help_text)
    return params


def cell_parameters(name: str, folder: Path = NOTEBOOK_DIR) -> dict[str, Param]:
    """The parameters as a notebook's parameters cell states them (it must match its declaration)."""
    path = notebook_path(name, folder)
    return parse_parameters(parameters_source(path), where=f"{path.name} parameters cell")


def notebook_parameters(name: str, folder: Path = NOTEBOOK_DIR) -> dict[str, Param]:
    """The declared parameters of a notebook (`analyses.declarations`), by name, after checking that its parameters
    cell states exactly them (names, types and defaults): papermill injects values after that cell, so a cell that
    drifted from the declaration would run the notebook with parameters nobody checked.

    Raises
    ------
    ParameterError
        The cell is not ``name: type = literal  # help`` lines, or it differs from the declaration.
    """
    cell = cell_parameters(name, folder)
    declared = {p.name: p for p in declaration(name).params}
    for key in dict.fromkeys([*declared, *cell]):
        ours, theirs = declared.get(key), cell.get(key)
        if ours is None or theirs is None or (ours.type, ours.default) != (theirs.type, theirs.default):
            said = "absent" if theirs is None else f"{theirs.type} = {theirs.default!r}"
            wanted = "absent" if ours is None else f"{ours.type} = {ours.default!r}"
            raise ParameterError(
                f"{name}.ipynb parameters cell: '{key}' is {said} there but {wanted} in its declaration "
                "(analyses/declarations.py); the cell must read as the declaration renders it"
            )
    return declared


def coerce(name: str, raw: Any, param: Param, notebook: str) -> Any:
    """A value given on the command line (text) or in a YAML file, converted to the declared type or refused."""
    kind = param.type
    if isinstance(raw, str) and kind != "str":
        text = raw.strip()
        try:
            if kind == "int":
                return int(text)
            if kind == "float":
                return float(text)
            if kind == "bool":
                if text.lower() in ("true", "1", "yes"):
                    return True
                if text.lower() in ("false", "0", "no"):
                    return False
                raise ValueError
        except ValueError:
            raise ParameterError(f"parameter '{name}' of notebook '{notebook}' must be {kind}, got '{raw}'") from None
    if kind == "float" and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    if not is_type(raw, kind):
        raise ParameterError(f"parameter '{name}' of notebook '{notebook}' must be {kind}, got {raw!r}")
    return raw


def data_kind(name: str, folder: Path = NOTEBOOK_DIR) -> str:
    """What a notebook's data_dir holds (its metadata says): 'observations' (a data package) or 'mse_tables'."""
    meta = json.loads(notebook_path(name, folder).read_text(encoding="utf-8")).get("metadata", {})
    return meta.get(METADATA_KEY, {}).get("data", "observations")


def resolve_parameters(
    names: list[str], given: dict[str, Any], folder: Path = NOTEBOOK_DIR
) -> dict[str, dict[str, Any]]:
    """Per notebook, its defaults overridden by the given values it declares; a name no notebook declares is refused.

    `NOTEBOOK.NAME` sets a parameter of one notebook only. A plain `data_dir` names a copy of the data package, so it
    goes to the notebooks that read one, not to those whose data_dir holds list tables (dark_figure), unless only
    such notebooks were chosen.
    """
    declared = {nb: notebook_parameters(nb, folder) for nb in names}
    targets: dict[str, list[str]] = {}
    for key in given:
        nb, _, name = key.rpartition(".")
        if name in RESERVED:
            raise ParameterError(f"parameter '{name}' is set by `reproduce` itself; use --output instead")
        if nb:
            if nb not in declared:
                raise ParameterError(f"parameter '{key}': notebook '{nb}' is not among those run ({', '.join(names)})")
            if name not in declared[nb]:
                raise ParameterError(f"unknown parameter '{name}' of notebook '{nb}'")
            targets[key] = [nb]
            continue
        having = [n for n, params in declared.items() if name in params]
        if not having:
            raise ParameterError(f"unknown parameter '{name}' (not declared by notebook(s) {', '.join(names)})")
        if name == "data_dir":
            packages = [n for n in having if data_kind(n, folder) == "observations"]
            having = packages or having
        targets[key] = having
    out: dict[str, dict[str, Any]] = {}
    for nb, params in declared.items():
        values = {p.name: p.default for p in params.values() if p.name not in RESERVED}
        for key, raw in given.items():
            if nb in targets[key]:
                name = key.rpartition(".")[2]
                values[name] = coerce(name, raw, params[name], nb)
        declaration(nb).check(values, prefix=True)  # ranges too, before anything runs (no data needed)
        out[nb] = values
    return out
