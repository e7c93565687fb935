"""The `trafficking-research` command: bad input is refused in one line, earlier results survive, unchanged work is skipped."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import edit_rows, run_cli, tree_digest


@pytest.fixture
def earlier_results(tmp_path: Path) -> Path:
    out = tmp_path / "results"
    out.mkdir()
    (out / "results.json").write_text('{"values": {"earlier.run": {"value": 1}}}\n')
    return out


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["reproduce", "nosuch"], "unknown notebook 'nosuch'"),
        (["reproduce", "-p", "colour", "red"], "unknown parameter 'colour'"),
        (
            ["reproduce", "-p", "first_year", "abc"],
            "parameter 'first_year' of notebook 'data_audit' must be int, got 'abc'",
        ),
        (["reproduce", "-p", "output_dir", "x"], "parameter 'output_dir' is set by `reproduce` itself"),
        (["reproduce", "-p", "data_dir", "/nonexistent/data"], "directory '/nonexistent/data' does not exist"),
        (["reproduce", "--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_bad_input_one_line_error_and_results_kept(args: list[str], fragment: str, earlier_results: Path) -> None:
    before = tree_digest(earlier_results)
    proc = run_cli(*args, "--output", str(earlier_results))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], proc.stderr
    assert tree_digest(earlier_results) == before


def test_missing_parent_of_output_dir(tmp_path: Path) -> None:
    proc = run_cli("reproduce", "--output", str(tmp_path / "no" / "such" / "dir"))
    assert proc.returncode == 2
    assert "parent folder" in proc.stderr and "does not exist" in proc.stderr


def test_unwritable_output_dir() -> None:
    proc = run_cli("reproduce", "--output", "/proc/trafficking_results")
    assert proc.returncode == 2
    assert "cannot be created" in proc.stderr or "not writable" in proc.stderr


def test_params_file_errors(tmp_path: Path, earlier_results: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("first_year: [1, 2\n")
    proc = run_cli("reproduce", "--params", str(bad), "--output", str(earlier_results))
    assert proc.returncode == 2 and "is not valid YAML" in proc.stderr
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("first_year: 'soon'\n")
    proc = run_cli("reproduce", "--params", str(wrong), "--output", str(earlier_results))
    assert proc.returncode == 2 and "must be int, got 'soon'" in proc.stderr


def test_bad_data_fails_before_the_notebook_and_keeps_results(fresh_run: Path, data_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    shutil.copytree(fresh_run, out)
    before = tree_digest(out)
    edit_rows(data_copy, lambda rows: [dict(rows[0], value="-1")] + rows[1:])
    proc = run_cli("reproduce", "data_audit", "-p", "data_dir", str(data_copy), "--output", str(out))
    assert proc.returncode == 2, proc.stderr
    assert f"{data_copy / 'observations.csv'}, line 2, column value: -1 is below the minimum 0" in proc.stderr
    assert tree_digest(out) == before


def test_second_run_does_no_work(fresh_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    shutil.copytree(fresh_run, out)
    before = tree_digest(out)
    started = time.perf_counter()
    proc = run_cli("reproduce", "--output", str(out))
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    assert "executed" not in proc.stdout
    assert proc.stdout.count("unchanged inputs, kept") >= 1
    after = tree_digest(out)
    assert {k: v for k, v in after.items() if k != "results.json" and k != "manifest.json"} == {
        k: v for k, v in before.items() if k != "results.json" and k != "manifest.json"
    }
    assert elapsed < 10, f"a run with nothing to do took {elapsed:.1f} s"


def test_run_files_describe_the_outputs(fresh_run: Path) -> None:
    manifest = json.loads((fresh_run / "manifest.json").read_text())["sha256"]
    for rel, digest in manifest.items():
        assert hashlib.sha256((fresh_run / rel).read_bytes()).hexdigest() == digest, rel
    results = json.loads((fresh_run / "results.json").read_text())
    prov = results["provenance"]
    assert set(prov) >= {"parameters", "data_sha256", "packages", "git", "python"}
    for key, entry in results["values"].items():
        notebook = key.split(".", 1)[0]
        assert notebook in prov["parameters"], key
        assert {"value", "unit", "description"} <= set(entry), key
    index = (fresh_run / "index.html").read_text()
    for notebook in prov["parameters"]:
        assert f"{notebook}/{notebook}.html" in index
        html = (fresh_run / notebook / f"{notebook}.html").read_text()
        assert "from trafficking_research" not in html, f"{notebook}.html shows code"
        assert "<img" in html or "<table" in html


def test_version_flag() -> None:
    import tomllib

    from trafficking_research.paths import PROJECT_ROOT

    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    proc = run_cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"trafficking-research {version}\n"


def declared_parameters(notebook: Path) -> list[tuple[str, str, str, str]]:
    """Name, type, default (repr) and help of each line of a notebook's parameters cell, read here with json and a
    regular expression, independently of the package's parser."""
    import ast
    import re

    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    (cell,) = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    rows = []
    for line in source.splitlines():
        if not line.strip():
            continue
        match = re.fullmatch(r"(\w+): (\w+) = (.+?)\s+# (.*)", line)
        assert match, line
        value = ast.literal_eval(match[3])
        rows.append(
            (match[1], match[2], json.dumps(value) if isinstance(value, str) else repr(value), match[4].strip())
        )
    return rows


def test_list_shows_the_parameters_reproduce_reads() -> None:
    """`list` shows each parameter as the notebook's parameters cell declares it (read here independently): type,
    default and what it is, with its allowed values; output_dir marked as set by `reproduce`."""
    from trafficking_research.paths import NOTEBOOK_DIR

    proc = run_cli("list")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    expected_names = []
    at = 0
    for notebook in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        expected_names.append(notebook.stem)
        assert lines[at] == notebook.stem
        at += 1
        for name, kind, default, comment in declared_parameters(notebook):
            head, what = lines[at], lines[at + 1]
            assert head.startswith(f"  {name} ({kind}, default {default}"), (head, name)
            assert head.endswith(" (set by reproduce: --output)") == (name == "output_dir")
            assert what.startswith("      ") and comment.startswith(what.strip()), (what, comment)
            at += 2
    assert at == len(lines)
    n_boot = lines.index("  n_boot (int, default 199, at least 0)")
    assert lines[n_boot + 1] == "      parametric bootstrap replicates for the joinpoint test (0: no test)"


def test_list_and_reproduce_refuse_a_bad_parameters_cell_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A parameters cell that is not `name: type = literal  # help` stops both commands with the same message."""
    from trafficking_research.cli import main
    from trafficking_research.pipeline import notebooks

    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"tags": ["parameters"]},
                "outputs": [],
                "execution_count": None,
                "source": "year = 2020  # the year\n",
            }
        ],
        "metadata": {"trafficking_research": {"data": "observations"}},  # a notebook of the analysis
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / "broken.ipynb").write_text(json.dumps(nb))
    for func in (
        notebooks.notebook_names,
        notebooks.notebook_path,
        notebooks.notebook_parameters,
        notebooks.resolve_parameters,
        notebooks.data_kind,
    ):
        monkeypatch.setattr(
            func, "__defaults__", tuple(folder if isinstance(d, Path) else d for d in func.__defaults__ or ())
        )
    message = "error: broken.ipynb parameters cell, line 1: only `name: type = literal  # help` is allowed\n"
    assert main(["list"]) == 2
    assert capsys.readouterr().err == message
    assert main(["reproduce", "broken", "--output", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == message


def test_a_run_with_nothing_to_do_imports_nothing_heavy(fresh_run: Path, tmp_path: Path) -> None:
    """The warm path (every notebook cached) hashes its inputs and stops: no numpy, pandas, scipy or matplotlib,
    and the run files are left as they are."""
    out = tmp_path / "results"
    shutil.copytree(fresh_run, out)
    before = tree_digest(out)
    code = (
        "import sys\n"
        "from trafficking_research.pipeline.runner import reproduce\n"
        f"report = reproduce(output={str(out)!r}, log=lambda _: None)\n"
        "assert {o.status for o in report.outcomes} == {'cached'}, report.outcomes\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'matplotlib', 'statsmodels') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert tree_digest(out) == before
