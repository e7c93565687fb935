"""Simulated list memberships for a population of known size, to set estimates against the truth.

Each of N cases gets a capture history drawn from a log-linear model of the full 2^k table,
P(h) proportional to exp(sum_i a_i h_i + sum_{i<j} g_ij h_i h_j), with g_ij >= 0 the log odds ratio
of pair (i, j) (positive dependence) and the a_i solved so that list i catches each case with the
given probability. With no dependence the lists are independent and main effects are the true model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from trafficking_research.data.capture_tables import CaptureTable, all_histories
from trafficking_research.errors import ParameterError

# The Finland-like scenario (hypothetical, not an estimate) of the dark-figure notebook and the calibration study: four
# lists with these capture probabilities, the Assistance System and the police dependent (odds ratio 3).
FINLAND_LISTS: tuple[str, ...] = ("assistance_system", "police", "victim_support", "ngos")
FINLAND_PROBS: tuple[float, ...] = (0.25, 0.12, 0.10, 0.15)
FINLAND_ODDS_RATIO: float = 3.0
FINLAND_DEPENDENCE: dict[tuple[int, int], float] = {(0, 1): math.log(FINLAND_ODDS_RATIO)}


def _full_histories(n_lists: int) -> np.ndarray:
    """All 2^k histories, the all-zero one first, then the order of `all_histories`."""
    return np.vstack([np.zeros((1, n_lists), dtype=np.int8), all_histories(n_lists)])


def history_probabilities(
    capture_probs: Sequence[float],
    dependence: Mapping[tuple[int, int], float] | None = None,
) -> np.ndarray:
    """Probabilities of all 2^k histories (all-zero first) with the given marginal capture probabilities.

    The main effects are found by Newton's method on the (convex) moment equations, so each list's
    marginal probability is met to 1e-12 whatever the pairwise log odds ratios.

    Parameters
    ----------
    capture_probs : sequence of float
        Each list's probability of catching a case, in (0, 1).
    dependence : Mapping, optional
        ``(i, j) -> log odds ratio >= 0`` of pairs of lists.

    Returns
    -------
    numpy.ndarray
        Probabilities of the 2^k histories, all-zero first.
    """
    p = np.asarray(capture_probs, dtype=float)
    k = len(p)
    if k < 2 or np.any((p <= 0) | (p >= 1)):
        raise ParameterError(f"capture probabilities must be at least two numbers in (0, 1), not {list(p)}")
    h = _full_histories(k).astype(float)
    gamma = np.zeros(len(h))
    for (i, j), g in (dependence or {}).items():
        if not (0 <= i < k and 0 <= j < k and i != j) or g < 0:
            raise ParameterError(f"dependence {(i, j)}: {g} needs two distinct lists of {k} and a log odds ratio >= 0")
        gamma += g * h[:, i] * h[:, j]
    alpha = np.log(p / (1 - p))
    for _ in range(200):
        w = np.exp(h @ alpha + gamma - np.max(h @ alpha + gamma))
        prob = w / w.sum()
        margin = h.T @ prob
        cov = (h * prob[:, None]).T @ h - np.outer(margin, margin)
        step = np.linalg.solve(cov, p - margin)
        alpha += step
        if np.max(np.abs(p - margin)) < 1e-13:
            break
    w = np.exp(h @ alpha + gamma - np.max(h @ alpha + gamma))
    return w / w.sum()


def simulate_table(
    n: int,
    capture_probs: Sequence[float],
    dependence: Mapping[tuple[int, int], float] | None = None,
    seed: int | np.random.SeedSequence | None = None,
    lists: Sequence[str] | None = None,
) -> CaptureTable:
    """Draw capture histories for n cases and return the observed table (the all-zero cell hidden).

    Seeded: the same seed gives the same table. The true total is n; the simulated dark figure is
    n minus the table's observed count.

    Parameters
    ----------
    n : int
        Population size (the true total).
    capture_probs : sequence of float
        Each list's capture probability.
    dependence : Mapping, optional
        Pairwise log odds ratios.
    seed : int or SeedSequence, optional
        Seed of the draw.
    lists : sequence of str, optional
        List names (default A, B, ...).

    Returns
    -------
    CaptureTable
    """
    if int(n) != n or n < 1:
        raise ParameterError(f"population size must be a positive integer, not {n}")
    prob = history_probabilities(capture_probs, dependence)
    k = len(capture_probs)
    names = tuple(lists) if lists is not None else tuple(chr(ord("A") + i) for i in range(k))
    if len(names) != k:
        raise ParameterError(f"{len(names)} list names for {k} lists")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(int(n), prob)
    return CaptureTable(f"simulated N={n} seed={seed}", names, all_histories(k), draws[1:].astype(np.int64))


def expected_dark_share(
    capture_probs: Sequence[float], dependence: Mapping[tuple[int, int], float] | None = None
) -> float:
    """Probability that a case is on no list.

    Parameters
    ----------
    capture_probs : sequence of float
        Each list's capture probability.
    dependence : Mapping, optional
        Pairwise log odds ratios.

    Returns
    -------
    float
    """
    return float(history_probabilities(capture_probs, dependence)[0])


__all__ = ["expected_dark_share", "history_probabilities", "simulate_table"]
