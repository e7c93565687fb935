"""Shares and their changes: Wilson intervals, Newcombe's interval for a difference with the score test, and a
logit trend over years with a quasi-binomial interval (statsmodels' proportion functions; the trend by the package's
engine, `batchfit`).
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
from .result import Estimate, Result, covers_one_words
from .summary import Summary, fmt, interval
from .trendfit import small_sample_interval


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


#: How a share's trend interval is computed, for the descriptions of the reported values.
SHARE_TREND_METHOD = (
    "quasi-binomial: the logit slope's standard error scaled by the Pearson dispersion, Student's t with n - 2 "
    "degrees of freedom (yearly shares scatter more than binomial sampling allows; chosen by the calibration study)"
)


@dataclass(frozen=True)
class ShareTrend(Result):
    """Logit trend of a share over years: the odds ratio per year with an interval that allows for extra-binomial
    variation (quasi-binomial), its p-value, and the Pearson dispersion behind it.

    Attributes
    ----------
    odds_ratio : float
        exp(slope of the logit on year).
    odds_ratio_ci : tuple of float
        Its 95% interval: quasi-binomial (standard error times the square root of the dispersion, t quantile on
        n - 2 degrees of freedom).
    p_value : float
        Two-sided t test of no trend, on the same scaled standard error.
    years : tuple of int
        The years fitted.
    dispersion : float
        Pearson chi-square per residual degree of freedom (1 for pure binomial variation).
    df_resid : int
        Years minus two.
    binomial_ci : tuple of float
        The interval that assumes pure binomial variation (normal quantile), for comparison.
    """

    odds_ratio: float
    odds_ratio_ci: tuple[float, float]
    p_value: float
    years: tuple[int, ...]
    dispersion: float = 1.0
    df_resid: int = 0
    binomial_ci: tuple[float, float] = (math.nan, math.nan)

    @property
    def ci(self) -> tuple[float, float]:
        """The odds ratio's 95% interval (`odds_ratio_ci`)."""
        return self.odds_ratio_ci

    @property
    def description(self) -> str:
        """What the estimate is and how its interval was computed, in words."""
        return (
            f"logit of the share on year over {len(self.years)} years; {SHARE_TREND_METHOD}; Pearson dispersion "
            f"{self.dispersion:.3g} on {self.df_resid} df{covers_one_words(self.odds_ratio_ci)}"
        )

    def summary(self, alpha: float = ALPHA) -> Summary:  # type: ignore[override]
        """The trend as a researcher reads it: a header (years, n, dispersion, residual df, interval method) and the
        odds ratio per year with its interval at level ``1 - alpha``, beside the pure binomial one.

        The scaled standard error is recovered from the 95% interval (the interval is symmetric on the log scale with
        the t quantile on `df_resid` degrees of freedom), so any level follows from the fit.

        Parameters
        ----------
        alpha : float
            One minus the confidence level (0.05: 95% intervals).

        Returns
        -------
        Summary
            ``.table("odds ratio per year")`` holds the numbers.
        """
        from scipy import stats

        if not 0 < alpha < 1:
            raise ValueError(f"parameter 'alpha' must lie strictly between 0 and 1, got {alpha!r}")
        level = f"{100 * (1 - alpha):g}% CI"
        slope = math.log(self.odds_ratio)
        df = self.df_resid
        se = (math.log(self.odds_ratio_ci[1]) - math.log(self.odds_ratio_ci[0])) / (2 * stats.t.ppf(1 - ALPHA / 2, df))
        se_binomial = (math.log(self.binomial_ci[1]) - math.log(self.binomial_ci[0])) / (2 * Z)
        q, z = stats.t.ppf(1 - alpha / 2, df), stats.norm.ppf(1 - alpha / 2)
        table = pd.DataFrame(
            {
                "estimate": [self.odds_ratio, self.odds_ratio],
                "SE of log": [se, se_binomial],
                "p": [self.p_value, 2 * stats.norm.sf(abs(slope / se_binomial))],
                level: [
                    interval(math.exp(slope - q * se), math.exp(slope + q * se)),
                    interval(math.exp(slope - z * se_binomial), math.exp(slope + z * se_binomial)),
                ],
            },
            index=pd.Index(["quasi-binomial (reported)", "binomial (for comparison)"], name="interval"),
        )
        years = list(self.years)
        header = (
            ("years used", f"{years[0]}–{years[-1]} ({len(years)} years with both the part and the total)"),
            ("model", "logit of the share on year"),
            ("dispersion", f"Pearson chi2/df {fmt(self.dispersion)}"),
            ("residual df", str(df)),
            ("interval method", f"{level}: {SHARE_TREND_METHOD}"),
        )
        low = math.exp(slope - q * se)
        notes = ("the interval includes 1: no trend is established",) if low <= 1 <= math.exp(slope + q * se) else ()
        return Summary("Trend of a share", header, (("odds ratio per year", table),), notes)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The odds ratio per year."""
        return (
            Estimate(
                "odds_ratio",
                self.odds_ratio,
                "odds ratio per year",
                self.description,
                ci=self.odds_ratio_ci,
                extra={
                    "p_value": self.p_value,
                    "dispersion": self.dispersion,
                    "df": self.df_resid,
                    "binomial_ci": list(self.binomial_ci),
                },
            ),
        )


def paired_counts(counts: pd.Series, totals: pd.Series, label: str = "") -> tuple[list, np.ndarray, np.ndarray]:
    """The years where both the part and the total are published, and their counts as arrays.

    Raises FitError (prefixed with `label`) where a part lies outside 0 to its positive total; never imputes a year.
    """
    years = sorted(set(counts.dropna().index) & set(totals.dropna().index))
    k = np.array([counts[y] for y in years], dtype=float)
    n = np.array([totals[y] for y in years], dtype=float)
    bad = [y for y, a, b in zip(years, k, n) if not 0 <= a <= b or b <= 0]
    if bad:
        where = f"{label}: " if label else ""
        raise FitError(f"{where}years {', '.join(map(str, bad))}: a part must lie between 0 and its (positive) total")
    return years, k, n


def fit_share_trend(counts: pd.Series, totals: pd.Series) -> ShareTrend:
    """Trend of a share over years: logit of counts/totals on year, with an interval that allows for the yearly
    shares scattering more than binomial sampling would (quasi-binomial, Pearson-scaled, t reference).

    Only the years where both the part and the total are published are used (never imputed). The calibration study
    (`stats.calibration`, family ``share_trend``) measures the interval's coverage with and without extra-binomial
    variation; the pure binomial interval, which ignores it, is kept as ``binomial_ci`` for comparison.

    Parameters
    ----------
    counts, totals : pandas.Series
        Parts and wholes indexed by year.

    Returns
    -------
    ShareTrend
        With ``.odds_ratio``, ``.odds_ratio_ci`` (95%), ``.p_value``, ``.dispersion`` and ``.summary()``.

    Raises
    ------
    FitError
        Fewer than three years have both figures, a part exceeds its total, or the logit has no finite maximum.

    Examples
    --------
    >>> import trafficking_research as tr
    >>> obs = tr.load_observations()
    >>> fit = tr.fit_share_trend(tr.annual_series(obs, "admitted", place="finland"), tr.annual_series(obs, "admitted"))
    >>> fit.odds_ratio_ci[0] < fit.odds_ratio < fit.odds_ratio_ci[1]
    True
    """
    years, k, n = paired_counts(counts, totals)
    if len(years) < 3:
        raise FitError(f"{len(years)} year(s) with both the part and the total published; a trend needs three")
    X = np.column_stack([np.ones(len(years)), np.array(years, dtype=float) - years[0]])
    beta, cov, pearson, converged = batchfit.fit_binomial(X, k[None, :], n[None, :])
    b, se = float(beta[0, 1]), math.sqrt(cov[0, 1, 1])
    if not (converged[0] and math.isfinite(b) and math.isfinite(se)):
        raise FitError(f"the logit trend of the share over {years[0]}-{years[-1]} has no finite maximum")
    from scipy import stats

    df = len(years) - 2
    dispersion = float(pearson[0]) / df
    low, high = small_sample_interval(b, se, float(pearson[0]), df)  # the count trends' calibrated interval
    scaled = se * math.sqrt(dispersion)
    p_value = float(2 * stats.t.sf(abs(b / scaled), df)) if scaled > 0 else 0.0
    return ShareTrend(
        math.exp(b),
        (math.exp(low), math.exp(high)),
        p_value,
        tuple(int(y) for y in years),
        dispersion,
        df,
        (math.exp(b - Z * se), math.exp(b + Z * se)),
    )
