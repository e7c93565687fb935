"""Benchmark: bootstrap replicates per second for `stepwise` on the UK 2013 five-list table.

Run with `OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mse_bootstrap.py [n_boot] [n_jobs]`
(defaults 1000 replicates, 2 worker processes); the target is 1,000 replicates within 30 s on 2 cores.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from trafficking_research.data.capture_tables import SHARED_MSE_DIR, load_table  # noqa: E402
from trafficking_research.stats.mse import bootstrap  # noqa: E402


def main(n_boot: int = 1000, n_jobs: int = 2) -> float:
    """Time one bootstrap (replicates plus jackknife, worker start-up included) and print the rate."""
    table = load_table(SHARED_MSE_DIR / "uk_2013_5lists.csv")
    start = time.perf_counter()
    result = bootstrap(table, method="stepwise", n_boot=n_boot, n_jobs=n_jobs, seed=1)
    elapsed = time.perf_counter() - start
    rate = n_boot / elapsed
    print(
        f"uk_2013_5lists stepwise: {n_boot} replicates on {n_jobs} workers in {elapsed:.1f} s "
        f"= {rate:.1f} replicates/s; total {result.total:,.0f}, "
        f"percentile {result.percentile[0]:,.0f}-{result.percentile[1]:,.0f}, "
        f"BCa {result.bca[0]:,.0f}-{result.bca[1]:,.0f}, failed {result.n_failed}"
    )
    print(result.summary().drop(columns="description").to_string())
    return rate


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
