"""The log-linear design of an incomplete 2^k table: pairs of lists, model names, and the Poisson regression a model
of main effects plus two-list interactions fits.

Pairs of lists with no observed overlap are handled as in Chan, Silverman & Vincent (2021): when such a pair's
interaction is in the model its estimate is minus infinity, so the cells in which both lists are 1 (all of count
zero) are left out of the fit and the term has no column. `model` (fitting) and `existence` (checks) both build on
this module, which imports neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ...data.capture_tables import CaptureTable
from ...errors import SelectionError

Pair = tuple[int, int]
PairSpec = Iterable[tuple[int | str, int | str] | str]


def all_pairs(n_lists: int) -> list[Pair]:
    """Every pair (i, j), i < j, in SparseMSE's order: (0,1), (0,2), ..., (1,2), ...

    Parameters
    ----------
    n_lists : int
        Number of lists.

    Returns
    -------
    list of tuple of int
    """
    return [(i, j) for i in range(n_lists) for j in range(i + 1, n_lists)]


def _list_index(table: CaptureTable, item: int | str) -> int:
    """The position of a list given by name or index."""
    if isinstance(item, (int, np.integer)) and 0 <= int(item) < table.n_lists:
        return int(item)
    if isinstance(item, str) and item in table.lists:
        return table.lists.index(item)
    raise SelectionError(f"table '{table.name}': no list {item!r} (lists are {', '.join(table.lists)})")


def normalize_pairs(table: CaptureTable, pairs: PairSpec | None) -> tuple[Pair, ...]:
    """Sorted index pairs from pairs given by index, by name, or as 'A:B' strings.

    Parameters
    ----------
    table : CaptureTable
        The table whose lists the pairs name.
    pairs : iterable or None
        Pairs as ``(i, j)``, ``("A", "B")`` or ``"A:B"``.

    Returns
    -------
    tuple of tuple of int
        Sorted pairs ``(i, j)`` with ``i < j``.
    """
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


def pair_name(table: CaptureTable, pair: Pair) -> str:
    """'A:B' for a pair of list indices.

    Parameters
    ----------
    table : CaptureTable
        The table whose lists the pair indexes.
    pair : tuple of int
        The pair.

    Returns
    -------
    str
    """
    return f"{table.lists[pair[0]]}:{table.lists[pair[1]]}"


def model_label(table: CaptureTable, pairs: Sequence[Pair]) -> str:
    """A readable name of a model, e.g. 'main effects + LA:NG + NG:GP'.

    Parameters
    ----------
    table : CaptureTable
        The table whose lists the pairs index.
    pairs : sequence of tuple of int
        The model's interactions.

    Returns
    -------
    str
    """
    return " + ".join(["main effects", *(pair_name(table, p) for p in pairs)])


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
    """Design matrix (intercept, main effects, non-empty interactions) on the cells that enter the fit.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    pairs : sequence of tuple of int
        The model's interactions (normalised index pairs).

    Returns
    -------
    Design
    """
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
