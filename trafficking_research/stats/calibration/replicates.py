"""Seeding of the calibration study: replicate i of scenario s of study family f draws from its own generator,
SeedSequence(seed).spawn(...)[f].spawn(...)[s].spawn(R)[i] (built directly from the spawn key (f, s, i)), and
replicates are fitted in fixed blocks of `BLOCK`, so the results are the same for any number of joblib workers.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1000
FAMILIES = (
    "trend",
    "forecast",
    "joinpoint_slopes",
    "joinpoint_size",
    "share",
    "share_difference",
    "share_trend",
    "mse",
)


def replicate_rngs(seed: int, family: str, scenario: int, start: int, stop: int) -> list[np.random.Generator]:
    """Generators of replicates start..stop-1 of one scenario: the children SeedSequence(seed).spawn gives."""
    f = FAMILIES.index(family)
    return [np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(f, scenario, i))) for i in range(start, stop)]


def blocks(n_replicates: int) -> list[tuple[int, int]]:
    """The fixed blocks (start, stop) of `BLOCK` replicates that `n_replicates` are fitted in.

    Parameters
    ----------
    n_replicates : int
        Replicates per scenario.

    Returns
    -------
    list of tuple of int
    """
    return [(s, min(s + BLOCK, n_replicates)) for s in range(0, n_replicates, BLOCK)]
