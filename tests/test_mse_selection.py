"""Model selection against published estimates and an independent brute-force BIC search."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm
from helpers import shared

from trafficking_research.stats.mse import METHODS, SelectionError, check_model, load_table, select_model
from trafficking_research.stats.mse.design import all_pairs
from trafficking_research.stats.mse.selection import overlap_pvalue


def _table(name: str):
    """A table of ../shared/mse by file stem."""
    return load_table(shared("mse") / f"{name}.csv")


def _terms(fit) -> list[str]:
    """The fit's interactions as 'A:B' names."""
    return [f"{fit.table.lists[i]}:{fit.table.lists[j]}" for i, j in fit.pairs]


def test_uk_five_lists_aic_stepwise_gives_the_home_office_11313() -> None:
    # Silverman (2014, Home Office) / Bales, Hesketh & Silverman (2015): 11,313 on the five-list UK table.
    fit = select_model(_table("uk_2013_5lists"), "aic_stepwise")
    assert round(fit.total) == 11313
    assert _terms(fit) == ["LA:NG", "LA:PFNCA", "NG:GO", "NG:GP", "PFNCA:GP", "GO:GP"]
    # The search ended because the next-best term (LA:GP, no overlap, at minus infinity) had p = 1.
    assert fit.selection[-1] == {
        "added": "LA:GP",
        "aic": pytest.approx(fit.selection[-1]["aic"]),
        "pvalue": 1.0,
        "rejected": True,
    }
    assert all(step["pvalue"] <= 0.05 for step in fit.selection[:-1])


def test_new_orleans_stepwise_gives_the_published_1184() -> None:
    # Bales, Murphy & Silverman (2020); SparseMSE's stepwisefit(NewOrl) selects D:E.
    fit = select_model(_table("new_orleans_8lists"), "stepwise")
    assert round(fit.total) == 1184
    assert _terms(fit) == ["D:E"]


def test_new_orleans_main_effects_gives_997() -> None:
    assert round(select_model(_table("new_orleans_8lists"), "main_effects").total) == 997


def test_new_orleans_five_lists_main_effects_gives_1034() -> None:
    # MultipleSystemsEstimation's published-estimate test: modelfit(NewOrl_5) = 1034.
    assert round(select_model(_table("new_orleans_5lists"), "main_effects").total) == 1034


def test_western_stepwise_gives_2483_with_a_e() -> None:
    # Chan, Silverman & Vincent (2021) / MultipleSystemsEstimation: stepwisefit(Western) = 2483, A:E.
    fit = select_model(_table("western_us_5lists"), "stepwise")
    assert round(fit.total) == 2483
    assert _terms(fit) == ["A:E"]


def test_korea_bic_and_main_effects_match_multiple_systems_estimation() -> None:
    # MultipleSystemsEstimation: BIC picks [12,23] (b:c, c:d) with abundance 157.17 and BIC 57.14081;
    # the main-effects abundance is 141.99264735066032.
    korea = _table("korea_3lists")
    fit = select_model(korea, "bic")
    assert _terms(fit) == ["b:c", "c:d"]
    assert fit.total == pytest.approx(157.16667, abs=1e-4)
    assert fit.bic == pytest.approx(57.14081, abs=1e-4)
    assert select_model(korea, "main_effects").total == pytest.approx(141.99264735066032, rel=1e-8)


def test_stepwise_adds_the_least_compatible_overlap_first() -> None:
    # Independent first step on New Orleans: main-effects fit by hand, overlap p-values by scipy.
    from scipy.stats import poisson

    table = _table("new_orleans_8lists")
    h = table.histories.astype(float)
    ref = sm.GLM(table.counts.astype(float), sm.add_constant(h), family=sm.families.Poisson()).fit()
    pvalues = {}
    for i, j in all_pairs(8):
        both = (h[:, i] * h[:, j]) == 1
        lam, n = ref.fittedvalues[both].sum(), table.overlap(i, j)
        pvalues[(i, j)] = min(poisson.cdf(n, lam), poisson.sf(n - 1, lam))
        assert overlap_pvalue(n, lam) == pytest.approx(pvalues[(i, j)], rel=1e-10, abs=1e-300)
    best = min(pvalues, key=pvalues.get)
    assert best == (3, 4) and pvalues[best] < 0.02
    fit = select_model(table, "stepwise")
    assert fit.selection[0]["pvalue"] == pytest.approx(pvalues[best], rel=1e-6)


def test_stepwise_threshold_zero_is_main_effects() -> None:
    table = _table("western_us_5lists")
    assert select_model(table, "stepwise", threshold=0).pairs == ()
    assert select_model(table, "stepwise", threshold=0).total == pytest.approx(
        select_model(table, "main_effects").total, rel=1e-10
    )


@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning", "ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning"
)
@pytest.mark.parametrize("name", ["kosovo_4lists", "korea_3lists", "artificial_3lists"])
def test_bic_equals_brute_force_with_statsmodels(name: str) -> None:
    table = _table(name)
    pairs = all_pairs(table.n_lists)
    h = table.histories.astype(float)
    best = (math.inf, None)
    for r in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, r):
            if not check_model(table, subset, use_lp=True).ok:
                continue
            keep = np.ones(len(h), dtype=bool)
            cols = [np.ones(len(h)), *h.T]
            for i, j in subset:
                if table.overlap(i, j) == 0:
                    keep &= h[:, i] * h[:, j] == 0
                else:
                    cols.append(h[:, i] * h[:, j])
            ref = sm.GLM(
                table.counts[keep].astype(float), np.column_stack(cols)[keep], family=sm.families.Poisson()
            ).fit()
            value = -2 * ref.llf + math.log(table.n_observed) * (1 + table.n_lists + len(subset))
            if value < best[0] - 1e-9:
                best = (value, subset)
    fit = select_model(table, "bic")
    assert fit.pairs == best[1]
    assert fit.bic == pytest.approx(best[0], rel=1e-9)


def test_bic_refuses_tables_with_too_many_lists() -> None:
    with pytest.raises(SelectionError, match=r"table 'new_orleans_8lists': bic enumerates all 268,435,456 models"):
        select_model(_table("new_orleans_8lists"), "bic")


def test_unknown_method_is_refused() -> None:
    with pytest.raises(
        SelectionError,
        match="unknown selection method 'magic'; choose one of main_effects, stepwise, aic_stepwise, bic",
    ):
        select_model(_table("korea_3lists"), "magic")
    assert list(METHODS) == ["main_effects", "stepwise", "aic_stepwise", "bic"]


def test_bic_scores_of_a_five_list_search_match_statsmodels() -> None:
    # Western has empty pairs (A:B, B:E) and models that need the linear program; spot-check 80 scores.
    from trafficking_research.stats.mse import fit_model
    from trafficking_research.stats.mse.selection import _bic_search

    table = _table("western_us_5lists")
    pairs = all_pairs(5)
    scored = _bic_search(table, pairs)
    assert len(scored) == sum(
        check_model(table, [p for b, p in enumerate(pairs) if m >> b & 1]).ok for m in range(1024)
    )
    rng = np.random.default_rng(5)
    for k in rng.choice(len(scored), size=80, replace=False):
        value, n_params, mask = scored[k]
        ref = fit_model(table, [p for b, p in enumerate(pairs) if mask >> b & 1], check=False)
        assert ref.n_params == n_params
        assert value == pytest.approx(ref.bic, rel=1e-9)
