"""Benchmark: the full calibration study, replicates per second per interval family and the total run time.

Run with `.venv/bin/python benchmarks/calibration_study.py [n_replicates] [n_jobs]` (defaults 2000 replicates per
scenario, 2 worker processes); the target is the whole study within 60 s on 2 cores. Wall time depends on what else
the machine runs, so the load average is printed beside it. Writes nothing.
"""

from __future__ import annotations

import os
import sys
import time

from trafficking_research.stats import calibration
from trafficking_research.stats.calibration.joinpoint import JOINPOINT_BOOT


def main(n_replicates: int = 2000, n_jobs: int = 2) -> float:
    """Time each family and the whole study; print replicates per second. Returns the total wall time in seconds."""
    total_start = time.perf_counter()
    total_reps = 0
    for family, (scenarios, _, _) in calibration.FAMILY_SPECS.items():
        start = time.perf_counter()
        table = calibration.run_study(n_replicates, 2021, n_jobs, (family,))
        elapsed = time.perf_counter() - start
        reps = n_replicates * len(scenarios)
        total_reps += reps
        extra = f" (each with {JOINPOINT_BOOT} bootstrap series)" if family == "joinpoint_size" else ""
        print(
            f"{family:18s} {len(scenarios):2d} scenarios x {n_replicates} replicates{extra}: {elapsed:6.1f} s = "
            f"{reps / elapsed:8.0f} replicates/s; coverage {table['actual'].min():.3f}-{table['actual'].max():.3f}"
        )
    total = time.perf_counter() - total_start
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"whole study: {total_reps} replicates on {n_jobs} workers in {total:.1f} s = {total_reps / total:.0f} "
        f"replicates/s (1-minute load average {load:.1f} on {os.cpu_count()} cores)"
    )
    return total


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
