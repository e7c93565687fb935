"""Joinpoint models with more than one break: the number of breaks chosen by sequential parametric-bootstrap tests,
each the calibrated single-break test of `breaks` (the likelihood ratio of h + 1 breaks against h, divided by the
h-break fit's Pearson dispersion), the break years' bootstrap intervals, and the APC of every segment.

Pure: a series in, a frozen result out. Every design of every bootstrap series is fitted in batched calls
(`batchfit.fixed_alpha_loglik`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import CONFIDENCE
from ..errors import ParameterError, SeriesError
from . import batchfit as bf
from .breaks import scaled_lr
from .imputation import pool_rubin
from .result import Estimate, Result
from .trendfit import TrendFit, design, small_sample_interval
from .trends import fit_negbin

#: The level at which a further break is accepted by the sequential tests.
BREAK_TEST_LEVEL = 0.05


def break_sets(years: Sequence[int], counts: Sequence[float], n_breaks: int, min_segment: int) -> list[tuple[int, ...]]:
    """Every set of `n_breaks` break years that leaves each segment `min_segment` observed years (a break year counts
    in both segments it joins) of which two are above zero.

    Parameters
    ----------
    years, counts : sequence
        The observed years and their counts.
    n_breaks : int
        Breaks per set (0 gives the one empty set).
    min_segment : int
        Fewest observed years per segment.

    Returns
    -------
    list of tuple of int
        Sets in increasing order of their years.
    """
    y = np.asarray(years)
    positive = np.asarray(counts, dtype=float) > 0
    out = []
    for combo in itertools.combinations([int(v) for v in y[1:-1]], n_breaks):
        edges = (int(y[0]), *combo, int(y[-1]))
        ok = True
        for lo, hi in zip(edges[:-1], edges[1:]):
            inside = (y >= lo) & (y <= hi)
            if inside.sum() < min_segment or positive[inside].sum() < 2:
                ok = False
                break
        if ok:
            out.append(combo)
    return out


def _logliks(
    Y: np.ndarray, years: np.ndarray, origin: int, sets: list[tuple[int, ...]], alpha: float, kernel: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per row and break set: the log-likelihood with alpha held fixed, and the fit's Pearson dispersion."""
    a = np.full(len(Y), alpha if alpha > 1e-6 else 0.0)
    lls, disp = [], []
    for b in sets:
        X = design(years, origin, b)
        ll, beta = bf.fixed_alpha_loglik(X, Y, a, kernel=kernel)
        lls.append(ll)
        disp.append(bf.pearson_dispersion(X, Y, a, beta))
    return np.column_stack(lls), np.column_stack(disp)


@dataclass(frozen=True)
class BreakTest:
    """One step of the sequential tests: h breaks against h + 1."""

    breaks_null: int
    statistic: float
    p_value: float
    best_alternative: tuple[int, ...]


def _step(
    s: pd.Series, null_sets: list[tuple[int, ...]], alt_sets: list[tuple[int, ...]], n_boot: int, seed: int
) -> tuple[BreakTest, TrendFit]:
    """Test the best of `null_sets` against the best of `alt_sets` by a parametric bootstrap of the null NB2 fit."""
    years = s.index.to_numpy()
    origin = int(years[0])
    y = s.to_numpy(dtype=float)[None, :]
    ll0, d0 = _logliks(y, years, origin, null_sets, 0.0, False)  # alpha of the null fit comes from its best set
    null = fit_negbin(s, origin, null_sets[int(np.argmax(ll0[0]))])
    alpha = null.alpha or 0.0
    ll0, d0 = _logliks(y, years, origin, null_sets, alpha, False)
    ll1, _ = _logliks(y, years, origin, alt_sets, alpha, False)
    i0, i1 = int(np.argmax(ll0[0])), int(np.argmax(ll1[0]))
    observed = float(scaled_lr(ll0[0, i0], ll1[0, i1], d0[0, i0]))
    rng = np.random.default_rng(seed)
    mu = null.fitted.to_numpy()
    # drawn one series at a time, as `breaks.joinpoint` draws them: with no break in the null the first step is
    # exactly that test, with the same stream of random numbers
    sims = [bf.draw_nb2(rng, mu, alpha) for _ in range(n_boot)]
    Y = np.array([v for v in sims if v.sum() > 0]).reshape(-1, len(years))
    exceed = 0
    if len(Y):
        with np.errstate(all="ignore"):
            b0, bd0 = _logliks(Y, years, origin, null_sets, alpha, True)
            b1, _ = _logliks(Y, years, origin, alt_sets, alpha, True)
            best0 = np.argmax(b0, axis=1)
            rows = np.arange(len(Y))
            stat = scaled_lr(b0[rows, best0], np.max(b1, axis=1), bd0[rows, best0])
        exceed = int(np.sum(np.isfinite(stat) & (stat >= observed * (1 - 1e-12) - 1e-9)))
    test = BreakTest(len(null_sets[0]), observed, (exceed + 1) / (n_boot + 1), alt_sets[i1])
    return test, null


@dataclass(frozen=True, eq=False)
class SegmentedTrend(Result):
    """A log-linear NB2 trend with the breaks the sequential tests support.

    Attributes
    ----------
    label : str
        The series' name.
    breaks : tuple of int
        The accepted break years (empty: no break is supported).
    tests : tuple of BreakTest
        The sequential tests run, 0 against 1 break first; testing stops at the first p-value at or above the level.
    break_intervals : tuple of tuple of int
        Per break, the central 95% of the break years found again in series simulated from the fitted model.
    model : TrendFit
        The NB2 fit with the accepted breaks.
    segments : pandas.DataFrame
        One row per segment: first and last year, APC and its interval (given the break years).
    n_boot : int
        Bootstrap series per test and for the intervals.
    """

    label: str
    breaks: tuple[int, ...]
    tests: tuple[BreakTest, ...]
    break_intervals: tuple[tuple[int, int], ...]
    model: TrendFit
    segments: pd.DataFrame
    n_boot: int

    @property
    def verdict(self) -> str:
        """The result in words."""
        if not self.breaks:
            p = self.tests[0].p_value if self.tests else math.nan
            return f"no break is supported (bootstrap p = {p:.3g} for one break against none)"
        parts = [f"{b} (95% interval {lo}-{hi})" for b, (lo, hi) in zip(self.breaks, self.break_intervals)]
        return f"{len(self.breaks)} break(s) supported: " + "; ".join(parts)

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """The number of breaks, each break year with its interval, each test, and each segment's APC."""
        lab = self.label
        out = [
            Estimate(
                "n_breaks",
                len(self.breaks),
                "breaks",
                f"{lab}: joinpoints accepted by sequential parametric-bootstrap tests at level {BREAK_TEST_LEVEL} "
                f"({self.n_boot} series each; the statistic is the calibrated one of the single-break test); "
                + self.verdict,
            )
        ]
        for t in self.tests:
            out.append(
                Estimate(
                    f"test_{t.breaks_null}_vs_{t.breaks_null + 1}",
                    t.statistic,
                    "chi2",
                    f"{lab}: likelihood ratio of the best {t.breaks_null + 1} break(s) "
                    f"({', '.join(map(str, t.best_alternative))}) against the best {t.breaks_null}, divided by the "
                    "null fit's Pearson dispersion; p from a parametric bootstrap of the null NB2 fit",
                    extra={"p_value": t.p_value},
                )
            )
        for i, (b, ci) in enumerate(zip(self.breaks, self.break_intervals), start=1):
            out.append(
                Estimate(
                    f"break_{i}",
                    b,
                    "year",
                    f"{lab}: break year {i} of maximum likelihood; interval: central 95% of the break years found "
                    f"in {self.n_boot} series simulated from the fitted model",
                    ci=ci,
                )
            )
        # with breaks chosen from the data, an interval that takes them as known is too narrow: the calibration
        # study's "slope before/after break" rows measure by how much
        known = (
            "; the interval takes the break year as known, so it is too narrow (the calibration study's slope "
            "before/after break rows say by how much)"
            if self.breaks
            else ""
        )
        for i, row in enumerate(self.segments.itertuples(), start=1):
            out.append(
                Estimate(
                    f"segment_{i}.apc",
                    row.apc,
                    "percent per year",
                    f"{lab}: APC {row.first}-{row.last} ({row.method}){known}",
                    ci=(row.low, row.high),
                    extra={"years": f"{row.first}-{row.last}"},
                )
            )
        return tuple(out)


def segment_contrasts(n_breaks: int) -> np.ndarray:
    """Rows that turn the coefficients (intercept, slope, one hinge per break) into each segment's slope."""
    L = np.zeros((n_breaks + 1, n_breaks + 2))
    for j in range(n_breaks + 1):
        L[j, 1 : j + 2] = 1.0
    return L


def segment_table(fits: Sequence[TrendFit], first: int, last: int) -> pd.DataFrame:
    """Each segment's APC with its calibrated interval: from one fit, or pooled over fits of several draws of the
    series (Rubin's rules on the log-scale slopes, each draw's variance scaled by its Pearson dispersion).

    Parameters
    ----------
    fits : sequence of TrendFit
        Fits with the same breaks (one, or one per draw).
    first, last : int
        The span's first and last year.

    Returns
    -------
    pandas.DataFrame
        Columns first, last, apc, low, high, method.
    """
    breaks = fits[0].breaks
    L = segment_contrasts(len(breaks))
    edges = (first, *breaks, last)
    df = fits[0].n_obs - len(fits[0].params)
    if df < 1:
        raise SeriesError(f"series '{fits[0].label}': {fits[0].n_obs} years leave no residual degree of freedom")
    rows = []
    for j in range(len(breaks) + 1):
        slopes = np.array([L[j] @ f.params for f in fits])
        ses = np.array([math.sqrt(max(L[j] @ f.cov @ L[j], 0.0)) for f in fits])
        chi2 = np.array([f.pearson_chi2 for f in fits])
        if len(fits) == 1:
            estimate = float(slopes[0])
            low, high = small_sample_interval(estimate, ses[0], chi2[0], df)
            method = "NB2 given the break years; " + "standard error scaled by the Pearson dispersion, t on n - p df"
        else:
            pooled = pool_rubin(slopes, ses**2 * chi2 / df, df_complete=df)
            estimate = pooled.estimate
            low, high = pooled.interval(CONFIDENCE)
            method = f"NB2 given the break years, pooled over {len(fits)} draws of the estimated years (Rubin's rules)"
        rows.append(
            {
                "first": edges[j],
                "last": edges[j + 1],
                "apc": 100 * math.expm1(estimate),
                "low": 100 * math.expm1(low),
                "high": 100 * math.expm1(high),
                "method": method,
            }
        )
    return pd.DataFrame(rows)


def fit_segmented(
    s: pd.Series, max_breaks: int = 2, min_segment: int = 3, n_boot: int = 199, seed: int = 2021
) -> SegmentedTrend:
    """Joinpoint NB2 trend with up to `max_breaks` breaks, chosen by sequential bootstrap tests.

    Step h tests the best h + 1 breaks against the best h (alpha held at the h-break fit's value; the statistic is
    the likelihood ratio divided by that fit's Pearson dispersion, the single-break test's calibrated statistic,
    `breaks.scaled_lr`); the series are simulated from the h-break NB2 fit and every break set searched anew in each.
    With no break in the null (h = 0) this is exactly `breaks.joinpoint`'s test. A further break is accepted while
    p < `BREAK_TEST_LEVEL`. The break years' intervals come from `n_boot` series simulated from the accepted model,
    their breaks searched anew; the segment APCs' intervals are given the break years.

    Parameters
    ----------
    s : pandas.Series
        Counts indexed by year (whole, non-negative).
    max_breaks : int
        Most breaks tried (0 to 3).
    min_segment : int
        Fewest observed years per segment, break years counted in both segments they join (at least 3).
    n_boot : int
        Bootstrap series per test and for the break intervals (at least 19).
    seed : int
        Seed of the bootstrap; each step draws from its own stream derived from it.

    Returns
    -------
    SegmentedTrend
    """
    if not 0 <= max_breaks <= 3:
        raise ParameterError(f"parameter 'max_breaks' must be 0 to 3, got {max_breaks}")
    if min_segment < 3:
        raise ParameterError(
            f"parameter 'min_segment' must be at least 3 (a segment's slope and its error), got {min_segment}"
        )
    if n_boot < 19:
        raise ParameterError(f"parameter 'n_boot' must be at least 19 (a p-value below 0.05 needs it), got {n_boot}")
    years = s.index.to_numpy()
    counts = s.to_numpy(dtype=float)
    origin = int(years[0])
    sets = {0: [()]}
    for h in range(1, max_breaks + 1):
        found = break_sets(years, counts, h, min_segment)
        if not found:
            break
        sets[h] = found
    tests: list[BreakTest] = []
    accepted: tuple[int, ...] = ()
    for h in range(0, len(sets) - 1):
        test, _ = _step(s, sets[h], sets[h + 1], n_boot, seed + h)
        tests.append(test)
        if test.p_value >= BREAK_TEST_LEVEL:
            break
        accepted = test.best_alternative
    model = fit_negbin(s, origin, accepted)
    intervals: list[tuple[int, int]] = []
    if accepted:
        rng = np.random.default_rng(seed + 100)
        Y = bf.draw_nb2(rng, np.tile(model.fitted.to_numpy(), (n_boot, 1)), model.alpha or 0.0)
        with np.errstate(all="ignore"):
            ll, _ = _logliks(Y, years, origin, sets[len(accepted)], model.alpha or 0.0, True)
        ok = np.all(np.isfinite(ll), axis=1)
        best = np.array(sets[len(accepted)])[np.argmax(ll[ok], axis=1)]
        tail = (1 - CONFIDENCE) / 2
        for j in range(len(accepted)):
            lo = int(np.quantile(best[:, j], tail, method="lower"))
            hi = int(np.quantile(best[:, j], 1 - tail, method="higher"))
            intervals.append((lo, hi))
    segments = segment_table([model], int(years[0]), int(years[-1]))
    return SegmentedTrend(str(s.name), accepted, tuple(tests), tuple(intervals), model, segments, n_boot)
