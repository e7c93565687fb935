"""Calibration of the joinpoint model: coverage of its segment slopes and AAPC given the chosen break, and the size of
its bootstrap test on series without a break.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...config import Z
from .. import batchfit as bf
from ..breaks import break_loglik, scaled_lr
from ..trendfit import design, small_sample_interval
from .replicates import block_rng
from .trend import SERIES_YEARS, TREND_SCENARIOS, TrendScenario, simulated_fits, true_means

MIN_SEGMENT = 3


def joinpoint_candidates(years: Sequence[int] = SERIES_YEARS, min_segment: int = MIN_SEGMENT) -> list[int]:
    """Break years leaving `min_segment` observed years on each side (the rule of breaks.joinpoint)."""
    years = np.asarray(years)
    return [int(k) for k in years if (years <= k).sum() >= min_segment and (years >= k).sum() >= min_segment]


def best_breaks(
    Y: np.ndarray,
    alpha: np.ndarray,
    candidates: list[int],
    years: Sequence[int] = SERIES_YEARS,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Per row: the break year of highest likelihood with alpha held (ties: the earliest), by `breaks.break_loglik`
    (Newton from `start`, the no-break coefficients, when given)."""
    years = np.asarray(years)
    _, lls, _ = break_loglik(Y, years, int(years[0]), candidates, alpha, start=start, lean=True)
    return np.asarray(candidates)[np.argmax(lls, axis=1)]


@dataclass(frozen=True)
class BreakScenario:
    """NB2 counts with a joinpoint: slope `before` up to `break_year`, `after` from it, dispersion alpha."""

    before: float
    after: float
    break_year: int
    alpha: float
    start_count: float = 50.0
    series_years: tuple[int, ...] = SERIES_YEARS

    @property
    def years(self) -> np.ndarray:
        """The years of the series."""
        return np.asarray(self.series_years)

    @property
    def label(self) -> str:
        return (
            f"APC {math.expm1(self.before):.0%} then {math.expm1(self.after):.0%} from {self.break_year}, "
            f"alpha {self.alpha:g}"
        )

    def means(self) -> np.ndarray:
        """The expected counts on the scenario's years."""
        years = self.years
        return self.start_count * np.exp(
            design(years, int(years[0]), (self.break_year,)) @ np.array([0.0, self.before, self.after - self.before])
        )


BREAK_SCENARIOS = (
    BreakScenario(0.02, 0.2, 2015, 0.03),
    BreakScenario(0.02, 0.2, 2015, 0.0),
    BreakScenario(0.05, 0.25, 2016, 0.06),
)


def _joinpoint_slopes_block(
    scenario: BreakScenario, index: int, seed: int, start: int, stop: int
) -> dict[str, np.ndarray]:
    """Coverage of the true segment slopes and average slope by the intervals of the fitted joinpoint model."""
    mu = scenario.means()
    rng = block_rng(seed, "joinpoint_slopes", index, start)
    Y = bf.draw_nb2(rng, np.broadcast_to(mu, (stop - start, len(mu))), scenario.alpha)
    years = scenario.years
    origin, span = int(years[0]), float(years[-1] - years[0])
    null = bf.fit_nb2(design(years, origin), Y, lean=True)
    cands = joinpoint_candidates(years)
    best = best_breaks(Y, null.alpha, cands, years, start=null.beta)
    n = len(years)
    truths = {
        "slope before break": scenario.before,
        "slope after break": scenario.after,
        "AAPC": float(np.log(mu[-1] / mu[0]) / span),
    }
    out = {f"{q}:{m}": np.zeros(len(Y), dtype=bool) for q in truths for m in ("nb2_wald_z", "nb2_pearson_t")}
    out["break year found:-"] = best == scenario.break_year
    for k in np.unique(best):
        rows = np.flatnonzero(best == k)
        fit = bf.fit_nb2(design(years, origin, (int(k),)), Y[rows], lean=True)
        w = (years[-1] - k) / span
        b, c = fit.beta[:, 1], fit.beta[:, 2]
        cov = fit.cov
        est = {
            "slope before break": (b, cov[:, 1, 1]),
            "slope after break": (b + c, cov[:, 1, 1] + cov[:, 2, 2] + 2 * cov[:, 1, 2]),
            "AAPC": (b + w * c, cov[:, 1, 1] + w * w * cov[:, 2, 2] + 2 * w * cov[:, 1, 2]),
        }
        for q, (e, var) in est.items():
            se = np.sqrt(np.maximum(var, 0))
            truth = truths[q]
            out[f"{q}:nb2_wald_z"][rows] = np.abs(e - truth) <= Z * se
            low, high = small_sample_interval(e, se, fit.pearson_chi2, n - 3)
            out[f"{q}:nb2_pearson_t"][rows] = (low <= truth) & (truth <= high)
    return out


#: Bootstrap series per test: with 19, p = (exceedances + 1) / 20 is at most 5% only when no bootstrap statistic
#: reaches the observed one, so the test is exact at 5% for a continuous statistic, as with the growth notebook's 199.
JOINPOINT_BOOT = 19
#: The bootstrap series are fitted in rounds, up to these counts; a test leaves once it has more exceedances than a
#: rejection allows (its decision is then made), so most tests fit only one or a few series. The decisions are those
#: of fitting all of them.
BOOT_ROUNDS = (1, 3, 7, JOINPOINT_BOOT)
BOOT_NEWTON_STEPS = 3
SIZE_SCENARIOS = (
    TrendScenario(0.2, 0.03),
    TrendScenario(0.2, 0.0),
    TrendScenario(0.0, 0.06),
    TrendScenario(0.2, 0.015),
    TrendScenario(0.0, 0.0),
)


def _joinpoint_size_block(
    scenario: TrendScenario, index: int, seed: int, start: int, stop: int
) -> dict[str, np.ndarray]:
    """Rejections at 5% of the joinpoint bootstrap test (breaks.joinpoint's procedure) on series with no break."""
    years = scenario.years
    rng = block_rng(seed, "joinpoint_size", index, start)
    if scenario in TREND_SCENARIOS:  # the trend family's series and no-break fits (origin at the last year)
        Y, _, _, null = simulated_fits(scenario, seed, start, stop)
    else:
        mu = true_means(scenario.growth, years)
        Y = bf.draw_nb2(rng, np.broadcast_to(mu, (stop - start, len(mu))), scenario.alpha)
        null = bf.fit_nb2(design(years, int(years[-1])), Y, lean=True)
    origin = int(years[-1])
    cands = joinpoint_candidates(years)
    # from the no-break NB2 fit (the maximum with alpha held there), Newton to breaks.joinpoint's tolerance
    null_ll, lls, dispersion = break_loglik(Y, years, origin, cands, null.alpha, start=null.beta, lean=True)
    observed = scaled_lr(null_ll, lls.max(axis=1), dispersion)
    B = JOINPOINT_BOOT
    allowed = int(math.floor(0.05 * (B + 1) + 1e-9)) - 1  # the most exceedances with p = (exceed + 1) / (B + 1) <= 5%
    exceed = np.zeros(len(Y), dtype=int)
    done = 0
    for upto in BOOT_ROUNDS:
        rows = np.flatnonzero(exceed <= allowed)
        k = upto - done
        # the round's bootstrap series, drawn from each open test's fitted no-break model
        alpha_b = np.repeat(null.alpha[rows], k)
        boot = bf.draw_nb2(rng, np.repeat(null.mu[rows], k, axis=0), alpha_b[:, None])
        # Newton from the null fit: BOOT_NEWTON_STEPS steps leave every log-likelihood within about 1e-11 of its
        # maximum (tests/test_calibration.py checks it), far inside the 1e-9 tolerance of the comparison below
        b_null, b_lls, b_dispersion = break_loglik(
            boot,
            years,
            origin,
            cands,
            alpha_b,
            kernel=True,
            start=np.repeat(null.beta[rows], k, axis=0),
            tol=0.0,
            max_iter=BOOT_NEWTON_STEPS,
            lean=True,
        )
        stat = scaled_lr(b_null, b_lls.max(axis=1), b_dispersion).reshape(len(rows), k)
        exceed[rows] += (stat >= observed[rows, None] * (1 - 1e-12) - 1e-9).sum(axis=1)
        done = upto
    return {"bootstrap_lr": exceed <= allowed}
