"""The gap-year statistics against independent calculations (numpy/scipy) and simulations with known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from trafficking_research.stats.imputation import ProxyRelation, draw_gap_counts, fit_proxy_relation, pool_rubin


def test_proxy_relation_is_the_mean_and_sd_of_the_log_ratios() -> None:
    target = {2010: 44, 2011: 52, 2012: 48, 2013: 60}
    proxy = {2010: 49, 2011: 54, 2012: 50, 2013: 58}
    rel = fit_proxy_relation(target, proxy, [2013, 2010, 2011, 2012])
    logs = [math.log(44 / 49), math.log(52 / 54), math.log(48 / 50), math.log(60 / 58)]
    assert rel.mean == pytest.approx(sum(logs) / 4)
    assert rel.sd == pytest.approx(float(np.std(logs, ddof=1)))
    assert rel.years == (2010, 2011, 2012, 2013) and rel.n == 4


def test_proxy_relation_refuses_missing_or_too_few_years() -> None:
    with pytest.raises(ValueError, match="lack a figure"):
        fit_proxy_relation({2010: 1}, {2010: 1, 2011: 2}, [2010, 2011])
    with pytest.raises(ValueError, match="at least two"):
        fit_proxy_relation({2010: 1}, {2010: 1}, [2010])


def test_draws_add_up_to_a_known_total_in_every_draw() -> None:
    rel = ProxyRelation(0.1, 0.3, (2010, 2011, 2012, 2013, 2015))
    draws = draw_gap_counts([5, 16, 17, 45], rel, 500, seed=1, total=112)
    assert draws.shape == (500, 4) and draws.dtype.kind == "i"
    assert (draws.sum(axis=1) == 112).all() and (draws >= 0).all()


def test_with_no_year_noise_the_total_is_shared_in_proportion_to_the_proxy() -> None:
    rel = ProxyRelation(-0.5, 0.0, (2010, 2011))
    proxy = np.array([5.0, 16.0, 17.0, 45.0])
    draws = draw_gap_counts(proxy, rel, 20000, seed=3, total=112)
    want = 112 * proxy / proxy.sum()
    se = np.sqrt(112 * (proxy / proxy.sum()) * (1 - proxy / proxy.sum()) / 20000)
    assert np.all(np.abs(draws.mean(axis=0) - want) < 4 * se)


def test_without_a_total_the_draws_recover_a_known_ratio() -> None:
    # truth: admissions = 0.8 x proxy exactly, so the relation has sd 0 and the draws are Poisson(0.8 x proxy)
    rel = fit_proxy_relation(
        {y: 0.8 * p for y, p in zip(range(2010, 2016), [50, 60, 70, 80, 90, 100])},
        dict(zip(range(2010, 2016), [50, 60, 70, 80, 90, 100])),
        range(2010, 2016),
    )
    draws = draw_gap_counts([100.0, 200.0], rel, 20000, seed=5)
    assert draws.mean(axis=0) == pytest.approx([80.0, 160.0], rel=0.01)
    assert draws.var(axis=0) == pytest.approx([80.0, 160.0], rel=0.05)  # Poisson: variance = mean


def test_parameter_uncertainty_widens_the_draws() -> None:
    narrow = draw_gap_counts([40.0], ProxyRelation(0.0, 0.05, tuple(range(2000, 2020))), 5000, seed=2)
    wide = draw_gap_counts([40.0], ProxyRelation(0.0, 0.05, (2000, 2001, 2002)), 5000, seed=2)
    assert wide.std() > narrow.std()


def test_draws_are_reproducible_from_the_seed() -> None:
    rel = ProxyRelation(0.0, 0.2, (2010, 2011, 2012))
    a = draw_gap_counts([5, 10], rel, 50, seed=11, total=20)
    b = draw_gap_counts([5, 10], rel, 50, seed=11, total=20)
    c = draw_gap_counts([5, 10], rel, 50, seed=12, total=20)
    assert (a == b).all() and not (a == c).all()


@pytest.mark.parametrize(
    "kwargs, fragment", [({"proxy_gap": [0, 3]}, "proxy_gap"), ({"n_draws": 0}, "n_draws"), ({"total": -1}, "negative")]
)
def test_draws_refuse_bad_parameters(kwargs: dict, fragment: str) -> None:
    args = {"proxy_gap": [1.0, 2.0], "relation": ProxyRelation(0.0, 0.1, (1, 2)), "n_draws": 5, "seed": 1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=fragment):
        draw_gap_counts(**args)


def test_rubin_pooling_matches_the_formulas() -> None:
    q = np.array([0.20, 0.22, 0.19, 0.25, 0.21])
    u = np.array([0.010, 0.012, 0.011, 0.009, 0.010]) ** 2
    pooled = pool_rubin(q, u)
    m, w, b = 5, u.mean(), q.var(ddof=1)
    t = w + (1 + 1 / m) * b
    df = (m - 1) * (1 + w / ((1 + 1 / m) * b)) ** 2
    assert pooled.estimate == pytest.approx(q.mean()) and pooled.variance == pytest.approx(t)
    assert pooled.df == pytest.approx(df)
    half = stats.t.ppf(0.975, df) * math.sqrt(t)
    assert pooled.interval() == pytest.approx((q.mean() - half, q.mean() + half))


def test_rubin_with_identical_imputations_is_the_single_fit() -> None:
    pooled = pool_rubin([0.3] * 10, [0.01] * 10)
    assert pooled.between == 0 and math.isinf(pooled.df)
    assert pooled.interval() == pytest.approx((0.3 - 1.959963984540054 * 0.1, 0.3 + 1.959963984540054 * 0.1))


def test_multiple_imputation_covers_a_known_slope() -> None:
    """Simulation with known truth: counts with slope 0.15, four years removed and imputed from an exact proxy."""
    rng = np.random.default_rng(7)
    years = np.arange(2006, 2021)
    truth = 0.15
    hits = 0
    n_sim = 60
    for _ in range(n_sim):
        mu = 10 * np.exp(truth * (years - 2006))
        y = rng.poisson(mu)
        proxy = mu.copy()  # the proxy is proportional to the truth (ratio 1)
        gap = np.isin(years, [2007, 2008, 2009, 2014])
        rel = fit_proxy_relation(
            {int(a): float(m) for a, m in zip(years, mu)},
            {int(a): float(p) for a, p in zip(years, proxy)},
            [int(a) for a in years[~gap]],
        )
        draws = draw_gap_counts(proxy[gap], rel, 30, seed=int(rng.integers(1 << 30)))
        slopes, variances = [], []
        x = years - 2006
        for d in draws:
            yy = y.astype(float).copy()
            yy[gap] = d
            # Poisson log-linear fit by iteratively reweighted least squares (independent of the package)
            beta = np.array([math.log(max(yy.mean(), 1.0)), 0.0])
            X = np.column_stack([np.ones_like(x), x]).astype(float)
            for _ in range(50):
                eta = X @ beta
                mu_hat = np.exp(eta)
                z = eta + (yy - mu_hat) / mu_hat
                W = mu_hat
                beta = np.linalg.solve(X.T @ (W[:, None] * X), X.T @ (W * z))
            cov = np.linalg.inv(X.T @ (np.exp(X @ beta)[:, None] * X))
            slopes.append(beta[1])
            variances.append(cov[1, 1])
        low, high = pool_rubin(slopes, variances).interval()
        hits += low <= truth <= high
    assert hits / n_sim >= 0.85  # nominal 95%; 60 simulations
