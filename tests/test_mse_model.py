"""Fitting a fixed log-linear model with statsmodels, against closed forms and independent fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from helpers import shared

from trafficking_research.stats.mse import SelectionError, fit_model, load_table, table_from_frame
from trafficking_research.stats.mse.design import all_pairs, build_design
from trafficking_research.stats.mse.fastfit import newton_poisson


def test_two_lists_main_effects_is_lincoln_petersen() -> None:
    # Two lists: n10 = 60, n01 = 45, n11 = 15; dark = n10 * n01 / n11 = 180 and
    # total = (n10 + n11)(n01 + n11) / n11 = 75 * 60 / 15 = 300 (Lincoln-Petersen).
    frame = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [60, 45, 15]})
    fit = fit_model(table_from_frame(frame, "two"))
    assert fit.dark == pytest.approx(180.0, rel=1e-9)
    assert fit.total == pytest.approx(300.0, rel=1e-9)


def test_three_independent_lists_estimate_matches_closed_form() -> None:
    # Counts generated exactly from independence (N = 1000, p = 0.5, 0.4, 0.2): the main-effects fit
    # reproduces them, so dark = N * 0.5 * 0.6 * 0.8 = 240.
    p = np.array([0.5, 0.4, 0.2])
    rows = []
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                if a or b or c:
                    prob = np.prod([p[i] if x else 1 - p[i] for i, x in enumerate((a, b, c))])
                    rows.append((a, b, c, round(1000 * prob)))
    frame = pd.DataFrame(rows, columns=["A", "B", "C", "count"])
    fit = fit_model(table_from_frame(frame, "exact"))
    assert fit.dark == pytest.approx(240.0, rel=1e-8)


def test_uk_fit_matches_a_statsmodels_glm_built_by_hand() -> None:
    table = load_table(shared("mse") / "uk_2013_5lists.csv")
    frame = table.to_frame(include_zero=True)
    lists = list(table.lists)
    X = frame[lists].astype(float)
    X["LA:NG"] = X["LA"] * X["NG"]
    ref = sm.GLM(frame["count"].astype(float), sm.add_constant(X), family=sm.families.Poisson()).fit()
    fit = fit_model(table, ["LA:NG"])
    assert fit.dark == pytest.approx(float(np.exp(ref.params["const"])), rel=1e-9)
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-12)
    assert fit.aic == pytest.approx(ref.aic, rel=1e-12)
    assert fit.bic == pytest.approx(-2 * ref.llf + np.log(2744) * 7, rel=1e-12)


def test_empty_pair_drops_its_cells_and_counts_one_parameter() -> None:
    # UK five lists: LA and GP have no case in common. With LA:GP in the model the 8 histories with
    # both LA and GP leave the fit; SparseMSE adds 2 to glm's AIC for the parameter at minus infinity.
    table = load_table(shared("mse") / "uk_2013_5lists.csv")
    assert table.overlap(0, 4) == 0
    fit = fit_model(table, ["LA:GP"])
    assert fit.empty_pairs == ((0, 4),)
    keep = ~((table.histories[:, 0] == 1) & (table.histories[:, 4] == 1))
    X = np.column_stack([np.ones(keep.sum()), table.histories[keep].astype(float)])
    ref = sm.GLM(table.counts[keep].astype(float), X, family=sm.families.Poisson()).fit()
    assert fit.dark == pytest.approx(float(np.exp(ref.params[0])), rel=1e-9)
    assert fit.aic == pytest.approx(ref.aic + 2, rel=1e-12)
    assert fit.term_pvalue((0, 4)) == 1.0


def test_lean_newton_solver_agrees_with_statsmodels_on_every_uk_model() -> None:
    table = load_table(shared("mse") / "uk_2013_5lists.csv")
    pairs = all_pairs(5)
    rng = np.random.default_rng(3)
    for mask in rng.choice(1 << 10, size=60, replace=False):
        chosen = tuple(p for b, p in enumerate(pairs) if mask >> b & 1)
        design = build_design(table, chosen)
        ref = sm.GLM(design.y, design.X, family=sm.families.Poisson()).fit()
        beta, _, ll = newton_poisson(design.X, design.y)
        assert ll == pytest.approx(ref.llf, rel=1e-10)
        assert beta[0] == pytest.approx(ref.params[0], abs=1e-6)


def test_pairs_can_be_named_or_indexed_and_bad_ones_are_refused() -> None:
    table = load_table(shared("mse") / "uk_2013_5lists.csv")
    assert fit_model(table, [("NG", "LA")]).pairs == fit_model(table, [(0, 1)]).pairs == ((0, 1),)
    with pytest.raises(SelectionError, match="no list 'XX'"):
        fit_model(table, ["LA:XX"])
    with pytest.raises(SelectionError, match="pairs a list with itself"):
        fit_model(table, [("LA", "LA")])
