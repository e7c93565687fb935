"""Shares with suppressed counts ("<5"): ranges and the censored logit trend, against independent calculations and
a simulation with known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from trafficking_research.data.counts import CountRange, count_range
from trafficking_research.errors import FitError, ParameterError
from trafficking_research.stats.censored import censored_share_trend, share_range

YEARS = list(range(2010, 2021))
TOTALS = [49, 54, 50, 58, 45, 52, 134, 130, 160, 228, 244]


def wilson(k: float, n: float, z: float = stats.norm.ppf(0.975)) -> tuple[float, float]:
    """Wilson score interval written out (independent of statsmodels)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_count_range_reads_qualifiers() -> None:
    assert count_range(5, "less_than") == CountRange(0, 4)
    assert count_range(4, "at_most") == CountRange(0, 4)
    assert count_range(12, "exact") == CountRange(12, 12)
    with pytest.raises(ParameterError, match="qualifier 'more_than'"):
        count_range(200, "more_than")


def test_share_range_spans_the_wilson_intervals_of_every_allowed_count() -> None:
    r = share_range(CountRange(0, 4), 52)
    assert r.value is None and (r.low, r.high) == (0.0, 4 / 52)
    assert r.ci[0] == pytest.approx(wilson(0, 52)[0], abs=1e-12)
    assert r.ci[1] == pytest.approx(wilson(4, 52)[1], rel=1e-10)
    exact = share_range(CountRange(13, 13), 52)
    assert exact.value == 0.25 and exact.ci == pytest.approx(wilson(13, 52), rel=1e-10)
    assert "suppressed" in r.estimates[0].description and r.estimates[0].extra["bounds"] == [0.0, 4 / 52]


def test_share_range_refuses_a_count_above_its_total() -> None:
    with pytest.raises(ParameterError, match="does not fit"):
        share_range(CountRange(3, 9), 8)


def _direct_logit(t: np.ndarray, k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, float]:
    nll = lambda b: -float(np.sum(stats.binom.logpmf(k, n, 1 / (1 + np.exp(-(b[0] + b[1] * t))))))  # noqa: E731
    res = optimize.minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-10})
    return res.x, -res.fun


def test_exact_counts_give_the_binomial_maximum_likelihood_and_the_quasi_profile_interval() -> None:
    k = np.array([20, 25, 22, 30, 20, 27, 80, 78, 101, 150, 170])
    n = np.array(TOTALS)
    t = np.arange(len(k), dtype=float)
    beta, ll1 = _direct_logit(t, k, n)
    p0 = k.sum() / n.sum()
    ll0 = float(np.sum(stats.binom.logpmf(k, n, p0)))
    p = 1 / (1 + np.exp(-(beta[0] + beta[1] * t)))
    df = len(k) - 2
    phi = float(np.sum((k - n * p) ** 2 / (n * p * (1 - p)))) / df  # Pearson dispersion, as R's quasibinomial
    fit = censored_share_trend(YEARS, [CountRange(int(x), int(x)) for x in k], TOTALS)
    assert math.log(fit.odds_ratio) == pytest.approx(beta[1], abs=1e-5)
    assert fit.dispersion == pytest.approx(phi, rel=1e-4) and fit.df_resid == df
    # the F test of the quasi-likelihood: the LR statistic divided by the dispersion, F(1, n - 2)
    assert fit.p_value == pytest.approx(stats.f.sf(2 * (ll1 - ll0) / phi, 1, df), rel=1e-3)
    # the interval's ends are where the profile log-likelihood falls phi t(n - 2, 0.975)^2 / 2 below its maximum,
    # and the binomial interval's where it falls chi2(1, 0.95) / 2
    for ends, crit in ((fit.ci, phi * stats.t.ppf(0.975, df) ** 2 / 2), (fit.binomial_ci, stats.chi2.ppf(0.95, 1) / 2)):
        for end in ends:
            b = math.log(end)
            prof = -optimize.minimize_scalar(
                lambda a, b=b: -float(np.sum(stats.binom.logpmf(k, n, 1 / (1 + np.exp(-(a + b * t))))))
            ).fun
            assert ll1 - prof == pytest.approx(crit, abs=1e-3)


def test_too_few_exact_years_keep_the_binomial_interval_and_say_so() -> None:
    counts = [CountRange(0, 4), CountRange(0, 4), CountRange(10, 10), CountRange(14, 14)]
    fit = censored_share_trend(YEARS[:4], counts, [50, 60, 70, 80])
    assert math.isnan(fit.dispersion) and fit.ci == fit.binomial_ci
    assert "too few exact years" in fit.estimates[0].description


def test_a_censored_year_contributes_the_probability_of_its_whole_range() -> None:
    k = [3, 7, 9, 12, 14]
    n = [50, 60, 70, 80, 90]
    counts = [CountRange(0, 4)] + [CountRange(x, x) for x in k[1:]]
    fit = censored_share_trend(YEARS[:5], counts, n)
    t = np.arange(5, dtype=float)

    def nll(b: np.ndarray) -> float:
        p = 1 / (1 + np.exp(-(b[0] + b[1] * t)))
        first = math.log(sum(stats.binom.pmf(j, n[0], p[0]) for j in range(5)))
        return -(first + float(np.sum(stats.binom.logpmf(k[1:], n[1:], p[1:]))))

    ref = optimize.minimize(nll, [-2.0, 0.1], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12}).x
    assert math.log(fit.odds_ratio) == pytest.approx(ref[1], abs=1e-4)
    assert fit.censored_years == (2010,)
    assert "suppressed count" in fit.estimates[0].description


def test_too_few_years_is_a_fit_error() -> None:
    with pytest.raises(FitError, match="needs three"):
        censored_share_trend([2019, 2020], [CountRange(1, 1), CountRange(2, 2)], [10, 10])


def test_profile_interval_covers_the_true_trend_in_simulation() -> None:
    """Known truth: logit p = -1.5 + 0.08 t on the real totals, cells under five published as "<5".

    With 3.6 expected in 2010, that year's count is often under five, so censoring is exercised.
    150 replicates: a 95% interval covers in 0.95 +- 0.018 (one Monte Carlo SE); the band 0.89-1.0 fails only for
    an interval whose coverage is more than three SEs short.
    """
    rng = np.random.default_rng(20261201)
    t = np.arange(len(TOTALS))
    p = 1 / (1 + np.exp(-(-2.6 + 0.12 * t)))  # 3.6 expected in 2010's 49: often under five
    n = np.array(TOTALS)
    covered = 0
    reps = 150
    for _ in range(reps):
        k = rng.binomial(n, p)
        counts = [CountRange(0, 4) if x < 5 else CountRange(int(x), int(x)) for x in k]
        fit = censored_share_trend(YEARS, counts, TOTALS)
        covered += fit.ci[0] <= math.exp(0.12) <= fit.ci[1]
    assert 0.89 <= covered / reps <= 1.0
