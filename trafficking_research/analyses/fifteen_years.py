"""Victim profiles over the fifteen years from both series that have them, side by side.

The Assistance System's own breakdowns count victims *admitted* to the system; UNODC's Global Report data count
victims *detected* in Finland (by the authorities and the system together). Both are shown for every year they
have, each labelled for what it counts, and never mixed into one series.

A part of a total is read, in order, as: the published figure; a figure that follows by arithmetic from published
ones (female = total - male; a sum over ages), flagged ``derived``; a published bound ("<5"), which enters as a range
of counts (interval-censored), flagged ``bound``. A year with none of these has no share (a gap stays a gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..config import FIRST_YEAR, VICTIMS
from ..data.series import follows_period_rule
from ..errors import FitError
from ..stats.censored import CountRange, censored_share_trend, count_range, share_range
from ..stats.result import Estimate
from ..stats.shares import share_change
from .plotting import finish_year_axes, source_caption

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


class _Cells:
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
    cells: _Cells, year: int, dim: str, part: str, complement: str | None, fixed: dict[str, str], depth: int = 0
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


def profile_table(
    obs: pd.DataFrame, start_year: int = FIRST_YEAR, end_year: int = 2020, context: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every share of every series and year: count range, total, share (None for a range), 95% interval, how.

    UNODC's cells come from `context` (Finland's rows of the context resource, where "<5" cells are bounds) when it
    is given, else from the observations' ``identified`` rows (published cells only).
    """
    rows = []
    for series, (measure, types, counts) in SERIES.items():
        source = unodc_rows(context) if series == "unodc" and context is not None else obs
        cells = _Cells(source, measure, types)
        for key, (dim, part, complement, label, fixed) in SHARES.items():
            if fixed:
                label = f"{label} among those {' '.join(f'{v}' for v in fixed.values())}".replace(
                    "among those finland", "among those exploited in Finland"
                )
            for year in range(start_year, end_year + 1):
                total = cells.get(year, **fixed)
                if total is None or not total.count.exact or total.count.low == 0:
                    continue
                got = part_count(cells, year, dim, part, complement, fixed)
                if got is None or got.count.high > total.count.low:
                    continue
                r = share_range(got.count, total.count.low)
                rows.append(
                    {
                        "series": series,
                        "counts": counts,
                        "share": key,
                        "label": label,
                        "year": year,
                        "count_low": got.count.low,
                        "count_high": got.count.high,
                        "total": total.count.low,
                        "value": r.value,
                        "range_low": r.low,
                        "range_high": r.high,
                        "ci_low": r.ci[0],
                        "ci_high": r.ci[1],
                        "how": got.how,
                    }
                )
    columns = [
        "series",
        "counts",
        "share",
        "label",
        "year",
        "count_low",
        "count_high",
        "total",
        "value",
        "range_low",
        "range_high",
        "ci_low",
        "ci_high",
        "how",
    ]
    return pd.DataFrame(rows, columns=columns)


def share_estimates(table: pd.DataFrame) -> list[Estimate]:
    """One estimate per share and year: key ``fifteen_years.<series>.<share>.y<year>``."""
    out = []
    for row in table.itertuples():
        counted = f"{row.count_low}" if row.count_low == row.count_high else f"{row.count_low}-{row.count_high}"
        derived = " (count derived by arithmetic from published figures"
        derived += f"; {UNODC_CAVEAT})" if row.series == "unodc" else ")"
        how = {
            "published": "",
            "derived": derived,
            "bound": " (a suppressed or bounded cell: the share is a range, the interval spans it)",
        }[row.how]
        value = None if pd.isna(row.value) else float(row.value)
        extra = {"how": row.how}
        if value is None:
            extra["bounds"] = [float(row.range_low), float(row.range_high)]
        out.append(
            Estimate(
                f"fifteen_years.{row.series}.{row.share}.y{row.year}",
                value,
                "proportion",
                f"share of {row.label} among {row.counts}, {row.year}: {counted} of {row.total:g}, Wilson CI{how}",
                ci=(float(row.ci_low), float(row.ci_high)),
                extra=extra,
            )
        )
    return out


def trend_estimates(table: pd.DataFrame) -> tuple[list[Estimate], list[str]]:
    """Odds ratio per year of each share in each series (censored logit trend), and notes for those not fitted."""
    out, notes = [], []
    for (series, key), grp in table.groupby(["series", "share"], sort=True):
        grp = grp.sort_values("year")
        counts = [CountRange(int(a), int(b)) for a, b in zip(grp["count_low"], grp["count_high"])]
        try:
            fit = censored_share_trend(list(grp["year"]), counts, list(grp["total"]))
        except FitError as exc:
            notes.append(f"{series} {key}: no trend ({exc})")
            continue
        years = f"{grp['year'].min()}-{grp['year'].max()}"
        e = fit.estimates[0]
        out.append(
            e.renamed(
                f"fifteen_years.{series}.{key}.trend",
                f"{grp['label'].iloc[0]} among {grp['counts'].iloc[0]}, {years} ({len(grp)} years): {e.description}",
            )
        )
    return out, notes


def agreement_table(table: pd.DataFrame) -> pd.DataFrame:
    """Where both series have an exact share in the same year: their difference (system - UNODC), Newcombe's CI."""
    rows = []
    exact = table[table["count_low"] == table["count_high"]]
    for (key, year), grp in exact.groupby(["share", "year"], sort=True):
        if set(grp["series"]) != {"system", "unodc"}:
            continue
        s = grp[grp["series"] == "system"].iloc[0]
        u = grp[grp["series"] == "unodc"].iloc[0]
        ch = share_change(u["count_low"], u["total"], s["count_low"], s["total"])
        rows.append(
            {
                "share": key,
                "year": int(year),
                "system": s["value"],
                "unodc": u["value"],
                "difference": ch.difference,
                "ci_low": ch.ci[0],
                "ci_high": ch.ci[1],
            }
        )
    return pd.DataFrame(rows, columns=["share", "year", "system", "unodc", "difference", "ci_low", "ci_high"])


def agreement_estimates(table: pd.DataFrame) -> list[Estimate]:
    """The differences of the two series' shares, one per share and year both have."""
    return [
        Estimate(
            f"fifteen_years.agreement.{row.share}.y{row.year}",
            row.difference,
            "difference of proportions",
            f"{row.share.replace('_', ' ')}, {row.year}: the system's share minus UNODC's (Newcombe CI, "
            "treating the two counts as independent; they largely count the same persons, so the interval "
            "is conservative)",
            ci=(row.ci_low, row.ci_high),
        )
        for row in table.itertuples()
    ]


_STYLE = {
    "system": dict(marker="o", color="#4c78a8", label="Assistance System: victims admitted"),
    "unodc": dict(marker="s", color="#e45756", label="UNODC: victims detected"),
}


def share_figure(table: pd.DataFrame, key: str) -> plt.Figure:
    """Both series' shares over time with 95% intervals; a year whose count is a range is drawn as a bar only."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    sel = table[table["share"] == key]
    offsets = {"system": -0.12, "unodc": 0.12}
    for series, grp in sel.groupby("series", sort=True):
        style = _STYLE[series]
        x = grp["year"].to_numpy() + offsets[series]
        exact = grp["value"].notna().to_numpy()
        err = np.clip(np.vstack([grp["value"] - grp["ci_low"], grp["ci_high"] - grp["value"]])[:, exact], 0, None)
        ax.errorbar(
            x[exact],
            grp["value"][exact],
            yerr=err,
            fmt=style["marker"],
            color=style["color"],
            capsize=3,
            label=style["label"],
        )
        if (~exact).any():
            ax.vlines(
                x[~exact],
                grp["ci_low"][~exact],
                grp["ci_high"][~exact],
                color=style["color"],
                lw=3,
                alpha=0.5,
                label=f"{style['label'].split(':')[0]}: suppressed cell (range)",
            )
    label = sel["label"].iloc[0] if len(sel) else SHARES[key][3]
    ax.set_ylim(0, min(1.08, max(0.1, float(sel["ci_high"].max()) * 1.15)) if len(sel) else 1.08)  # headroom
    finish_year_axes(
        fig, ax, f"{label} / all victims in the series", f"Share of {label}: both series (95% CIs)", legend_size=7
    )
    return source_caption(
        fig,
        "Sources: Assistance System reviews and releases (admitted); UNODC Global Report on "
        "Trafficking in Persons data (detected). Cited row by row in data/observations.csv.",
    )


def fifteen_years(
    obs: pd.DataFrame, start_year: int = FIRST_YEAR, end_year: int | None = None, context: pd.DataFrame | None = None
) -> tuple[list[Estimate], dict[str, pd.DataFrame], dict[str, plt.Figure], list[str]]:
    """The fifteen-year profiles: estimates, tables (``fifteen_years_shares``, ``fifteen_years_agreement``),
    one figure per share (``fifteen_years_<share>``) and notes.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    start_year, end_year : int
        Years covered.

    Returns
    -------
    tuple
        (estimates, tables, figures, notes)
    """
    if end_year is None:
        end_year = int(obs["period_end"].dt.year.max())
    table = profile_table(obs, start_year, end_year, context)
    figures = {f"fifteen_years_{key}": share_figure(table, key) for key in SHARES if (table["share"] == key).any()}
    trends, notes = trend_estimates(table)
    agreement = agreement_table(table)
    estimates = share_estimates(table) + trends + agreement_estimates(agreement)
    tables = {"fifteen_years_shares": table, "fifteen_years_agreement": agreement}
    return estimates, tables, figures, notes
