"""Regenerate tests/expected/results_expected.json by calculations independent of the package.

Run: python tests/expected/generate_expected.py. Each value is computed here from data/observations.csv with the
standard library, numpy and scipy only (no trafficking_research, no statsmodels), and stored with its tolerance;
tests/test_results_expected.py compares a fresh `reproduce` run with it.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "data"
KEY = ("period_start", "period_end", "measure", "client_type", "place", "form", "sex", "age", "unit")


def read_rows() -> list[dict[str, str]]:
    with open(DATA / "observations.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def data_audit(rows: list[dict[str, str]]) -> dict[str, dict]:
    groups = defaultdict(set)
    for r in rows:
        groups[tuple(r[k] for k in KEY)].add(float(r["value"]))
    years = [int(r["period_end"][:4]) for r in rows]
    exact = {"abs": 0}
    return {
        "data_audit.rows": {"value": len(rows), "tolerance": exact},
        "data_audit.preferred_rows": {"value": sum(r["status"] == "preferred" for r in rows), "tolerance": exact},
        "data_audit.sources": {"value": len({r["source_id"] for r in rows}), "tolerance": exact},
        "data_audit.first_year": {"value": min(years), "tolerance": exact},
        "data_audit.last_year": {"value": max(years), "tolerance": exact},
        "data_audit.conflicts": {"value": sum(len(v) > 1 for v in groups.values()), "tolerance": exact},
        "data_audit.identities_failed": {"value": 0, "tolerance": exact},
    }


def main() -> None:
    rows = read_rows()
    expected = {}
    expected.update(data_audit(rows))
    try:
        from generate_growth import growth_expected  # noqa: PLC0415 (beside this file)
    except ImportError:
        growth_expected = None
    if growth_expected is not None:
        expected.update(growth_expected(rows))
        from generate_harmonised import harmonised_expected  # noqa: PLC0415 (beside this file)

        expected.update(harmonised_expected(rows))
    from generate_profiles import profiles_expected  # noqa: PLC0415 (beside this file)

    expected.update(profiles_expected(rows))
    from generate_dark_figure import dark_figure_expected  # noqa: PLC0415 (beside this file)

    expected.update(dark_figure_expected())
    from generate_context import context_expected  # noqa: PLC0415 (beside this file)

    expected.update(context_expected())
    from generate_recent import recent_expected  # noqa: PLC0415 (beside this file)

    expected.update(recent_expected(rows))
    out = HERE / "results_expected.json"
    out.write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(expected)} expected values to {out}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parents[1]))
    main()
