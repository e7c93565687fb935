"""Shares, intervals and tests of the profiles, against hand calculations, simulation and the published 2020 figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from trafficking_research.analyses import profiles
from trafficking_research.data.observations import load_observations


def wilson(k: float, n: float, z: float = stats.norm.ppf(0.975)) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(78, 123), (0, 52), (15, 123), (2, 9)])
def test_share_matches_wilson_formula(k: int, n: int) -> None:
    p, low, high = profiles.share(k, n)
    assert p == pytest.approx(k / n)
    assert (low, high) == pytest.approx(wilson(k, n), abs=1e-12)


def test_wilson_interval_covers_about_95_percent() -> None:
    rng = np.random.default_rng(5)
    n, p = 120, 0.3
    draws = rng.binomial(n, p, size=4000)
    covered = np.mean([profiles.share(k, n)[1] <= p <= profiles.share(k, n)[2] for k in draws])
    assert 0.93 <= covered <= 0.97, covered


def test_share_change_against_newcombe_and_chi_square() -> None:
    ch = profiles.share_change(70, 229, 123, 244)
    l1, u1 = wilson(70, 229)
    l2, u2 = wilson(123, 244)
    p1, p2 = 70 / 229, 123 / 244
    d = p2 - p1
    newcombe = (d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2))
    assert ch.difference == pytest.approx(d)
    assert ch.ci == pytest.approx(newcombe, rel=1e-9)
    chi2 = stats.chi2_contingency([[70, 229 - 70], [123, 244 - 123]], correction=False)
    assert ch.p_value == pytest.approx(chi2.pvalue, rel=0.05)  # the score test adds an n/(n-1) factor


def test_share_trend_matches_direct_logistic_fit() -> None:
    years = [2016, 2018, 2019, 2020]
    k = pd.Series([42, 52, 70, 123], index=years, dtype=float)
    n = pd.Series([130, 163, 229, 244], index=years, dtype=float)
    t = np.array(years) - 2016
    def nll(b: np.ndarray) -> float:
        eta = b[0] + b[1] * t
        return -float(np.sum(k.values * eta - n.values * np.log1p(np.exp(eta))))
    opt = optimize.minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-10})
    trend = profiles.share_trend(k, n)
    assert trend.odds_ratio == pytest.approx(math.exp(opt.x[1]), rel=1e-5)
    assert trend.ci[0] < trend.odds_ratio < trend.ci[1]
    assert profiles.share_trend(k.iloc[:2], n.iloc[:2]) is None


def test_profile_2020_equals_the_published_figures() -> None:
    table = profiles.year_profile(load_observations(), 2020).set_index("item")["value"]
    published = {"victims admitted": 244, "witnesses admitted": 3, "children of victims admitted": 50,
                 "all admitted": 297, "exploited in Finland": 123, "exploited abroad": 121,
                 "Finland: forced labour": 78, "Finland: sexual exploitation": 15, "Finland: forced marriage": 23,
                 "Finland: criminal activity": 5, "Finland: benefit fraud": 2}
    for item, value in published.items():
        assert table[item] == value, item


def test_previous_year_and_window_mean() -> None:
    table = profiles.year_profile(load_observations(), 2020).set_index("item")
    assert table.loc["victims admitted", "previous_year"] == 229
    # 2015-2019: 52, 130, 127, 163, 229
    assert table.loc["victims admitted", "mean_5_years_before"] == pytest.approx((52 + 130 + 127 + 163 + 229) / 5)
    assert table.loc["victims admitted", "years_in_mean"] == 5


def test_year_without_data_gives_an_empty_profile_not_an_error() -> None:
    table = profiles.year_profile(load_observations(), 2008)
    assert table["value"].isna().all()


def test_composition_flags_small_denominators_and_keeps_gaps() -> None:
    obs = load_observations()
    comp = profiles.composition(obs, 2020, "form, exploited in Finland")
    assert set(comp["part"]) == {"forced_labour", "sexual_exploitation", "forced_marriage", "criminal_activity",
                                 "benefit_fraud"}
    assert not comp["small"].any() and comp["total"].eq(123).all()
    assert profiles.composition(obs, 2008, "place").empty
