"""Reference values of the `recent` notebook from data/observations.csv, by closed forms written here with numpy and
scipy only: Wilson intervals of admissions per referral, the two-group quasi-binomial odds ratio (whose maximum
likelihood fit is the pooled share of each side), the latest year's change against 2022, and the ratio nowcast with
its leave-one-year-out back-test."""

from __future__ import annotations

import math

import numpy as np
from generate_growth import yearly
from generate_profiles import wilson
from scipy import stats

TYPES = ["victim", "unspecified"]


def first_halves(rows, client_type):
    out = {}
    for r in rows:
        if r["status"] != "preferred" or r["measure"] != "admitted" or r["client_type"] != client_type:
            continue
        if r["qualifier"] != "exact" or (r["place"], r["form"], r["sex"], r["age"], r["unit"]) != (
            "all",
            "all",
            "all",
            "all",
            "persons",
        ):
            continue
        if r["period_start"].endswith("-01-01") and r["period_end"].endswith("-06-30"):
            out[int(r["period_end"][:4])] = float(r["value"])
    return out


def two_group_quasi_or(k, n, after):
    k, n, after = (np.asarray(v, dtype=float) for v in (k, n, after))
    a, b = after == 1, after == 0
    pa, pb = k[a].sum() / n[a].sum(), k[b].sum() / n[b].sum()
    log_or = math.log(pa / (1 - pa)) - math.log(pb / (1 - pb))
    se = math.sqrt(1 / k[a].sum() + 1 / (n[a] - k[a]).sum() + 1 / k[b].sum() + 1 / (n[b] - k[b]).sum())
    p = np.where(a, pa, pb)
    df = len(k) - 2
    phi = float(np.sum((k - n * p) ** 2 / (n * p * (1 - p)))) / df
    half = stats.t.ppf(0.975, df) * se * math.sqrt(phi)
    return math.exp(log_or), (math.exp(log_or - half), math.exp(log_or + half))


def recent_expected(rows) -> dict[str, dict]:
    admitted = yearly(rows, "admitted", TYPES, end=2100)
    referred = yearly(rows, "referred", ["all", "unspecified"], end=2100)
    last = max(admitted)
    out = {}
    both = sorted(set(admitted) & set(referred))
    for y in both:
        k, n = admitted[y], referred[y]
        out[f"recent.admission_share.y{y}"] = {"value": k / n, "ci": list(wilson(k, n)), "tolerance": {"rel": 1e-9}}
    window = [y for y in both if y >= 2023 - 3]
    value, ci = two_group_quasi_or(
        [admitted[y] for y in window], [referred[y] for y in window], [y >= 2023 for y in window]
    )
    out["recent.amendments.admission_share.odds_ratio"] = {"value": value, "ci": list(ci), "tolerance": {"rel": 1e-6}}
    out["recent.latest_change"] = {"value": admitted[last] / admitted[2022], "tolerance": {"rel": 1e-12}}
    # first half and full year of the same client type (2020: victims and witnesses together)
    pairs = {}
    for ctype in [*TYPES, "victim_or_witness"]:
        full = yearly(rows, "admitted", [ctype], end=2100)
        for y, h in first_halves(rows, ctype).items():
            if y in full and y not in pairs:
                pairs[y] = (h, full[y])
    years = sorted(pairs)
    inside, errors, naive = [], [], []
    for y in years:
        rest = [pairs[x] for x in years if x != y]
        r = np.log([f / h for h, f in rest])
        m, s, n = r.mean(), r.std(ddof=1), len(r)
        half = stats.t.ppf(0.975, n - 1) * s * math.sqrt(1 + 1 / n)
        h, f = pairs[y]
        inside.append(h * math.exp(m - half) <= f <= h * math.exp(m + half))
        errors.append(abs(h * math.exp(m) - f))
        naive.append(abs(2 * h - f))
    out["recent.nowcast.backtest.coverage"] = {"value": float(np.mean(inside)), "tolerance": {"abs": 1e-12}}
    out["recent.nowcast.backtest.mae"] = {"value": float(np.mean(errors)), "tolerance": {"rel": 1e-9}}
    out["recent.nowcast.backtest.mae_naive"] = {"value": float(np.mean(naive)), "tolerance": {"rel": 1e-9}}
    return out
