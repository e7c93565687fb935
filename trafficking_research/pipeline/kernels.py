"""The warm kernels of `reproduce`'s worker processes: one per worker, started once with the heavy modules imported,
reset to a clean namespace between notebooks, and killed with the worker."""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any

from ..paths import NOTEBOOK_DIR
from .processes import child_pids, kill_process_group, set_parent_death_signal, watch_parent

#: The environment of every kernel: one thread per library (the workers are the parallelism), fixed hash seed.
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}

# One warm kernel per worker process: started once with the heavy modules imported, reset between notebooks. Only
# modules most notebooks use: statsmodels' parts the package uses, not statsmodels.api (1 s), and not seaborn (0.9 s),
# which only the data audit imports.
WARM_UP = """
import numpy, pandas, scipy.stats, statsmodels.stats.proportion, statsmodels.genmod.generalized_linear_model
import matplotlib.pyplot
from IPython.display import display
import trafficking_research.data.observations, trafficking_research.data.series, trafficking_research.reporting.results
import trafficking_research.reporting.figures, trafficking_research.stats.trends, trafficking_research.analyses.growth
import trafficking_research.analyses.profiles, trafficking_research.analyses.data_audit
"""
# Between notebooks: a clean namespace, no open figures, pandas' display options as a fresh kernel has them
# (a notebook may set them, and the next one must not inherit that).
RESET = """
get_ipython().run_line_magic("reset", "-f")
import warnings as _w, matplotlib.pyplot as _p, pandas as _pd
_p.close("all")
with _w.catch_warnings():
    _w.simplefilter("ignore")
    _pd.reset_option("all")
del _w, _p, _pd
"""
_KERNEL: dict[str, Any] = {}


def _start_kernel() -> None:
    """Start this worker's kernel in the notebooks' folder and import the heavy modules in it."""
    from multiprocessing import util

    from jupyter_client import KernelManager

    os.environ.update(KERNEL_ENV)
    km = KernelManager(kernel_name="python3")
    # the kernel's own log (a warning about unencrypted local TCP at every start) is not the notebook's output,
    # which arrives through the kernel's messages; a kernel that dies is reported by the failing notebook
    env = {
        k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")
    }  # table widths must not follow a terminal
    km.start_kernel(cwd=str(NOTEBOOK_DIR), env=env, stderr=subprocess.DEVNULL)
    _KERNEL["pid"] = km.provisioner.pid  # its own session: the process group to kill if the worker must end
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    kc.execute(WARM_UP, silent=True)  # runs while the worker goes on; the first reset waits for it
    _KERNEL.update(km=km, kc=kc)
    util.Finalize(None, _stop_kernel, exitpriority=10)


def _stop_kernel() -> None:
    _KERNEL.pop("pid", None)
    if "km" in _KERNEL:
        _KERNEL["kc"].stop_channels()
        _KERNEL["km"].shutdown_kernel(now=True)
        _KERNEL.clear()


def _end_worker(*_: Any) -> None:
    """Kill this worker's kernel and exit at once: on SIGTERM, or when the command is gone. A kernel still starting
    is not yet recorded, so every child of the worker is killed (its kernel is its only child)."""
    pids = set(child_pids())
    if _KERNEL.get("pid"):
        pids.add(_KERNEL["pid"])
    for pid in pids:
        kill_process_group(pid)
    os._exit(128 + signal.SIGTERM)


def init_worker(parent_pid: int) -> None:
    """Pool initializer: tie the worker's life to the command's, start the warm kernel, then import papermill and
    nbconvert while the kernel imports."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the command decides
    signal.signal(signal.SIGTERM, _end_worker)
    set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent_pid:  # the command died before the death signal was set
        os._exit(1)
    watch_parent(parent_pid, _end_worker)
    _start_kernel()
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def ready_kernel() -> Any:
    """This worker's kernel, reset to a clean namespace (restarted if it died)."""
    if not _KERNEL["km"].is_alive():
        _stop_kernel()
        _start_kernel()
    km = _KERNEL["km"]
    kc = km.client()  # a new client each time: one left over from an earlier run stops receiving replies
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        reply = kc.execute_interactive(RESET, silent=True, store_history=False, timeout=120)
    finally:
        kc.stop_channels()
    if reply["content"]["status"] != "ok":
        raise RuntimeError("could not reset the worker's kernel")
    return km
