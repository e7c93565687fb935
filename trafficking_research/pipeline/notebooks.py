"""Finding the notebooks and reading their parameters cell: literals only, each typed and commented."""

from __future__ import annotations

import ast
import io
import json
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..paths import NOTEBOOK_DIR

TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}
RESERVED = ("output_dir",)


@dataclass(frozen=True)
class Parameter:
    """One entry of a parameters cell."""

    name: str
    type: str
    default: Any
    help: str


def notebook_names(folder: Path = NOTEBOOK_DIR) -> list[str]:
    """The notebooks `reproduce` runs, by file stem, in name order."""
    return sorted(p.stem for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def notebook_path(name: str, folder: Path = NOTEBOOK_DIR) -> Path:
    """The file of a notebook name; an unknown name is a ParameterError listing the known ones."""
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        known = ", ".join(notebook_names(folder)) or "none"
        raise ParameterError(f"unknown notebook '{name}' (known notebooks: {known})")
    return path


def parameters_source(path: Path) -> str:
    """The source of the cell tagged `parameters`."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell["source"]
            return "".join(src) if isinstance(src, list) else src
    raise ParameterError(f"{path.name}: no code cell tagged 'parameters'")


def parse_parameters(source: str, where: str = "parameters cell") -> dict[str, Parameter]:
    """Each `name: type = literal  # help` line of a parameters cell; anything else is refused."""
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    params: dict[str, Parameter] = {}
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
        if not _is_type(default, kind):
            raise ParameterError(f"{where}, line {node.lineno}: default {default!r} of '{name}' is not {kind}")
        help_text = comments.get(node.lineno, "")
        if not help_text:
            raise ParameterError(f"{where}, line {node.lineno}: '{name}' needs a comment saying what it is")
        params[name] = Parameter(name, kind, default, help_text)
    return params


def notebook_parameters(name: str, folder: Path = NOTEBOOK_DIR) -> dict[str, Parameter]:
    """The declared parameters of a notebook."""
    path = notebook_path(name, folder)
    return parse_parameters(parameters_source(path), where=f"{path.name} parameters cell")


def _is_type(value: Any, kind: str) -> bool:
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, TYPES[kind])


def coerce(name: str, raw: Any, param: Parameter, notebook: str) -> Any:
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
            raise ParameterError(
                f"parameter '{name}' of notebook '{notebook}' must be {kind}, got '{raw}'"
            ) from None
    if kind == "float" and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    if not _is_type(raw, kind):
        raise ParameterError(f"parameter '{name}' of notebook '{notebook}' must be {kind}, got {raw!r}")
    return raw


def resolve_parameters(
    names: list[str], given: dict[str, Any], folder: Path = NOTEBOOK_DIR
) -> dict[str, dict[str, Any]]:
    """Per notebook, its defaults overridden by the given values it declares; a name no notebook declares is refused."""
    declared = {nb: notebook_parameters(nb, folder) for nb in names}
    for name in given:
        if name in RESERVED:
            raise ParameterError(f"parameter '{name}' is set by `reproduce` itself; use --output instead")
        if not any(name in params for params in declared.values()):
            raise ParameterError(f"unknown parameter '{name}' (not declared by notebook(s) {', '.join(names)})")
    out: dict[str, dict[str, Any]] = {}
    for nb, params in declared.items():
        values = {p.name: p.default for p in params.values() if p.name not in RESERVED}
        for name, raw in given.items():
            if name in params:
                values[name] = coerce(name, raw, params[name], nb)
        out[nb] = values
    return out
