"""Calibration of the share intervals: Wilson intervals of a share, Newcombe intervals of a difference of shares, and
binomial and quasi-binomial intervals of a logit trend's odds ratio per year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...config import Z
from .. import batchfit as bf
from ..trendfit import design, small_sample_interval
from .replicates import block_rng
from .trend import SERIES_YEARS


def wilson(k: np.ndarray, n: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval of k successes in n (vectorised; profiles.share uses statsmodels' version)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z2 = Z * Z
    centre = (k + z2 / 2) / (n + z2)
    half = Z * np.sqrt(k * (n - k) / n + z2 / 4) / (n + z2)
    return centre - half, centre + half


def newcombe(k1: np.ndarray, n1: float, k2: np.ndarray, n2: float) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score 95% interval of k2/n2 - k1/n1 (profiles.share_change's interval, vectorised)."""
    p1, p2 = np.asarray(k1) / n1, np.asarray(k2) / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p2 - p1
    return d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


@dataclass(frozen=True)
class ShareScenario:
    """k ~ Binomial(n, p)."""

    p: float
    n: int

    @property
    def label(self) -> str:
        return f"share {self.p:.0%} of {self.n}"


SHARE_SCENARIOS = tuple(ShareScenario(p, n) for p in (0.02, 0.05, 0.1, 0.3, 0.6) for n in (100, 300))


def _share_block(scenario: ShareScenario, index: int, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    k = block_rng(seed, "share", index, start).binomial(scenario.n, scenario.p, size=stop - start)
    low, high = wilson(k, scenario.n)
    return {"wilson": (low <= scenario.p) & (scenario.p <= high)}


@dataclass(frozen=True)
class DifferenceScenario:
    """Two years' shares: k1 ~ Binomial(n1, p1), k2 ~ Binomial(n2, p2); the truth is p2 - p1."""

    p1: float
    n1: int
    p2: float
    n2: int

    @property
    def label(self) -> str:
        return f"{self.p1:.0%} of {self.n1} to {self.p2:.0%} of {self.n2}"


DIFFERENCE_SCENARIOS = (
    DifferenceScenario(0.02, 100, 0.05, 300),
    DifferenceScenario(0.1, 150, 0.2, 250),
    DifferenceScenario(0.3, 100, 0.3, 100),
    DifferenceScenario(0.5, 300, 0.6, 300),
    DifferenceScenario(0.05, 300, 0.02, 100),
)


def _difference_block(
    scenario: DifferenceScenario, index: int, seed: int, start: int, stop: int
) -> dict[str, np.ndarray]:
    rng = block_rng(seed, "share_difference", index, start)
    k = rng.binomial((scenario.n1, scenario.n2), (scenario.p1, scenario.p2), size=(stop - start, 2))
    low, high = newcombe(k[:, 0], scenario.n1, k[:, 1], scenario.n2)
    truth = scenario.p2 - scenario.p1
    return {"newcombe": (low <= truth + 1e-12) & (truth - 1e-12 <= high)}


def trend_totals(n_years: int, totals: tuple[int, int] = (100, 300)) -> np.ndarray:
    """Persons per year of a share trend's `n_years` years, growing evenly from `totals[0]` to `totals[1]`."""
    return np.round(np.linspace(*totals, n_years)).astype(int)


def special_expit(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class ShareTrendScenario:
    """Yearly shares with a logit trend, logit p_t = logit(p0) + log(odds_ratio) (year - first year).

    With `icc` 0, k_t ~ Binomial(n_t, p_t) on `series_years` (by default the real series' years, `SERIES_YEARS`) and
    n_t from 100 to 300. With `icc` > 0 the share of each year varies beyond binomial sampling: k_t ~ beta-binomial with mean
    n_t p_t and intra-class correlation `icc` (variance n p (1 - p) (1 + (n - 1) icc)), over `n_years` consecutive
    years with n_t from `totals[0]` to `totals[1]`: the group sizes and spans of the shares the package reports
    (the system's 4-7 years of about 100-250 persons, UNODC's 15 years of about 50-250).
    """

    p0: float
    odds_ratio: float
    icc: float = 0.0
    n_years: int = 0
    totals: tuple[int, int] = (100, 300)
    series_years: tuple[int, ...] = SERIES_YEARS

    @property
    def years(self) -> np.ndarray:
        """The years of the shares: `series_years`, or `n_years` consecutive years from 2008."""
        return np.asarray(self.series_years) if not self.n_years else np.arange(2008, 2008 + self.n_years)

    @property
    def label(self) -> str:
        text = f"share {self.p0:.0%} in {int(self.years[0])}, odds ratio {self.odds_ratio:g} a year"
        if self.n_years:
            text += f", {self.n_years} years of {self.totals[0]}-{self.totals[1]} persons, intra-class correlation "
            text += f"{self.icc:g}"
        return text


SHARE_TREND_SCENARIOS = (
    ShareTrendScenario(0.02, 1.15),
    ShareTrendScenario(0.05, 1.1),
    ShareTrendScenario(0.3, 1.05),
    ShareTrendScenario(0.6, 0.95),
    # extra-binomial variation at the real group sizes and spans
    ShareTrendScenario(0.4, 1.3, 0.0, 5, (100, 250)),
    ShareTrendScenario(0.4, 1.3, 0.02, 5, (100, 250)),
    ShareTrendScenario(0.4, 1.3, 0.05, 5, (100, 250)),
    ShareTrendScenario(0.15, 1.0, 0.02, 7, (100, 250)),
    ShareTrendScenario(0.6, 0.95, 0.0, 15, (50, 250)),
    ShareTrendScenario(0.6, 0.95, 0.02, 15, (50, 250)),
    ShareTrendScenario(0.6, 0.95, 0.05, 15, (50, 250)),
    ShareTrendScenario(0.4, 1.3, 0.05, 4, (100, 250)),
)


def _share_trend_block(
    scenario: ShareTrendScenario, index: int, seed: int, start: int, stop: int
) -> dict[str, np.ndarray]:
    """Coverage of the true log odds ratio by the binomial Wald interval and by the quasi-binomial t interval."""
    years = scenario.years
    totals = trend_totals(len(years)) if not scenario.n_years else trend_totals(len(years), scenario.totals)
    X = design(years, int(years[0]))
    truth = math.log(scenario.odds_ratio)
    pr = special_expit(math.log(scenario.p0 / (1 - scenario.p0)) + truth * (years - years[0]))
    rng = block_rng(seed, "share_trend", index, start)
    shape = (stop - start, len(years))
    if scenario.icc > 0:
        a, b = pr * (1 - scenario.icc) / scenario.icc, (1 - pr) * (1 - scenario.icc) / scenario.icc
        K = rng.binomial(totals, rng.beta(a, b, size=shape))
    else:
        K = rng.binomial(totals, pr, size=shape)
    beta, cov, pearson, _ = bf.fit_binomial(X, K, np.broadcast_to(totals, K.shape))
    se = np.sqrt(cov[:, 1, 1])
    low, high = small_sample_interval(beta[:, 1], se, pearson, len(years) - 2)  # as shares.fit_share_trend
    return {"logit_wald_z": np.abs(beta[:, 1] - truth) <= Z * se, "logit_quasi_t": (low <= truth) & (truth <= high)}
