"""Every figure of every analysis is readable: a source caption, plain tick labels (no e-notation, no powers of ten),
headroom above (or beside) the highest drawn value, lines broken at years without a figure, and y labels that say
what a share divides by. Which analyses there are comes from the registry of notebooks, not from a list kept here."""

from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from trafficking_research.analyses import (
    calibration,
    claims,
    dark_figure,
    data_audit,
    forecast,
    growth,
    profiles,
    profiles_figures,
    recent,
    year_profile,
)
from trafficking_research.analyses import context as cx
from trafficking_research.data.context import load_context
from trafficking_research.data.observations import load_data
from trafficking_research.pipeline.notebooks import notebook_names

#: E-notation (1.69e+03) or a power of ten (3×10², $10^{3}$) in a tick label.
BAD_TICK = re.compile(r"\d(\.\d+)?e[+-]?\d|×|\\times|10\^")


@pytest.fixture(scope="module")
def data():
    return load_data()


def _figures(data) -> dict[str, Figure]:
    obs, sources = data
    out: dict[str, Figure] = {}
    runs = {
        "profiles": profiles.run(obs, start_year=2006, end_year=2020, compare_from=2019, compare_to=2020),
        "year_profile": year_profile.run(obs, year=2020, window=5),
        "data_audit": data_audit.run(obs, sources, first_year=2006, last_year=2025),
        "claims": claims.run(obs, sources),
        "forecast": forecast.run(obs, train_end=2020, horizon=4, n_sims=200, seed=1),
        "dark_figure": dark_figure.run(None, method="main_effects", n_boot=0, seed=1, population=2000, reps=3),
        "growth": growth.run(obs, n_boot=0, harmonised_draws=4, sensitivity_draws=2),
        "calibration": calibration.run(obs, n_replicates=10, families=("trend", "joinpoint_size")),
        "context": cx.run(*load_context("")),
        "recent": recent.run(obs, n_boot=19, harmonised_draws=4),
    }
    for name, analysis in runs.items():
        out.update((f"{name}.{key}", fig) for key, fig in analysis.figures.items())
    return out


@pytest.fixture(scope="module")
def figures(data) -> dict[str, Figure]:
    figs = _figures(data)
    yield figs
    for fig in figs.values():
        plt.close(fig)


def test_every_analysis_draws_figures(figures) -> None:
    names = {key.split(".")[0] for key in figures}
    assert names == set(notebook_names())  # every analysis of the registry, none left out


def test_every_figure_names_its_source(figures) -> None:
    for key, fig in figures.items():
        captions = [t.get_text() for t in fig.texts if t.get_text().startswith(("Source:", "Sources:"))]
        assert captions, f"{key}: no source caption"


def test_tick_labels_are_plain(figures) -> None:
    for key, fig in figures.items():
        fig.canvas.draw()
        for ax in fig.axes:
            labels = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
            bad = [text for text in labels if BAD_TICK.search(text)]
            assert not bad, f"{key}: tick labels {bad}"


def _highest(ax, axis: str) -> float:
    """The highest value drawn in data coordinates along `axis` (lines, markers, bars) within the axis' limits."""
    values: list[float] = []
    limit = ax.get_ylim()[1] if axis == "y" else ax.get_xlim()[1]
    for line in ax.get_lines():
        if axis == "y" and line.get_transform() != ax.transData:
            continue  # an axvline spans the height in axes coordinates
        if axis == "x" and line.get_transform() != ax.transData:
            continue
        data = np.asarray(line.get_ydata() if axis == "y" else line.get_xdata(), dtype=float)
        values += [v for v in data if math.isfinite(v) and v <= limit]
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_transform() == ax.transData:
            top = patch.get_y() + patch.get_height() if axis == "y" else patch.get_x() + patch.get_width()
            if math.isfinite(top) and top <= limit:
                values.append(top)
    return max(values) if values else -math.inf


def test_headroom(figures) -> None:
    for key, fig in figures.items():
        for ax in fig.axes:
            if not ax.get_visible() or key == "data_audit.coverage":  # a heat map fills its cells by design
                continue
            horizontal = ax.get_ylim()[0] > ax.get_ylim()[1]  # inverted y: horizontal bars or rows of estimates
            axis = "x" if horizontal else "y"
            low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
            top = _highest(ax, axis)
            if top == -math.inf:
                continue
            if (ax.get_xscale() if axis == "x" else ax.get_yscale()) == "log":
                assert math.log(high) - math.log(top) > 0.01 * (math.log(high) - math.log(low)), key
            else:
                assert high - top > 0.02 * (high - low), f"{key}: highest value {top} touches the frame at {high}"


def test_share_lines_break_at_a_missing_year() -> None:
    rows = [
        {
            "year": y,
            "breakdown": "age",
            "part": "minor",
            "count": 5,
            "total": 50,
            "share": 0.1,
            "ci_low": 0.05,
            "ci_high": 0.2,
            "small": False,
        }
        for y in (2010, 2011, 2013, 2014)
    ]
    fig = profiles_figures.shares_figure(pd.DataFrame(rows), "age", "Share of minors")
    ax = fig.axes[0]
    drawn = [line for line in ax.get_lines() if line.get_linestyle() == "-" and len(line.get_xdata()) > 1]
    assert drawn, "no line drawn"
    x = np.asarray(drawn[0].get_xdata(), dtype=float)
    y = np.asarray(drawn[0].get_ydata(), dtype=float)
    assert list(x) == [2010, 2011, 2012, 2013, 2014]
    assert math.isnan(y[2]) and not np.isnan(y[[0, 1, 3, 4]]).any()
    plt.close(fig)


def test_share_labels_say_what_is_divided_by_what(figures) -> None:
    finland = figures["profiles.share_forms_finland"].axes[0].get_ylabel()
    assert "/\nvictims exploited in Finland" in finland
    assert "/\nall victims admitted" in figures["profiles.share_minors"].axes[0].get_ylabel()
    assert "/\nall victims admitted" in figures["profiles.share_place"].axes[0].get_ylabel()


def test_one_year_window_is_singular(data) -> None:
    obs, _ = data
    fig = year_profile.run(obs, year=2020, window=1).figures["profile"]
    texts = [fig.axes[0].get_title()] + [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("1 year before" in t for t in texts) and not any("1 years" in t for t in texts)
    plt.close(fig)
