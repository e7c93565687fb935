"""The calibration analysis: how often each interval the package reports covers the truth. The notebook
`calibration` calls this module; the simulations and fits are `stats.calibration`."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..config import CONFIDENCE, Z
from ..data.series import annual_series
from ..errors import FitError
from ..stats import calibration, trends
from ..stats.calibration.joinpoint import JOINPOINT_BOOT
from ..stats.calibration.trend import MISSPECIFIED, MISSPECIFIED_GROWTH, SERIES_YEARS
from ..stats.result import Estimate
from .base import Analysis
from .declarations import CALIBRATION, observation_inputs
from .parameters import declared
from .plotting import source_caption

#: The caption of the coverage figure.
CALIBRATION_SOURCE = (
    "Source: simulated series (parameters n_replicates and seed) in scenarios modelled on the "
    "published series of victims admitted (data/observations.csv)"
)

#: The band a calibrated 95% interval must hold (issue 13), and the band of the joinpoint test's size at 5%.
TARGET = (0.93, 0.97)
SIZE_TARGET = (0.03, 0.07)
#: The method whose coverage of a misspecified trend is reported scenario by scenario: the APC interval the package
#: reports (NB2, Pearson-scaled, Student's t).
HEADLINE_METHOD = "nb2_pearson_t"
#: Methods the package reports after calibration, and those it reported before.
REPORTED = {
    "nb2_pearson_t",
    "quasipoisson_t",
    "nb2_moment_t_draws",
    "wilson",
    "newcombe",
    "logit_quasi_t",
    "profile_likelihood",
    "bootstrap_lr",
}
BEFORE = {"nb2_wald_z", "poisson_wald_z", "nb2_normal_draws", "logit_wald_z"}
#: Quantities whose interval the package does not report at all (the joinpoint's segment slopes: point values only).
NOT_REPORTED = ("slope before break", "slope after break")


def status(quantity: str, method: str) -> str:
    """Whether the package reports this interval now, reported it before the study, or neither."""
    if quantity in NOT_REPORTED:
        return "not reported"
    if method in REPORTED:
        return "reported"
    return "reported before calibration" if method in BEFORE else "candidate, not reported"


def slug(text: str) -> str:
    """Lower-case words joined by underscores, for result names."""
    return "_".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def real_series_estimates(obs: pd.DataFrame) -> list[Estimate]:
    """The real series the scenarios imitate: victims admitted 2010-2020, its years, counts and NB2 alpha."""
    s = annual_series(obs, "admitted")
    s = s[(s.index >= SERIES_YEARS[0]) & (s.index <= SERIES_YEARS[-1])]
    s.name = "victims admitted"
    out = [
        Estimate(
            "real_series.years",
            len(s),
            "years",
            "victims admitted: published years in 2010-2020 (the simulated series use the same years)",
            extra={"years": [int(y) for y in s.index]},
        ),
        Estimate(
            "real_series.min_count", float(s.min()), "persons", "victims admitted: smallest yearly count in 2010-2020"
        ),
        Estimate(
            "real_series.max_count", float(s.max()), "persons", "victims admitted: largest yearly count in 2010-2020"
        ),
    ]
    try:
        fit = trends.fit_trend(s, "negbin")
    except FitError:
        return out
    out.append(
        Estimate(
            "real_series.nb_alpha",
            fit.alpha,
            "dimensionless",
            "victims admitted 2010-2020: NB2 dispersion alpha (maximum likelihood; the scenarios use alpha 0 to 0.06)",
        )
    )
    return out


def verdict(actual: float, mc_se: float, band: tuple[float, float]) -> str:
    """Whether a coverage (or size) is in its target band, decided with its Monte Carlo error in mind.

    "in" when the whole interval actual +- 1.96 MC standard errors lies inside the band, "below" or "above" when it
    lies wholly outside, and "undecided" when it straddles an edge of the band: the replicates cannot tell.

    Parameters
    ----------
    actual, mc_se : float
        The estimated coverage and its Monte Carlo standard error.
    band : tuple of float
        The target band.

    Returns
    -------
    str
    """
    low, high = actual - Z * mc_se, actual + Z * mc_se
    if high < band[0]:
        return "below"
    if low > band[1]:
        return "above"
    return "in" if band[0] <= low and high <= band[1] else "undecided"


def with_verdicts(table: pd.DataFrame) -> pd.DataFrame:
    """The coverage table with each row's `verdict` (coverage rows against 93-97%, the test's size against 3-7%; no
    verdict for a row without a nominal level, such as how often the break year was found)."""
    verdicts = [
        verdict(a, e, SIZE_TARGET if f == "joinpoint_size" else TARGET) if not np.isnan(n) else ""
        for a, e, f, n in zip(table["actual"], table["mc_se"], table["family"], table["nominal"])
    ]
    return table.assign(verdict=verdicts)


def overall(verdicts: pd.Series) -> str:
    """A method's verdict over its scenarios: "out" when any is below or above, "in" when all are in, else
    "undecided"."""
    if verdicts.isin(["below", "above"]).any():
        return "out"
    return "in" if (verdicts == "in").all() else "undecided"


#: How a verdict reads in words.
VERDICT_WORDS = {
    "in": "within the target band",
    "below": "under-covers: below the target band beyond Monte Carlo error",
    "above": "over-covers (conservative): above the target band beyond Monte Carlo error",
    "undecided": "undecided: the Monte Carlo interval straddles an edge of the target band",
}


#: How a method's verdict over its scenarios reads in words.
OVERALL_WORDS = {
    "in": "in the band in every scenario",
    "out": "outside the band beyond Monte Carlo error in some scenario",
    "undecided": "outside in none, undecided in some scenario",
}


def summary_estimates(table: pd.DataFrame) -> list[Estimate]:
    """Per quantity and method: the lowest coverage over the scenarios (the range beside it); the test's size."""
    out = []
    for (quantity, method), part in table.groupby(["quantity", "method"], sort=False):
        if method == "-":
            continue
        worst = part.loc[part["actual"].idxmin()]
        kind = status(quantity, method)
        if quantity == "joinpoint test size at 5%":
            for row in part.itertuples():
                out.append(
                    Estimate(
                        f"joinpoint_size.{slug(row.scenario)}",
                        row.actual,
                        "proportion",
                        f"share of series without a break in which the joinpoint bootstrap test rejects "
                        f"at 5% ({row.scenario}; target 3-7%: {VERDICT_WORDS[row.verdict]})",
                        extra={
                            "mc_se": row.mc_se,
                            "replicates": int(row.replicates),
                            "bootstrap_series": JOINPOINT_BOOT,
                            "verdict": row.verdict,
                        },
                    )
                )
            continue
        out.append(
            Estimate(
                f"coverage.{slug(quantity)}.{method}",
                float(worst.actual),
                "proportion",
                f"{quantity}, {method} ({kind}): lowest actual coverage of the nominal 95% interval over "
                f"{len(part)} simulated scenario(s), the lowest in '{worst.scenario}' (highest "
                f"{part['actual'].max():.3f}); target {TARGET[0]:.2f}-{TARGET[1]:.2f}, judged with the Monte Carlo "
                f"error: {OVERALL_WORDS[overall(part['verdict'])]}",
                extra={
                    "highest": float(part["actual"].max()),
                    "mc_se": float(worst.mc_se),
                    "replicates": int(worst.replicates),
                    "scenarios": len(part),
                    "in_target": overall(part["verdict"]),
                },
            )
        )
    return out


def misspecified_estimates(table: pd.DataFrame) -> list[Estimate]:
    """Scenario by scenario, the reported APC interval's coverage where the model is wrong or alpha beyond the grid:
    of the slope the model estimates, and of the growth a reader would take the APC for."""
    out = []
    names = {MISSPECIFIED: "model_slope", MISSPECIFIED_GROWTH: "underlying_growth"}
    rows = table[table["quantity"].isin(list(names)) & (table["method"] == HEADLINE_METHOD)]
    for row in rows.itertuples():
        name = names[row.quantity]
        if name == "model_slope":
            shifted = row.scenario.startswith(("level shift", "slowing growth"))
            what = "the slope the log-linear model estimates" if shifted else "the true growth"
        else:
            slowing = row.scenario.startswith("slowing growth")
            what = "the latest year's growth (0%)" if slowing else "the growth without the level shift"
        out.append(
            Estimate(
                f"misspecified.{slug(row.scenario)}.{name}",
                row.actual,
                "proportion",
                f"{row.scenario}: share of simulated series whose reported APC interval ({HEADLINE_METHOD}, "
                f"nominal 95%) covers {what}; {VERDICT_WORDS[row.verdict]}",
                extra={"mc_se": row.mc_se, "replicates": int(row.replicates), "verdict": row.verdict},
            )
        )
    return out


def coverage_figure(table: pd.DataFrame) -> plt.Figure:
    """Actual coverage of each method in each scenario (with +-1.96 MC standard errors), against the 93-97% band;
    a second panel: the joinpoint test's size against 3-7%."""
    cov = table[(table["method"] != "-") & (table["family"] != "joinpoint_size")]
    size = table[table["family"] == "joinpoint_size"]
    groups = list(dict.fromkeys(zip(cov["quantity"], cov["method"])))
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.28 * len(groups) + 1.6), width_ratios=[3, 1], squeeze=False)
    ax = axes[0][0]
    ax.axvspan(*TARGET, color="#54a24b", alpha=0.15, lw=0, label="target 93-97%")
    ax.axvline(CONFIDENCE, color="grey", lw=0.8, ls=":")
    for i, (q, m) in enumerate(groups):
        part = cov[(cov["quantity"] == q) & (cov["method"] == m)]
        colour = {"reported": "#4c78a8", "reported before calibration": "#e45756"}.get(status(q, m), "#9d9d9d")
        jitter = np.linspace(-0.25, 0.25, len(part)) if len(part) > 1 else np.zeros(1)
        ax.errorbar(part["actual"], i + jitter, xerr=Z * part["mc_se"], fmt="o", ms=3, lw=0.8, color=colour)
    ax.set_yticks(range(len(groups)), [f"{q} · {m}" for q, m in groups], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(max(0.0, float(cov["actual"].min()) - 0.05) if len(cov) else 0.0, 1.03)  # room beside 100%
    ax.set_xlabel(
        "replicates whose 95% interval covers the truth / all replicates\n(points: scenarios; bars: ±1.96 MC s.e.)"
    )
    ax.plot([], [], "o", color="#4c78a8", label="reported now")
    ax.plot([], [], "o", color="#e45756", label="reported before calibration")
    ax.plot([], [], "o", color="#9d9d9d", label="candidate, or not reported")
    ax.legend(fontsize=7, loc="lower left")
    ax2 = axes[0][1]
    if len(size):
        ax2.axvspan(*SIZE_TARGET, color="#54a24b", alpha=0.15, lw=0)
        ax2.axvline(0.05, color="grey", lw=0.8, ls=":")
        ax2.errorbar(size["actual"], range(len(size)), xerr=Z * size["mc_se"], fmt="o", color="#4c78a8")
        ax2.set_yticks(range(len(size)), list(size["scenario"]), fontsize=7)
        ax2.invert_yaxis()
        reach = float((size["actual"] + Z * size["mc_se"]).max())
        ax2.set_xlim(0, max(0.12, reach * 1.1))  # room beside the widest error bar
    ax2.set_xlabel("joinpoint test without a break:\nrejections at 5% / all replicates")
    fig.tight_layout()
    return source_caption(fig, CALIBRATION_SOURCE)


@declared(CALIBRATION, observation_inputs)
def run(
    obs: pd.DataFrame | None = None,
    *,
    n_replicates: int,
    seed: int,
    n_jobs: int,
    families: tuple[str, ...] = tuple(calibration.FAMILY_SPECS),
) -> Analysis:
    """The calibration study: coverage of every interval the package reports, on data with known truth.

    Parameters
    ----------
    obs : pandas.DataFrame, optional
        Observations from `load_observations`; when given, the real series the scenarios imitate is described.
    {parameters}
    families : tuple of str
        Which interval families to study (default: all of `stats.calibration.FAMILY_SPECS`).

    Returns
    -------
    Analysis
        Estimates (lowest coverage per quantity and method, the joinpoint test's size per scenario, the real
        series' shape), tables ``coverage`` (method x scenario: nominal, actual, MC error) and ``joinpoint_size``,
        figure ``coverage``.
    """
    out = Analysis("calibration", dict(n_replicates=n_replicates, seed=seed, n_jobs=n_jobs, families=list(families)))
    if obs is not None:
        out.add(real_series_estimates(obs))
    table = with_verdicts(calibration.run_study(n_replicates, seed, n_jobs, tuple(families)))
    out.table("coverage", table)
    out.table("joinpoint_size", table[table["family"] == "joinpoint_size"].reset_index(drop=True))
    out.add(summary_estimates(table))
    out.add(misspecified_estimates(table))
    # every reported interval outside the band beyond its Monte Carlo error (the misspecified trends included), in
    # words; the rows the replicates cannot decide are in the table (verdict "undecided")
    reported = np.array([status(q, m) == "reported" for q, m in zip(table["quantity"], table["method"])], dtype=bool)
    missed = table[(table["nominal"] == CONFIDENCE) & reported & table["verdict"].isin(["below", "above"])]
    for row in missed.itertuples():
        out.notes.append(
            f"{row.quantity}, {row.method}, {row.scenario}: coverage {row.actual:.3f} (MC s.e. {row.mc_se:.3f}) "
            f"{VERDICT_WORDS[row.verdict].split(':')[0]}, outside {TARGET[0]:.2f}-{TARGET[1]:.2f} beyond Monte Carlo "
            "error"
        )
    out.figure("coverage", coverage_figure(table))
    return out
