"""Every analysis' parameters, declared once (see `analyses.parameters` for what derives from them).

Each notebook's parameters cell reads exactly as its declaration renders it; its analysis' ``run()`` takes its
defaults from here; `reproduce` checks every value against it before any kernel starts; ``trafficking-research
list`` prints it. Rules that relate parameters to each other or to the data are the `relations` beside each
declaration. This module imports nothing heavy: rules that need the data import what they use when they run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import CONFIDENCE, FIRST_YEAR, MIN_FORECAST_SIMS, MIN_REPLICATES, MSE_SELECTION_METHODS
from ..errors import ParameterError
from .parameters import DataYear, Declaration, Inputs, OneOf, Param, Range

_PACKAGE = 'folder of the data package; "" means the package\'s own data/'
SEED = (Range(0),)
#: Fewest years of data a log-linear trend with an intercept and a slope leaves a residual degree of freedom for.
MIN_MODEL_YEARS = 3
#: Draws pooled by Rubin's rules: none, or at least two.
DRAWS = (OneOf((0,)), Range(2))


def _data_dir(help_text: str = _PACKAGE) -> Param:
    return Param("data_dir", "str", "", help_text)


def _output_dir(notebook: str) -> Param:
    return Param(
        "output_dir", "str", "", f'where figures, tables and values go; "" means results/interactive/{notebook}'
    )


def _year(name: str, default: int, help_text: str) -> Param:
    return Param(name, "int", default, help_text, (DataYear(),))


def order(first: str, last: str) -> Any:
    """A relation: parameter `first` must not come after parameter `last`."""

    def rule(values: Mapping[str, Any], inputs: Inputs) -> None:
        if values[first] > values[last]:
            raise ParameterError(
                f"parameters '{first}' {values[first]} and '{last}' {values[last]}: '{first}' must not be after "
                f"'{last}'"
            )

    rule.__doc__ = f"'{first}' must not be after '{last}'."
    return rule


def observation_span(inputs: Inputs) -> tuple[int, int]:
    """The years the observations cover."""
    obs = inputs["observations"]
    return int(obs["period_start"].dt.year.min()), int(obs["period_end"].dt.year.max())


def context_span(inputs: Inputs) -> tuple[int, int]:
    """The years the context extract covers."""
    frame = inputs["context"]
    return int(frame["year"].min()), int(frame["year"].max())


def _harmonised_span(values: Mapping[str, Any], inputs: Inputs) -> None:
    """The harmonised series runs from the system's first year, so it needs a later end year."""
    if values["harmonised_draws"] and values["end_year"] <= FIRST_YEAR:
        raise ParameterError(
            f"parameter 'end_year': {values['end_year']} leaves the harmonised series no year after {FIRST_YEAR}; "
            "set harmonised_draws to 0 to leave it out"
        )


def _forecast_origin(values: Mapping[str, Any], inputs: Inputs) -> None:
    """The origin must be a published year with enough published years before it."""
    from ..data.series import victims_admitted
    from ..stats import forecasting

    forecasting.check_parameters(
        victims_admitted(inputs["observations"]),
        values["train_end"],
        values["horizon"],
        values["n_sims"],
        values["seed"],
    )


def _recent_years(values: Mapping[str, Any], inputs: Inputs) -> None:
    """The span must end after it starts, by the latest published year, and hold the change year; the years the
    change compares must be published, and the joinpoint model needs three years of data in the span."""
    from ..data.series import annual_series, latest_year

    admitted = annual_series(inputs["observations"], "admitted")
    last = latest_year(inputs["observations"])
    start, end = values["start_year"], values["end_year"] or last
    if not FIRST_YEAR <= start < end <= last:
        raise ParameterError(
            f"parameters 'start_year' {start} and 'end_year' {values['end_year']}: need {FIRST_YEAR} <= start_year "
            f"< end_year <= {last} (the latest year published; 0 means it)"
        )
    if not start <= values["change_from"] < end:
        raise ParameterError(f"parameter 'change_from': {values['change_from']} must lie in {start}-{end - 1}")
    for name, year in (("change_from", values["change_from"]), ("end_year", end)):
        if year not in admitted.index:
            raise ParameterError(f"parameter '{name}': no published figure of victims admitted for {year}")
    # with the harmonised gap years every year counts; without them only the published ones
    years = (
        end - start + 1
        if values["harmonised_draws"]
        else int(((admitted.index >= start) & (admitted.index <= end)).sum())
    )
    if years < MIN_MODEL_YEARS:
        raise ParameterError(
            f"parameters 'start_year' {start} and 'end_year' {values['end_year']}: {years} year(s) of data, the "
            f"joinpoint model needs at least {MIN_MODEL_YEARS}"
        )


def _compare_year_inside(values: Mapping[str, Any], inputs: Inputs) -> None:
    """The comparison year must lie in the analysed years."""
    if not values["start_year"] <= values["compare_year"] <= values["end_year"]:
        raise ParameterError(
            f"parameter 'compare_year': {values['compare_year']} is outside start_year-end_year "
            f"({values['start_year']}-{values['end_year']})"
        )


def _dataset_exists(values: Mapping[str, Any], inputs: Inputs) -> None:
    """Tables, if given, must be some; a named table must be one of them (or the simulated scenario)."""
    from .dark_figure_scenario import SCENARIO

    tables = inputs["tables"]
    if tables is not None and not tables:
        raise ParameterError("parameter 'data_dir': no list tables given")
    names = [SCENARIO] if tables is None else list(tables)
    if values["dataset"] and values["dataset"] not in names:
        where = "the simulated scenario" if tables is None else "the list tables"
        raise ParameterError(
            f"parameter 'dataset': no table '{values['dataset']}' in {where} (tables: {', '.join(names)})"
        )


GROWTH = Declaration(
    "growth",
    (
        _data_dir(),
        _year("start_year", FIRST_YEAR, "first year of the trend models"),
        _year("end_year", 2020, "last year of the trend models"),
        Param("min_segment", "int", 3, "fewest observed years on each side of a joinpoint", (Range(1),)),
        Param("n_boot", "int", 199, "parametric bootstrap replicates for the joinpoint test (0: no test)", (Range(0),)),
        Param("seed", "int", 2021, "random seed of the bootstrap", SEED),
        Param(
            "harmonised_draws",
            "int",
            100,
            "draws of the estimated gap years (0 leaves the harmonised series out)",
            DRAWS,
        ),
        Param("sensitivity_draws", "int", 10, "draws per scenario of the sensitivity table (0 leaves it out)", DRAWS),
        Param("harmonised_seed", "int", 2006, "random seed of those draws", SEED),
        _output_dir("growth"),
    ),
    (order("start_year", "end_year"), _harmonised_span),
    observation_span,
)

PROFILES = Declaration(
    "profiles",
    (
        _data_dir(),
        _year("start_year", FIRST_YEAR, "first year of the profiles"),
        _year("end_year", 2020, "last year of the profiles"),
        _year("compare_from", 2019, "first year of the two-year comparison"),
        _year("compare_to", 2020, "second year of the two-year comparison"),
        _output_dir("profiles"),
    ),
    (order("start_year", "end_year"),),
    observation_span,
)

YEAR_PROFILE = Declaration(
    "year_profile",
    (
        _data_dir(),
        _year("year", 2020, "the year to profile"),
        Param("window", "int", 5, "years before `year` averaged for comparison", (Range(1),)),
        _output_dir("year_profile"),
    ),
    span=observation_span,
)

DATA_AUDIT = Declaration(
    "data_audit",
    (
        _data_dir(),
        Param(
            "first_year",
            "int",
            FIRST_YEAR,
            "first year of the coverage table and the gap list",
            (Range(FIRST_YEAR, 2100),),
        ),
        Param("last_year", "int", 2025, "last year of the coverage table and the gap list", (Range(FIRST_YEAR, 2100),)),
        _output_dir("data_audit"),
    ),
    (order("first_year", "last_year"),),
)

CLAIMS = Declaration("claims", (_data_dir(), _output_dir("claims")))

FORECAST = Declaration(
    "forecast",
    (
        _data_dir(),
        _year("train_end", 2020, "last year the models are fitted on (the forecast origin)"),
        Param(
            "horizon",
            "int",
            4,
            "years forecast after train_end, and the longest horizon of the rolling-origin evaluation",
            (Range(1),),
        ),
        Param("n_sims", "int", 2000, "simulated draws of each predictive distribution", (Range(MIN_FORECAST_SIMS),)),
        Param("seed", "int", 2021, "random seed of the simulations", SEED),
        _output_dir("forecast"),
    ),
    (_forecast_origin,),
    observation_span,
)

DARK_FIGURE = Declaration(
    "dark_figure",
    (
        _data_dir('folder of list tables (CSV: 0/1 list columns and count); "" simulates the Finland-like scenario'),
        Param(
            "dataset", "str", "", 'table to bootstrap (file stem); "" means the simulated scenario or the first table'
        ),
        Param("method", "str", "stepwise", "model selection", (OneOf(tuple(MSE_SELECTION_METHODS)),)),
        Param(
            "threshold",
            "float",
            0.02,
            "stepwise: add interactions whose overlap has a Poisson tail probability below this",
            (Range(0, 1, exclusive=True),),
        ),
        Param("n_boot", "int", 200, "bootstrap replicates repeating the model selection (0: none)", DRAWS),
        Param("seed", "int", 2021, "seed of the simulation and of the bootstrap", SEED),
        Param("population", "int", 2000, "true number of victims in the simulated scenario", (Range(1),)),
        Param("reps", "int", 50, "simulated tables per setting in the precision study", (Range(1),)),
        _output_dir("dark_figure"),
    ),
    (_dataset_exists,),
)

CALIBRATION = Declaration(
    "calibration",
    (
        _data_dir(),
        Param(
            "n_replicates",
            "int",
            2000,
            "simulated data sets per scenario (Monte Carlo error of a 95% coverage: 0.005)",
            (Range(MIN_REPLICATES),),
        ),
        Param("seed", "int", 2021, "seed of the study; every replicate's generator is spawned from it", SEED),
        Param(
            "n_jobs",
            "int",
            1,
            "joblib worker processes (-1: all cores); results do not depend on it",
            (OneOf((-1,)), Range(1)),
        ),
        _output_dir("calibration"),
    ),
)

CONTEXT = Declaration(
    "context",
    (
        _data_dir(),
        _year("start_year", 2008, "first year analysed (rates over time, trends, prosecution and conviction ratios)"),
        _year("end_year", 2022, "last year analysed (the extract ends in 2022)"),
        _year("compare_year", 2020, "year of the cross-country comparison of rates and rate ratios"),
        Param("confidence", "float", CONFIDENCE, "confidence level of every interval", (Range(0, 1, exclusive=True),)),
        _output_dir("context"),
    ),
    (order("start_year", "end_year"), _compare_year_inside),
    context_span,
)

RECENT = Declaration(
    "recent",
    (
        _data_dir(),
        _year("start_year", FIRST_YEAR, "first year of the whole series (the system's first year)"),
        Param(
            "end_year",
            "int",
            0,
            "last year; 0 means the latest year with a published figure of victims admitted",
            (OneOf((0,)), DataYear()),
        ),
        Param("max_breaks", "int", 2, "most joinpoints the sequential tests may accept", (Range(0, 3),)),
        Param(
            "min_segment",
            "int",
            3,
            "fewest years in each segment of the joinpoint model (a break year counts in both)",
            (Range(3),),
        ),
        Param(
            "n_boot",
            "int",
            199,
            "bootstrap series per test of a further break, and for the break years' intervals",
            (Range(19),),
        ),
        Param(
            "harmonised_draws",
            "int",
            50,
            "draws of the estimated gap years pooled into the segment APCs; 0: published years only",
            DRAWS,
        ),
        _year("change_from", 2022, "first year of the rate ratio whose second year is end_year"),
        Param("before_years", "int", 3, "years before the amendments compared with the years after them", (Range(1),)),
        Param("seed", "int", 2021, "random seed of the bootstrap and of the draws", SEED),
        _output_dir("recent"),
    ),
    (_recent_years,),
    observation_span,
)

#: Every analysis' declaration by notebook name.
DECLARATIONS: dict[str, Declaration] = {
    d.notebook: d
    for d in (GROWTH, PROFILES, YEAR_PROFILE, DATA_AUDIT, CLAIMS, FORECAST, DARK_FIGURE, CALIBRATION, CONTEXT, RECENT)
}


def declaration(notebook: str) -> Declaration:
    """The declaration of a notebook's parameters; an unknown name is a ParameterError listing the known ones."""
    try:
        return DECLARATIONS[notebook]
    except KeyError:
        raise ParameterError(
            f"notebook '{notebook}' declares no parameters in analyses.declarations (known: {', '.join(DECLARATIONS)})"
        ) from None


def observation_inputs(obs: Any, *_: Any) -> Inputs:
    """`Inputs` of an analysis run on the observations (``run(obs, ...)``)."""
    return Inputs(observations=lambda: obs)


def context_inputs(context: Any, *_: Any) -> Inputs:
    """`Inputs` of the context analysis (``run(context, population, ...)``)."""
    return Inputs(context=lambda: context)


def table_inputs(tables: Any = None, *_: Any) -> Inputs:
    """`Inputs` of the dark-figure analysis (``run(tables, ...)``; None: the simulated scenario)."""
    return Inputs(tables=lambda: tables)
