"""The one helper through which a notebook reports a number: value, unit, CI and description, kept for results.json."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import resolve_output_dir

VALUES_FILE = "values.json"
_NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


def _plain(value: Any) -> Any:
    """Turn numpy scalars into Python numbers and refuse NaN, so that results.json stays strict JSON."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a reported value must be finite; report a gap with value=None and say why")
    return value


@dataclass
class Results:
    """Collects the numbers one notebook reports; `save` writes them beside its figures and tables."""

    notebook: str
    output_dir: str | Path | None = None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.path = resolve_output_dir(self.output_dir, self.notebook)
        (self.path / "figures").mkdir(exist_ok=True)
        (self.path / "tables").mkdir(exist_ok=True)

    def add(
        self,
        name: str,
        value: Any,
        unit: str,
        description: str,
        ci: tuple[float, float] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Record `<notebook>.<name>`; a second value under the same name is an error, never an overwrite."""
        if not _NAME.match(name):
            raise ValueError(f"result name {name!r}: use lower-case words, digits and _ joined by dots")
        key = f"{self.notebook}.{name}"
        if key in self.values:
            raise ValueError(f"result {key!r} was reported twice")
        entry: dict[str, Any] = {"value": _plain(value), "unit": unit, "description": description}
        if ci is not None:
            low, high = (_plain(c) for c in ci)
            entry["ci"] = [low, high]
        for k, v in extra.items():
            entry[k] = _plain(v) if not isinstance(v, (list, dict)) else v
        self.values[key] = entry
        return entry

    def show(self, names: list[str] | None = None, digits: int = 3) -> None:
        """Print the recorded values (or the named ones) as aligned lines, for the notebook's checked outputs."""
        for key, entry in self.values.items():
            short = key.split(".", 1)[1]
            if names is not None and short not in names:
                continue
            print(format_entry(key, entry, digits))

    def save(self) -> Path:
        """Write values.json (sorted keys, so that two runs give the same bytes)."""
        out = self.path / VALUES_FILE
        out.write_text(json.dumps(self.values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return out


def format_entry(key: str, entry: dict[str, Any], digits: int = 3) -> str:
    """One line: key = value unit [low, high]."""
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.{digits}g}" if abs(v) < 1e6 else f"{v:.0f}"
        return str(v)

    text = f"{key} = {fmt(entry['value'])} {entry['unit']}"
    if "ci" in entry:
        text += f" [{fmt(entry['ci'][0])}, {fmt(entry['ci'][1])}]"
    return text


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results.json written by `reproduce`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
