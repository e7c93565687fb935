"""A share before and after a date: the odds ratio of the years after against the years before, with the
quasi-binomial interval of the share trends (the yearly shares' extra-binomial scatter estimated from the years
themselves), and counts known only as a range (a share published as a rounded percentage) carried into the interval.

Pure: yearly counts in, a frozen result out; fitted by the package's engine (`batchfit.fit_binomial`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import FitError
from . import batchfit
from .result import Estimate, Result, covers_one_words
from .shares import SHARE_TREND_METHOD, paired_counts
from .trendfit import small_sample_interval


@dataclass(frozen=True)
class PeriodChange(Result):
    """The share after a change against before it.

    Attributes
    ----------
    label : str
        What the share is.
    years_before, years_after : tuple of int
        The years on each side.
    share_before, share_after : float
        Pooled shares (all counts over all totals of each side).
    odds_ratio : float
        Odds after over odds before, from the logit model with one level per side.
    odds_ratio_ci : tuple of float
        Its 95% interval: quasi-binomial, widened to cover every count a rounded percentage allows.
    p_value : float
        t test of no change (at the counts as published or rounded).
    dispersion : float
        Pearson chi-square per residual degree of freedom (years minus two).
    ranged_years : tuple of int
        Years whose count is known only as a range.
    """

    label: str
    years_before: tuple[int, ...]
    years_after: tuple[int, ...]
    share_before: float
    share_after: float
    odds_ratio: float
    odds_ratio_ci: tuple[float, float]
    p_value: float
    dispersion: float
    ranged_years: tuple[int, ...] = ()

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """Pooled shares on each side and the odds ratio."""
        before = f"{self.years_before[0]}-{self.years_before[-1]}" if self.years_before else "-"
        after = f"{self.years_after[0]}-{self.years_after[-1]}" if self.years_after else "-"
        ranged = (
            f"; the counts of {', '.join(map(str, self.ranged_years))} are published as rounded percentages, and the "
            "interval covers every count they allow"
            if self.ranged_years
            else ""
        )
        df = len(self.years_before) + len(self.years_after) - 2
        return (
            Estimate("share_before", self.share_before, "proportion", f"{self.label}: pooled share {before}"),
            Estimate("share_after", self.share_after, "proportion", f"{self.label}: pooled share {after}"),
            Estimate(
                "odds_ratio",
                self.odds_ratio,
                "odds ratio",
                f"{self.label}: odds {after} against {before}; {SHARE_TREND_METHOD.replace('n - 2', f'{df}')}; "
                f"Pearson dispersion {self.dispersion:.3g}{ranged}{covers_one_words(self.odds_ratio_ci, 'change')}",
                ci=self.odds_ratio_ci,
                extra={"p_value": self.p_value, "dispersion": self.dispersion, "df": df},
            ),
        )


def _fit(after: np.ndarray, k: np.ndarray, n: np.ndarray, label: str) -> tuple[float, float, float, float, float]:
    """Log odds ratio, its quasi-binomial interval ends, the Pearson dispersion and the scaled standard error."""
    X = np.column_stack([np.ones(len(k)), after.astype(float)])
    beta, cov, pearson, converged = batchfit.fit_binomial(X, k[None, :], n[None, :])
    b, se = float(beta[0, 1]), math.sqrt(cov[0, 1, 1])
    if not (converged[0] and math.isfinite(b) and math.isfinite(se)):
        raise FitError(f"{label}: the logit model before/after has no finite maximum")
    df = len(k) - 2
    low, high = small_sample_interval(b, se, float(pearson[0]), df)
    dispersion = float(pearson[0]) / df
    return b, float(low), float(high), dispersion, se * math.sqrt(dispersion)


def compare_periods(
    counts: pd.Series,
    totals: pd.Series,
    first_after: int,
    label: str = "share",
    ranges: Mapping[int, tuple[float, float]] | None = None,
) -> PeriodChange:
    """Compare a share in the years from `first_after` on with the years before.

    Parameters
    ----------
    counts, totals : pandas.Series
        Parts and wholes indexed by year; only years with both are used.
    first_after : int
        The first year after the change.
    label : str
        What the share is, for descriptions and errors.
    ranges : mapping of int to (low, high), optional
        Years whose count is known only to lie in a range (a rounded percentage); `counts` holds the value used for
        the point estimate, and the interval is widened to the fits at the range ends most favourable to each
        direction.

    Returns
    -------
    PeriodChange

    Raises
    ------
    FitError
        A side without a year, fewer than three years in all, or a part outside 0 to its total.
    """
    years, k, n = paired_counts(counts, totals, label)
    after = np.array([y >= first_after for y in years])
    if after.all() or not after.any():
        raise FitError(f"{label}: needs years both before and from {first_after} (has {years})")
    if len(years) < 3:
        raise FitError(f"{label}: {len(years)} years; the scatter between years needs three")
    b, low, high, dispersion, scaled_se = _fit(after, k, n, label)
    ranges = {y: r for y, r in (ranges or {}).items() if y in years}
    for favour_after in (True, False):  # the two corners: after high / before low, and the reverse
        corner = k.copy()
        for i, y in enumerate(years):
            if y in ranges:
                lo, hi = ranges[y]
                corner[i] = min(hi if after[i] == favour_after else lo, n[i])
        _, c_low, c_high, _, _ = _fit(after, corner, n, label)
        low, high = min(low, c_low), max(high, c_high)
    from scipy import stats

    p_value = float(2 * stats.t.sf(abs(b / scaled_se), len(years) - 2)) if scaled_se > 0 else 0.0
    return PeriodChange(
        label,
        tuple(int(y) for y, a in zip(years, after) if not a),
        tuple(int(y) for y, a in zip(years, after) if a),
        float(k[~after].sum() / n[~after].sum()),
        float(k[after].sum() / n[after].sum()),
        math.exp(b),
        (math.exp(low), math.exp(high)),
        p_value,
        dispersion,
        tuple(sorted(ranges)),
    )


@dataclass(frozen=True)
class CountChange(Result):
    """The change of a yearly count between two years as a ratio, with two intervals.

    Attributes
    ----------
    label : str
        What is counted.
    years : tuple of int
        The first and the second year.
    counts : tuple of float
        Their counts.
    ratio : float
        Second over first.
    ci : tuple of float
        95% interval allowing for year-to-year variation beyond Poisson: each year's count NB2 with the dispersion
        `alpha` of the series' trend model, so the log ratio's variance is ``1/y1 + 1/y2 + 2 alpha``.
    poisson_ci : tuple of float
        The exact conditional (Poisson) interval, which counts only the chance variation of two counts.
    alpha : float
        The NB2 dispersion used.
    """

    label: str
    years: tuple[int, int]
    counts: tuple[float, float]
    ratio: float
    ci: tuple[float, float]
    poisson_ci: tuple[float, float]
    alpha: float

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The ratio with its NB2 interval (the exact Poisson one beside it)."""
        a, b = self.years
        return (
            Estimate(
                "rate_ratio",
                self.ratio,
                "ratio",
                f"{self.label}: {b} against {a} ({self.counts[1]:g} / {self.counts[0]:g}); interval from the log "
                f"ratio's variance 1/y1 + 1/y2 + 2 alpha, each year NB2 with the trend model's alpha {self.alpha:.3g} "
                f"(the exact Poisson interval, {self.poisson_ci[0]:.3f}-{self.poisson_ci[1]:.3f}, counts only the "
                f"chance variation of two counts){covers_one_words(self.ci, 'change')}",
                ci=self.ci,
                extra={"poisson_ci": list(self.poisson_ci), "alpha": self.alpha},
            ),
        )


def count_change(label: str, years: tuple[int, int], counts: tuple[float, float], alpha: float) -> CountChange:
    """The ratio of two years' counts with an NB2 interval and the exact Poisson one.

    Parameters
    ----------
    label : str
        What is counted.
    years : tuple of int
        First and second year.
    counts : tuple of float
        Their counts (whole, positive).
    alpha : float
        NB2 dispersion of the year-to-year variation (0: Poisson), e.g. the series' trend model's.

    Returns
    -------
    CountChange
    """
    from ..config import Z
    from .rates import CountRange, count_ratio

    y1, y2 = (float(c) for c in counts)
    if not (y1 > 0 and y2 > 0) or y1 != int(y1) or y2 != int(y2):
        raise FitError(f"{label}: the counts of {years[0]} and {years[1]} must be positive whole numbers")
    if not alpha >= 0:
        raise FitError(f"{label}: alpha must be at least 0, got {alpha}")
    log_ratio = math.log(y2 / y1)
    half = Z * math.sqrt(1 / y1 + 1 / y2 + 2 * alpha)
    exact = count_ratio(CountRange(int(y2), int(y2)), CountRange(int(y1), int(y1)))
    return CountChange(
        label,
        (int(years[0]), int(years[1])),
        (y1, y2),
        y2 / y1,
        (math.exp(log_ratio - half), math.exp(log_ratio + half)),
        (exact.low, exact.high),
        float(alpha),
    )
