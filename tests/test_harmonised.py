"""The harmonised admissions series against calculations from observations.csv with csv and numpy only."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from trafficking_research.analyses import harmonised as H
from trafficking_research.data.observations import load_observations
from trafficking_research.errors import ParameterError
from trafficking_research.paths import DATA_DIR


def preferred(**match: str) -> dict[int, float]:
    """Calendar-year preferred exact values of one figure, read with csv (victims before unspecified)."""
    with open(DATA_DIR / "observations.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    base = {"place": "all", "form": "all", "sex": "all", "age": "all", "unit": "persons"}
    base.update(match)
    out: dict[int, tuple[int, float]] = {}
    order = {"victim": 0, "unspecified": 1}
    for r in rows:
        if r["status"] != "preferred" or r["qualifier"] != "exact" or r["client_type"] not in order:
            continue
        if any(r[k] != v for k, v in base.items()):
            continue
        if (
            r["period_start"][5:] != "01-01"
            or r["period_end"][5:] != "12-31"
            or r["period_start"][:4] != r["period_end"][:4]
        ):
            continue
        y = int(r["period_end"][:4])
        rank = order[r["client_type"]]
        if y not in out or rank < out[y][0]:
            out[y] = (rank, float(r["value"]))
    return {y: v for y, (_, v) in out.items()}


@pytest.fixture(scope="module")
def obs():
    return load_observations()


def irls_poisson(years: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and its variance of a Poisson log-linear fit, by iteratively reweighted least squares."""
    X = np.column_stack([np.ones(len(years)), years - years[0]]).astype(float)
    beta = np.array([math.log(y.mean()), 0.0])
    for _ in range(100):
        eta = X @ beta
        mu = np.exp(eta)
        beta = np.linalg.solve(X.T @ (mu[:, None] * X), X.T @ (mu * (eta + (y - mu) / mu)))
    cov = np.linalg.inv(X.T @ (np.exp(X @ beta)[:, None] * X))
    return float(beta[1]), float(cov[1, 1])


def test_the_two_totals_leave_121_and_112_for_the_missing_years(obs) -> None:
    admitted = preferred(measure="admitted")
    missing_2017 = 630 - sum(v for y, v in admitted.items() if 2006 <= y <= 2017)
    missing_2020 = 1257 - sum(v for y, v in admitted.items() if 2006 <= y <= 2020)
    assert (missing_2017, missing_2020) == (121, 112)  # the figures of the issue
    table = H.implied_gap_totals(H.inputs(obs), None, 2020).set_index("total_to")
    assert table.loc[2017, "gap_sum"] == missing_2017 and table.loc[2020, "gap_sum"] == missing_2020
    with_2006 = H.implied_gap_totals(H.inputs(obs), 9, 2020).set_index("total_to")
    assert (with_2006.loc[2017, "gap_sum"], with_2006.loc[2020, "gap_sum"]) == (112, 103)
    assert with_2006.loc[2017, "gap_years"] == "2007, 2008, 2009, 2014"


def test_published_years_stay_as_published_and_gaps_are_flagged(obs) -> None:
    h = H.harmonise(obs, H.Scenario("2017", 9, (2010, 2020)), 2020, n_draws=60, seed=1)
    admitted = preferred(measure="admitted")
    t = h.table.set_index("year")
    assert list(t.index) == list(range(2006, 2021))
    for y in t.index:
        if y in admitted:
            assert t.loc[y, "flag"] == "published" and t.loc[y, "value"] == admitted[y]
            assert (h.draws[y] == admitted[y]).all()
    assert t.loc[2006, "flag"] == "published_first_year_clients" and t.loc[2006, "value"] == 9
    assert h.gap_years == [2007, 2008, 2009, 2014]
    for y in h.gap_years:
        assert t.loc[y, "flag"] == "estimated"
        assert t.loc[y, "low"] <= t.loc[y, "value"] <= t.loc[y, "high"]
    assert (h.draws[h.gap_years].sum(axis=1) == 112).all()
    assert h.gap_totals == {"630 to 2017": 112}


def test_the_main_model_uses_every_source_and_each_draw_one_total(obs) -> None:
    """2014 (inside the overlap years) rests on UNODC and its first half; 2007-2009 take what the drawn total
    leaves; every draw adds up to the total it took, and both totals are taken."""
    h = H.harmonise(obs, H.Scenario(), 2020, n_draws=400, seed=3)
    t = h.table.set_index("year")
    assert t.loc[2014, "sources"] == "UNODC ratio + first half ratio"
    assert "UNODC 45 x ratio" in t.loc[2014, "basis"] and "first half 21 x ratio" in t.loc[2014, "basis"]
    for y in (2007, 2008, 2009):
        assert t.loc[y, "sources"] == "total (630 to 2017 or 1,257 to 2020) minus 2014, split by UNODC"
    sums = h.draws[h.gap_years].sum(axis=1).to_numpy()
    assert (sums == h.gaps.total).all() and set(sums) == {103.0, 112.0}
    assert abs(np.mean(sums == 112) - 0.5) < 4 * math.sqrt(0.25 / 400)
    assert h.gap_totals == {"630 to 2017": 112, "1,257 to 2020": 103}
    assert any("disagree" in n for n in h.notes)
    # 2014 agrees with UNODC x the overlap ratio, not with the older proportional share of the excess (61)
    admitted, unodc = preferred(measure="admitted"), preferred(measure="identified")
    ratio = math.exp(np.mean([math.log(admitted[y] / unodc[y]) for y in range(2010, 2021) if y in admitted]))
    assert abs(t.loc[2014, "value"] - unodc[2014] * ratio) <= 1.5 and t.loc[2014, "high"] < 50


def test_relation_is_the_log_ratio_on_the_overlap_years(obs) -> None:
    admitted = preferred(measure="admitted")
    unodc = preferred(measure="identified")
    years = [y for y in range(2010, 2016) if y in admitted and y in unodc]
    h = H.harmonise(obs, H.Scenario(None, 9, (2010, 2015)), 2020, n_draws=5, seed=1)
    logs = [math.log(admitted[y] / unodc[y]) for y in years]
    assert h.relation.mean == pytest.approx(np.mean(logs)) and h.relation.sd == pytest.approx(np.std(logs, ddof=1))
    t = h.table.set_index("year")
    assert t.loc[2014, "flag"] == "estimated" and "first half" in t.loc[2014, "sources"]
    assert t.loc[2007, "sources"] == "UNODC ratio"  # no total: every gap year from its own sources


def pearson_dispersion(years: np.ndarray, y: np.ndarray) -> float:
    """Pearson X2 / (n - 2) of the Poisson fit, from the fitted means of a direct IRLS fit."""
    X = np.column_stack([np.ones(len(years)), years - years[0]]).astype(float)
    beta = np.array([math.log(y.mean()), 0.0])
    for _ in range(100):
        eta = X @ beta
        mu = np.exp(eta)
        beta = np.linalg.solve(X.T @ (mu[:, None] * X), X.T @ (mu * (eta + (y - mu) / mu)))
    mu = np.exp(X @ beta)
    return float(np.sum((y - mu) ** 2 / mu)) / (len(y) - 2)


def test_full_span_growth_pools_independent_fits_of_every_draw(obs) -> None:
    """Rubin's rules over the draws, each draw's variance the calibrated one (scaled by its Pearson dispersion)."""
    h = H.harmonise(obs, H.Scenario("2020", 6, (2010, 2020)), 2020, n_draws=8, seed=4)
    g = H.full_span_growth(h, model="poisson")
    years = np.array(h.draws.columns, dtype=int)
    rows = [row.to_numpy(dtype=float) for _, row in h.draws.iterrows()]
    fits = [irls_poisson(years, y) for y in rows]
    slopes = np.array([f[0] for f in fits])
    w = np.mean([f[1] * pearson_dispersion(years, y) for f, y in zip(fits, rows)])
    b = slopes.var(ddof=1)
    assert g.slope == pytest.approx(slopes.mean(), rel=1e-6)
    assert g.slope_se == pytest.approx(math.sqrt(w + (1 + 1 / 8) * b), rel=1e-5)
    assert g.apc == pytest.approx(100 * math.expm1(slopes.mean()), rel=1e-6)
    assert g.apc_ci[0] < g.apc < g.apc_ci[1] and (g.first_year, g.last_year, g.m) == (2006, 2020, 8)


def test_published_only_growth_is_the_fit_on_published_years(obs) -> None:
    admitted = preferred(measure="admitted")
    years = np.array(sorted(y for y in admitted if 2006 <= y <= 2020))
    slope, var = irls_poisson(years, np.array([admitted[y] for y in years]))
    g = H.published_only_growth(obs, 2006, 2020, model="poisson")
    assert g.slope == pytest.approx(slope, rel=1e-6) and g.slope_se == pytest.approx(math.sqrt(var), rel=1e-5)
    assert (g.first_year, g.last_year) == (2010, 2020)


def test_estimated_years_widen_the_interval_compared_with_fixed_values(obs) -> None:
    h = H.harmonise(obs, H.Scenario(None, 9, (2010, 2022)), 2020, n_draws=40, seed=9)
    g = H.full_span_growth(h, model="poisson")
    fixed = h.draws.median().round()
    slope, var = irls_poisson(np.array(fixed.index, dtype=int), fixed.to_numpy(dtype=float))
    assert g.slope_se > math.sqrt(var)


def test_sensitivity_covers_the_named_choices(obs) -> None:
    table = H.sensitivity(obs, 2020, n_draws=3, seed=1, model="poisson")
    assert len(table) == 3 + len(H.SCENARIOS)
    est = table[table["draws"] == 3].set_index("choice")
    names = " | ".join(est.index)
    for named in (
        "as before",
        "2014 from UNODC x ratio alone",
        "all of the excess to 2007-09",
        "first half alone",
        "only the total to 2017",
        "only the total to 2020",
    ):
        assert named in names
    assert est.loc["only the total to 2017 (630)", "gap_sum"] == "112"
    assert est.loc["only the total to 2020 (1,257)", "gap_sum"] == "103"
    assert est.loc["main: every source, either total drawn", "gap_sum"] == "112 or 103"
    assert est.loc["2006 = 6 (the older release)", "gap_sum"] == "115 or 106"
    assert est.loc["no total: every gap year from its own sources", "gap_sum"].endswith("(median)")
    assert (table["apc_low"] < table["apc"]).all() and (table["apc"] < table["apc_high"]).all()


def test_the_older_allocation_is_reproduced_by_its_scenario(obs) -> None:
    """The proportional allocation over all gap years, total to 2017: the draws of `imputation.draw_gap_counts`."""
    from trafficking_research.stats.imputation import draw_gap_counts

    h = H.harmonise(obs, H.Scenario("2017", allocation="proportional"), 2020, n_draws=30, seed=2006)
    unodc = preferred(measure="identified")
    want = draw_gap_counts([unodc[y] for y in (2007, 2008, 2009, 2014)], h.relation, 30, 2006, total=112)
    assert (h.draws[[2007, 2008, 2009, 2014]].to_numpy() == want).all()


def test_derived_abroad_is_all_minus_finland(obs) -> None:
    admitted, finland = preferred(measure="admitted"), preferred(measure="admitted", place="finland")
    abroad = preferred(measure="admitted", place="abroad")
    want = {y: admitted[y] - finland[y] for y in finland if y in admitted and y not in abroad}
    d = H.derived_complements(obs)
    got = {int(r.year): r.value for r in d.itertuples() if r.derived == "abroad"}
    assert got == want and got  # 2016, 2018, 2019, 2022
    assert set(d["flag"]) <= {"derived: all - finland", "derived: all - female", "derived: all - male"}


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"total": "2019"}, "total"),
        ({"first_year": -1}, "first_year"),
        ({"relation_years": (2020, 2010)}, "relation_years"),
        ({"allocation": "spread"}, "allocation"),
        ({"year_sources": ()}, "year_sources"),
        ({"year_sources": ("tip",)}, "year_sources"),
        ({"split": "trend"}, "split"),
        ({"allocation": "proportional"}, "one total"),
    ],
)
def test_scenario_refuses_bad_choices(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ParameterError, match=fragment):
        H.Scenario(**kwargs)


def test_a_total_needs_a_first_year_value(obs) -> None:
    with pytest.raises(ParameterError, match="2006"):
        H.harmonise(obs, H.Scenario("2017", None), 2020, n_draws=2)


def test_zero_draws_leave_out_what_the_growth_docstring_says(obs) -> None:
    from trafficking_research.analyses import growth

    none = growth.run(obs, n_boot=0, harmonised_draws=0)  # the default sensitivity_draws does not matter then
    assert not none.select("harmonised.") and "harmonised_series" not in none.tables
    no_table = growth.run(obs, n_boot=0, harmonised_draws=20, sensitivity_draws=0)
    assert no_table.select("harmonised.apc") and "harmonised_sensitivity" not in no_table.tables
    assert not no_table.select("harmonised.sensitivity.")
    with pytest.raises(ParameterError, match="parameter 'sensitivity_draws' must be 0 or at least 2, got 1"):
        growth.run(obs, n_boot=0, harmonised_draws=20, sensitivity_draws=1)


def test_published_only_growth_says_how_its_interval_was_computed(obs) -> None:
    est = H.published_only_growth(obs).estimate("apc")
    assert "Wald" not in est.description and "Pearson dispersion" in est.description


def test_without_enough_first_half_years_2014_rests_on_unodc_and_says_why(obs) -> None:
    halves = (obs["period_end"].dt.month == 6) & (obs["period_start"].dt.month == 1)
    keep = ~halves | obs["period_end"].dt.year.isin([2013, 2014, 2015])  # two years with both halves: too few
    h = H.harmonise(obs[keep], H.Scenario(), 2020, n_draws=20, seed=1)
    assert h.table.set_index("year").loc[2014, "sources"] == "UNODC ratio"
    assert any(n.startswith("2014: its first half is not used") and "three" in n for n in h.notes)
