"""Reference values of the harmonised series (growth.harmonised.*), from data/observations.csv with csv, numpy and
scipy only.

Imported by generate_expected.py. The gap-year model is re-implemented from its description in
trafficking_research/stats/gap_allocation.py: 2014 from UNODC x the admissions/UNODC ratio and from its first half x
the full-year/first-half ratio (each relation's parameters drawn from their non-informative posterior, the candidates
resampled by the density of the two predictions' difference, N(0, s_u^2 + s_h^2), written here in that closed form),
each draw taking the total to 2017 or to 2020 with probability 1/2 and splitting what it leaves after 2014 among
2007-2009 in proportion to UNODC's counts. The draws follow the same documented sequence of numpy calls, so that the
same seed gives the same draws; every draw is fitted by direct maximisation of the NB2 likelihood
(generate_growth.nb_nll), not by the package's fits.
"""

from __future__ import annotations

import math

import numpy as np
from generate_growth import hessian, nb_nll, yearly
from generate_recent import first_halves
from scipy import optimize, stats

SEED, N_DRAWS, END = 2006, 100, 2020
FIRST_2006 = 9.0  # clients in the first year, the preferred of the two published values (9 and 6)
GAPS = [2007, 2008, 2009, 2014]
REST, OWN = [2007, 2008, 2009], 2014  # before every overlap year; inside the overlap years
OVERSAMPLE = 20


def nb_slope(series: dict[int, float], origin: int = 2006) -> tuple[float, float]:
    """NB2 slope and its calibrated variance: the inverse numerical Hessian of the negative log-likelihood in
    (b0, b1, alpha), scaled by the Pearson dispersion X2 / (n - 2) (the package's choice after its calibration study)."""
    t = np.array(list(series)) - origin
    y = np.array(list(series.values()))
    p0 = [math.log(y.mean()) - 0.1 * t.mean(), 0.1, math.log(0.05)]
    nb = optimize.minimize(
        nb_nll, p0, args=(t, y), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40000}
    ).x
    f = lambda th: nb_nll(np.array([th[0], th[1], math.log(th[2])]), t, y)  # noqa: E731
    cov = np.linalg.inv(hessian(f, np.array([nb[0], nb[1], math.exp(nb[2])])))
    mu, a = np.exp(nb[0] + nb[1] * t), math.exp(nb[2])
    dispersion = float(np.sum((y - mu) ** 2 / (mu + a * mu**2))) / (len(y) - 2)
    return float(nb[1]), float(cov[1, 1]) * dispersion


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
    # the relations: admissions/UNODC on 2010-2020, full year/first half on every year with both
    overlap = [y for y in range(2010, 2021) if y in admitted and y in unodc]
    logs = np.log([admitted[y] / unodc[y] for y in overlap])
    m_u, s_u, n_u = logs.mean(), logs.std(ddof=1), len(overlap)
    pairs, first_half = {}, None
    for ctype in ["victim", "unspecified", "victim_or_witness"]:
        full = yearly(rows, "admitted", [ctype], end=2100)
        halves = first_halves(rows, ctype)
        first_half = first_half if first_half is not None else halves.get(OWN)
        for y, h in halves.items():
            if y in full and y not in pairs:
                pairs[y] = (h, full[y])
    ratios = np.log([f / h for h, f in pairs.values()])
    m_h, s_h, n_h = ratios.mean(), ratios.std(ddof=1), len(ratios)
    sums = [int(totals[y] - FIRST_2006 - sum(v for x, v in admitted.items() if 2006 <= x <= y)) for y in (2017, 2020)]
    rng = np.random.default_rng(SEED)
    k = OVERSAMPLE * N_DRAWS
    s2_u = (n_u - 1) * s_u**2 / rng.chisquare(n_u - 1, size=k)
    mu_u = rng.normal(m_u, np.sqrt(s2_u / n_u))
    s2_h = (n_h - 1) * s_h**2 / rng.chisquare(n_h - 1, size=k)
    mu_h = rng.normal(m_h, np.sqrt(s2_h / n_h))
    loc_u, loc_h = math.log(unodc[OWN]) + mu_u, math.log(first_half) + mu_h
    log_w = stats.norm.logpdf(loc_u - loc_h, 0, np.sqrt(s2_u + s2_h))
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    total = np.array(sums, dtype=float)[rng.choice(2, size=N_DRAWS, p=[0.5, 0.5])]
    idx = rng.choice(k, size=N_DRAWS, p=w)
    z = rng.standard_normal((N_DRAWS, 1))[:, 0]
    prec = 1 / s2_u[idx] + 1 / s2_h[idx]
    mean = (loc_u[idx] / s2_u[idx] + loc_h[idx] / s2_h[idx]) / prec
    own = np.rint(np.exp(mean + z / np.sqrt(prec)))
    assert (own <= total).all()  # no draw to redraw
    shares = np.array([unodc[y] for y in REST]) * np.exp(
        rng.standard_normal((N_DRAWS, 3)) * np.sqrt(s2_u[idx])[:, None]
    )
    rest = rng.multinomial((total - own).astype(np.int64), shares / shares.sum(axis=1, keepdims=True))
    draws = np.column_stack([rest, own])
    assert (draws.sum(axis=1) == total).all()
    out["growth.harmonised.totals_disagreement"] = {"value": float(sums[0] - sums[1]), "tolerance": exact}
    for j, y in enumerate(GAPS):
        col = draws[:, j].astype(float)
        out[f"growth.harmonised.y{y}"] = {
            "value": float(np.median(col)),
            "tolerance": exact,
            "ci": [float(np.quantile(col, 0.025)), float(np.quantile(col, 0.975))],
            "ci_tolerance": {"abs": 1e-9},  # the package takes its quantile at (1 - 0.95) / 2 in floating point
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
    df_m = (N_DRAWS - 1) * (1 + w / ((1 + 1 / N_DRAWS) * bvar)) ** 2
    df_com = len(draws[0]) + len([y for y in admitted if 2006 < y <= END]) + 1 - 2  # years fitted minus two
    gamma = (1 + 1 / N_DRAWS) * bvar / total_var
    df_obs = (df_com + 1) / (df_com + 3) * df_com * (1 - gamma)  # Barnard and Rubin (1999)
    df = 1 / (1 / df_m + 1 / df_obs)
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
