"""Exact intervals for counts: rates per population (Garwood), rate ratios and count ratios (conditional binomial).

Pure functions: whole counts and exposures in, frozen results out. A count published only as a bound ("<5") enters as
the range of counts it allows, and the result is then a bound with an interval, never a point estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from ..config import CONFIDENCE
from ..data.counts import CountRange
from ..errors import ParameterError
from .result import Estimate, Result


@dataclass(frozen=True)
class Interval(Result):
    """A rate, rate ratio or count ratio with its exact confidence interval: a frozen result like every other.
    `value` is None when the inputs are bounds (only the range is known), and then `bound` holds the largest value the
    statistic could take from the published bounds."""

    value: float | None
    low: float
    high: float
    confidence: float
    method: str
    bound: float | None = None
    unit: str = "ratio"

    @property
    def ci(self) -> tuple[float, float]:
        """The interval's ends."""
        return (self.low, self.high)

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The statistic (None where only a bound is known) with its interval; the method in words."""
        bound = "" if self.bound is None else f"; from published bounds, at most {self.bound:.4g}"
        return (
            Estimate(
                "value",
                self.value,
                self.unit,
                f"{self.method} ({self.confidence:.0%} exact interval){bound}",
                ci=self.ci,
                extra={} if self.bound is None else {"bound": self.bound},
            ),
        )


def _check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    return confidence


def garwood(count: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson mean from one observed count.

    Parameters
    ----------
    count : int
        The observed count (whole, >= 0).
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        (lower, upper) limits of the mean; the lower limit is 0 for a zero count.
    """
    _check_confidence(confidence)
    if count < 0 or int(count) != count:
        raise ParameterError(f"count must be a whole number >= 0, got {count}")
    a = 1 - confidence
    low = 0.0 if count == 0 else float(stats.chi2.ppf(a / 2, 2 * count) / 2)
    high = float(stats.chi2.ppf(1 - a / 2, 2 * count + 2) / 2)
    return low, high


def poisson_rate(count: CountRange, exposure: float, per: float = 100_000, confidence: float = CONFIDENCE) -> Interval:
    """Rate per `per` units of exposure with its exact Poisson interval.

    Parameters
    ----------
    count : CountRange
        Events counted (exact, or a published bound).
    exposure : float
        Population (or person-time) the count refers to; > 0.
    per : float
        Rate scale, e.g. 100,000 inhabitants.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    Interval
        Rate and interval; for a bounded count, value None, bound the rate at the largest count, and the interval
        from the smallest count's lower limit to the largest count's upper limit.
    """
    if not exposure > 0 or not math.isfinite(exposure):
        raise ParameterError(f"exposure must be a positive finite number, got {exposure}")
    scale = per / exposure
    low = garwood(count.low, confidence)[0] * scale
    high = garwood(count.high, confidence)[1] * scale
    unit = f"per {per:,.0f} population"
    if count.exact:
        return Interval(count.low * scale, low, high, confidence, "exact Poisson (Garwood)", unit=unit)
    return Interval(
        None, low, high, confidence, "exact Poisson (Garwood) over the published range", count.high * scale, unit
    )


def clopper_pearson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact binomial interval of a proportion k/n (0 <= k <= n, n >= 1)."""
    _check_confidence(confidence)
    if n < 1 or not 0 <= k <= n:
        raise ParameterError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    a = 1 - confidence
    low = 0.0 if k == 0 else float(stats.beta.ppf(a / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - a / 2, k + 1, n - k))
    return low, high


def _odds(p: float) -> float:
    return math.inf if p >= 1 else p / (1 - p)


def count_ratio(
    numerator: CountRange, denominator: CountRange, scale: float = 1.0, confidence: float = CONFIDENCE
) -> Interval:
    """Ratio of two independent Poisson counts, times `scale`, with the exact conditional interval.

    Given the sum of the counts, the numerator is binomial with p = r / (1 + r), where r is the ratio of the means;
    the Clopper-Pearson limits of p give the limits of r. For persons convicted per detected victim `scale` is 1; for a
    rate ratio it is the inverse ratio of the exposures.

    Parameters
    ----------
    numerator, denominator : CountRange
        The counts; bounds are allowed, the denominator must be able to exceed zero.
    scale : float
        Multiplier of the ratio of counts (> 0).
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    Interval
        Ratio and interval; with a bounded count, value None, bound the largest ratio the bounds allow, and the
        interval the union of the intervals over the published ranges (lowest lower limit, highest upper limit).
    """
    if not scale > 0 or not math.isfinite(scale):
        raise ParameterError(f"scale must be a positive finite number, got {scale}")
    if denominator.high == 0:
        raise ParameterError("the denominator count is zero: the ratio is undefined")

    def limits(k1: int, k2: int) -> tuple[float, float]:
        if k1 + k2 == 0:
            return 0.0, math.inf
        p_low, p_high = clopper_pearson(k1, k1 + k2, confidence)
        return _odds(p_low) * scale, _odds(p_high) * scale

    # the lower limit falls with the numerator and rises with the denominator; the upper limit the other way round
    low = limits(numerator.low, denominator.high)[0]
    high = limits(numerator.high, denominator.low)[1]
    if numerator.exact and denominator.exact:
        return Interval(numerator.low / denominator.low * scale, low, high, confidence, "exact conditional binomial")
    bound = numerator.high / max(denominator.low, 1) * scale if denominator.low > 0 else math.inf
    return Interval(None, low, high, confidence, "exact conditional binomial over the published ranges", bound=bound)


def rate_ratio(
    count_a: CountRange, exposure_a: float, count_b: CountRange, exposure_b: float, confidence: float = CONFIDENCE
) -> Interval:
    """Ratio of the rate of A to the rate of B, with the exact conditional interval.

    Parameters
    ----------
    count_a, count_b : CountRange
        Event counts of A and B.
    exposure_a, exposure_b : float
        Their populations (> 0).
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    Interval
        (count_a / exposure_a) / (count_b / exposure_b) and its interval.
    """
    for name, e in (("exposure_a", exposure_a), ("exposure_b", exposure_b)):
        if not e > 0 or not math.isfinite(e):
            raise ParameterError(f"{name} must be a positive finite number, got {e}")
    return count_ratio(count_a, count_b, scale=exposure_b / exposure_a, confidence=confidence)
