"""The growth analysis: which series, fitted how, reported how. The notebook `growth` calls this module."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd

from . import trends
from .errors import SeriesError
from .figures import finish_year_axes
from .results import Results
from .series import annual_series

# Series of the growth analysis: label -> (result key, query). Victims fall back to figures whose source does not
# say whether witnesses are included (years before 2015); the notebook lists the client type used per year.
GROWTH_SERIES: dict[str, tuple[str, dict]] = {
    "victims admitted": ("victims_admitted", {"measure": "admitted"}),
    "victims exploited in Finland": ("victims_finland", {"measure": "admitted", "place": "finland"}),
    "victims exploited abroad": ("victims_abroad", {"measure": "admitted", "place": "abroad"}),
    "all admitted (victims, witnesses, children)": ("all_admitted", {"measure": "admitted", "client_type": "all"}),
    "clients on 31 Dec": ("clients_year_end", {"measure": "clients", "client_type": "all"}),
}


def growth_series(obs: pd.DataFrame) -> dict[str, pd.Series]:
    """Every series of the growth analysis, all published years."""
    out = {}
    for label, (_, query) in GROWTH_SERIES.items():
        s = annual_series(obs, **query)
        s.name = label
        out[label] = s
    return out


def years_table(series: dict[str, pd.Series], start_year: int, end_year: int) -> pd.DataFrame:
    """Per series: the years used in the fits (with the client type of each) and the years left out for lack of data."""
    rows = []
    for label, s in series.items():
        inside = s[(s.index >= start_year) & (s.index <= end_year)]
        types = s.attrs.get("client_type", {})
        used = ", ".join(f"{y}" + (" (unspecified)" if types.get(y) == "unspecified" else "") for y in inside.index)
        missing = [y for y in range(start_year, end_year + 1) if y not in inside.index]
        rows.append({"series": label, "years used": used or "none", "years without data": ", ".join(map(str, missing)) or "none"})
    return pd.DataFrame(rows)


@dataclass
class SeriesFit:
    """All models of one series, or the reason none could be fitted."""

    label: str
    key: str
    data: pd.Series
    poisson: trends.Trend | None = None
    negbin: trends.Trend | None = None
    dispersion: trends.Overdispersion | None = None
    joinpoint: trends.Joinpoint | None = None
    problem: str = ""
    joinpoint_problem: str = ""


def fit_series(s: pd.Series, key: str, start_year: int, end_year: int, min_segment: int, n_boot: int, seed: int) -> SeriesFit:
    """Poisson, NB2 and joinpoint fits of one series; a series that cannot be modelled keeps its reason instead."""
    try:
        data = trends.prepare(s, str(s.name), start_year, end_year)
    except SeriesError as exc:
        return SeriesFit(str(s.name), key, s, problem=str(exc))
    fit = SeriesFit(str(s.name), key, data, trends.fit_poisson(data, start_year), trends.fit_negbin(data, start_year))
    fit.dispersion = trends.overdispersion(fit.poisson, fit.negbin)
    try:
        fit.joinpoint = trends.joinpoint(data, min_segment=min_segment, n_boot=n_boot, seed=seed)
    except SeriesError as exc:
        fit.joinpoint_problem = str(exc)
    return fit


def report(fit: SeriesFit, results: Results) -> None:
    """Record a series' statistics in results.json."""
    k = fit.key
    if fit.problem:
        return
    nb, po, d = fit.negbin, fit.poisson, fit.dispersion
    results.add(f"{k}.years", len(fit.data), "years", f"{fit.label}: years with data used in the fits")
    results.add(f"{k}.apc", nb.apc, "percent per year", f"{fit.label}: annual percent change, NB2 log-linear model",
                ci=nb.apc_ci)
    results.add(f"{k}.apc_poisson", po.apc, "percent per year", f"{fit.label}: annual percent change, Poisson model",
                ci=po.apc_ci)
    dt, dt_ci = nb.doubling_time, nb.doubling_time_ci
    if dt is not None:
        results.add(f"{k}.doubling_time", dt, "years", f"{fit.label}: doubling time from the NB2 slope "
                    "(upper bound null: the slope's interval reaches zero)", ci=dt_ci)
    results.add(f"{k}.nb_alpha", nb.alpha, "dimensionless", f"{fit.label}: NB2 dispersion parameter alpha")
    results.add(f"{k}.pearson_dispersion", d.pearson_ratio, "ratio", f"{fit.label}: Pearson chi2/df of the Poisson fit")
    results.add(f"{k}.lr_nb_vs_poisson", d.lr_statistic, "chi2", f"{fit.label}: LR statistic, NB2 against Poisson "
                "(p from the half chi2(1) boundary distribution)", p_value=d.p_value)
    jp = fit.joinpoint
    if jp is not None:
        results.add(f"{k}.break_year", jp.break_year, "year", f"{fit.label}: joinpoint year of maximum likelihood")
        results.add(f"{k}.break_lr", jp.lr_statistic, "chi2", f"{fit.label}: LR statistic, best joinpoint against "
                    f"none (p from a parametric bootstrap of {jp.n_boot} series)", p_value=jp.p_value)
        results.add(f"{k}.apc_before_break", 100 * np.expm1(jp.slopes[0]), "percent per year",
                    f"{fit.label}: APC up to the joinpoint")
        results.add(f"{k}.apc_after_break", 100 * np.expm1(jp.slopes[1]), "percent per year",
                    f"{fit.label}: APC after the joinpoint")
        results.add(f"{k}.aapc", jp.aapc, "percent per year", f"{fit.label}: average APC over the period from the "
                    "joinpoint model (delta-method CI, given the break year)", ci=jp.aapc_ci)


def trend_figure(fits: list[SeriesFit], log_scale: bool) -> plt.Figure:
    """Counts with the NB2 trend and its 95% band, one panel per fitted series."""
    fitted = [f for f in fits if not f.problem]
    fig, axes = plt.subplots(1, len(fitted), figsize=(4.2 * len(fitted), 3.6), squeeze=False)
    for ax, f in zip(axes[0], fitted):
        years = f.data.index
        ax.plot(years, f.data.values, "o", color="black", label="published")
        ax.plot(years, f.negbin.fitted.values, "-", color="#4c78a8", label="NB2 trend")
        ax.fill_between(years, f.negbin.band["low"], f.negbin.band["high"], color="#4c78a8", alpha=0.25,
                        label="95% CI of the trend")
        if f.joinpoint is not None:
            jp = f.joinpoint.model
            ax.plot(years, jp.fitted.values, "--", color="#e45756", label=f"joinpoint {f.joinpoint.break_year}")
        if log_scale:
            ax.set_yscale("log")
        ax.set_title(f.label, fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("year")
    axes[0][0].set_ylabel("persons" + (" (log scale)" if log_scale else ""))
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def place_figure(series: dict[str, pd.Series], start_year: int, end_year: int) -> plt.Figure:
    """Victims admitted, exploited in Finland and abroad: the published points only."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for label, marker in (("victims admitted", "o-"), ("victims exploited in Finland", "s-"),
                          ("victims exploited abroad", "^-")):
        s = series[label]
        s = s[(s.index >= start_year) & (s.index <= end_year)]
        ax.plot(s.index, s.values, marker, label=f"{label} ({len(s)} years)")
    return finish_year_axes(fig, ax, "persons", "Where the exploitation happened (gaps: no published figure)")


def stock_flow_figure(stock: pd.Series, admitted: pd.Series, exits: pd.DataFrame) -> plt.Figure:
    """Clients on 31 December against admissions and implied exits."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.plot(stock.index, stock.values, "o-", label="clients on 31 Dec (stock)")
    ax.bar(admitted.index - 0.2, admitted.values, width=0.4, label="admitted in the year", color="#72b7b2")
    if len(exits):
        ax.bar(exits["year"] + 0.2, exits["implied_exits"], width=0.4, label="implied exits", color="#e45756")
    return finish_year_axes(fig, ax, "persons", "Stock and flows")
