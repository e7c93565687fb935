"""The growth analysis: which series, fitted how, reported how. The notebook `growth` calls this module."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..config import (
    ALL_CLIENTS,
    ALPHA,
    CI_LABEL,
    CUMULATIVE_VICTIMS,
    FIRST_YEAR,
    GROWTH_SERIES,
    STOCK_MEASURES,
    UNODC_DETECTED,
    VICTIM_CLIENTS,
)
from ..data.series import annual_series
from ..errors import FitError
from ..stats import breaks, stock_flow, trends
from ..stats.result import Estimate
from . import harmonised
from .base import Analysis
from .declarations import GROWTH, observation_inputs
from .parameters import declared
from .plotting import (
    DATA_SOURCE,
    finish_year_axes,
    headroom,
    message_figure,
    plain_axis,
    source_caption,
    with_gaps,
    years_label,
)


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
        rows.append(
            {
                "series": label,
                "years used": used or "none",
                "years without data": ", ".join(map(str, missing)) or "none",
            }
        )
    return pd.DataFrame(rows)


@dataclass
class SeriesFit:
    """All models of one series, or the reason none could be fitted."""

    label: str
    key: str
    data: pd.Series
    poisson: trends.TrendFit | None = None
    negbin: trends.TrendFit | None = None
    dispersion: trends.Overdispersion | None = None
    joinpoint: breaks.JoinpointFit | None = None
    problem: str = ""
    joinpoint_problem: str = ""

    @property
    def estimates(self) -> list[Estimate]:
        """The series' statistics, named under its key (none when it could not be fitted)."""
        if self.problem:
            return []
        nb, po = self.negbin, self.poisson
        out = [Estimate("years", len(self.data), "years", f"{self.label}: years with data used in the fits")]
        out += [e for e in nb.estimates if e.name in ("apc", "doubling_time")]
        out.append(po.estimate("apc").renamed("apc_poisson"))
        out += [e for e in nb.estimates if e.name == "nb_alpha"]
        out += list(self.dispersion.estimates)
        if self.joinpoint is not None:
            out += list(self.joinpoint.estimates)
        return [e.renamed(f"{self.key}.{e.name}") for e in out]


def fit_series(
    s: pd.Series, key: str, start_year: int, end_year: int, min_segment: int, n_boot: int, seed: int
) -> SeriesFit:
    """Poisson, NB2 and joinpoint fits of one series; a series that cannot be modelled keeps its reason instead."""
    try:
        data = trends.prepare(s, str(s.name), start_year, end_year)
    except FitError as exc:
        return SeriesFit(str(s.name), key, s, problem=str(exc))
    fit = SeriesFit(str(s.name), key, data, trends.fit_poisson(data, start_year), trends.fit_negbin(data, start_year))
    fit.dispersion = trends.overdispersion(fit.poisson, fit.negbin)
    try:
        fit.joinpoint = breaks.joinpoint(data, min_segment=min_segment, n_boot=n_boot, seed=seed)
    except FitError as exc:
        fit.joinpoint_problem = str(exc)
    return fit


def stock_flow_estimates(exits_all: pd.DataFrame, exits_victims: pd.DataFrame) -> list[Estimate]:
    """Exits implied per year by all-client and by victim stocks, and the implied mean time in the system."""
    out = [
        Estimate(
            f"stock_flow.all_clients.exits_{int(row.year)}",
            row.implied_exits,
            "persons",
            f"exits implied by all-client stocks and all admissions, {int(row.year)}",
        )
        for row in exits_all.itertuples()
    ]
    out += [
        Estimate(
            f"stock_flow.victims.exits_{int(row.year)}",
            row.implied_exits,
            "persons",
            f"exits implied by victim stocks and victims admitted, {int(row.year)}",
        )
        for row in exits_victims.itertuples()
    ]
    if len(exits_all):
        out.append(
            Estimate(
                "stock_flow.all_clients.mean_time",
                exits_all["stock"].sum() / exits_all["admitted"].sum(),
                "years",
                "implied mean time in the system: summed stocks over summed admissions (Little's law)",
            )
        )
    return out


def reconciliation_estimates(reconciliation: pd.DataFrame, unodc: pd.DataFrame) -> list[Estimate]:
    """Residual of each cumulative total against the yearly figures, and the years UNODC and the system differ."""
    out = [
        Estimate(
            f"reconciliation.cumulative_{int(row.year)}.residual",
            row.residual,
            "persons",
            f"published total to {int(row.year)} minus the sum of published yearly admissions; missing "
            f"years: {row.years_missing}",
        )
        for row in reconciliation.itertuples()
    ]
    out.append(
        Estimate(
            "reconciliation.unodc.flagged_years",
            int(unodc["flagged"].sum()),
            "years",
            "years in which UNODC's detected victims and the system's admissions differ by more than 5%",
            extra={"years": [int(y) for y in unodc.loc[unodc["flagged"], "year"]]},
        )
    )
    return out


@declared(GROWTH, observation_inputs)
def run(
    obs: pd.DataFrame,
    *,
    start_year: int,
    end_year: int,
    min_segment: int,
    n_boot: int,
    seed: int,
    harmonised_draws: int,
    sensitivity_draws: int,
    harmonised_seed: int,
) -> Analysis:
    """The growth analysis: trend models of every growth series, stock and flow, and the reconciliations; every
    parameter is checked (`declarations.GROWTH`) before any work. The reconciliation with cumulative totals always
    counts from `FIRST_YEAR`, as the totals do; the harmonised series and its sensitivity table are
    `analyses.harmonised`.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_observations`.
    {parameters}

    Returns
    -------
    Analysis
        Estimates, tables (``years_used``, ``model_comparison_victims_admitted``, ``implied_exits_*``,
        ``cumulative_reconciliation``, ``unodc_vs_system``), figures (``trends_linear``, ``trends_log``,
        ``finland_vs_abroad``, ``stock_and_flows``) and the reasons for fits that could not be made; with the
        harmonised part also ``harmonised_*`` tables, ``derived_figures``, the figure ``harmonised_series`` and the
        estimates ``harmonised.*``.
    """
    params = dict(
        start_year=start_year,
        end_year=end_year,
        min_segment=min_segment,
        n_boot=n_boot,
        seed=seed,
        harmonised_draws=harmonised_draws,
        sensitivity_draws=sensitivity_draws,
        harmonised_seed=harmonised_seed,
    )
    out = Analysis("growth", params)
    series = growth_series(obs)
    out.table("years_used", years_table(series, start_year, end_year))

    fits = [
        fit_series(series[label], key, start_year, end_year, min_segment, n_boot, seed)
        for label, (key, _) in GROWTH_SERIES.items()
    ]
    out.models.update((fit.key, fit) for fit in fits)
    for fit in fits:
        out.add(fit.estimates)
        if fit.problem:
            out.notes.append(f"not fitted: {fit.problem}")
        elif fit.joinpoint_problem:
            out.notes.append(f"no joinpoint: {fit.joinpoint_problem}")
    main = next(f for f in fits if f.key == "victims_admitted")
    if not main.problem:
        models = [main.poisson, main.negbin] + ([main.joinpoint.model] if main.joinpoint else [])
        out.table("model_comparison_victims_admitted", trends.comparison_table(models))

    stock_all = annual_series(obs, "clients", client_type=ALL_CLIENTS)
    admitted_all = annual_series(obs, "admitted", client_type=ALL_CLIENTS)
    exits_all = out.table("implied_exits_all_clients", stock_flow.implied_exits(stock_all, admitted_all))
    stock_victims = annual_series(obs, "clients", client_type=VICTIM_CLIENTS)
    exits_victims = out.table(
        "implied_exits_victims", stock_flow.implied_exits(stock_victims, series["victims admitted"])
    )
    out.add(stock_flow_estimates(exits_all, exits_victims))

    totals = annual_series(obs, **CUMULATIVE_VICTIMS)
    reconciliation = out.table(
        "cumulative_reconciliation",
        stock_flow.reconcile_cumulative(series["victims admitted"], totals, first_year=FIRST_YEAR),
    )
    unodc = out.table(
        "unodc_vs_system",
        stock_flow.compare_series(
            annual_series(obs, **UNODC_DETECTED), series["victims admitted"], "UNODC detected", "system admitted"
        ),
    )
    out.add(reconciliation_estimates(reconciliation, unodc))

    out.figure("trends_linear", trend_figure(fits, log_scale=False))
    out.figure("trends_log", trend_figure(fits, log_scale=True))
    out.figure("finland_vs_abroad", place_figure(series, start_year, end_year))
    out.figure("stock_and_flows", stock_flow_figure(stock_all, admitted_all, exits_all))
    if harmonised_draws:
        try:
            harmonised.add_to(
                out,
                obs,
                end_year=end_year,
                n_draws=harmonised_draws,
                sensitivity_draws=sensitivity_draws,
                seed=harmonised_seed,
            )
        except FitError as exc:
            out.notes.append(f"no harmonised series: {exc}")
    return out


def _per_year_label(key: str) -> str:
    """What a growth series counts: persons admitted in a year, or clients on the stock date."""
    measure = next(query["measure"] for k, query in GROWTH_SERIES.values() if k == key)
    return "persons on 31 December" if measure in STOCK_MEASURES else "persons admitted in the year"


def trend_figure(fits: list[SeriesFit], log_scale: bool) -> Figure:
    """Counts with the NB2 trend and its 95% band, one panel per fitted series.

    A joinpoint model is drawn only where its bootstrap test finds a break (p below `ALPHA`); otherwise the panel
    says that no break was found.
    """
    fitted = [f for f in fits if not f.problem]
    if not fitted:  # too few published years in the span chosen: say so (the notes give each reason)
        return message_figure("No series has enough published years for a trend model")
    fig = Figure(figsize=(4.4 * len(fitted), 3.9))
    axes = fig.subplots(1, len(fitted), squeeze=False)
    for ax, f in zip(axes[0], fitted):
        years = f.data.index
        ax.plot(years, f.data.values, "o", color="black", label="published")
        ax.plot(years, f.negbin.fitted.values, "-", color="#4c78a8", label="NB2 trend")
        ax.fill_between(
            years,
            f.negbin.band["low"],
            f.negbin.band["high"],
            color="#4c78a8",
            alpha=0.25,
            label=f"{CI_LABEL} of the trend",
        )
        jp = f.joinpoint
        if jp is not None and jp.p_value < ALPHA:
            ax.plot(
                years,
                jp.model.fitted.values,
                "--",
                color="#e45756",
                label=f"break in {jp.break_year} (bootstrap p = {jp.p_value:.2g})",
            )
        elif jp is not None:
            ax.text(
                0.02,
                0.98,
                f"no break: best joinpoint {jp.break_year}, bootstrap p = {jp.p_value:.2g}",
                transform=ax.transAxes,
                fontsize=7,
                va="top",
                color="#555555",
            )
        if log_scale:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        headroom(ax, 0.12)
        plain_axis(ax, "y")
        ax.set_title(f.label, fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("year")
        ax.set_ylabel(_per_year_label(f.key) + (" (log scale)" if log_scale else ""), fontsize=8)
    axes[0][0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return source_caption(fig, DATA_SOURCE)


def place_figure(series: dict[str, pd.Series], start_year: int, end_year: int) -> Figure:
    """Victims admitted, exploited in Finland and abroad: the published points, a line only between adjacent years."""
    fig = Figure(figsize=(7, 4.0))
    ax = fig.subplots()
    for label, marker in (
        ("victims admitted", "o-"),
        ("victims exploited in Finland", "s-"),
        ("victims exploited abroad", "^-"),
    ):
        s = series[label]
        s = s[(s.index >= start_year) & (s.index <= end_year)]
        gapped = with_gaps(s, start_year, end_year)
        ax.plot(gapped.index, gapped.values, marker, label=f"{label} ({years_label(len(s))} with a figure)")
    ax.set_ylim(bottom=0)
    headroom(ax)
    return finish_year_axes(
        fig,
        ax,
        "victims admitted in the year",
        "Where the exploitation happened (gaps: no published figure)",
        source=DATA_SOURCE,
    )


def stock_flow_figure(stock: pd.Series, admitted: pd.Series, exits: pd.DataFrame) -> Figure:
    """Clients on 31 December against admissions and implied exits (all client types)."""
    fig = Figure(figsize=(7, 4.0))
    ax = fig.subplots()
    gapped = with_gaps(stock)
    ax.plot(gapped.index, gapped.values, "o-", label="clients on 31 Dec (stock)")
    ax.bar(admitted.index - 0.2, admitted.values, width=0.4, label="admitted in the year", color="#72b7b2")
    if len(exits):
        ax.bar(
            exits["year"] + 0.2, exits["implied_exits"], width=0.4, label="implied exits in the year", color="#e45756"
        )
    ax.set_ylim(bottom=0)
    headroom(ax)
    return finish_year_axes(fig, ax, "persons (all client types)", "Stock and flows", source=DATA_SOURCE)
