"""The layers the folder tree shows are the layers the imports obey: upper layers import lower ones, never the
reverse, and no module imports itself round a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import trafficking_research

PACKAGE = Path(trafficking_research.__file__).parent

# Lowest first. A module may import its own layer and any layer before it. The base modules hold the facts
# (config), the paths and the errors every layer needs.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("config", "errors", "paths")),
    ("data", ("data",)),
    ("ledger", ("ledger",)),
    ("stats", ("stats",)),
    ("analyses", ("analyses",)),
    ("reporting", ("reporting",)),
    ("pipeline", ("pipeline",)),
    ("cli", ("cli", "__main__", "__init__")),
]


def layer_of(module: str) -> int:
    """Index in LAYERS of a dotted module name below the package."""
    head = module.split(".")[0]
    for i, (_, members) in enumerate(LAYERS):
        if head in members:
            return i
    raise AssertionError(f"module {module!r} belongs to no layer; add its folder to LAYERS in this test")


def package_modules() -> dict[str, Path]:
    """Every module of the package by dotted name below the package (``stats.trends``)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path) -> set[str]:
    """Package modules a module imports (absolute or relative), by dotted name below the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("trafficking_research."):
                    found.add(alias.name.removeprefix("trafficking_research."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*anchor, node.module] if node.module else anchor)
            elif node.module and node.module.startswith("trafficking_research"):
                target = node.module.removeprefix("trafficking_research").lstrip(".")
            else:
                continue
            if target:
                found.add(target)
            for alias in node.names:  # "from . import trends" names a module
                candidate = f"{target}.{alias.name}" if target else alias.name
                if candidate in package_modules():
                    found.add(candidate)
    return found


def test_every_module_belongs_to_a_layer() -> None:
    for name in package_modules():
        layer_of(name)


def test_no_module_imports_an_upper_layer() -> None:
    offences = []
    for name, path in package_modules().items():
        if name == "__init__":  # the public API re-exports lower layers lazily
            continue
        own = layer_of(name)
        for target in imports_of(name, path):
            if layer_of(target) > own:
                offences.append(f"{name} ({LAYERS[own][0]}) imports {target} ({LAYERS[layer_of(target)][0]})")
    assert not offences, "imports against the layers:\n" + "\n".join(sorted(offences))


def test_statistics_are_pure() -> None:
    """stats/ reads no files and draws nothing: no matplotlib, no paths, no reporting."""
    offences = []
    for name, path in package_modules().items():
        if not name.startswith("stats"):
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                if mod and (mod.startswith("matplotlib") or mod.startswith("seaborn") or mod.endswith("paths")):
                    offences.append(f"{name} imports {mod}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                offences.append(f"{name} opens a file (line {node.lineno})")
    assert not offences, "\n".join(offences)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    modules = package_modules()
    graph = {name: {t for t in imports_of(name, path) if t in modules and t != name} for name, path in modules.items()}
    # a package's __init__ importing its own submodules is not a cycle of design
    for name in graph:
        graph[name] = {t for t in graph[name] if not (t.startswith(name + ".") or name.startswith(t + "."))}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", ["stats.trends", "analyses.growth", "reporting.results"])
def test_the_import_reader_sees_relative_imports(module: str) -> None:
    assert imports_of(module, package_modules()[module]), f"{module} imports nothing of the package?"
