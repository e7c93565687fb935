"""One writer per output folder: a lock file that names its holder's process id.

The lock is an operating-system lock (`flock`, through the `filelock` package) on `OUTPUT/.lock`. The system drops it
the moment its holder ends, however it ends, so a lock left behind by a killed run is simply taken over; the file
itself stays behind with the dead holder's process id, which the next run reports when it takes over.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import OutputBusyError

LOCK_FILE = ".lock"
POLL_SECONDS = 0.2


def _write_holder(fd: int) -> None:
    """Called by filelock with the locked descriptor: record this process as the holder."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def read_holder(lock_file: Path) -> int | None:
    """The process id recorded in a lock file, or None if it records none."""
    try:
        text = lock_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True  # no /proc (macOS): os.kill said it exists


def _current_holder(lock_file: Path) -> int | None:
    """The holder's process id; a holder that has just taken the lock writes it a moment later, so retry briefly."""
    deadline = time.monotonic() + 1.0
    while True:
        pid = read_holder(lock_file)
        if (pid is not None and process_alive(pid)) or time.monotonic() > deadline:
            return pid
        time.sleep(0.05)


@contextmanager
def output_lock(output: Path, wait: bool = True, log: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the lock of an output folder for the duration of the block.

    Parameters
    ----------
    output : Path
        The output folder (it must exist).
    wait : bool
        If another run holds the folder, wait for it (saying so through `log`); if False, raise at once.
    log : callable
        Receives the lines the user should see (waiting, taking over a stale lock).

    Raises
    ------
    OutputBusyError
        `wait` is False and another live process holds the folder.
    """
    path = output / LOCK_FILE
    left_by = read_holder(path)  # a file that exists before we hold the lock was left by a run that did not end
    lock = FileLock(str(path), on_acquired=_write_holder, poll_interval=POLL_SECONDS)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _current_holder(path)
        who = f"process {holder}" if holder is not None else "a process that has not yet recorded its id"
        if not wait:
            raise OutputBusyError(
                f"output folder '{output}' is in use by another run ({who}); "
                "wait for it to finish, or choose another --output"
            ) from None
        log(
            f"waiting: output folder '{output}' is in use by another run ({who}); this run starts when that one "
            "ends (Ctrl-C to give up; --no-wait refuses instead of waiting)"
        )
        lock.acquire()
        log(f"output folder '{output}' is free; starting")
    else:
        if left_by is not None and left_by != os.getpid() and not process_alive(left_by):
            log(f"took over the lock of output folder '{output}' left by process {left_by}, which is no longer running")
    try:
        yield
    finally:
        # Remove the file while still holding the lock: a waiter that opened it sees an unlinked file and retries on
        # a new one (filelock checks for this), so a finished run leaves no trace and a killed run leaves its id.
        try:
            path.unlink()
        except OSError:
            pass
        lock.release()
