"""What a published figure allows and what follows from published figures by arithmetic: the data package's one
rule for both.

A figure published as a bound ("<5") is the range of whole counts it allows (`CountRange`). A part of a total is read,
in order, as: the published figure; a figure that follows by arithmetic from published ones (female = total - male,
a sum over the other split), flagged ``derived``; a published bound, flagged ``bound``. A year with none of these has
no count: a gap stays a gap. The statistics (`stats.censored`, `stats.rates`) and the analyses use these rules; none
writes its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import ParameterError
from .series import follows_period_rule

#: The dimensions of a coded cell, after its year.
_DIMS = ("place", "form", "sex", "age")
#: A part may be summed over the other split: sex over age, age over sex, form over age.
_SPLIT = {"sex": ("age", ("adult", "minor")), "age": ("sex", ("female", "male")), "form": ("age", ("adult", "minor"))}


@dataclass(frozen=True)
class CountRange:
    """A count known to lie in ``[low, high]`` (equal ends: an exact count): the package's one censored-count type,
    used by the shares here and by the exact rates of `stats.rates`."""

    low: int
    high: int

    def __post_init__(self) -> None:
        for name, v in (("low", self.low), ("high", self.high)):
            if v < 0 or int(v) != v:
                raise ParameterError(f"count {name} must be a whole number >= 0, got {v}")
        if self.low > self.high:
            raise ParameterError(f"count range [{self.low}, {self.high}] is empty: need low <= high")

    @property
    def exact(self) -> bool:
        """True when the count is known exactly."""
        return self.low == self.high

    @classmethod
    def published(cls, value: float, qualifier: str = "exact") -> CountRange:
        """The whole counts a published figure allows: exact, or bounded from above (``"<5"`` is value 5,
        qualifier ``less_than``: 0 to 4).

        Parameters
        ----------
        value : float
            The number as published (a whole number).
        qualifier : {"exact", "less_than", "at_most"}
            How the source states it. Upper-open qualifiers ("more_than", "at_least") need a ceiling, which the
            caller supplies by intersecting with the total; here they are refused.

        Returns
        -------
        CountRange
        """
        if int(value) != value:
            raise ParameterError(f"a count must be whole, got {value}")
        v = int(value)
        if qualifier == "exact":
            return cls(v, v)
        if qualifier == "less_than":
            if v < 1:
                raise ParameterError(f"less than {v} is not a possible count")
            return cls(0, v - 1)
        if qualifier == "at_most":
            return cls(0, v)
        raise ParameterError(f"qualifier {qualifier!r}: only exact, less_than and at_most bound a count from above")


#: The whole counts a published figure allows (`CountRange.published`).
count_range = CountRange.published


@dataclass(frozen=True)
class Part:
    """A count with how it was obtained: ``published``, ``derived`` (by arithmetic) or ``bound`` (a range)."""

    count: CountRange
    how: str


class Cells:
    """Preferred calendar-year figures of one measure, by year and coded cell, with their qualifiers."""

    def __init__(self, obs: pd.DataFrame, measure: str, client_types: tuple[str, ...]) -> None:
        sel = obs[
            (obs["status"] == "preferred")
            & (obs["measure"] == measure)
            & obs["client_type"].isin(client_types)
            & (obs["unit"] == "persons")
        ]
        if len(sel):
            sel = sel[follows_period_rule(sel, measure)]
        order = sel["client_type"].astype(object).map({t: i for i, t in enumerate(client_types)})
        sel = sel.assign(_order=order.to_numpy()).sort_values("_order")
        self.cells: dict[tuple, Part] = {}
        has_qualifier = "qualifier" in sel.columns
        for row in sel.itertuples():
            key = (int(row.period_end.year), *(str(getattr(row, d)) for d in _DIMS))
            if key in self.cells:
                continue
            qualifier = str(row.qualifier) if has_qualifier else "exact"
            try:
                rng = count_range(float(row.value), qualifier)
            except Exception:  # a lower bound ("more than") does not bound a part from above: no count
                continue
            self.cells[key] = Part(rng, "published" if rng.exact else "bound")

    def get(self, year: int, **dims: str) -> Part | None:
        key = (year, *(dims.get(d, "all") for d in _DIMS))
        return self.cells.get(key)

    @property
    def years(self) -> list[int]:
        return sorted({k[0] for k in self.cells})


def minus(total: Part, other: Part) -> Part | None:
    low = total.count.low - other.count.high
    high = total.count.high - other.count.low
    if high < 0:
        return None
    how = "derived" if total.count.exact and other.count.exact else "bound"
    return Part(CountRange(max(low, 0), high), how)


def plus(parts: list[Part]) -> Part:
    low = sum(p.count.low for p in parts)
    high = sum(p.count.high for p in parts)
    how = (
        "published"
        if all(p.how == "published" for p in parts)
        else ("bound" if any(p.how == "bound" for p in parts) else "derived")
    )
    return Part(CountRange(low, high), "derived" if how == "published" and len(parts) > 1 else how)


def part_count(
    cells: Cells, year: int, dim: str, part: str, complement: str | None, fixed: dict[str, str], depth: int = 0
) -> Part | None:
    """The count of `part` in a year: published, derived by arithmetic, or a bound; None when it cannot be had."""
    direct = cells.get(year, **fixed, **{dim: part})
    if direct is not None and direct.count.exact:
        return direct
    total = cells.get(year, **fixed)
    if complement is not None and total is not None:
        other = cells.get(year, **fixed, **{dim: complement})
        if other is not None and other.count.exact and total.count.exact:
            derived = minus(total, other)
            # a derived count must agree with a published bound of the same cell, or the bound stands
            agrees = direct is None or direct.count.low <= derived.count.low <= direct.count.high if derived else False
            if derived is not None and agrees:
                return derived
    if depth == 0 and dim in _SPLIT:  # sum over the other split (e.g. female = female adults + female minors)
        split_dim, values = _SPLIT[dim]
        if fixed.get(split_dim, "all") == "all":
            pieces = [
                part_count(cells, year, dim, part, complement, {**fixed, split_dim: v}, depth + 1) for v in values
            ]
            if all(p is not None for p in pieces):
                return plus(pieces)  # type: ignore[arg-type]
    return direct
