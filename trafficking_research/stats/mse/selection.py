"""Model selection among main effects plus two-list interactions, each a named method.

- `main_effects`: no interactions.
- `stepwise`: SparseMSE's `stepwisefit` (Chan, Silverman & Vincent 2021): add, one at a time, the
  pair whose observed overlap is least compatible with the current fit (two-sided Poisson tail
  probability of the overlap count given its fitted mean), skipping pairs whose model fails the
  existence/identifiability check, until no p-value is below the threshold (default 0.02).
- `aic_stepwise`: forward selection by AIC, stopping when no pair lowers the AIC or when the
  added term's Wald p-value exceeds 0.05 (Bales, Hesketh & Silverman 2015, the UK 2013 estimate).
- `bic`: the lowest BIC, penalty log(number observed) per parameter, over every set of pairs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.special import pdtr, pdtrc

from ...config import MSE_SELECTION_METHODS
from ...data.capture_tables import CaptureTable
from ...errors import ModelNotEstimableError, SelectionError
from .design import Design, Pair, all_pairs, build_design, model_label, pair_name
from .existence import check_model, require_estimable
from .fastfit import batch_poisson_loglik, newton_poisson
from .model import MSEFit, fit_model


def main_effects(table: CaptureTable) -> MSEFit:
    """The independence model: main effects only.

    Parameters
    ----------
    table : CaptureTable
        The observed table.

    Returns
    -------
    MSEFit
        The chosen model's fit (statsmodels), with the selection's steps in ``selection``.
    """
    return fit_model(table, (), method="main_effects")


def overlap_pvalue(observed: int, expected: float) -> float:
    """SparseMSE's p-value of an overlap count: the smaller Poisson tail, min(P(X <= n), P(X >= n)).

    Parameters
    ----------
    observed : int
        Overlap count.
    expected : float
        Its fitted mean.

    Returns
    -------
    float
    """
    lower = float(pdtr(observed, expected)) if expected > 0 else 1.0
    upper = float(pdtrc(observed - 1, expected)) if observed > 0 else 1.0
    return min(lower, upper)


@dataclass(frozen=True, eq=False)
class _QuickFit:
    """A model fitted by the lean Newton solver while a selection scans candidates."""

    design: Design
    beta: np.ndarray
    fitted: np.ndarray
    loglik: float

    @property
    def aic(self) -> float:
        """AIC with every parameter counted (as MSEFit.aic)."""
        return -2 * self.loglik + 2 * self.design.n_params


def _quick_fit(table: CaptureTable, pairs: tuple[Pair, ...], start: _QuickFit | None = None) -> _QuickFit:
    """Fit a candidate model fast, starting from a neighbouring fit's coefficients by column name."""
    design = build_design(table, tuple(sorted(pairs)))
    beta0 = None
    if start is not None:
        known = dict(zip(start.design.columns, start.beta))
        beta0 = np.array([known.get(name, 0.0) for name in design.columns])
    beta, mu, loglik = newton_poisson(design.X, design.y, start=beta0)
    fitted = np.zeros(len(table.counts))
    fitted[design.retained] = mu
    return _QuickFit(design, beta, fitted, loglik)


def stepwise(table: CaptureTable, threshold: float = 0.02) -> MSEFit:
    """SparseMSE's stepwise selection by Poisson p-values of the pairwise overlaps.

    Ties go to the first pair in SparseMSE's order; a candidate whose model has no estimate or an
    unidentifiable one gets p = 1, as in `stepwisefit`. Intermediate fits use the lean solver;
    the chosen model is fitted with statsmodels.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    threshold : float
        Add pairs whose overlap has a tail probability below this.

    Returns
    -------
    MSEFit
        The chosen model's fit (statsmodels), with the selection's steps in ``selection``.
    """
    require_estimable(table, ())
    current = _quick_fit(table, ())
    pairs = all_pairs(table.n_lists)
    observed = [table.overlap(i, j) for i, j in pairs]
    chosen: list[Pair] = []
    trace: list[dict[str, Any]] = []
    while len(chosen) < len(pairs):
        best_p, best = 1.0, None
        for pair, n_star in zip(pairs, observed):
            if pair in chosen:
                continue
            both = (table.histories[:, pair[0]] & table.histories[:, pair[1]]) == 1
            p = overlap_pvalue(n_star, float(current.fitted[both].sum()))
            if p < best_p and not check_model(table, (*chosen, pair)).ok:
                p = 1.0
            if p < best_p:
                best_p, best = p, pair
        if best is None or best_p >= threshold:
            break
        chosen.append(best)
        trace.append({"added": pair_name(table, best), "pvalue": best_p})
        current = _quick_fit(table, tuple(chosen), start=current)
    return fit_model(table, chosen, check=False, method="stepwise", selection=trace)


def aic_stepwise(table: CaptureTable, threshold: float = 0.05) -> MSEFit:
    """Forward selection by AIC with a p-value stop (Bales, Hesketh & Silverman 2015).

    At each step every pair not yet in the model is tried (models without an identifiable MLE are
    skipped); the one with the lowest AIC is added if it lowers the AIC and its Wald p-value (from
    statsmodels) is at most `threshold`. A pair with no observed overlap has its term at minus
    infinity, where the Wald statistic tends to zero, so its p-value is 1 and adding it ends the
    search, as in R.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    threshold : float
        Largest Wald p-value of an added term.

    Returns
    -------
    MSEFit
        The chosen model's fit (statsmodels), with the selection's steps in ``selection``.
    """
    fit = fit_model(table, (), method="aic_stepwise")
    current = _quick_fit(table, ())
    chosen: list[Pair] = []
    trace: list[dict[str, Any]] = []
    for _ in all_pairs(table.n_lists):
        best: _QuickFit | None = None
        added: Pair = (0, 0)
        for pair in all_pairs(table.n_lists):
            if pair in chosen or not check_model(table, (*chosen, pair)).ok:
                continue
            cand = _quick_fit(table, (*chosen, pair), start=current)
            if best is None or cand.aic < best.aic:
                best, added = cand, pair
        if best is None or best.aic >= current.aic:
            break
        candidate = fit_model(table, (*chosen, added), check=False, method="aic_stepwise")
        pvalue = candidate.term_pvalue(added)
        trace.append({"added": pair_name(table, added), "aic": candidate.aic, "pvalue": pvalue})
        if pvalue > threshold:
            trace[-1]["rejected"] = True
            break
        chosen.append(added)
        fit, current = candidate, best
    return replace(fit, selection=tuple(trace))


def _model_masks(n_pairs: int, n_lists: int, empty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every set of pairs (bit b for pair b): which design columns it uses and which pair terms it has."""
    masks = np.arange(1 << n_pairs)
    members = ((masks[:, None] >> np.arange(n_pairs)) & 1).astype(bool)
    columns = np.hstack([np.ones((len(masks), 1 + n_lists), dtype=bool), members & ~empty[None, :]])
    return members, columns


def _estimable(
    table: CaptureTable, pairs: list[Pair], members: np.ndarray, columns: np.ndarray, cells: np.ndarray, X: np.ndarray
) -> np.ndarray:
    """Which models pass the existence and identifiability checks, checking as few as possible.

    Every model's columns are a subset of the model with all overlapping pairs, and the positive
    cells are in every model's fit: if that top model has full rank on the positive cells, every
    model's MLE exists; if, for one set of empty pairs, it has full rank on the cells left, every
    model with that set is identifiable. Otherwise models are checked one by one.
    """
    top = columns.any(axis=0)
    positive = table.counts > 0
    all_exist = np.linalg.matrix_rank(X[positive][:, top]) == top.sum()
    ok = np.ones(len(members), dtype=bool)
    for pattern in np.unique(cells, axis=0):
        group = np.flatnonzero((cells == pattern).all(axis=1))
        if all_exist and np.linalg.matrix_rank(X[pattern][:, top]) == top.sum():
            continue
        for g in group:
            ok[g] = check_model(table, tuple(p for b, p in enumerate(pairs) if members[g, b])).ok
    return ok


def _bic_search(table: CaptureTable, pairs: list[Pair], chunk: int = 1024) -> list[tuple[float, int, int]]:
    """BIC of every model with an identifiable MLE, as (bic, n_params, mask) with mask bit b for pairs[b]."""
    h = table.histories.astype(float)
    k = table.n_lists
    inter = [h[:, i] * h[:, j] for i, j in pairs]
    X = np.column_stack([np.ones(len(h)), h, *inter])
    empty = np.array([table.overlap(i, j) == 0 for i, j in pairs], dtype=bool)
    members, columns = _model_masks(len(pairs), k, empty)
    cells = np.ones((len(members), len(h)), dtype=bool)
    for b in np.flatnonzero(empty):
        cells[members[:, b]] &= X[:, 1 + k + b] == 0
    ok = _estimable(table, pairs, members, columns, cells, X)
    y = table.counts.astype(float)
    penalty = math.log(table.n_observed)
    out: list[tuple[float, int, int]] = []
    index = np.flatnonzero(ok)
    for start in range(0, len(index), chunk):
        sel = index[start : start + chunk]
        llf = batch_poisson_loglik(X, y, columns[sel], cells[sel])
        n_params = 1 + k + members[sel].sum(axis=1)
        for mask, ll, npar in zip(sel, llf, n_params):
            out.append((float(-2 * ll + penalty * npar), int(npar), int(mask)))
    return out


def bic(table: CaptureTable, max_lists: int = 6, keep: int = 10) -> MSEFit:
    """The model with the lowest BIC over all 2^(k(k-1)/2) sets of pairs (ties: fewer parameters).

    Parameters at minus infinity count in the penalty; models with no identifiable MLE are left out.
    Scores come from a lean Newton solver; the winner is refitted with statsmodels. `keep` best
    models are listed in the fit's `selection`.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    max_lists : int
        Refuse tables of more lists (the search is exponential) with a SelectionError.
    keep : int
        Best models listed in ``selection``.

    Returns
    -------
    MSEFit
        The chosen model's fit (statsmodels), with the selection's steps in ``selection``.
    """
    if table.n_lists > max_lists:
        n_models = 2 ** (table.n_lists * (table.n_lists - 1) // 2)
        raise SelectionError(
            f"table '{table.name}': bic enumerates all {n_models:,} models of {table.n_lists} lists; "
            f"the limit is max_lists={max_lists} (use 'stepwise' or 'aic_stepwise')"
        )
    pairs = all_pairs(table.n_lists)
    scored = sorted(_bic_search(table, pairs))
    if not scored:
        raise ModelNotEstimableError(table.name, "every model", "no model of main effects and pairs has an estimate")
    models = [(s, tuple(p for b, p in enumerate(pairs) if mask >> b & 1)) for s, _, mask in scored]
    best = [{"model": model_label(table, m), "bic": s} for s, m in models[:keep]]
    return fit_model(table, models[0][1], check=False, method="bic", selection=best)


#: The selection methods by name (the names are `config.MSE_SELECTION_METHODS`, which the parameters declare).
METHODS: dict[str, Callable[..., MSEFit]] = dict(
    zip(MSE_SELECTION_METHODS, (main_effects, stepwise, aic_stepwise, bic), strict=True)
)


def select_model(table: CaptureTable, method: str = "stepwise", **options: Any) -> MSEFit:
    """Run a named selection method (see METHODS) on a table and return the chosen model's fit.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    method : str
        A key of `METHODS`.
    **options
        Options of the method.

    Returns
    -------
    MSEFit
        The chosen model's fit (statsmodels), with the selection's steps in ``selection``.
    """
    if method not in METHODS:
        raise SelectionError(f"unknown selection method {method!r}; choose one of {', '.join(METHODS)}")
    return METHODS[method](table, **options)


__all__ = ["METHODS", "aic_stepwise", "bic", "main_effects", "overlap_pvalue", "select_model", "stepwise"]
