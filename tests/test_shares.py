"""The share statistics (`stats.shares`) against formulas written out here, a direct likelihood fit and simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from trafficking_research.errors import FitError
from trafficking_research.stats.shares import (
    Share,
    ShareChange,
    ShareTrend,
    share_change,
    share_trend,
    wilson_share,
)

Z = stats.norm.ppf(0.975)


def wilson(k: float, n: float, z: float = Z) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(78, 123), (0, 52), (15, 123), (2, 9)])
def test_share_matches_wilson_formula(k: int, n: int) -> None:
    share = wilson_share(k, n)
    assert isinstance(share, Share)
    assert share.value == pytest.approx(k / n)
    assert share.ci == pytest.approx(wilson(k, n), abs=1e-12)


def test_wilson_interval_covers_about_95_percent() -> None:
    rng = np.random.default_rng(5)
    n, p = 120, 0.3
    draws = rng.binomial(n, p, size=4000)
    intervals = {k: wilson_share(k, n).ci for k in set(draws.tolist())}
    covered = np.mean([intervals[k][0] <= p <= intervals[k][1] for k in draws])
    assert 0.93 <= covered <= 0.97, covered


def test_share_summary_holds_the_share_and_its_interval() -> None:
    share = wilson_share(15, 123)
    row = share.summary().loc["share"]
    assert row["value"] == pytest.approx(15 / 123)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(15, 123), abs=1e-12)
    assert row["unit"] == "proportion"


def test_share_change_against_newcombe_and_chi_square() -> None:
    ch = share_change(70, 229, 123, 244)
    assert isinstance(ch, ShareChange)
    l1, u1 = wilson(70, 229)
    l2, u2 = wilson(123, 244)
    p1, p2 = 70 / 229, 123 / 244
    d = p2 - p1
    newcombe = (d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2))
    assert ch.difference == pytest.approx(d)
    assert ch.ci == pytest.approx(newcombe, rel=1e-9)
    chi2 = stats.chi2_contingency([[70, 229 - 70], [123, 244 - 123]], correction=False)
    assert ch.p_value == pytest.approx(chi2.pvalue, rel=0.05)  # the score test adds an n/(n-1) factor
    row = ch.summary().loc["difference"]
    assert row["value"] == pytest.approx(d) and row["p_value"] == ch.p_value
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(newcombe, rel=1e-9)


YEARS = [2016, 2018, 2019, 2020]
K = pd.Series([42, 52, 70, 123], index=YEARS, dtype=float)
N = pd.Series([130, 163, 229, 244], index=YEARS, dtype=float)


def direct_logit_fit() -> tuple[float, float]:
    """Slope and its standard error by maximising the binomial likelihood and inverting the information matrix."""
    t = np.array(YEARS, dtype=float) - YEARS[0]
    k, n = K.to_numpy(), N.to_numpy()

    def nll(b: np.ndarray) -> float:
        eta = b[0] + b[1] * t
        return -float(np.sum(k * eta - n * np.log1p(np.exp(eta))))

    b = optimize.minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-10}).x
    p = 1 / (1 + np.exp(-(b[0] + b[1] * t)))
    X = np.column_stack([np.ones_like(t), t])
    info = X.T @ (X * (n * p * (1 - p))[:, None])
    return float(b[1]), float(math.sqrt(np.linalg.inv(info)[1, 1]))


def test_share_trend_matches_direct_logistic_fit_with_the_exact_normal_quantile() -> None:
    slope, se = direct_logit_fit()
    trend = share_trend(K, N)
    assert isinstance(trend, ShareTrend)
    assert trend.odds_ratio == pytest.approx(math.exp(slope), rel=1e-5)
    assert trend.ci == pytest.approx((math.exp(slope - Z * se), math.exp(slope + Z * se)), rel=1e-5)
    assert trend.p_value == pytest.approx(2 * stats.norm.sf(abs(slope / se)), rel=1e-4)
    assert trend.years == tuple(YEARS)
    assert trend.summary().loc["odds_ratio", "value"] == trend.odds_ratio


def test_share_trend_uses_only_years_with_both_figures() -> None:
    trend = share_trend(K.drop(2016), N)
    assert trend.years == (2018, 2019, 2020)


def test_share_trend_on_two_years_is_a_fit_error() -> None:
    with pytest.raises(FitError, match="2 year"):
        share_trend(K.iloc[:2], N.iloc[:2])
    with pytest.raises(FitError, match="a trend needs three"):
        share_trend(K.iloc[:3], N.iloc[3:])
