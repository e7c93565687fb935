"""Coverage of the MSE bootstrap interval (selection repeated in every replicate) on Finland-like simulated lists.

Each outer replicate simulates the `dark_figure` notebook's Finland scenario with a known total, runs the bootstrap on
it (an inner bootstrap in every replicate, which is why this is a benchmark, not part of the default calibration
study), and records whether the percentile and BCa 95% intervals cover the true total. Outer replicates are seeded
from SeedSequence(seed).spawn(n), so the result does not depend on how many workers run them.

    python benchmarks/mse_bootstrap_coverage.py [OUTER] [N_BOOT] [N_JOBS]    # default 200 outer, 199 inner, 2 jobs

Prints the coverage of each interval with its Monte Carlo standard error, and replicates per second.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
from joblib import Parallel, delayed

from trafficking_research.errors import FitError, SelectionError
from trafficking_research.stats.mse import bootstrap, simulate_table
from trafficking_research.stats.mse.simulate import FINLAND_DEPENDENCE, FINLAND_LISTS, FINLAND_PROBS

TRUTH = 2000
METHOD = "stepwise"


def one(seed: np.random.SeedSequence, n_boot: int) -> tuple[bool, bool] | None:
    """Whether the percentile and the BCa interval of one simulated table cover the truth (None: no estimate)."""
    outer, inner = seed.spawn(2)
    table = simulate_table(TRUTH, FINLAND_PROBS, FINLAND_DEPENDENCE, seed=outer, lists=FINLAND_LISTS)
    try:
        res = bootstrap(table, METHOD, n_boot=n_boot, seed=int(inner.generate_state(1)[0]), n_jobs=1)
    except (FitError, SelectionError):
        return None
    pct = res.percentile[0] <= TRUTH <= res.percentile[1]
    bca = res.bca[0] <= TRUTH <= res.bca[1] if all(math.isfinite(b) for b in res.bca) else False
    return pct, bca


def main(outer: int = 200, n_boot: int = 199, n_jobs: int = 2, seed: int = 2021) -> None:
    start = time.perf_counter()
    seeds = np.random.SeedSequence(seed).spawn(outer)
    results = Parallel(n_jobs=n_jobs)(delayed(one)(s, n_boot) for s in seeds)
    done = [r for r in results if r is not None]
    seconds = time.perf_counter() - start
    print(f"{len(done)} of {outer} simulated tables gave an estimate ({METHOD}, {n_boot} bootstrap replicates each)")
    for i, name in enumerate(("percentile", "BCa")):
        p = float(np.mean([r[i] for r in done]))
        se = math.sqrt(p * (1 - p) / len(done))
        print(f"  {name:10s} coverage of the 95% interval: {p:.3f} (Monte Carlo SE {se:.3f})")
    print(f"{outer * n_boot / seconds:.0f} inner replicates per second ({seconds:.0f} s)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
