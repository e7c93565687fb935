"""The calibration study: how often each interval the package reports covers the truth, on data shaped like the real data.

Every scenario simulates data with known truth at the real data's sample sizes, fits them the way the package does,
and counts how often the nominal 95% interval covers the true value; the Monte Carlo standard error of that share is
sqrt(c (1 - c) / R) for R replicates. The joinpoint bootstrap test is run on series without a break, and its share of
p-values at or below 5% is its size.

Seeding: replicates are drawn and fitted in fixed blocks of `BLOCK`; block b of scenario s of study family f draws
from its own generator, SeedSequence(seed).spawn(...)[f].spawn(...)[s].spawn(...)[b] (built directly from the spawn
key (f, s, b)), so the results are the same for any number of joblib workers.

The scenarios and their coverage indicators, one module per family of intervals: `trend` (APC and doubling time),
`forecast` (NB2 prediction intervals), `joinpoint` (segment slopes, AAPC, the bootstrap test's size), `shares`
(Wilson, Newcombe, logit trends) and `mse` (the profile-likelihood total); `replicates` seeds them. This module runs
them and summarises the hits.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ...config import CONFIDENCE, MIN_REPLICATES
from ...errors import ParameterError
from .forecast import FORECAST_SCENARIOS, _forecast_block
from .joinpoint import BREAK_SCENARIOS, SIZE_SCENARIOS, _joinpoint_size_block, _joinpoint_slopes_block
from .mse import MSE_SCENARIOS, _mse_block
from .replicates import BLOCK, blocks
from .shares import (
    DIFFERENCE_SCENARIOS,
    SHARE_SCENARIOS,
    SHARE_TREND_SCENARIOS,
    _difference_block,
    _share_block,
    _share_trend_block,
)
from .trend import TREND_SCENARIOS, _trend_block, simulated_fits

__all__ = ["BLOCK", "FAMILY_SPECS", "check_parameters", "run_family", "run_study"]


def _quantity(family: str, quantity: str, prefix: str) -> str:
    """The quantity a coverage row is about, from the family's default and the hit key's prefix."""
    if prefix == "doubling":
        return "doubling time"
    if family == "forecast" and prefix.startswith("h"):
        h = int(prefix[1:])
        return f"forecast {h} year{'s' if h > 1 else ''} ahead"
    return prefix or quantity


def _coverage_rows(family: str, quantity: str, label: str, hits: dict[str, np.ndarray]) -> list[dict]:
    """One row per method: nominal level, actual share of hits and its Monte Carlo standard error."""
    rows = []
    for key, h in hits.items():
        prefix, method = key.split(":", 1) if ":" in key else ("", key)
        q = _quantity(family, quantity, prefix)
        r = len(h)
        c = float(np.mean(h))
        # hits are 0/1, or (forecasts) each replicate's probability of a hit: the standard deviation over sqrt(R)
        # is then sqrt(c (1 - c) / R), or the smaller error of the conditional probabilities
        sd = float(np.std(h)) if h.dtype != bool else math.sqrt(c * (1 - c))
        nominal = 0.05 if family == "joinpoint_size" else (math.nan if method == "-" else CONFIDENCE)
        rows.append(
            {
                "family": family,
                "quantity": q,
                "method": method,
                "scenario": label,
                "nominal": nominal,
                "actual": c,
                "mc_se": sd / math.sqrt(r),
                "replicates": r,
            }
        )
    return rows


FAMILY_SPECS: dict[str, tuple[tuple, Callable, str]] = {
    "trend": (TREND_SCENARIOS, _trend_block, "APC"),
    "forecast": (FORECAST_SCENARIOS, _forecast_block, "forecast"),
    "joinpoint_slopes": (BREAK_SCENARIOS, _joinpoint_slopes_block, "joinpoint"),
    "joinpoint_size": (SIZE_SCENARIOS, _joinpoint_size_block, "joinpoint test size at 5%"),
    "share": (SHARE_SCENARIOS, _share_block, "share"),
    "share_difference": (DIFFERENCE_SCENARIOS, _difference_block, "difference of shares"),
    "share_trend": (SHARE_TREND_SCENARIOS, _share_trend_block, "odds ratio per year"),
    "mse": (MSE_SCENARIOS, _mse_block, "MSE total"),
}


def run_family(family: str, n_replicates: int, seed: int, n_jobs: int) -> pd.DataFrame:
    """Coverage (or size) table of one study family."""
    spec = FAMILY_SPECS.get(family)
    if spec is None:
        raise ParameterError(
            f"parameter 'families': unknown study family {family!r} (known: {', '.join(FAMILY_SPECS)})"
        )
    scen, block, quantity = spec
    tasks = [delayed(block)(sc, i, seed, a, b) for i, sc in enumerate(scen) for a, b in blocks(n_replicates)]
    results = Parallel(n_jobs=n_jobs)(tasks)
    nb = len(blocks(n_replicates))
    rows = []
    for i, sc in enumerate(scen):
        parts = results[i * nb : (i + 1) * nb]
        hits = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        rows += _coverage_rows(family, quantity, sc.label, hits)
    return pd.DataFrame(rows)


def check_parameters(n_replicates: int, seed: int, n_jobs: int) -> None:
    """Refuse bad study parameters, naming the parameter and the rule."""
    for name, value in (("n_replicates", n_replicates), ("seed", seed), ("n_jobs", n_jobs)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ParameterError(f"parameter '{name}' must be an integer, got {value!r}")
    if n_replicates < MIN_REPLICATES:
        raise ParameterError(f"parameter 'n_replicates' must be at least {MIN_REPLICATES}, got {n_replicates}")
    if seed < 0:
        raise ParameterError(f"parameter 'seed' must be a non-negative integer, got {seed}")
    if n_jobs == 0 or n_jobs < -1:
        raise ParameterError(f"parameter 'n_jobs' must be a positive number of workers or -1 (all cores), got {n_jobs}")


def run_study(
    n_replicates: int = 2000, seed: int = 2021, n_jobs: int = 2, families: tuple[str, ...] = ("trend",)
) -> pd.DataFrame:
    """The coverage table of the chosen families: method x scenario, nominal, actual coverage, MC standard error."""
    check_parameters(n_replicates, seed, n_jobs)
    try:
        return pd.concat([run_family(f, n_replicates, seed, n_jobs) for f in families], ignore_index=True)
    finally:
        simulated_fits.cache_clear()  # the next study fits its series again
