"""Victim profiles over the fifteen years from both series that have them, side by side.

The Assistance System's own breakdowns count victims *admitted* to the system; UNODC's Global Report data count
victims *detected* in Finland (by the authorities and the system together). Both are shown for every year they
have, each labelled for what it counts, and never mixed into one series.

A part of a total is read, in order, as: the published figure; a figure that follows by arithmetic from published
ones (female = total - male; a sum over ages), flagged ``derived``; a published bound ("<5"), which enters as a range
of counts (interval-censored), flagged ``bound``. A year with none of these has no share (a gap stays a gap).

The counts are read in `fifteen_years_counts`, the figure drawn in `fifteen_years_figures`; this module builds the
table, the estimates and the trends.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..config import FIRST_YEAR
from ..data.counts import Cells, CountRange, part_count
from ..errors import FitError
from ..stats.censored import censored_share_trend, share_range
from ..stats.result import Estimate
from ..stats.shares import share_change
from .fifteen_years_counts import SERIES, SHARES, UNODC_CAVEAT, unodc_rows
from .fifteen_years_figures import share_figure


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
        cells = Cells(source, measure, types)
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
            notes.append(f"share of {SHARES[key][3]} among {SERIES[series][2]}: no trend ({exc})")
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
