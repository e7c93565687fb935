"""How an analysis declares its parameters, once: name, type, default, what values are allowed and one line saying
what the parameter is (in the spirit of scikit-learn's ``_parameter_constraints``).

From a `Declaration` everything else derives: the analysis' ``run()`` fills its defaults and validates
(`declared`), `pipeline.checks` refuses bad values before any kernel starts, ``trafficking-research list`` prints
each parameter with its description, and the notebook's parameters cell must read exactly as `Declaration.cell`
renders it (a test says so). The declarations themselves are `analyses.declarations`.

This module imports nothing heavy (no pandas, no numpy), so that `reproduce` and `list` stay quick; rules that need
the data receive it through `Inputs`, which loads lazily.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParameterError

TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}
#: Parameters every notebook has that its analysis' ``run()`` does not take.
NOTEBOOK_ONLY = ("data_dir", "output_dir")


def is_type(value: Any, kind: str) -> bool:
    """Whether `value` is of the declared type name (an int is a float; a bool is neither)."""
    if isinstance(value, bool):
        return kind == "bool"
    if kind == "float":
        return isinstance(value, (int, float))
    return isinstance(value, TYPES[kind])


@dataclass(frozen=True)
class Range:
    """Numbers from `low` to `high` (either may be open: None); `exclusive` leaves the ends out."""

    low: float | None = None
    high: float | None = None
    exclusive: bool = False

    def holds(self, value: Any, span: tuple[int, int] | None = None) -> bool:
        if self.low is not None and (value <= self.low if self.exclusive else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.exclusive else value > self.high))

    def text(self) -> str:
        if self.exclusive:
            return f"strictly between {self.low:g} and {self.high:g}"
        if self.high is None:
            return f"at least {self.low:g}"
        if self.low is None:
            return f"at most {self.high:g}"
        return f"from {self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class OneOf:
    """One of the listed values."""

    values: tuple[Any, ...]

    def holds(self, value: Any, span: tuple[int, int] | None = None) -> bool:
        return value in self.values

    def text(self) -> str:
        if len(self.values) == 1:
            return repr(self.values[0])
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class DataYear:
    """A year the notebook's data cover (checked when the data are at hand; `Inputs.span`)."""

    def holds(self, value: Any, span: tuple[int, int] | None = None) -> bool:
        return span is None or span[0] <= value <= span[1]

    def text(self) -> str:
        return "a year the data cover"


Constraint = Range | OneOf | DataYear


@dataclass(frozen=True)
class Param:
    """One parameter: its name, type name, default, allowed values (any one constraint suffices; none: any value of
    the type) and what it is, in one line."""

    name: str
    type: str
    default: Any
    help: str
    allowed: tuple[Constraint, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"parameter '{self.name}': type must be one of {', '.join(TYPES)}")
        if not is_type(self.default, self.type):
            raise ValueError(f"parameter '{self.name}': default {self.default!r} is not {self.type}")
        if self.allowed and not any(c.holds(self.default) for c in self.allowed):
            raise ValueError(f"parameter '{self.name}': default {self.default!r} is not {self.rule}")

    @property
    def rule(self) -> str:
        """The allowed values in words ("" when any value of the type is)."""
        return " or ".join(c.text() for c in self.allowed)

    def check(self, value: Any, span: tuple[int, int] | None = None, notebook: str = "") -> None:
        """Refuse a value of the wrong type or outside the allowed values, naming the parameter."""
        of = f" of notebook '{notebook}'" if notebook else ""
        if not is_type(value, self.type):
            raise ParameterError(f"parameter '{self.name}'{of} must be {self.type}, got {value!r}")
        if self.allowed and not any(c.holds(value, span) for c in self.allowed):
            where = (
                f" ({span[0]}-{span[1]})"
                if span is not None and any(isinstance(c, DataYear) for c in self.allowed)
                else ""
            )
            raise ParameterError(f"parameter '{self.name}'{of} must be {self.rule}{where}, got {value!r}")

    @property
    def literal(self) -> str:
        """The default as the parameters cell writes it (strings in double quotes)."""
        return json.dumps(self.default) if self.type == "str" else repr(self.default)

    @property
    def comment(self) -> str:
        """The parameters cell's comment: what the parameter is, with the choices when there is a list of them."""
        choices = next((c for c in self.allowed if isinstance(c, OneOf) and len(c.values) > 1), None)
        return self.help + (f" ({choices.text()})" if choices else "")

    def line(self) -> str:
        """The parameters-cell line: ``name: type = default  # comment``."""
        return f"{self.name}: {self.type} = {self.literal}  # {self.comment}"


class Inputs:
    """What a notebook's rules may need from its data, each loaded on first use and then kept.

    Parameters
    ----------
    **loaders
        Named callables returning the data a rule asks for (``observations``, ``context``, ``tables``).
    """

    def __init__(self, **loaders: Callable[[], Any]) -> None:
        self._loaders = loaders
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = self._loaders[name]()
        return self._loaded[name]


#: A rule between parameters, or between parameters and the data: raises `ParameterError` naming them.
Relation = Callable[[Mapping[str, Any], Inputs], None]


@dataclass(frozen=True)
class Declaration:
    """Every parameter of one analysis (and of its notebook), and the rules that relate them."""

    notebook: str
    params: tuple[Param, ...]
    relations: tuple[Relation, ...] = ()
    #: The first and last year of the notebook's data, for `DataYear` parameters.
    span: Callable[[Inputs], tuple[int, int]] | None = None
    _by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def defaults(self) -> dict[str, Any]:
        """Every parameter at its default."""
        return {p.name: p.default for p in self.params}

    def check(self, values: Mapping[str, Any], inputs: Inputs | None = None, *, prefix: bool = False) -> dict[str, Any]:
        """Every parameter's value (defaults for those not given), after refusing unknown names, wrong types, values
        outside their allowed range and broken relations; with `inputs` also the rules that need the data.

        Parameters
        ----------
        values : mapping
            Given values by name.
        inputs : Inputs, optional
            The notebook's data; without it only the rules that need no data are checked.
        prefix : bool
            Name the notebook in messages.

        Returns
        -------
        dict
            All parameters by name, in declared order.
        """
        of = self.notebook if prefix else ""
        for name in values:
            if name not in self:
                raise ParameterError(f"unknown parameter '{name}' of notebook '{self.notebook}'")
        full = self.defaults() | dict(values)
        span = self.span(inputs) if inputs is not None and self.span is not None else None
        for p in self.params:
            p.check(full[p.name], span, of)
        if inputs is not None:
            for relation in self.relations:
                try:
                    relation(full, inputs)
                except ParameterError as exc:
                    raise ParameterError(f"notebook '{self.notebook}': {exc}" if prefix else str(exc)) from None
        return full

    def cell(self) -> str:
        """The notebook's parameters cell as it must read: one typed, commented literal per line."""
        return "\n".join(p.line() for p in self.params)

    def describe(self) -> list[str]:
        """Two lines per parameter for ``trafficking-research list``: name, type, default and allowed values, then
        what it is."""
        lines = []
        for p in self.params:
            rule = f", {p.rule}" if p.rule else ""
            lines += [f"{p.name} ({p.type}, default {p.literal}{rule})", f"    {p.help}"]
        return lines

    def numpydoc(self, names: list[str] | None = None) -> str:
        """The declared parameters (those in `names`, or all but `NOTEBOOK_ONLY`) as numpydoc Parameters entries."""
        out = []
        for p in self.params:
            if p.name not in names if names is not None else p.name in NOTEBOOK_ONLY:
                continue
            rule = f" Allowed: {p.rule}." if p.rule else ""
            out.append(f"{p.name} : {p.type}, default {p.default!r}\n    {p.help[0].upper()}{p.help[1:]}.{rule}")
        return "\n".join(out)


def declared(
    declaration: Declaration, inputs: Callable[..., Inputs]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make an analysis' ``run()`` take its defaults from `declaration` and check every value before any work.

    The decorated function declares its parameters keyword-only without defaults; arguments it takes that the
    declaration does not hold (library-only ones) pass through. `inputs` builds the rules' `Inputs` from the
    positional arguments ``run()`` was given.

    Parameters
    ----------
    declaration : Declaration
        The analysis' parameters.
    inputs : callable
        ``inputs(*args) -> Inputs``.

    Returns
    -------
    callable
        The decorator.
    """

    import functools
    import inspect

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn)
        own = [n for n in declaration.names if n in sig.parameters]

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            given = {k: v for k, v in kwargs.items() if k in declaration and k in sig.parameters}
            for k in kwargs:
                if k not in sig.parameters:
                    raise ParameterError(f"unknown parameter '{k}' of {declaration.notebook}.run")
            checked = declaration.check(given, inputs(*args))
            return fn(*args, **(kwargs | {k: checked[k] for k in own}))

        params = [
            p.replace(default=declaration[p.name].default) if p.name in declaration else p
            for p in sig.parameters.values()
        ]
        run.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        if run.__doc__ and "{parameters}" in run.__doc__:
            run.__doc__ = run.__doc__.replace("{parameters}", _indent(declaration.numpydoc(own), run.__doc__))
        return run

    return wrap


def _indent(text: str, doc: str) -> str:
    """`text` indented like the docstring's ``{parameters}`` line (its first line is placed by the caller)."""
    line = next(x for x in doc.splitlines() if "{parameters}" in x)
    pad = line[: len(line) - len(line.lstrip())]
    return text.replace("\n", "\n" + pad)
