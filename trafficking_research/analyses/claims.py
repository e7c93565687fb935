"""The claims analysis: every statement of the ledger checked, counted and drawn. The notebook `claims` calls this."""

from __future__ import annotations

from pathlib import Path

import matplotlib.figure
import matplotlib.pyplot as plt
import pandas as pd

from ..ledger import (
    LEDGER_FILE,
    VERDICTS,
    ClaimResult,
    counts_by_source,
    evaluate,
    load_ledger,
    results_table,
    verdict_counts,
)
from ..stats.result import Estimate
from .base import Analysis
from .plotting import headroom, plain_axis, source_caption

#: The caption of the verdict figure.
CLAIMS_SOURCE = "Source: the claims ledger (claims/), each claim checked against data/observations.csv"

#: The ledger's totals: estimate name -> what it counts.
COUNTS: dict[str, str] = {
    "total": "claims in the ledger",
    "true": "claims the preferred figures confirm",
    "true_within_one_person": "true claims whose percentage rounds to the printed one only with one person more or "
    "less in the numerator or denominator",
    "false": "claims the figures of other publications contradict",
    "source_slip": "claims the other figures of their own publication contradict (a slip of the source)",
    "cannot_check": "claims that need a figure no source publishes, or publishes only as a bound or an approximation (never "
    "counted as passed)",
    "independent": "checked claims corroborated by a figure from another publication",
    "self_consistent": "checked claims whose figures all come from the claim's own publication",
    "disputed": "false claims and slips marked as known disagreements of a source with the figures (reason given)",
}
VERDICT_COLOURS: dict[str, str] = {
    "true": "#4c9a5f",
    "false": "#c0392b",
    "source_slip": "#e08e0b",
    "cannot_check": "#b0b0b0",
}


def count_estimates(results: list[ClaimResult], by_source: pd.DataFrame) -> list[Estimate]:
    """The totals of `COUNTS`, then per source (in ledger order) the claims with each verdict.

    Parameters
    ----------
    results : list of ClaimResult
        Every claim's verdict.
    by_source : pandas.DataFrame
        `counts_by_source` of the same results.

    Returns
    -------
    list of Estimate
        ``total``, ``true``, ... and ``by_source.<source>.<verdict>`` (source ids with ``_`` for ``-``).
    """
    counts = verdict_counts(results)
    out = [Estimate(name, counts[name], "claims", description) for name, description in COUNTS.items()]
    for source_id, row in by_source.iterrows():
        out += [
            Estimate(
                f"by_source.{source_id.replace('-', '_')}.{verdict}",
                int(row[verdict]),
                "claims",
                f"claims of {source_id} with verdict {verdict}",
            )
            for verdict in VERDICTS
        ]
    return out


def run(obs: pd.DataFrame, sources: pd.DataFrame, *, ledger_file: str | Path = LEDGER_FILE) -> Analysis:
    """Check every claim of the ledger against the preferred observations.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_data`.
    sources : pandas.DataFrame
        Sources from `load_data` (the source ids a claim may name).
    ledger_file : str or Path
        The ledger (default: claims/claims.yaml).

    Returns
    -------
    Analysis
        Estimates (`COUNTS` and ``by_source.<source>.<verdict>``), tables (``claims``: one row per claim;
        ``claims_by_source``), the figure ``verdicts_by_source``, and the verdicts themselves as
        ``models["claims"]`` (one `ClaimResult` per claim, with the figures it used).

    Raises
    ------
    LedgerError
        When the ledger breaks a rule of its format, before any claim is checked.
    """
    ledger = load_ledger(ledger_file, obs=obs, sources=sources)
    checked = evaluate(ledger, obs)
    out = Analysis("claims", {"ledger_file": str(ledger_file)})
    out.models["claims"] = tuple(checked)
    out.table("claims", results_table(checked))
    by_source = out.table("claims_by_source", counts_by_source(checked), index=True)
    out.add(count_estimates(checked, by_source))
    out.figure("verdicts_by_source", verdict_figure(by_source))
    return out


def verdict_figure(by_source: pd.DataFrame, title: str = "Claims by source and verdict") -> matplotlib.figure.Figure:
    """Horizontal stacked bars: per source, how many of its claims are true, false, slips of the source, or cannot be
    checked.

    Parameters
    ----------
    by_source : pandas.DataFrame
        `counts_by_source`: one row per source, one column per verdict.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, closed to pyplot (so that a notebook shows it only when it is published).
    """
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(by_source) + 1.4))
    left = pd.Series(0, index=by_source.index, dtype=float)
    labels = list(by_source.index)[::-1]
    for verdict in VERDICTS:
        counts = by_source[verdict].astype(float)
        ax.barh(
            labels, counts[labels], left=left[labels], color=VERDICT_COLOURS[verdict], label=verdict.replace("_", " ")
        )
        left += counts
    ax.set_xlabel("claims of the source (count)")
    ax.set_title(title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    headroom(ax, 0.08, axis="x")
    plain_axis(ax, "x")
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    source_caption(fig, CLAIMS_SOURCE)
    plt.close(fig)
    return fig
