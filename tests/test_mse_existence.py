"""Existence and identifiability (SparseMSE's checkident) and the handling of non-overlapping pairs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from helpers import shared
from scipy.special import gammaln

from trafficking_research.errors import TraffickingResearchError
from trafficking_research.stats.mse import (
    EstimateDoesNotExistError,
    ModelNotIdentifiableError,
    check_model,
    fit_model,
    load_table,
    table_from_frame,
)
from trafficking_research.stats.mse.design import all_pairs

A, B, C = 0, 1, 2


def _loglik(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    """Poisson log-likelihood written out independently of the package."""
    eta = X @ beta
    return float(y @ eta - np.exp(eta).sum() - gammaln(y + 1).sum())


def test_artificial_ab_alone_has_no_estimate_and_the_error_says_so() -> None:
    table = load_table(shared("mse") / "artificial_3lists.csv")
    check = check_model(table, [(A, B)], use_lp=True)
    assert (check.exists, check.identifiable, check.code) == (False, True, 1)
    assert check.lp_objective == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(EstimateDoesNotExistError) as err:
        fit_model(table, ["A:B"])
    assert isinstance(err.value, TraffickingResearchError)
    msg = str(err.value)
    assert msg.startswith("table 'artificial_3lists', model 'main effects + A:B':")
    assert "does not exist" in msg and "101, 011, 111" in msg and "growing without bound" in msg


def test_artificial_ab_likelihood_rises_forever_with_the_dark_figure() -> None:
    # Direction d = (intercept, A, B, C, A:B) = (1, -1, -1, -1, 1): Xd = 0 on the four positive
    # cells and -1 on the three zero cells, so the likelihood rises along it while exp(intercept) grows.
    table = load_table(shared("mse") / "artificial_3lists.csv")
    h = table.histories.astype(float)
    X = np.column_stack([np.ones(7), h, h[:, 0] * h[:, 1]])
    d = np.array([1.0, -1, -1, -1, 1])
    Xd = X @ d
    assert np.all(Xd[table.counts > 0] == 0) and np.all(Xd[table.counts == 0] == -1)
    beta = np.array([np.log(200.0), np.log(0.2), np.log(0.15), np.log(0.1), 0.0])
    values = [_loglik(X, table.counts.astype(float), beta + s * d) for s in range(0, 30, 3)]
    assert all(b > a for a, b in zip(values, values[1:]))


def test_artificial_all_three_pairs_exist_but_are_not_identifiable() -> None:
    table = load_table(shared("mse") / "artificial_3lists.csv")
    check = check_model(table, [(A, B), (A, C), (B, C)], use_lp=True)
    assert (check.exists, check.identifiable, check.rank_deficiency, check.code) == (True, False, 1, 2)
    expected = (
        r"table 'artificial_3lists', model 'main effects \+ A:B \+ A:C \+ B:C': the estimate is not "
        r"identifiable: the design on the 4 cells in the fit has 5 columns but rank 4"
    )
    with pytest.raises(ModelNotIdentifiableError, match=expected):
        fit_model(table, [(A, B), (A, C), (B, C)])


def test_artificial_main_effects_and_empty_pairs_are_valid() -> None:
    table = load_table(shared("mse") / "artificial_3lists.csv")
    assert check_model(table, [], use_lp=True).code == 0
    assert check_model(table, [(A, C), (B, C)], use_lp=True).code == 0  # SparseMSE's "passes both tests"
    # With A:C and B:C at minus infinity the fit keeps cells 100, 010, 001, 110 and is saturated:
    # log dark = log(n100 * n010 / n110) = log(40 * 30 / 6).
    fit = fit_model(table, ["A:C", "B:C"])
    assert fit.empty_pairs == ((A, C), (B, C))
    assert fit.dark == pytest.approx(200.0, rel=1e-8)
    assert fit.fitted[table.counts == 0] == pytest.approx(0.0)


def test_korea_models_that_fit_the_empty_cd_cell_exactly_do_not_exist() -> None:
    # Korea: history 011 (lists c and d only) is zero although c and d overlap (on 111). With b:c and
    # b:d, d = (intercept, b, c, d, b:c, b:d) = (1, -1, -1, -1, 1, 1) has Xd = 0 on the six positive
    # cells and -1 on 011, so the likelihood rises as exp(intercept) grows; MultipleSystemsEstimation
    # likewise leaves [12,13] and [12,13,23] out of its Korea search.
    table = load_table(shared("mse") / "korea_3lists.csv")
    h = table.histories.astype(float)
    X = np.column_stack([np.ones(7), h, h[:, 0] * h[:, 1], h[:, 0] * h[:, 2]])
    Xd = X @ np.array([1.0, -1, -1, -1, 1, 1])
    assert np.all(Xd[table.counts > 0] == 0) and np.all(Xd[table.counts == 0] == -1)
    for pairs in ([(0, 1), (0, 2)], [(0, 1), (0, 2), (1, 2)]):
        assert check_model(table, pairs, use_lp=True).code == 1
        with pytest.raises(EstimateDoesNotExistError) as err:
            fit_model(table, pairs)
        assert "zero cell(s) 011 " in str(err.value) and "growing without bound" in str(err.value)
    assert check_model(table, [(0, 1), (1, 2)], use_lp=True).code == 0


@pytest.mark.parametrize("name", ["artificial_3lists", "korea_3lists", "kosovo_4lists", "western_us_5lists"])
def test_rank_shortcut_agrees_with_the_linear_program_on_every_model(name: str) -> None:
    table = load_table(shared("mse") / f"{name}.csv")
    pairs = all_pairs(table.n_lists)
    for r in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, r):
            lp = check_model(table, subset, use_lp=True)
            fast = check_model(table, subset)
            assert (lp.exists, lp.identifiable) == (fast.exists, fast.identifiable), subset


def test_empty_list_has_no_main_effects_estimate() -> None:
    frame = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "C": [0, 0, 0], "count": [5, 7, 2]})
    table = table_from_frame(frame, "empty_list")
    with pytest.raises(EstimateDoesNotExistError, match="table 'empty_list', model 'main effects'"):
        fit_model(table)


def test_no_estimate_when_the_triple_cell_is_empty_under_all_pairs() -> None:
    # Every pair overlaps but no case is on all three lists. With all three pairs the seven cells meet
    # seven parameters; d = (intercept, A, B, C, A:B, A:C, B:C) = (-1, 1, 1, 1, -1, -1, -1) has Xd = 0 on
    # the six positive cells and -1 on 111, so the likelihood rises as the intercept, hence the dark
    # figure, goes down: the MLE does not exist, though not by an infinite dark figure.
    frame = pd.DataFrame(
        {"A": [1, 0, 0, 1, 1, 0], "B": [0, 1, 0, 1, 0, 1], "C": [0, 0, 1, 0, 1, 1], "count": [30, 25, 20, 6, 5, 4]}
    )
    table = table_from_frame(frame, "no_triple")
    h = table.histories.astype(float)
    X = np.column_stack([np.ones(7), h, h[:, 0] * h[:, 1], h[:, 0] * h[:, 2], h[:, 1] * h[:, 2]])
    Xd = X @ np.array([-1.0, 1, 1, 1, -1, -1, -1])
    assert np.all(Xd[table.counts > 0] == 0) and np.all(Xd[table.counts == 0] == -1)
    pairs = [(A, B), (A, C), (B, C)]
    assert check_model(table, pairs, use_lp=True).code == 1
    with pytest.raises(EstimateDoesNotExistError) as err:
        fit_model(table, pairs)
    assert "zero cell(s) 111 " in str(err.value) and "dark figure shrinking to zero" in str(err.value)
    assert check_model(table, [(A, B), (A, C)], use_lp=True).code == 0
