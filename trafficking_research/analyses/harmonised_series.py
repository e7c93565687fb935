"""The harmonised admissions series 2006 onwards: published years as published, gap years estimated and flagged.

The data package stays published-only; this module builds, for the analyses, a series of victims admitted in which

* published years keep their preferred figure (flag ``published``);
* 2006, which has no admissions figure, takes the number of clients in the system's first year (every client of the
  first year was admitted that year), 9 or 6 as the two Migri statements say (flag ``published_first_year_clients``);
* each remaining gap year (2007-2009, 2014) is estimated (flag ``estimated``) by one model,
  `stats.gap_allocation.allocate_gaps`, from every source there is: a gap year inside the span of the years where
  both admissions and UNODC's detected victims are published (2014) rests on its own sources, UNODC's count times
  the admissions/UNODC ratio of those years and, where the system published the year's first half, that half times
  the full-year/first-half ratio of the years that have both (`stats.nowcast.nowcast_year`); the gap years before
  every overlap year (2007-2009) take what a published cumulative total leaves after them, split in proportion to
  UNODC's counts. The two totals (630 to the end of 2017, 1,257 to the end of 2020) leave different sums for the
  same years (`implied_gap_totals`); the main scenario draws which one holds (`TOTAL_WEIGHTS`), so their
  disagreement is part of the draws' spread. Each estimated year says which sources it rests on (columns
  ``sources`` and ``basis``).

Other scenarios (one total, the older allocation in proportion to UNODC over all gap years, one source for 2014,
another 2006 value or relation window) are `Scenario` choices; `harmonised_tables.sensitivity` tabulates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import CUMULATIVE_VICTIMS, FIRST_YEAR, UNODC_DETECTED
from ..data.series import annual_series, cell_versions, half_year_pairs
from ..errors import FitError, ParameterError, SeriesError
from ..stats.gap_allocation import GapDraws, Measurement, allocate_gaps, proportional_gaps, relation_of
from ..stats.imputation import ProxyRelation, fit_proxy_relation
from ..stats.nowcast import nowcast_year
from ..stats.pooled_growth import FullSpanGrowth, pooled_growth, single_growth

TOTAL_CHOICES = ("both", "2017", "2020", None)
#: Probability that a draw takes the total to 2017 or the total to 2020 (scenario total "both"): neither is known to
#: be the right one (630 states its cut-off, 1,257 is the later release but gives none), so each holds in half.
TOTAL_WEIGHTS: dict[int, float] = {2017: 0.5, 2020: 0.5}
ALLOCATIONS = ("sources", "proportional")
YEAR_SOURCES = ("unodc", "first_half")
SPLITS = ("unodc", "even")
UNODC = "UNODC"
FIRST_HALF = "first half"


@dataclass(frozen=True)
class Scenario:
    """One set of choices for the gap years.

    Parameters
    ----------
    total : {"both", "2017", "2020", None}
        The published cumulative total the gap years add up to: either one, drawn per draw with `TOTAL_WEIGHTS`
        ("both"), 630 to 2017, 1,257 to 2020, or None (no total: every gap year from its own sources).
    first_year : int or None
        Admissions in 2006 (9 or 6 as published for the first year), or None to start the series in 2007.
    relation_years : tuple of int
        First and last year of the overlap on which the admissions/UNODC relation is estimated.
    allocation : {"sources", "proportional"}
        ``sources``: gap years inside the overlap span from their own sources, the others take what the total
        leaves; ``proportional`` (the older choice): every gap year from UNODC, scaled together to one total.
    year_sources : tuple of str
        For the years estimated from their own sources: ``unodc`` (UNODC x ratio) and/or ``first_half`` (first
        half x ratio, where published); a year without any of them uses UNODC.
    split : {"unodc", "even"}
        How the years that take what the total leaves share it: in proportion to UNODC's counts, or equally.
    """

    total: str | None = "both"
    first_year: int | None = 9
    relation_years: tuple[int, int] = (2010, 2020)
    allocation: str = "sources"
    year_sources: tuple[str, ...] = YEAR_SOURCES
    split: str = "unodc"

    def __post_init__(self) -> None:
        if self.total not in TOTAL_CHOICES:
            raise ParameterError(f"parameter 'total': {self.total!r} is not one of {TOTAL_CHOICES}")
        if self.first_year is not None and self.first_year < 0:
            raise ParameterError(f"parameter 'first_year': {self.first_year} is negative")
        if self.relation_years[0] > self.relation_years[1]:
            raise ParameterError(f"parameter 'relation_years': {self.relation_years} starts after it ends")
        if self.allocation not in ALLOCATIONS:
            raise ParameterError(f"parameter 'allocation': {self.allocation!r} is not one of {ALLOCATIONS}")
        if not self.year_sources or set(self.year_sources) - set(YEAR_SOURCES):
            raise ParameterError(f"parameter 'year_sources': {self.year_sources!r} must name some of {YEAR_SOURCES}")
        if self.split not in SPLITS:
            raise ParameterError(f"parameter 'split': {self.split!r} is not one of {SPLITS}")
        if self.allocation == "proportional" and self.total == "both":
            raise ParameterError("parameter 'total': the proportional allocation takes one total (or none)")

    @property
    def total_years(self) -> tuple[int, ...]:
        """The years of the cumulative totals the scenario uses."""
        return tuple(TOTAL_WEIGHTS) if self.total == "both" else () if self.total is None else (int(self.total),)

    @property
    def label(self) -> str:
        """Short description for tables and figure titles."""
        total = {"both": "either total", "2017": "total to 2017", "2020": "total to 2020", None: "no total"}
        first = "no 2006" if self.first_year is None else f"2006 = {self.first_year}"
        if self.allocation == "proportional":
            how = "all gap years in proportion to UNODC"
        else:
            named = " + ".join({"unodc": UNODC, "first_half": FIRST_HALF}[s] for s in self.year_sources)
            how = f"every gap year from {named}" if self.total is None else f"own years from {named}"
            how += "" if self.total is None else ", rest split " + ("by UNODC" if self.split == "unodc" else "evenly")
        rel = f"UNODC relation {self.relation_years[0]}-{self.relation_years[1]}"
        return f"{total[self.total]}; {first}; {how}; {rel}"


@dataclass(frozen=True)
class Inputs:
    """The published figures the harmonised series is built from."""

    admitted: pd.Series
    unodc: pd.Series
    totals: dict[int, float]
    first_year_values: dict[int, str]
    half_years: pd.DataFrame


def inputs(obs: pd.DataFrame) -> Inputs:
    """Admissions (victims, else unspecified), UNODC detected victims, cumulative totals, the 2006 figures and the
    first-half/full-year pairs.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.

    Returns
    -------
    Inputs
        Exact published values only.
    """
    admitted = annual_series(obs, "admitted")
    unodc = annual_series(obs, **UNODC_DETECTED)
    cumulative = annual_series(obs, **CUMULATIVE_VICTIMS)
    first = cell_versions(obs, "clients_during", FIRST_YEAR)
    values = {int(v): f"{s} ({st})" for v, s, st in zip(first["value"], first["source_id"], first["status"])}
    totals = {int(y): float(v) for y, v in cumulative.items()}
    return Inputs(admitted, unodc, totals, values, half_year_pairs(obs))


def implied_gap_totals(data: Inputs, first_year: int | None, end_year: int) -> pd.DataFrame:
    """What each cumulative total leaves for the years without a published admissions figure.

    Parameters
    ----------
    data : Inputs
        From `inputs`.
    first_year : int or None
        The 2006 value counted as published, or None to count 2006 among the gap years.
    end_year : int
        Last year of the series.

    Returns
    -------
    pandas.DataFrame
        One row per cumulative total: its value, the published sum up to its year, the gap years and what they hold.
    """
    rows = []
    for year, total in sorted(data.totals.items()):
        span = range(FIRST_YEAR, year + 1)
        published = {y: float(data.admitted[y]) for y in span if y in data.admitted.index}
        if first_year is not None:
            published[FIRST_YEAR] = float(first_year)
        gaps = [y for y in span if y not in published]
        rows.append(
            {
                "total_to": year,
                "total": total,
                "published_sum": sum(published.values()),
                "gap_years": ", ".join(map(str, gaps)),
                "gap_sum": total - sum(published.values()),
                "gaps_after_end": [y for y in gaps if y > end_year],
            }
        )
    return pd.DataFrame(rows)


@dataclass
class Harmonised:
    """A harmonised series: a table (value, interval, flag, sources per year), the draws and the model behind it."""

    scenario: Scenario
    table: pd.DataFrame
    draws: pd.DataFrame
    relation: ProxyRelation
    gap_totals: dict[str, int]
    gaps: GapDraws | None
    notes: list[str] = field(default_factory=list)

    @property
    def gap_years(self) -> list[int]:
        """The estimated years."""
        return [int(y) for y, f in zip(self.table["year"], self.table["flag"]) if f == "estimated"]


def _totals(data: Inputs, scenario: Scenario, gaps: list[int], start: int, end_year: int) -> dict[str, int]:
    """Label -> what each total of the scenario leaves for the gap years."""
    out = {}
    for year in scenario.total_years:
        if year not in data.totals:
            raise SeriesError(f"no published cumulative total to the end of {year}")
        if any(y > year for y in gaps):
            raise ParameterError(f"the total to {year} cannot constrain gap years after it ({gaps})")
        if start != FIRST_YEAR:
            raise ParameterError("a cumulative total since 2006 needs a value for 2006 (scenario.first_year)")
        implied = implied_gap_totals(data, scenario.first_year, end_year).set_index("total_to").loc[year]
        out[f"{implied['total']:,.0f} to {year}"] = int(round(implied["gap_sum"]))
    return out


def _model(
    data: Inputs,
    scenario: Scenario,
    gaps: list[int],
    relation: ProxyRelation,
    totals: dict[str, int],
    n_draws: int,
    seed: int,
    notes: list[str],
) -> GapDraws:
    """The gap years' draws under the scenario's allocation (what a source could not give goes to `notes`)."""
    unodc = {y: float(data.unodc[y]) for y in gaps}
    if scenario.allocation == "proportional":
        total = next(iter(totals.items()), None)
        return proportional_gaps(unodc, UNODC, relation, n_draws, seed, total)
    inside = [y for y in gaps if relation.years[0] <= y <= relation.years[-1]]
    own_years = inside if totals else gaps
    rest = [y for y in gaps if y not in own_years]
    if totals and not rest:
        raise SeriesError(f"every gap year ({gaps}) lies inside the overlap years; none can take what a total leaves")
    halves = data.half_years
    history = halves.dropna()
    own: dict[int, list[Measurement]] = {}
    for y in own_years:
        ms = [Measurement(UNODC, unodc[y], relation)] if "unodc" in scenario.year_sources else []
        if "first_half" in scenario.year_sources and y in halves.index and np.isnan(halves.loc[y, "full_year"]):
            try:
                nowcast = nowcast_year(float(halves.loc[y, "first_half"]), history)
                ms.append(Measurement(FIRST_HALF, nowcast.first_half, relation_of(nowcast)))
            except FitError as exc:
                notes.append(f"{y}: its first half is not used ({exc})")
        own[y] = ms or [Measurement(UNODC, unodc[y], relation)]
    weights = [TOTAL_WEIGHTS[year] for year in scenario.total_years] if len(totals) > 1 else None
    by_unodc = scenario.split == "unodc"
    return allocate_gaps(
        own,
        n_draws,
        seed,
        remainder={y: unodc[y] if by_unodc else 1.0 for y in rest},
        totals=totals,
        weights=weights,
        split_noise=relation if by_unodc else None,
        split_words=f"UNODC's counts ({', '.join(f'{unodc[y]:g}' for y in rest)})" if by_unodc else "",
        split_tag=UNODC if by_unodc else "",
    )


def harmonise(
    obs: pd.DataFrame, scenario: Scenario = Scenario(), end_year: int = 2020, n_draws: int = 200, seed: int = 2006
) -> Harmonised:
    """The harmonised admissions series from the first year to `end_year` under one scenario.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    scenario : Scenario
        Which totals, which 2006 value, which relation years, which allocation.
    end_year : int
        Last year of the series.
    n_draws : int
        Number of draws of the gap years.
    seed : int
        Seed of the draws.

    Returns
    -------
    Harmonised
        Table and draws; the value of an estimated year is the median of its draws, its interval their central 95%.
    """
    data = inputs(obs)
    start = FIRST_YEAR if scenario.first_year is not None else FIRST_YEAR + 1
    if end_year <= start:
        raise ParameterError(f"parameter 'end_year': {end_year} leaves no span after {start}")
    years = list(range(start, end_year + 1))
    published = {y: float(data.admitted[y]) for y in years if y in data.admitted.index}
    gaps = [y for y in years if y not in published and y != FIRST_YEAR]
    no_proxy = [y for y in gaps if y not in data.unodc.index]
    if no_proxy:
        raise SeriesError(f"years {no_proxy} have neither an admissions figure nor a UNODC figure to estimate from")
    lo, hi = scenario.relation_years
    overlap = [y for y in range(lo, hi + 1) if y in data.admitted.index and y in data.unodc.index]
    relation = fit_proxy_relation(data.admitted.to_dict(), data.unodc.to_dict(), overlap)
    totals = _totals(data, scenario, gaps, start, end_year)
    notes = [f"the total {label} leaves {gap} for {', '.join(map(str, gaps))}" for label, gap in totals.items()]
    if len(set(totals.values())) > 1:
        notes.append(
            "the published totals disagree about the gap years ("
            + " vs ".join(f"{g} by the total {label}" for label, g in totals.items())
            + "); each draw takes one of them"
        )
    gap_draws = _model(data, scenario, gaps, relation, totals, n_draws, seed, notes) if gaps else None
    draws = pd.DataFrame({y: np.full(n_draws, v) for y, v in published.items()})
    if scenario.first_year is not None:
        draws[FIRST_YEAR] = float(scenario.first_year)
    for y in gaps:
        draws[y] = gap_draws.column(y).astype(float)
    draws = draws[years]
    types = data.admitted.attrs.get("client_type", {})
    first_words = "; ".join(f"{v} by {s}" for v, s in sorted(data.first_year_values.items()))
    estimated = {e.name: e for e in gap_draws.estimates} if gap_draws else {}
    rows = []
    for y in years:
        if y in published:
            v, lo_, hi_, flag = published[y], published[y], published[y], "published"
            tag = basis = f"admitted ({types.get(y, 'victim')})"
        elif y == FIRST_YEAR:
            v = lo_ = hi_ = float(scenario.first_year)
            flag, tag, basis = "published_first_year_clients", "clients in the first year", first_words
        else:
            e = estimated[f"y{y}"]
            v, (lo_, hi_), flag = e.value, e.ci, "estimated"
            tag, basis = gap_draws.tags[y], gap_draws.sources[y]
        rows.append({"year": y, "value": v, "low": lo_, "high": hi_, "flag": flag, "sources": tag, "basis": basis})
    return Harmonised(scenario, pd.DataFrame(rows), draws, relation, totals, gap_draws, notes)


def full_span_growth(h: Harmonised, model: str = "negbin") -> FullSpanGrowth:
    """Fit the trend on every draw of the harmonised series and pool the slopes (`stats.pooled_growth`).

    Parameters
    ----------
    h : Harmonised
        From `harmonise`.
    model : {"negbin", "poisson"}
        Trend model.

    Returns
    -------
    FullSpanGrowth
        APC and its interval; the interval includes the spread between draws.
    """
    return pooled_growth(h.draws, f"victims admitted, harmonised ({h.scenario.label})", model)


def published_only_growth(
    obs: pd.DataFrame,
    start_year: int = FIRST_YEAR,
    end_year: int = 2020,
    model: str = "negbin",
    first_year: int | None = None,
) -> FullSpanGrowth:
    """The same trend on the published years only (optionally with a 2006 value), for comparison.

    Parameters
    ----------
    obs : pandas.DataFrame
        The validated observations.
    start_year, end_year : int
        Window.
    model : {"negbin", "poisson"}
        Trend model.
    first_year : int or None
        A 2006 value to include, or None to leave 2006 out.

    Returns
    -------
    FullSpanGrowth
        With m = 1 and the interval of the single fit.
    """
    s = annual_series(obs, "admitted")
    s = s[(s.index >= start_year) & (s.index <= end_year)].astype(float)
    if first_year is not None and start_year <= FIRST_YEAR:
        s = pd.concat([pd.Series({FIRST_YEAR: float(first_year)}), s]).sort_index()
    what = "published years only" + ("" if first_year is None else f", 2006 = {first_year}")
    return single_growth(s.rename("victims admitted"), f"victims admitted, {what}", model)
