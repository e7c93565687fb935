"""The context analysis: Finland beside Sweden, Norway, Denmark, Iceland and Estonia (rates per 100,000, growth, rate
ratios), and from identification to conviction (prosecuted and convicted persons per detected victim).

The notebook `context` calls `run`. Data: data/context.csv (UNODC GLOTIP extract) and data/population.csv (World Bank).
A count published as "<5" is carried as the range 0-4 everywhere: its rate or ratio is a bound with an interval, never a
point estimate, and the trend models leave such years out (and say so).

Its parts: `context_tables` (the cells, rates, ratios) and `context_figures`; what each country counts and what its
trend mixes are cited notes of the data package (data/context_notes.csv, `data.context_notes`). This module turns them
into estimates and tables and runs the analysis.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..data.context_notes import TOPICS, load_context_notes, notes_on
from ..errors import FitError
from ..stats.rates import Interval
from ..stats.result import Estimate
from ..stats.trends import fit_trend
from .base import Analysis
from .context_figures import forms_figure, per_victim_figure, rates_figure
from .context_tables import COUNTRIES, FORMS, NAMES, STAGES, per_victim_table, rate_ratios, rates_table, trend_series
from .declarations import CONTEXT, context_inputs
from .parameters import declared
from .plotting import source_caption

#: The caption of every context figure.
CONTEXT_SOURCE = (
    "Source: UNODC Global Report on Trafficking in Persons data (data/context.csv); population: World Bank "
    "SP.POP.TOTL (data/population.csv)"
)


def _interval_estimate(name: str, est: Interval, unit: str, description: str, **extra: Any) -> Estimate:
    """An Estimate from an interval; a bound keeps value None and records the bound and its meaning."""
    ci: tuple[float, float] | None = (est.low, est.high)
    if est.value is None:
        if est.bound is not None and math.isfinite(est.bound):
            extra = dict(extra, bound=est.bound, qualifier="at_most")
            description += " (a count was published as '<5': only an upper bound and the interval are known)"
        else:
            description += " (the denominator was published as '<5' and may be 0: no bound can be given)"
    if not (math.isfinite(est.low) and math.isfinite(est.high)):
        ci = None
        description += "; the interval has no finite upper limit"
    return Estimate(name, est.value, unit, description, ci, dict(extra, method=est.method))


def estimates(
    context: pd.DataFrame,
    population: pd.DataFrame,
    start_year: int,
    end_year: int,
    compare_year: int,
    confidence: float,
) -> list[Estimate]:
    """Every rate, rate ratio and per-victim ratio the analysis reports (APCs come from the trend models).

    Parameters
    ----------
    context, population : DataFrame
        As returned by `load_context`.
    start_year, end_year : int
        Years of the per-victim ratios and of the rates over time.
    compare_year : int
        The year of the cross-country comparison (rates and Finland's rate ratios).
    confidence : float
        Confidence level of every interval.

    Returns
    -------
    list of Estimate
        Named `<country>.rate_per_100k.y<year>`, `rate_ratio.fin_<country>.y<year>` and
        `<country>.<stage>_per_victim.y<year>`, with lower-case ISO 3166 alpha-3 country codes (result names are
        lower-case).
    """
    out: list[Estimate] = []
    pct = f"{100 * confidence:g}%"
    rates = rates_table(context, population, compare_year, compare_year, confidence)
    for r in rates.itertuples():
        est = Interval(
            None if pd.isna(r.rate) else float(r.rate),
            float(r.low),
            float(r.high),
            confidence,
            "exact Poisson (Garwood)",
            None if pd.isna(r.bound) else float(r.bound),
        )
        out.append(
            _interval_estimate(
                f"{r.country.lower()}.rate_per_100k.y{compare_year}",
                est,
                "per 100,000 inhabitants",
                f"{NAMES[r.country]}: detected victims per 100,000 inhabitants in {compare_year} (UNODC GLOTIP count "
                f"{r.published} over World Bank population {int(r.population)}), exact {pct} Poisson interval",
            )
        )
    for country, est in rate_ratios(context, population, compare_year, confidence).items():
        out.append(
            _interval_estimate(
                f"rate_ratio.fin_{country.lower()}.y{compare_year}",
                est,
                "ratio",
                f"Finland's rate of detected victims over {NAMES[country]}'s in {compare_year}, exact conditional "
                f"{pct} interval; the two countries count different things (see the comparability table)",
            )
        )
    for stage in STAGES:
        table = per_victim_table(context, stage, start_year, end_year, confidence)
        for r in table[table["status"] != ""].itertuples():
            if str(r.status).startswith(("missing", "no detected")):
                continue
            est = Interval(
                None if pd.isna(r.ratio) else float(r.ratio),
                float(r.low),
                float(r.high),
                confidence,
                "exact conditional binomial",
                None if pd.isna(r.bound) else float(r.bound),
            )
            out.append(
                _interval_estimate(
                    f"{r.country.lower()}.{stage}_per_victim.y{r.year}",
                    est,
                    "persons per detected victim",
                    f"{NAMES[r.country]} {r.year}: persons {stage} ({getattr(r, stage)}) per detected victim "
                    f"({r.victims}), exact conditional {pct} interval; offenders and victims are different people "
                    "and cases take years to reach court, so this is a ratio of two counts, not a share",
                )
            )
    return out


def comparability_table(notes: pd.DataFrame) -> pd.DataFrame:
    """What each country's detected victims are and what its trend mixes: one row per cited note, with its source.

    Parameters
    ----------
    notes : DataFrame
        As returned by `load_context_notes`.

    Returns
    -------
    DataFrame
        country, name, topic (in words), text, source_id and locator, countries in the order of `COUNTRIES` and
        topics in the order of `TOPICS`.
    """
    table = notes.assign(order=notes["country"].astype(str).map({c: i for i, c in enumerate(COUNTRIES)}))
    table = table.sort_values(["order", "topic"], kind="stable")
    return pd.DataFrame(
        {
            "country": table["country"].astype(str),
            "name": table["country"].map(NAMES),
            "topic": table["topic"].map(TOPICS).astype(str),
            "text": table["text"],
            "source_id": table["source_id"],
            "locator": table["locator"],
        }
    ).reset_index(drop=True)


def apc_estimates(
    context: pd.DataFrame, start_year: int, end_year: int, trend_caveats: dict[str, str] | None = None
) -> tuple[list[Estimate], pd.DataFrame, dict]:
    """Each country's annual percent change of detected victims from the package's NB2 trend model (`fit_trend`),
    fitted to the years it reports an exact total within the range.

    Parameters
    ----------
    context : DataFrame
        As returned by `load_context`.
    start_year, end_year : int
        The years of the fits.
    trend_caveats : dict, optional
        Country -> what its trend mixes (the ``trend_caveat`` notes of data/context_notes.csv), carried into the
        APC's description.

    Returns
    -------
    tuple
        The APC estimates (``<country>.apc``), a table of years used and left out per country, and the fits.
    """
    out, rows, fits = [], [], {}
    trend_caveats = trend_caveats or {}
    for country in COUNTRIES:
        series, bounded = trend_series(context, country, start_year, end_year)
        row: dict[str, Any] = {
            "country": country,
            "years used": ", ".join(map(str, series.index)) or "none",
            "left out (<5)": ", ".join(map(str, bounded)) or "none",
        }
        try:
            fit = fit_trend(series, model="negbin", start_year=start_year, end_year=end_year, origin=start_year)
        except FitError as exc:
            rows.append(dict(row, apc=None, low=None, high=None, problem=str(exc)))
            continue
        fits[country.lower()] = fit
        rows.append(dict(row, apc=fit.apc, low=fit.apc_ci[0], high=fit.apc_ci[1], problem=""))
        left_out = f"; years published as '<5' left out: {row['left out (<5)']}" if bounded else ""
        left_out += f"; caveat: {trend_caveats[country]}" if country in trend_caveats else ""
        out.append(
            Estimate(
                f"{country.lower()}.apc",
                fit.apc,
                "percent per year",
                f"{NAMES[country]}: annual percent change of detected victims {start_year}-{end_year}, "
                f"NB2 log-linear trend over the {len(series)} years with an exact total "
                f"({row['years used']}){left_out}",
                fit.apc_ci,
                {"years": len(series)},
            )
        )
    return out, pd.DataFrame(rows), fits


@declared(CONTEXT, context_inputs)
def run(
    context: pd.DataFrame,
    population: pd.DataFrame,
    notes: pd.DataFrame | None = None,
    *,
    start_year: int,
    end_year: int,
    compare_year: int,
    confidence: float,
) -> Analysis:
    """The whole context analysis; every parameter is checked (`declarations.CONTEXT`) before any work.

    Parameters
    ----------
    context, population : DataFrame
        As returned by `trafficking_research.data.context.load_context`.
    notes : DataFrame, optional
        The comparability notes, as returned by `trafficking_research.data.context_notes.load_context_notes`; the
        package's own data/context_notes.csv when left out.
    {parameters}
    The trend models' intervals are the package's 95% whatever `confidence` says.

    Returns
    -------
    Analysis
        Estimates (``<country>.rate_per_100k.y<year>``, ``rate_ratio.fin_<country>.y<year>``, ``<country>.apc``,
        ``<country>.<prosecuted|convicted>_per_victim.y<year>``), tables (``comparability``, ``rates``,
        ``rates_<form>``, ``apc``, ``<stage>_per_victim``), figures (``rates``, ``forms``, ``per_victim``) and notes.
    """
    params = {"start_year": start_year, "end_year": end_year, "compare_year": compare_year, "confidence": confidence}
    out = Analysis("context", params)
    notes = load_context_notes() if notes is None else notes
    out.table("comparability", comparability_table(notes))
    rates = out.table("rates", rates_table(context, population, start_year, end_year, confidence))
    by_form = {
        form: out.table(f"rates_{form}", rates_table(context, population, start_year, end_year, confidence, form=form))
        for form in FORMS
    }
    per_victim = {
        stage: out.table(f"{stage}_per_victim", per_victim_table(context, stage, start_year, end_year, confidence))
        for stage in STAGES
    }
    apcs, apc_table, fits = apc_estimates(context, start_year, end_year, notes_on(notes, "trend_caveat"))
    out.table("apc", apc_table)
    out.models.update(fits)
    out.notes += [f"{NAMES[r.country]}: no trend fitted ({r.problem})" for r in apc_table.itertuples() if r.problem]
    out.add(estimates(context, population, start_year, end_year, compare_year, confidence))
    out.add(apcs)
    for name, fig in (
        ("rates", rates_figure(rates)),
        ("forms", forms_figure(by_form)),
        ("per_victim", per_victim_figure(per_victim)),
    ):
        out.figure(name, source_caption(fig, CONTEXT_SOURCE))
    return out
