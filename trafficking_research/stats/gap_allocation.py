"""Gap years of a count series from every source: yearly proxies with their ratio to the series, and known totals.

Pure: numbers in, frozen draws out. The model has two kinds of gap year.

* A year **estimated from its own sources** has one or more measurements, each a source's count for that year and
  the relation log(series / source) on the years where both are published (`imputation.ProxyRelation`: the
  system/UNODC ratio, or the full year over its first half as in `nowcast.nowcast_year`). Given a relation's
  parameters (mu, sigma), a measurement says log(count) ~ N(log(source) + mu, sigma^2); the parameters have the
  usual non-informative posterior from the overlap years (sigma^2 scaled inverse chi-square with n - 1 df, mu normal
  given sigma), so one measurement alone gives the Student-t prediction interval of `nowcast_year`. Several
  measurements of a year are combined with a flat prior on its log count: given the parameters the year is normal
  with the precision-weighted mean, and the parameter draws are resampled in proportion to how well the
  measurements agree (sampling-importance-resampling from `OVERSAMPLE` times as many candidates), so that the log
  count's density is proportional to the product of the measurements' t predictive densities. Counts are rounded;
  a relation shared by several years shares its parameter draws.
* A year **taking what the total leaves** has no usable relation (for example it lies before every overlap year).
  Each draw picks one of the known totals of the gap years (several published totals that disagree: one per draw,
  with given weights), subtracts the years estimated from their own sources, and splits the rest among these years
  by a multinomial draw with shares proportional to given weights (a proxy's counts, with its relation's
  year-to-year noise exp(e_t), e_t ~ N(0, sigma^2); or equal shares). Draws whose own-source years exceed the total
  are drawn again (the total is a constraint), so every draw adds up to the total it picked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..config import CONFIDENCE
from ..errors import FitError
from .imputation import ProxyRelation, draw_gap_counts
from .nowcast import Nowcast
from .result import Estimate, Result

#: Candidate parameter draws per kept draw when a year has several measurements (sampling-importance-resampling).
OVERSAMPLE = 20
#: Rounds of redrawing the draws whose own-source years exceed their total before giving up.
MAX_REDRAWS = 100


@dataclass(frozen=True)
class Measurement:
    """One source's count for a gap year and its relation to the series.

    Parameters
    ----------
    source : str
        What the source is, for descriptions (``UNODC detected victims``).
    value : float
        The source's count for the year (positive).
    relation : ProxyRelation
        log(series / source) on the years where both are published; measurements sharing a relation share its
        parameter draws.
    """

    source: str
    value: float
    relation: ProxyRelation

    def __post_init__(self) -> None:
        if not (self.value > 0 and math.isfinite(self.value)):
            raise ValueError(f"measurement {self.source!r}: the source's count must be positive, got {self.value}")
        if self.relation.n < 2:
            raise ValueError(f"measurement {self.source!r}: its relation needs at least two overlap years")

    @property
    def words(self) -> str:
        """The measurement in words: the source's count times the ratio, and what the ratio rests on."""
        r = self.relation
        return (
            f"{self.source} {self.value:g} x ratio {r.ratio:.3f} (SD of the log ratio {r.sd:.3f}, {r.n} years "
            f"{r.years[0]}-{r.years[-1]})"
        )


def relation_of(nowcast: Nowcast) -> ProxyRelation:
    """The relation full year / first half behind a `nowcast_year` result, as a `ProxyRelation`.

    Parameters
    ----------
    nowcast : Nowcast
        From `nowcast.nowcast_year`.

    Returns
    -------
    ProxyRelation
        Mean and SD of log(full year / first half) over the nowcast's history years.
    """
    return ProxyRelation(math.log(nowcast.ratio), nowcast.log_ratio_sd, nowcast.years)


@dataclass(frozen=True, eq=False)
class GapDraws(Result):
    """Draws of the gap years and what each year rests on.

    Attributes
    ----------
    years : tuple of int
        The gap years, in the order of the columns of `counts`.
    counts : numpy.ndarray
        Whole counts, one row per draw.
    total : numpy.ndarray
        Per draw, the total its gap years add up to (-1 where no total constrains them).
    total_label : numpy.ndarray
        Per draw, which total it picked ("" where none).
    sources : dict
        Year -> the sources its estimate rests on, in words.
    tags : dict
        Year -> the same in a few words, for tables.
    """

    years: tuple[int, ...]
    counts: np.ndarray
    total: np.ndarray
    total_label: np.ndarray
    sources: dict[int, str]
    tags: dict[int, str]

    def column(self, year: int) -> np.ndarray:
        """The draws of one year."""
        return self.counts[:, self.years.index(year)]

    @property
    def estimates(self) -> tuple[Estimate, ...]:
        """Each year's median and central 95% of the draws, with the sources it rests on."""
        tail = (1 - CONFIDENCE) / 2
        out = []
        for j, y in enumerate(self.years):
            col = self.counts[:, j].astype(float)
            out.append(
                Estimate(
                    f"y{y}",
                    float(np.median(col)),
                    "persons",
                    f"{y}, estimated: median and central {CONFIDENCE:.0%} of {len(col)} draws; rests on "
                    + self.sources[y],
                    ci=(float(np.quantile(col, tail)), float(np.quantile(col, 1 - tail))),
                )
            )
        return tuple(out)


def _parameter_draws(relation: ProxyRelation, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """mu and sigma^2 from the non-informative posterior of a relation (sigma^2 first, then mu given it)."""
    df = relation.n - 1
    sigma2 = df * relation.sd**2 / rng.chisquare(df, size=k) if relation.sd > 0 else np.zeros(k)
    return rng.normal(relation.mean, np.sqrt(sigma2 / relation.n)), sigma2


def _check(
    own: Mapping[int, Sequence[Measurement]],
    remainder: Mapping[int, float],
    totals: Mapping[str, float],
    weights: Sequence[float] | None,
    n_draws: int,
) -> np.ndarray:
    if n_draws < 1:
        raise ValueError("parameter 'n_draws': at least one draw is required")
    if set(own) & set(remainder):
        raise ValueError(f"years {sorted(set(own) & set(remainder))} are both estimated and a remainder")
    empty = [y for y, ms in own.items() if not ms]
    if empty:
        raise ValueError(f"years {empty} have no measurement to be estimated from")
    if remainder and not totals:
        raise ValueError("parameter 'totals': years that take what a total leaves need at least one total")
    if totals and not remainder:
        raise ValueError("parameter 'remainder': a total needs at least one year to take what it leaves")
    if any(w <= 0 or not math.isfinite(w) for w in remainder.values()):
        raise ValueError("parameter 'remainder': the split weights must be positive")
    if any(t < 0 or t != round(t) for t in totals.values()):
        raise ValueError(f"parameter 'totals': {dict(totals)} must be whole, non-negative counts")
    p = np.full(len(totals), 1 / max(len(totals), 1)) if weights is None else np.asarray(weights, dtype=float)
    if len(p) != len(totals) or (p < 0).any() or (totals and not math.isclose(p.sum(), 1.0)):
        raise ValueError(f"parameter 'weights': {list(p)} must be one non-negative weight per total, adding up to 1")
    return p


def allocate_gaps(
    own: Mapping[int, Sequence[Measurement]],
    n_draws: int,
    seed: int,
    remainder: Mapping[int, float] | None = None,
    totals: Mapping[str, float] | None = None,
    weights: Sequence[float] | None = None,
    split_noise: ProxyRelation | None = None,
    split_words: str = "",
    split_tag: str = "",
) -> GapDraws:
    """Draw the gap years from their own sources and, where a total is known, the rest from what it leaves.

    Parameters
    ----------
    own : mapping of year to sequence of Measurement
        The years estimated from their own sources, each with its measurements.
    n_draws : int
        Number of draws.
    seed : int
        Seed of numpy's default generator; the same inputs give the same draws.
    remainder : mapping of year to float, optional
        The years that take what the total leaves, each with its weight in the split (a proxy's count, or 1 each).
    totals : mapping of str to float, optional
        Known sums of all the gap years, by label (for example ``{"630 to 2017": 112, "1,257 to 2020": 103}``).
    weights : sequence of float, optional
        Probability of each total per draw (default: equal).
    split_noise : ProxyRelation, optional
        The relation whose year-to-year SD perturbs the split shares (the proxy's); None: shares as given.
    split_words, split_tag : str
        What the split weights are, for descriptions (``UNODC's counts 5, 16, 17``) and in a word for tables
        (``UNODC``); default: equal shares.

    Returns
    -------
    GapDraws
        Whole counts per draw and year (years in ascending order), the total of each draw and each year's sources.

    Raises
    ------
    FitError
        The own-source years exceed the total in a draw after `MAX_REDRAWS` rounds of drawing it again.
    """
    remainder = dict(remainder or {})
    totals = dict(totals or {})
    p = _check(own, remainder, totals, weights, n_draws)
    rng = np.random.default_rng(seed)
    own_years = sorted(own)
    relations: list[ProxyRelation] = []
    for y in own_years:
        relations += [m.relation for m in own[y] if m.relation not in relations]
    if split_noise is not None and split_noise not in relations:
        relations.append(split_noise)
    several = any(len(own[y]) > 1 for y in own_years)
    k = OVERSAMPLE * n_draws if several else n_draws
    params = [_parameter_draws(r, k, rng) for r in relations]  # per relation: mu, sigma^2 of k candidates
    # per own-source year: precision-weighted mean and precision given each candidate, and the log of how well the
    # measurements agree (the integral over the log count of the product of the measurements' normal densities)
    means, precisions, log_w = [], [], np.zeros(k)
    for y in own_years:
        locs = [math.log(m.value) + params[relations.index(m.relation)][0] for m in own[y]]
        var = [np.maximum(params[relations.index(m.relation)][1], 1e-12) for m in own[y]]
        prec = sum(1 / v for v in var)
        mean = sum(mu / v for mu, v in zip(locs, var)) / prec
        if len(locs) > 1:
            log_w += -0.5 * (
                (len(locs) - 1) * math.log(2 * math.pi)
                + sum(np.log(v) for v in var)
                + np.log(prec)
                + sum(mu**2 / v for mu, v in zip(locs, var))
                - mean**2 * prec
            )
        means.append(mean)
        precisions.append(prec)
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    labels = np.array(list(totals), dtype=object)
    values = np.array(list(totals.values()), dtype=float)
    pick = rng.choice(len(totals), size=n_draws, p=p) if totals else np.zeros(n_draws, dtype=int)
    total = values[pick] if totals else np.full(n_draws, -1.0)

    def draw(rows: int) -> tuple[np.ndarray, np.ndarray]:
        idx = rng.choice(k, size=rows, p=w) if several else np.arange(rows)
        z = rng.standard_normal((rows, len(own_years)))
        counts = np.zeros((rows, len(own_years)))
        for j, (m, pr) in enumerate(zip(means, precisions)):
            counts[:, j] = np.rint(np.exp(m[idx] + z[:, j] / np.sqrt(pr[idx])))
        return idx, counts

    idx, own_counts = draw(n_draws)
    for _ in range(MAX_REDRAWS):
        bad = np.flatnonzero(own_counts.sum(axis=1) > total) if totals else np.array([], dtype=int)
        if not len(bad):
            break
        idx[bad], own_counts[bad] = draw(len(bad))
    else:
        raise FitError(f"the years estimated from their own sources exceed the total in {len(bad)} draw(s)")
    rest_years = sorted(remainder)
    rest = np.zeros((n_draws, len(rest_years)))
    if rest_years:
        shares = np.array([remainder[y] for y in rest_years], dtype=float)[None, :].repeat(n_draws, axis=0)
        if split_noise is not None:
            sigma2 = params[relations.index(split_noise)][1][idx]
            shares = shares * np.exp(rng.standard_normal(shares.shape) * np.sqrt(sigma2)[:, None])
        left = (total - own_counts.sum(axis=1)).astype(np.int64)
        rest = rng.multinomial(left, shares / shares.sum(axis=1, keepdims=True))
    years = tuple(sorted([*own_years, *rest_years]))
    counts = np.column_stack([own_counts, rest]).astype(np.int64)[:, np.argsort([*own_years, *rest_years])]
    sources = {y: "; ".join(m.words for m in own[y]) for y in own_years}
    tags = {y: " + ".join(f"{m.source} ratio" for m in own[y]) for y in own_years}
    if rest_years:
        others = f", minus {', '.join(map(str, own_years))} (estimated from their own sources)" if own_years else ""
        named = " or ".join(f"{t:g} ({label})" for label, t in totals.items())
        odds = "" if len(totals) < 2 else ", one per draw with probabilities " + " and ".join(f"{q:g}" for q in p)
        split = f"in proportion to {split_words}" if split_words else "in equal shares"
        for y in rest_years:
            sources[y] = (
                f"what the total leaves: the gap years' sum {named}{odds}{others}; split among "
                f"{', '.join(map(str, rest_years))} {split} (multinomial"
                + (", the shares with the ratio's year-to-year noise)" if split_noise is not None else ")")
            )
            tags[y] = (
                f"total ({' or '.join(totals)})"
                + (f" minus {', '.join(map(str, own_years))}" if own_years else "")
                + f", split by {split_tag or 'equal shares'}"
            )
    labels_per_draw = labels[pick] if totals else np.full(n_draws, "", dtype=object)
    return GapDraws(years, counts, total, labels_per_draw, sources, tags)


def proportional_gaps(
    proxy: Mapping[int, float],
    source: str,
    relation: ProxyRelation,
    n_draws: int,
    seed: int,
    total: tuple[str, int] | None = None,
) -> GapDraws:
    """The simpler allocation: every gap year from one proxy times the ratio, the years scaled together to a total.

    Parameters
    ----------
    proxy : mapping of year to float
        The proxy's count in each gap year.
    source : str
        The proxy's name, for descriptions.
    relation : ProxyRelation
        log(series / proxy) on the overlap years.
    n_draws, seed : int
        Number of draws and the seed (`imputation.draw_gap_counts`).
    total : (str, int), optional
        A total's label and the sum of the gap years it fixes; the years then share it in proportion to the proxy
        (with the ratio's year-to-year noise), so the ratio's level cancels.

    Returns
    -------
    GapDraws
    """
    years = tuple(sorted(proxy))
    counts = draw_gap_counts([proxy[y] for y in years], relation, n_draws, seed, None if total is None else total[1])
    words = {y: Measurement(source, proxy[y], relation).words for y in years}
    if total is None:
        return GapDraws(
            years,
            counts,
            np.full(n_draws, -1.0),
            np.full(n_draws, "", dtype=object),
            words,
            dict.fromkeys(years, f"{source} ratio"),
        )
    share = f"; the gap years {', '.join(map(str, years))} share the total {total[1]:g} ({total[0]}) in proportion"
    return GapDraws(
        years,
        counts,
        np.full(n_draws, float(total[1])),
        np.full(n_draws, total[0], dtype=object),
        {y: w + share + " (multinomial)" for y, w in words.items()},
        dict.fromkeys(years, f"{source} ratio, scaled to the total ({total[0]})"),
    )
