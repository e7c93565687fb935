"""Shares whose counts are known only as bounds: published cells such as "<5" enter as interval-censored counts.

A count published as a bound is not a number: it is the set of whole numbers the bound allows (``"<5"``: 0 to 4).
Its share is reported as the range the Wilson interval can take over that set, and a trend over years uses the
likelihood in which such a year contributes the probability of the whole set, ``P(low <= K <= high)``, never a
guessed count. Pure: counts in, frozen results out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from ..config import CONFIDENCE
from ..data.counts import CountRange
from ..errors import FitError, ParameterError
from .result import Estimate, Result, covers_one_words
from .shares import wilson_share


def count_from_percent(percent: float, total: float) -> CountRange:
    """The whole counts of `total` whose share rounds to a published whole `percent`.

    Parameters
    ----------
    percent : float
        The share as published, in whole percent (``64`` for "64%").
    total : float
        The whole it is a share of (a whole number).

    Returns
    -------
    CountRange
        Every k with ``round(100 k / total) == percent`` (halves rounded either way, as sources do).

    Raises
    ------
    ParameterError
        The percent lies outside 0-100, or no count of `total` gives it.
    """
    if not 0 <= percent <= 100 or not total > 0:
        raise ParameterError(f"{percent}% of {total}: a percentage must lie in 0-100 of a positive total")
    low = max(0, math.ceil((percent - 0.5) * total / 100 - 1e-9))
    high = min(int(total), math.floor((percent + 0.5) * total / 100 + 1e-9))
    if low > high:
        raise ParameterError(f"no whole count of {total:g} is {percent:g}% of it when rounded")
    return CountRange(low, high)


@dataclass(frozen=True)
class ShareRange(Result):
    """A share whose count is a range: the share's possible values and the widest 95% Wilson interval over them."""

    count: CountRange
    total: float
    low: float
    high: float
    ci: tuple[float, float]

    @property
    def value(self) -> float | None:
        """The share when the count is exact, else None (a range has no single value)."""
        return self.low if self.count.exact else None

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The share (or, for a range, None with the range in the description) and its interval."""
        if self.count.exact:
            text = f"{self.count.low} of {self.total:g} (Wilson CI)"
        else:
            text = (
                f"between {self.count.low} and {self.count.high} of {self.total:g} (a suppressed cell): the share "
                f"lies in {self.low:.3f}-{self.high:.3f}; the interval spans the Wilson intervals of every count "
                "the bound allows"
            )
        return (
            Estimate(
                "share",
                self.value,
                "proportion",
                text,
                ci=self.ci,
                extra={} if self.count.exact else {"bounds": [self.low, self.high]},
            ),
        )


def share_range(count: CountRange, total: float) -> ShareRange:
    """A share of `total` whose count is a range, with the union of the Wilson intervals over the range.

    Parameters
    ----------
    count : CountRange
        The count, exact or a range.
    total : float
        The denominator (published exactly).

    Returns
    -------
    ShareRange
    """
    if total <= 0 or count.high > total:
        raise ParameterError(f"share of a total of {total:g}: the count range [{count.low}, {count.high}] does not fit")
    lo, hi = wilson_share(count.low, total), wilson_share(count.high, total)
    return ShareRange(count, float(total), count.low / total, count.high / total, (lo.ci[0], hi.ci[1]))


def _loglik(beta: np.ndarray, t: np.ndarray, low: np.ndarray, high: np.ndarray, n: np.ndarray) -> float:
    """Binomial log-likelihood of a logit-linear share; a censored year contributes log P(low <= K <= high)."""
    eta = beta[0] + beta[1] * t
    log_p, log_q = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
    exact = low == high
    k, m = low[exact], n[exact]
    ll = float(
        np.sum(
            special.gammaln(m + 1)
            - special.gammaln(k + 1)
            - special.gammaln(m - k + 1)
            + k * log_p[exact]
            + (m - k) * log_q[exact]
        )
    )
    if (~exact).any():
        p = np.exp(log_p[~exact])
        m = n[~exact].astype(np.int64)
        upper = special.bdtr(high[~exact].astype(np.int64), m, p)
        below = np.where(low[~exact] > 0, special.bdtr(np.maximum(low[~exact] - 1, 0).astype(np.int64), m, p), 0.0)
        ll += float(np.sum(np.log(np.clip(upper - below, 1e-300, None))))
    return ll


@dataclass(frozen=True)
class CensoredShareTrend(Result):
    """Logit-linear trend of a share with interval-censored years: odds ratio per year, profile-likelihood CI."""

    odds_ratio: float
    ci: tuple[float, float]
    p_value: float
    years: tuple[int, ...]
    censored_years: tuple[int, ...]
    intercept: float
    dispersion: float = 1.0
    df_resid: int = 0
    binomial_ci: tuple[float, float] = (math.nan, math.nan)

    @property
    def method(self) -> str:
        """How the interval and the p-value were computed, in words."""
        if not math.isfinite(self.dispersion):
            return (
                "binomial profile-likelihood CI and LR test (too few exact years to estimate extra-binomial "
                "variation, so the interval assumes there is none)"
            )
        return (
            "quasi-binomial profile-likelihood CI: the likelihood-ratio criterion scaled by the Pearson dispersion "
            f"of the exact years ({self.dispersion:.3g} on {self.df_resid} df), Student's t reference; F test"
        )

    @property
    def odds_ratio_ci(self) -> tuple[float, float]:
        """The odds ratio's 95% interval (`ci`), named as `shares.ShareTrend` names it."""
        return self.ci

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The odds ratio per year with its quasi profile-likelihood interval and p-value."""
        cens = (
            (
                f"; {len(self.censored_years)} year(s) with a suppressed count enter as bounds "
                f"({', '.join(map(str, self.censored_years))})"
            )
            if self.censored_years
            else ""
        )
        return (
            Estimate(
                "odds_ratio",
                self.odds_ratio,
                "odds ratio per year",
                f"logit of the share on year over {len(self.years)} years; {self.method}{cens}"
                f"{covers_one_words(self.ci)}",
                ci=self.ci,
                extra={
                    "p_value": self.p_value,
                    "dispersion": self.dispersion,
                    "df": self.df_resid,
                    "binomial_ci": list(self.binomial_ci),
                },
            ),
        )


def censored_share_trend(
    years: Sequence[int], counts: Sequence[CountRange], totals: Sequence[float]
) -> CensoredShareTrend:
    """Fit ``logit p_t = a + b (t - t0)`` by maximum likelihood, a censored year contributing ``P(low <= K <= high)``.

    Parameters
    ----------
    years : sequence of int
        The years.
    counts : sequence of CountRange
        The part each year, exact or a range.
    totals : sequence of float
        The whole each year (exact).

    Returns
    -------
    CensoredShareTrend
        Odds ratio per year ``exp(b)``, its profile-likelihood 95% interval, and the likelihood-ratio test of b = 0.

    Raises
    ------
    FitError
        Fewer than three years, or a likelihood with no finite maximum (every count at a bound of 0 or n).
    """
    if len(years) < 3:
        raise FitError(f"{len(years)} year(s) with both the part and the total; a trend needs three")
    t = np.asarray(years, dtype=float) - float(years[0])
    low = np.array([c.low for c in counts], dtype=float)
    high = np.array([c.high for c in counts], dtype=float)
    n = np.asarray(totals, dtype=float)
    mid = np.clip((low + high) / 2 / n, 0.01, 0.99)
    start = np.polyfit(t, np.log(mid / (1 - mid)), 1)[::-1]
    nll = lambda b: -_loglik(b, t, low, high, n)  # noqa: E731
    fit = optimize.minimize(
        nll, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}
    )
    if not fit.success or not np.all(np.isfinite(fit.x)) or abs(fit.x[1]) > 20:
        raise FitError("the censored logit trend has no finite maximum-likelihood estimate")
    a_hat, b_hat = fit.x
    ll_max = -fit.fun

    def profile(b: float) -> float:
        res = optimize.minimize_scalar(lambda a: nll(np.array([a, b])), bracket=(a_hat - 1, a_hat + 1))
        return -res.fun

    def ends_at(crit: float) -> tuple[float, float]:
        """Where the profile log-likelihood falls `crit` below its maximum, on each side."""
        target = lambda b: ll_max - profile(b) - crit  # noqa: E731
        ends = []
        for sign in (-1, 1):
            far = b_hat + sign * 0.5
            while target(far) < 0 and abs(far - b_hat) < 20:
                far = b_hat + sign * (abs(far - b_hat) * 2)
            ends.append(
                optimize.brentq(target, *sorted((b_hat, far))) if target(far) >= 0 else math.copysign(math.inf, sign)
            )
        return math.exp(ends[0]), math.exp(ends[1])

    binomial = ends_at(stats.chi2.ppf(CONFIDENCE, 1) / 2)
    lr = max(0.0, 2 * (ll_max - profile(0.0)))
    # extra-binomial variation, from the Pearson residuals of the years with an exact count
    exact = np.array([c.exact for c in counts], dtype=bool)
    df = int(exact.sum()) - 2
    if df >= 1:
        p = 1 / (1 + np.exp(-(a_hat + b_hat * t[exact])))
        k, m = low[exact], n[exact]
        dispersion = float(np.sum((k - m * p) ** 2 / (m * p * (1 - p)))) / df
        ci = ends_at(dispersion * float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) ** 2 / 2)
        p_value = float(stats.f.sf(lr / dispersion, 1, df)) if dispersion > 0 else 0.0
    else:
        dispersion, ci, p_value = math.nan, binomial, float(stats.chi2.sf(lr, 1))
    return CensoredShareTrend(
        math.exp(b_hat),
        ci,
        p_value,
        tuple(int(y) for y in years),
        tuple(int(y) for y, c in zip(years, counts) if not c.exact),
        float(a_hat),
        dispersion,
        max(df, 0),
        binomial,
    )
