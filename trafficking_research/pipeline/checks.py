"""Checking a notebook's parameters against its analysis' declaration (`analyses.declarations`): by `reproduce`
before any kernel starts, and by the notebook itself (so that a papermill user gets the same one-line message naming
the parameter). No rule is written here; this module only gives the declarations' rules the data they need.

A rule that needs the data (a year must be one the data cover) reads the notebook's data folder; `reproduce` loads
each folder once for all notebooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..analyses.declarations import declaration
from ..analyses.parameters import Inputs
from ..errors import ParameterError
from .notebooks import RESERVED

if TYPE_CHECKING:  # pandas is imported only where a rule needs the data, so that a cached run never imports it
    import pandas as pd


def inputs_for(
    notebook: str, data_dir: str, obs: pd.DataFrame | None = None, cache: dict[tuple[str, str], Any] | None = None
) -> Inputs:
    """The data a notebook's rules may ask for, read from its `data_dir` on first use (each folder once per
    `cache`).

    Parameters
    ----------
    notebook : str
        The notebook's name (what its data_dir holds is in its metadata).
    data_dir : str
        The notebook's data folder ("" for the package's own data, or the simulated scenario of dark_figure).
    obs : pandas.DataFrame, optional
        Observations already loaded.
    cache : dict, optional
        Loaded data by (kind, folder), shared between notebooks.

    Returns
    -------
    Inputs
    """
    from .notebooks import data_kind

    cache = {} if cache is None else cache
    kind = data_kind(notebook)

    def once(what: str, load: Callable[[], Any]) -> Callable[[], Any]:
        def get() -> Any:
            if kind != "observations" and what != "tables":
                raise ParameterError(f"notebook '{notebook}': its data_dir holds no data package")
            if (what, data_dir) not in cache:
                cache[(what, data_dir)] = load()
            return cache[(what, data_dir)]

        return get

    def observations() -> Any:
        if obs is not None:
            return obs
        from ..data.observations import load_observations

        return load_observations(data_dir)

    def context() -> Any:
        from ..data.context import load_context

        return load_context(data_dir)[0]

    def tables() -> Any:
        if data_dir == "":
            return None
        from ..data.capture_tables import load_tables
        from ..paths import resolve_data_dir

        return load_tables(resolve_data_dir(data_dir))

    return Inputs(
        observations=once("observations", observations), context=once("context", context), tables=once("tables", tables)
    )


def check_types(notebook: str, values: Mapping[str, Any]) -> None:
    """Refuse an undeclared name, a value of the wrong type or one outside its declared range (no data needed).

    Parameters
    ----------
    notebook : str
        The notebook's name.
    values : mapping
        Parameter values by name.
    """
    declaration(notebook).check({k: v for k, v in values.items() if k not in RESERVED}, prefix=True)


def check_parameters(notebook: str, obs: pd.DataFrame | None = None, **values: Any) -> dict[str, Any]:
    """A notebook's own check of its parameters, before any work: names, types and ranges first, then the rules
    that relate them to each other and to the data.

    Parameters
    ----------
    notebook : str
        The notebook's name.
    obs : pandas.DataFrame, optional
        The observations already loaded (otherwise loaded from ``values["data_dir"]`` when a rule needs them).
    **values
        The notebook's parameters by name (``output_dir`` may be left out).

    Returns
    -------
    dict
        Every parameter's value (defaults for those not given).

    Raises
    ------
    ParameterError
        A one-line message naming the parameter and the rule it breaks.
    """
    decl = declaration(notebook)
    values = {k: v for k, v in values.items() if k not in RESERVED}
    decl.check(values, prefix=True)  # names, types and ranges before any data is read
    full = decl.defaults() | values
    return decl.check(values, inputs_for(notebook, full.get("data_dir", ""), obs), prefix=True)


def check_tasks(tasks: list[dict[str, Any]]) -> None:
    """`reproduce`'s check of every notebook about to run, before any kernel starts (each data folder read once).

    Parameters
    ----------
    tasks : list of dict
        The runner's tasks: ``notebook`` and its resolved ``params``.
    """
    cache: dict[tuple[str, str], Any] = {}
    for task in tasks:
        name = task["notebook"]
        values = {k: v for k, v in task["params"].items() if k not in RESERVED}
        decl = declaration(name)
        decl.check(values, prefix=True)
        decl.check(values, inputs_for(name, str(values.get("data_dir", "")), cache=cache), prefix=True)
