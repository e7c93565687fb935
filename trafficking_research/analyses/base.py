"""What every analysis returns: its estimates, tables and figures, and the reasons for what it could not fit.

An analysis module (one per notebook) has a `run(obs, **params)` that returns an `Analysis`; the notebook shows
its parts and the reporting layer writes them (`reporting.results.Results.record`). Nothing here writes a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import matplotlib.figure
import pandas as pd

from ..stats.result import Estimate, summary_table


@dataclass
class Analysis:
    """The outcome of one analysis run.

    Attributes
    ----------
    name : str
        The analysis (and notebook) name; result keys are ``<name>.<estimate name>``.
    params : dict
        The parameters it ran with.
    estimates : list of Estimate
        Every number it reports, named relative to the analysis.
    tables : dict of str to pandas.DataFrame
        Tables to show and save as CSV, by file stem; `indexed` lists those saved with their index.
    figures : mapping of str to Figure
        Figures to show and save as PNG and SVG, by file stem; read-only: a figure is added by `figure`, which closes
        it (so that no inline backend shows it twice) and is the one way in.
    notes : list of str
        Reasons for results that could not be computed (a model that could not be fitted, a missing year).
    models : dict
        The fitted model results behind the estimates, by name, for a researcher to explore (``.summary()``).
    """

    name: str
    params: dict[str, Any]
    estimates: list[Estimate] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    indexed: set[str] = field(default_factory=set)
    _figures: dict[str, matplotlib.figure.Figure] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)
    models: dict[str, Any] = field(default_factory=dict)

    def add(self, estimates: Iterable[Estimate], prefix: str = "") -> None:
        """Add estimates, their names prefixed with ``prefix.`` when a prefix is given."""
        for e in estimates:
            self.estimates.append(e.renamed(f"{prefix}.{e.name}") if prefix else e)

    def table(self, name: str, table: pd.DataFrame, *, index: bool = False) -> pd.DataFrame:
        """Keep a table under `name` (saved with its index when `index`); returns it."""
        self.tables[name] = table
        if index:
            self.indexed.add(name)
        return table

    def figure(self, name: str, fig: matplotlib.figure.Figure) -> None:
        """Keep a figure under `name` for publishing, closed so that no inline backend shows it before then."""
        import matplotlib.pyplot as plt

        plt.close(fig)
        self._figures[name] = fig

    def take_figure(self, name: str) -> matplotlib.figure.Figure:
        """Remove a figure and return it (publishing takes each figure once, so that its memory is freed)."""
        return self._figures.pop(name)

    @property
    def figures(self) -> Mapping[str, matplotlib.figure.Figure]:
        """The figures by name, read-only (add one with `figure`)."""
        return MappingProxyType(self._figures)

    def select(self, *prefixes: str, names: Iterable[str] = ()) -> list[Estimate]:
        """The estimates whose names start with any of `prefixes` or are among `names`, in order."""
        wanted = set(names)
        return [e for e in self.estimates if e.name in wanted or any(e.name.startswith(p) for p in prefixes)]

    def summary(self, *prefixes: str) -> pd.DataFrame:
        """The estimates (or those under `prefixes`) as a table: value, unit, 95% interval, p-value, description."""
        chosen = self.select(*prefixes) if prefixes else self.estimates
        return summary_table(chosen)
