"""Time `reproduce` cold (empty output folder) and warm (nothing changed) against running the same notebooks one
after another with the papermill command line, and print the times and ratios.

Run: .venv/bin/python benchmarks/reproduce_benchmark.py [--jobs N]
Targets on a 2-core machine: cold at most 0.5 x the baseline; warm under 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trafficking_research.pipeline.notebooks import notebook_names  # noqa: E402


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def identical_outputs(a: Path, b: Path) -> tuple[int, int]:
    """How many of the deterministic outputs (results.json, CSV, PNG, SVG, values.json) are byte-identical."""
    names = [
        p.relative_to(a)
        for p in sorted(a.rglob("*"))
        if p.is_file()
        and ".cache" not in p.parts
        and (p.suffix in (".csv", ".png", ".svg") or p.name in ("values.json", "results.json"))
    ]
    same = sum((b / rel).is_file() and (a / rel).read_bytes() == (b / rel).read_bytes() for rel in names)
    return same, len(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    env = dict(os.environ, CI="true", OMP_NUM_THREADS="1")
    names = notebook_names()
    work = Path(tempfile.mkdtemp(prefix="tr-bench-"))
    try:
        out = work / "results"
        cli = [str(bindir / "trafficking-research"), "reproduce", "--output", str(out), "--jobs", str(args.jobs)]
        cold = timed(cli, env)
        warm = timed(cli, env)
        again = work / "again"
        timed([str(bindir / "trafficking-research"), "reproduce", "--force", "--output", str(again)], env)
        identical, compared = identical_outputs(out, again)
        baseline = 0.0
        for name in names:
            target = work / "baseline" / name
            target.mkdir(parents=True)
            baseline += timed(
                [
                    str(bindir / "papermill"),
                    str(ROOT / "notebooks" / f"{name}.ipynb"),
                    str(target / f"{name}.ipynb"),
                    "-k",
                    "python3",
                    "--cwd",
                    str(ROOT / "notebooks"),
                    "-p",
                    "output_dir",
                    str(target),
                ],
                env,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"notebooks: {', '.join(names)} ({len(names)}), jobs: {args.jobs}, cores: {os.cpu_count()}")
    print(f"baseline (papermill CLI, one after another): {baseline:7.2f} s")
    print(
        f"reproduce cold (empty output and cache):      {cold:7.2f} s   ratio to baseline {cold / baseline:.2f} (target <= 0.50)"
    )
    print(f"reproduce warm (nothing changed):             {warm:7.2f} s   (target < 1 s)")
    print(
        f"byte-identity of two --force runs: {identical} of {compared} files identical "
        "(results.json, tables, figures, values)"
    )


if __name__ == "__main__":
    main()
