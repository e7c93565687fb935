"""The gap-year model (stats.gap_allocation) against closed forms, numerical integration with scipy, a simulation
with known truth and a direct numpy re-implementation of the allocation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from trafficking_research.errors import FitError
from trafficking_research.stats.gap_allocation import (
    Measurement,
    allocate_gaps,
    proportional_gaps,
    relation_of,
)
from trafficking_research.stats.imputation import ProxyRelation, draw_gap_counts, fit_proxy_relation
from trafficking_research.stats.nowcast import nowcast_year

UNODC = ProxyRelation(-0.033, 0.030, tuple(range(2010, 2020)))  # ten overlap years, as in the data
HALF = ProxyRelation(0.81, 0.148, tuple(range(2011, 2021)))


def t_logpdf(x: np.ndarray, value: float, r: ProxyRelation) -> np.ndarray:
    """Log density of log(count) under one measurement: Student t, n - 1 df, scale sd sqrt(1 + 1/n)."""
    return stats.t.logpdf(x, r.n - 1, loc=math.log(value) + r.mean, scale=r.sd * math.sqrt(1 + 1 / r.n))


def test_one_measurement_gives_the_nowcasts_t_prediction_interval() -> None:
    history = pd.DataFrame(
        {
            "first_half": [24, 31, 45, 55, 76, 115, 108, 109, 139, 152],
            "full_year": [56, 52, 130, 127, 163, 229, 247, 243, 367, 326],
        },
        index=[2013, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023],
    )
    nc = nowcast_year(21, history)
    g = allocate_gaps({2014: [Measurement("first half", 21, relation_of(nc))]}, 40_000, seed=3)
    low, high = np.quantile(g.column(2014), [0.025, 0.975])
    # draws are rounded to whole persons; the MC error of a 2.5% quantile at 40,000 draws is well under one person
    assert abs(low - nc.interval[0]) <= 1.0 and abs(high - nc.interval[1]) <= 1.5
    assert np.median(g.column(2014)) == pytest.approx(nc.value, abs=1)
    assert g.tags[2014] == "first half ratio" and "first half 21 x ratio 2.243" in g.sources[2014]


FEW_A = ProxyRelation(0.0, 0.15, (1, 2, 3, 4))  # two sources with few years that disagree: the parameter draws must
FEW_B = ProxyRelation(0.4, 0.12, (1, 2, 3, 4, 5))  # be weighted by how well the measurements agree


@pytest.mark.parametrize(
    "u, ru, h, rh, cuts",
    [(45.0, UNODC, 21.0, HALF, (40, 42, 43, 44, 45, 47)), (40.0, FEW_A, 40.0, FEW_B, (35, 40, 45, 48, 52, 60))],
)
def test_two_measurements_give_the_product_of_their_t_densities(u, ru, h, rh, cuts) -> None:
    """The log count's density is proportional to the product of the two predictive t densities: checked against
    scipy's numerical integration of that product at several cut points."""
    g = allocate_gaps({2014: [Measurement("UNODC", u, ru), Measurement("first half", h, rh)]}, 40_000, seed=5)
    counts = g.column(2014)
    dens = lambda x: math.exp(t_logpdf(np.array([x]), u, ru)[0] + t_logpdf(np.array([x]), h, rh)[0])  # noqa: E731
    lo, hi = math.log(5), math.log(400)
    mid = 0.5 * (math.log(u) + ru.mean + math.log(h) + rh.mean)
    norm = integrate.quad(dens, lo, hi, points=[mid], limit=200)[0]
    for c in cuts:
        want = integrate.quad(dens, lo, math.log(c + 0.5), points=[mid], limit=200)[0] / norm  # P(rounded count <= c)
        got = float(np.mean(counts <= c))
        se = math.sqrt(want * (1 - want) / len(counts))
        assert abs(got - want) < 4 * se + 0.003, (c, got, want)


def test_a_second_measurement_that_agrees_narrows_the_interval_toward_the_sharper_one() -> None:
    one = allocate_gaps({2014: [Measurement("first half", 21, HALF)]}, 20_000, seed=1).column(2014)
    both = allocate_gaps({2014: [Measurement("UNODC", 45, UNODC), Measurement("first half", 21, HALF)]}, 20_000, 1)
    width = lambda c: np.subtract(*np.quantile(c, [0.975, 0.025]))  # noqa: E731
    assert width(both.column(2014)) < width(one) / 3
    assert 42 <= np.median(both.column(2014)) <= 45  # UNODC's 45 x 0.967 dominates the first half's 47


def test_intervals_cover_a_known_truth_at_their_level() -> None:
    """Simulation with known truth: overlap years and the gap year from the model itself (mu, sigma known to the
    simulation only); 600 replicates, so the Monte Carlo SE of a 95% coverage is 0.9 points."""
    rng = np.random.default_rng(11)
    mu_u, sd_u, mu_h, sd_h, n = -0.03, 0.04, 0.8, 0.15, 10
    covered_one, covered_both, reps = 0, 0, 600
    for r in range(reps):
        truth = rng.uniform(30, 300, size=n + 1)  # last: the gap year
        unodc = truth * np.exp(-mu_u - rng.normal(0, sd_u, n + 1))
        half = truth * np.exp(-mu_h - rng.normal(0, sd_h, n + 1))
        years = list(range(n))
        ru = fit_proxy_relation(dict(enumerate(truth)), dict(enumerate(unodc)), years)
        rh = fit_proxy_relation(dict(enumerate(truth)), dict(enumerate(half)), years)
        one = allocate_gaps({n: [Measurement("UNODC", unodc[n], ru)]}, 400, seed=r).column(n)
        both = allocate_gaps({n: [Measurement("UNODC", unodc[n], ru), Measurement("half", half[n], rh)]}, 400, r)
        target = round(truth[n])
        for draws, which in ((one, 0), (both.column(n), 1)):
            low, high = np.quantile(draws, [0.025, 0.975])
            inside = low - 0.5 <= target <= high + 0.5
            covered_one += inside and which == 0
            covered_both += inside and which == 1
    for covered in (covered_one, covered_both):
        assert 0.925 <= covered / reps <= 0.985


def test_every_draw_adds_up_to_the_total_it_took_and_the_totals_are_taken_at_their_weights() -> None:
    g = allocate_gaps(
        {2014: [Measurement("UNODC", 45, UNODC)]},
        5_000,
        seed=2,
        remainder={2007: 5.0, 2008: 16.0, 2009: 17.0},
        totals={"630 to 2017": 112, "1,257 to 2020": 103},
        weights=[0.3, 0.7],
        split_noise=UNODC,
        split_words="UNODC's counts",
        split_tag="UNODC",
    )
    assert g.years == (2007, 2008, 2009, 2014)
    assert (g.counts.sum(axis=1) == g.total).all() and (g.counts >= 0).all()
    assert set(np.unique(g.total)) == {103.0, 112.0}
    assert ((g.total == 112) == (g.total_label == "630 to 2017")).all()
    share = float(np.mean(g.total == 112))
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 5_000)
    # the remainder is split in proportion to UNODC's counts (the noise is centred on the log scale, so the mean
    # share departs from 5/38 by well under 1%)
    rest = g.counts[:, :3]
    shares = rest.sum(axis=0) / rest.sum()
    assert shares == pytest.approx(np.array([5, 16, 17]) / 38, abs=0.01)
    assert "2014" in g.sources[2007] and "one per draw with probabilities 0.3 and 0.7, minus 2014" in g.sources[2007]
    assert g.tags[2008] == "total (630 to 2017 or 1,257 to 2020) minus 2014, split by UNODC"


def reference_allocation(n: int, seed: int) -> np.ndarray:
    """A direct re-implementation of the main model for one own-source year (two measurements) and three remainder
    years, by another sampler: the own year by inverse transform on a fine grid of the product of the two t
    densities, the remainder by a loop of multinomial draws. Returns draws (n x 4: the three, then the own year)."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(math.log(20), math.log(120), 20_001)
    logd = t_logpdf(grid, 45, UNODC) + t_logpdf(grid, 21, HALF)
    cdf = np.cumsum(np.exp(logd - logd.max()))
    cdf /= cdf[-1]
    own = np.rint(np.exp(np.interp(rng.uniform(size=n), cdf, grid)))
    out = np.zeros((n, 4))
    df = UNODC.n - 1
    for i in range(n):
        total = 112 if rng.uniform() < 0.5 else 103
        sigma = math.sqrt(df * UNODC.sd**2 / rng.chisquare(df))
        w = np.array([5.0, 16.0, 17.0]) * np.exp(rng.normal(0, sigma, 3))
        out[i, :3] = rng.multinomial(int(total - own[i]), w / w.sum())
        out[i, 3] = own[i]
    return out


def test_the_allocation_matches_a_direct_reimplementation() -> None:
    n = 20_000
    ref = reference_allocation(n, seed=8)
    g = allocate_gaps(
        {2014: [Measurement("UNODC", 45, UNODC), Measurement("first half", 21, HALF)]},
        n,
        seed=9,
        remainder={2007: 5.0, 2008: 16.0, 2009: 17.0},
        totals={"a": 112, "b": 103},
        split_noise=UNODC,
    )
    for j in range(4):
        ours, theirs = g.counts[:, j].astype(float), ref[:, j]
        se = math.sqrt(ours.var() / n + theirs.var() / n)
        assert abs(ours.mean() - theirs.mean()) < 4 * se
        assert abs(ours.std() - theirs.std()) < 0.05 * theirs.std() + 0.1
        for q in (0.025, 0.5, 0.975):
            assert abs(np.quantile(ours, q) - np.quantile(theirs, q)) <= 1


def test_own_years_above_the_total_are_drawn_again_and_an_impossible_total_refused() -> None:
    wide = ProxyRelation(0.0, 0.5, tuple(range(5)))
    g = allocate_gaps({1: [Measurement("p", 40, wide)]}, 2_000, 4, remainder={0: 1.0}, totals={"t": 50})
    assert (g.column(1) <= 50).all() and (g.counts.sum(axis=1) == 50).all()
    assert (g.column(1) == 50).sum() < len(g.counts)  # a truncation, not a pile-up at the total
    with pytest.raises(FitError, match="exceed the total"):
        allocate_gaps({1: [Measurement("p", 1000, UNODC)]}, 10, 4, remainder={0: 1.0}, totals={"t": 5})


def test_proportional_gaps_are_the_older_draws() -> None:
    g = proportional_gaps({2007: 5.0, 2014: 45.0, 2008: 16.0}, "UNODC", UNODC, 50, 6, ("630 to 2017", 112))
    assert g.years == (2007, 2008, 2014)
    assert (g.counts == draw_gap_counts([5.0, 16.0, 45.0], UNODC, 50, 6, total=112)).all()
    assert (g.counts.sum(axis=1) == 112).all() and "share the total 112 (630 to 2017)" in g.sources[2014]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"n_draws": 0}, "n_draws"),
        ({"remainder": {2007: 1.0}}, "totals"),
        ({"totals": {"t": 10}}, "remainder"),
        ({"remainder": {2007: 1.0}, "totals": {"t": 10.5}}, "whole"),
        ({"remainder": {2007: 1.0}, "totals": {"t": 10}, "weights": [0.5, 0.5]}, "weights"),
        ({"remainder": {2014: 1.0}, "totals": {"t": 10}}, "both estimated and a remainder"),
        ({"remainder": {2007: 0.0}, "totals": {"t": 10}}, "split weights"),
    ],
)
def test_bad_inputs_are_refused_naming_the_parameter(kwargs: dict, fragment: str) -> None:
    args = {"own": {2014: [Measurement("UNODC", 45, UNODC)]}, "n_draws": 5, "seed": 1} | kwargs
    with pytest.raises(ValueError, match=fragment):
        allocate_gaps(**args)


def test_a_measurement_needs_a_positive_count_and_two_overlap_years() -> None:
    with pytest.raises(ValueError, match="positive"):
        Measurement("UNODC", 0, UNODC)
    with pytest.raises(ValueError, match="two overlap years"):
        Measurement("UNODC", 4, ProxyRelation(0.0, 0.0, (2010,)))
