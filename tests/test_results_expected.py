"""A fresh run's results.json against the reference values under tests/expected/, each with its tolerance."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

EXPECTED = json.loads((Path(__file__).parent / "expected" / "results_expected.json").read_text())


def close(got: float, want: float, tol: dict) -> bool:
    return math.isclose(got, want, rel_tol=tol.get("rel", 0.0), abs_tol=tol.get("abs", 0.0))


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_value_matches_reference(key: str, fresh_run: Path) -> None:
    values = json.loads((fresh_run / "results.json").read_text())["values"]
    assert key in values, f"{key} missing from results.json"
    want, got = EXPECTED[key], values[key]
    assert close(got["value"], want["value"], want["tolerance"]), (key, got["value"], want["value"])
    if "ci" in want:
        assert "ci" in got, key
        for g, w in zip(got["ci"], want["ci"]):
            assert close(g, w, want.get("ci_tolerance", want["tolerance"])), (key, got["ci"], want["ci"])
