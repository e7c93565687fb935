"""The one helper through which every reported number reaches ``results.json``: `Results`.

A notebook makes one `Results`, records its analysis (estimates to ``values.json``, tables to CSV) and publishes
its figures; `reproduce` collects every notebook's ``values.json`` into the run's ``results.json``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analyses.base import Analysis
from ..paths import VALUES_FILE, resolve_output_dir
from ..stats.result import Estimate, plain
from .figures import publish_figure, save_table

_NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


def _finite(value: Any, key: str) -> Any:
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"result {key!r}: a reported value must be finite; report a gap with value=None and say why")
    return value


def entry_of(key: str, estimate: Estimate) -> dict[str, Any]:
    """The JSON entry of an estimate: value, unit, description, ``ci`` when it has one, and its extra fields."""
    entry: dict[str, Any] = {
        "value": _finite(estimate.value, key),
        "unit": estimate.unit,
        "description": estimate.description,
    }
    if estimate.ci is not None:
        entry["ci"] = [_finite(c, key) for c in estimate.ci]
    for k, v in estimate.extra.items():
        entry[k] = v if isinstance(v, (list, dict)) else _finite(v, key)
    return entry


@dataclass
class Results:
    """Collects the numbers one notebook reports; `save` writes them beside its figures and tables.

    Parameters
    ----------
    notebook : str
        The notebook's name: every key is ``<notebook>.<estimate name>``.
    output_dir : str or Path, optional
        The notebook's output folder (empty: ``results/interactive/<notebook>``).
    """

    notebook: str
    output_dir: str | Path | None = None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.path = resolve_output_dir(self.output_dir, self.notebook)

    def add(self, estimate: Estimate) -> dict[str, Any]:
        """Record `estimate` as ``<notebook>.<name>``; a second value under one name is an error, never an overwrite."""
        if not _NAME.match(estimate.name):
            raise ValueError(f"result name {estimate.name!r}: use lower-case words, digits and _ joined by dots")
        key = f"{self.notebook}.{estimate.name}"
        if key in self.values:
            raise ValueError(f"result {key!r} was reported twice")
        self.values[key] = entry_of(key, estimate)
        return self.values[key]

    def record(self, analysis: Analysis) -> None:
        """Record every estimate of an analysis and save every table it holds (CSV, fixed float format)."""
        for estimate in analysis.estimates:
            self.add(estimate)
        for name, table in analysis.tables.items():
            save_table(table, name, self.path, index=name in analysis.indexed)

    def publish(self, analysis: Analysis, name: str) -> None:
        """Save one of the analysis' figures (PNG and SVG) and show it."""
        publish_figure(analysis.take_figure(name), name, self.path)

    def show(self, estimates: Iterable[Estimate]) -> None:
        """Show estimates in words by the display rules (`display.show_estimates`: plain numbers, labelled CI)."""
        from .display import show_estimates

        show_estimates(estimates, self.notebook)

    def save(self) -> Path:
        """Write values.json (sorted keys, so that two runs give the same bytes)."""
        out = self.path / VALUES_FILE
        out.write_text(json.dumps(self.values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return out


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results.json written by `reproduce`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
