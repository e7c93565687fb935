"""Shares and their changes: Wilson intervals, Newcombe's interval for a difference with the score test, and a
binomial logit trend over years (statsmodels' proportion functions; the trend by the package's engine, `batchfit`).
Pure: counts in, frozen results out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, test_proportions_2indep

from ..config import ALPHA, Z
from ..errors import FitError
from . import batchfit
from .result import Estimate, Result


@dataclass(frozen=True)
class Share(Result):
    """A share `count` of `total` with its 95% Wilson interval."""

    count: float
    total: float
    value: float
    ci: tuple[float, float]

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The share with its Wilson interval."""
        return (
            Estimate("share", self.value, "proportion", f"{self.count:g} of {self.total:g} (Wilson CI)", ci=self.ci),
        )


def wilson_share(count: float, total: float) -> Share:
    """A share and its 95% Wilson interval.

    Parameters
    ----------
    count, total : float
        The part and the whole (whole numbers, ``0 <= count <= total``, ``total > 0``).

    Returns
    -------
    Share
    """
    low, high = proportion_confint(count, total, alpha=ALPHA, method="wilson")
    return Share(float(count), float(total), count / total, (float(low), float(high)))


@dataclass(frozen=True)
class ShareChange(Result):
    """Difference between two years' shares, its Newcombe 95% CI and the score test's p-value."""

    first: tuple[float, float]
    second: tuple[float, float]
    difference: float
    ci: tuple[float, float]
    p_value: float

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The difference of the shares (second minus first)."""
        (k1, n1), (k2, n2) = self.first, self.second
        return (
            Estimate(
                "difference",
                self.difference,
                "difference of proportions",
                f"{k2:g}/{n2:g} against {k1:g}/{n1:g} (Newcombe CI, score test)",
                ci=self.ci,
                extra={"p_value": self.p_value},
            ),
        )


def share_change(k1: float, n1: float, k2: float, n2: float) -> ShareChange:
    """Change of a share from (k1 of n1) to (k2 of n2).

    Parameters
    ----------
    k1, n1 : float
        Part and whole of the first year.
    k2, n2 : float
        Part and whole of the second year.

    Returns
    -------
    ShareChange
    """
    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels also computes ratios we do not use
        low, high = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff", alpha=ALPHA)
        test = test_proportions_2indep(k2, n2, k1, n1, method="score", compare="diff")
    return ShareChange((k1, n1), (k2, n2), k2 / n2 - k1 / n1, (float(low), float(high)), float(test.pvalue))


@dataclass(frozen=True)
class ShareTrend(Result):
    """Binomial logit trend of a share: odds ratio per year with its 95% CI and the Wald p-value."""

    odds_ratio: float
    ci: tuple[float, float]
    p_value: float
    years: tuple[int, ...]

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The odds ratio per year."""
        return (
            Estimate(
                "odds_ratio",
                self.odds_ratio,
                "odds ratio per year",
                f"binomial logit on year over {len(self.years)} years",
                ci=self.ci,
                extra={"p_value": self.p_value},
            ),
        )


def share_trend(counts: pd.Series, totals: pd.Series) -> ShareTrend:
    """Logit of a share on year, from the years where both the part and the total are published.

    Parameters
    ----------
    counts, totals : pandas.Series
        Parts and wholes indexed by year.

    Returns
    -------
    ShareTrend

    Raises
    ------
    FitError
        Fewer than three years have both figures.
    """
    years = sorted(set(counts.index) & set(totals.index))
    if len(years) < 3:
        raise FitError(f"{len(years)} year(s) with both the part and the total published; a trend needs three")
    k = np.array([counts[y] for y in years])
    n = np.array([totals[y] for y in years])
    X = np.column_stack([np.ones(len(years)), np.array(years, dtype=float) - years[0]])
    beta, cov, _, converged = batchfit.fit_binomial(X, k[None, :], n[None, :])
    b, se = float(beta[0, 1]), math.sqrt(cov[0, 1, 1])
    if not (converged[0] and math.isfinite(b) and math.isfinite(se)):
        raise FitError(f"the logit trend of the share over {years[0]}-{years[-1]} has no finite maximum")
    p_value = math.erfc(abs(b / se) / math.sqrt(2))  # two-sided normal p-value, exact in the far tail
    return ShareTrend(math.exp(b), (math.exp(b - Z * se), math.exp(b + Z * se)), p_value, tuple(int(y) for y in years))
