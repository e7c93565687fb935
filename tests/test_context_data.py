"""The regional context resources (context.csv, population.csv): the real files load, and each rule of the loader is
triggered by a small change to a copy of the real data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from frictionless import validate
from helpers import edit_rows

from trafficking_research.data.context import bounds, identity_checks, load_context
from trafficking_research.errors import DataValidationError
from trafficking_research.paths import DATA_DIR

CONTEXT = "context.csv"
POPULATION = "population.csv"


def expect_error(data_dir: Path, *fragments: str) -> str:
    with pytest.raises(DataValidationError) as info:
        load_context(data_dir)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def find(rows: list[dict[str, str]], **match: str) -> int:
    """Index of the first row matching every given column."""
    return next(i for i, r in enumerate(rows) if all(r[k] == v for k, v in match.items()))


def test_real_context_loads_with_types() -> None:
    context, population = load_context()
    assert set(context["country"]) == {"DNK", "EST", "FIN", "ISL", "NOR", "SWE"}
    assert str(context["indicator"].dtype) == "category"
    assert set(context["qualifier"]) == {"exact", "less_than"}
    # "<5" is kept as the bound 5, never another number
    assert (context.loc[context["qualifier"] == "less_than", "value"] == 5).all()
    assert context["locator"].str.contains("txtVALUE=<5").sum() == (context["qualifier"] == "less_than").sum()
    fin = context[
        (context["country"] == "FIN")
        & (context["indicator"] == "detected_victims")
        & (context["form"] == "all")
        & (context["sex"] == "all")
        & (context["age"] == "all")
    ]
    assert dict(zip(fin["year"], fin["value"]))[2020] == 247
    assert len(population) == 6 * 20


def test_context_matches_the_unodc_rows_of_observations() -> None:
    """The Finnish cells of the extract were already transcribed into observations.csv: both readings agree."""

    def key(locator: str) -> tuple[str, ...]:
        fields = dict(p.split("=", 1) for p in locator.split("; ") if "=" in p)
        return tuple(fields[k] for k in ("Indicator", "Dimension", "Category", "Sex", "Age", "Year"))

    with open(DATA_DIR / CONTEXT, encoding="utf-8") as handle:
        ours = {key(r["locator"]): int(r["value"]) for r in csv.DictReader(handle) if r["country"] == "FIN"}
    with open(DATA_DIR / "observations.csv", encoding="utf-8") as handle:
        theirs = [
            (key(r["locator"]), float(r["value"]))
            for r in csv.DictReader(handle)
            if r["source_id"] == "unodc-glotip-data-gullitna"
        ]
    assert len(theirs) > 100
    for k, value in theirs:
        assert ours[k] == value, k


def test_frictionless_validates_the_new_resources() -> None:
    report = validate(str(DATA_DIR / "datapackage.json"))
    assert report.valid, [e.message for t in report.tasks for e in t.errors][:5]


@pytest.mark.parametrize(
    ("value", "qualifier", "expected"),
    [
        (7, "exact", (7, 7)),
        (5, "less_than", (0, 4)),
        (5, "at_most", (0, 5)),
        (5, "more_than", (6, float("inf"))),
        (5, "at_least", (5, float("inf"))),
        (5, "about", (0, float("inf"))),
    ],
)
def test_bounds(value: float, qualifier: str, expected: tuple[float, float]) -> None:
    assert bounds(value, qualifier) == expected


def test_identity_checks_on_a_small_table() -> None:
    def row(line: int, sex: str, age: str, value: str, qualifier: str = "exact") -> dict[str, str]:
        return {
            "_line": str(line),
            "country": "FIN",
            "year": "2020",
            "indicator": "convicted",
            "form": "all",
            "sex": sex,
            "age": age,
            "occurrence": "1",
            "value": value,
            "qualifier": qualifier,
        }

    rows = [row(2, "all", "all", "5", "less_than"), row(3, "female", "all", "3"), row(4, "male", "all", "2")]
    by_sex = [c for c in identity_checks(rows) if c["rule"] == "parts by sex"]
    assert len(by_sex) == 1 and by_sex[0]["parts_lower"] == 5 and by_sex[0]["total_upper"] == 4
    assert not by_sex[0]["holds"]
    rows[2]["value"] = "1"
    assert all(c["holds"] for c in identity_checks(rows))


def test_unknown_country(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], country="DEU")] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "context.csv, line 2, column country", "unknown code 'DEU'")


def test_year_outside_range(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], year="1999")] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "context.csv, line 2, column year")


def test_bound_written_as_text(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], value="<5")] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "context.csv, line 2, column value", "'<5' is not a number")


def test_unknown_qualifier(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], qualifier="roughly")] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "context.csv, line 2, column qualifier", "unknown code 'roughly'")


def test_impossible_bound(data_copy: Path) -> None:
    def edit(rows):
        i = find(rows, qualifier="less_than")
        rows[i] = dict(rows[i], value="0")
        return rows

    expect_error_after(data_copy, edit, "column qualifier: less than 0 is not a possible count")


def expect_error_after(data_dir: Path, edit, *fragments: str) -> str:
    edit_rows(data_dir, edit, name=CONTEXT)
    return expect_error(data_dir, *fragments)


def test_fractional_count(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], value="17.5")] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "context.csv, line 2, column value", "not a whole number")


def test_duplicate_key(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: rows[:1] + [dict(rows[0])] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "context.csv, lines 2, 3: duplicate key DNK/2007/detected_victims/all/all/all/1")


def test_occurrences_not_contiguous(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], occurrence="2")] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "occurrences [2] of DNK/2007/detected_victims/all/all/all are not numbered 1 to 1")


def test_unit_must_match_indicator(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], unit="offences")] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "context.csv, line 2, column unit", "does not go with indicator 'detected_victims'")


def test_unknown_source(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], source_id="nowhere")] + rows[1:], name=CONTEXT)
    expect_error(data_copy, "context.csv, line 2, column source_id: unknown source 'nowhere'")


def test_part_above_total_needs_an_exception(data_copy: Path) -> None:
    """Finland 2020: 131 adult women among 247 victims; raising them above the total breaks the identities."""

    def edit(rows):
        i = find(rows, country="FIN", year="2020", indicator="detected_victims", form="all", sex="female", age="adult")
        rows[i] = dict(rows[i], value="300")
        return rows

    message = expect_error_after(
        data_copy,
        edit,
        "column identity_exception: empty, but the cell breaks an identity",
        "part within its total of FIN/2020/detected_victims/all/female/adult",
    )
    assert "total (line" in message


def test_stale_exception(data_copy: Path) -> None:
    def edit(rows):
        i = find(rows, country="FIN", year="2020", indicator="detected_victims", form="all", sex="all", age="all")
        rows[i] = dict(rows[i], identity_exception="breaks nothing")
        return rows

    expect_error_after(data_copy, edit, "every identity it takes part in holds; remove the exception")


def test_published_breaks_are_all_documented() -> None:
    """The extract's own inconsistencies load because each part says so; e.g. Denmark 2021 (197 girls of 80)."""
    with open(DATA_DIR / CONTEXT, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    girls = rows[
        find(rows, country="DNK", year="2021", indicator="detected_victims", form="all", sex="female", age="minor")
    ]
    assert girls["value"] == "197" and "parts at least" in girls["identity_exception"]


def test_hash_mismatch(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], value="18")] + rows[1:], name=CONTEXT, keep_hash=True)
    expect_error(data_copy, "context.csv: sha256", "does not match datapackage.json")


def test_missing_population_year(data_copy: Path) -> None:
    edit_rows(
        data_copy,
        lambda rows: [r for r in rows if not (r["country"] == "FIN" and r["year"] == "2020")],
        name=POPULATION,
    )
    expect_error(data_copy, "population.csv: no population for FIN 2020")


def test_duplicate_population(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: rows + [dict(rows[0])], name=POPULATION)
    expect_error(data_copy, "population of DNK/2003 already given on line 2")


def test_nonpositive_population(data_copy: Path) -> None:
    edit_rows(data_copy, lambda rows: [dict(rows[0], population="0")] + rows[1:], name=POPULATION)
    expect_error(data_copy, "population.csv, line 2, column population")


def test_missing_resource(data_copy: Path) -> None:
    import json

    path = data_copy / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "population"]
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    expect_error(data_copy, "no resource named 'population'")


# ------------------------------------------------------------------------------------------------ flags that bind


def test_cells_flagged_as_extraction_errors_are_left_out_unless_asked() -> None:
    """UNODC's 2021 convictions "by form" for Finland repeat the detected victims by form (105, 68, 70) against a
    total of "<5": no query of the loaded context sees them; asked for explicitly, they are there as published."""
    from trafficking_research.analyses.context_tables import cells

    with open(DATA_DIR / CONTEXT, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    flagged = [r for r in rows if r["extraction_error"].strip()]
    fin = {
        r["form"]: int(r["value"])
        for r in flagged
        if (r["country"], r["year"], r["indicator"]) == ("FIN", "2021", "convicted")
    }
    assert fin == {"forced_labour": 105, "sexual_exploitation": 68, "other": 70}
    victims = {
        r["form"]: int(r["value"])
        for r in rows
        if (r["country"], r["year"], r["indicator"], r["sex"], r["age"])
        == ("FIN", "2021", "detected_victims", "all", "all")
    }
    assert all(victims[form] == value for form, value in fin.items())  # the evidence the flag gives
    assert all(r["identity_exception"] for r in flagged)

    context, _ = load_context()
    everything, _ = load_context(include_flagged=True)
    assert len(everything) == len(rows) and len(context) == len(rows) - len(flagged)
    assert set(context["line"]) == {i + 2 for i, r in enumerate(rows) if not r["extraction_error"].strip()}
    for form in fin:
        default = cells(context, "convicted", form)
        assert not ((default["country"] == "FIN") & (default["year"] == 2021)).any(), form
        asked = cells(everything, "convicted", form)
        hit = asked[(asked["country"] == "FIN") & (asked["year"] == 2021)]
        assert list(hit["value"]) == [fin[form]]
    total = cells(context, "convicted")  # the published total "<5" itself stays
    assert total[(total["country"] == "FIN") & (total["year"] == 2021)]["qualifier"].tolist() == ["less_than"]


def test_an_extraction_error_must_break_an_identity(data_copy: Path) -> None:
    def edit(rows):
        i = find(rows, country="FIN", year="2020", indicator="detected_victims", form="all", sex="all", age="all")
        rows[i] = dict(rows[i], extraction_error="looks wrong")
        return rows

    expect_error_after(
        data_copy,
        edit,
        "column extraction_error: marks the cell as an error of the extract, but it breaks no identity",
    )
