"""The counts behind the fifteen-year profiles: the two series (the Assistance System's admissions, UNODC's detected
victims), the shares, and how each part of a total is read.

A part of a total is read, in order, as: the published figure; a figure that follows by arithmetic from published
ones (female = total - male; a sum over ages), flagged ``derived``; a published bound ("<5"), which enters as a range
of counts (interval-censored), flagged ``bound``. A year with none of these has no count (a gap stays a gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..config import VICTIMS
from ..data.series import follows_period_rule
from ..stats.censored import CountRange, count_range

#: The two series: key -> (measure, client types, what it counts).
SERIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "system": ("admitted", VICTIMS, "victims admitted to the Assistance System"),
    "unodc": ("identified", ("victim",), "victims detected in Finland (UNODC)"),
}


#: The shares: key -> (dimension, part, complement or None, label, selection of the total).
SHARES: dict[str, tuple[str, str, str | None, str, dict[str, str]]] = {
    "share_female": ("sex", "female", "male", "women and girls", {}),
    "share_minor": ("age", "minor", "adult", "minors", {}),
    "share_forced_labour": ("form", "forced_labour", None, "forced labour", {}),
    "share_in_finland": ("place", "finland", "abroad", "exploited in Finland", {}),
    "share_forced_labour_in_finland": ("form", "forced_labour", None, "forced labour", {"place": "finland"}),
}
_SPLIT = {"sex": ("age", ("adult", "minor")), "age": ("sex", ("female", "male")), "form": ("age", ("adult", "minor"))}
#: How UNODC's breakdowns differ from a partition, said next to every number derived from them.
UNODC_CAVEAT = (
    "UNODC leaves persons of unknown sex or age and cells under five out of its breakdowns, so a count "
    "derived as total minus the other part may include them"
)
_DIMS = ("place", "form", "sex", "age")


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


def _minus(total: Part, other: Part) -> Part | None:
    low = total.count.low - other.count.high
    high = total.count.high - other.count.low
    if high < 0:
        return None
    how = "derived" if total.count.exact and other.count.exact else "bound"
    return Part(CountRange(max(low, 0), high), how)


def _plus(parts: list[Part]) -> Part:
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
            derived = _minus(total, other)
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
                return _plus(pieces)  # type: ignore[arg-type]
    return direct


def unodc_rows(context: pd.DataFrame, country: str = "FIN") -> pd.DataFrame:
    """A country's UNODC detected-victims cells from the context resource, as observation-like rows (measure
    ``identified``), "<5" cells kept as bounds by their qualifier.

    Parameters
    ----------
    context : pandas.DataFrame
        The context resource from `data.context.load_context`.
    country : str
        ISO3 code.

    Returns
    -------
    pandas.DataFrame
        Columns of the observations that `profile_table` reads.
    """
    sel = context[
        (context["country"].astype(str) == country)
        & (context["indicator"].astype(str) == "detected_victims")
        & (context["occurrence"] == 1)
    ]
    years = sel["year"].astype(int)
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime(years.astype(str) + "-01-01").to_numpy(),
            "period_end": pd.to_datetime(years.astype(str) + "-12-31").to_numpy(),
            "measure": "identified",
            "client_type": "victim",
            "place": "all",
            "form": sel["form"].astype(str).to_numpy(),
            "sex": sel["sex"].astype(str).to_numpy(),
            "age": sel["age"].astype(str).to_numpy(),
            "unit": "persons",
            "value": sel["value"].astype(float).to_numpy(),
            "qualifier": sel["qualifier"].astype(str).to_numpy(),
            "status": "preferred",
        }
    )
