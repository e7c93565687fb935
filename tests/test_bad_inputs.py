"""A corpus of bad inputs: each must end in a clear error, a non-zero exit of the command, and intact earlier results."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import edit_rows, run_cli, tree_digest

from trafficking_research.data.datapackage import rehash
from trafficking_research.paths import PROJECT_ROOT
from trafficking_research.pipeline import cache


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
    "fractional_count": (
        lambda f: edit_rows(f, set_value("7.5", client_type="witness", place="all", **ADMITTED_2020)),
        "7.5 persons is not a whole number",
    ),
    "percent_over_100": (
        lambda f: edit_rows(
            f,
            lambda rows: [
                dict(r, value="140") if r["unit"] == "percent" and i == 0 else r
                for i, r in enumerate(sorted(rows, key=lambda r: r["unit"] != "percent"))
            ],
        ),
        "percent exceeds 100",
    ),
    "duplicate_preferred": (
        lambda f: edit_rows(f, lambda rows: rows + [dict(preferred(rows), source_id=rows[-1]["source_id"])]),
        "duplicate preferred rows",
    ),
    "preferred_without_reason": (
        lambda f: edit_rows(f, lambda rows: rows + [dict(preferred(rows, note=""), status="alternative", value="4")]),
        "without a reason in note",
    ),
    "identity_parts_exceed_total": (
        lambda f: edit_rows(f, set_value("300", client_type="victim", place="finland", **ADMITTED_2020)),
        "place parts sum to 421, more than the total 244",
    ),
    "identity_complete_parts": (
        lambda f: edit_rows(f, set_value("40", client_type="child_of_victim", place="all", **ADMITTED_2020)),
        "client_type parts are all given and sum to 287, not the total 297",
    ),
    "unknown_source": (
        lambda f: edit_rows(f, first_row({"source_id": "made-up-2020"})),
        "unknown source 'made-up-2020'",
    ),
    "duplicate_source_id": (
        lambda f: edit_rows(f, lambda rows: rows + [rows[0]], name="sources.csv"),
        "is used by more than one source",
    ),
    "hash_mismatch": (
        lambda f: edit_rows(f, lambda rows: rows[:-1], keep_hash=True),
        "does not match datapackage.json",
    ),
    "missing_datapackage": (lambda f: (f / "datapackage.json").unlink(), "datapackage.json: missing"),
    "invalid_datapackage": (write_raw("datapackage.json", b'{"resources": [', keep_hash=True), "not valid UTF-8 JSON"),
    "datapackage_without_resources": (
        write_raw("datapackage.json", b'{"name": "x"}', keep_hash=True),
        "'resources' must be a non-empty list",
    ),
    "missing_observations_file": (
        lambda f: (f / "observations.csv").unlink(),
        "observations.csv: file named by resource 'observations' does not exist",
    ),
    "empty_file": (write_raw("observations.csv", b""), "observations.csv: file is empty"),
    "header_only": (
        write_raw(
            "observations.csv",
            b"period_start,period_end,measure,client_type,place,form,sex,age,unit,value,qualifier,source_id,locator,status,note\n",
        ),
        "no data rows below the header",
    ),
    "wrong_encoding": (latin1, "not valid UTF-8"),
    "dates_out_of_order": (
        lambda f: edit_rows(f, first_row({"period_start": "2031-01-01"})),
        "start 2031-01-01 is after end",
    ),
    "non_iso_date": (
        lambda f: edit_rows(f, first_row({"period_end": "31.12.2020"})),
        "'31.12.2020' is not an ISO date",
    ),
    "empty_required_cell": (
        lambda f: edit_rows(f, first_row({"locator": ""})),
        "column locator: empty, but the column is required",
    ),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_bad_data_is_refused_before_any_notebook_runs(
    case: str, data_copy: Path, earlier: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    breaker, fragment = DATA_CASES[case]
    breaker(data_copy)
    before = tree_digest(earlier)
    proc = run_main(capsys, "reproduce", "data_audit", "-p", "data_dir", str(data_copy), "--output", str(earlier))
    assert proc.returncode != 0
    assert fragment in proc.stderr, proc.stderr
    assert str(data_copy) in proc.stderr or "datapackage.json" in proc.stderr
    assert tree_digest(earlier) == before


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["-p", "first_year", "twenty"], "parameter 'first_year' of notebook 'data_audit' must be int, got 'twenty'"),
        (["-p", "colour", "red"], "unknown parameter 'colour'"),
        (["-p", "output_dir", "/tmp/x"], "parameter 'output_dir' is set by `reproduce` itself"),
        (["-p", "data_dir", "/no/such/folder"], "directory '/no/such/folder' does not exist"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["nosuch_notebook"], "unknown notebook 'nosuch_notebook'"),
    ],
)
def test_bad_parameters_are_refused(
    args: list[str], fragment: str, earlier: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_digest(earlier)
    extra = [] if args and not args[0].startswith("-") else ["data_audit"]
    proc = run_main(capsys, "reproduce", *extra, *args, "--output", str(earlier))
    assert proc.returncode == 2 and fragment in proc.stderr, proc.stderr
    assert tree_digest(earlier) == before


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("first_year: [2010\n", "is not valid YAML"),
        ("first_year: 'soon'\n", "must be int, got 'soon'"),
        ("- 2010\n", "must be a mapping of parameter names to values"),
    ],
)
def test_bad_params_file(
    content: str, fragment: str, tmp_path: Path, earlier: Path, capsys: pytest.CaptureFixture[str]
) -> None:
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


def test_notebooks_that_raise(earlier: Path, tmp_path: Path) -> None:
    """Two notebooks failing in one run (in parallel): each named with its cell and exception, each kept in failed/.

    Every rule on parameters is checked before any kernel starts (tests/test_checks.py), so the failures are made in
    copies of two notebooks, run from a copy of the project (TRAFFICKING_RESEARCH_ROOT).
    """
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root)
    for folder in ("data", "claims"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    for name in ("year_profile", "dark_figure"):
        nb = json.loads((PROJECT_ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
        at = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c["metadata"].get("tags", [])) + 1
        nb["cells"].insert(
            at,
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "fails-on-purpose",
                "metadata": {},
                "outputs": [],
                "source": f"raise RuntimeError('{name} fails on purpose')",
            },
        )
        (root / "notebooks" / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    before = tree_digest(earlier)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "trafficking_research",
            "reproduce",
            "year_profile",
            "dark_figure",
            "--output",
            str(earlier),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ, CI="true", TRAFFICKING_RESEARCH_ROOT=str(root)),
    )
    assert proc.returncode == 1, proc.stderr
    for notebook in ("year_profile", "dark_figure"):
        assert f"notebook '{notebook}' failed in cell" in proc.stderr
        assert f"RuntimeError: {notebook} fails on purpose" in proc.stderr
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "trafficking_research", "reproduce", "growth", "--force", "--output", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, CI="true"),
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline and not (out / ".staging" / "growth").exists():
        time.sleep(0.1)
    time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "interrupted" in err
    after = tree_digest(out)
    assert {k: v for k, v in after.items() if not k.startswith(".cache/")} == {
        k: v for k, v in before.items() if not k.startswith(".cache/")
    }
    assert not (out / ".staging").exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--params", "/no/such/params.yaml"], "--params: file '/no/such/params.yaml' does not exist"),
        (
            ["-p", "nosuch.year", "2010"],
            "parameter 'nosuch.year': notebook 'nosuch' is not among those run (data_audit)",
        ),
        (["-p", "data_audit.year", "2010"], "unknown parameter 'year' of notebook 'data_audit'"),
        (["-p", "last_year", "2020.5"], "parameter 'last_year' of notebook 'data_audit' must be int, got '2020.5'"),
    ],
)
def test_more_bad_parameters(args: list[str], fragment: str, earlier: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(earlier)
    proc = run_main(capsys, "reproduce", "data_audit", *args, "--output", str(earlier))
    assert proc.returncode == 2 and fragment in proc.stderr, proc.stderr
    assert tree_digest(earlier) == before


# ---- faults of the environment: a busy or stale output folder, signals, read-only data, a full disk, a damaged cache


@pytest.fixture(scope="module")
def audit_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real run of the fastest notebook (data_audit): its output folder, with its cache entry."""
    from trafficking_research.pipeline.runner import raise_for_failures, reproduce

    out = tmp_path_factory.mktemp("audit") / "results"
    raise_for_failures(reproduce(["data_audit"], output=out, log=lambda _: None))
    return out


@pytest.fixture
def audit_copy(audit_run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "results"
    shutil.copytree(audit_run, out)
    return out


def needs_restore(out: Path) -> None:
    """Make the current data_audit result look like one of other inputs, so the next run restores it from the cache."""
    inputs = out / "data_audit" / "inputs.json"
    inputs.write_text(json.dumps(dict(json.loads(inputs.read_text()), key="earlier")))


def cache_entry(out: Path) -> Path:
    (entry,) = [p for p in (out / ".cache").iterdir() if not p.name.startswith(".")]
    return entry


def hold_lock(folder: Path) -> subprocess.Popen[str]:
    """Another process holding the output folder's lock, as a running `reproduce` does (ready when it prints)."""
    code = (
        "import sys, time; from pathlib import Path; from trafficking_research.pipeline.lock import output_lock\n"
        "with output_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(120)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_busy_output_folder_with_no_wait(earlier: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holder = hold_lock(earlier)
    try:
        before = {k: v for k, v in tree_digest(earlier).items() if k != ".lock"}
        started = time.monotonic()
        proc = run_main(capsys, "reproduce", "data_audit", "--no-wait", "--output", str(earlier))
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"error: output folder '{earlier}' is in use by another run (process {holder.pid}); "
        "wait for it to finish, or choose another --output"
    )
    assert {k: v for k, v in tree_digest(earlier).items() if k != ".lock"} == before


def test_stale_lock_of_a_dead_run_is_taken_over(audit_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holder = hold_lock(audit_copy)
    holder.kill()
    holder.wait()
    assert (audit_copy / ".lock").read_text().strip() == str(holder.pid)
    proc = run_main(capsys, "reproduce", "data_audit", "--no-wait", "--output", str(audit_copy))
    assert proc.returncode == 0, proc.stderr
    assert (
        f"took over the lock of output folder '{audit_copy}' left by process {holder.pid}, which is no longer running"
    ) in proc.stdout
    assert "data_audit: unchanged inputs, kept" in proc.stdout
    assert not (audit_copy / ".lock").exists()


def test_read_only_data_folder_is_only_read(
    read_only_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_digest(read_only_data)
    out = tmp_path / "results"
    proc = run_main(capsys, "reproduce", "data_audit", "-p", "data_dir", str(read_only_data), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "results.json").read_text())["provenance"]["parameters"]["data_audit"]["data_dir"] == str(
        read_only_data
    )
    assert tree_digest(read_only_data) == before
    proc = run_main(capsys, "data", "check", "--data-dir", str(read_only_data))
    assert proc.returncode == 0 and proc.stdout.startswith("ok: "), proc.stderr


def test_rehash_of_a_read_only_data_folder(read_only_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(read_only_data)
    proc = run_main(capsys, "data", "rehash", "--data-dir", str(read_only_data))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: data rehash: cannot write '{read_only_data / 'datapackage.json'}': ")
    assert "Read-only file system" in proc.stderr or "Permission denied" in proc.stderr
    assert tree_digest(read_only_data) == before


@pytest.fixture
def read_only_data(tmp_path: Path) -> Path:
    """A copy of the data package that cannot be written: permissions for a normal user, a read-only bind mount for
    root (whom permissions do not stop)."""
    from trafficking_research.paths import DATA_DIR

    source = tmp_path / "data-source"
    shutil.copytree(DATA_DIR, source)
    if os.geteuid() != 0:
        for path in [source, *source.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        yield source
        for path in [source, *source.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
        return
    view = tmp_path / "data"
    view.mkdir()
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(source), str(view)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(
            f"running as root, and a read-only bind mount failed ({mounted.stderr.strip()}): "
            "no way to make a folder read-only here"
        )
    try:
        with pytest.raises(OSError):
            (view / "probe").write_text("")
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


ENOSPC_TEXT = "No space left on device"


def full_disk(monkeypatch: pytest.MonkeyPatch, under: Path, writes: bool = True, copies: bool = True) -> None:
    """Simulate a full disk below `under`: writing bytes to a file there (Path.write_text/write_bytes) and/or copying
    one there (shutil.copyfile, used by copytree) fail with ENOSPC. Pool workers are forked, so they inherit it."""
    import errno
    import pathlib

    def guard(path: object) -> None:
        if Path(os.fspath(path)).resolve().is_relative_to(under.resolve()):
            raise OSError(errno.ENOSPC, ENOSPC_TEXT, str(path))

    if writes:
        for method in ("write_text", "write_bytes"):
            original = getattr(pathlib.Path, method)

            def failing(self, data, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
                if data:  # as on a real full disk, an empty file can still be created
                    guard(self)
                return _original(self, data, *args, **kwargs)

            monkeypatch.setattr(pathlib.Path, method, failing)
    if copies:
        original_copy = shutil.copyfile

        def failing_copy(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
            guard(dst)
            return original_copy(src, dst, *args, **kwargs)

        monkeypatch.setattr(shutil, "copyfile", failing_copy)


def no_leftovers(out: Path) -> None:
    assert not (out / ".staging").exists()
    assert not (out / ".lock").exists()
    assert not [p for p in (out / ".cache").iterdir() if p.name.startswith(".")]


def test_full_disk_while_restoring_from_cache(
    audit_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    needs_restore(audit_copy)
    before = tree_digest(audit_copy)
    full_disk(monkeypatch, audit_copy)
    proc = run_main(capsys, "reproduce", "data_audit", "--output", str(audit_copy))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith(f"error: writing to output folder '{audit_copy}' failed: {ENOSPC_TEXT} ('")
    assert "Notebook results that were complete stay in place; run again when the cause is fixed" in proc.stderr
    assert tree_digest(audit_copy) == before
    no_leftovers(audit_copy)


def test_full_disk_while_writing_the_run_files(
    audit_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    needs_restore(audit_copy)
    before = tree_digest(audit_copy)
    cached = tree_digest(cache_entry(audit_copy))
    full_disk(monkeypatch, audit_copy, copies=False)  # the restore copies; writing results.json fails
    proc = run_main(capsys, "reproduce", "data_audit", "--output", str(audit_copy))
    assert proc.returncode == 1, proc.stderr
    assert f"failed: {ENOSPC_TEXT} ('{audit_copy}/.results.json." in proc.stderr
    after = tree_digest(audit_copy)
    # the notebook's folder is the complete restored result; the run files are those of before, not half-written
    assert {k[len("data_audit/") :]: v for k, v in after.items() if k.startswith("data_audit/")} == {
        k: v for k, v in cached.items() if k != ".sha256.json"
    }
    assert {k: after[k] for k in ("results.json", "manifest.json", "index.html")} == {
        k: before[k] for k in ("results.json", "manifest.json", "index.html")
    }
    no_leftovers(audit_copy)
    monkeypatch.undo()
    proc = run_main(capsys, "reproduce", "data_audit", "--output", str(audit_copy))
    assert proc.returncode == 0 and "data_audit: unchanged inputs, kept" in proc.stdout
    manifest = json.loads((audit_copy / "manifest.json").read_text())["sha256"]
    assert manifest == {
        k: v for k, v in tree_digest(audit_copy).items() if not k.startswith(".cache/") and k != "manifest.json"
    }


def test_full_disk_while_a_worker_writes_the_report(
    audit_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_digest(audit_copy)
    full_disk(monkeypatch, audit_copy / ".staging", copies=False)
    proc = run_main(capsys, "reproduce", "data_audit", "--force", "--output", str(audit_copy))
    assert proc.returncode == 1, proc.stderr
    assert (
        f"notebook 'data_audit' failed while writing its report: {ENOSPC_TEXT} "
        f"('{audit_copy}/.staging/data_audit/data_audit.ipynb')"
    ) in proc.stderr
    after = tree_digest(audit_copy)
    assert {k: v for k, v in after.items() if not k.startswith("failed/")} == before
    no_leftovers(audit_copy)


def test_full_disk_while_storing_in_the_cache(
    audit_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(audit_copy / ".cache")
    full_disk(monkeypatch, audit_copy / ".cache")
    proc = run_main(capsys, "reproduce", "data_audit", "--force", "--output", str(audit_copy))
    assert proc.returncode == 0, proc.stderr
    assert f"warning: could not keep data_audit in the cache ({ENOSPC_TEXT} ('{audit_copy}/.cache/.tmp-" in proc.stdout
    assert "the result itself is in place" in proc.stdout
    no_leftovers(audit_copy)
    manifest = json.loads((audit_copy / "manifest.json").read_text())["sha256"]
    assert manifest == {k: v for k, v in tree_digest(audit_copy).items() if k != "manifest.json"}


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Path:
    """A real file system of 64 KiB (tmpfs), for root; elsewhere the simulated full disk above is the test."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a 64 KiB tmpfs needs root; the full-disk cases above simulate it instead")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"could not mount a tmpfs ({mounted.stderr.decode().strip()}); the simulated cases above remain")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_output_folder_on_a_really_full_disk(tiny_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tiny_disk / "results"
    proc = run_main(capsys, "reproduce", "data_audit", "--output", str(out))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == (
        f"error: notebook 'data_audit' failed while writing its executed notebook: {ENOSPC_TEXT}; "
        f"partly executed notebook: {out / 'failed' / 'data_audit.ipynb'}\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["failed"]  # no staging, no lock, no half result


def truncate_values(entry: Path) -> str:
    path = entry / "values.json"
    path.write_bytes(path.read_bytes()[:40])
    return "file values.json does not match its checksum"


def test_damaged_cache_entry_is_discarded_and_rerun(audit_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A truncated file in the entry the run would restore (every other kind of damage is named by the same check:
    tests/test_reliability.py::test_cache_damage_is_named)."""
    needs_restore(audit_copy)
    entry = cache_entry(audit_copy)
    good = {k: v for k, v in tree_digest(entry).items() if k.endswith((".csv", ".png", ".svg", "values.json"))}
    reason = truncate_values(entry)
    proc = run_main(capsys, "reproduce", "data_audit", "--output", str(audit_copy))
    assert proc.returncode == 0, proc.stderr
    assert f"data_audit: cache entry {entry.name[:12]} is damaged ({reason}" in proc.stdout
    assert "discarded, the notebook runs again" in proc.stdout and "data_audit: executed" in proc.stdout
    result = tree_digest(audit_copy / "data_audit")
    assert {k: result[k] for k in good} == good  # the same bytes as the undamaged entry held
    assert cache.damage(entry) is None  # stored afresh, intact
    no_leftovers(audit_copy)


# ---- several runs, and runs that are stopped: processes are watched with psutil


def start_run(out: Path, log: Path, *args: str) -> subprocess.Popen[str]:
    """`reproduce` in a new process; its output goes to files (a pipe would wait for every process that inherited it)."""
    env = dict(os.environ, CI="true")
    with open(log.with_suffix(".out"), "w") as stdout, open(log.with_suffix(".err"), "w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "trafficking_research", "reproduce", *args, "--output", str(out)],
            stdout=stdout,
            stderr=stderr,
            text=True,
            env=env,
        )


def outputs_of(log: Path) -> tuple[str, str]:
    return log.with_suffix(".out").read_text(), log.with_suffix(".err").read_text()


def run_processes(pid: int, kernels: int, timeout: float = 60) -> list:
    """The processes of a run (its workers and their kernels), once `kernels` kernels are up."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            tree = psutil.Process(pid).children(recursive=True)
        except psutil.NoSuchProcess:
            break
        if sum("ipykernel_launcher" in " ".join(p.cmdline()) for p in tree if p.is_running()) >= kernels:
            return tree
        time.sleep(0.1)
    raise AssertionError(f"the run (pid {pid}) did not start {kernels} kernel(s) within {timeout} s")


def alive(processes: list) -> list:
    import psutil

    living = []
    for proc in processes:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                living.append(proc)
        except psutil.NoSuchProcess:
            pass
    return living


def consistent_with_manifest(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())["sha256"]
    assert manifest == {
        k: v for k, v in tree_digest(out).items() if not k.startswith((".cache/", "failed/")) and k != "manifest.json"
    }


def test_two_runs_into_one_output_folder(tmp_path: Path) -> None:
    """A second run waits for the first and then finds nothing to do; a third, with --no-wait, refuses at once."""
    out = tmp_path / "results"
    first = start_run(out, tmp_path / "first", "data_audit")
    run_processes(first.pid, kernels=1)  # it holds the lock by now
    second = start_run(out, tmp_path / "second", "data_audit")
    third = run_cli("reproduce", "data_audit", "--no-wait", "--output", str(out), timeout=60)
    assert first.wait(timeout=120) == 0, outputs_of(tmp_path / "first")
    assert second.wait(timeout=120) == 0, outputs_of(tmp_path / "second")
    assert third.returncode == 2
    assert third.stderr == (
        f"error: output folder '{out}' is in use by another run (process {first.pid}); "
        "wait for it to finish, or choose another --output\n"
    )
    stdout, _ = outputs_of(tmp_path / "second")
    assert stdout.startswith(
        f"waiting: output folder '{out}' is in use by another run (process {first.pid}); "
        "this run starts when that one ends"
    )
    assert f"output folder '{out}' is free; starting\ndata_audit: unchanged inputs, kept\n" in stdout
    assert "data_audit: executed" in outputs_of(tmp_path / "first")[0]
    consistent_with_manifest(out)
    assert not (out / ".lock").exists() and not (out / ".staging").exists()


def test_sigterm_mid_run(audit_copy: Path, tmp_path: Path) -> None:
    before = tree_digest(audit_copy)
    run = start_run(audit_copy, tmp_path / "run", "data_audit", "--force")
    processes = run_processes(run.pid, kernels=1)
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 143
    stdout, stderr = outputs_of(tmp_path / "run")
    assert stderr == (
        f"terminated (SIGTERM): the run stopped and its unfinished work was removed; every result in "
        f"'{audit_copy}' is complete (notebooks finished before the stop are new, the others as before)\n"
    )
    assert "executed" not in stdout
    assert alive(processes) == []  # the command waited for its workers, and they for their kernels
    assert tree_digest(audit_copy) == before
    assert not (audit_copy / ".staging").exists() and not (audit_copy / ".lock").exists()


def test_sigkill_mid_run_leaves_no_process_and_the_next_run_completes(tmp_path: Path) -> None:
    out = tmp_path / "results"
    run = start_run(out, tmp_path / "killed", "data_audit", "year_profile", "--jobs", "2")
    processes = run_processes(run.pid, kernels=2)
    assert len(processes) == 4  # two workers, two kernels
    run.kill()
    run.wait(timeout=10)
    killed_at = time.monotonic()
    while alive(processes) and time.monotonic() - killed_at < 10:
        time.sleep(0.1)
    assert alive(processes) == [], f"still alive 10 s after SIGKILL: {alive(processes)}"
    assert (out / ".staging").is_dir() and (out / ".lock").read_text().strip() == str(run.pid)
    proc = run_cli("reproduce", "data_audit", "year_profile", "--no-wait", "--output", str(out), timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(
        f"took over the lock of output folder '{out}' left by process {run.pid}, which is no longer running\n"
    )
    assert "data_audit: executed" in proc.stdout and "year_profile: executed" in proc.stdout
    consistent_with_manifest(out)
    assert not (out / ".staging").exists() and not (out / ".lock").exists()
