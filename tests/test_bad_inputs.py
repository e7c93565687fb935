"""A corpus of bad inputs: each must end in a clear error, a non-zero exit of the command, and intact earlier results."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from helpers import edit_rows, run_cli, tree_digest
from trafficking_research.data.datapackage import rehash


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """The command's entry point called in this process (no interpreter start-up): exit status and output."""
    from trafficking_research.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    """An output folder holding the results of an earlier run."""
    out = tmp_path / "results"
    (out / "data_audit" / "tables").mkdir(parents=True)
    (out / "results.json").write_text(json.dumps({"values": {"data_audit.rows": {"value": 1}}}))
    (out / "data_audit" / "values.json").write_text('{"data_audit.rows": {"value": 1}}')
    (out / "data_audit" / "inputs.json").write_text('{"key": "earlier", "parameters": {}}')
    (out / "data_audit" / "tables" / "coverage.csv").write_text("year\n2020\n")
    return out


def first_row(change: dict[str, str]) -> Callable:
    return lambda rows: [dict(rows[0], **change)] + rows[1:]


def preferred(rows, **match):
    match.setdefault("unit", "persons")
    return next(r for r in rows if r["status"] == "preferred" and all(r[k] == v for k, v in match.items()))


def set_value(value: str, **match: str) -> Callable:
    def edit(rows):
        preferred(rows, **match)["value"] = value
        return rows
    return edit


def write_raw(name: str, data: bytes, keep_hash: bool = False) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).write_bytes(data)
        if not keep_hash:
            rehash(folder)
    return apply


def ragged(folder: Path) -> None:
    path = folder / "observations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rehash(folder)


def latin1(folder: Path) -> None:
    path = folder / "observations.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("Assistance", "Assistänce").encode("latin-1", "replace"))
    rehash(folder)


def columns(fields_edit: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        with open(folder / "observations.csv", encoding="utf-8") as handle:
            header = handle.readline().strip().split(",")
        def add(rows):
            for r in rows:
                r["comment"] = "x"
            return rows
        edit_rows(folder, add, fields=fields_edit(header))
    return apply


ADMITTED_2020 = dict(period_end="2020-12-31", measure="admitted", form="all", sex="all", age="all")

# name -> (how to break a copy of data/, what the message must say)
DATA_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "malformed_csv_ragged_row": (ragged, "line 6: 16 fields where the header has 15"),
    "missing_column": (columns(lambda h: [c for c in h if c != "locator"]), "missing column(s) locator"),
    "extra_column": (columns(lambda h: h + ["comment"]), "unexpected column(s) comment"),
    "unknown_code": (lambda f: edit_rows(f, first_row({"form": "smuggling"})), "column form: unknown code 'smuggling'"),
    "text_value": (lambda f: edit_rows(f, first_row({"value": "many"})), "column value: 'many' is not a number"),
    "negative_count": (lambda f: edit_rows(f, first_row({"value": "-4"})), "below the minimum 0"),
    "fractional_count": (lambda f: edit_rows(f, set_value("7.5", client_type="witness", place="all", **ADMITTED_2020)),
                         "7.5 persons is not a whole number"),
    "percent_over_100": (lambda f: edit_rows(f, lambda rows: [dict(r, value="140") if r["unit"] == "percent" and i == 0 else r
                                                         for i, r in enumerate(sorted(rows, key=lambda r: r["unit"] != "percent"))]),
                         "percent exceeds 100"),
    "duplicate_preferred": (lambda f: edit_rows(f, lambda rows: rows + [dict(preferred(rows), source_id=rows[-1]["source_id"])]),
                            "duplicate preferred rows"),
    "preferred_without_reason": (lambda f: edit_rows(f, lambda rows: rows + [dict(preferred(rows, note=""), status="alternative", value="4")]),
                                 "without a reason in note"),
    "identity_parts_exceed_total": (lambda f: edit_rows(f, set_value("300", client_type="victim", place="finland", **ADMITTED_2020)),
                                    "place parts sum to 421, more than the total 244"),
    "identity_complete_parts": (lambda f: edit_rows(f, set_value("40", client_type="child_of_victim", place="all", **ADMITTED_2020)),
                                "client_type parts are all given and sum to 287, not the total 297"),
    "unknown_source": (lambda f: edit_rows(f, first_row({"source_id": "made-up-2020"})), "unknown source 'made-up-2020'"),
    "duplicate_source_id": (lambda f: edit_rows(f, lambda rows: rows + [rows[0]], name="sources.csv"), "is used by more than one source"),
    "hash_mismatch": (lambda f: edit_rows(f, lambda rows: rows[:-1], keep_hash=True), "does not match datapackage.json"),
    "missing_datapackage": (lambda f: (f / "datapackage.json").unlink(), "datapackage.json: missing"),
    "invalid_datapackage": (write_raw("datapackage.json", b"{\"resources\": [", keep_hash=True), "not valid UTF-8 JSON"),
    "datapackage_without_resources": (write_raw("datapackage.json", b"{\"name\": \"x\"}", keep_hash=True), "'resources' must be a non-empty list"),
    "missing_observations_file": (lambda f: (f / "observations.csv").unlink(), "observations.csv: file named by resource 'observations' does not exist"),
    "empty_file": (write_raw("observations.csv", b""), "observations.csv: file is empty"),
    "header_only": (write_raw("observations.csv", b"period_start,period_end,measure,client_type,place,form,sex,age,unit,value,qualifier,source_id,locator,status,note\n"),
                    "no data rows below the header"),
    "wrong_encoding": (latin1, "not valid UTF-8"),
    "dates_out_of_order": (lambda f: edit_rows(f, first_row({"period_start": "2031-01-01"})), "start 2031-01-01 is after end"),
    "non_iso_date": (lambda f: edit_rows(f, first_row({"period_end": "31.12.2020"})), "'31.12.2020' is not an ISO date"),
    "empty_required_cell": (lambda f: edit_rows(f, first_row({"locator": ""})), "column locator: empty, but the column is required"),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_bad_data_is_refused_before_any_notebook_runs(case: str, data_copy: Path, earlier: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    breaker, fragment = DATA_CASES[case]
    breaker(data_copy)
    before = tree_digest(earlier)
    proc = run_main(capsys, "reproduce", "data_audit", "-p", "data_dir", str(data_copy), "--output", str(earlier))
    assert proc.returncode != 0
    assert fragment in proc.stderr, proc.stderr
    assert str(data_copy) in proc.stderr or "datapackage.json" in proc.stderr
    assert tree_digest(earlier) == before


@pytest.mark.parametrize("args, fragment", [
    (["-p", "first_year", "twenty"], "parameter 'first_year' of notebook 'data_audit' must be int, got 'twenty'"),
    (["-p", "colour", "red"], "unknown parameter 'colour'"),
    (["-p", "output_dir", "/tmp/x"], "parameter 'output_dir' is set by `reproduce` itself"),
    (["-p", "data_dir", "/no/such/folder"], "directory '/no/such/folder' does not exist"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["nosuch_notebook"], "unknown notebook 'nosuch_notebook'"),
])
def test_bad_parameters_are_refused(args: list[str], fragment: str, earlier: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(earlier)
    extra = [] if args and not args[0].startswith("-") else ["data_audit"]
    proc = run_main(capsys, "reproduce", *extra, *args, "--output", str(earlier))
    assert proc.returncode == 2 and fragment in proc.stderr, proc.stderr
    assert tree_digest(earlier) == before


@pytest.mark.parametrize("content, fragment", [
    ("first_year: [2010\n", "is not valid YAML"),
    ("first_year: 'soon'\n", "must be int, got 'soon'"),
    ("- 2010\n", "must be a mapping of parameter names to values"),
])
def test_bad_params_file(content: str, fragment: str, tmp_path: Path, earlier: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    params = tmp_path / "params.yaml"
    params.write_text(content)
    before = tree_digest(earlier)
    proc = run_main(capsys, "reproduce", "data_audit", "--params", str(params), "--output", str(earlier))
    assert proc.returncode == 2 and fragment in proc.stderr, proc.stderr
    assert tree_digest(earlier) == before


def test_bad_list_table_is_refused(tmp_path: Path, earlier: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "lists.csv").write_text("A,B,count\n1,0,5\n0,2,3\n")
    before = tree_digest(earlier)
    proc = run_main(capsys, "reproduce", "dark_figure", "-p", "data_dir", str(tables), "--output", str(earlier))
    assert proc.returncode != 0 and "value '2' is not 0 or 1" in proc.stderr, proc.stderr
    assert tree_digest(earlier) == before


def test_notebooks_that_raise(earlier: Path) -> None:
    """Two notebooks failing in one run (in parallel): each named with its cell and exception, each kept in failed/."""
    before = tree_digest(earlier)
    proc = run_cli("reproduce", "year_profile", "dark_figure", "-p", "year", "2100", "-p", "method", "guess",
                   "--output", str(earlier))
    assert proc.returncode == 1, proc.stderr
    for notebook, fragment in (("year_profile", "ParameterError: parameter 'year': 2100 is outside the years of the data"),
                               ("dark_figure", "ParameterError: parameter 'method': unknown method 'guess'")):
        assert f"notebook '{notebook}' failed in cell" in proc.stderr and fragment in proc.stderr
        partial = earlier / "failed" / f"{notebook}.ipynb"
        assert partial.is_file() and f"partly executed notebook: {partial}" in proc.stderr
    assert {k: v for k, v in tree_digest(earlier).items() if not k.startswith("failed/")} == before


def test_unwritable_and_missing_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proc = run_main(capsys, "reproduce", "data_audit", "--output", "/proc/trafficking_results")
    assert proc.returncode == 2 and ("cannot be created" in proc.stderr or "not writable" in proc.stderr)
    proc = run_main(capsys, "reproduce", "data_audit", "--output", str(tmp_path / "a" / "b"))
    assert proc.returncode == 2 and "parent folder" in proc.stderr
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = run_main(capsys, "reproduce", "data_audit", "--output", str(blocker))
    assert proc.returncode == 2 and "is not a directory" in proc.stderr


def test_interrupted_run_keeps_earlier_results(fresh_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    shutil.copytree(fresh_run, out)
    before = tree_digest(out)
    proc = subprocess.Popen([sys.executable, "-m", "trafficking_research", "reproduce", "growth", "--force",
                             "--output", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, CI="true"), start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (out / ".staging" / "growth").exists():
        time.sleep(0.1)
    time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "interrupted" in err
    after = tree_digest(out)
    assert {k: v for k, v in after.items() if not k.startswith(".cache/")} == \
        {k: v for k, v in before.items() if not k.startswith(".cache/")}
    assert not (out / ".staging").exists()
