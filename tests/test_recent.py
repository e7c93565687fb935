"""The analysis after the fifteen years: the multi-break joinpoint model, the before/after comparison, the count change,
the nowcast, the events table and the parameter rules, each against independent code or simulations with known
truth."""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import trafficking_research as tr
from trafficking_research.analyses import recent
from trafficking_research.data.datapackage import rehash
from trafficking_research.data.events import event_date, load_events
from trafficking_research.errors import DataValidationError, FitError, ParameterError
from trafficking_research.paths import DATA_DIR
from trafficking_research.stats.breaks import joinpoint
from trafficking_research.stats.censored import count_from_percent
from trafficking_research.stats.nowcast import backtest_nowcast, nowcast_year
from trafficking_research.stats.periods import compare_periods, count_change
from trafficking_research.stats.segmented import break_sets, fit_segmented


def _series(values: list[float], first: int = 2000) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=np.arange(first, first + len(values)), name="test")


# --- joinpoints ---------------------------------------------------------------------------------------------------


def test_break_sets_match_brute_force() -> None:
    years = np.arange(2006, 2025)
    counts = np.r_[0, 0, np.arange(3, 20)]
    got = set(break_sets(years, counts, 2, 3))
    want = set()
    for combo in itertools.combinations(range(2007, 2024), 2):
        edges = (2006, *combo, 2024)
        if all(
            ((years >= a) & (years <= b)).sum() >= 3 and (counts[(years >= a) & (years <= b)] > 0).sum() >= 2
            for a, b in zip(edges, edges[1:])
        ):
            want.add(combo)
    assert got == want and len(got) > 50


def test_first_step_is_the_calibrated_single_break_test() -> None:
    s = _series([40, 44, 52, 48, 56, 60, 52, 130, 127, 163, 229, 244, 243, 367, 326, 207], 2009)
    single = joinpoint(s, 3, 199, 7)
    multi = fit_segmented(s, 2, 3, 199, 7)
    first = multi.tests[0]
    assert first.p_value == single.p_value
    assert first.best_alternative == (single.break_year,)


def test_two_clear_breaks_are_found_and_none_in_a_straight_trend() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(21)
    mu = np.exp(
        np.log(40) + np.where(t <= 7, 0.25 * t, 0.25 * 7 - 0.2 * (t - 7)) + np.where(t > 14, 0.35 * (t - 14), 0)
    )
    s = _series(rng.poisson(mu * 3), 2000)
    fit = fit_segmented(s, 2, 3, 199, 3)
    assert fit.breaks == (2007, 2014) or (
        len(fit.breaks) == 2 and all(abs(a - b) <= 1 for a, b in zip(fit.breaks, (2007, 2014)))
    )
    for (lo, hi), b in zip(fit.break_intervals, fit.breaks):
        assert lo <= b <= hi
    flat = _series(rng.poisson(100 * np.exp(0.05 * t)), 2000)
    assert fit_segmented(flat, 2, 3, 199, 3).breaks == ()


def test_segment_apcs_match_statsmodels_negative_binomial() -> None:
    s = _series([9, 7, 21, 24, 44, 52, 48, 56, 60, 52, 130, 127, 163, 229, 244, 243, 367, 326, 207], 2006)
    fit = fit_segmented(s, 1, 3, 99, 1)
    assert fit.breaks == (2022,)
    t = s.index.to_numpy() - 2006
    X = np.column_stack([np.ones_like(t), t, np.clip(s.index.to_numpy() - 2022, 0, None)]).astype(float)
    ref = sm.NegativeBinomial(s.to_numpy(), X).fit(disp=0, maxiter=500, method="bfgs", gtol=1e-10)
    slopes = [ref.params[1], ref.params[1] + ref.params[2]]
    assert fit.segments["apc"].to_numpy() == pytest.approx(100 * np.expm1(slopes), rel=1e-4)


# --- before and after ---------------------------------------------------------------------------------------------


def test_period_odds_ratio_matches_a_quasi_binomial_glm() -> None:
    k = pd.Series([164, 243, 367, 326, 207], index=[2020, 2021, 2022, 2023, 2024], dtype=float)
    n = pd.Series([394, 300, 478, 510, 371], index=k.index, dtype=float)
    got = compare_periods(k, n, 2023, "test")
    after = (k.index >= 2023).astype(float)
    X = sm.add_constant(np.asarray(after))
    # proportions weighted by their totals: statsmodels' Pearson statistic is then the binomial one
    glm = sm.GLM((k / n).to_numpy(), X, family=sm.families.Binomial(), var_weights=n.to_numpy())
    ref = glm.fit(scale="X2", use_t=True)
    assert got.odds_ratio == pytest.approx(math.exp(ref.params[1]), rel=1e-9)
    assert got.odds_ratio_ci == pytest.approx(tuple(np.exp(ref.conf_int()[1])), rel=1e-6)
    assert got.p_value == pytest.approx(ref.pvalues[1], rel=1e-6)


def test_a_count_from_a_rounded_percentage_widens_the_interval() -> None:
    k = pd.Series([123.0, 236.0, 209.0, 91.0], index=[2020, 2022, 2023, 2024])
    n = pd.Series([244.0, 367.0, 326.0, 207.0], index=k.index)
    plain = compare_periods(k, n, 2023)
    ranged = compare_periods(k, n, 2023, ranges={2023: (208, 210), 2024: (91, 92)})
    assert ranged.odds_ratio == plain.odds_ratio
    assert ranged.odds_ratio_ci[0] <= plain.odds_ratio_ci[0] and ranged.odds_ratio_ci[1] >= plain.odds_ratio_ci[1]
    high = compare_periods(k.replace({209.0: 210.0, 91.0: 92.0}), n, 2023)
    assert ranged.odds_ratio_ci[1] >= high.odds_ratio_ci[1]


def test_count_from_percent_is_every_count_that_rounds_to_it() -> None:
    for total in (7, 91, 207, 326):
        for percent in range(0, 101):
            ks = [k for k in range(total + 1) if abs(100 * k / total - percent) <= 0.5 + 1e-12]
            if ks:
                r = count_from_percent(percent, total)
                assert (r.low, r.high) == (min(ks), max(ks)), (percent, total)
            else:
                with pytest.raises(ParameterError):
                    count_from_percent(percent, total)


def test_count_change_intervals() -> None:
    c = count_change("x", (2022, 2024), (367, 207), 0.0)
    se = math.sqrt(1 / 367 + 1 / 207)
    assert c.ci == pytest.approx(
        (207 / 367 * math.exp(-1.959963984540054 * se), 207 / 367 * math.exp(1.959963984540054 * se))
    )
    p_low, p_high = stats.beta.ppf(0.025, 207, 368), stats.beta.ppf(0.975, 208, 367)  # Clopper-Pearson of 207 in 574
    assert c.poisson_ci == pytest.approx((p_low / (1 - p_low), p_high / (1 - p_high)), rel=1e-9)
    wider = count_change("x", (2022, 2024), (367, 207), 0.03)
    assert wider.ci[0] < c.ci[0] and wider.ci[1] > c.ci[1]
    with pytest.raises(FitError, match="whole"):
        count_change("x", (2022, 2024), (0, 207), 0.0)


# --- nowcast ------------------------------------------------------------------------------------------------------


def test_nowcast_interval_is_ols_prediction_interval_of_the_log_ratio() -> None:
    history = pd.DataFrame({"first_half": [24, 31, 45, 55, 76], "full_year": [56, 52, 130, 127, 163]}, index=range(5))
    got = tr.nowcast_year(100, history)
    r = np.log(history["full_year"] / history["first_half"]).to_numpy()
    pred = sm.OLS(r, np.ones((5, 1))).fit().get_prediction(np.ones((1, 1))).summary_frame(alpha=0.05)
    assert got.value == pytest.approx(100 * math.exp(pred["mean"].iloc[0]))
    assert got.interval == pytest.approx(
        (100 * math.exp(pred["obs_ci_lower"].iloc[0]), 100 * math.exp(pred["obs_ci_upper"].iloc[0]))
    )


def test_nowcast_covers_95_percent_when_the_model_holds() -> None:
    rng = np.random.default_rng(5)
    hits = 0
    reps = 2000
    for _ in range(reps):
        h = rng.integers(50, 200, size=9).astype(float)
        full = h * np.exp(rng.normal(0.8, 0.12, size=9))
        history = pd.DataFrame({"first_half": h[:8], "full_year": full[:8]})
        nc = nowcast_year(h[8], history)
        hits += nc.interval[0] <= full[8] <= nc.interval[1]
    assert abs(hits / reps - 0.95) < 3 * math.sqrt(0.95 * 0.05 / reps)


def test_backtest_leaves_each_year_out() -> None:
    history = pd.DataFrame({"first_half": [10, 20, 30, 40], "full_year": [22, 41, 59, 90]}, index=[1, 2, 3, 4])
    bt = backtest_nowcast(history)
    one = nowcast_year(20, history.drop(index=2))
    assert bt.table.set_index("year").loc[2, "nowcast"] == pytest.approx(one.value)
    assert bt.mae_naive == pytest.approx(np.mean([2, 1, 1, 10]))
    with pytest.raises(ParameterError, match="first half"):
        nowcast_year(10, pd.DataFrame({"first_half": [5, 0], "full_year": [4, 3]}))
    with pytest.raises(FitError, match="three"):
        nowcast_year(10, history.iloc[:2])


# --- the data: events, first halves, the analysis -----------------------------------------------------------------


def test_amendments_date_is_cited() -> None:
    events = load_events()
    assert event_date(events, recent.AMENDMENTS).isoformat() == "2023-01-01"
    src = tr.load_data()[1].set_index("source_id")
    assert events.loc[recent.AMENDMENTS, "source_id"] in src.index
    with pytest.raises(ParameterError, match="no event"):
        event_date(events, "nothing")


def test_events_with_an_unknown_source_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "events.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("valtioneuvosto-2022-12-29-fi", "nobody"), encoding="utf-8"
    )
    rehash(data)
    with pytest.raises(DataValidationError, match=r"events.csv, line 2, column source_id: unknown source 'nobody'"):
        load_events(data)


def test_first_half_series_and_its_rule() -> None:
    obs = tr.load_observations()
    s = tr.annual_series(obs, "admitted", half=1)
    assert s[2014] == 21 and s[2023] == 152
    with pytest.raises(ParameterError, match="'half'"):
        tr.annual_series(obs, "clients", half=1)


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"start_year": 2030}, "start_year"),
        ({"change_from": 2024}, "change_from"),
        ({"before_years": 0}, "before_years"),
    ],
)
def test_bad_parameters_name_themselves(change: dict, name: str) -> None:
    obs = tr.load_observations()
    with pytest.raises(ParameterError, match=f"'{name}'"):
        recent.run(obs, **({"n_boot": 19, "harmonised_draws": 0} | change))


def test_next_years_rows_extend_the_analysis(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    lines = (data / "observations.csv").read_text(encoding="utf-8").splitlines()
    row = next(
        line for line in lines if line.startswith("2024-01-01,2024-12-31,admitted,victim,all,all,all,all,persons,207")
    )
    (data / "observations.csv").write_text(
        "\n".join([*lines, row.replace("2024-", "2025-").replace(",207,", ",250,")]) + "\n", encoding="utf-8"
    )
    rehash(data)
    obs = tr.load_observations(data)
    a = recent.run(obs, n_boot=19, harmonised_draws=0, data_dir=str(data))
    assert a.params["resolved_end_year"] == 2025
    assert "(250 / 367)" in next(e for e in a.estimates if e.name == "latest_change").description
