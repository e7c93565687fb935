"""The ledger's verdicts as tables and counts: one row per claim, totals, claims per source and verdict."""

from __future__ import annotations

import pandas as pd

from .checks import CORROBORATION, VERDICTS, ClaimResult

TABLE_COLUMNS: tuple[str, ...] = (
    "id",
    "source_id",
    "claim",
    "expected",
    "computed",
    "verdict",
    "margin",
    "corroboration",
    "corroborating_sources",
    "reason",
    "disputed",
    "not_exact",
)


def results_table(results: list[ClaimResult]) -> pd.DataFrame:
    """One row per claim: id, source, statement, expected, computed, verdict (with its margin: "within one person"
    for a percentage true only with the one-person tolerance), corroboration, sources, reason, and
    the figures it used that the source printed as a bound or an approximation (``not_exact``): a verdict that rests
    on them is only as exact as they are.

    Parameters
    ----------
    results : list of ClaimResult
        From `evaluate`.

    Returns
    -------
    pandas.DataFrame
        Columns `TABLE_COLUMNS`, claims in the given order.
    """
    return pd.DataFrame(
        [
            {
                "id": r.id,
                "source_id": r.source_id,
                "claim": r.statement,
                "expected": r.expected,
                "computed": r.computed,
                "verdict": r.verdict,
                "margin": r.margin,
                "corroboration": r.corroboration,
                "corroborating_sources": "; ".join(r.corroborating_sources),
                "reason": r.reason,
                "disputed": r.disputed,
                "not_exact": "; ".join(
                    f"{f.label}: {f.qualifier} {f.value:g} ({f.source_id})" for f in r.figures if f.qualifier != "exact"
                ),
            }
            for r in results
        ],
        columns=list(TABLE_COLUMNS),
    )


def verdict_counts(results: list[ClaimResult]) -> dict[str, int]:
    """Totals: claims, each verdict, the true ones within one person, how the checked ones are corroborated, and the
    disputed ones.

    Parameters
    ----------
    results : list of ClaimResult
        From `evaluate`.

    Returns
    -------
    dict of str to int
        ``total``, one count per verdict, ``true_within_one_person``, ``independent``, ``self_consistent`` and
        ``disputed`` (a claim that cannot be checked is never counted as passed).
    """
    counts = {"total": len(results)}
    counts.update({v: sum(r.verdict == v for r in results) for v in VERDICTS})
    counts["true_within_one_person"] = sum(r.verdict == "true" and r.margin == "within one person" for r in results)
    counts.update({c: sum(r.corroboration == c for r in results) for c in CORROBORATION if c != "n/a"})
    counts["disputed"] = sum(bool(r.disputed) for r in results)
    return counts


def counts_by_source(results: list[ClaimResult]) -> pd.DataFrame:
    """Claims per source and verdict (every verdict a column, zeros included), sources in ledger order.

    Parameters
    ----------
    results : list of ClaimResult
        From `evaluate`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``source_id``, one column per verdict of `VERDICTS`.
    """
    order = list(dict.fromkeys(r.source_id for r in results))
    table = pd.crosstab(
        pd.Categorical([r.source_id for r in results], categories=order),
        pd.Categorical([r.verdict for r in results], categories=list(VERDICTS)),
        dropna=False,
    )
    table.index.name, table.columns.name = "source_id", None
    table.columns = [str(c) for c in table.columns]
    return table
