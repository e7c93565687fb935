"""The year read from its first half: the full-year count predicted from the first-half count by the ratio of the
two in earlier years, with a prediction interval that carries the ratio's year-to-year variation, and its
leave-one-year-out back-test against the naive rule (twice the first half).

Model: the log of full year over first half is, year after year, independent normal with unknown mean and variance;
the prediction for a new year is ``first_half * exp(mean)``, and its interval the Student-t prediction interval of a
new log ratio, ``mean +- t(n - 1) * sd * sqrt(1 + 1/n)``. Pure: numbers in, frozen results out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import CONFIDENCE
from ..errors import FitError, ParameterError
from .result import Estimate, Result

#: How the nowcast's interval is computed, for descriptions.
NOWCAST_METHOD = (
    "ratio model: log(full year / first half) of the history years, Student-t prediction interval of a new year's "
    "log ratio (n - 1 df), times the first half"
)


@dataclass(frozen=True)
class Nowcast(Result):
    """A full year predicted from its first half.

    Attributes
    ----------
    first_half : float
        The first half's count.
    value : float
        The predicted full year (first half times the geometric mean ratio of the history).
    interval : tuple of float
        Its 95% prediction interval.
    ratio : float
        Geometric mean of full year over first half in the history.
    log_ratio_sd : float
        Standard deviation of the log ratio between history years.
    years : tuple of int
        The history years used.
    """

    first_half: float
    value: float
    interval: tuple[float, float]
    ratio: float
    log_ratio_sd: float
    years: tuple[int, ...]

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The nowcast with its prediction interval."""
        return (
            Estimate(
                "nowcast",
                self.value,
                "persons",
                f"full year predicted from a first half of {self.first_half:g}: {NOWCAST_METHOD}; ratio "
                f"{self.ratio:.3f} (SD of its log {self.log_ratio_sd:.3f}) over {len(self.years)} years "
                f"({self.years[0]}-{self.years[-1]})",
                ci=self.interval,
                extra={"ratio": self.ratio, "log_ratio_sd": self.log_ratio_sd, "history_years": len(self.years)},
            ),
        )


def _pairs(history: pd.DataFrame) -> pd.DataFrame:
    missing = {"first_half", "full_year"} - set(history.columns)
    if missing:
        raise ParameterError(f"parameter 'history': needs columns first_half and full_year (missing {sorted(missing)})")
    h = history[["first_half", "full_year"]].dropna().astype(float)
    bad = h[(h["first_half"] <= 0) | (h["full_year"] < h["first_half"])]
    if len(bad):
        raise ParameterError(
            f"parameter 'history': year(s) {', '.join(map(str, bad.index))}: a first half must be positive and not "
            "above its full year"
        )
    return h


def nowcast_year(first_half: float, history: pd.DataFrame, confidence: float = CONFIDENCE) -> Nowcast:
    """Predict a full year's count from its first half.

    Parameters
    ----------
    first_half : float
        The first half's count (positive).
    history : pandas.DataFrame
        Indexed by year, with columns ``first_half`` and ``full_year`` (years with both; others are ignored).
    confidence : float
        Level of the prediction interval.

    Returns
    -------
    Nowcast
        Prediction, interval and the ratio behind them.

    Raises
    ------
    FitError
        Fewer than three history years have both halves.

    Examples
    --------
    >>> import pandas as pd
    >>> history = pd.DataFrame({"first_half": [50, 60, 70], "full_year": [110, 118, 150]}, index=[2020, 2021, 2022])
    >>> round(nowcast_year(80, history).value)
    169
    """
    if not (first_half > 0 and math.isfinite(first_half)):
        raise ParameterError(f"parameter 'first_half' must be a positive count, got {first_half}")
    h = _pairs(history)
    n = len(h)
    if n < 3:
        raise FitError(f"{n} history year(s) with both the first half and the full year; a nowcast needs three")
    from scipy import stats

    r = np.log(h["full_year"].to_numpy() / h["first_half"].to_numpy())
    mean, sd = float(r.mean()), float(r.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd * math.sqrt(1 + 1 / n)
    value = first_half * math.exp(mean)
    interval = (first_half * math.exp(mean - half), first_half * math.exp(mean + half))
    return Nowcast(float(first_half), value, interval, math.exp(mean), sd, tuple(int(y) for y in h.index))


@dataclass(frozen=True, eq=False)
class NowcastBacktest(Result):
    """Leave-one-year-out back-test of `nowcast_year` against twice the first half.

    Attributes
    ----------
    table : pandas.DataFrame
        Per year: first half, nowcast, its interval, published full year, inside or not, both errors.
    coverage : float
        Share of years whose published full year lies inside the nowcast's interval.
    mae, mae_naive : float
        Mean absolute error of the nowcast and of twice the first half, in persons.
    """

    table: pd.DataFrame
    coverage: float
    mae: float
    mae_naive: float

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """Coverage and both mean absolute errors."""
        n = len(self.table)
        return (
            Estimate(
                "backtest.coverage",
                self.coverage,
                "proportion",
                f"share of the {n} years whose published full year lay inside the 95% interval of the nowcast from "
                "its first half, each year left out of the history in turn (with so few years one year moves it by "
                f"{1 / n:.2f})",
            ),
            Estimate(
                "backtest.mae",
                self.mae,
                "persons",
                f"mean absolute error of the nowcast over the same {n} years (leave one year out)",
            ),
            Estimate(
                "backtest.mae_naive",
                self.mae_naive,
                "persons",
                f"mean absolute error of the naive rule, twice the first half, over the same {n} years",
            ),
        )


def backtest_nowcast(history: pd.DataFrame, confidence: float = CONFIDENCE) -> NowcastBacktest:
    """Nowcast every history year from the others and score it against the published full year.

    Parameters
    ----------
    history : pandas.DataFrame
        Indexed by year, with columns ``first_half`` and ``full_year``.
    confidence : float
        Level of the prediction intervals.

    Returns
    -------
    NowcastBacktest
    """
    h = _pairs(history)
    if len(h) < 4:
        raise FitError(f"{len(h)} year(s) with both halves; leaving one out needs four")
    rows = []
    for year in h.index:
        nc = nowcast_year(float(h.loc[year, "first_half"]), h.drop(index=year), confidence)
        actual = float(h.loc[year, "full_year"])
        naive = 2 * nc.first_half
        rows.append(
            {
                "year": int(year),
                "first_half": nc.first_half,
                "nowcast": nc.value,
                "low": nc.interval[0],
                "high": nc.interval[1],
                "full_year": actual,
                "inside": bool(nc.interval[0] <= actual <= nc.interval[1]),
                "error": nc.value - actual,
                "naive": naive,
                "naive_error": naive - actual,
            }
        )
    table = pd.DataFrame(rows)
    return NowcastBacktest(
        table,
        float(table["inside"].mean()),
        float(table["error"].abs().mean()),
        float(table["naive_error"].abs().mean()),
    )
