"""Parameters cells: literals only, typed and commented; values from the command line are typed or refused."""

from __future__ import annotations

import papermill as pm
import pytest

from trafficking_research.errors import ParameterError
from trafficking_research.pipeline.notebooks import (
    coerce,
    notebook_names,
    notebook_parameters,
    notebook_path,
    parse_parameters,
    resolve_parameters,
)


def test_parse_typed_commented_literals() -> None:
    params = parse_parameters('year: int = 2020  # the year\nname: str = ""  # a name\nrate: float = 0.5  # r\n')
    assert params["year"].default == 2020 and params["year"].type == "int" and params["year"].help == "the year"
    assert params["name"].default == "" and params["rate"].default == 0.5


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("year = 2020  # no type", "only `name: type = literal"),
        ("year: int = 2020", "needs a comment"),
        ("year: int = 2019 + 1  # computed", "not a literal"),
        ("year: list = [1]  # list", "type of 'year' must be one of"),
        ("year: int = '2020'  # text", "is not int"),
    ],
)
def test_parse_refuses(source: str, fragment: str) -> None:
    with pytest.raises(ParameterError, match=None) as info:
        parse_parameters(source)
    assert fragment in str(info.value)


def test_every_notebook_follows_the_parameters_rules_and_papermill_agrees() -> None:
    for name in notebook_names():
        ours = notebook_parameters(name)
        assert "output_dir" in ours, f"{name} lacks the output_dir parameter"
        theirs = pm.inspect_notebook(str(notebook_path(name)))
        assert set(ours) == set(theirs), name
        for key, param in ours.items():
            assert theirs[key]["inferred_type_name"] == param.type
            assert theirs[key]["help"] == param.comment


def test_coerce_types_and_refusals() -> None:
    p = parse_parameters("year: int = 2020  # y\nflag: bool = False  # f\nx: float = 1.0  # x\n")
    assert coerce("year", "2019", p["year"], "nb") == 2019
    assert coerce("flag", "true", p["flag"], "nb") is True
    assert coerce("x", 2, p["x"], "nb") == 2.0
    with pytest.raises(ParameterError, match="parameter 'year' of notebook 'nb' must be int, got 'twenty'"):
        coerce("year", "twenty", p["year"], "nb")
    with pytest.raises(ParameterError, match="must be bool"):
        coerce("flag", "maybe", p["flag"], "nb")


def test_unknown_and_reserved_parameters() -> None:
    with pytest.raises(ParameterError, match="unknown parameter 'colour'"):
        resolve_parameters(["data_audit"], {"colour": "red"})
    with pytest.raises(ParameterError, match="use --output instead"):
        resolve_parameters(["data_audit"], {"output_dir": "/tmp/x"})
    with pytest.raises(ParameterError, match="unknown notebook 'nope'"):
        notebook_path("nope")


def test_data_dir_goes_to_the_notebooks_that_read_a_data_package() -> None:
    values = resolve_parameters(["data_audit", "dark_figure"], {"data_dir": "/copy/of/data"})
    assert values["data_audit"]["data_dir"] == "/copy/of/data"
    assert values["dark_figure"]["data_dir"] == ""  # list tables are another kind of data
    alone = resolve_parameters(["dark_figure"], {"data_dir": "../shared/mse"})
    assert alone["dark_figure"]["data_dir"] == "../shared/mse"


def test_notebook_qualified_parameters() -> None:
    values = resolve_parameters(["data_audit", "dark_figure"], {"dark_figure.data_dir": "tables", "first_year": "2010"})
    assert values["dark_figure"]["data_dir"] == "tables" and values["data_audit"]["data_dir"] == ""
    assert values["data_audit"]["first_year"] == 2010
    with pytest.raises(ParameterError, match="notebook 'growth' is not among those run"):
        resolve_parameters(["data_audit"], {"growth.seed": "1"})
    with pytest.raises(ParameterError, match="unknown parameter 'colour' of notebook 'data_audit'"):
        resolve_parameters(["data_audit"], {"data_audit.colour": "red"})
