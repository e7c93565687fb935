"""Victim profiles: compositions of those admitted by place, form, sex and age, as shares with 95% intervals.

Shares use Wilson intervals; trends in a share use a binomial logit model on year; changes between two years use
the score test and Newcombe's interval for a difference of proportions (all from statsmodels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, test_proportions_2indep

from ..data.codes import PARTITIONS
from .plotting import finish_year_axes
from ..data.series import annual_series

SMALL_DENOMINATOR = 30
VICTIMS = ("victim", "unspecified")
FORMS = PARTITIONS["form"][1]

# Breakdowns of a year's admitted victims: label -> (dimension, fixed selection of the other dimensions)
BREAKDOWNS: dict[str, tuple[str, dict[str, str]]] = {
    "place": ("place", {}),
    "form, all places": ("form", {}),
    "form, exploited in Finland": ("form", {"place": "finland"}),
    "form, exploited abroad": ("form", {"place": "abroad"}),
    "sex": ("sex", {}),
    "age": ("age", {}),
}
PARTS = {"place": ("finland", "abroad"), "form": FORMS, "sex": ("female", "male"), "age": ("minor", "adult")}


def share(count: float, total: float) -> tuple[float, float, float]:
    """A share and its 95% Wilson interval."""
    low, high = proportion_confint(count, total, alpha=0.05, method="wilson")
    return count / total, float(low), float(high)


COLUMNS = ["year", "breakdown", "part", "count", "total", "share", "ci_low", "ci_high", "small"]


def _breakdown(obs: pd.DataFrame, breakdown: str, years: range | list[int]) -> pd.DataFrame:
    """Counts and shares (Wilson 95% CIs) of the published parts of one breakdown, for the given years.

    Each series (the total and every part) is read from the data once for all years. The denominator is the published
    total of the same selection; a year whose total is missing or zero has no rows; a denominator under 30 is flagged.
    """
    dim, fixed = BREAKDOWNS[breakdown]
    total = annual_series(obs, "admitted", client_type=VICTIMS, **fixed)
    parts = {part: annual_series(obs, "admitted", client_type=VICTIMS, **dict(fixed, **{dim: part}))
             for part in PARTS[dim]}
    rows = []
    for year in years:
        if year not in total.index or total[year] == 0:
            continue
        n = float(total[year])
        for part, s in parts.items():
            if year in s.index:
                p, low, high = share(float(s[year]), n)
                rows.append({"year": year, "breakdown": breakdown, "part": part, "count": float(s[year]), "total": n,
                             "share": p, "ci_low": low, "ci_high": high, "small": n < SMALL_DENOMINATOR})
    return pd.DataFrame(rows, columns=COLUMNS)


def composition(obs: pd.DataFrame, year: int, breakdown: str) -> pd.DataFrame:
    """One breakdown of one year's admitted victims (see `_breakdown`); empty when the year has no such breakdown."""
    return _breakdown(obs, breakdown, [year])


def compositions(obs: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Every breakdown of every year in the range that the data allow."""
    frames = [_breakdown(obs, b, range(start_year, end_year + 1)) for b in BREAKDOWNS]
    frames = [f for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    order = table["breakdown"].map({b: i for i, b in enumerate(BREAKDOWNS)})
    return table.assign(_order=order).sort_values(["year", "_order"], kind="stable").drop(columns="_order") \
        .reset_index(drop=True)


def availability(table: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Which breakdowns each year has (the parts published, out of the parts that exist)."""
    rows = []
    for b in BREAKDOWNS:
        row = {"breakdown": b}
        for y in range(start_year, end_year + 1):
            sel = table[(table["breakdown"] == b) & (table["year"] == y)] if len(table) else table
            row[y] = ", ".join(sel["part"]) if len(sel) else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("breakdown")


@dataclass
class ShareTrend:
    """Binomial logit trend of a share: odds ratio per year with its 95% CI and the Wald p-value."""

    odds_ratio: float
    ci: tuple[float, float]
    p_value: float
    years: list[int]


def share_trend(counts: pd.Series, totals: pd.Series) -> ShareTrend | None:
    """Logit of a share on year, from the years where both the part and the total are published (None if < 3)."""
    years = sorted(set(counts.index) & set(totals.index))
    if len(years) < 3:
        return None
    k = np.array([counts[y] for y in years])
    n = np.array([totals[y] for y in years])
    X = sm.add_constant(np.array(years, dtype=float) - years[0])
    res = sm.GLM(np.column_stack([k, n - k]), X, family=sm.families.Binomial()).fit()
    b, se = float(res.params[1]), float(res.bse[1])
    return ShareTrend(math.exp(b), (math.exp(b - 1.96 * se), math.exp(b + 1.96 * se)), float(res.pvalues[1]), years)


@dataclass
class ShareChange:
    """Difference between two years' shares, its Newcombe 95% CI and the score test's p-value."""

    first: tuple[float, float]
    second: tuple[float, float]
    difference: float
    ci: tuple[float, float]
    p_value: float


def share_change(k1: float, n1: float, k2: float, n2: float) -> ShareChange:
    """Change of a share from (k1 of n1) to (k2 of n2)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels also computes ratios we do not use
        low, high = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff")
        test = test_proportions_2indep(k2, n2, k1, n1, method="score", compare="diff")
    return ShareChange((k1, n1), (k2, n2), k2 / n2 - k1 / n1, (float(low), float(high)), float(test.pvalue))


def shares_figure(table: pd.DataFrame, breakdown: str, title: str) -> plt.Figure:
    """Shares over time with their 95% intervals, one line per part; small denominators drawn hollow."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    sel = table[table["breakdown"] == breakdown]
    for part, grp in sel.groupby("part", sort=True):
        grp = grp.sort_values("year")
        err = np.vstack([grp["share"] - grp["ci_low"], grp["ci_high"] - grp["share"]])
        line = ax.errorbar(grp["year"], grp["share"], yerr=err, marker="o", capsize=3, label=part.replace("_", " "))
        small = grp[grp["small"]]
        ax.plot(small["year"], small["share"], "o", mfc="white", color=line[0].get_color())
    ax.set_ylim(0, 1)
    return finish_year_axes(fig, ax, "share of admitted victims", title)


def stacked_figure(table: pd.DataFrame, breakdown: str, title: str) -> plt.Figure:
    """Stacked counts of the published parts per year (the remainder up to the total drawn grey)."""
    sel = table[table["breakdown"] == breakdown]
    pivot = sel.pivot_table(index="year", columns="part", values="count", aggfunc="first").fillna(0)
    totals = sel.groupby("year")["total"].first()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    bottom = np.zeros(len(pivot))
    for part in pivot.columns:
        ax.bar(pivot.index, pivot[part], bottom=bottom, label=part.replace("_", " "))
        bottom += pivot[part].to_numpy()
    rest = totals.reindex(pivot.index).to_numpy() - bottom
    ax.bar(pivot.index, np.clip(rest, 0, None), bottom=bottom, color="#d9d9d9", label="not broken down")
    return finish_year_axes(fig, ax, "persons", title, legend_size=7)


def year_profile(obs: pd.DataFrame, year: int, window: int = 5) -> pd.DataFrame:
    """A year's admissions laid out as an annual review: each item against the previous year and the mean of the
    `window` years before it (over the years with data, with their number); missing figures stay empty."""
    items: list[tuple[str, dict]] = [
        ("victims admitted", {"client_type": VICTIMS}),
        ("witnesses admitted", {"client_type": "witness"}),
        ("children of victims admitted", {"client_type": "child_of_victim"}),
        ("all admitted", {"client_type": "all"}),
        ("exploited in Finland", {"client_type": VICTIMS, "place": "finland"}),
        ("exploited abroad", {"client_type": VICTIMS, "place": "abroad"}),
    ]
    items += [(f"Finland: {f.replace('_', ' ')}", {"client_type": VICTIMS, "place": "finland", "form": f}) for f in FORMS]
    items += [(f"abroad: {f.replace('_', ' ')}", {"client_type": VICTIMS, "place": "abroad", "form": f}) for f in FORMS]
    items += [(f"all places: {f.replace('_', ' ')}", {"client_type": VICTIMS, "form": f}) for f in FORMS]
    items += [("women and girls", {"client_type": VICTIMS, "sex": "female"}),
              ("men and boys", {"client_type": VICTIMS, "sex": "male"}),
              ("minors", {"client_type": VICTIMS, "age": "minor"}),
              ("exploited as minors", {"client_type": VICTIMS, "age": "minor_when_exploited"})]
    rows = []
    for label, query in items:
        s = annual_series(obs, "admitted", **query)
        before = s[(s.index >= year - window) & (s.index < year)]
        rows.append({"item": label, "value": s.get(year, np.nan), "previous_year": s.get(year - 1, np.nan),
                     f"mean_{window}_years_before": before.mean() if len(before) else np.nan,
                     "years_in_mean": len(before)})
    table = pd.DataFrame(rows)
    keep = table[["value", "previous_year", f"mean_{window}_years_before"]].notna().any(axis=1)
    return table[keep].reset_index(drop=True)


def share_key(breakdown: str, part: str, year: int) -> str:
    """The results.json name of a share: share.<breakdown>.<part>.y<year>, in lower-case words."""
    slug = "_".join(breakdown.lower().replace(",", " ").split())
    return f"share.{slug}.{part}.y{year}"
