"""Profile every year the data cover and report, per year, how many items could be profiled and what is missing, so
that a year without data is seen to be reported, not to fail.

By default each year is one call of `year_profile.run` in this process (seconds for all years). With `--notebook`
each year is one `reproduce year_profile -p year Y` instead (the notebook as the pipeline runs it; minutes).

Run: .venv/bin/python benchmarks/year_profiles.py [--notebook]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafficking_research as tr  # noqa: E402
from trafficking_research.analyses import year_profile  # noqa: E402


def with_run(obs, years: range) -> None:
    """One `year_profile.run` per year."""
    for year in years:
        started = time.perf_counter()
        analysis = year_profile.run(obs, year=year)
        items = {e.name: e.value for e in analysis.estimates if e.name != "year"}
        missing = int(analysis.tables["profile"]["value"].isna().sum())
        print(
            f"{year}: ran in {time.perf_counter() - started:.2f} s, {len(items)} item(s) published, "
            f"{missing} missing, {len(analysis.figures)} figure(s)"
            + (f", e.g. victims admitted {items['victims_admitted']:g}" if "victims_admitted" in items else "")
        )


def with_notebook(years: range) -> None:
    """One `reproduce year_profile -p year Y` per year, in a new process each."""
    env = dict(os.environ, CI="true", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory(prefix="tr-years-") as work:
        for year in years:
            out = Path(work) / str(year)
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "trafficking_research",
                    "reproduce",
                    "year_profile",
                    "-p",
                    "year",
                    str(year),
                    "--output",
                    str(out),
                ],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if proc.returncode != 0:
                print(f"{year}: FAILED: {proc.stderr.strip().splitlines()[-1]}")
                continue
            values = json.loads((out / "results.json").read_text())["values"]
            items = [k for k in values if k != "year_profile.year"]
            print(
                f"{year}: ran, {len(items)} item(s) published"
                + (
                    f", e.g. victims admitted {values['year_profile.victims_admitted']['value']:g}"
                    if "year_profile.victims_admitted" in values
                    else ""
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", action="store_true", help="run the notebook through reproduce for each year")
    args = parser.parse_args()
    obs = tr.load_observations()
    years = range(int(obs["period_start"].dt.year.min()), int(obs["period_end"].dt.year.max()) + 1)
    started = time.perf_counter()
    if args.notebook:
        with_notebook(years)
    else:
        with_run(obs, years)
    print(f"{len(years)} years in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
