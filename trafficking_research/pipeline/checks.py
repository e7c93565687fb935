"""The rules each notebook's parameters must obey, checked in one place: by `reproduce` before any kernel starts,
and by the notebook itself (so that a papermill user gets the same one-line message naming the parameter).

A rule that needs the data (a year must be one the data cover) reads the notebook's data folder; `reproduce` loads
each folder once for all notebooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError
from .notebooks import RESERVED, Parameter, _is_type, data_kind, notebook_parameters

if TYPE_CHECKING:  # pandas is imported only where a rule needs the data, so that a cached run never imports it
    import pandas as pd

Loader = Callable[[], "pd.DataFrame"]
#: The table the dark_figure notebook simulates when it is given no data_dir.
SIMULATED_TABLE = "finland_scenario"


def _years(obs: Loader, values: Mapping[str, Any], *names: str) -> None:
    from ..data.series import check_years

    check_years(obs(), **{name: values[name] for name in names})


def _order(values: Mapping[str, Any], first: str, last: str) -> None:
    if values[first] > values[last]:
        raise ParameterError(
            f"parameters '{first}' {values[first]} and '{last}' {values[last]}: '{first}' must not be after '{last}'"
        )


def _at_least(values: Mapping[str, Any], name: str, low: int, why: str) -> None:
    if values[name] < low:
        raise ParameterError(f"parameter '{name}' must be at least {low} ({why}), got {values[name]}")


def _growth(values: Mapping[str, Any], obs: Loader) -> None:
    _years(obs, values, "start_year", "end_year")
    _order(values, "start_year", "end_year")
    _at_least(values, "min_segment", 1, "observed years on each side of a joinpoint")
    _at_least(values, "n_boot", 0, "bootstrap replicates of the joinpoint test, 0 for none (p-value 1)")
    _at_least(values, "seed", 0, "a random seed")
    if "harmonised_draws" in values:
        for name, what in (
            ("harmonised_draws", "draws of the estimated gap years; 0 leaves the harmonised series out"),
            ("sensitivity_draws", "draws per scenario of the sensitivity table; 0 leaves the table out"),
        ):
            if values[name] != 0:
                _at_least(values, name, 2, f"{what}; Rubin's rules need two")
        _at_least(values, "harmonised_seed", 0, "a random seed")


def _profiles(values: Mapping[str, Any], obs: Loader) -> None:
    _years(obs, values, "start_year", "end_year", "compare_from", "compare_to")
    _order(values, "start_year", "end_year")


def _year_profile(values: Mapping[str, Any], obs: Loader) -> None:
    _years(obs, values, "year")
    _at_least(values, "window", 1, "years averaged before the profiled year")


def _data_audit(values: Mapping[str, Any], obs: Loader) -> None:
    _order(values, "first_year", "last_year")


def _forecast(values: Mapping[str, Any], obs: Loader) -> None:
    from ..analyses import forecast
    from ..stats import forecasting

    forecasting.check_parameters(
        forecast.victims_admitted(obs()),
        values["train_end"],
        values["horizon"],
        values["n_sims"],
        values["seed"],
    )


def _dark_figure(values: Mapping[str, Any], obs: Loader) -> None:
    from ..stats.mse import METHODS

    if values["method"] not in METHODS:
        raise ParameterError(
            f"parameter 'method': unknown method {values['method']!r}; choose one of {', '.join(METHODS)}"
        )
    if values["data_dir"] == "":
        _at_least(values, "population", 1, "the true number of victims in the simulated scenario")
        tables = [SIMULATED_TABLE]
    else:
        from ..data.capture_tables import load_tables
        from ..paths import resolve_data_dir

        tables = list(load_tables(resolve_data_dir(values["data_dir"])))
    if values["dataset"] and values["dataset"] not in tables:
        where = "the simulated scenario" if values["data_dir"] == "" else values["data_dir"]
        raise ParameterError(
            f"parameter 'dataset': no table '{values['dataset']}' in {where} (tables: {', '.join(tables)})"
        )
    _at_least(values, "bootstrap", 0, "bootstrap replicates, 0 for none")
    _at_least(values, "reps", 1, "simulated tables per setting")


def _calibration(values: Mapping[str, Any], obs: Loader) -> None:
    from ..stats.calibration import check_parameters as check_study

    check_study(values["n_replicates"], values["seed"], values["n_jobs"])


def _context(values: Mapping[str, Any], obs: Loader) -> None:
    from ..analyses import context
    from ..data.context import load_context

    frame, _ = load_context(values["data_dir"])
    context.check_parameters(
        frame, values["start_year"], values["end_year"], values["compare_year"], values["confidence"]
    )


def _recent(values: Mapping[str, Any], obs: Loader) -> None:
    from ..analyses import recent

    recent.check_parameters(
        obs(), values["start_year"], values["end_year"], values["change_from"], values["before_years"]
    )
    _at_least(values, "max_breaks", 0, "joinpoints the tests may accept")
    _at_least(values, "min_segment", 3, "years in each segment of the joinpoint model")
    _at_least(values, "n_boot", 19, "bootstrap series per test; a p-value below 0.05 needs 19")
    if values["harmonised_draws"] != 0:
        _at_least(values, "harmonised_draws", 2, "draws of the gap years; 0 leaves them out; Rubin's rules need two")
    _at_least(values, "seed", 0, "a random seed")
    if values["max_breaks"] > 3:
        raise ParameterError(f"parameter 'max_breaks' must be at most 3, got {values['max_breaks']}")


#: Per notebook, the rules its parameters obey beyond their declared types.
RULES: dict[str, Callable[[Mapping[str, Any], Loader], None]] = {
    "growth": _growth,
    "profiles": _profiles,
    "year_profile": _year_profile,
    "data_audit": _data_audit,
    "forecast": _forecast,
    "dark_figure": _dark_figure,
    "calibration": _calibration,
    "context": _context,
    "recent": _recent,
}


def check_types(
    notebook: str,
    values: Mapping[str, Any],
    declared: Mapping[str, Parameter] | None = None,
) -> None:
    """Refuse a value whose type is not the one the notebook's parameters cell declares.

    Parameters
    ----------
    notebook : str
        The notebook's name.
    values : mapping
        Parameter values by name (undeclared names are refused).
    declared : mapping, optional
        The notebook's declared parameters (read from the notebook when not given).
    """
    declared = notebook_parameters(notebook) if declared is None else declared
    for name, value in values.items():
        if name not in declared:
            raise ParameterError(f"unknown parameter '{name}' of notebook '{notebook}'")
        kind = declared[name].type
        if not _is_type(value, kind):
            raise ParameterError(f"parameter '{name}' of notebook '{notebook}' must be {kind}, got {value!r}")


def check_parameters(notebook: str, obs: pd.DataFrame | None = None, **values: Any) -> None:
    """A notebook's own check of its parameters, before any work: types first, then the notebook's rules.

    Parameters
    ----------
    notebook : str
        The notebook's name.
    obs : pandas.DataFrame, optional
        The observations already loaded (otherwise loaded from ``values["data_dir"]`` when a rule needs them).
    **values
        The notebook's parameters by name (``output_dir`` may be left out).

    Raises
    ------
    ParameterError
        A one-line message naming the parameter and the rule it breaks.
    """
    check_types(notebook, values)
    rule = RULES.get(notebook)
    if rule is None:
        return
    declared = notebook_parameters(notebook)
    full = {name: p.default for name, p in declared.items() if name not in RESERVED} | values

    def load() -> pd.DataFrame:
        if obs is not None:
            return obs
        from ..data.observations import load_observations

        return load_observations(full.get("data_dir", ""))

    rule(full, load)


def check_tasks(tasks: list[dict[str, Any]]) -> None:
    """`reproduce`'s check of every notebook about to run, before any kernel starts (each data folder read once).

    Parameters
    ----------
    tasks : list of dict
        The runner's tasks: ``notebook`` and its resolved ``params``.
    """
    loaded: dict[str, pd.DataFrame] = {}
    for task in tasks:
        name, values = task["notebook"], dict(task["params"])
        check_types(name, values)
        rule = RULES.get(name)
        if rule is None:
            continue
        folder = str(values.get("data_dir", ""))

        def load(folder: str = folder, name: str = name) -> pd.DataFrame:
            if data_kind(name) != "observations":
                raise ParameterError(f"notebook '{name}': its data_dir holds no data package")
            if folder not in loaded:
                from ..data.observations import load_observations

                loaded[folder] = load_observations(folder)
            return loaded[folder]

        try:
            rule(values, load)
        except ParameterError as exc:
            raise ParameterError(f"notebook '{name}': {exc}") from None
