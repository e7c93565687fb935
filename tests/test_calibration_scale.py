"""The calibration study scales out: the same table on one process, on joblib's worker processes and on a Dask
cluster (joblib's Dask backend), because replicates are drawn and fitted in fixed blocks with their own seeds."""

from __future__ import annotations

import joblib
import pandas as pd
from dask.distributed import Client, LocalCluster

from trafficking_research.stats import calibration

FAMILIES = ("trend", "share_trend")
REPLICATES = calibration.BLOCK + 50  # two blocks per scenario, the second one short


def test_dask_cluster_gives_the_same_study_as_local_processes() -> None:
    one = calibration.run_study(REPLICATES, seed=11, n_jobs=1, families=FAMILIES)
    local = calibration.run_study(REPLICATES, seed=11, n_jobs=2, families=FAMILIES)
    with (
        # workers as threads of this process, talking in-process: no ports or processes that the reliability tests,
        # which count and kill processes on the other pytest worker, could mistake or collide with
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        backend, _ = joblib.parallel.get_active_backend()
        on_cluster = calibration.run_study(REPLICATES, seed=11, n_jobs=2, families=FAMILIES)
    assert type(backend).__name__ == "DaskDistributedBackend"
    pd.testing.assert_frame_equal(local, one)
    pd.testing.assert_frame_equal(on_cluster, local)
    assert (local["replicates"] == REPLICATES).all()
