"""`reproduce`: execute notebooks with papermill in parallel, skip unchanged ones, and swap complete outputs into place."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NotebookExecutionError, OutputWriteError, ParameterError
from ..paths import resolve_data_dir
from . import cache
from .checks import check_tasks
from .hashing import data_digests, input_key, library_digest
from .kernels import init_worker
from .lock import output_lock
from .notebook_run import KEY_FILE, STAGING_DIR, describe, run_notebook, swap_in
from .notebooks import data_kind, notebook_names, notebook_path, resolve_parameters
from .processes import (
    signals_deferred,
    stop_processes,
)

CACHE_DIR = cache.CACHE_DIR
FAILED_DIR = "failed"


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


def _current_key(folder: Path) -> str | None:
    try:
        return json.loads((folder / KEY_FILE).read_text())["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store_in_cache(output: Path, folder: Path, key: str, log: Callable[[str], None]) -> None:
    """Keep a completed result in the cache; the cache only saves time, so a failure to write it is reported and the
    run goes on."""
    try:
        cache.store(output, folder, key)
    except OSError as exc:
        log(f"warning: could not keep {folder.name} in the cache ({describe(exc)}); the result itself is in place")


def reproduce(
    names: list[str] | None = None,
    given: dict[str, Any] | None = None,
    output: Path | str = "results",
    jobs: int | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
    progress: bool = False,
    wait: bool = True,
) -> RunReport:
    """Execute the named notebooks (all by default) into `output`; unchanged ones are skipped unless `force`.

    Parameters
    ----------
    names : list of str, optional
        Notebook names (default: all).
    given : dict, optional
        Parameter values by name (`NAME` or `NOTEBOOK.NAME`), as text or typed values.
    output : Path or str
        The output folder; created if its parent exists.
    jobs : int, optional
        Notebooks run at once (default: one per CPU).
    force : bool
        Re-run notebooks whose inputs are unchanged.
    log : callable
        Receives progress and status lines.
    progress : bool
        Show a progress bar on standard error instead of a line per notebook.
    wait : bool
        If another run holds the output folder, wait for it; if False, raise `OutputBusyError` at once.

    Returns
    -------
    RunReport
        What happened to each notebook.

    Raises
    ------
    ParameterError, DataValidationError
        Bad input, before anything in `output` changes.
    OutputBusyError
        `wait` is False and another run holds `output`.
    OutputWriteError
        Writing to `output` failed; results that were complete before stay in place.
    """
    names = list(names) if names else notebook_names()
    for name in names:
        notebook_path(name)
    params = resolve_parameters(names, dict(given or {}))
    check_data_dirs(params)
    output = check_output_dir(Path(output))
    with output_lock(output, wait=wait, log=log):
        return _reproduce_locked(names, params, output, jobs, force, log, progress)


def _reproduce_locked(
    names: list[str],
    params: dict[str, dict[str, Any]],
    output: Path,
    jobs: int | None,
    force: bool,
    log: Callable[[str], None],
    progress: bool,
) -> RunReport:
    """The run itself, while this process holds the output folder."""
    from .report import write_run_files

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
        task = {
            "notebook": name,
            "path": str(notebook_path(name)),
            "params": params[name],
            "key": key,
            "final": str(output / name),
        }
        entry = cache.entry_path(output, key)
        if not force and _current_key(output / name) == key:
            report.outcomes.append(Outcome(name, "cached"))
        elif not force and entry.is_dir():
            problem = cache.damage(entry)
            if problem is None:
                restores.append((name, key))
                continue
            log(f"{name}: cache entry {key[:12]} is damaged ({problem}); discarded, the notebook runs again")
            cache.discard(entry)
            tasks.append(task)
        else:
            tasks.append(task)
    validate_inputs(tasks)  # before anything in `output` changes
    staging = output / STAGING_DIR
    changed = False
    try:
        with signals_deferred():
            cache.sweep(output)
            shutil.rmtree(staging, ignore_errors=True)  # left by a killed run; never holds finished results
            staging.mkdir()
        for name, key in restores:
            stage = staging / f"{name}-{uuid.uuid4().hex}"
            cache.copy_out(cache.entry_path(output, key), stage)
            swap_in(stage, output / name)
            changed = True
            report.outcomes.append(Outcome(name, "restored"))
        for o in report.outcomes:
            log(f"{o.notebook}: unchanged inputs, {'kept' if o.status == 'cached' else 'restored from cache'}")
        for task in tasks:
            task["stage"] = str(staging / task["notebook"])
            Path(task["stage"]).mkdir()
        if tasks:
            _execute(tasks, output, report, jobs or os.cpu_count() or 1, log, progress)
        changed = changed or any(o.status == "executed" for o in report.outcomes)
        if any(o.status != "failed" for o in report.outcomes):  # a run that changed nothing rewrites nothing
            write_run_files(output, changed)
    except OSError as exc:
        raise OutputWriteError(
            f"writing to output folder '{output}' failed: {describe(exc)}. Notebook results that were complete "
            "stay in place; run again when the cause is fixed"
        ) from exc
    except KeyboardInterrupt:
        # results swapped in before the interruption are complete: make results.json and manifest.json describe them
        changed = changed or any(o.status == "executed" for o in report.outcomes)
        if changed:
            with signals_deferred():
                try:
                    write_run_files(output)
                except OSError:
                    pass
        raise
    finally:
        with signals_deferred():
            shutil.rmtree(staging, ignore_errors=True)
    return report


def _execute(
    tasks: list[dict[str, Any]], output: Path, report: RunReport, jobs: int, log: Callable[[str], None], progress: bool
) -> None:
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), desc="notebooks", unit="nb", file=sys.stderr)
    workers = max(1, min(jobs, len(tasks)))
    # Linux: fork explicitly (later Pythons default to forkserver), so that each worker is the command's own child,
    # which its parent-death signal and watchdog rely on; elsewhere the platform's default (spawn) is such a child too.
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init_worker, initargs=(os.getpid(),)
    )
    try:
        futures = {pool.submit(run_notebook, t): t for t in sorted(tasks, key=_expected_cost, reverse=True)}
        for done, future in enumerate(as_completed(futures), start=1):
            task = futures[future]
            name, stage = task["notebook"], Path(task["stage"])
            try:
                result = future.result()
            except BrokenProcessPool as exc:  # a worker killed from outside (out of memory, say)
                result = {
                    "ok": False,
                    "seconds": 0.0,
                    "message": f"because its worker process ended ({type(exc).__name__}: {exc})",
                }
            except Exception as exc:  # a worker that could not start its kernel
                result = {
                    "ok": False,
                    "seconds": 0.0,
                    "message": f"in start-up: the worker failed ({type(exc).__name__}: {exc})",
                }
            if result["ok"]:
                swap_in(stage, output / name)
                report.outcomes.append(Outcome(name, "executed", result["seconds"]))
                _store_in_cache(output, output / name, task["key"], log)
                line = f"[{done}/{len(tasks)}] {name}: executed in {result['seconds']:.1f} s"
            else:
                failed_dir = output / FAILED_DIR
                failed_dir.mkdir(exist_ok=True)
                partial = failed_dir / f"{name}.ipynb"
                if (stage / f"{name}.ipynb").exists():
                    shutil.move(str(stage / f"{name}.ipynb"), partial)
                msg = f"notebook '{name}' failed {result['message']}; partly executed notebook: {partial}"
                report.outcomes.append(Outcome(name, "failed", result["seconds"], msg))
                line = f"[{done}/{len(tasks)}] {name}: FAILED"
            if bar is not None:
                bar.set_postfix_str(name)
                bar.update()
            else:
                log(line)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or a write failed: end the workers, and with them their kernels, before the
        # caller removes the staging folder they write to. Waiting for running notebooks would take minutes.
        with signals_deferred():
            stop_processes(list((pool._processes or {}).values()))  # noqa: SLF001 (no public handle on the workers)
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        if bar is not None:
            bar.close()


def _expected_cost(task: dict[str, Any]) -> int:
    """Longest notebooks first balances the workers; size of the notebook's source is a fair proxy."""
    return Path(task["path"]).stat().st_size


def raise_for_failures(report: RunReport) -> None:
    """Raise one NotebookExecutionError listing every failed notebook."""
    if report.failed:
        raise NotebookExecutionError("\n".join(o.message for o in report.failed))
