"""MSE result objects: frozen, with the estimates they report and a summary table (the import cycle between
existence and model is gone: tests/test_architecture.py finds none in the package)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from trafficking_research.data.capture_tables import table_from_frame
from trafficking_research.errors import EstimateDoesNotExistError, FitError
from trafficking_research.stats.mse import (
    BootstrapResult,
    ProfileInterval,
    bootstrap,
    fit_model,
    profile_interval,
    select_model,
)


def two_lists(n10: int = 60, n01: int = 45, n11: int = 15):
    return table_from_frame(pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [n10, n01, n11]}), "two")


def test_fit_is_frozen_and_reports_observed_dark_and_total() -> None:
    fit = select_model(two_lists(), "main_effects")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.method = "other"  # type: ignore[misc]
    est = {e.name: e for e in fit.estimates}
    # Lincoln-Petersen by hand: dark = n10 n01 / n11 = 180, total = 120 + 180
    assert est["observed"].value == 120
    assert est["dark"].value == pytest.approx(180.0, rel=1e-9)
    assert est["total"].value == pytest.approx(300.0, rel=1e-9)
    assert est["total"].extra["aic"] == fit.aic and est["total"].extra["bic"] == fit.bic
    assert "main_effects model main effects" in est["total"].description
    table = fit.summary()
    assert isinstance(table, pd.DataFrame) and list(table.index) == ["observed", "dark", "total"]
    assert table.loc["total", "value"] == est["total"].value and table.loc["dark", "unit"] == "persons"


def test_selection_steps_are_kept_in_the_frozen_fit() -> None:
    frame = pd.DataFrame(
        {
            "A": [1, 0, 0, 1, 1, 0, 1],
            "B": [0, 1, 0, 1, 0, 1, 1],
            "C": [0, 0, 1, 0, 1, 1, 1],
            "count": [50, 40, 30, 45, 6, 5, 4],
        }
    )
    fit = select_model(table_from_frame(frame, "dependent"), "aic_stepwise")  # A and B overlap far beyond chance
    assert isinstance(fit.selection, tuple) and fit.selection[0]["added"] == "A:B"
    assert fit.pairs == ((0, 1),) and fit.method == "aic_stepwise"


def test_profile_interval_reports_the_total_with_its_interval() -> None:
    fit = fit_model(two_lists(), method="main_effects")
    prof = profile_interval(fit)
    (total,) = prof.estimates
    assert total.name == "total" and total.value == prof.total == fit.total
    assert total.ci == (prof.lower, prof.upper) and prof.lower < prof.total < prof.upper
    assert total.description == (
        "list table 'two': total from the main-effects model (main effects), 95% profile-likelihood interval"
    )
    assert prof.summary().loc["total", "ci_high"] == prof.upper


def test_an_open_profile_interval_is_reported_with_an_open_end() -> None:
    prof = ProfileInterval(500.0, 400.0, math.inf, 0.95, "multinomial", "t", "stepwise", "main effects")
    assert prof.estimates[0].ci == (400.0, None)


def test_bootstrap_result_reports_percentile_and_bca_intervals() -> None:
    res = bootstrap(two_lists(), "main_effects", n_boot=50, seed=5, n_jobs=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.total = 1.0  # type: ignore[misc]
    est = {e.name: e for e in res.estimates}
    finite = res.replicates[np.isfinite(res.replicates)]
    assert est["bootstrap_percentile"].ci == pytest.approx(
        tuple(np.quantile(finite, [0.025, 0.975], method="median_unbiased"))
    )
    assert est["bootstrap_percentile"].extra["failed_replicates"] == res.n_failed == 0
    assert est["bootstrap_bca"].ci == res.bca
    assert (
        est["bootstrap_bca"].description
        == "list table 'two': total from the main-effects model, BCa interval of 50 replicates"
    )
    assert list(res.summary().index) == ["bootstrap_percentile", "bootstrap_bca"]


def test_bootstrap_without_an_acceleration_reports_no_bca() -> None:
    res = BootstrapResult(
        300.0,
        "stepwise",
        0.95,
        np.array([290.0, math.nan, 310.0]),
        np.array([math.nan]),
        math.nan,
        0.0,
        (290.5, 309.5),
        (math.nan, math.nan),
        table="t",
    )
    assert [e.name for e in res.estimates] == ["bootstrap_percentile"]
    assert res.n_failed == 1 and res.n_boot == 3


def test_a_model_without_an_estimate_is_a_fit_error() -> None:
    with pytest.raises(EstimateDoesNotExistError) as info:
        select_model(two_lists(n11=0), "stepwise")
    assert isinstance(info.value, FitError) and "table 'two'" in str(info.value)
