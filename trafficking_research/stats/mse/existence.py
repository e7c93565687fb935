"""Existence and identifiability of a model's estimate, by linear programming (Fienberg & Rinaldo 2012).

After the cells ruled out by empty pairs are dropped, let X be the design on the remaining cells
and y their counts. The Poisson log-likelihood is l(b) = y'Xb - sum(exp(Xb)). Its supremum is not
attained (the MLE does not exist) exactly when there is a direction d with Xd <= 0 on every cell,
Xd = 0 on the cells with y > 0, and Xd != 0 (so Xd < 0 on some zero cell): along b + s*d the
likelihood keeps increasing as s grows while the fitted counts of those zero cells go to 0. The
intercept, log of the dark figure, moves by s*d_0 on the way: up (the dark figure grows without
bound; the artificial table's A:B model, Korea's b:c + b:d), down (the dark figure shrinks to zero;
all three pairs with an empty triple cell), or not at all. SparseMSE refuses all of these, and so
does this module. By Stiemke's lemma no such d exists iff some x > 0 has X'x = X'y, i.e. iff the
LP of SparseMSE's `checkident`, max t subject to X'x = X'y, x >= t, x >= 0, has optimum t > 0.
Identifiability is full column rank of X.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ...data.capture_tables import CaptureTable
from ...errors import EstimateDoesNotExistError, ModelNotIdentifiableError
from .design import Design, Pair, PairSpec, build_design, model_label, normalize_pairs

LP_TOLERANCE = 1e-7
_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


@dataclass(frozen=True)
class ModelCheck:
    """Outcome of the checks: does the MLE exist, is it identifiable; the LP optimum when the LP was run."""

    exists: bool
    identifiable: bool
    rank_deficiency: int
    lp_objective: float | None

    @property
    def ok(self) -> bool:
        """True when the model gives a finite, identified estimate."""
        return self.exists and self.identifiable

    @property
    def code(self) -> int:
        """SparseMSE's `checkident` code: 0 fine, 1 no MLE, 2 not identifiable, 3 both."""
        return int(not self.exists) + 2 * int(not self.identifiable)


def existence_lp(X: np.ndarray, y: np.ndarray) -> float:
    """Optimum t of max t s.t. X'x = X'y, x_i >= t, x >= 0, in units of y (> 0 iff the MLE exists).

    The counts are rescaled to sum to one for the solver, which keeps its tolerances meaningful.

    Parameters
    ----------
    X : numpy.ndarray
        Design on the cells in the fit.
    y : numpy.ndarray
        Their counts (or support indicator).

    Returns
    -------
    float
    """
    n_cells, _ = X.shape
    scale = float(y.sum()) or 1.0
    c = np.zeros(n_cells + 1)
    c[-1] = -1.0
    a_eq = np.hstack([X.T, np.zeros((X.shape[1], 1))])
    a_ub = np.hstack([-np.eye(n_cells), np.ones((n_cells, 1))])
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(n_cells),
        A_eq=a_eq,
        b_eq=X.T @ (y / scale),
        bounds=(0, None),
        method="highs",
        options=_HIGHS,
    )
    if res.status != 0:
        return 0.0
    return float(-res.fun) * scale


def _rank_deficiency(X: np.ndarray) -> int:
    """Columns of X minus its rank."""
    return int(X.shape[1] - np.linalg.matrix_rank(X)) if X.size else X.shape[1]


_CACHE: dict[bytes, ModelCheck] = {}
_CACHE_LIMIT = 200_000


def _checks(X: np.ndarray, positive: np.ndarray, use_lp: bool) -> ModelCheck:
    """The checks for one design and support pattern (the answer depends on y only through y > 0)."""
    deficiency = _rank_deficiency(X)
    if not use_lp and _rank_deficiency(X[positive]) == 0:
        # Full column rank on the positive cells leaves no d != 0 with Xd = 0 there, so no improving direction.
        return ModelCheck(True, deficiency == 0, deficiency, None)
    t = existence_lp(X, positive.astype(float))
    return ModelCheck(t > LP_TOLERANCE, deficiency == 0, deficiency, t)


def check_design(design: Design, use_lp: bool = False) -> ModelCheck:
    """Existence and identifiability for a built design.

    The LP is run on the support indicator of y, since existence depends on y only through which
    cells are positive; with use_lp=False a shortcut skips it when the design restricted to positive
    cells already has full column rank (then no direction d != 0 has Xd = 0 on them, so the MLE exists).

    Parameters
    ----------
    design : Design
        A built design.
    use_lp : bool
        Always run the linear program.

    Returns
    -------
    ModelCheck
    """
    X = np.ascontiguousarray(design.X, dtype=float)
    positive = np.ascontiguousarray(design.y > 0)
    digest = hashlib.blake2b(X.tobytes(), digest_size=20)
    digest.update(positive.tobytes())
    digest.update(repr((X.shape, use_lp)).encode())
    key = digest.digest()
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        found = _CACHE[key] = _checks(X, positive, use_lp)
    return found


def check_model(table: CaptureTable, pairs: PairSpec | None = None, use_lp: bool = False) -> ModelCheck:
    """SparseMSE's `checkident` for main effects plus `pairs` (by index, by name or 'A:B') on a table.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    pairs : iterable, optional
        The model's interactions.
    use_lp : bool
        Always run the linear program (otherwise a rank shortcut may skip it).

    Returns
    -------
    ModelCheck
    """
    return check_design(build_design(table, normalize_pairs(table, pairs)), use_lp=use_lp)


def _intercept_can_move(xp: np.ndarray, xz: np.ndarray, sign: float) -> bool:
    """True if some improving direction (X_P d = 0, X_Z d <= 0) moves the intercept the given way."""
    n_par = xp.shape[1]
    c = np.zeros(n_par)
    c[0] = -sign
    bounds = [(-1.0, 1.0)] + [(None, None)] * (n_par - 1)
    res = linprog(
        c, A_ub=xz, b_ub=np.zeros(xz.shape[0]), A_eq=xp, b_eq=np.zeros(xp.shape[0]), bounds=bounds, method="highs"
    )
    return res.status == 0 and -res.fun > 1e-9


def nonexistence_diagnosis(design: Design, histories: np.ndarray) -> tuple[list[str], bool, bool]:
    """Which zero cells the likelihood drives to zero, and whether it can take the dark figure to
    infinity (intercept up) or to zero (intercept down) on the way.

    Solves max sum(s) s.t. X_P d = 0, X_Z d <= -s, 0 <= s <= 1 (the cells with s = 1 are those some
    improving direction empties), then max and min d_0 over improving directions.

    Parameters
    ----------
    design : Design
        A design whose MLE does not exist.
    histories : numpy.ndarray
        The table's capture histories.

    Returns
    -------
    tuple
        Emptied zero cells (as history strings), and whether the intercept can go up, and down.
    """
    X, positive = design.X, design.y > 0
    xp, xz = X[positive], X[~positive]
    n_par, n_zero = X.shape[1], xz.shape[0]
    if n_zero == 0:
        return [], False, False
    c = np.concatenate([np.zeros(n_par), -np.ones(n_zero)])
    a_ub = np.hstack([xz, np.eye(n_zero)])
    a_eq = np.hstack([xp, np.zeros((xp.shape[0], n_zero))])
    bounds = [(None, None)] * n_par + [(0, 1)] * n_zero
    res = linprog(
        c, A_ub=a_ub, b_ub=np.zeros(n_zero), A_eq=a_eq, b_eq=np.zeros(xp.shape[0]), bounds=bounds, method="highs"
    )
    zero_hist = histories[design.retained][~positive]
    emptied = (
        []
        if res.status != 0
        else ["".join(str(int(v)) for v in h) for h, s in zip(zero_hist, res.x[n_par:]) if s > 0.5]
    )
    return emptied, _intercept_can_move(xp, xz, 1.0), _intercept_can_move(xp, xz, -1.0)


def require_estimable(table: CaptureTable, pairs: Sequence[Pair]) -> ModelCheck:
    """The checks for a model, raising a clear error naming table and model when either fails.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    pairs : sequence of tuple of int
        The model's interactions (normalised).

    Returns
    -------
    ModelCheck
        Raises `EstimateDoesNotExistError` or `ModelNotIdentifiableError` (both `FitError`) naming table and model.
    """
    design = build_design(table, tuple(pairs))
    check = check_design(design)
    label = model_label(table, pairs)
    if not check.exists:
        emptied, to_infinity, to_zero = nonexistence_diagnosis(design, table.histories)
        why = (
            "the maximum-likelihood estimate does not exist (linear-programming check of Fienberg & Rinaldo "
            "as in SparseMSE's checkident): the likelihood keeps increasing while the expected counts of "
            f"the zero cell(s) {', '.join(emptied) or '?'} (histories over {', '.join(table.lists)}) go to zero"
        )
        if to_infinity:
            why += ", and it does so with the intercept, i.e. the dark figure, growing without bound"
        elif to_zero:
            why += ", and it does so with the intercept going to minus infinity, i.e. the dark figure shrinking to zero"
        else:
            why += "; the dark figure stays finite along these directions, but other parameters diverge"
        if not check.identifiable:
            why += f"; moreover the design is rank deficient by {check.rank_deficiency}"
        raise EstimateDoesNotExistError(table.name, label, why)
    if not check.identifiable:
        raise ModelNotIdentifiableError(
            table.name,
            label,
            f"the estimate is not identifiable: the design on the {design.X.shape[0]} cells in the fit has "
            f"{design.X.shape[1]} columns but rank {design.X.shape[1] - check.rank_deficiency}",
        )
    return check
