"""Checking claims: the verdict (the kinds of check are in `kinds`), and the corroboration by other publications.

A verdict is ``true`` (``margin`` "within one person" when only the one-person tolerance of a rounded percentage
makes it so, see `tolerance`), ``false`` (contradicted by figures of other publications), ``source_slip`` (the claim
contradicts its own publication's other figures: every figure that contradicts it comes from the same publication),
or ``cannot_check`` (a figure is not published, or not exactly; the reason names it). A stated number the data
contradict makes a claim false (or a slip) whatever else is missing. A checked claim is corroborated
``independent``ly when one of the figures used comes from a publication other than the claim's own (the ledger's
`same_origin` groups are one publication each), else it is only ``self_consistent``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .expressions import Evaluator
from .kinds import CHECKERS, no_exact_figure
from .loading import LEDGER_FILE, Claim, Ledger, load_ledger
from .lookup import FigureLookup, FigureUse

VERDICTS: tuple[str, ...] = ("true", "false", "source_slip", "cannot_check")
#: The kinds of check that carry figures printed as bounds or approximations as ranges; the others need exact ones.
RANGE_KINDS: tuple[str, ...] = ("compare",)
CORROBORATION: tuple[str, ...] = ("independent", "self_consistent", "n/a")


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, with what was expected, what the data give, why, and from which sources."""

    id: str
    source_id: str
    statement: str
    kind: str
    expected: str
    computed: str
    verdict: str
    reason: str
    corroboration: str
    sources: tuple[str, ...]
    corroborating_sources: tuple[str, ...]
    figures: tuple[FigureUse, ...]
    disputed: str = ""
    margin: str = ""  # "within one person" for a percentage true only with the one-person tolerance


def evaluate_claim(claim: Claim, lookup: FigureLookup, origin: dict[str, str]) -> ClaimResult:
    """Check one claim: verdict, what was compared, why, and whether another publication corroborates it.

    Parameters
    ----------
    claim : Claim
        A validated claim.
    lookup : FigureLookup
        The preferred figures.
    origin : dict of str to str
        Source id -> its `same_origin` group (sources of one group never corroborate one another).

    Returns
    -------
    ClaimResult
    """
    own = origin.get(claim.source_id, claim.source_id)
    publication = (claim.source_id, *sorted(s for s, g in origin.items() if g == own and s != claim.source_id))
    ev = Evaluator(lookup, publication)
    kind = claim.check["kind"]
    out = CHECKERS[kind](claim.check, ev)
    verdict, reason = out.verdict, out.reason
    if ev.mismatches:  # a stated number the data contradict is decisive, whatever else is missing
        verdict = "false"
        reason = "; ".join(ev.mismatches) + (f"; {reason}" if reason else "")
    elif kind not in RANGE_KINDS and verdict != "cannot_check" and ev.inexact():
        verdict, reason = "cannot_check", f"{no_exact_figure(ev)} (a {kind} check reads exact figures only); {reason}"
    if verdict != "false" and ev.missing:
        verdict = "cannot_check"
        gone = "; ".join(dict.fromkeys(ev.missing))
        reason = f"no preferred figure for {gone}" + (f"; {reason}" if reason else "")
    sources = tuple(sorted({u.source_id for u in ev.uses}))
    others = tuple(s for s in sources if origin.get(s, s) != own)
    if verdict == "false" and sources and not others:
        verdict = "source_slip"
        reason = f"the claim's own publication gives other figures: {reason}"
    if verdict == "cannot_check":
        corroboration = "n/a"
    else:
        corroboration = "independent" if others else "self_consistent"
    return ClaimResult(
        claim.id,
        claim.source_id,
        claim.statement,
        kind,
        out.expected,
        out.computed,
        verdict,
        reason,
        corroboration,
        sources,
        others,
        tuple(ev.uses),
        claim.disputed,
        out.margin if verdict == "true" else "",
    )


def evaluate(ledger: Ledger, obs: pd.DataFrame) -> list[ClaimResult]:
    """Every claim of the ledger checked against the preferred observations.

    Parameters
    ----------
    ledger : Ledger
        From `load_ledger`.
    obs : pandas.DataFrame
        The validated observations.

    Returns
    -------
    list of ClaimResult
        In ledger order.
    """
    lookup = FigureLookup(obs)
    return [evaluate_claim(c, lookup, ledger.origin) for c in ledger.claims]


def check_ledger(path: str | Path = LEDGER_FILE, data_dir: str | Path | None = None) -> list[ClaimResult]:
    """Load the data package and the ledger, validate both, and evaluate every claim.

    Parameters
    ----------
    path : str or Path
        The ledger file.
    data_dir : str, Path or None
        The data package (None: the package's own data/).

    Returns
    -------
    list of ClaimResult
        In ledger order.
    """
    from ..data.observations import load_data

    obs, sources = load_data(data_dir)
    return evaluate(load_ledger(path, obs=obs, sources=sources), obs)
