"""Reference values of the growth notebook, computed from data/observations.csv with csv, numpy and scipy only.

Imported by generate_expected.py. The series selection is re-implemented here from the data's documented rules
(preferred rows; calendar-year flows; victims, else figures whose client type is unspecified), not taken from the
package, and the models are fitted by direct maximisation of the Poisson and NB2 likelihoods.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats

Z = stats.norm.ppf(0.975)


def yearly(rows, measure, client_types, place="all", start=2006, end=2020, stock=False):
    out = {}
    for ctype in client_types:
        for r in rows:
            if r["status"] != "preferred" or r["measure"] != measure or r["client_type"] != ctype:
                continue
            if r.get("qualifier", "exact") != "exact":  # bounds and approximations are not counts
                continue
            if (r["place"], r["form"], r["sex"], r["age"], r["unit"]) != (place, "all", "all", "all", "persons"):
                continue
            y0, y1 = r["period_start"], r["period_end"]
            ok = (
                (y0 == y1 and y1.endswith("-12-31"))
                if stock
                else (y0.endswith("-01-01") and y1.endswith("-12-31") and y0[:4] == y1[:4])
            )
            year = int(y1[:4])
            if ok and start <= year <= end and year not in out:
                out[year] = float(r["value"])
    return dict(sorted(out.items()))


def nb_nll(theta, t, y):
    b0, b1, la = theta
    mu, r = np.exp(b0 + b1 * t), math.exp(-la)
    return -float(
        np.sum(
            special.gammaln(y + r)
            - special.gammaln(r)
            - special.gammaln(y + 1)
            + r * np.log(r / (r + mu))
            + y * np.log(mu / (r + mu))
        )
    )


def hessian(f, x, rel=1e-4):
    n = len(x)
    h = np.zeros((n, n))
    eps = rel * np.maximum(np.abs(x), 1e-2)
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * eps[i], np.eye(n)[j] * eps[j]
            h[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * eps[i] * eps[j])
    return h


def apc_fits(series: dict[int, float], origin: int = 2006):
    t = np.array(list(series)) - origin
    y = np.array(list(series.values()))
    pois = lambda b: -float(np.sum(y * (b[0] + b[1] * t) - np.exp(b[0] + b[1] * t) - special.gammaln(y + 1)))  # noqa: E731
    p = optimize.minimize(pois, [math.log(y.mean()) - 0.1 * t.mean(), 0.1], method="BFGS", options={"gtol": 1e-10}).x
    p_se = math.sqrt(np.linalg.inv(hessian(pois, p))[1, 1])
    nb = optimize.minimize(
        nb_nll,
        [p[0], p[1], math.log(0.05)],
        args=(t, y),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40000},
    ).x
    f = lambda th: nb_nll(np.array([th[0], th[1], math.log(th[2])]), t, y)  # noqa: E731
    theta = np.array([nb[0], nb[1], math.exp(nb[2])])
    nb_se = math.sqrt(np.linalg.inv(hessian(f, theta))[1, 1])
    pct = lambda b: 100 * math.expm1(b)  # noqa: E731
    # Calibrated intervals (the package's choice after its calibration study): the standard error scaled by the
    # Pearson dispersion X2 / (n - 2), with Student's t on n - 2 degrees of freedom.
    df = len(y) - 2
    tq = stats.t.ppf(0.975, df)
    mu_p = np.exp(p[0] + p[1] * t)
    p_half = tq * p_se * math.sqrt(float(np.sum((y - mu_p) ** 2 / mu_p)) / df)
    mu_nb, a = np.exp(nb[0] + nb[1] * t), math.exp(nb[2])
    nb_half = tq * nb_se * math.sqrt(float(np.sum((y - mu_nb) ** 2 / (mu_nb + a * mu_nb**2))) / df)
    return (pct(p[1]), [pct(p[1] - p_half), pct(p[1] + p_half)]), (
        pct(nb[1]),
        [pct(nb[1] - nb_half), pct(nb[1] + nb_half)],
    )


def nb_fit(series: dict[int, float], origin: int = 2006) -> np.ndarray:
    """NB2 coefficients (b0, b1, log alpha) by direct maximisation."""
    t = np.array(list(series)) - origin
    y = np.array(list(series.values()))
    return optimize.minimize(
        nb_nll,
        [math.log(y.mean()) - 0.1 * t.mean(), 0.1, math.log(0.05)],
        args=(t, y),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40000},
    ).x


def forecast_expected(rows) -> dict[str, dict]:
    """Point forecasts of the NB2 trend fitted to 2006-2020: exp(b0 + b1 (year - 2006))."""
    b = nb_fit(yearly(rows, "admitted", ["victim", "unspecified"]))
    return {
        f"forecast.{year}.victims_admitted": {
            "value": math.exp(b[0] + b[1] * (year - 2006)),
            "tolerance": {"rel": 1e-4},
        }
        for year in range(2021, 2025)
    }


def growth_expected(rows) -> dict[str, dict]:
    out = forecast_expected(rows)
    victims = yearly(rows, "admitted", ["victim", "unspecified"])
    (pa, pci), (na, nci) = apc_fits(victims)
    out["growth.victims_admitted.apc"] = {
        "value": na,
        "ci": nci,
        "tolerance": {"rel": 1e-4},
        "ci_tolerance": {"rel": 2e-2},
    }
    out["growth.victims_admitted.apc_poisson"] = {
        "value": pa,
        "ci": pci,
        "tolerance": {"rel": 1e-5},
        "ci_tolerance": {"rel": 1e-3},
    }
    out["growth.victims_admitted.years"] = {"value": len(victims), "tolerance": {"abs": 0}}
    stock = yearly(rows, "clients", ["all"], stock=True, end=2100)
    flow = yearly(rows, "admitted", ["all"], end=2100)
    for year in flow:
        if year - 1 in stock and year in stock:
            out[f"growth.stock_flow.all_clients.exits_{year}"] = {
                "value": stock[year - 1] + flow[year] - stock[year],
                "tolerance": {"abs": 0},
            }
    totals = {}
    for r in rows:
        if (
            (r["status"], r["measure"], r["client_type"], r["period_start"], r["unit"])
            == ("preferred", "admitted", "victim", "2006-01-01", "persons")
            and (r["place"], r["form"], r["sex"], r["age"]) == ("all", "all", "all", "all")
            and r["period_end"].endswith("-12-31")
        ):
            totals[int(r["period_end"][:4])] = float(r["value"])
    all_victims = yearly(rows, "admitted", ["victim", "unspecified"], end=2100)
    for year, total in totals.items():
        summed = sum(v for y, v in all_victims.items() if 2006 <= y <= year)
        out[f"growth.reconciliation.cumulative_{year}.residual"] = {"value": total - summed, "tolerance": {"abs": 0}}
    return out
