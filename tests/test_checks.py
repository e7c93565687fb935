"""Every rule the notebooks check on their parameters is checked before any kernel starts (exit 2), and a notebook
run with papermill directly refuses a bad value in one line naming the parameter."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_cli

from trafficking_research.analyses.declarations import DECLARATIONS
from trafficking_research.errors import ParameterError
from trafficking_research.paths import NOTEBOOK_DIR
from trafficking_research.pipeline.checks import check_parameters, check_tasks
from trafficking_research.pipeline.notebooks import notebook_names


def test_every_notebook_has_a_declaration() -> None:
    assert set(DECLARATIONS) == set(notebook_names())


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        (["growth", "-p", "start_year", "1990"], "start_year"),
        (
            ["growth", "-p", "start_year", "2016", "-p", "end_year", "2012"],
            "start_year",
        ),
        (["growth", "-p", "n_boot", "-1"], "n_boot"),
        (["growth", "-p", "harmonised_draws", "1"], "harmonised_draws"),
        (["profiles", "-p", "compare_to", "2031"], "compare_to"),
        (["year_profile", "-p", "year", "1999"], "year"),
        (["forecast", "-p", "train_end", "2014"], "train_end"),
        (["dark_figure", "-p", "method", "guess"], "method"),
        (["dark_figure", "-p", "dataset", "nowhere"], "dataset"),
        (
            ["data_audit", "-p", "first_year", "2020", "-p", "last_year", "2010"],
            "first_year",
        ),
        (["calibration", "-p", "n_replicates", "0"], "n_replicates"),
        (["calibration", "-p", "n_jobs", "0"], "n_jobs"),
        (["recent", "-p", "change_from", "2030"], "change_from"),
        (["recent", "-p", "n_boot", "5"], "n_boot"),
    ],
)
def test_refused_before_any_kernel(args: list[str], parameter: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    started = time.perf_counter()
    done = run_cli("reproduce", *args, "--output", str(out), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"'{parameter}'" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "executed" not in done.stdout and "FAILED" not in done.stdout
    assert time.perf_counter() - started < 60  # no kernel, no notebook
    assert not [p for p in out.rglob("*") if p.name in ("figures", "tables")] if out.exists() else True


def test_check_tasks_names_the_notebook() -> None:
    with pytest.raises(
        ParameterError,
        match=r"^parameter 'year' of notebook 'year_profile' must be a year the data cover \(2006-20\d\d\), got 2040$",
    ):
        check_tasks(
            [
                {
                    "notebook": "year_profile",
                    "params": {"data_dir": "", "year": 2040, "window": 5},
                }
            ]
        )


def test_check_parameters_types_first() -> None:
    with pytest.raises(
        ParameterError,
        match=r"^parameter 'start_year' of notebook 'growth' must be int, got '2010'$",
    ):
        check_parameters("growth", start_year="2010")
    with pytest.raises(ParameterError, match=r"unknown parameter 'start' of notebook 'growth'"):
        check_parameters("growth", start=2010)
    check_parameters("growth", start_year=2010, end_year=2020)  # within the data: no error


def test_papermill_user_gets_one_line(tmp_path: Path) -> None:
    """papermill directly, a year given as text: the failing cell shows one line naming the parameter, no folders."""
    out_dir = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOK_DIR / "growth.ipynb"),
            str(tmp_path / "run.ipynb"),
            "-p",
            "start_year",
            "abc",
            "-p",
            "output_dir",
            str(out_dir),
            "--cwd",
            str(NOTEBOOK_DIR),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "ParameterError: parameter 'start_year' of notebook 'growth' must be int, got 'abc'" in done.stderr
    assert "Traceback" not in done.stderr.split("PapermillExecutionError")[-1]
    assert not [p for p in out_dir.rglob("*") if p.name in ("figures", "tables")] if out_dir.exists() else True
