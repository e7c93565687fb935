"""The machinery behind the reliability guarantees: the output folder's lock, processes that end with their parent,
signals held back during clean-up, and the cache's checksums. (The faults themselves, run end to end through the
command, are in the bad-input corpus, tests/test_bad_inputs.py.)"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from trafficking_research.errors import OutputBusyError
from trafficking_research.pipeline import cache
from trafficking_research.pipeline.lock import LOCK_FILE, output_lock, process_alive, read_holder
from trafficking_research.pipeline.processes import Terminated, child_pids, signals_deferred


def python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE, text=True)


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    return not process_alive(pid)


# ---- the lock


def test_lock_names_its_holder_and_leaves_no_file(tmp_path: Path) -> None:
    with output_lock(tmp_path, log=lambda _: None):
        assert read_holder(tmp_path / LOCK_FILE) == os.getpid()
    assert not (tmp_path / LOCK_FILE).exists()


def test_a_second_holder_waits_and_says_so(tmp_path: Path) -> None:
    holder = python(
        """
        import sys, time
        from pathlib import Path
        from trafficking_research.pipeline.lock import output_lock
        with output_lock(Path(sys.argv[1])):
            print("held", flush=True)
            time.sleep(1.5)
        """,
        str(tmp_path),
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    lines: list[str] = []
    started = time.monotonic()
    with output_lock(tmp_path, wait=True, log=lines.append):
        waited = time.monotonic() - started
        assert holder.wait(timeout=10) == 0
        assert read_holder(tmp_path / LOCK_FILE) == os.getpid()
    assert waited > 0.5
    assert lines == [
        f"waiting: output folder '{tmp_path}' is in use by another run (process {holder.pid}); this run starts when "
        "that one ends (Ctrl-C to give up; --no-wait refuses instead of waiting)",
        f"output folder '{tmp_path}' is free; starting",
    ]


def test_no_wait_refuses_while_held_and_takes_over_once_the_holder_is_killed(tmp_path: Path) -> None:
    holder = python(
        """
        import sys, time
        from pathlib import Path
        from trafficking_research.pipeline.lock import output_lock
        with output_lock(Path(sys.argv[1])):
            print("held", flush=True)
            time.sleep(60)
        """,
        str(tmp_path),
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(OutputBusyError, match=f"in use by another run \\(process {holder.pid}\\)"):
        with output_lock(tmp_path, wait=False):
            pass
    holder.kill()
    holder.wait()
    lines: list[str] = []
    with output_lock(tmp_path, wait=False, log=lines.append):
        pass
    assert lines == [
        f"took over the lock of output folder '{tmp_path}' left by process {holder.pid}, which is no longer running"
    ]


def test_process_alive() -> None:
    assert process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_alive(child.pid)  # ended, not yet reaped
    child.wait()
    assert not process_alive(child.pid)


# ---- processes that end with their parent

ORPHAN = """
    import os, sys, time
    from trafficking_research.pipeline.processes import set_parent_death_signal, watch_parent
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        mode = sys.argv[1]
        if mode == "pdeathsig":
            assert set_parent_death_signal()
        elif mode == "watchdog":
            watch_parent(parent, lambda: os._exit(3))
        time.sleep(60)
        os._exit(0)
    print(pid, flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("mode, ends", [("pdeathsig", True), ("watchdog", True), ("neither", False)])
def test_a_child_ends_with_its_parent(mode: str, ends: bool) -> None:
    """A SIGKILLed parent takes its child along by Linux's parent-death signal or by the watchdog thread; without
    either, the child lives on (which is what happened to the workers before)."""
    if mode == "pdeathsig" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG exists on Linux only")
    parent = python(ORPHAN, mode)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(0.3)  # the child has set up its watch
    parent.kill()
    parent.wait()
    try:
        assert gone_within(child, 3) is ends
    finally:
        if process_alive(child):
            os.kill(child, signal.SIGKILL)


def test_child_pids() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in child_pids()
        assert child.pid not in child_pids(child.pid)
    finally:
        child.kill()
        child.wait()


def test_a_killed_worker_takes_its_kernel_along(tmp_path: Path) -> None:
    """Kernels watch their parent: SIGKILL one worker and its kernel ends within a few seconds; the command reports
    that notebook as failed and ends normally, with no process left."""
    out = tmp_path / "results"
    with open(tmp_path / "run.out", "w") as stdout, open(tmp_path / "run.err", "w") as stderr:
        run = subprocess.Popen(
            [sys.executable, "-m", "trafficking_research", "reproduce", "data_audit", "--force", "--output", str(out)],
            stdout=stdout,
            stderr=stderr,
            env=dict(os.environ, CI="true"),
        )
    deadline = time.monotonic() + 60
    kernel = None
    while kernel is None and time.monotonic() < deadline:
        for proc in psutil.Process(run.pid).children(recursive=True):
            if "ipykernel_launcher" in " ".join(proc.cmdline()):
                kernel = proc
        time.sleep(0.1)
    assert kernel is not None
    worker = kernel.parent()
    assert worker.ppid() == run.pid
    os.kill(worker.pid, signal.SIGKILL)
    killed = time.monotonic()
    assert gone_within(kernel.pid, 10), "the kernel outlived its worker by 10 s"
    print(f"kernel ended {time.monotonic() - killed:.1f} s after its worker")
    assert run.wait(timeout=60) == 1
    err = (tmp_path / "run.err").read_text()
    assert "error: notebook 'data_audit' failed because its worker process ended (BrokenProcessPool: " in err
    assert not process_alive(worker.pid) and not process_alive(kernel.pid)


# ---- signals


def test_signals_are_held_back_during_clean_up() -> None:
    received: list[str] = []

    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with pytest.raises(Terminated):
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.2)
                received.append("clean-up finished")
        assert received == ["clean-up finished"]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_main_restores_the_callers_sigterm_handler(capsys: pytest.CaptureFixture[str]) -> None:
    from trafficking_research.cli import main

    before = signal.getsignal(signal.SIGTERM)
    assert main(["list"]) == 0
    assert signal.getsignal(signal.SIGTERM) is before


# ---- the cache


def make_result(folder: Path) -> Path:
    (folder / "tables").mkdir(parents=True)
    (folder / "inputs.json").write_text('{"key": "k"}')
    (folder / "values.json").write_text('{"x": 1}')
    (folder / "tables" / "t.csv").write_text("a\n1\n")
    return folder


def test_cache_entry_holds_the_sha256_of_each_file(tmp_path: Path) -> None:
    result = make_result(tmp_path / "nb")
    cache.store(tmp_path, result, "k")
    entry = cache.entry_path(tmp_path, "k")
    recorded = json.loads((entry / cache.CHECKSUMS).read_text())
    assert recorded == {
        rel: hashlib.sha256((result / rel).read_bytes()).hexdigest()
        for rel in ("inputs.json", "values.json", "tables/t.csv")
    }
    assert cache.damage(entry) is None
    stage = tmp_path / "stage"
    cache.copy_out(entry, stage)
    assert sorted(str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file()) == [
        "inputs.json",
        "tables/t.csv",
        "values.json",
    ]


@pytest.mark.parametrize(
    "edit, reason",
    [
        (lambda e: (e / "values.json").write_text('{"x": 2}'), "file values.json does not match its checksum"),
        (lambda e: (e / "tables" / "t.csv").unlink(), "file tables/t.csv is missing"),
        (lambda e: (e / "extra.csv").write_text(""), "file extra.csv is not in its checksums"),
        (lambda e: (e / cache.CHECKSUMS).unlink(), "it has no checksum file .sha256.json"),
        (
            lambda e: (e / cache.CHECKSUMS).write_text("[]"),
            "its checksum file .sha256.json does not list the entry's files",
        ),
    ],
)
def test_cache_damage_is_named(edit, reason: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache.store(tmp_path, make_result(tmp_path / "nb"), "k")
    entry = cache.entry_path(tmp_path, "k")
    edit(entry)
    assert cache.damage(entry) == reason
    cache.discard(entry)
    assert not entry.exists() and not [p for p in (tmp_path / cache.CACHE_DIR).iterdir()]


def test_cache_store_leaves_nothing_when_the_copy_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import shutil

    def full(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(shutil, "copyfile", full)
    with pytest.raises(OSError):
        cache.store(tmp_path, make_result(tmp_path / "nb"), "k")
    assert list((tmp_path / cache.CACHE_DIR).iterdir()) == []


def test_sweep_removes_half_written_entries(tmp_path: Path) -> None:
    cache.store(tmp_path, make_result(tmp_path / "nb"), "k")
    (tmp_path / cache.CACHE_DIR / ".tmp-abc").mkdir()
    (tmp_path / cache.CACHE_DIR / ".discard-def").mkdir()
    cache.sweep(tmp_path)
    assert [p.name for p in (tmp_path / cache.CACHE_DIR).iterdir()] == ["k"]
