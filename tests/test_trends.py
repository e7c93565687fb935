"""Trend models checked against independent maximum-likelihood fits and against simulations with known growth."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

from trafficking_research.errors import SeriesError
from trafficking_research.stats import breaks, stock_flow, trends


def nb2_negloglik(theta: np.ndarray, t: np.ndarray, y: np.ndarray) -> float:
    b0, b1, log_alpha = theta
    mu = np.exp(b0 + b1 * t)
    r = 1 / math.exp(log_alpha)
    ll = (
        special.gammaln(y + r)
        - special.gammaln(r)
        - special.gammaln(y + 1)
        + r * np.log(r / (r + mu))
        + y * np.log(mu / (r + mu))
    )
    return -float(ll.sum())


def series(values: list[float], first: int = 2010) -> pd.Series:
    return pd.Series(values, index=range(first, first + len(values)), dtype=float, name="test series")


SAMPLE = series([44, 52, 48, 56, 61, 52, 130, 127, 163, 229, 244])


def test_poisson_slope_matches_direct_maximum_likelihood() -> None:
    t = SAMPLE.index.to_numpy() - 2010
    y = SAMPLE.to_numpy()
    nll = lambda b: -float(np.sum(y * (b[0] + b[1] * t) - np.exp(b[0] + b[1] * t)))  # noqa: E731
    opt = optimize.minimize(nll, [3.0, 0.1], method="BFGS", options={"gtol": 1e-10})
    fit = trends.fit_poisson(SAMPLE)
    assert fit.slope == pytest.approx(opt.x[1], rel=1e-6)
    assert fit.apc == pytest.approx(100 * math.expm1(opt.x[1]), rel=1e-6)
    # Wald SE from the inverse Fisher information
    mu = np.exp(opt.x[0] + opt.x[1] * t)
    info = np.array([[mu.sum(), (mu * t).sum()], [(mu * t).sum(), (mu * t * t).sum()]])
    assert fit.se == pytest.approx(math.sqrt(np.linalg.inv(info)[1, 1]), rel=1e-5)


def test_negbin_matches_direct_maximum_likelihood() -> None:
    t = SAMPLE.index.to_numpy() - 2010
    y = SAMPLE.to_numpy()
    opt = optimize.minimize(
        nb2_negloglik,
        [3.5, 0.15, math.log(0.05)],
        args=(t, y),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    fit = trends.fit_negbin(SAMPLE)
    assert fit.slope == pytest.approx(opt.x[1], rel=1e-4)
    assert fit.alpha == pytest.approx(math.exp(opt.x[2]), rel=1e-3)
    assert fit.llf == pytest.approx(-opt.fun, rel=1e-7)
    # standard error from a numerical Hessian of the independent likelihood, on the (b0, b1, alpha) scale
    theta = np.array([opt.x[0], opt.x[1], math.exp(opt.x[2])])
    f = lambda th: nb2_negloglik(np.array([th[0], th[1], math.log(th[2])]), t, y)  # noqa: E731
    h = np.zeros((3, 3))
    eps = 1e-4 * np.maximum(np.abs(theta), 1e-2)
    for i in range(3):
        for j in range(3):
            e_i, e_j = np.eye(3)[i] * eps[i], np.eye(3)[j] * eps[j]
            h[i, j] = (f(theta + e_i + e_j) - f(theta + e_i - e_j) - f(theta - e_i + e_j) + f(theta - e_i - e_j)) / (
                4 * eps[i] * eps[j]
            )
    assert fit.se == pytest.approx(math.sqrt(np.linalg.inv(h)[1, 1]), rel=2e-2)


def test_negbin_ci_covers_true_apc_about_95_percent() -> None:
    """200 series of 15 years from NB2 with 20% growth: the 95% CI of the APC must cover 20% in 89-99% of draws."""
    rng = np.random.default_rng(20210127)
    true_slope, alpha, years = math.log(1.2), 0.05, np.arange(2006, 2021)
    mu = 20 * np.exp(true_slope * (years - 2006))
    covered = 0
    n = 200
    for _ in range(n):
        y = rng.poisson(rng.gamma(1 / alpha, alpha * mu))
        fit = trends.fit_negbin(pd.Series(y, index=years, dtype=float, name="sim"))
        low, high = fit.apc_ci
        covered += low <= 20.0 <= high
    assert 0.89 <= covered / n <= 0.99, covered / n


def test_boundary_alpha_reduces_to_poisson() -> None:
    exact = series([100 * 1.3**k for k in range(6)]).round()
    nb, po = trends.fit_negbin(exact), trends.fit_poisson(exact)
    assert nb.alpha == 0.0 and nb.slope == pytest.approx(po.slope) and nb.llf == pytest.approx(po.llf)
    d = trends.overdispersion(po, nb)
    assert d.lr_statistic == 0.0 and d.p_value == 0.5


def test_doubling_time_and_its_interval() -> None:
    fit = trends.fit_negbin(SAMPLE)
    assert fit.doubling_time == pytest.approx(math.log(2) / fit.slope)
    low, high = fit.doubling_time_ci
    assert low < fit.doubling_time < high
    flat = trends.fit_poisson(series([50, 52, 49, 51, 50, 48]))
    assert flat.doubling_time_ci[1] is None or flat.doubling_time_ci[1] > 50


def test_joinpoint_finds_a_planted_break() -> None:
    rng = np.random.default_rng(7)
    years = np.arange(2006, 2021)
    mu = np.where(years <= 2015, 40 * 1.02 ** (years - 2006), 40 * 1.02**9 * 1.35 ** (years - 2015))
    y = pd.Series(rng.poisson(mu), index=years, dtype=float, name="planted")
    jp = breaks.joinpoint(y, n_boot=99, seed=1)
    assert jp.break_year in (2014, 2015, 2016)
    assert jp.p_value < 0.05
    assert jp.slopes[1] > jp.slopes[0]
    # the average APC lies between the two segments' APCs
    assert 100 * math.expm1(jp.slopes[0]) < jp.aapc < 100 * math.expm1(jp.slopes[1])


def test_joinpoint_bootstrap_is_seeded() -> None:
    a = breaks.joinpoint(SAMPLE, n_boot=49, seed=3)
    b = breaks.joinpoint(SAMPLE, n_boot=49, seed=3)
    assert a.p_value == b.p_value and a.break_year == b.break_year


@pytest.mark.parametrize(
    "values, start, end, fragment",
    [
        ([5, 6], 2010, 2020, "2 year(s) with data in 2010-2020 (years: 2010, 2011); a trend needs at least three"),
        ([0, 0, 0, 0], 2010, 2020, "every count in 2010-2020 is zero"),
        ([5, 6, 7], 2021, 2020, "start year 2021 is after end year 2020"),
        ([5, -1, 7], 2010, 2020, "counts must be whole and non-negative (years 2011)"),
        ([5, 1.5, 7], 2010, 2020, "counts must be whole and non-negative (years 2011)"),
    ],
)
def test_bad_series_get_clear_errors(values: list[float], start: int, end: int, fragment: str) -> None:
    with pytest.raises(SeriesError) as info:
        trends.prepare(series(values), "test series", start, end)
    assert "series 'test series'" in str(info.value) and fragment in str(info.value)


def test_gaps_are_left_out_not_filled() -> None:
    s = pd.Series([10.0, 20.0, 40.0], index=[2010, 2012, 2015], name="gappy")
    data = trends.prepare(s, "gappy", 2006, 2020)
    assert list(data.index) == [2010, 2012, 2015]
    fit = trends.fit_poisson(data)
    assert list(fit.fitted.index) == [2010, 2012, 2015]


def test_implied_exits_and_reconciliation_by_hand() -> None:
    stock = pd.Series({2019: 676.0, 2020: 916.0, 2021: 1132.0})
    admitted = pd.Series({2020: 297.0, 2021: 291.0})
    table = stock_flow.implied_exits(stock, admitted)
    assert table["implied_exits"].tolist() == [676 + 297 - 916, 916 + 291 - 1132]
    rec = stock_flow.reconcile_cumulative(pd.Series({2006: 10.0, 2008: 30.0}), pd.Series({2008: 55.0}))
    row = rec.iloc[0]
    assert row["residual"] == 15 and row["years_missing"] == "2007" and row["residual_per_missing_year"] == 15
