"""Benchmark: the full calibration study, replicates per second per interval family and the total run time.

Run with `.venv/bin/python benchmarks/calibration_study.py [n_replicates] [n_jobs]` (defaults 2000 replicates per
scenario, 2 worker processes); the target is the whole study within 60 s on 2 cores. The whole study runs first, in
one `run_study` call on `n_jobs` workers; then each family alone in this process (its own `run_study`, so it draws and
fits every series it needs: the families that share the trend family's series and fits pay for them here, where in
the whole study they are fitted once). Wall time depends on what else the machine runs, so the load average is
printed beside it. Writes nothing.
"""

from __future__ import annotations

import os
import sys
import time

from trafficking_research.stats import calibration
from trafficking_research.stats.calibration.joinpoint import JOINPOINT_BOOT


def main(n_replicates: int = 2000, n_jobs: int = 2) -> float:
    """Time the whole study, then each family; print replicates per second. Returns the whole study's wall time."""
    families = tuple(calibration.FAMILY_SPECS)
    total_reps = sum(n_replicates * len(calibration.FAMILY_SPECS[f][0]) for f in families)
    start, cpu = time.perf_counter(), time.process_time()
    calibration.run_study(n_replicates, 2021, n_jobs, families)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"whole study: {total_reps} replicates on {n_jobs} workers in {total:.1f} s = {total_reps / total:.0f} "
        f"replicates/s ({cpu:.1f} CPU-s in this process; 1-minute load average {load:.1f} on {os.cpu_count()} cores)"
    )
    for family, (scenarios, _, _) in calibration.FAMILY_SPECS.items():
        start, cpu = time.perf_counter(), time.process_time()
        table = calibration.run_study(n_replicates, 2021, 1, (family,))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        reps = n_replicates * len(scenarios)
        extra = f" (each with {JOINPOINT_BOOT} bootstrap series)" if family == "joinpoint_size" else ""
        print(
            f"{family:18s} {len(scenarios):2d} scenarios x {n_replicates} replicates{extra}, alone in one process: "
            f"{cpu:5.2f} CPU-s = {reps / max(elapsed, 1e-9):8.0f} replicates/s; coverage "
            f"{table['actual'].min():.3f}-{table['actual'].max():.3f}"
        )
    return total


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
