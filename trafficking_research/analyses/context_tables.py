"""The context analysis' tables: the countries, the cells of the UNODC extract (data/context.csv), rates per 100,000
with exact Poisson intervals, persons prosecuted or convicted per detected victim, Finland's rate ratios and each
country's series for the trend model.

A count published as "<5" is carried as the range 0-4 everywhere: its rate or ratio is a bound with an interval.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..data.counts import CountRange
from ..stats.rates import Interval, count_ratio, poisson_rate, rate_ratio

COUNTRIES: tuple[str, ...] = ("FIN", "SWE", "NOR", "DNK", "ISL", "EST")
NAMES: dict[str, str] = {
    "FIN": "Finland",
    "SWE": "Sweden",
    "NOR": "Norway",
    "DNK": "Denmark",
    "ISL": "Iceland",
    "EST": "Estonia",
}
FOCUS = "FIN"
STAGES: tuple[str, ...] = ("prosecuted", "convicted")
FORMS: dict[str, str] = {
    "forced_labour": "forced labour",
    "sexual_exploitation": "sexual exploitation",
    "other": "other forms (first row of the extract)",
}
PER = 100_000


def cells(context: pd.DataFrame, indicator: str, form: str = "all", sex: str = "all", age: str = "all") -> pd.DataFrame:
    """The first-occurrence cells of one indicator and breakdown: country, year, value, qualifier."""
    sel = context[
        (context["indicator"] == indicator)
        & (context["form"] == form)
        & (context["sex"] == sex)
        & (context["age"] == age)
        & (context["occurrence"] == 1)
    ]
    return (
        sel[["country", "year", "value", "qualifier"]].astype({"country": str, "qualifier": str}).reset_index(drop=True)
    )


def count_range(row: pd.Series) -> CountRange:
    return CountRange.published(float(row["value"]), str(row["qualifier"]))


def rates_table(
    context: pd.DataFrame,
    population: pd.DataFrame,
    start_year: int,
    end_year: int,
    confidence: float,
    indicator: str = "detected_victims",
    form: str = "all",
) -> pd.DataFrame:
    """Per country and year: the published count, population and the rate per 100,000 with its exact interval."""
    pop = {(str(r.country), int(r.year)): float(r.population) for r in population.itertuples()}
    rows = []
    for _, r in cells(context, indicator, form).iterrows():
        year = int(r["year"])
        if not start_year <= year <= end_year:
            continue
        est = poisson_rate(count_range(r), pop[(r["country"], year)], PER, confidence)
        rows.append(
            {
                "country": r["country"],
                "year": year,
                "published": _published(r),
                "population": pop[(r["country"], year)],
                "rate": est.value,
                "bound": est.bound,
                "low": est.low,
                "high": est.high,
            }
        )
    return pd.DataFrame(rows, columns=["country", "year", "published", "population", "rate", "bound", "low", "high"])


def _published(row: pd.Series) -> str:
    return f"{int(row['value'])}" if row["qualifier"] == "exact" else f"<{int(row['value'])}"


def per_victim_table(
    context: pd.DataFrame, stage: str, start_year: int, end_year: int, confidence: float
) -> pd.DataFrame:
    """Per country and year: persons at `stage` (prosecuted or convicted) per detected victim, or why it is missing."""
    victims = {(r.country, int(r.year)): r for r in cells(context, "detected_victims").itertuples()}
    stage_cells = {(r.country, int(r.year)): r for r in cells(context, stage).itertuples()}
    rows = []
    for country in COUNTRIES:
        for year in range(start_year, end_year + 1):
            v, s = victims.get((country, year)), stage_cells.get((country, year))
            row: dict[str, Any] = {
                "country": country,
                "year": year,
                "victims": _published(pd.Series(v._asdict())) if v else "",
                stage: _published(pd.Series(s._asdict())) if s else "",
            }
            if v is None or s is None:
                row["status"] = "missing: " + " and ".join(
                    n for n, c in (("detected victims", v), (stage, s)) if c is None
                )
                rows.append(row)
                continue
            den = CountRange.published(float(v.value), str(v.qualifier))
            if den.high == 0:
                row["status"] = "no detected victims"
                rows.append(row)
                continue
            est = count_ratio(CountRange.published(float(s.value), str(s.qualifier)), den, 1.0, confidence)
            row.update(
                ratio=est.value,
                bound=est.bound,
                low=est.low,
                high=est.high,
                status="estimate" if est.value is not None else "bound (a count published as <5)",
            )
            rows.append(row)
    return pd.DataFrame(rows, columns=["country", "year", "victims", stage, "ratio", "bound", "low", "high", "status"])


def rate_ratios(context: pd.DataFrame, population: pd.DataFrame, year: int, confidence: float) -> dict[str, Interval]:
    """Finland's rate of detected victims against each neighbour's in `year` (neighbours without a figure left out)."""
    pop = {(str(r.country), int(r.year)): float(r.population) for r in population.itertuples()}
    totals = {r.country: r for r in cells(context, "detected_victims").itertuples() if int(r.year) == year}
    out = {}
    if FOCUS not in totals:
        return out
    f = totals[FOCUS]
    for country in COUNTRIES[1:]:
        if country in totals:
            c = totals[country]
            out[country] = rate_ratio(
                CountRange.published(float(f.value), str(f.qualifier)),
                pop[(FOCUS, year)],
                CountRange.published(float(c.value), str(c.qualifier)),
                pop[(country, year)],
                confidence,
            )
    return out


def trend_series(context: pd.DataFrame, country: str, start_year: int, end_year: int) -> tuple[pd.Series, list[int]]:
    """Exact detected-victim totals of a country within the years (for the trend model), and the bounded years left out."""
    t = cells(context, "detected_victims")
    t = t[(t["country"] == country) & (t["year"] >= start_year) & (t["year"] <= end_year)]
    exact = t[t["qualifier"] == "exact"]
    s = pd.Series(
        exact["value"].astype(float).to_numpy(),
        index=exact["year"].astype(int).to_numpy(),
        name=f"{NAMES[country]}: detected victims",
    )
    return s.sort_index(), sorted(int(y) for y in t.loc[t["qualifier"] != "exact", "year"])
