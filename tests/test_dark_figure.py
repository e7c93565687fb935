"""The dark_figure analysis: its estimates and their keys, refused models as notes, and refusals of bad parameters."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from trafficking_research.analyses import dark_figure, dark_figure_scenario
from trafficking_research.data.capture_tables import table_from_frame
from trafficking_research.errors import ParameterError
from trafficking_research.stats.mse import METHODS


def frame_table(name: str, counts: dict[tuple[int, ...], int]):
    k = len(next(iter(counts)))
    lists = [chr(ord("A") + i) for i in range(k)]
    frame = pd.DataFrame([[*h, c] for h, c in counts.items()], columns=[*lists, "count"])
    return table_from_frame(frame, name)


def main_effects_total(counts: dict[tuple[int, ...], int], k: int) -> float:
    """Main-effects total by direct maximisation of the Poisson likelihood of the incomplete table (scipy)."""
    cells = [h for h in itertools.product((0, 1), repeat=k) if any(h)]
    X = np.array([[1.0, *h] for h in cells])
    y = np.array([counts.get(h, 0) for h in cells], dtype=float)
    b = optimize.minimize(
        lambda b: float(np.sum(np.exp(X @ b) - y * (X @ b))),
        np.zeros(k + 1),
        jac=lambda b: X.T @ (np.exp(X @ b) - y),
        method="BFGS",
        options={"gtol": 1e-10},
    ).x
    return float(y.sum() + math.exp(b[0]))


GOOD = {(1, 0, 0): 50, (0, 1, 0): 40, (0, 0, 1): 30, (1, 1, 0): 12, (1, 0, 1): 9, (0, 1, 1): 7, (1, 1, 1): 3}
BAD = {(1, 0): 10, (0, 1): 12, (1, 1): 0}  # no overlap: the main-effects estimate does not exist


@pytest.fixture(scope="module")
def tables_run():
    tables = {"good": frame_table("good", GOOD), "bad": frame_table("bad", BAD)}
    return dark_figure.run(tables, n_boot=30, seed=4, method="main_effects")


def test_estimates_of_tables_carry_profile_intervals(tables_run) -> None:
    est = {e.name: e for e in tables_run.estimates}
    total = est["good.main_effects.estimate"]
    assert total.value == pytest.approx(main_effects_total(GOOD, 3), rel=1e-6)
    assert total.ci[0] < total.value < total.ci[1]
    assert total.description == (
        "list table 'good': total from the main-effects model (main effects), 95% profile-likelihood interval"
    )
    assert {f"good.{m}.estimate" for m in METHODS} <= set(est)
    assert not any(name.startswith("bad.") for name in est)
    assert "good.main_effects.bootstrap_percentile" in est and "good.main_effects.bootstrap_bca" in est
    assert not any("truth" in name or "precision" in name for name in est)  # only the scenario has a truth


def test_a_refused_model_becomes_a_note_and_a_table_row(tables_run) -> None:
    bad_notes = [n for n in tables_run.notes if n.startswith("not estimated: bad,")]
    assert len(bad_notes) == len(METHODS)
    assert all("table 'bad'" in n for n in bad_notes)
    assert sum("maximum-likelihood estimate does not exist" in n for n in bad_notes) == 3  # bic: no model at all
    table = tables_run.tables["estimates"]
    bad = table[table["dataset"] == "bad"]
    assert len(bad) == len(METHODS) and bad["estimate"].isna().all() and (bad["problem"] != "").all()
    assert set(tables_run.figures) == {"estimates"}


def test_the_simulated_scenario_reports_truth_observed_and_precision() -> None:
    out = dark_figure.run(None, n_boot=0, reps=2, seed=2021, population=2000)
    est = {e.name: e for e in out.estimates}
    table = dark_figure_scenario.scenario_table(2000, 2021)
    counts = {tuple(int(v) for v in h): int(c) for h, c in zip(table.histories, table.counts)}
    assert est["finland_scenario.truth"].value == 2000
    assert est["finland_scenario.observed"].value == table.n_observed == sum(counts.values())
    assert est["finland_scenario.main_effects.estimate"].value == pytest.approx(main_effects_total(counts, 4), rel=1e-6)
    assert not any("bootstrap" in name for name in est)
    settings = [(s, o) for s in dark_figure_scenario.PRECISION_SCALES for o in dark_figure_scenario.PRECISION_ODDS]
    for scale, odds in settings:
        key = f"finland_scenario.{dark_figure_scenario.setting_key(scale, odds)}"
        assert 0 <= est[f"{key}.coverage"].value <= 1 and est[f"{key}.relative_width"].value > 0
    assert len(out.tables["precision_study"]) == len(settings)
    assert set(out.figures) == {"estimates", "precision"}


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (
            {"method": "guess"},
            "parameter 'method' must be one of 'main_effects', 'stepwise', 'aic_stepwise', 'bic', got",
        ),
        ({"dataset": "elsewhere"}, "parameter 'dataset': no table 'elsewhere'"),
        ({"n_boot": 1}, "parameter 'n_boot' must be 0 or at least 2, got 1"),
        ({"threshold": 1.5}, "parameter 'threshold' must be strictly between 0 and 1, got 1.5"),
        ({"population": 0}, "parameter 'population' must be at least 1, got 0"),
    ],
)
def test_bad_parameters_are_refused_before_any_work(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ParameterError) as info:
        dark_figure.run(None, **kwargs)
    assert fragment in str(info.value)
