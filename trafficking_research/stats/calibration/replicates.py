"""Seeding of the calibration study: replicates are drawn and fitted in fixed blocks of `BLOCK`, and block b of
scenario s of study family f draws all its replicates, as arrays, from one generator,
SeedSequence(seed).spawn(...)[f].spawn(...)[s].spawn(...)[b] (built directly from the spawn key (f, s, b)). The blocks
do not depend on the number of joblib workers, so neither do the results; one generator per block rather than per
replicate lets every draw of a block be one numpy call.
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


def block_rng(seed: int, family: str, scenario: int, start: int) -> np.random.Generator:
    """The generator of the block of replicates that begins at `start` (a multiple of `BLOCK`) of one scenario.

    Parameters
    ----------
    seed : int
        Seed of the study.
    family : str
        Study family (one of `FAMILIES`).
    scenario : int
        Index of the scenario in its family.
    start : int
        First replicate of the block.

    Returns
    -------
    numpy.random.Generator
        The child of SeedSequence(seed) with spawn key (family, scenario, block).
    """
    if start % BLOCK:
        raise ValueError(f"a block starts at a multiple of {BLOCK}, not at {start}")
    f = FAMILIES.index(family)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(f, scenario, start // BLOCK)))


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
