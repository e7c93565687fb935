"""The profiles analysis' tables: the composition of the victims admitted by each breakdown and year, as counts and
shares with Wilson intervals, and which years each breakdown was published for.
"""

from __future__ import annotations

import pandas as pd

from ..config import BREAKDOWNS, SMALL_DENOMINATOR, VICTIMS
from ..data.codes import PARTITIONS
from ..data.series import annual_series
from ..stats.shares import wilson_share

COLUMNS = ["year", "breakdown", "part", "count", "total", "share", "ci_low", "ci_high", "small"]


def _breakdown(obs: pd.DataFrame, breakdown: str, years: range | list[int]) -> pd.DataFrame:
    """Counts and shares (Wilson 95% CIs) of the published parts of one breakdown, for the given years.

    Each series (the total and every part) is read from the data once for all years. The denominator is the published
    total of the same selection; a year whose total is missing or zero has no rows; a denominator under
    `SMALL_DENOMINATOR` is flagged.
    """
    dim, fixed = BREAKDOWNS[breakdown]
    total = annual_series(obs, "admitted", client_type=VICTIMS, **fixed)
    parts = {
        part: annual_series(obs, "admitted", client_type=VICTIMS, **dict(fixed, **{dim: part}))
        for part in PARTITIONS[dim][1]
    }
    rows = []
    for year in years:
        if year not in total.index or total[year] == 0:
            continue
        n = float(total[year])
        for part, s in parts.items():
            if year in s.index:
                share = wilson_share(float(s[year]), n)
                rows.append(
                    {
                        "year": year,
                        "breakdown": breakdown,
                        "part": part,
                        "count": share.count,
                        "total": n,
                        "share": share.value,
                        "ci_low": share.ci[0],
                        "ci_high": share.ci[1],
                        "small": n < SMALL_DENOMINATOR,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def composition(obs: pd.DataFrame, year: int, breakdown: str) -> pd.DataFrame:
    """One breakdown of one year's admitted victims.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    year : int
        The year.
    breakdown : str
        A label of `config.BREAKDOWNS`.

    Returns
    -------
    pandas.DataFrame
        One row per published part (columns `COLUMNS`); empty when the year has no such breakdown.
    """
    return _breakdown(obs, breakdown, [year])


def compositions(obs: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Every breakdown of every year in the range that the data allow.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    start_year, end_year : int
        First and last year.

    Returns
    -------
    pandas.DataFrame
        One row per year, breakdown and published part (columns `COLUMNS`), by year and then breakdown.
    """
    frames = [_breakdown(obs, b, range(start_year, end_year + 1)) for b in BREAKDOWNS]
    frames = [f for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    order = table["breakdown"].map({b: i for i, b in enumerate(BREAKDOWNS)})
    return (
        table.assign(_order=order)
        .sort_values(["year", "_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def availability(table: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Which breakdowns each year has.

    Parameters
    ----------
    table : pandas.DataFrame
        Shares from `compositions`.
    start_year, end_year : int
        First and last year (one column each).

    Returns
    -------
    pandas.DataFrame
        Breakdowns x years; each cell lists the parts published (empty: none).
    """
    rows = []
    for b in BREAKDOWNS:
        row = {"breakdown": b}
        for y in range(start_year, end_year + 1):
            sel = table[(table["breakdown"] == b) & (table["year"] == y)] if len(table) else table
            row[y] = ", ".join(sel["part"]) if len(sel) else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("breakdown")


def published_years(available: pd.DataFrame) -> pd.DataFrame:
    """The columns (years) of an `availability` table in which some breakdown is published.

    Parameters
    ----------
    available : pandas.DataFrame
        A table from `availability`.

    Returns
    -------
    pandas.DataFrame
        The same table without the years that have no breakdown at all.
    """
    return available.loc[:, (available != "").any()]
