"""Reference values of the harmonised series (growth.harmonised.*), from data/observations.csv with csv, numpy and
scipy only.

Imported by generate_expected.py. The model is re-implemented from its description in
trafficking_research/stats/imputation.py (the draws follow the same documented sequence of numpy calls, so that the
same seed gives the same draws), and every draw is fitted by direct maximisation of the NB2 likelihood
(generate_growth.nb_nll), not by the package's statsmodels fits.
"""

from __future__ import annotations

import math

import numpy as np
from generate_growth import hessian, nb_nll, yearly
from scipy import optimize, stats

SEED, N_DRAWS, END = 2006, 100, 2020
FIRST_2006 = 9.0  # clients in the first year, the preferred of the two published values (9 and 6)
GAPS = [2007, 2008, 2009, 2014]


def nb_slope(series: dict[int, float], origin: int = 2006) -> tuple[float, float]:
    """NB2 slope and its variance (inverse numerical Hessian of the negative log-likelihood in (b0, b1, alpha))."""
    t = np.array(list(series)) - origin
    y = np.array(list(series.values()))
    p0 = [math.log(y.mean()) - 0.1 * t.mean(), 0.1, math.log(0.05)]
    nb = optimize.minimize(
        nb_nll, p0, args=(t, y), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40000}
    ).x
    f = lambda th: nb_nll(np.array([th[0], th[1], math.log(th[2])]), t, y)  # noqa: E731
    cov = np.linalg.inv(hessian(f, np.array([nb[0], nb[1], math.exp(nb[2])])))
    return float(nb[1]), float(cov[1, 1])


def harmonised_expected(rows) -> dict[str, dict]:
    admitted = yearly(rows, "admitted", ["victim", "unspecified"], end=2100)
    unodc = yearly(rows, "identified", ["victim"], end=2100)
    totals = {}
    for r in rows:
        if (
            (r["status"], r["measure"], r["client_type"], r["period_start"], r["unit"])
            == ("preferred", "admitted", "victim", "2006-01-01", "persons")
            and r["qualifier"] == "exact"
            and (r["place"], r["form"], r["sex"], r["age"]) == ("all", "all", "all", "all")
            and r["period_end"].endswith("-12-31")
        ):
            totals[int(r["period_end"][:4])] = float(r["value"])
    out: dict[str, dict] = {}
    exact = {"abs": 0}
    for year, total in totals.items():
        out[f"growth.harmonised.gap_sum.total_{year}"] = {
            "value": total - sum(v for y, v in admitted.items() if 2006 <= y <= year),
            "tolerance": exact,
        }
    # the relation on 2010-2020 and the draws constrained by the total to 2017, 2006 counted as 9
    overlap = [y for y in range(2010, 2021) if y in admitted and y in unodc]
    logs = np.log([admitted[y] / unodc[y] for y in overlap])
    m, s, n = logs.mean(), logs.std(ddof=1), len(overlap)
    gap_total = int(totals[2017] - FIRST_2006 - sum(v for y, v in admitted.items() if 2006 <= y <= 2017))
    rng = np.random.default_rng(SEED)
    sigma2 = (n - 1) * s**2 / rng.chisquare(n - 1, size=N_DRAWS)
    mu = rng.normal(m, np.sqrt(sigma2 / n))
    eps = rng.normal(0.0, 1.0, size=(N_DRAWS, len(GAPS))) * np.sqrt(sigma2)[:, None]
    lam = np.array([unodc[y] for y in GAPS])[None, :] * np.exp(mu[:, None] + eps)
    shares = lam / lam.sum(axis=1, keepdims=True)
    draws = np.vstack([rng.multinomial(gap_total, row) for row in shares])
    for j, y in enumerate(GAPS):
        col = draws[:, j].astype(float)
        out[f"growth.harmonised.y{y}"] = {
            "value": float(np.median(col)),
            "tolerance": exact,
            "ci": [float(np.quantile(col, 0.025)), float(np.quantile(col, 0.975))],
        }
    slopes, variances = [], []
    for d in draws:
        series = {2006: FIRST_2006, **{y: v for y, v in admitted.items() if 2006 < y <= END}}
        series.update({y: float(v) for y, v in zip(GAPS, d)})
        b, v = nb_slope(dict(sorted(series.items())))
        slopes.append(b)
        variances.append(v)
    q, u = np.array(slopes), np.array(variances)
    w, bvar = u.mean(), q.var(ddof=1)
    total_var = w + (1 + 1 / N_DRAWS) * bvar
    df = (N_DRAWS - 1) * (1 + w / ((1 + 1 / N_DRAWS) * bvar)) ** 2
    half = stats.t.ppf(0.975, df) * math.sqrt(total_var)
    pct = lambda b: 100 * math.expm1(b)  # noqa: E731
    out["growth.harmonised.apc"] = {
        "value": pct(q.mean()),
        "ci": [pct(q.mean() - half), pct(q.mean() + half)],
        "tolerance": {"rel": 1e-3},
        "ci_tolerance": {"rel": 2e-2},
    }
    finland = yearly(rows, "admitted", ["victim", "unspecified"], place="finland", end=2100)
    abroad = yearly(rows, "admitted", ["victim", "unspecified"], place="abroad", end=2100)
    for y in finland:
        if y in admitted and y not in abroad:
            out[f"growth.harmonised.derived.abroad.y{y}"] = {"value": admitted[y] - finland[y], "tolerance": exact}
    return out
