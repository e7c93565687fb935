"""Reference values of the profiles notebook from data/observations.csv: Wilson and Newcombe intervals by formula."""

from __future__ import annotations

import math

from generate_growth import yearly
from scipy import stats

Z = stats.norm.ppf(0.975)


def wilson(k: float, n: float) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def profiles_expected(rows) -> dict[str, dict]:
    victims = yearly(rows, "admitted", ["victim", "unspecified"], end=2020)
    finland = yearly(rows, "admitted", ["victim", "unspecified"], place="finland", end=2020)
    out = {}
    for year in (2019, 2020):
        k, n = finland[year], victims[year]
        out[f"profiles.share.place.finland.y{year}"] = {
            "value": k / n,
            "ci": list(wilson(k, n)),
            "tolerance": {"rel": 1e-9},
        }
    (k1, n1), (k2, n2) = (finland[2019], victims[2019]), (finland[2020], victims[2020])
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = wilson(k1, n1), wilson(k2, n2)
    d = p2 - p1
    ci = [d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)]
    out["profiles.change_2019_2020.share_finland"] = {"value": d, "ci": ci, "tolerance": {"rel": 1e-9}}
    return out
