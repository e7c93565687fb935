"""The claims ledger (claims/claims.yaml): published statements, each checked against the preferred observations.

A claim names its source, says in our words what the source states, and declares how to check it: a quantity built
from named figures (sums, differences, ratios, shares) compared with the stated value, or a comparison of one year
with earlier years. Figures are looked up among the preferred rows by their key columns, never typed in as numbers;
the numbers a statement quotes are written as `stated` and must equal the preferred figures.

Modules: `schema` (the format, ``claims.schema.json``, checked by jsonschema), `rules` (what the schema cannot
state), `loading` (`load_ledger`), `lookup` (figure references and periods), `expressions` (their evaluation),
`tolerance` (the rule of rounding, bands and bounds), `kinds` (one checker per kind of check), `checks` (verdicts
and corroboration), `tables` (tables and counts).
"""

from __future__ import annotations

from ..errors import LedgerError
from .checks import (
    CORROBORATION,
    VERDICTS,
    ClaimResult,
    check_ledger,
    evaluate,
    evaluate_claim,
)
from .loading import LEDGER_FILE, Claim, Ledger, load_ledger
from .lookup import FigureLookup, FigureUse
from .tables import counts_by_source, results_table, verdict_counts

__all__ = [
    "CORROBORATION",
    "LEDGER_FILE",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "FigureLookup",
    "FigureUse",
    "Ledger",
    "LedgerError",
    "check_ledger",
    "counts_by_source",
    "evaluate",
    "evaluate_claim",
    "load_ledger",
    "results_table",
    "verdict_counts",
]
