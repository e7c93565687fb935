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
    fit_share_trend,
    share_change,
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


def test_share_trend_matches_direct_logistic_fit_with_the_quasi_binomial_t_interval() -> None:
    slope, se = direct_logit_fit()
    t = np.array(YEARS, dtype=float) - YEARS[0]
    k, n = K.to_numpy(), N.to_numpy()
    intercept = math.log(k.sum() / (n - k).sum())  # refitted below with the slope held: only the fitted p matter
    intercept = optimize.minimize_scalar(
        lambda a: -float(np.sum(k * (a + slope * t) - n * np.log1p(np.exp(a + slope * t)))), bracket=(-3, 3)
    ).x
    p = 1 / (1 + np.exp(-(intercept + slope * t)))
    df = len(YEARS) - 2
    phi = float(np.sum((k - n * p) ** 2 / (n * p * (1 - p)))) / df
    q = stats.t.ppf(0.975, df)
    trend = fit_share_trend(K, N)
    assert isinstance(trend, ShareTrend)
    assert trend.odds_ratio == pytest.approx(math.exp(slope), rel=1e-5)
    assert trend.dispersion == pytest.approx(phi, rel=1e-4) and trend.df_resid == df
    scaled = se * math.sqrt(phi)
    assert trend.odds_ratio_ci == pytest.approx((math.exp(slope - q * scaled), math.exp(slope + q * scaled)), rel=1e-5)
    assert trend.ci == trend.odds_ratio_ci
    assert trend.binomial_ci == pytest.approx((math.exp(slope - Z * se), math.exp(slope + Z * se)), rel=1e-5)
    assert trend.p_value == pytest.approx(2 * stats.t.sf(abs(slope / scaled), df), rel=1e-4)
    assert trend.years == tuple(YEARS)
    summary = trend.summary()
    table = summary.table("odds ratio per year")
    assert table.loc["quasi-binomial (reported)", "estimate"] == trend.odds_ratio
    assert table.loc["quasi-binomial (reported)", "SE of log"] == pytest.approx(scaled, rel=1e-5)
    assert table.loc["binomial (for comparison)", "SE of log"] == pytest.approx(se, rel=1e-5)
    q90 = stats.t.ppf(0.95, df)
    low, high = math.exp(slope - q90 * scaled), math.exp(slope + q90 * scaled)
    assert trend.summary(alpha=0.10).table("odds ratio per year").loc["quasi-binomial (reported)", "90% CI"] == (
        f"{low:.3g} to {high:.3g}"
    )
    text = str(summary)
    assert "years used" in text and "Pearson chi2/df" in text and "95% CI" in text and "NaN" not in text


def test_share_trend_matches_statsmodels_quasi_binomial() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(23)
    for n_years in (4, 7, 15):
        years = list(range(2008, 2008 + n_years))
        totals = rng.integers(50, 250, n_years)
        shares = rng.beta(8, 12, n_years)  # extra-binomial variation around 40%
        counts = rng.binomial(totals, shares)
        fit = fit_share_trend(pd.Series(counts, index=years), pd.Series(totals, index=years))
        X = sm.add_constant(np.arange(n_years, dtype=float))
        ref = sm.GLM(np.column_stack([counts, totals - counts]), X, family=sm.families.Binomial()).fit(tol=1e-13)
        phi = ref.pearson_chi2 / ref.df_resid  # R's quasibinomial dispersion
        half = stats.t.ppf(0.975, ref.df_resid) * ref.bse[1] * math.sqrt(phi)
        assert fit.dispersion == pytest.approx(phi, rel=1e-6)
        assert fit.odds_ratio_ci == pytest.approx(
            (math.exp(ref.params[1] - half), math.exp(ref.params[1] + half)), rel=1e-6
        )


def test_share_trend_interval_holds_its_level_with_extra_binomial_variation() -> None:
    """400 series of 7 years, 100-250 persons, intra-class correlation 0.03: the quasi interval covers the true odds
    ratio in 95% +- 3.3% (three Monte Carlo standard errors, sqrt(0.95 x 0.05 / 400) = 1.1%); the binomial one does not."""
    rng = np.random.default_rng(2026)
    years = list(range(2010, 2017))
    totals = np.round(np.linspace(100, 250, 7)).astype(int)
    truth = math.log(1.2)
    p = 1 / (1 + np.exp(-(-0.5 + truth * np.arange(7))))
    icc = 0.03
    hits = binomial_hits = 0
    for _ in range(400):
        counts = rng.binomial(totals, rng.beta(p * (1 - icc) / icc, (1 - p) * (1 - icc) / icc))
        fit = fit_share_trend(pd.Series(counts, index=years), pd.Series(totals, index=years))
        hits += fit.odds_ratio_ci[0] <= 1.2 <= fit.odds_ratio_ci[1]
        binomial_hits += fit.binomial_ci[0] <= 1.2 <= fit.binomial_ci[1]
    assert abs(hits / 400 - 0.95) <= 0.033
    assert binomial_hits / 400 < 0.85


def test_share_trend_uses_only_years_with_both_figures() -> None:
    trend = fit_share_trend(K.drop(2016), N)
    assert trend.years == (2018, 2019, 2020)


def test_share_trend_on_two_years_is_a_fit_error() -> None:
    with pytest.raises(FitError, match="2 year"):
        fit_share_trend(K.iloc[:2], N.iloc[:2])
    with pytest.raises(FitError, match="a trend needs three"):
        fit_share_trend(K.iloc[:3], N.iloc[3:])
