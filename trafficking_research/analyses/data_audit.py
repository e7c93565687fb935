"""The data_audit analysis: the package at a glance, coverage of years by series, gaps, conflicts between sources,
the accounting identities checked, and the sources. The notebook `data_audit` calls this module."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..config import CORE_SERIES
from ..data.codes import IDENTITY_EXEMPT_MEASURES, KEY_COLUMNS
from ..data.observations import identity_checks
from ..data.provenance import TEXT_NOT_FOUND
from ..data.series import coverage
from ..stats.result import Estimate
from .base import Analysis
from .declarations import DATA_AUDIT, observation_inputs
from .parameters import declared
from .plotting import DATA_SOURCE, message_figure, source_caption


def _rows(obs: pd.DataFrame) -> list[dict[str, str]]:
    frame = obs.copy()
    for col in ("period_start", "period_end"):
        frame[col] = frame[col].dt.strftime("%Y-%m-%d")
    frame["_line"] = frame["line"].astype(str)
    frame["value"] = frame["value"].astype(float)
    return [{k: (v if k == "value" else str(v)) for k, v in r.items()} for r in frame.to_dict("records")]


def identity_table(obs: pd.DataFrame, exempt: frozenset[str] = IDENTITY_EXEMPT_MEASURES) -> pd.DataFrame:
    """Every identity checked on the preferred counts, with its parts and whether it holds.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_data`.
    exempt : frozenset of str
        Measures whose identities are not checked (by default those exempt on load).

    Returns
    -------
    pandas.DataFrame
        One row per identity: its label, dimension, total, parts and ``ok``.
    """
    return pd.DataFrame(identity_checks(_rows(obs), exempt))


def conflicts(obs: pd.DataFrame) -> pd.DataFrame:
    """Keys for which sources give different values: the preferred value and source against the others.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_data` (every version, not only the preferred).

    Returns
    -------
    pandas.DataFrame
        One row per figure with conflicting versions: period, series, preferred value and source, the other values
        with their sources, and the reason for the preference.
    """
    out = []
    grouped = obs.groupby(list(KEY_COLUMNS), observed=True, sort=True)
    figure = grouped.ngroup().to_numpy()  # -1: a key with a gap
    values = grouped["value"].transform("nunique").to_numpy()
    # only the figures whose versions differ (one pass instead of one per figure)
    for g in np.unique(figure[(values >= 2) & (figure >= 0)]):
        group = obs[figure == g]
        key = tuple(group[c].iloc[0] for c in KEY_COLUMNS)
        pref = group[group["status"] == "preferred"]
        others = group[group["value"] != (pref["value"].iloc[0] if len(pref) else np.nan)]
        out.append(
            {
                "period": f"{key[0]:%Y-%m-%d}..{key[1]:%Y-%m-%d}",
                "series": "/".join(str(k) for k in key[2:]),
                "preferred": pref["value"].iloc[0] if len(pref) else None,
                "preferred_source": pref["source_id"].iloc[0] if len(pref) else None,
                "other_values": "; ".join(f"{v:g} ({s})" for v, s in zip(others["value"], others["source_id"])),
                "reason": pref["note"].iloc[0] if len(pref) else group["note"].iloc[0],
            }
        )
    return pd.DataFrame(out)


def core_coverage(obs: pd.DataFrame) -> pd.DataFrame:
    """Years x the analyses' core series (`config.CORE_SERIES`; NaN where no source gives the figure).

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_data`.

    Returns
    -------
    pandas.DataFrame
        Indexed by year, one column per core series.
    """
    return coverage(obs, CORE_SERIES)


def gaps(table: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Per series, the years between `first_year` and `last_year` with no published figure.

    Parameters
    ----------
    table : pandas.DataFrame
        A coverage table (years x series).
    first_year, last_year : int
        The years looked at.

    Returns
    -------
    pandas.DataFrame
        ``series`` and ``missing_years`` (comma-separated, or "none").
    """
    years = range(first_year, last_year + 1)
    full = table.reindex(years)
    rows = [
        {
            "series": col.strip(),
            "missing_years": ", ".join(str(y) for y in years if pd.isna(full.loc[y, col])) or "none",
        }
        for col in full.columns
    ]
    return pd.DataFrame(rows)


def coverage_figure(table: pd.DataFrame) -> plt.Figure:
    """Heat-map of which years have a figure for each series (the number printed in each cell).

    Parameters
    ----------
    table : pandas.DataFrame
        A coverage table (years x series).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import seaborn as sns

    if table.empty:  # years chosen outside every published figure: say so instead of an empty heat map
        return message_figure("No source gives any of these series for the years chosen")
    fig, ax = plt.subplots(figsize=(max(8, 0.55 * len(table)), 0.42 * len(table.columns) + 1.5))
    present = table.T.notna().astype(float)
    labels = table.T.map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    sns.heatmap(
        present,
        ax=ax,
        cmap=["#f2f2f2", "#4c78a8"],
        cbar=False,
        linewidths=0.5,
        linecolor="white",
        annot=labels.values,
        fmt="",
        annot_kws={"fontsize": 7, "color": "white"},
    )
    ax.set_xlabel("year")
    ax.set_ylabel("")
    ax.set_title("Published figures per year (blank: no source gives the number)")
    fig.tight_layout()
    return source_caption(fig, DATA_SOURCE)


def sources_table(obs: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Every source with the number of rows that cite it.

    Parameters
    ----------
    obs, sources : pandas.DataFrame
        Observations and sources from `load_data`.

    Returns
    -------
    pandas.DataFrame
        The columns of sources.csv and ``rows`` (missing for a source no row cites).
    """
    per_source = obs.groupby("source_id", observed=True).size().rename("rows")
    return sources.set_index("source_id").join(per_source).reset_index()


def sources_by_kind(table: pd.DataFrame) -> pd.DataFrame:
    """Sources and the rows citing them, per kind of source.

    Parameters
    ----------
    table : pandas.DataFrame
        A table from `sources_table`.

    Returns
    -------
    pandas.DataFrame
        Indexed by kind: ``sources`` and ``rows`` (integers; a source no row cites counts 0 rows).
    """
    return (
        table.assign(rows=table["rows"].fillna(0).astype(int))
        .groupby("kind", observed=True)["rows"]
        .agg(["size", "sum"])
        .rename(columns={"size": "sources", "sum": "rows"})
    )


def identities_by_dimension(identities: pd.DataFrame) -> pd.DataFrame:
    """Identities checked and holding, per dimension.

    Parameters
    ----------
    identities : pandas.DataFrame
        A table from `identity_table`.

    Returns
    -------
    pandas.DataFrame
        Indexed by dimension: ``checked`` and ``hold``.
    """
    return identities.groupby("dimension")["ok"].agg(["size", "sum"]).rename(columns={"size": "checked", "sum": "hold"})


def broken_identities(identities: pd.DataFrame) -> pd.DataFrame:
    """The identities that fail, with their totals and parts.

    Parameters
    ----------
    identities : pandas.DataFrame
        A table from `identity_table`.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``dimension``, ``total`` and ``parts`` of each failing identity.
    """
    return identities[~identities["ok"]][["label", "dimension", "total", "parts"]]


def package_estimates(obs: pd.DataFrame) -> list[Estimate]:
    """Rows, preferred rows, sources cited, and the first and last year any figure refers to.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations from `load_data` (every version, not only the preferred).

    Returns
    -------
    list of Estimate
        ``rows``, ``preferred_rows``, ``sources``, ``first_year`` and ``last_year``.
    """
    preferred = obs[obs["status"] == "preferred"]
    return [
        Estimate("rows", len(obs), "rows", "rows in observations.csv (every version of every published figure)"),
        Estimate("preferred_rows", len(preferred), "rows", "rows marked preferred (one per figure)"),
        Estimate("sources", int(obs["source_id"].nunique()), "sources", "sources cited by at least one row"),
        Estimate("first_year", int(obs["period_end"].dt.year.min()), "year", "earliest year any figure refers to"),
        Estimate("last_year", int(obs["period_end"].dt.year.max()), "year", "latest year any figure refers to"),
    ]


def unread_rows(obs: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Rows citing a source whose text nobody could read, with the readable sources that give the same value.

    A source is unread when its note in sources.csv begins with ``text not found:``; every other source was read in
    a stored or public copy (or, where its note says so, in the copy under ../shared/sources). The loader refuses a
    preferred row on an unread source, so every row listed here is an alternative.

    Parameters
    ----------
    obs, sources : pandas.DataFrame
        Observations (every version) and sources from `load_data`.

    Returns
    -------
    pandas.DataFrame
        One row per observation on an unread source: line, period, series, value, source, status and
        ``corroborated_by`` (the readable sources with the same figure and value; empty when none).
    """
    notes = sources.set_index("source_id")["note"].fillna("").astype(str)
    unread = set(notes[notes.str.strip().str.lower().str.startswith(TEXT_NOT_FOUND)].index)
    out = []
    on_unread = obs["source_id"].isin(unread).to_numpy()
    figure = obs.groupby(list(KEY_COLUMNS), observed=True, sort=True).ngroup().to_numpy()  # -1: a key with a gap
    # only the figures with a row on an unread source: the others add nothing (one pass instead of one per figure)
    for g in np.unique(figure[on_unread & (figure >= 0)]):
        group = obs[figure == g]
        key = tuple(group[c].iloc[0] for c in KEY_COLUMNS)
        for _, row in group[group["source_id"].isin(unread)].iterrows():
            same = group[(group["value"] == row["value"]) & ~group["source_id"].isin(unread)]["source_id"]
            out.append(
                {
                    "line": int(row["line"]),
                    "period": f"{key[0]:%Y-%m-%d}..{key[1]:%Y-%m-%d}",
                    "series": "/".join(str(k) for k in key[2:]),
                    "value": row["value"],
                    "source": row["source_id"],
                    "status": row["status"],
                    "corroborated_by": "; ".join(sorted(set(same))),
                }
            )
    columns = ["line", "period", "series", "value", "source", "status", "corroborated_by"]
    return pd.DataFrame(out, columns=columns).sort_values("line", ignore_index=True)


def readability_estimates(obs: pd.DataFrame, unread: pd.DataFrame) -> list[Estimate]:
    """How many preferred rows rest on a source read in a stored or public copy.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations (every version).
    unread : pandas.DataFrame
        The table from `unread_rows`.

    Returns
    -------
    list of Estimate
        ``preferred_rows_read`` and ``preferred_rows_read_share`` (percent), and ``unread_rows`` (rows of any status
        on sources nobody could read).
    """
    preferred = int((obs["status"] == "preferred").sum())
    read = preferred - int((unread["status"] == "preferred").sum())
    return [
        Estimate(
            "preferred_rows_read", read, "rows", "preferred rows whose source was read in a stored or public copy"
        ),
        Estimate(
            "preferred_rows_read_share",
            round(100 * read / preferred, 1),
            "percent",
            "share of preferred rows whose source was read in a stored or public copy",
        ),
        Estimate("unread_rows", len(unread), "rows", "rows (all alternatives) citing a source nobody could read"),
    ]


@declared(DATA_AUDIT, observation_inputs)
def run(obs: pd.DataFrame, sources: pd.DataFrame, *, first_year: int, last_year: int) -> Analysis:
    """The data audit: what the package holds, which years each core series covers, conflicts and identities.

    Parameters
    ----------
    obs, sources : pandas.DataFrame
        Observations (every version) and sources from `load_data`, which has validated them.
    {parameters}

    Returns
    -------
    Analysis
        Estimates (``rows``, ``preferred_rows``, ``sources``, ``first_year``, ``last_year``, ``conflicts``,
        ``identities_checked``, ``identities_failed``, ``unodc_identities_failed``, and from `readability_estimates`),
        tables (``coverage``, ``gaps``, ``conflicts``, ``identities``, ``identities_unodc``, ``unread_sources``,
        ``sources``) and the figure ``coverage``.
    """
    out = Analysis("data_audit", {"first_year": first_year, "last_year": last_year})
    out.add(package_estimates(obs))

    table = out.table("coverage", core_coverage(obs).loc[first_year:last_year], index=True)
    fig = coverage_figure(table)
    out.figure("coverage", fig)
    out.table("gaps", gaps(table, first_year, last_year))

    found = out.table("conflicts", conflicts(obs))
    out.add([Estimate("conflicts", len(found), "figures", "figures for which sources give different values")])

    identities = out.table("identities", identity_table(obs))
    unodc = identity_table(obs, exempt=frozenset())
    unodc = out.table("identities_unodc", unodc[unodc["label"].str.contains("identified")])
    out.add(
        [
            Estimate(
                "identities_checked", len(identities), "checks", "identities checked on the Assistance System's figures"
            ),
            Estimate("identities_failed", int((~identities["ok"]).sum()), "checks", "identities that fail (must be 0)"),
            Estimate(
                "unodc_identities_failed",
                int((~unodc["ok"]).sum()),
                "checks",
                "identities that UNODC's detected-victims table breaks (reported, not enforced)",
            ),
        ]
    )
    unread = out.table("unread_sources", unread_rows(obs, sources))
    out.add(readability_estimates(obs, unread))
    out.table("sources", sources_table(obs, sources))
    return out
