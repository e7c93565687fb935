"""Reference values of the context notebook, computed from data/context.csv and data/population.csv with csv, numpy
and scipy only (no trafficking_research, no statsmodels).

Imported by generate_expected.py. Rates use the Garwood interval written through the gamma distribution, ratios the
exact binomial interval of scipy.stats.binomtest, and APCs the NB2 likelihood maximised directly (generate_growth).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from generate_growth import apc_fits
from scipy import stats

DATA = Path(__file__).resolve().parents[2] / "data"
COUNTRIES = ("FIN", "SWE", "NOR", "DNK", "ISL", "EST")
START, END, YEAR = 2008, 2022, 2020  # the notebook's default parameters


def read(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def totals(rows: list[dict[str, str]], indicator: str) -> dict[tuple[str, int], tuple[int, str]]:
    """(country, year) -> (value, qualifier) of the indicator's total cell."""
    out = {}
    for r in rows:
        if (r["indicator"], r["form"], r["sex"], r["age"], r["occurrence"]) == (indicator, "all", "all", "all", "1"):
            out[(r["country"], int(r["year"]))] = (int(r["value"]), r["qualifier"])
    return out


def garwood(k: int, a: float = 0.05) -> tuple[float, float]:
    low = 0.0 if k == 0 else stats.gamma.ppf(a / 2, k)
    return float(low), float(stats.gamma.ppf(1 - a / 2, k + 1))


def odds_ci(k1: int, k2: int) -> tuple[float, float]:
    ci = stats.binomtest(k1, k1 + k2).proportion_ci(0.95, method="exact")
    high = math.inf if ci.high >= 1 else ci.high / (1 - ci.high)
    return ci.low / (1 - ci.low), high


def context_expected() -> dict[str, dict]:
    rows, pop_rows = read("context.csv"), read("population.csv")
    pop = {(r["country"], int(r["year"])): int(r["population"]) for r in pop_rows}
    victims = totals(rows, "detected_victims")
    stages = {"prosecuted": totals(rows, "prosecuted"), "convicted": totals(rows, "convicted")}
    out: dict[str, dict] = {}
    tol, ci_tol = {"rel": 1e-6}, {"rel": 1e-6}
    for c in COUNTRIES:
        if (c, YEAR) in victims and victims[(c, YEAR)][1] == "exact":
            k, n = victims[(c, YEAR)][0], pop[(c, YEAR)]
            low, high = garwood(k)
            out[f"context.{c.lower()}.rate_per_100k.y{YEAR}"] = {
                "value": k / n * 1e5,
                "ci": [low / n * 1e5, high / n * 1e5],
                "tolerance": tol,
                "ci_tolerance": ci_tol,
            }
    kf, nf = victims[("FIN", YEAR)][0], pop[("FIN", YEAR)]
    for c in COUNTRIES[1:]:
        if (c, YEAR) in victims and victims[(c, YEAR)][1] == "exact":
            kc, nc = victims[(c, YEAR)][0], pop[(c, YEAR)]
            low, high = odds_ci(kf, kc)
            out[f"context.rate_ratio.fin_{c.lower()}.y{YEAR}"] = {
                "value": (kf / nf) / (kc / nc),
                "ci": [low * nc / nf, high * nc / nf],
                "tolerance": tol,
                "ci_tolerance": ci_tol,
            }
    for c in COUNTRIES:
        for stage, counts in stages.items():
            for year in range(START, END + 1):
                v, j = victims.get((c, year)), counts.get((c, year))
                if v and j and v[1] == "exact" and j[1] == "exact" and v[0] > 0:
                    low, high = odds_ci(j[0], v[0])
                    out[f"context.{c.lower()}.{stage}_per_victim.y{year}"] = {
                        "value": j[0] / v[0],
                        "ci": [low, high],
                        "tolerance": tol,
                        "ci_tolerance": ci_tol,
                    }
        series = {
            y: float(victims[(c, y)][0])
            for y in range(START, END + 1)
            if (c, y) in victims and victims[(c, y)][1] == "exact"
        }
        if len(series) >= 3:
            _, (apc, apc_ci) = apc_fits(series, origin=START)
            out[f"context.{c.lower()}.apc"] = {
                "value": apc,
                "ci": apc_ci,
                "tolerance": {"rel": 1e-3},
                "ci_tolerance": {"rel": 2e-2},
            }
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(context_expected(), indent=1)[:3000])
