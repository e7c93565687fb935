"""Every fact the analyses share, written once: the system's first year, client-type groups, the confidence level,
the series definitions and the period rules.

Nothing here reads a file or fits a model; every layer may import it.
"""

from __future__ import annotations

import datetime as dt
from statistics import NormalDist
from typing import Any

#: The Assistance System's first year: it opened in 2006, and its cumulative totals count from 1 January 2006.
FIRST_YEAR: int = 2006

#: Confidence level of every interval the package reports, and the matching two-sided normal quantile.
CONFIDENCE: float = 0.95
# Rounded, so that ALPHA is exactly 0.05: 1.0 - 0.95 is 0.050000000000000044 in binary floating point, which moves
# the last digits of statsmodels' Wilson and Newcombe intervals (they take the quantile of ALPHA / 2).
ALPHA: float = round(1.0 - CONFIDENCE, 12)
Z: float = NormalDist().inv_cdf(1.0 - ALPHA / 2.0)  # the standard library's quantile: no scipy import
CI_LABEL: str = f"{CONFIDENCE:.0%} CI"

# --- client types --------------------------------------------------------------------------------------------------
#: Potential victims, falling back to figures whose source does not say whether witnesses are included (before 2015).
VICTIMS: tuple[str, ...] = ("victim", "unspecified")
#: Clients on a stock date who are victims, falling back to figures that count victims and witnesses together.
VICTIM_CLIENTS: tuple[str, ...] = ("victim", "victim_or_witness")
#: Everybody admitted or in the system: victims, witnesses and children of victims.
ALL_CLIENTS: str = "all"

# --- measures and period rules -------------------------------------------------------------------------------------
#: Measures counted on a date (stocks); every other measure is a flow over a period.
STOCK_MEASURES: frozenset[str] = frozenset({"clients"})
#: The stock date of a yearly stock series unless said otherwise (month-day).
DEFAULT_STOCK_DATE: str = "12-31"


def month_day(text: str) -> tuple[int, int]:
    """Parse a month-day such as ``"12-31"`` into ``(12, 31)``."""
    month, day = (int(x) for x in text.split("-"))
    return month, day


def period_of(
    measure: str, year: int, *, stock_date: str = DEFAULT_STOCK_DATE, half: int | None = None, cumulative: bool = False
) -> tuple[dt.date, dt.date]:
    """The period a yearly figure of `measure` covers: the one rule the series and the claims ledger share.

    Parameters
    ----------
    measure : str
        A measure code of the data package (``admitted``, ``clients``, ...).
    year : int
        The year of the figure (for a cumulative figure: the last year it counts).
    stock_date : str
        Month-day of a stock (``"12-31"``: the end of the year).
    half : int or None
        ``1`` for a flow over January-June of `year`.
    cumulative : bool
        A flow counted from 1 January of `FIRST_YEAR` to the end of `year`.

    Returns
    -------
    tuple of datetime.date
        First and last day of the period (equal for a stock).
    """
    if cumulative:
        return dt.date(FIRST_YEAR, 1, 1), dt.date(year, 12, 31)
    if measure in STOCK_MEASURES:
        m, d = month_day(stock_date)
        day = dt.date(year, m, d)
        return day, day
    if half == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# --- series definitions --------------------------------------------------------------------------------------------
# Each series is a query of `annual_series`: measure and the coded dimensions that differ from "all" (client type
# defaults to VICTIMS). Named once here, so that the notebooks, the analyses and the tests agree.
SeriesSpec = dict[str, Any]

#: The series of the growth analysis: label -> (result key, query).
#: The name of the series of victims admitted, the package's main series.
VICTIMS_ADMITTED: str = "victims admitted"
GROWTH_SERIES: dict[str, tuple[str, SeriesSpec]] = {
    VICTIMS_ADMITTED: ("victims_admitted", {"measure": "admitted"}),
    "victims exploited in Finland": ("victims_finland", {"measure": "admitted", "place": "finland"}),
    "victims exploited abroad": ("victims_abroad", {"measure": "admitted", "place": "abroad"}),
    "all admitted (victims, witnesses, children)": (
        "all_admitted",
        {"measure": "admitted", "client_type": ALL_CLIENTS},
    ),
    "clients on 31 Dec": ("clients_year_end", {"measure": "clients", "client_type": ALL_CLIENTS}),
}

#: The series the data audit shows year by year (labels indented under their total).
CORE_SERIES: dict[str, SeriesSpec] = {
    "victims admitted": {"measure": "admitted"},
    "  exploited in Finland": {"measure": "admitted", "place": "finland"},
    "  exploited abroad": {"measure": "admitted", "place": "abroad"},
    "  women and girls": {"measure": "admitted", "sex": "female"},
    "  men and boys": {"measure": "admitted", "sex": "male"},
    "  minors": {"measure": "admitted", "age": "minor"},
    "  forced labour": {"measure": "admitted", "form": "forced_labour"},
    "  sexual exploitation": {"measure": "admitted", "form": "sexual_exploitation"},
    "  forced labour, Finland": {"measure": "admitted", "place": "finland", "form": "forced_labour"},
    "children of victims admitted": {"measure": "admitted", "client_type": "child_of_victim"},
    "witnesses admitted": {"measure": "admitted", "client_type": "witness"},
    "all admitted": {"measure": "admitted", "client_type": ALL_CLIENTS},
    "referred": {"measure": "referred", "client_type": (ALL_CLIENTS, "unspecified")},
    "clients 31 Dec, all": {"measure": "clients", "client_type": ALL_CLIENTS},
    "clients 31 Dec, victims": {"measure": "clients", "client_type": VICTIM_CLIENTS},
    "clients 31 Dec, children": {"measure": "clients", "client_type": "child_of_victim"},
    "clients 30 Jun, all": {"measure": "clients", "client_type": ALL_CLIENTS, "stock_date": "06-30"},
    f"cumulative victims since {FIRST_YEAR}": {"measure": "admitted", "client_type": "victim", "cumulative": True},
    "UNODC detected victims": {"measure": "identified"},
}

#: The published cumulative totals of victims helped since FIRST_YEAR.
CUMULATIVE_VICTIMS: SeriesSpec = CORE_SERIES[f"cumulative victims since {FIRST_YEAR}"]
#: UNODC's detected victims for Finland (a different count from the system's admissions).
UNODC_DETECTED: SeriesSpec = {"measure": "identified", "client_type": "victim"}

#: Breakdowns of a year's admitted victims: label -> (dimension, fixed selection of the other dimensions).
BREAKDOWNS: dict[str, tuple[str, dict[str, str]]] = {
    "place": ("place", {}),
    "form, all places": ("form", {}),
    "form, exploited in Finland": ("form", {"place": "finland"}),
    "form, exploited abroad": ("form", {"place": "abroad"}),
    "sex": ("sex", {}),
    "age": ("age", {}),
}

#: A denominator under this many persons is flagged as small next to its share.
SMALL_DENOMINATOR: int = 30

# --- limits of the simulations (the parameter declarations and the statistics both read them) -----------------------
#: Fewest simulated draws of a predictive distribution for a 95% interval.
MIN_FORECAST_SIMS: int = 100
#: Fewest simulated data sets per scenario of the calibration study.
MIN_REPLICATES: int = 10
#: The model-selection methods of the multiple-systems estimate, by name (`stats.mse.selection.METHODS`), in words.
MSE_SELECTION_METHODS: dict[str, str] = {
    "main_effects": "the main-effects model",
    "stepwise": "stepwise selection of interactions",
    "aic_stepwise": "stepwise selection by AIC",
    "bic": "the best model by BIC",
}
