"""Fitted log-linear models of an incomplete 2^k table: main effects plus chosen two-list interactions.

The design (which cells enter the fit, which columns a model has) is `design`; the existence and identifiability
checks are `existence`; this module fits a model with statsmodels' Poisson GLM and holds the frozen result.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from ...data.capture_tables import CaptureTable
from ..result import Estimate, Result
from .design import Design, Pair, PairSpec, build_design, model_label, normalize_pairs, pair_name
from .existence import require_estimable


@dataclass(frozen=True, eq=False)
class MSEFit(Result):
    """A fitted model, frozen: the dark figure exp(intercept), the total, and the fit's likelihood criteria.

    Attributes
    ----------
    table : CaptureTable
        The table fitted.
    pairs : tuple of tuple of int
        The model's two-list interactions.
    design : Design
        The Poisson regression fitted (cells in the fit, columns).
    result : statsmodels GLMResults
        The GLM fit.
    method : str
        How the model was chosen (``fixed`` for a model given by hand, else a selection method).
    selection : tuple of dict
        The selection's steps (or the best models of a search), for a reader to follow the choice.
    """

    table: CaptureTable
    pairs: tuple[Pair, ...]
    design: Design
    result: Any
    method: str = "fixed"
    selection: tuple[Mapping[str, Any], ...] = ()

    @property
    def label(self) -> str:
        """The model's readable name."""
        return model_label(self.table, self.pairs)

    @property
    def empty_pairs(self) -> tuple[Pair, ...]:
        """Pairs in the model whose interaction is at minus infinity (no observed overlap)."""
        return self.design.empty_pairs

    @property
    def dark(self) -> float:
        """Estimated number of cases on no list: exp(intercept)."""
        return float(np.exp(self.result.params[0]))

    @property
    def total(self) -> float:
        """Estimated total: observed cases plus the dark figure."""
        return self.table.n_observed + self.dark

    @property
    def loglik(self) -> float:
        """Maximised Poisson log-likelihood over the cells in the fit."""
        return float(self.result.llf)

    @property
    def n_params(self) -> int:
        """Number of parameters, counting those at minus infinity."""
        return self.design.n_params

    @property
    def aic(self) -> float:
        """AIC with every parameter counted, as SparseMSE does (2 more per empty pair than glm's)."""
        return -2 * self.loglik + 2 * self.n_params

    @property
    def bic(self) -> float:
        """BIC with log(number observed) per parameter, every parameter counted."""
        return -2 * self.loglik + np.log(self.table.n_observed) * self.n_params

    @property
    def fitted(self) -> np.ndarray:
        """Expected counts of every non-empty history (zero where a minus-infinity term rules them out)."""
        out = np.zeros(len(self.table.counts))
        out[self.design.retained] = self.result.fittedvalues
        return out

    def term_pvalue(self, pair: Pair) -> float:
        """Wald p-value of a pair's interaction; 1 for a term at minus infinity (the Wald z tends to 0)."""
        if pair in self.design.empty_pairs:
            return 1.0
        return float(self.result.pvalues[self.design.columns.index(pair_name(self.table, pair))])

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """Cases observed, the dark figure and the total (point estimates; intervals are `profile_interval` and
        `bootstrap`), with the model's AIC and BIC beside the total."""
        model = f"{self.method} model {self.label}"
        return (
            Estimate("observed", self.table.n_observed, "persons", f"{self.table.name}: cases on at least one list"),
            Estimate(
                "dark",
                self.dark,
                "persons",
                f"{self.table.name}: cases on no list (the dark figure), exp(intercept) of the {model}",
            ),
            Estimate(
                "total",
                self.total,
                "persons",
                f"{self.table.name}: estimated total, observed plus dark figure, {model}",
                extra={"loglik": self.loglik, "aic": self.aic, "bic": self.bic},
            ),
        )


def glm_fit(design: Design, start: MSEFit | None = None) -> Any:
    """statsmodels' Poisson GLM fitted to a design (a saturated fit, exact and with no residual df, is not an error).

    Parameters
    ----------
    design : Design
        The regression to fit.
    start : MSEFit, optional
        A fit of a neighbouring model: starting values by column name (new columns at 0), which can save IRLS
        iterations.

    Returns
    -------
    statsmodels GLMResults
    """
    params = None
    if start is not None:
        known = dict(zip(start.design.columns, np.asarray(start.result.params, dtype=float)))
        params = np.array([known.get(name, 0.0) for name in design.columns])
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        return GLM(design.y, design.X, family=Poisson()).fit(start_params=params)


def fit_model(
    table: CaptureTable,
    pairs: PairSpec | None = None,
    *,
    check: bool = True,
    method: str = "fixed",
    start: MSEFit | None = None,
    selection: Sequence[Mapping[str, Any]] = (),
) -> MSEFit:
    """Fit main effects plus the given two-list interactions by statsmodels' Poisson GLM.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    pairs : iterable, optional
        Interactions as ``(i, j)``, ``("A", "B")`` or ``"A:B"``.
    check : bool
        Refuse a model whose estimate does not exist (`EstimateDoesNotExistError`) or is not identifiable
        (`ModelNotIdentifiableError`), both `FitError`s, rather than fit it.
    method : str
        How the model was chosen, kept in the result.
    start : MSEFit, optional
        A neighbouring fit whose coefficients start the IRLS.
    selection : sequence of dict
        The steps of the selection that chose the model, kept in the result.

    Returns
    -------
    MSEFit
    """
    norm = normalize_pairs(table, pairs)
    if check:
        require_estimable(table, norm)
    design = build_design(table, norm)
    return MSEFit(table, norm, design, glm_fit(design, start), method=method, selection=tuple(selection))
