"""Two `reproduce --force` runs into different folders write byte-identical values, tables and figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trafficking_research.pipeline.runner import raise_for_failures, reproduce

FAST = ["data_audit", "year_profile"]


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("second") / "results"
    raise_for_failures(reproduce(FAST, output=out, force=True, log=lambda _: None))
    return out


@pytest.mark.parametrize("notebook", FAST)
def test_outputs_are_byte_identical(notebook: str, fresh_run: Path, second_run: Path) -> None:
    first, second = fresh_run / notebook, second_run / notebook
    files = sorted(
        p.relative_to(first)
        for p in first.rglob("*")
        if p.is_file() and (p.suffix in (".csv", ".png", ".svg") or p.name == "values.json")
    )
    assert any(f.suffix == ".png" for f in files) and any(f.suffix == ".csv" for f in files)
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), f"{notebook}/{rel} differs between runs"


def test_results_json_values_are_identical(fresh_run: Path, second_run: Path) -> None:
    a = json.loads((fresh_run / "results.json").read_text())
    b = json.loads((second_run / "results.json").read_text())
    keys = [k for k in b["values"] if k.split(".")[0] in FAST]
    assert keys and {k: a["values"][k] for k in keys} == {k: b["values"][k] for k in keys}
    assert a["provenance"]["data_sha256"] == b["provenance"]["data_sha256"]
    for nb in FAST:
        assert a["provenance"]["parameters"][nb] == b["provenance"]["parameters"][nb]
