"""`reproduce`: execute notebooks with papermill in parallel, skip unchanged ones, and swap complete outputs into place."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import NotebookExecutionError, ParameterError
from ..paths import NOTEBOOK_DIR, resolve_data_dir
from .checks import check_tasks
from .hashing import data_digests, input_key, library_digest
from .notebook_files import export_html, strip_volatile, write_notebook
from .notebooks import data_kind, notebook_names, notebook_path, resolve_parameters

KEY_FILE = "inputs.json"
CACHE_DIR = ".cache"
STAGING_DIR = ".staging"
FAILED_DIR = "failed"
CACHE_KEEP = 50
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


@dataclass
class Outcome:
    """What happened to one notebook in a run."""

    notebook: str
    status: str  # executed, cached, restored, failed
    seconds: float = 0.0
    message: str = ""


@dataclass
class RunReport:
    """All outcomes of a `reproduce` call."""

    output: Path
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def check_output_dir(output: Path) -> Path:
    """Create the output folder if its parent exists; refuse a missing parent or an unwritable folder."""
    output = output.expanduser().resolve()
    if output.exists() and not output.is_dir():
        raise ParameterError(f"output '{output}' exists and is not a directory")
    if not output.exists():
        if not output.parent.is_dir():
            raise ParameterError(f"output directory '{output}': parent folder '{output.parent}' does not exist")
        try:
            output.mkdir()
        except OSError as exc:
            raise ParameterError(f"output directory '{output}' cannot be created: {exc.strerror}") from None
    probe = output / f".write-test-{uuid.uuid4().hex}"
    try:
        probe.write_text("")
        probe.unlink()
    except OSError:
        raise ParameterError(f"output directory '{output}' is not writable") from None
    return output


def check_data_dirs(params: dict[str, dict[str, Any]]) -> None:
    """Refuse a data_dir parameter that names no folder, before any work starts."""
    for nb, values in params.items():
        if "data_dir" in values:
            folder = resolve_data_dir(values["data_dir"])
            if not folder.is_dir():
                raise ParameterError(f"parameter 'data_dir' of notebook '{nb}': directory '{folder}' does not exist")


def validate_inputs(tasks: list[dict[str, Any]]) -> None:
    """Validate each data folder the notebooks about to run will read, once, so bad data fails before any kernel
    starts (the notebooks validate again when they load)."""
    seen: set[tuple[str, str]] = set()
    for task in tasks:
        if "data_dir" not in task["params"]:
            continue
        kind = data_kind(task["notebook"])
        folder = resolve_data_dir(task["params"]["data_dir"])
        if (kind, str(folder)) in seen:
            continue
        seen.add((kind, str(folder)))
        if kind == "mse_tables":
            if task["params"]["data_dir"] == "":
                continue  # the default run simulates its tables
            from ..data.capture_tables import load_tables

            load_tables(folder)
        else:
            from ..data.observations import load_data

            load_data(folder)
    check_tasks(tasks)  # every rule the notebooks check on their parameters, before any kernel starts


# One warm kernel per worker process: started once with the heavy modules imported, reset between notebooks.
WARM_UP = """
import numpy, pandas, scipy.stats, statsmodels.api, matplotlib.pyplot, seaborn
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
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}  # table widths must not follow a terminal
    km.start_kernel(cwd=str(NOTEBOOK_DIR), env=env, stderr=subprocess.DEVNULL)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    kc.execute(WARM_UP, silent=True)  # runs while the worker goes on; the first reset waits for it
    _KERNEL.update(km=km, kc=kc)
    util.Finalize(None, _stop_kernel, exitpriority=10)


def _stop_kernel() -> None:
    if "km" in _KERNEL:
        _KERNEL["kc"].stop_channels()
        _KERNEL["km"].shutdown_kernel(now=True)
        _KERNEL.clear()


def _init_worker() -> None:
    """Pool initializer: start the warm kernel, then import papermill and nbconvert while the kernel imports."""
    _start_kernel()
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def _ready_kernel() -> Any:
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


def renumber(nb: dict[str, Any]) -> dict[str, Any]:
    """Execution counts 1, 2, ... in cell order, as a fresh kernel gives them (a reused kernel counts on)."""
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or cell.get("execution_count") is None:
            continue
        count += 1
        cell["execution_count"] = count
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = count
    return nb


def _run_notebook(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: execute one notebook into its staging folder and write its HTML report; never raises."""
    import papermill as pm

    stage = Path(task["stage"])
    name = task["notebook"]
    out_nb = stage / f"{name}.ipynb"
    started = time.perf_counter()
    params = dict(task["params"], output_dir=str(stage))
    try:
        km = _ready_kernel()
        pm.execute_notebook(
            task["path"], str(out_nb), parameters=params, kernel_name="python3",
            cwd=str(NOTEBOOK_DIR), progress_bar=False, log_output=False, km=km,
        )
    except Exception as exc:  # papermill raises PapermillExecutionError for a failing cell
        cell = getattr(exc, "exec_count", None)
        index = getattr(exc, "cell_index", None)
        ename = getattr(exc, "ename", type(exc).__name__)
        evalue = getattr(exc, "evalue", str(exc))
        where = f"cell {index}" + (f" (execution count {cell})" if cell is not None else "") if index is not None else "start-up"
        return {"ok": False, "seconds": time.perf_counter() - started, "message": f"{where}: {ename}: {evalue}"}
    nb = json.loads(out_nb.read_text(encoding="utf-8"))
    nb = renumber(strip_volatile(nb, replace={str(stage): task["final"]}))
    write_notebook(nb, out_nb)
    export_html(out_nb, stage / f"{name}.html")
    (stage / KEY_FILE).write_text(
        json.dumps({"key": task["key"], "parameters": task["params"]}, indent=2, sort_keys=True) + "\n"
    )
    return {"ok": True, "seconds": time.perf_counter() - started, "message": ""}


def _swap_in(stage: Path, final: Path) -> None:
    """Replace `final` by `stage` so that a reader sees either the old folder or the new one, complete."""
    trash = final.parent / STAGING_DIR / f"old-{final.name}-{uuid.uuid4().hex}"
    if final.exists():
        final.rename(trash)
    stage.rename(final)
    shutil.rmtree(trash, ignore_errors=True)


def _current_key(folder: Path) -> str | None:
    try:
        return json.loads((folder / KEY_FILE).read_text())["key"]
    except (OSError, ValueError, KeyError):
        return None


def _store_in_cache(output: Path, folder: Path, key: str) -> None:
    cache = output / CACHE_DIR
    cache.mkdir(exist_ok=True)
    target = cache / key
    if not target.exists():
        tmp = cache / f".tmp-{uuid.uuid4().hex}"
        shutil.copytree(folder, tmp)
        tmp.rename(target)
    entries = sorted((p for p in cache.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in entries[:-CACHE_KEEP]:
        shutil.rmtree(old, ignore_errors=True)


def _restore_from_cache(output: Path, name: str, key: str) -> bool:
    cached = output / CACHE_DIR / key
    if not cached.is_dir():
        return False
    stage = output / STAGING_DIR / f"{name}-{uuid.uuid4().hex}"
    shutil.copytree(cached, stage)
    _swap_in(stage, output / name)
    os.utime(cached)
    return True


def reproduce(
    names: list[str] | None = None,
    given: dict[str, Any] | None = None,
    output: Path | str = "results",
    jobs: int | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
    progress: bool = False,
) -> RunReport:
    """Execute the named notebooks (all by default) into `output`; unchanged ones are skipped unless `force`."""
    from .report import write_run_files

    names = list(names) if names else notebook_names()
    for name in names:
        notebook_path(name)
    params = resolve_parameters(names, dict(given or {}))
    check_data_dirs(params)
    output = check_output_dir(Path(output))
    report = RunReport(output)
    library = library_digest()
    tasks, restores = [], []
    digests: dict[str, dict[str, str]] = {}  # per data folder, hashed once however many notebooks read it
    for name in names:
        data: dict[str, str] = {}
        if "data_dir" in params[name]:
            folder = str(resolve_data_dir(params[name]["data_dir"]))
            if folder not in digests:
                digests[folder] = data_digests(folder)
            data = digests[folder]
        key = input_key(notebook_path(name), params[name], library, data)
        if not force and _current_key(output / name) == key:
            report.outcomes.append(Outcome(name, "cached"))
        elif not force and (output / CACHE_DIR / key).is_dir():
            restores.append((name, key))
        else:
            tasks.append({"notebook": name, "path": str(notebook_path(name)), "params": params[name], "key": key,
                          "final": str(output / name)})
    validate_inputs(tasks)  # before anything in `output` changes
    staging = output / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)  # left over by an interrupted run; never holds finished results
    staging.mkdir()
    try:
        for name, key in restores:
            _restore_from_cache(output, name, key)
            report.outcomes.append(Outcome(name, "restored"))
        for o in report.outcomes:
            log(f"{o.notebook}: unchanged inputs, {'kept' if o.status == 'cached' else 'restored from cache'}")
        for task in tasks:
            task["stage"] = str(staging / task["notebook"])
            Path(task["stage"]).mkdir()
        if tasks:
            _execute(tasks, output, report, jobs or os.cpu_count() or 1, log, progress)
        if any(o.status != "failed" for o in report.outcomes):  # a run that changed nothing rewrites nothing
            write_run_files(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _execute(tasks: list[dict[str, Any]], output: Path, report: RunReport, jobs: int, log: Callable[[str], None],
             progress: bool) -> None:
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), desc="notebooks", unit="nb", file=sys.stderr)
    workers = max(1, min(jobs, len(tasks)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
        futures = {pool.submit(_run_notebook, t): t for t in sorted(tasks, key=_expected_cost, reverse=True)}
        for done, future in enumerate(as_completed(futures), start=1):
            task = futures[future]
            name, stage = task["notebook"], Path(task["stage"])
            try:
                result = future.result()
            except Exception as exc:  # a worker that died or could not start its kernel
                result = {"ok": False, "seconds": 0.0, "message": f"start-up: the worker failed ({type(exc).__name__}: {exc})"}
            if result["ok"]:
                _swap_in(stage, output / name)
                _store_in_cache(output, output / name, task["key"])
                report.outcomes.append(Outcome(name, "executed", result["seconds"]))
                line = f"[{done}/{len(tasks)}] {name}: executed in {result['seconds']:.1f} s"
            else:
                failed_dir = output / FAILED_DIR
                failed_dir.mkdir(exist_ok=True)
                partial = failed_dir / f"{name}.ipynb"
                if (stage / f"{name}.ipynb").exists():
                    shutil.move(str(stage / f"{name}.ipynb"), partial)
                msg = f"notebook '{name}' failed in {result['message']}; partly executed notebook: {partial}"
                report.outcomes.append(Outcome(name, "failed", result["seconds"], msg))
                line = f"[{done}/{len(tasks)}] {name}: FAILED"
            if bar is not None:
                bar.set_postfix_str(name)
                bar.update()
            else:
                log(line)
    if bar is not None:
        bar.close()


def _expected_cost(task: dict[str, Any]) -> int:
    """Longest notebooks first balances the workers; size of the notebook's source is a fair proxy."""
    return Path(task["path"]).stat().st_size


def raise_for_failures(report: RunReport) -> None:
    """Raise one NotebookExecutionError listing every failed notebook."""
    if report.failed:
        raise NotebookExecutionError("\n".join(o.message for o in report.failed))
