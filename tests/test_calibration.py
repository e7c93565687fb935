"""The calibration study: its vectorised fits against statsmodels and the package's own fits, its seeding, and the
coverage of the headline intervals on a fixed seed with enough replicates that the band is not luck."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from trafficking_research.data.capture_tables import CaptureTable, all_histories
from trafficking_research.errors import ParameterError
from trafficking_research.stats import batchfit as bf
from trafficking_research.stats import breaks, calibrated_predictive, trends
from trafficking_research.stats import calibration as cal
from trafficking_research.stats.calibration import forecast as cal_forecast
from trafficking_research.stats.calibration import joinpoint as cal_joinpoint
from trafficking_research.stats.calibration import mse as cal_mse
from trafficking_research.stats.calibration import shares as cal_shares
from trafficking_research.stats.calibration import trend as cal_trend
from trafficking_research.stats.mse import fit_model, profile_interval
from trafficking_research.stats.mse.simulate import FINLAND_DEPENDENCE, FINLAND_PROBS, history_probabilities
from trafficking_research.stats.trendfit import design

YEARS = np.asarray(cal_trend.SERIES_YEARS)
X = design(YEARS, int(YEARS[0]))


def simulated(n: int, growth: float, alpha: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([bf.draw_nb2(rng, cal_trend.true_means(growth), alpha) for _ in range(n)])


def test_batch_nb2_fits_agree_with_the_package_statsmodels_fits() -> None:
    """Slope, standard error, alpha and log-likelihood of 24 series (some at the alpha = 0 boundary) within 1e-6."""
    Y = np.vstack([simulated(8, 0.2, a, seed) for seed, a in enumerate((0.0, 0.01, 0.05))])
    fit = bf.fit_nb2(X, Y)
    assert fit.boundary.any() and (~fit.boundary).any()
    for i, y in enumerate(Y):
        ref = trends.fit_negbin(pd.Series(y, index=YEARS, name="sim"), int(YEARS[0]))
        assert fit.beta[i, 1] == pytest.approx(ref.slope, abs=1e-6)
        assert math.sqrt(fit.cov[i, 1, 1]) == pytest.approx(ref.se, rel=1e-5)
        assert fit.alpha[i] == pytest.approx(ref.alpha, abs=1e-6)
        assert fit.llf[i] == pytest.approx(ref.llf, abs=1e-6)
        assert fit.pearson_chi2[i] == pytest.approx(ref.pearson_chi2, rel=1e-5)


def test_lean_nb2_fits_agree_with_statsmodels_and_the_default_fits() -> None:
    """The study's lean fits (trigamma by its series, 3 x 3 systems by the adjugate) on 12 replicates, some at the
    boundary: slope, standard error and alpha within 1e-6 of statsmodels' NB2 (through the package's fit_negbin) and
    within 1e-9 of the default fits."""
    Y = np.vstack([simulated(4, 0.2, a, seed) for seed, a in enumerate((0.0, 0.03, 0.1))])
    lean, full = bf.fit_nb2(X, Y, lean=True), bf.fit_nb2(X, Y)
    assert lean.boundary.any() and (~lean.boundary).any()
    np.testing.assert_array_equal(lean.boundary, full.boundary)
    np.testing.assert_allclose(lean.beta, full.beta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(lean.alpha, full.alpha, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(lean.cov, full.cov, rtol=1e-7)
    for i, y in enumerate(Y):
        ref = trends.fit_negbin(pd.Series(y, index=YEARS, name="sim"), int(YEARS[0]))
        assert lean.beta[i, 1] == pytest.approx(ref.slope, abs=1e-6)
        assert math.sqrt(lean.cov[i, 1, 1]) == pytest.approx(ref.se, rel=1e-5)
        assert lean.alpha[i] == pytest.approx(ref.alpha, abs=1e-6)


def test_trigamma_and_the_adjugate_solve_agree_with_scipy_and_lapack() -> None:
    from scipy import special

    x = np.concatenate([np.geomspace(1e-3, 1e7, 400), np.arange(1, 300) + 0.25]).reshape(-1, 3)
    np.testing.assert_allclose(bf.trigamma(x), special.zeta(2, x), rtol=1e-12)
    rng = np.random.default_rng(4)
    A = rng.standard_normal((50, 3, 3))
    H = A @ A.transpose(0, 2, 1) + 0.1 * np.eye(3)
    g = rng.standard_normal((50, 3))
    np.testing.assert_allclose(bf._solve(H, g, lean=True), np.linalg.solve(H, g[..., None])[..., 0], rtol=1e-8)


def test_golden_section_finds_the_maximum_and_the_peak_search_falls_back_to_the_wide_bracket() -> None:
    centre = np.array([3.0, 50.0, 120.0])
    top = cal_mse._golden(lambda t: -((t - centre) ** 2), np.zeros(3), np.full(3, 200.0), 40)
    np.testing.assert_allclose(top, centre, atol=1e-6)
    # the profile's maximum lies a few persons below N_hat = n + dark; one outside the narrow bracket (30 above
    # N_hat here) sits at its edge, and the search is repeated on the package's wide bracket
    n, dark = np.array([600.0, 900.0]), np.array([400.0, 700.0])
    for peak in (n + dark - 3, n + dark + 30):
        found = cal_mse._peak(lambda t, peak=peak: -((t - peak) ** 2), n, dark, 16)
        np.testing.assert_allclose(found, peak, atol=0.05)


def test_batch_poisson_fits_agree_with_statsmodels() -> None:
    Y = simulated(6, 0.1, 0.03, 3)
    fit = bf.fit_poisson(X, Y)
    for i, y in enumerate(Y):
        ref = sm.GLM(y, X, family=sm.families.Poisson()).fit()
        np.testing.assert_allclose(fit.beta[i], ref.params, rtol=1e-8)
        np.testing.assert_allclose(fit.cov[i], ref.cov_params(), rtol=1e-6)
        assert fit.llf[i] == pytest.approx(ref.llf, rel=1e-10)
        assert fit.pearson_chi2[i] == pytest.approx(ref.pearson_chi2, rel=1e-8)


def test_fixed_alpha_fits_agree_with_statsmodels_and_the_kernel_keeps_likelihood_ratios() -> None:
    Y = simulated(5, 0.2, 0.03, 4)
    alpha = np.array([0.0, 0.01, 0.03, 0.05, 0.1])
    X1 = design(YEARS, int(YEARS[0]), (2015,))
    full0, _ = bf.fixed_alpha_loglik(X, Y, alpha)
    full1, _ = bf.fixed_alpha_loglik(X1, Y, alpha)
    ker0, _ = bf.fixed_alpha_loglik(X, Y, alpha, kernel=True)
    ker1, _ = bf.fixed_alpha_loglik(X1, Y, alpha, kernel=True)
    for i, y in enumerate(Y):
        family = sm.families.Poisson() if alpha[i] == 0 else sm.families.NegativeBinomial(alpha=alpha[i])
        assert full1[i] == pytest.approx(sm.GLM(y, X1, family=family).fit().llf, rel=1e-9)
    np.testing.assert_allclose(ker1 - ker0, full1 - full0, atol=1e-8)
    # the size study's shortcut: a few Newton steps from the no-break fit reach the maximum
    start = np.column_stack([bf.fixed_alpha_loglik(X, Y, alpha)[1], np.zeros(len(Y))])
    quick, _ = bf.fixed_alpha_loglik(X1, Y, alpha, start=start, tol=0.0, max_iter=cal_joinpoint.BOOT_NEWTON_STEPS)
    np.testing.assert_allclose(quick, full1, atol=1e-9)


def test_logit_trend_wilson_and_newcombe_agree_with_statsmodels() -> None:
    rng = np.random.default_rng(5)
    K = np.vstack([rng.binomial(cal_shares.trend_totals(len(YEARS)), 0.2) for _ in range(4)])
    beta, cov, _, _ = bf.fit_binomial(X, K, np.broadcast_to(cal_shares.trend_totals(len(YEARS)), K.shape))
    for i, k in enumerate(K):
        ref = sm.GLM(
            np.column_stack([k, cal_shares.trend_totals(len(YEARS)) - k]), X, family=sm.families.Binomial()
        ).fit()
        np.testing.assert_allclose(beta[i], ref.params, rtol=1e-8)
        assert math.sqrt(cov[i, 1, 1]) == pytest.approx(ref.bse[1], rel=1e-5)  # statsmodels stops at 1e-8 deviance
    for k, n in ((0, 100), (3, 100), (61, 300), (180, 300)):
        assert cal_shares.wilson(np.array([k]), n)[0][0] == pytest.approx(
            proportion_confint(k, n, 0.05, "wilson")[0], abs=1e-12
        )
    for k1, n1, k2, n2 in ((2, 100, 15, 300), (30, 100, 30, 100), (150, 300, 180, 300)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            low, high = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff")
        mine = cal_shares.newcombe(np.array([k1]), n1, np.array([k2]), n2)
        assert (mine[0][0], mine[1][0]) == pytest.approx((low, high), abs=1e-12)


def test_vectorised_mse_profile_intervals_agree_with_the_package() -> None:
    prob = history_probabilities(FINLAND_PROBS, FINLAND_DEPENDENCE)
    rng = np.random.default_rng(6)
    y = np.vstack([rng.multinomial(1000, prob)[1:] for _ in range(3)])
    est, low, high = cal_mse.mse_profile_intervals(y)
    for i in range(3):
        table = CaptureTable("sim", ("A", "B", "C", "D"), all_histories(4), y[i].astype(np.int64))
        ref = profile_interval(fit_model(table, [(0, 1)]))
        assert (est[i], low[i], high[i]) == pytest.approx((ref.total, ref.lower, ref.upper), rel=1e-6)


def test_the_joinpoint_statistic_and_break_are_those_of_trends_joinpoint() -> None:
    Y = simulated(3, 0.2, 0.03, 7)
    null = bf.fit_nb2(X, Y)
    best = cal_joinpoint.best_breaks(Y, null.alpha, cal_joinpoint.joinpoint_candidates())
    null_ll, lls, _ = breaks.break_loglik(Y, YEARS, int(YEARS[0]), cal_joinpoint.joinpoint_candidates(), null.alpha)
    best_ll = lls.max(axis=1)
    for i, y in enumerate(Y):
        ref = breaks.joinpoint(pd.Series(y, index=YEARS, name="sim"), n_boot=0)
        assert best[i] == ref.break_year
        assert max(0.0, 2 * (best_ll[i] - null_ll[i])) == pytest.approx(ref.lr_statistic, abs=1e-6)


def test_results_do_not_depend_on_the_number_of_workers_and_follow_the_seed() -> None:
    one = cal.run_study(40, 11, 1, ("share_difference",))
    two = cal.run_study(40, 11, 2, ("share_difference",))
    pd.testing.assert_frame_equal(one, two)
    other = cal.run_study(40, 12, 1, ("share_difference",))
    assert not other["actual"].equals(one["actual"])


def test_bad_study_parameters_are_refused_by_name() -> None:
    with pytest.raises(ParameterError, match="n_replicates"):
        cal.run_study(5, 1, 1)
    with pytest.raises(ParameterError, match="n_jobs"):
        cal.run_study(100, 1, 0)
    with pytest.raises(ParameterError, match="families"):
        cal.run_study(100, 1, 1, ("trends",))


def hits(block, scenario, index: int, n: int, seed: int) -> dict[str, np.ndarray]:
    parts = [block(scenario, index, seed, a, min(a + cal.BLOCK, n)) for a in range(0, n, cal.BLOCK)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def test_headline_apc_and_doubling_time_intervals_cover_93_to_97_percent() -> None:
    """2,000 NB2 series like the real one (10 years with 2014 missing, 20% growth, alpha 0.03): the calibrated
    interval's coverage has a Monte Carlo standard error of about 0.005, so 93-97% is 95% +- 4 standard errors and
    a miss is not luck. The Wald interval the package reported before covers about 88% there and must fail."""
    scenario = cal_trend.TrendScenario(0.2, 0.03)
    h = hits(cal_trend._trend_block, scenario, cal_trend.TREND_SCENARIOS.index(scenario), 2000, 20240613)
    for key in ("nb2_pearson_t", "doubling:nb2_pearson_t", "quasipoisson_t"):
        c = h[key].mean()
        assert 0.93 <= c <= 0.97, (key, c)
    assert h["nb2_wald_z"].mean() < 0.91
    assert h["poisson_wald_z"].mean() < 0.75


def test_headline_forecast_interval_coverage_on_real_like_series() -> None:
    """400 real-like NB2 series, four years ahead each (1,600 forecasts; each replicate's hit is the probability that
    the future count falls in its interval, whose standard deviation over the replicates is about 0.13, so the
    Monte Carlo standard error of each horizon's coverage is about 0.0065): the calibrated interval covers about 93.5%
    (the full study: 93-94%), the one reported before about 90%. The 93% target is not met reliably by the forecast (see
    the calibration notebook), so the band asserted is 91-97%, which a normal-draws interval fails by more than 4
    standard errors of the difference."""
    scenario = cal_trend.TrendScenario(0.2, 0.03)
    index = cal_forecast.FORECAST_SCENARIOS.index(scenario)
    h = hits(cal_forecast._forecast_block, scenario, index, 400, 20240613)
    after = np.mean([h[f"h{k}:nb2_moment_t_draws"].mean() for k in range(1, 5)])
    before = np.mean([h[f"h{k}:nb2_normal_draws"].mean() for k in range(1, 5)])
    se = max(np.std(h[f"h{k}:nb2_moment_t_draws"]) for k in range(1, 5)) / math.sqrt(400)
    assert se < 0.008, se
    assert 0.91 <= after <= 0.97, after
    assert before < after - 0.02


def test_forecast_hit_probability_is_the_mean_of_drawn_future_counts() -> None:
    """The forecast family scores each interval by the probability that the true NB2 future count falls in it; drawing
    the future counts instead must give the same coverage on average (conditional Monte Carlo is unbiased)."""
    for mu, alpha in ((40.0, 0.0), (150.0, 0.05)):
        low, high = np.array([25.0, 30.0, 35.0]), np.array([55.0, 50.0, 45.0])
        if alpha > 0:
            ref = stats.nbinom(1 / alpha, 1 / (1 + alpha * mu))
            low, high = np.array([80.0, 100.0, 140.0]), np.array([230.0, 200.0, 160.0])
        else:
            ref = stats.poisson(mu)
        p = cal_forecast.nb2_cdf(high, mu, alpha) - cal_forecast.nb2_cdf(low - 1, mu, alpha)
        np.testing.assert_allclose(p, ref.cdf(high) - ref.cdf(low - 1), rtol=1e-10)
        draws = bf.draw_nb2(np.random.default_rng(9), np.full((200_000, 1), mu), alpha)[:, 0]
        drawn = [np.mean((lo <= draws) & (draws <= hi)) for lo, hi in zip(low, high)]
        np.testing.assert_allclose(drawn, p, atol=4 * 0.5 / math.sqrt(200_000))  # 4 standard errors at most
    assert cal_forecast.nb2_cdf(np.array([-1.0]), 10.0, 0.1)[0] == 0.0


def test_forecast_interval_from_its_draws_covers_a_further_draw_95_percent_exactly() -> None:
    """With S = FORECAST_SIMS draws (40 m - 1) numpy's inverted-cdf quantiles are the ceil(0.025 S)-th and
    ceil(0.975 S)-th order statistics, between which a further draw from the same continuous distribution falls with
    probability (k - j) / (S + 1) = 0.95 exactly; checked on 20,000 sets (4 standard errors: 0.006)."""
    S = cal_forecast.FORECAST_SIMS
    j, k = math.ceil(0.025 * S), math.ceil(0.975 * S)
    assert (k - j) / (S + 1) == pytest.approx(0.95)
    x = np.random.default_rng(3).standard_normal((20_000, S + 1))
    draws, new = x[:, :-1], x[:, -1]
    low, high = np.quantile(draws, (0.025, 0.975), axis=1, method="inverted_cdf")
    ordered = np.sort(draws, axis=1)
    np.testing.assert_array_equal(low, ordered[:, j - 1])
    np.testing.assert_array_equal(high, ordered[:, k - 1])
    covered = np.mean((low <= new) & (new <= high))
    assert abs(covered - 0.95) < 4 * math.sqrt(0.95 * 0.05 / 20_000), covered


def test_poisson_fit_without_inference_finds_the_same_fit() -> None:
    """The profile searches' Poisson fits (information summed as one matrix product) agree with the full fits."""
    prob = history_probabilities(FINLAND_PROBS, FINLAND_DEPENDENCE)
    y = np.random.default_rng(12).multinomial(1000, prob, size=5)[:, 1:].astype(float)
    Xf = cal_mse._mse_design()[1][1:]
    full, lean = bf.fit_poisson(Xf, y), bf.fit_poisson(Xf, y, inference=False)
    np.testing.assert_allclose(lean.beta, full.beta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(lean.mu, full.mu, rtol=1e-9)
    assert np.isnan(lean.cov).all() and np.isnan(lean.llf).all() and lean.converged.all()


def test_the_size_study_decides_each_test_as_its_full_bootstrap_would() -> None:
    """Fitting the bootstrap series in rounds and stopping a test once it cannot reject gives the rejection rate of
    fitting all 19: 1,000 series without a break, both ways (independent bootstrap draws), rates within 4 standard
    errors of their difference (about 0.0095 at a size near 5%)."""
    scenario = cal_joinpoint.SIZE_SCENARIOS[3]  # alpha 0.015: a scenario with its own series
    rounds = cal_joinpoint.BOOT_ROUNDS
    seq = cal_joinpoint._joinpoint_size_block(scenario, 3, 77, 0, 1000)["bootstrap_lr"]
    try:
        cal_joinpoint.BOOT_ROUNDS = (cal_joinpoint.JOINPOINT_BOOT,)
        full = cal_joinpoint._joinpoint_size_block(scenario, 3, 77, 0, 1000)["bootstrap_lr"]
    finally:
        cal_joinpoint.BOOT_ROUNDS = rounds
    assert abs(seq.mean() - full.mean()) < 4 * math.sqrt(2 * 0.05 * 0.95 / 1000), (seq.mean(), full.mean())
    assert 0.02 < full.mean() < 0.09


def test_verdicts_are_decided_with_the_monte_carlo_error() -> None:
    from trafficking_research.analyses.calibration import TARGET, overall, verdict

    assert verdict(0.95, 0.005, TARGET) == "in"
    assert verdict(0.935, 0.005, TARGET) == "undecided"  # 0.935 - 1.96 x 0.005 < 0.93
    assert verdict(0.915, 0.005, TARGET) == "below"
    assert verdict(0.965, 0.005, TARGET) == "undecided"
    assert verdict(0.985, 0.005, TARGET) == "above"
    assert overall(pd.Series(["in", "undecided", "in"])) == "undecided"
    assert overall(pd.Series(["in", "above"])) == "out"
    assert overall(pd.Series(["in", "in"])) == "in"


def test_misspecified_trends_are_reported_scenario_by_scenario_in_words() -> None:
    """400 replicates: the level shift of 2015-2016's size makes the reported APC interval miss the growth without
    the shift in nearly every series (so far below 93% that 400 replicates decide it), while it covers the slope the
    model estimates conservatively."""
    from trafficking_research.analyses import calibration as analysis

    result = analysis.run(None, n_replicates=400, seed=5, n_jobs=1, families=("trend",))
    by_name = {e.name: e for e in result.estimates}
    shift = by_name["misspecified.level_shift_growth_10_alpha_0_03.underlying_growth"]
    assert shift.value < 0.5 and shift.extra["verdict"] == "below" and "under-covers" in shift.description
    slope = by_name["misspecified.level_shift_growth_10_alpha_0_03.model_slope"]
    assert slope.value > 0.95
    wide = by_name["misspecified.growth_20_alpha_0_15.model_slope"]
    assert wide.extra["verdict"] in ("in", "undecided")
    assert "misspecified.slowing_growth_growth_30_alpha_0_03.underlying_growth" in by_name
    assert any("level shift" in note and "under-covers" in note for note in result.notes)
    assert set(result.tables["coverage"]["verdict"]) <= {"in", "below", "above", "undecided", ""}


def test_moment_alpha_solves_the_pearson_equation() -> None:
    Y = simulated(20, 0.2, 0.05, 8)
    fit = bf.fit_nb2(X, Y)
    a = calibrated_predictive.moment_alpha(Y, fit.mu, len(YEARS) - 2)
    pearson = np.sum((Y - fit.mu) ** 2 / (fit.mu * (1 + a[:, None] * fit.mu)), axis=1)
    pos = a > 0
    assert pos.any()
    np.testing.assert_allclose(pearson[pos], len(YEARS) - 2, rtol=1e-9)
    at_zero = np.sum((Y - fit.mu) ** 2 / fit.mu, axis=1)
    assert np.all(at_zero[~pos] <= len(YEARS) - 2)


def test_small_sample_interval_is_the_pearson_scaled_t_interval() -> None:
    low, high = trends.small_sample_interval(0.2, 0.02, 16.0, 8)
    half = stats.t.ppf(0.975, 8) * 0.02 * math.sqrt(16.0 / 8)
    assert (low, high) == pytest.approx((0.2 - half, 0.2 + half), rel=1e-12)


def test_calibration_analysis_reports_the_lowest_coverage_and_flags_misses() -> None:
    from trafficking_research.analyses import calibration as analysis

    # 800 replicates: the AAPC's coverage (about 0.90, MC s.e. about 0.011) is decided below 93%
    result = analysis.run(None, n_replicates=800, seed=3, n_jobs=1, families=("trend", "joinpoint_slopes"))
    by_name = {e.name: e for e in result.estimates}
    poisson = by_name["coverage.apc.poisson_wald_z"]
    assert poisson.value < 0.8 and poisson.extra["in_target"] == "out"
    table = result.tables["coverage"]
    assert poisson.value == table[(table.quantity == "APC") & (table.method == "poisson_wald_z")]["actual"].min()
    # only intervals the package reports are listed as misses; the AAPC given a chosen break is one of them
    assert any(note.startswith("AAPC, nb2_pearson_t") for note in result.notes)
    assert not any("poisson_wald_z" in note or note.startswith("slope") for note in result.notes)
    assert "coverage" in result.figures
