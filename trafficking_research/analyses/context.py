"""The context analysis: Finland beside Sweden, Norway, Denmark, Iceland and Estonia (rates per 100,000, growth, rate
ratios), and from identification to conviction (prosecuted and convicted persons per detected victim).

The notebook `context` calls `run`. Data: data/context.csv (UNODC GLOTIP extract) and data/population.csv (World Bank).
A count published as "<5" is carried as the range 0-4 everywhere: its rate or ratio is a bound with an interval, never a
point estimate, and the trend models leave such years out (and say so).
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..config import CONFIDENCE
from ..errors import FitError, ParameterError
from ..stats.rates import CountRange, Interval, count_ratio, poisson_rate, rate_ratio
from ..stats.result import Estimate
from ..stats.trends import fit_trend
from .base import Analysis
from .plotting import plain_axis, source_caption

#: The caption of every context figure.
CONTEXT_SOURCE = (
    "Source: UNODC Global Report on Trafficking in Persons data (data/context.csv); population: World Bank "
    "SP.POP.TOTL (data/population.csv)"
)

COUNTRIES: tuple[str, ...] = ("FIN", "SWE", "NOR", "DNK", "ISL", "EST")
NAMES: dict[str, str] = {
    "FIN": "Finland",
    "SWE": "Sweden",
    "NOR": "Norway",
    "DNK": "Denmark",
    "ISL": "Iceland",
    "EST": "Estonia",
}
FOCUS = "FIN"
STAGES: tuple[str, ...] = ("prosecuted", "convicted")
FORMS: dict[str, str] = {
    "forced_labour": "forced labour",
    "sexual_exploitation": "sexual exploitation",
    "other": "other forms (first row of the extract)",
}
PER = 100_000

# What each country's "detected victims" counts, in our words, from the sources named (US State Department Trafficking
# in Persons reports, GRETA). The extract itself carries no notes.
COMPARABILITY: list[dict[str, str]] = [
    {
        "country": "FIN",
        "who identifies": "the national Assistance System admits victims on referral (police, "
        "officials, NGOs, self-referral); the assistance system is the main channel of identification",
        "what is counted": "persons admitted as presumed victims, including forced marriage and other forms under Finnish "
        "law; 2020: 247, the same figure as the extract",
        "caveats": "services beyond emergency care require a police investigation as trafficking for victims exploited "
        "in Finland",
        "source": "https://www.state.gov/reports/2021-trafficking-in-persons-report/finland/",
    },
    {
        "country": "SWE",
        "who identifies": "police and authorities through a national referral mechanism completed in "
        "2016; NGOs identify further victims reported separately",
        "what is counted": "victims identified by authorities; in the extract 2019-2020 every victim is of unknown sex "
        "and age and the totals jump from 19 (2018) to 269 (2019)",
        "caveats": "identification long depended on a criminal investigation (GRETA 2014); the 2019 jump is a change in "
        "what is counted",
        "source": "https://www.state.gov/reports/2017-trafficking-in-persons-report/sweden/; "
        "http://www.coe.int/t/dghl/monitoring/trafficking/Docs/Press_releases/PR_SWE_en.asp",
    },
    {
        "country": "NOR",
        "who identifies": "no formal identification procedure or national referral mechanism; police, "
        "other authorities and NGOs under informal guidelines, coordinated by KOM",
        "what is counted": "potential victims registered by several actors, some more than once; the government "
        "published no official number for 2017-2021 (last: 262 in 2016, the extract's 2016 figure)",
        "caveats": "duplicate registrations and different criteria; 2017-2022 figures in the extract are not official "
        "government identification statistics",
        "source": "https://preview.state.gov/reports/2022-trafficking-in-persons-report/norway/",
    },
    {
        "country": "DNK",
        "who identifies": "the Centre against Human Trafficking (CMM) for Danish, EU and documented "
        "persons; the Immigration Service for undocumented persons and asylum seekers",
        "what is counted": "formally identified victims; the State Department reports 64 for 2020 where the extract has 77",
        "caveats": "most victims found in police action against prostitution or irregular stay; formal identification "
        "can follow detention",
        "source": "https://www.state.gov/reports/2021-trafficking-in-persons-report/denmark/",
    },
    {
        "country": "ISL",
        "who identifies": "the Ministry of Justice and police (suspected victims); civil society "
        "reports separately; a national referral mechanism was being set up in 2020",
        "what is counted": "suspected victims; 2021: 46 potential victims of whom 5 confirmed",
        "caveats": "no countrywide statistics; numbers vary by source; the extract covers 2017-2020 only",
        "source": "https://www.state.gov/reports/2020-trafficking-in-persons-report/iceland/; "
        "https://www.state.gov/reports/2022-trafficking-in-persons-report/iceland/",
    },
    {
        "country": "EST",
        "who identifies": "police and the Social Insurance Board (victim support)",
        "what is counted": "victims in criminal cases and persons referred to victim support",
        "caveats": "the method of counting identifications changed in 2021 and 2022 (State Department 2023)",
        "source": "https://statenewswire.com/stories/644592236-2023-trafficking-in-persons-report-estonia",
    },
]


# What a trend in each country's series mixes, from the comparability table: carried into the APC descriptions.
TREND_CAVEATS: dict[str, str] = {
    "SWE": "the jump from 19 (2018) to 269 (2019) is a change in what is counted, so the trend mixes two definitions",
    "NOR": "the 2017-2022 figures are not official identification statistics",
    "ISL": "four years only (2017-2020)",
    "EST": "the counting of identifications changed in 2021 and 2022",
}


def cells(context: pd.DataFrame, indicator: str, form: str = "all", sex: str = "all", age: str = "all") -> pd.DataFrame:
    """The first-occurrence cells of one indicator and breakdown: country, year, value, qualifier."""
    sel = context[
        (context["indicator"] == indicator)
        & (context["form"] == form)
        & (context["sex"] == sex)
        & (context["age"] == age)
        & (context["occurrence"] == 1)
    ]
    return (
        sel[["country", "year", "value", "qualifier"]].astype({"country": str, "qualifier": str}).reset_index(drop=True)
    )


def count_range(row: pd.Series) -> CountRange:
    return CountRange.published(float(row["value"]), str(row["qualifier"]))


def rates_table(
    context: pd.DataFrame,
    population: pd.DataFrame,
    start_year: int,
    end_year: int,
    confidence: float,
    indicator: str = "detected_victims",
    form: str = "all",
) -> pd.DataFrame:
    """Per country and year: the published count, population and the rate per 100,000 with its exact interval."""
    pop = {(str(r.country), int(r.year)): float(r.population) for r in population.itertuples()}
    rows = []
    for _, r in cells(context, indicator, form).iterrows():
        year = int(r["year"])
        if not start_year <= year <= end_year:
            continue
        est = poisson_rate(count_range(r), pop[(r["country"], year)], PER, confidence)
        rows.append(
            {
                "country": r["country"],
                "year": year,
                "published": _published(r),
                "population": pop[(r["country"], year)],
                "rate": est.value,
                "bound": est.bound,
                "low": est.low,
                "high": est.high,
            }
        )
    return pd.DataFrame(rows, columns=["country", "year", "published", "population", "rate", "bound", "low", "high"])


def _published(row: pd.Series) -> str:
    return f"{int(row['value'])}" if row["qualifier"] == "exact" else f"<{int(row['value'])}"


def per_victim_table(
    context: pd.DataFrame, stage: str, start_year: int, end_year: int, confidence: float
) -> pd.DataFrame:
    """Per country and year: persons at `stage` (prosecuted or convicted) per detected victim, or why it is missing."""
    victims = {(r.country, int(r.year)): r for r in cells(context, "detected_victims").itertuples()}
    stage_cells = {(r.country, int(r.year)): r for r in cells(context, stage).itertuples()}
    rows = []
    for country in COUNTRIES:
        for year in range(start_year, end_year + 1):
            v, s = victims.get((country, year)), stage_cells.get((country, year))
            row: dict[str, Any] = {
                "country": country,
                "year": year,
                "victims": _published(pd.Series(v._asdict())) if v else "",
                stage: _published(pd.Series(s._asdict())) if s else "",
            }
            if v is None or s is None:
                row["status"] = "missing: " + " and ".join(
                    n for n, c in (("detected victims", v), (stage, s)) if c is None
                )
                rows.append(row)
                continue
            den = CountRange.published(float(v.value), str(v.qualifier))
            if den.high == 0:
                row["status"] = "no detected victims"
                rows.append(row)
                continue
            est = count_ratio(CountRange.published(float(s.value), str(s.qualifier)), den, 1.0, confidence)
            row.update(
                ratio=est.value,
                bound=est.bound,
                low=est.low,
                high=est.high,
                status="estimate" if est.value is not None else "bound (a count published as <5)",
            )
            rows.append(row)
    return pd.DataFrame(rows, columns=["country", "year", "victims", stage, "ratio", "bound", "low", "high", "status"])


def rate_ratios(context: pd.DataFrame, population: pd.DataFrame, year: int, confidence: float) -> dict[str, Interval]:
    """Finland's rate of detected victims against each neighbour's in `year` (neighbours without a figure left out)."""
    pop = {(str(r.country), int(r.year)): float(r.population) for r in population.itertuples()}
    totals = {r.country: r for r in cells(context, "detected_victims").itertuples() if int(r.year) == year}
    out = {}
    if FOCUS not in totals:
        return out
    f = totals[FOCUS]
    for country in COUNTRIES[1:]:
        if country in totals:
            c = totals[country]
            out[country] = rate_ratio(
                CountRange.published(float(f.value), str(f.qualifier)),
                pop[(FOCUS, year)],
                CountRange.published(float(c.value), str(c.qualifier)),
                pop[(country, year)],
                confidence,
            )
    return out


def trend_series(context: pd.DataFrame, country: str, start_year: int, end_year: int) -> tuple[pd.Series, list[int]]:
    """Exact detected-victim totals of a country within the years (for the trend model), and the bounded years left out."""
    t = cells(context, "detected_victims")
    t = t[(t["country"] == country) & (t["year"] >= start_year) & (t["year"] <= end_year)]
    exact = t[t["qualifier"] == "exact"]
    s = pd.Series(
        exact["value"].astype(float).to_numpy(),
        index=exact["year"].astype(int).to_numpy(),
        name=f"{NAMES[country]}: detected victims",
    )
    return s.sort_index(), sorted(int(y) for y in t.loc[t["qualifier"] != "exact", "year"])


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


def comparability_table() -> pd.DataFrame:
    """What each country's detected victims are, with the source of each statement."""
    table = pd.DataFrame(COMPARABILITY)
    table.insert(1, "name", table["country"].map(NAMES))
    return table


def rates_figure(rates: pd.DataFrame) -> plt.Figure:
    """Detected victims per 100,000 over time with exact 95% intervals; Finland highlighted, bounds as open markers."""
    fig, ax = plt.subplots(figsize=(8, 4.4))
    colours = dict(zip(COUNTRIES, ["#d62728", "#4c78a8", "#72b7b2", "#f58518", "#54a24b", "#b279a2"]))
    for country in COUNTRIES:
        r = rates[rates["country"] == country].sort_values("year")
        if r.empty:
            continue
        focus = country == FOCUS
        exact = r[r["rate"].notna()]
        line = _gapped(r, "rate")
        ax.plot(
            line.index,
            line.values,
            "o-",
            color=colours[country],
            lw=2.6 if focus else 1.1,
            ms=5 if focus else 3.5,
            alpha=1 if focus else 0.75,
            zorder=3 if focus else 2,
            label=NAMES[country] + (" (highlighted)" if focus else ""),
        )
        ax.vlines(exact["year"], exact["low"], exact["high"], color=colours[country], lw=1, alpha=0.5)
        bounded = r[r["rate"].isna()]
        if len(bounded):
            ax.plot(bounded["year"], bounded["bound"], "v", mfc="none", color=colours[country], ms=6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")
    ax.set_ylabel("detected victims per 100,000 inhabitants")
    ax.set_title(
        "Detected victims per 100,000 (UNODC GLOTIP; bars: exact 95% CI; open triangles: upper bound of a '<5' cell)",
        fontsize=9,
    )
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def forms_figure(by_form: dict[str, pd.DataFrame]) -> plt.Figure:
    """Small multiples: one panel per country, detected victims per 100,000 by form of exploitation."""
    fig, axes = plt.subplots(2, 3, figsize=(11, 6), sharex=True)
    styles = {"forced_labour": ("#4c78a8", "o-"), "sexual_exploitation": ("#e45756", "s-"), "other": ("#54a24b", "^-")}
    for ax, country in zip(axes.ravel(), COUNTRIES):
        for form, table in by_form.items():
            r = table[table["country"] == country].sort_values("year")
            colour, style = styles[form]
            line = _gapped(r, "rate")
            ax.plot(line.index, line.values, style, color=colour, ms=3.5, lw=1.2, label=FORMS[form])
            bounded = r[r["rate"].isna()]
            if len(bounded):
                ax.plot(bounded["year"], bounded["bound"], style[0], mfc="none", color=colour, ms=4, ls="none")
        ax.set_title(
            NAMES[country] + (" (focus)" if country == FOCUS else ""),
            fontsize=9,
            fontweight="bold" if country == FOCUS else "normal",
        )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    for ax in axes[:, 0]:
        ax.set_ylabel("per 100,000")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(
        "Detected victims per 100,000 by form of exploitation (open markers: upper bound of a '<5' cell)", fontsize=10
    )
    fig.tight_layout()
    return fig


def per_victim_figure(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Prosecuted and convicted persons per detected victim, by country, with exact intervals (log scale)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    colours = dict(zip(COUNTRIES, ["#d62728", "#4c78a8", "#72b7b2", "#f58518", "#54a24b", "#b279a2"]))
    for ax, (stage, table) in zip(axes, tables.items()):
        for i, country in enumerate(COUNTRIES):
            r = table[table["country"] == country]
            x = r["year"] + (i - 2.5) * 0.1
            exact = r[r["ratio"].notna()]
            ax.errorbar(
                x[exact.index],
                exact["ratio"],
                yerr=[exact["ratio"] - exact["low"], exact["high"] - exact["ratio"]],
                fmt="o",
                ms=3.5,
                color=colours[country],
                lw=0.8,
                label=NAMES[country],
                alpha=1 if country == FOCUS else 0.7,
            )
            # Upper bounds only: a ratio whose denominator is "<5" has no finite upper bound to draw.
            bounded = r[r["ratio"].isna() & np.isfinite(r["bound"].astype(float))]
            ax.plot(x[bounded.index], bounded["bound"], "v", mfc="none", color=colours[country], ms=4)
        ax.set_yscale("log")
        plain_axis(ax, "y")  # 0.01, 0.1, 1, not powers of ten
        ax.set_title(f"persons {stage} per detected victim", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("year")
    axes[0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def _gapped(table: pd.DataFrame, column: str) -> pd.Series:
    """A column by year over the table's whole year range, NaN where no exact figure: lines break at gaps."""
    if table.empty:
        return pd.Series(dtype=float)
    years = range(int(table["year"].min()), int(table["year"].max()) + 1)
    return table.set_index("year")[column].astype(float).reindex(years)


def check_parameters(
    context: pd.DataFrame, start_year: int, end_year: int, compare_year: int, confidence: float
) -> None:
    """Refuse year ranges the data cannot answer and impossible confidence levels, naming the parameter.

    Parameters
    ----------
    context : DataFrame
        As returned by `load_context`.
    start_year, end_year, compare_year : int
        The notebook's year parameters.
    confidence : float
        The notebook's confidence level.
    """
    first, last = int(context["year"].min()), int(context["year"].max())
    for name, year in (("start_year", start_year), ("end_year", end_year), ("compare_year", compare_year)):
        if not first <= int(year) <= last:
            raise ParameterError(f"parameter '{name}': {year} is outside the years of the data ({first}-{last})")
    if start_year > end_year:
        raise ParameterError(
            f"parameters 'start_year' {start_year} and 'end_year' {end_year}: the start is after the end"
        )
    if not start_year <= compare_year <= end_year:
        raise ParameterError(
            f"parameter 'compare_year': {compare_year} is outside start_year-end_year ({start_year}-{end_year})"
        )
    if not 0 < confidence < 1:
        raise ParameterError(f"parameter 'confidence': {confidence} must lie strictly between 0 and 1")


def apc_estimates(context: pd.DataFrame, start_year: int, end_year: int) -> tuple[list[Estimate], pd.DataFrame, dict]:
    """Each country's annual percent change of detected victims from the package's NB2 trend model (`fit_trend`),
    fitted to the years it reports an exact total within the range.

    Parameters
    ----------
    context : DataFrame
        As returned by `load_context`.
    start_year, end_year : int
        The years of the fits.

    Returns
    -------
    tuple
        The APC estimates (``<country>.apc``), a table of years used and left out per country, and the fits.
    """
    out, rows, fits = [], [], {}
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
        left_out += f"; caveat: {TREND_CAVEATS[country]}" if country in TREND_CAVEATS else ""
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


def run(
    context: pd.DataFrame,
    population: pd.DataFrame,
    *,
    start_year: int = 2008,
    end_year: int = 2022,
    compare_year: int = 2020,
    confidence: float = CONFIDENCE,
) -> Analysis:
    """The whole context analysis.

    Parameters
    ----------
    context, population : DataFrame
        As returned by `trafficking_research.data.context.load_context`.
    start_year, end_year : int
        The years analysed (rates over time, trends, per-victim ratios).
    compare_year : int
        The year of the cross-country comparison (rates and Finland's rate ratios).
    confidence : float
        Confidence level of the exact intervals (the trend models' intervals are the package's 95%).

    Returns
    -------
    Analysis
        Estimates (``<country>.rate_per_100k.y<year>``, ``rate_ratio.fin_<country>.y<year>``, ``<country>.apc``,
        ``<country>.<prosecuted|convicted>_per_victim.y<year>``), tables (``comparability``, ``rates``,
        ``rates_<form>``, ``apc``, ``<stage>_per_victim``), figures (``rates``, ``forms``, ``per_victim``) and notes.
    """
    check_parameters(context, start_year, end_year, compare_year, confidence)
    params = {"start_year": start_year, "end_year": end_year, "compare_year": compare_year, "confidence": confidence}
    out = Analysis("context", params)
    out.table("comparability", comparability_table())
    rates = out.table("rates", rates_table(context, population, start_year, end_year, confidence))
    by_form = {
        form: out.table(f"rates_{form}", rates_table(context, population, start_year, end_year, confidence, form=form))
        for form in FORMS
    }
    per_victim = {
        stage: out.table(f"{stage}_per_victim", per_victim_table(context, stage, start_year, end_year, confidence))
        for stage in STAGES
    }
    apcs, apc_table, fits = apc_estimates(context, start_year, end_year)
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
