"""The counts behind the fifteen-year profiles: the two series (the Assistance System's admissions, UNODC's detected
victims), the shares, and how each part of a total is read.

A part of a total is read, in order, as: the published figure; a figure that follows by arithmetic from published
ones (female = total - male; a sum over ages), flagged ``derived``; a published bound ("<5"), which enters as a range
of counts (interval-censored), flagged ``bound``. A year with none of these has no count (a gap stays a gap).
"""

from __future__ import annotations

import pandas as pd

from ..config import VICTIMS

#: The two series: key -> (measure, client types, what it counts).
SERIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "system": ("admitted", VICTIMS, "victims admitted to the Assistance System"),
    "unodc": ("identified", ("victim",), "victims detected in Finland (UNODC)"),
}


#: The shares: key -> (dimension, part, complement or None, label, selection of the total).
SHARES: dict[str, tuple[str, str, str | None, str, dict[str, str]]] = {
    "share_female": ("sex", "female", "male", "women and girls", {}),
    "share_minor": ("age", "minor", "adult", "minors", {}),
    "share_forced_labour": ("form", "forced_labour", None, "forced labour", {}),
    "share_in_finland": ("place", "finland", "abroad", "exploited in Finland", {}),
    "share_forced_labour_in_finland": ("form", "forced_labour", None, "forced labour", {"place": "finland"}),
}
#: How UNODC's breakdowns differ from a partition, said next to every number derived from them.
UNODC_CAVEAT = (
    "UNODC leaves persons of unknown sex or age and cells under five out of its breakdowns, so a count "
    "derived as total minus the other part may include them"
)


def unodc_rows(context: pd.DataFrame, country: str = "FIN") -> pd.DataFrame:
    """A country's UNODC detected-victims cells from the context resource, as observation-like rows (measure
    ``identified``), "<5" cells kept as bounds by their qualifier.

    Parameters
    ----------
    context : pandas.DataFrame
        The context resource from `data.context.load_context`.
    country : str
        ISO3 code.

    Returns
    -------
    pandas.DataFrame
        Columns of the observations that `profile_table` reads.
    """
    sel = context[
        (context["country"].astype(str) == country)
        & (context["indicator"].astype(str) == "detected_victims")
        & (context["occurrence"] == 1)
    ]
    years = sel["year"].astype(int)
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime(years.astype(str) + "-01-01").to_numpy(),
            "period_end": pd.to_datetime(years.astype(str) + "-12-31").to_numpy(),
            "measure": "identified",
            "client_type": "victim",
            "place": "all",
            "form": sel["form"].astype(str).to_numpy(),
            "sex": sel["sex"].astype(str).to_numpy(),
            "age": sel["age"].astype(str).to_numpy(),
            "unit": "persons",
            "value": sel["value"].astype(float).to_numpy(),
            "qualifier": sel["qualifier"].astype(str).to_numpy(),
            "status": "preferred",
        }
    )
