"""The harmonised series' tables and numbers: the sensitivity of the APC to the gap years' choices, the figures
derived by arithmetic, and the estimates named ``growth.harmonised.*``."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..config import FIRST_YEAR, VICTIMS
from ..data.counts import Cells, part_count
from ..stats.pooled_growth import FullSpanGrowth
from ..stats.result import Estimate
from .declarations import GROWTH
from .harmonised_series import Harmonised, Scenario, full_span_growth, harmonise, published_only_growth

#: Draws per scenario of the sensitivity table, unless a caller says otherwise (the growth notebook's declared default).
SENSITIVITY_DRAWS: int = GROWTH["sensitivity_draws"].default

MAIN = Scenario()
#: The sensitivity table's scenarios: the main model, then one choice changed at a time.
SCENARIOS: tuple[tuple[str, Scenario], ...] = (
    ("main: every source, either total drawn", MAIN),
    ("only the total to 2017 (630)", replace(MAIN, total="2017")),
    ("only the total to 2020 (1,257)", replace(MAIN, total="2020")),
    ("2014 from UNODC x ratio alone; all of the excess to 2007-09", replace(MAIN, year_sources=("unodc",))),
    ("2014 from its first half alone (nowcast); the rest to 2007-09", replace(MAIN, year_sources=("first_half",))),
    ("all of the excess to 2007-09, split evenly", replace(MAIN, split="even")),
    (
        "in proportion to UNODC over all gap years, total to 2017 (as before)",
        Scenario("2017", allocation="proportional"),
    ),
    ("in proportion to UNODC over all gap years, total to 2020", Scenario("2020", allocation="proportional")),
    ("no total: every gap year from its own sources", replace(MAIN, total=None)),
    ("2006 = 6 (the older release)", replace(MAIN, first_year=6)),
    ("UNODC relation on 2010-2015", replace(MAIN, relation_years=(2010, 2015))),
    ("UNODC relation on 2010-2022", replace(MAIN, relation_years=(2010, 2022))),
)


def sensitivity(
    obs: pd.DataFrame,
    end_year: int = 2020,
    n_draws: int = SENSITIVITY_DRAWS,
    seed: int = 2006,
    model: str = "negbin",
    scenarios: tuple[tuple[str, Scenario], ...] = SCENARIOS,
    first_years: tuple[int, ...] = (9, 6),
) -> pd.DataFrame:
    """APC over the full span under each scenario of the gap years, beside the published-only fits.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    end_year : int
        Last year.
    n_draws : int
        Draws per scenario.
    seed : int
        Seed, the same for every scenario (common random numbers).
    model : {"negbin", "poisson"}
        Trend model.
    scenarios : tuple of (str, Scenario)
        What each row changes, and the scenario.
    first_years : tuple of int
        2006 values of the published-only rows.

    Returns
    -------
    pandas.DataFrame
        One row per choice: what it changes, its scenario, the years, APC and its interval, what the gap years add
        up to (the totals' sums, or the median of the draws without a total) and each gap year's median over the
        draws.
    """
    rows = []
    for fy in (None, *first_years):
        g = published_only_growth(obs, FIRST_YEAR, end_year, model, first_year=fy)
        what = "published years only" + ("" if fy is None else f", 2006 = {fy}")
        rows.append(_row(what, "", g, "", ""))
    for what, scenario in scenarios:
        h = harmonise(obs, scenario, end_year, n_draws, seed)
        sums = h.draws[h.gap_years].sum(axis=1)
        fixed = sorted(h.gap_totals.values(), reverse=True)
        gap_sum = " or ".join(map(str, fixed)) if fixed else f"{sums.median():g} (median)"
        medians = ", ".join(f"{y}: {h.draws[y].median():g}" for y in h.gap_years)
        rows.append(_row(what, scenario.label, full_span_growth(h, model), gap_sum, medians))
    return pd.DataFrame(rows)


def _row(what: str, scenario: str, g: FullSpanGrowth, gap_sum: str, medians: str) -> dict:
    return {
        "choice": what,
        "scenario": scenario,
        "years": f"{g.first_year}-{g.last_year}",
        "apc": g.apc,
        "apc_low": g.apc_ci[0],
        "apc_high": g.apc_ci[1],
        "gap_sum": gap_sum,
        "gap_medians": medians,
        "draws": g.m,
    }


def derived_complements(obs: pd.DataFrame, end_year: int = 2024) -> pd.DataFrame:
    """Breakdowns that follow by arithmetic from published figures: abroad = all - Finland, and the other sex.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    end_year : int
        Last year considered.

    Returns
    -------
    pandas.DataFrame
        One row per year and derived part (only where the part itself is not published): the total, the published
        part and the remainder, flagged as derived.
    """
    cells = Cells(obs, "admitted", VICTIMS)
    rows = []
    for dim, known, other in (("place", "finland", "abroad"), ("sex", "female", "male"), ("sex", "male", "female")):
        for y in cells.years:
            got = part_count(cells, y, dim, other, known, {}, depth=1)  # depth 1: no sums over the other split
            if y > end_year or got is None or got.how != "derived":
                continue
            total, part = cells.get(y), cells.get(y, **{dim: known})
            rows.append(
                {
                    "year": int(y),
                    "dimension": dim,
                    "derived": other,
                    "total": float(total.count.low),
                    "published_part": float(part.count.low),
                    "value": float(got.count.low),
                    "flag": f"derived: all - {known}",
                }
            )
    return pd.DataFrame(rows, columns=["year", "dimension", "derived", "total", "published_part", "value", "flag"])


def estimates(
    h: Harmonised,
    main: FullSpanGrowth,
    published: FullSpanGrowth,
    table: pd.DataFrame | None,
    implied: pd.DataFrame,
    derived: pd.DataFrame,
) -> list[Estimate]:
    """The numbers of the harmonised analysis, named for ``growth.harmonised.*``.

    Parameters
    ----------
    h : Harmonised
        The main scenario's series.
    main, published : FullSpanGrowth
        Its pooled APC and the published-only APC over the same span.
    table : pandas.DataFrame or None
        From `sensitivity` (None: no sensitivity table was made).
    implied : pandas.DataFrame
        From `implied_gap_totals` with 2006 counted among the gap years.
    derived : pandas.DataFrame
        From `derived_complements`.

    Returns
    -------
    list of Estimate
    """
    out = [main.estimate("apc"), published.estimate("apc").renamed("apc_published_only")]
    if table is not None:  # the range of the sensitivity table, where it was made
        est = table[table["draws"] > 1]
        for end, what in (("min", "smallest"), ("max", "largest")):
            row = est.loc[est["apc"].idxmin() if end == "min" else est["apc"].idxmax()]
            out.append(
                Estimate(
                    f"sensitivity.apc_{end}",
                    float(row["apc"]),
                    "percent per year",
                    f"{what} APC over the sensitivity table's {len(est)} choices for the gap years (totals, the "
                    f"sources of 2014, the split of the rest, 2006's value, the UNODC relation): {row['choice']}",
                    ci=(float(row["apc_low"]), float(row["apc_high"])),
                )
            )
    for row in implied.itertuples():
        out.append(
            Estimate(
                f"gap_sum.total_{row.total_to}",
                float(row.gap_sum),
                "persons",
                f"what the published total {row.total:g} to {row.total_to} leaves for {row.gap_years} "
                "(the published yearly admissions subtracted)",
            )
        )
    if h.gaps is not None:
        out += [
            e.renamed(e.name, f"victims admitted in {e.description}; scenario: {h.scenario.label}")
            for e in h.gaps.estimates
        ]
    if len(h.gap_totals) > 1:
        (a, ga), (b, gb) = list(h.gap_totals.items())[:2]
        first = h.scenario.first_year
        same = f"; the difference equals the {first} clients counted for 2006" if first == abs(ga - gb) else ""
        out.append(
            Estimate(
                "totals_disagreement",
                float(ga - gb),
                "persons",
                f"the published totals disagree about the gap years {', '.join(map(str, h.gap_years))}: the total "
                f"{a} leaves {ga}, the total {b} leaves {gb} (2006 = {first}){same}; no source says which is "
                "right, so each draw of the main model takes one of them",
            )
        )
    for row in derived.itertuples():
        out.append(
            Estimate(
                f"derived.{row.derived}.y{row.year}",
                float(row.value),
                "persons",
                f"victims admitted in {row.year}, {row.flag} ({row.total:g} - {row.published_part:g}); "
                "derived by arithmetic, not published",
            )
        )
    return out
