"""Run the year_profile notebook for every year the data cover (one `reproduce -p year Y` each) and report, per year,
whether it ran and how many items it could profile, so that a year without data is seen to be reported, not to fail.

Run: .venv/bin/python benchmarks/year_profiles.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trafficking_research.data.observations import load_observations  # noqa: E402


def main() -> None:
    obs = load_observations()
    first, last = int(obs["period_start"].dt.year.min()), int(obs["period_end"].dt.year.max())
    cli = str(Path(sys.executable).parent / "trafficking-research")
    env = dict(os.environ, CI="true")
    with tempfile.TemporaryDirectory(prefix="tr-years-") as work:
        started = time.perf_counter()
        for year in range(first, last + 1):
            out = Path(work) / str(year)
            proc = subprocess.run([cli, "reproduce", "year_profile", "-p", "year", str(year), "--output", str(out)],
                                  capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                print(f"{year}: FAILED: {proc.stderr.strip().splitlines()[-1]}")
                continue
            values = json.loads((out / "results.json").read_text())["values"]
            items = [k for k in values if k != "year_profile.year"]
            print(f"{year}: ran, {len(items)} item(s) published"
                  + (f", e.g. victims admitted {values['year_profile.victims_admitted']['value']:g}"
                     if "year_profile.victims_admitted" in values else ""))
        print(f"{last - first + 1} years in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
