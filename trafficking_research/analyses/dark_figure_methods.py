"""Every selection method of `stats.mse` on every list table of the dark-figure analysis: the selected model, its
profile-likelihood interval for the total, or the reason no estimate was made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..data.capture_tables import CaptureTable
from ..errors import FitError, SelectionError
from ..stats.mse.intervals import ProfileInterval, profile_interval
from ..stats.mse.model import MSEFit
from ..stats.mse.selection import METHODS, select_model

#: What a model that cannot be estimated, or a method that cannot run on a table, raises.
NOT_ESTIMATED = (FitError, SelectionError)


def method_options(method: str, threshold: float) -> dict[str, Any]:
    """The options a method takes from the notebook's `threshold` (stepwise's tail-probability cut-off).

    Parameters
    ----------
    method : str
        A selection method (see `METHODS`).
    threshold : float
        Stepwise's tail-probability cut-off.

    Returns
    -------
    dict
        Keyword arguments of `select_model`.
    """
    return {"threshold": threshold} if method == "stepwise" else {}


def estimate(table: CaptureTable, method: str, threshold: float) -> tuple[MSEFit, ProfileInterval]:
    """One method on one table: the selected model's fit and its profile-likelihood interval for the total.

    Parameters
    ----------
    table : CaptureTable
        The observed table.
    method : str
        A selection method.
    threshold : float
        Stepwise's cut-off.

    Returns
    -------
    tuple of MSEFit and ProfileInterval
        Raises a `FitError` (no estimable model) or a `SelectionError` (the method cannot run on the table).
    """
    fit = select_model(table, method, **method_options(method, threshold))
    return fit, profile_interval(fit)


def every_method(
    tables: Mapping[str, CaptureTable], threshold: float
) -> tuple[pd.DataFrame, dict[str, MSEFit], dict[str, ProfileInterval], list[str]]:
    """Every selection method on every table, with profile intervals; refused models keep their reason.

    Parameters
    ----------
    tables : Mapping of str to CaptureTable
        The tables.
    threshold : float
        Stepwise's cut-off.

    Returns
    -------
    table : pandas.DataFrame
        One row per table and method: ``dataset, method, observed, model, estimate, profile_low, profile_high,
        problem`` (the reason where no estimate was made, else empty).
    fits, profiles : dict
        The fits and their intervals by ``<dataset>.<method>``.
    notes : list of str
        The reasons, one per table and method without an estimate.
    """
    rows, fits, profiles, notes = [], {}, {}, []
    for table in tables.values():
        for method in METHODS:
            row: dict[str, Any] = {"dataset": table.name, "method": method, "observed": int(table.n_observed)}
            try:
                fit, prof = estimate(table, method, threshold)
            except NOT_ESTIMATED as exc:
                row.update(model="", estimate=np.nan, profile_low=np.nan, profile_high=np.nan, problem=str(exc))
                notes.append(f"not estimated: {table.name}, {method}: {exc}")
            else:
                row.update(
                    model=fit.label, estimate=prof.total, profile_low=prof.lower, profile_high=prof.upper, problem=""
                )
                fits[f"{table.name}.{method}"], profiles[f"{table.name}.{method}"] = fit, prof
            rows.append(row)
    return pd.DataFrame(rows), fits, profiles, notes
