"""The run cache: complete notebook outputs kept under `OUTPUT/.cache/<input key>/`, each with its checksums.

Only the holder of the output folder's lock writes here. An entry is copied under a temporary name and renamed into
place, so it is complete or absent; its files' SHA-256 are stored beside them and checked before the entry is used,
so a damaged entry is discarded (and the notebook run again) instead of being copied into the results.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from ..data.datapackage import sha256_of

CACHE_DIR = ".cache"
CHECKSUMS = ".sha256.json"
CACHE_KEEP = 50


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): sha256_of(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != CHECKSUMS
    }


def entry_path(output: Path, key: str) -> Path:
    """The folder of one cache entry."""
    return output / CACHE_DIR / key


def store(output: Path, folder: Path, key: str) -> None:
    """Copy a notebook's completed output folder into the cache with its checksums; keep the newest CACHE_KEEP.

    An OSError (a full disk, say) leaves no partial entry behind and is raised to the caller.
    """
    cache = output / CACHE_DIR
    cache.mkdir(exist_ok=True)
    target = cache / key
    if not target.exists():
        tmp = cache / f".tmp-{uuid.uuid4().hex}"
        try:
            shutil.copytree(folder, tmp)
            (tmp / CHECKSUMS).write_text(json.dumps(_digests(tmp), indent=1, sort_keys=True) + "\n")
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    entries = sorted((p for p in cache.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in entries[:-CACHE_KEEP]:
        shutil.rmtree(old, ignore_errors=True)


def damage(entry: Path) -> str | None:
    """What is wrong with a cache entry (a file missing, changed or unexpected; no checksums), or None if intact."""
    try:
        recorded = json.loads((entry / CHECKSUMS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"it has no checksum file {CHECKSUMS}"
    except (OSError, ValueError) as exc:
        return f"its checksum file {CHECKSUMS} is unreadable ({exc})"
    if not isinstance(recorded, dict) or "inputs.json" not in recorded:
        return f"its checksum file {CHECKSUMS} does not list the entry's files"
    actual = _digests(entry)
    for name in sorted(set(recorded) | set(actual)):
        if name not in actual:
            return f"file {name} is missing"
        if name not in recorded:
            return f"file {name} is not in its checksums"
        if actual[name] != recorded[name]:
            return f"file {name} does not match its checksum"
    return None


def discard(entry: Path) -> None:
    """Remove a damaged entry (renamed aside first, so that a half-removed entry is never taken for one)."""
    aside = entry.with_name(f".discard-{uuid.uuid4().hex}")
    try:
        os.replace(entry, aside)
    except OSError:
        aside = entry
    shutil.rmtree(aside, ignore_errors=True)


def copy_out(entry: Path, stage: Path) -> None:
    """Copy an entry's files (not its checksums) to a staging folder and mark the entry as recently used."""
    shutil.copytree(entry, stage, ignore=shutil.ignore_patterns(CHECKSUMS))
    os.utime(entry)


def sweep(output: Path) -> None:
    """Remove what an interrupted run may have left in the cache: half-copied and half-discarded entries."""
    cache = output / CACHE_DIR
    if cache.is_dir():
        for leftover in cache.glob(".*-*"):
            shutil.rmtree(leftover, ignore_errors=True)
