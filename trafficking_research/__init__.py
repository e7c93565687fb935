"""Reproducible analysis of the statistics of Finland's Assistance System for Victims of Human Trafficking.

The public API for researchers (stable names; see the README)::

    import trafficking_research as tr
    obs = tr.load_observations()                      # the cited data package, validated
    admitted = tr.annual_series(obs, "admitted")      # victims admitted per year (gaps stay gaps)
    fit = tr.fit_trend(admitted, model="negbin", start_year=2010, end_year=2020)
    fit.apc, fit.apc_ci, fit.doubling_time
    fit.summary()
    tr.nowcast_year(152, history)                     # a full year from its first half (history: both halves)

Heavy modules load on first use, so ``import trafficking_research`` stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

__all__ = [
    "Estimate",
    "ShareTrend",
    "TrendFit",
    "__version__",
    "annual_series",
    "fit_share_trend",
    "fit_trend",
    "load_data",
    "load_observations",
    "nowcast_year",
]

_EXPORTS = {
    "load_observations": "trafficking_research.data.observations",
    "load_data": "trafficking_research.data.observations",
    "annual_series": "trafficking_research.data.series",
    "fit_trend": "trafficking_research.stats.trends",
    "TrendFit": "trafficking_research.stats.trends",
    "fit_share_trend": "trafficking_research.stats.shares",
    "ShareTrend": "trafficking_research.stats.shares",
    "Estimate": "trafficking_research.stats.result",
    "nowcast_year": "trafficking_research.stats.nowcast",
}

if TYPE_CHECKING:  # pragma: no cover
    from .data.observations import load_data, load_observations
    from .data.series import annual_series
    from .stats.nowcast import nowcast_year
    from .stats.result import Estimate
    from .stats.shares import ShareTrend, fit_share_trend
    from .stats.trends import TrendFit, fit_trend


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'trafficking_research' has no attribute {name!r}")
