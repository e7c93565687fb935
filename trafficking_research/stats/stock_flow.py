"""Arithmetic on published series: exits implied by stocks and flows, cumulative totals against yearly figures, and
two series compared year by year. Pure: series in, tables out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import FIRST_YEAR


def implied_exits(stock: pd.Series, admitted: pd.Series) -> pd.DataFrame:
    """Exits implied by stock and flow: stock(t-1) + admitted(t) - stock(t), for years where all three are published.

    Also the stock divided by the year's admissions, the implied mean time in the system in years (Little's law; a
    lower bound of sorts while the system grows).
    """
    rows = []
    for year in sorted(set(stock.index) & set(admitted.index)):
        if year - 1 not in stock.index:
            continue
        exits = stock[year - 1] + admitted[year] - stock[year]
        rows.append(
            {
                "year": int(year),
                "stock_previous": stock[year - 1],
                "admitted": admitted[year],
                "stock": stock[year],
                "implied_exits": exits,
                "stock_per_admission_years": stock[year] / admitted[year],
            }
        )
    return pd.DataFrame(rows)


def reconcile_cumulative(yearly: pd.Series, totals: pd.Series, first_year: int = FIRST_YEAR) -> pd.DataFrame:
    """Each published cumulative total against the sum of the published yearly figures up to its year.

    The residual is what the years without a yearly figure must hold between them if both sources are right.
    """
    rows = []
    for year, total in totals.items():
        span = range(first_year, int(year) + 1)
        have = [y for y in span if y in yearly.index]
        missing = [y for y in span if y not in yearly.index]
        summed = float(yearly.loc[have].sum())
        rows.append(
            {
                "year": int(year),
                "published_total": float(total),
                "sum_of_yearly": summed,
                "residual": float(total) - summed,
                "years_with_data": len(have),
                "years_missing": ", ".join(map(str, missing)) or "none",
                "residual_per_missing_year": (float(total) - summed) / len(missing) if missing else None,
            }
        )
    return pd.DataFrame(rows)


def compare_series(a: pd.Series, b: pd.Series, a_name: str, b_name: str, tolerance: float = 0.05) -> pd.DataFrame:
    """Year-by-year comparison of two series; a year is flagged when they differ by more than `tolerance` (relative)."""
    years = sorted(set(a.index) | set(b.index))
    rows = []
    for y in years:
        va, vb = a.get(y, np.nan), b.get(y, np.nan)
        diff = va - vb if not (np.isnan(va) or np.isnan(vb)) else np.nan
        flag = bool(abs(diff) > tolerance * max(va, vb)) if not np.isnan(diff) else False
        rows.append({"year": int(y), a_name: va, b_name: vb, "difference": diff, "flagged": flag})
    return pd.DataFrame(rows)
