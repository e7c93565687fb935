"""One notebook of `reproduce`, run in a worker: executed by papermill in the worker's warm kernel into its staging
folder, its volatile parts stripped, its HTML report written; and the moves that put a finished folder in place."""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from ..paths import NOTEBOOK_DIR
from .kernels import ready_kernel
from .notebook_files import export_html, renumber, strip_volatile, write_notebook

KEY_FILE = "inputs.json"
STAGING_DIR = ".staging"


def run_notebook(task: dict[str, Any]) -> dict[str, Any]:
    """Worker: execute one notebook into its staging folder and write its HTML report; never raises."""
    import papermill as pm

    stage = Path(task["stage"])
    name = task["notebook"]
    out_nb = stage / f"{name}.ipynb"
    started = time.perf_counter()
    params = dict(task["params"], output_dir=str(stage))
    try:
        km = ready_kernel()
        pm.execute_notebook(
            task["path"],
            str(out_nb),
            parameters=params,
            kernel_name="python3",
            cwd=str(NOTEBOOK_DIR),
            progress_bar=False,
            log_output=False,
            km=km,
        )
    except OSError as exc:  # papermill writes the executed notebook as it goes: a full disk, say
        return {
            "ok": False,
            "seconds": time.perf_counter() - started,
            "message": f"while writing its executed notebook: {describe(exc)}",
        }
    except Exception as exc:  # papermill raises PapermillExecutionError for a failing cell
        cell = getattr(exc, "exec_count", None)
        index = getattr(exc, "cell_index", None)
        ename = getattr(exc, "ename", type(exc).__name__)
        evalue = getattr(exc, "evalue", str(exc))
        where = (
            f"cell {index}" + (f" (execution count {cell})" if cell is not None else "")
            if index is not None
            else "start-up"
        )
        return {"ok": False, "seconds": time.perf_counter() - started, "message": f"in {where}: {ename}: {evalue}"}
    try:
        nb = json.loads(out_nb.read_text(encoding="utf-8"))
        nb = renumber(strip_volatile(nb, replace={str(stage): task["final"]}))
        write_notebook(nb, out_nb)
        export_html(out_nb, stage / f"{name}.html")
        (stage / KEY_FILE).write_text(
            json.dumps({"key": task["key"], "parameters": task["params"]}, indent=2, sort_keys=True) + "\n"
        )
    except OSError as exc:  # a full disk, say: the notebook ran, its report could not be written
        return {
            "ok": False,
            "seconds": time.perf_counter() - started,
            "message": f"while writing its report: {describe(exc)}",
        }
    return {"ok": True, "seconds": time.perf_counter() - started, "message": ""}


def describe(exc: OSError) -> str:
    """An OSError in words: what failed, on which file (for copytree's collected errors, the first of them)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        errors = exc.args[0]
        why = str(errors[0][2])
        match = re.fullmatch(r"\[Errno \d+\] (.*?): '(.*)'", why)
        text = f"{match[1]} ('{match[2]}')" if match else why
        return text + (f" and {len(errors) - 1} more file(s)" if len(errors) > 1 else "")
    text = exc.strerror or str(exc)
    return f"{text} ('{exc.filename}')" if exc.filename else text


def swap_in(stage: Path, final: Path) -> None:
    """Replace `final` by `stage` so that a reader sees either the old folder or the new one, complete."""
    trash = final.parent / STAGING_DIR / f"old-{final.name}-{uuid.uuid4().hex}"
    if final.exists():
        final.rename(trash)
    try:
        stage.rename(final)
    except BaseException:
        if trash.exists() and not final.exists():
            trash.rename(final)  # put the earlier result back
        raise
    shutil.rmtree(trash, ignore_errors=True)
