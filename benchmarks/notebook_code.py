"""Run every notebook's code in one plain Python process (no kernels) and print the CPU seconds each takes.

This is the budget figure "all notebooks' code in one process" (at most 20 CPU-s on a 2-core machine): the cells of
each committed notebook are executed in order in a fresh namespace, with the defaults of its parameters cell and its
outputs written to a temporary folder. Imports shared by all notebooks are paid once, before the clock starts per
notebook, and reported on their own line.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/notebook_code.py [NOTEBOOK ...] [--profile NOTEBOOK]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cells(name: str) -> list[str]:
    """The code cells of a committed notebook, the parameters cell first."""
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def run_notebook(name: str, output_dir: Path) -> None:
    """Execute a notebook's cells in one namespace, its output folder set after the parameters cell."""
    code = cells(name)
    namespace: dict = {"__name__": f"bench_{name}"}
    exec(compile(code[0], f"{name}:parameters", "exec"), namespace)
    namespace["output_dir"] = str(output_dir / name)
    for i, cell in enumerate(code[1:], start=2):
        exec(compile(cell, f"{name}:cell{i}", "exec"), namespace)


def main(argv: list[str] | None = None) -> int:
    from trafficking_research.pipeline.notebooks import notebook_names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--profile", help="print the cProfile of this notebook (top 25 by cumulative time)")
    args = parser.parse_args(argv)
    names = args.notebooks or notebook_names()
    start = time.process_time()
    import matplotlib

    matplotlib.use("Agg")
    import trafficking_research as tr  # noqa: F401
    from trafficking_research.analyses import growth  # noqa: F401  (pandas, scipy, statsmodels, matplotlib)
    from trafficking_research.reporting import display  # noqa: F401

    print(f"{'imports':<14}{time.process_time() - start:7.2f} CPU-s")
    total = time.process_time() - start
    with tempfile.TemporaryDirectory(prefix="tr-nbcode-") as tmp:
        for name in names:
            t0, w0 = time.process_time(), time.perf_counter()
            sink = io.StringIO()
            prof = cProfile.Profile() if name == args.profile else None
            with contextlib.redirect_stdout(sink):
                if prof:
                    prof.enable()
                run_notebook(name, Path(tmp))
                if prof:
                    prof.disable()
            cpu = time.process_time() - t0
            total += cpu
            print(f"{name:<14}{cpu:7.2f} CPU-s  {time.perf_counter() - w0:7.2f} s wall")
            if prof:
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    print(f"{'total':<14}{total:7.2f} CPU-s (budget 20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
