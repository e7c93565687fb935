"""CITATION.cff is valid (cffconvert --validate), and the licences of code and data are stated where they belong."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from trafficking_research.paths import DATA_DIR, PROJECT_ROOT

TOOL_PINS = Path(__file__).parent / "tools" / "cffconvert.txt"


@pytest.fixture(scope="module")
def cffconvert() -> list[str]:
    """A command running the pinned cffconvert, installed once (per version of its pins) into a cache folder.

    cffconvert needs jsonschema<4 while the project needs jsonschema 4, so it cannot share the project's environment:
    its own packages go into a folder of their own, put first on its path.
    """
    digest = hashlib.sha256(TOOL_PINS.read_bytes()).hexdigest()[:16]
    cache = (
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "trafficking_research" / f"cffconvert-{digest}"
    )
    if not (cache / "cffconvert").is_dir():
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--target",
                str(tmp),
                "-r",
                str(TOOL_PINS),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"could not install cffconvert from {TOOL_PINS}:\n{done.stderr}"
        try:
            tmp.rename(cache)
        except OSError:  # another worker installed it meanwhile
            pass
    return [
        "env",
        f"PYTHONPATH={cache}",
        sys.executable,
        "-c",
        "from cffconvert.cli.cli import cli; cli()",
    ]


def test_citation_cff_is_valid(cffconvert: list[str]) -> None:
    done = subprocess.run(
        [*cffconvert, "--validate", "-i", str(PROJECT_ROOT / "CITATION.cff")],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stdout


def test_cffconvert_refuses_a_broken_file(cffconvert: list[str], tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    broken = tmp_path / "CITATION.cff"
    broken.write_text(
        text.replace("cff-version: 1.2.0\n", "cff-version: 1.2.0\nlicense-url: not a url\n").replace(
            "authors:\n  - name", "authors: []\nx-authors:\n  - name", 1
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [*cffconvert, "--validate", "-i", str(broken)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0


def test_citation_matches_the_package() -> None:
    text = (PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"version: {project['version']}\n" in text
    assert f"license: {project['license']['text']}\n" in text


def test_licences_of_code_and_data() -> None:
    code = (PROJECT_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert code.startswith("MIT License") and "Permission is hereby granted, free of charge" in code
    data_licence = (DATA_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "CC-BY-4.0" in data_licence and "creativecommons.org/licenses/by/4.0" in data_licence
    package = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    assert [lic["name"] for lic in package["licenses"]] == ["CC-BY-4.0"]
