"""The display rules: plain numbers, counts as integers, gaps as "–", no 0..n index, nothing cut, labelled intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from trafficking_research.analyses.plotting import plain_axis, with_gaps, years_label
from trafficking_research.reporting import display
from trafficking_research.stats.result import Estimate


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1257.0, "1,257"),
        (1257, "1,257"),
        (244.0, "244"),
        (20.796890394, "20.8"),
        (3.6686, "3.67"),
        (0.000968805, "0.000969"),
        (1939.4264830113134, "1,939"),
        (123456.7, "123,457"),
        (-128.0, "-128"),
        (None, "–"),
        (float("nan"), "–"),
        (True, "yes"),
    ],
)
def test_plain_number(value: object, shown: str) -> None:
    assert display.plain_number(value) == shown


def test_no_e_notation_for_large_or_small_numbers() -> None:
    for v in (1.69e3, 2.5e7, 3.2e-5, 1e-9):
        assert "e" not in display.plain_number(v).lower()


@pytest.mark.parametrize(
    ("p", "shown"),
    [(0.14, "0.14"), (0.0283146, "0.028"), (0.000968, "< 0.001"), (0.5, "0.5")],
)
def test_p_value(p: float, shown: str) -> None:
    assert display.p_value(p) == shown


def test_entry_text_labels_interval_and_p_value() -> None:
    entry = {
        "value": 0.19842,
        "unit": "difference of proportions",
        "ci": [0.11019, 0.28214],
        "p_value": 1.17e-05,
        "description": "share exploited in Finland, 2020 against 2019",
    }
    assert display.entry_text(entry) == (
        "share exploited in Finland, 2020 against 2019: +19.8 percentage points "
        "(95% CI +11 to +28.2 percentage points), p < 0.001"
    )
    share = {
        "value": 0.5041,
        "unit": "proportion",
        "ci": [0.4418, 0.5663],
        "description": "share",
    }
    assert display.value_text(share) == "50.4% (95% CI 44.2% to 56.6%)"
    count = {
        "value": 1939.43,
        "unit": "persons",
        "ci": [1755.28, 2157.61],
        "description": "total",
    }
    assert display.value_text(count) == "1,939 persons (95% CI 1,755 to 2,158)"
    stat = {"value": 3.9564, "unit": "chi2", "p_value": 0.14, "description": "LR"}
    assert display.value_text(stat) == "3.96 chi2, p = 0.14"


def test_formatted_table() -> None:
    table = pd.DataFrame(
        {
            "year": [2007, 2014, 2021],
            "UNODC detected": [5.0, 45.0, 1143.0],
            "system admitted": [np.nan, np.nan, 243.0],
            "ratio": [0.5, np.nan, 4.70370],
            "flagged": [False, False, True],
            "note": ["a " * 200, None, "x"],
        }
    )
    shown = display.formatted(table)
    assert list(shown.columns) == list(table.columns)  # the 0..n index is not a column
    assert shown["year"].tolist() == [
        "2007",
        "2014",
        "2021",
    ]  # years without separators
    assert shown["UNODC detected"].tolist() == [
        "5",
        "45",
        "1,143",
    ]  # counts as integers
    assert shown["system admitted"].tolist() == ["–", "–", "243"]
    assert shown["ratio"].tolist() == ["0.5", "–", "4.7"]
    assert shown["flagged"].tolist() == ["no", "no", "yes"]
    assert shown["note"].tolist() == ["a " * 200, "–", "x"]  # never cut
    html = display.table_html(table, "t")
    assert "a " * 200 in html and "..." not in html and "NaN" not in html and "id='table-t'" in html


def test_named_index_is_kept() -> None:
    table = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["apc", "nb_alpha"], name="estimate"))
    assert list(display.formatted(table).columns) == ["estimate", "n"]


def test_estimates_html_has_key_ids() -> None:
    entries = display.estimate_entries(
        [
            Estimate(
                "victims_admitted.apc",
                20.79,
                "percent per year",
                "APC",
                ci=(16.38, 25.38),
            )
        ],
        "growth",
    )
    html = display.estimates_html(entries)
    assert "id='growth.victims_admitted.apc'" in html and "16.4 to 25.4" in html and "95% CI" in html


def test_pandas_options_only_inside_the_context() -> None:
    before = pd.get_option("display.max_rows")
    with display.display_options():
        assert pd.get_option("display.max_rows") is None
        wide = pd.DataFrame({"x": ["y" * 500]})
        assert "..." not in wide.to_string()
        assert "e+" not in pd.DataFrame({"n": [1690.5, 2.0e7]}).to_string()
    assert pd.get_option("display.max_rows") == before


def test_plain_axis_ticks() -> None:
    fig = Figure()
    ax = fig.subplots()
    ax.plot([2010, 2020], [30, 1300])
    ax.set_yscale("log")
    plain_axis(ax, "y")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all("^" not in t and "e" not in t for t in labels)
    assert "1,000" in labels


def test_gaps_and_year_labels() -> None:
    s = pd.Series([44.0, 52.0, 52.0], index=[2010, 2011, 2015])
    gapped = with_gaps(s, 2010, 2016)
    assert gapped.index.tolist() == list(range(2010, 2017))
    assert np.isnan(gapped[2012]) and np.isnan(gapped[2016]) and gapped[2015] == 52.0
    assert years_label(1) == "1 year" and years_label(4) == "4 years"


def test_one_of_a_count_is_singular() -> None:
    from trafficking_research.reporting.display import value_in_unit

    assert value_in_unit(1, "breaks") == ("1", "break")
    assert value_in_unit(1, "persons") == ("1", "person")
    assert value_in_unit(2, "breaks") == ("2", "breaks") and value_in_unit(0, "claims") == ("0", "claims")
