"""Exact intervals for rates and ratios (stats.rates): against scipy written another way, against simulations with a
known truth, and on bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from trafficking_research.errors import ParameterError
from trafficking_research.stats.rates import (
    CountRange,
    clopper_pearson,
    count_ratio,
    garwood,
    poisson_rate,
    rate_ratio,
)


@pytest.mark.parametrize("k", [0, 1, 4, 5, 17, 247, 3000])
def test_garwood_matches_gamma_form(k: int) -> None:
    low, high = garwood(k)
    assert low == pytest.approx(0.0 if k == 0 else stats.gamma.ppf(0.025, k), rel=1e-10)
    assert high == pytest.approx(stats.gamma.ppf(0.975, k + 1), rel=1e-10)


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (10, 10), (8, 460)])
def test_clopper_pearson_matches_binomtest(k: int, n: int) -> None:
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    assert clopper_pearson(k, n) == pytest.approx((ci.low, ci.high), rel=1e-9, abs=1e-12)


def test_rate_and_ratio_by_hand() -> None:
    rate = poisson_rate(CountRange(247, 247), 5_529_543)
    assert rate.value == pytest.approx(247 / 5_529_543 * 1e5)
    assert rate.low < rate.value < rate.high
    rr = rate_ratio(CountRange(247, 247), 5_529_543, CountRange(206, 206), 10_353_442)
    assert rr.value == pytest.approx((247 / 5_529_543) / (206 / 10_353_442))
    ci = stats.binomtest(247, 453).proportion_ci(0.95, method="exact")
    assert rr.low == pytest.approx(ci.low / (1 - ci.low) * 10_353_442 / 5_529_543, rel=1e-9)


def test_bounded_count_gives_a_bound_not_a_number() -> None:
    """Finland 2020: convicted '<5' against 247 detected victims."""
    r = count_ratio(CountRange.published(5, "less_than"), CountRange(247, 247))
    assert r.value is None
    assert r.bound == pytest.approx(4 / 247)
    assert r.low == 0.0
    ci = stats.binomtest(4, 251).proportion_ci(0.95, method="exact")
    assert r.high == pytest.approx(ci.high / (1 - ci.high), rel=1e-9)
    rate = poisson_rate(CountRange.published(5, "less_than"), 1_000_000)
    assert rate.value is None and rate.low == 0 and rate.high == pytest.approx(stats.gamma.ppf(0.975, 5) / 10)


def test_garwood_covers_at_least_nominal() -> None:
    """Simulation with known means: the exact interval covers the truth in at least 95% of draws."""
    rng = np.random.default_rng(16)
    for mu in (0.7, 4.0, 31.0, 250.0):
        draws = rng.poisson(mu, size=4000)
        limits = {k: garwood(int(k)) for k in np.unique(draws)}
        covered = np.mean([limits[k][0] <= mu <= limits[k][1] for k in draws])
        assert covered >= 0.94, (mu, covered)


def test_rate_ratio_covers_at_least_nominal() -> None:
    rng = np.random.default_rng(2020)
    true_ratio, n_a, n_b = 2.0, 5.5e6, 1.0e7
    lam_b = 2e-5
    a = rng.poisson(true_ratio * lam_b * n_a, size=3000)
    b = rng.poisson(lam_b * n_b, size=3000)
    hits = [
        (r := rate_ratio(CountRange(int(x), int(x)), n_a, CountRange(int(y), int(y)), n_b)).low <= true_ratio <= r.high
        for x, y in zip(a, b)
    ]
    assert np.mean(hits) >= 0.94


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: CountRange(-1, 2), "whole number >= 0"),
        (lambda: CountRange(4, 2), "is empty"),
        (lambda: CountRange.published(5.5, "exact"), "must be whole"),
        (lambda: CountRange.published(0, "less_than"), "not a possible count"),
        (lambda: CountRange.published(5, "about"), "only exact, less_than and at_most bound a count"),
        (lambda: garwood(3, confidence=1.2), "confidence must lie strictly between 0 and 1"),
        (lambda: poisson_rate(CountRange(3, 3), 0), "exposure must be a positive finite number"),
        (lambda: count_ratio(CountRange(3, 3), CountRange(0, 0)), "denominator count is zero"),
        (lambda: rate_ratio(CountRange(3, 3), 10, CountRange(3, 3), math.nan), "exposure_b must be a positive"),
        (lambda: clopper_pearson(5, 3), "need 0 <= k <= n"),
    ],
)
def test_bad_input(call, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        call()


def test_an_interval_is_a_result_like_every_other() -> None:
    """rates.Interval reports through the one result type: an Estimate with unit, interval and method in words."""
    from trafficking_research.stats.result import Result

    rate = poisson_rate(CountRange(12, 12), 5_500_000)
    assert isinstance(rate, Result)
    (e,) = rate.estimates
    assert (e.value, e.ci, e.unit) == (rate.value, rate.ci, "per 100,000 population")
    assert "Garwood" in e.description and "95% exact interval" in e.description
    bounded = poisson_rate(CountRange(0, 4), 5_500_000)
    assert bounded.estimates[0].value is None and bounded.estimates[0].extra["bound"] == bounded.bound
    assert rate.summary().loc["value", "unit"] == "per 100,000 population"
