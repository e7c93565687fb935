"""Profile-likelihood and bootstrap intervals, against published values and independent calculations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from helpers import shared
from scipy.special import gammaln
from scipy.stats import chi2, norm

from trafficking_research.stats.mse import bootstrap, load_table, profile_interval, select_model, table_from_frame
from trafficking_research.stats.mse.intervals import bca_limits

HALF_CHI2 = chi2.ppf(0.95, 1) / 2


def _uk_fit():
    """The UK five-list aic_stepwise fit (the Home Office model)."""
    return select_model(load_table(shared("mse") / "uk_2013_5lists.csv"), "aic_stepwise")


def _multinomial_loglik_by_statsmodels(fit, total: float) -> float:
    """Multinomial log-likelihood of N = total: statsmodels fit of the table completed with N - n."""
    X = np.vstack([fit.design.X, np.eye(fit.design.X.shape[1])[:1]])
    y = np.append(fit.design.y, total - fit.design.y.sum())
    mu = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-12).fittedvalues
    pos = y > 0
    return float(np.sum(y[pos] * np.log(mu[pos] / total)) + gammaln(total + 1) - gammaln(y + 1).sum())


def test_uk_profile_interval_is_the_published_9889_to_13063() -> None:
    # Home Office (2014): 11,313 with 95% interval 9,889-13,063 (Rcapture's profile likelihood for N).
    ci = profile_interval(_uk_fit())
    assert (round(ci.total), round(ci.lower), round(ci.upper)) == (11313, 9889, 13063)


def test_uk_profile_bounds_sit_where_the_likelihood_has_dropped_by_half_chi2() -> None:
    fit = _uk_fit()
    ci = profile_interval(fit)
    grid = np.linspace(fit.total - 30, fit.total + 30, 61)
    peak = max(_multinomial_loglik_by_statsmodels(fit, t) for t in grid)
    for bound in (ci.lower, ci.upper):
        assert peak - _multinomial_loglik_by_statsmodels(fit, bound) == pytest.approx(HALF_CHI2, abs=2e-3)


def test_poisson_profile_bounds_match_statsmodels_offset_fits() -> None:
    fit = _uk_fit()
    ci = profile_interval(fit, likelihood="poisson")
    X, y = fit.design.X, fit.design.y
    for bound in (ci.lower, ci.upper):
        offset = np.full(len(y), np.log(bound - y.sum()))
        ref = sm.GLM(y, X[:, 1:], family=sm.families.Poisson(), offset=offset).fit(tol=1e-12)
        assert fit.loglik - ref.llf == pytest.approx(HALF_CHI2, abs=1e-6)
    assert 9800 < ci.lower < 9950 and 13000 < ci.upper < 13150


def test_bootstrap_does_not_depend_on_the_number_of_workers() -> None:
    table = load_table(shared("mse") / "new_orleans_8lists.csv")
    one = bootstrap(table, "stepwise", n_boot=40, seed=7, n_jobs=1)
    two = bootstrap(table, "stepwise", n_boot=40, seed=7, n_jobs=2)
    threads = bootstrap(table, "stepwise", n_boot=40, seed=7, n_jobs=2, backend="threading")
    np.testing.assert_array_equal(one.replicates, two.replicates)
    np.testing.assert_array_equal(one.replicates, threads.replicates)
    np.testing.assert_array_equal(one.jackknife, two.jackknife)
    assert one.bca == two.bca and one.percentile == two.percentile
    other = bootstrap(table, "stepwise", n_boot=40, seed=8, n_jobs=1)
    assert not np.array_equal(one.replicates, other.replicates)


def test_new_orleans_stepwise_bca_is_near_the_published_717_to_1657() -> None:
    # Published (Chan, Silverman & Vincent 2021; SparseMSE, 1,000 replicates): 1,184 with BCa 717-1,657.
    # With 300 replicates and another generator the limits can only agree loosely: only ~13% of
    # replicates fall below 1,184 (bias correction z0 ~ -1.1), which puts the lower limit at an extreme
    # quantile (~1e-5), i.e. near the smallest replicate, so it varies most between runs.
    result = bootstrap(load_table(shared("mse") / "new_orleans_8lists.csv"), "stepwise", n_boot=300, seed=11, n_jobs=2)
    assert round(result.total) == 1184
    assert result.n_failed == 0
    assert 550 < result.bca[0] < 900
    assert 1400 < result.bca[1] < 1950
    assert -1.4 < result.bias_correction < -0.9
    assert result.percentile[1] > result.bca[1]


def test_jackknife_acceleration_matches_lincoln_petersen_by_hand() -> None:
    # Two lists, main effects: total = (n10 + n11)(n01 + n11) / n11 in closed form, so the delete-one
    # estimates and the acceleration a = sum n_j U_j^3 / (6 (sum n_j U_j^2)^1.5) can be written out.
    n10, n01, n11 = 60, 45, 15
    table = table_from_frame(pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [n10, n01, n11]}), "two")
    lp = lambda a, b, m: (a + m) * (b + m) / m  # noqa: E731
    jack = np.array([lp(n10 - 1, n01, n11), lp(n10, n01 - 1, n11), lp(n10, n01, n11 - 1)])
    w = np.array([n10, n01, n11], dtype=float)
    u = np.sum(w * jack) / w.sum() - jack
    a = np.sum(w * u**3) / (6 * np.sum(w * u**2) ** 1.5)
    result = bootstrap(table, "main_effects", n_boot=200, seed=3, n_jobs=1)
    assert result.jackknife == pytest.approx(jack, rel=1e-9)
    assert result.acceleration == pytest.approx(a, rel=1e-8)
    assert result.total == pytest.approx(lp(n10, n01, n11), rel=1e-9)


def test_bca_limits_follow_diciccio_efron() -> None:
    rng = np.random.default_rng(0)
    boot = rng.lognormal(7.0, 0.3, size=2000)
    estimate, accel = float(np.quantile(boot, 0.4)), 0.05
    z0 = norm.ppf(np.mean(boot < estimate))
    probs = np.array([0.025, 0.975])
    zq = z0 + (z0 + norm.ppf(probs)) / (1 - accel * (z0 + norm.ppf(probs)))
    expected = np.quantile(boot, norm.cdf(zq), method="median_unbiased")
    assert bca_limits(boot, estimate, accel, probs) == pytest.approx(expected, rel=1e-12)
    # With no bias and no acceleration BCa is the percentile interval.
    sym = np.concatenate([boot, 2 * np.median(boot) - boot])
    assert bca_limits(sym, float(np.median(sym)), 0.0, probs) == pytest.approx(
        np.quantile(sym, probs, method="median_unbiased"), rel=1e-3
    )


def test_multinomial_profile_matches_the_two_list_closed_form() -> None:
    # Two independent lists, N fixed: the profile MLEs are p_i = n_i / N, so
    # log L(N) = log N! - log (N - n)! + sum_i [n_i log p_i + (N - n_i) log(1 - p_i)] + const.
    from scipy.optimize import brentq

    n10, n01, n11 = 60, 45, 15
    n1, n2, n = n10 + n11, n01 + n11, n10 + n01 + n11
    table = table_from_frame(pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [n10, n01, n11]}), "two")

    def loglik(total: float) -> float:
        out = gammaln(total + 1) - gammaln(total - n + 1)
        for ni in (n1, n2):
            out += ni * np.log(ni / total) + (total - ni) * np.log(1 - ni / total)
        return float(out)

    grid = np.linspace(n + 1e-6, 600, 200001)
    values = np.array([loglik(t) for t in grid])
    top, peak = grid[values.argmax()], values.max()
    lower = brentq(lambda t: peak - loglik(t) - HALF_CHI2, n + 1e-6, top)
    upper = brentq(lambda t: peak - loglik(t) - HALF_CHI2, top, 5000)
    ci = profile_interval(select_model(table, "main_effects"))
    assert ci.lower == pytest.approx(lower, rel=1e-6)
    assert ci.upper == pytest.approx(upper, rel=1e-6)
