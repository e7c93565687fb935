"""The harmonised admissions series 2006 onwards, added to an analysis (the growth notebook's last part).

The parts: `harmonised_series` builds the series (published years as published, the gap years 2007-2009 and 2014
estimated from every source by `stats.gap_allocation`, flagged, each with the sources it rests on) and its growth
(`stats.pooled_growth`: the trend fitted on every draw and pooled by Rubin's rules, so the uncertainty of the
estimated years, which total holds included, widens the APC interval); `harmonised_tables` the sensitivity table,
the figures derived by arithmetic and the estimates; `harmonised_figures` the figure. Nothing estimated here is
written to the data package.
"""

from __future__ import annotations

import pandas as pd

from ..config import FIRST_YEAR
from ..errors import ParameterError
from .base import Analysis
from .harmonised_figures import HARMONISED_SOURCE, figure
from .harmonised_series import (
    Harmonised,
    Inputs,
    Scenario,
    full_span_growth,
    harmonise,
    implied_gap_totals,
    inputs,
    published_only_growth,
)
from .harmonised_tables import SCENARIOS, SENSITIVITY_DRAWS, derived_complements, estimates, sensitivity

__all__ = [
    "HARMONISED_SOURCE",
    "SCENARIOS",
    "SENSITIVITY_DRAWS",
    "Harmonised",
    "Inputs",
    "Scenario",
    "add_to",
    "derived_complements",
    "estimates",
    "figure",
    "full_span_growth",
    "harmonise",
    "implied_gap_totals",
    "inputs",
    "published_only_growth",
    "sensitivity",
]


def add_to(
    analysis: Analysis,
    obs: pd.DataFrame,
    *,
    end_year: int = 2020,
    n_draws: int = 100,
    sensitivity_draws: int = SENSITIVITY_DRAWS,
    seed: int = 2006,
    model: str = "negbin",
) -> Harmonised:
    """Add the harmonised series, its growth, the sensitivity table and the derived figures to an analysis.

    Parameters
    ----------
    analysis : Analysis
        Usually the growth analysis; estimates go under ``harmonised.``.
    obs : pandas.DataFrame
        The validated observations.
    end_year : int
        Last year of the span (which starts in 2006).
    n_draws, sensitivity_draws : int
        Draws for the main scenario and for each scenario of the sensitivity table (at least 2 each; a
        `sensitivity_draws` of 0 leaves the sensitivity table out).
    seed : int
        Seed of the draws.
    model : {"negbin", "poisson"}
        Trend model.

    Returns
    -------
    Harmonised
        The main scenario (`Scenario()`: every source, either total drawn, 2006 = 9, UNODC relation 2010-2020).
    """
    if n_draws < 2:
        raise ParameterError(f"parameter 'harmonised_draws' must be at least 2 (Rubin's rules), got {n_draws}")
    if sensitivity_draws == 1 or sensitivity_draws < 0:
        raise ParameterError(
            f"parameter 'sensitivity_draws' must be 0 (no table) or at least 2, got {sensitivity_draws}"
        )
    h = harmonise(obs, Scenario(), end_year, n_draws, seed)
    main = full_span_growth(h, model)
    published = published_only_growth(obs, FIRST_YEAR, end_year, model)
    table = sensitivity(obs, end_year, sensitivity_draws, seed, model) if sensitivity_draws else None
    implied = implied_gap_totals(inputs(obs), None, end_year)
    derived = derived_complements(obs)
    analysis.table("harmonised_series", h.table)
    if table is not None:
        analysis.table("harmonised_sensitivity", table)
    analysis.table("harmonised_implied_gap_totals", implied.drop(columns="gaps_after_end"))
    analysis.table("derived_figures", derived)
    analysis.figure("harmonised_series", figure(h))
    analysis.models["harmonised"] = h
    analysis.add(estimates(h, main, published, table, implied, derived), prefix="harmonised")
    analysis.notes.extend(f"harmonised: {n}" for n in h.notes)
    return h
