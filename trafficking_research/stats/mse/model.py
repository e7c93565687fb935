"""Log-linear models of an incomplete 2^k table: main effects plus chosen two-list interactions.

Pairs of lists with no observed overlap are handled as in Chan, Silverman & Vincent (2021):
when such a pair's interaction is in the model its estimate is minus infinity, so the cells in
which both lists are 1 (all of count zero) are left out of the fit and the term has no column.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from trafficking_research.errors import SelectionError
from trafficking_research.data.capture_tables import CaptureTable

Pair = tuple[int, int]
PairSpec = Iterable[tuple[int | str, int | str] | str]


def all_pairs(n_lists: int) -> list[Pair]:
    """Every pair (i, j), i < j, in SparseMSE's order: (0,1), (0,2), ..., (1,2), ..."""
    return [(i, j) for i in range(n_lists) for j in range(i + 1, n_lists)]


def _list_index(table: CaptureTable, item: int | str) -> int:
    """The position of a list given by name or index."""
    if isinstance(item, (int, np.integer)) and 0 <= int(item) < table.n_lists:
        return int(item)
    if isinstance(item, str) and item in table.lists:
        return table.lists.index(item)
    raise SelectionError(f"table '{table.name}': no list {item!r} (lists are {', '.join(table.lists)})")


def normalize_pairs(table: CaptureTable, pairs: PairSpec | None) -> tuple[Pair, ...]:
    """Sorted index pairs from pairs given by index, by name, or as 'A:B' strings."""
    out: set[Pair] = set()
    for spec in pairs or ():
        parts = spec.split(":") if isinstance(spec, str) else list(spec)
        if len(parts) != 2:
            raise SelectionError(f"table '{table.name}': {spec!r} is not a pair of lists")
        i, j = (_list_index(table, p) for p in parts)
        if i == j:
            raise SelectionError(f"table '{table.name}': {spec!r} pairs a list with itself")
        out.add((min(i, j), max(i, j)))
    return tuple(sorted(out))


def model_label(table: CaptureTable, pairs: Sequence[Pair]) -> str:
    """A readable name of a model, e.g. 'main effects + LA:NG + NG:GP'."""
    terms = [f"{table.lists[i]}:{table.lists[j]}" for i, j in pairs]
    return " + ".join(["main effects", *terms])


@dataclass(frozen=True, eq=False)
class Design:
    """The Poisson regression that fits a model: design and counts on the cells that enter the fit."""

    X: np.ndarray
    y: np.ndarray
    retained: np.ndarray
    columns: tuple[str, ...]
    pairs: tuple[Pair, ...]
    empty_pairs: tuple[Pair, ...]

    @property
    def n_params(self) -> int:
        """Parameters of the model, counting those at minus infinity (one per empty pair)."""
        return self.X.shape[1] + len(self.empty_pairs)


def build_design(table: CaptureTable, pairs: Sequence[Pair]) -> Design:
    """Design matrix (intercept, main effects, non-empty interactions) on the cells that enter the fit."""
    h = table.histories.astype(float)
    retained = np.ones(len(h), dtype=bool)
    cols = [np.ones(len(h)), *(h[:, i] for i in range(table.n_lists))]
    names = ["(intercept)", *table.lists]
    empty: list[Pair] = []
    for i, j in pairs:
        both = h[:, i] * h[:, j]
        if table.overlap(i, j) == 0:
            empty.append((i, j))
            retained &= both == 0
        else:
            cols.append(both)
            names.append(f"{table.lists[i]}:{table.lists[j]}")
    X = np.column_stack(cols)[retained]
    y = table.counts[retained].astype(float)
    return Design(X, y, retained, tuple(names), tuple(pairs), tuple(empty))


@dataclass(eq=False)
class MSEFit:
    """A fitted model: the dark figure exp(intercept), the total, and the fit's likelihood criteria."""

    table: CaptureTable
    pairs: tuple[Pair, ...]
    design: Design
    result: Any
    method: str = "fixed"
    selection: list[dict[str, Any]] = field(default_factory=list)

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
        name = f"{self.table.lists[pair[0]]}:{self.table.lists[pair[1]]}"
        return float(self.result.pvalues[self.design.columns.index(name)])

    def summary(self) -> dict[str, Any]:
        """The fit in a few numbers, for tables and notes."""
        return {
            "table": self.table.name, "method": self.method, "model": self.label,
            "observed": self.table.n_observed, "dark": self.dark, "total": self.total,
            "loglik": self.loglik, "aic": self.aic, "bic": self.bic,
            "empty_pairs": [f"{self.table.lists[i]}:{self.table.lists[j]}" for i, j in self.empty_pairs],
        }


def glm_fit(design: Design, start: MSEFit | None = None) -> Any:
    """statsmodels' Poisson GLM fitted to a design (a saturated fit, exact and with no residual df, is not an error).

    `start`, a fit of a neighbouring model, gives starting values by column name (new columns at 0),
    which can save IRLS iterations.
    """
    params = None
    if start is not None:
        known = dict(zip(start.design.columns, np.asarray(start.result.params, dtype=float)))
        params = np.array([known.get(name, 0.0) for name in design.columns])
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        return GLM(design.y, design.X, family=Poisson()).fit(start_params=params)


def fit_model(
    table: CaptureTable, pairs: PairSpec | None = None, *, check: bool = True, method: str = "fixed",
    start: MSEFit | None = None,
) -> MSEFit:
    """Fit main effects plus the given two-list interactions by statsmodels' Poisson GLM.

    With check=True (the default) a model whose estimate does not exist, or is not identifiable,
    is refused with EstimateDoesNotExistError / ModelNotIdentifiableError rather than fitted.
    """
    from trafficking_research.stats.mse.existence import require_estimable

    norm = normalize_pairs(table, pairs)
    if check:
        require_estimable(table, norm)
    design = build_design(table, norm)
    return MSEFit(table, norm, design, glm_fit(design, start), method=method)
