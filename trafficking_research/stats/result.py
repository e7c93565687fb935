"""The one result type: frozen estimates with value, unit, interval and description, and a readable summary.

Every model of the package returns a frozen result object (in the spirit of statsmodels' results classes) that
derives from `Result`: its `estimates` are the numbers it reports, each an `Estimate`, and `summary()` lays them out
as a table a researcher reads in JupyterLab. The reporting layer writes estimates to ``results.json`` unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..config import CI_LABEL

Number = float | int


def plain(value: Any) -> Any:
    """A numpy scalar as a Python number (other values unchanged), so that results stay strict JSON."""
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class Estimate:
    """One reported number.

    Parameters
    ----------
    name : str
        Key of the estimate within its analysis, lower-case words joined by dots (``victims_admitted.apc``).
    value : float, int or None
        The estimate; None for a figure that does not exist (the description says why).
    unit : str
        What the value counts or measures (``percent per year``, ``persons``, ``proportion``).
    description : str
        One sentence saying what the number is and how it was computed (the interval's method included).
    ci : tuple or None
        The 95% interval, low and high; an end may be None where the interval is open on that side.
    extra : Mapping
        Further fields written beside the value (``p_value``, ``years``, ...).
    """

    name: str
    value: Number | None
    unit: str
    description: str
    ci: tuple[Number | None, Number | None] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", plain(self.value))
        if self.ci is not None:
            object.__setattr__(self, "ci", tuple(plain(c) for c in self.ci))
        object.__setattr__(self, "extra", {k: plain(v) for k, v in dict(self.extra).items()})

    def renamed(self, name: str, description: str | None = None) -> Estimate:
        """The same estimate under another name (and, if given, another description)."""
        return replace(self, name=name, description=self.description if description is None else description)

    @property
    def p_value(self) -> float | None:
        """The p-value of a test statistic, where the estimate is one."""
        return self.extra.get("p_value")

    def as_row(self) -> dict[str, Any]:
        """The estimate as one row of a summary table."""
        low, high = self.ci if self.ci is not None else (None, None)
        return {
            "estimate": self.name,
            "value": self.value,
            "unit": self.unit,
            "ci_low": low,
            "ci_high": high,
            "p_value": self.p_value,
            "description": self.description,
        }

    def __str__(self) -> str:
        text = f"{self.name} = {_fmt(self.value)} {self.unit}"
        if self.ci is not None:
            text += f" ({CI_LABEL} {_fmt(self.ci[0])} to {_fmt(self.ci[1])})"
        if self.p_value is not None:
            text += f", p = {_fmt(self.p_value)}"
        return text


def covers_one_words(ci: tuple[Any, Any], what: str = "trend") -> str:
    """A plain statement for a ratio's interval that includes 1 (empty where it does not, or an end is missing):
    "no `what` is established"."""
    low, high = ci
    return f"; the interval includes 1: no {what} is established" if None not in ci and low <= 1 <= high else ""


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.{digits}g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def summary_table(estimates: tuple[Estimate, ...] | list[Estimate]) -> pd.DataFrame:
    """Estimates as a table: name, value, unit, interval, p-value and description, one row each."""
    columns = ["estimate", "value", "unit", "ci_low", "ci_high", "p_value", "description"]
    table = pd.DataFrame([e.as_row() for e in estimates], columns=columns)
    if table["p_value"].isna().all():
        table = table.drop(columns="p_value")
    return table.set_index("estimate")


class Result:
    """Base of every model result: subclasses give `estimates`; `summary()` tabulates them.

    Subclasses are frozen dataclasses, so a result cannot be changed after the fit that made it.
    """

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The numbers the result reports."""
        raise NotImplementedError

    def estimate(self, name: str) -> Estimate:
        """One estimate by name; a KeyError lists the names there are."""
        for e in self.estimates:
            if e.name == name:
                return e
        raise KeyError(f"no estimate {name!r}; estimates: {', '.join(e.name for e in self.estimates)}")

    def summary(self) -> pd.DataFrame:
        """The estimates as a table (value, unit, 95% interval, p-value where there is one, description).

        Returns
        -------
        pandas.DataFrame
            One row per estimate, indexed by its name.
        """
        return summary_table(self.estimates)

    def _repr_html_(self) -> str:
        return f"<p><b>{type(self).__name__}</b></p>" + self.summary().to_html(na_rep="–")
