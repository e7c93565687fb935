"""Ending a run cleanly: SIGTERM as an interruption, workers that die with the command, kernels that die with workers.

The process tree of a run is: the command -> pool workers (forked) -> one Jupyter kernel per worker (its own session).

- The command turns SIGTERM into `Terminated` (a KeyboardInterrupt), so the same clean-up runs as for Ctrl-C.
- Workers ignore SIGINT (the command decides what happens on Ctrl-C) and on SIGTERM kill their kernel, reap it and
  exit. On Linux the kernel sends them SIGTERM when the command dies, even by SIGKILL (PR_SET_PDEATHSIG); on every
  system a watchdog thread also notices that the parent is gone, within half a second.
- Kernels watch their own parent (ipykernel's parent poller, told by jupyter_client's JPY_PARENT_PID), so a worker
  killed outright takes its kernel with it within about a second.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

WATCH_SECONDS = 0.5
STOP_SECONDS = 5.0
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class Terminated(KeyboardInterrupt):
    """The command received SIGTERM; handled like Ctrl-C, reported with exit status 143."""

    signal_number = signal.SIGTERM


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def install_sigterm_handler() -> None:
    """Make SIGTERM raise `Terminated` in the main thread (call from the command's main thread)."""
    signal.signal(signal.SIGTERM, _raise_terminated)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while clean-up runs; a signal that arrives meanwhile is delivered afterwards.

    The handlers are swapped for one that only records the signal (blocking the signals with a mask would hold them
    back from this thread alone, and a process with a pool's helper threads would still take them).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def record(signum: int, frame: object) -> None:
        pending.append(signum)

    previous = {s: signal.signal(s, record) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            signal.raise_signal(pending[0])


def set_parent_death_signal(signum: int = signal.SIGTERM) -> bool:
    """Ask Linux to send `signum` to this process when its parent ends (PR_SET_PDEATHSIG); False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent_pid: int, on_orphaned: Callable[[], None]) -> threading.Thread:
    """Start a daemon thread that calls `on_orphaned` once the parent `parent_pid` is no longer this process' parent."""

    def run() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_SECONDS)
        on_orphaned()

    thread = threading.Thread(target=run, name="parent-watchdog", daemon=True)
    thread.start()
    return thread


def child_pids(pid: int | None = None) -> list[int]:
    """The ids of the direct children of a process (default: this one), from /proc; empty where there is no /proc."""
    pid = os.getpid() if pid is None else pid
    children = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


def kill_process_group(pid: int) -> None:
    """SIGKILL the process group led by `pid` (a kernel started in its own session) and reap it if it is our child."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)  # not a group leader
        except (ProcessLookupError, PermissionError):
            return
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def stop_processes(processes: list[Any], grace: float = STOP_SECONDS) -> None:
    """Send SIGTERM to worker processes (multiprocessing.Process), wait up to `grace` seconds, then SIGKILL the rest."""
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        proc.join(max(0.0, deadline - time.monotonic()))
    for proc in processes:
        if proc.is_alive():
            proc.kill()
            proc.join(2.0)
