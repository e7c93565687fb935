"""Drawing helpers the analyses' figures share (matplotlib); saving and showing figures is `reporting.figures`.

Number formats on axes are plain (``1,000``, never ``3×10²`` or ``1e3``), gaps in a yearly series stay gaps (no line
across a year without a figure), and every figure names its source in a caption.
"""

from __future__ import annotations

import matplotlib.figure
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

#: The caption of a figure drawn from the data package.
DATA_SOURCE = "Source: published figures of the Assistance System and others, as cited in data/observations.csv"


def _plain_tick(value: float, _pos: int | None = None) -> str:
    if value == 0:
        return "0"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) >= 1e-4 else f"{value:.2g}"


def plain_axis(ax: Axes, axis: str = "y") -> None:
    """Plain tick labels on one axis of `ax`: ``1,000`` and ``0.5``, never e-notation or powers of ten.

    On a log axis the ticks stand at 1, 2 and 5 times the powers of ten, each labelled in full.

    Parameters
    ----------
    ax : Axes
        The axes.
    axis : {"x", "y"}
        Which axis.
    """
    target = ax.yaxis if axis == "y" else ax.xaxis
    scale = ax.get_yscale() if axis == "y" else ax.get_xscale()
    if scale == "log":
        target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        target.set_minor_formatter(NullFormatter())
    target.set_major_formatter(FuncFormatter(_plain_tick))


def headroom(ax: Axes, fraction: float = 0.08, axis: str = "y") -> None:
    """Leave `fraction` of the axis free beyond the highest point (a linear axis from 0 keeps its 0).

    Parameters
    ----------
    ax : Axes
        The axes.
    fraction : float
        Share of the axis' length left free after the highest value.
    axis : {"y", "x"}
        Which axis ("x" for horizontal bars).
    """
    get, set_, scale = (
        (ax.get_ylim, ax.set_ylim, ax.get_yscale) if axis == "y" else (ax.get_xlim, ax.set_xlim, ax.get_xscale)
    )
    low, high = get()
    if scale() == "log":
        set_(low, high * (1 + 2 * fraction))
    else:
        set_(low, high + (high - low) * fraction)


def with_gaps(series: pd.Series, first: int | None = None, last: int | None = None) -> pd.Series:
    """The yearly series over every year from `first` to `last`, NaN where it has no figure (so lines break)."""
    if series.empty:
        return series.astype(float)
    first = int(series.index.min()) if first is None else first
    last = int(series.index.max()) if last is None else last
    return series.astype(float).reindex(np.arange(first, last + 1))


def years_label(n: int) -> str:
    """``1 year``, ``4 years``."""
    return f"{n} year" if n == 1 else f"{n} years"


def finish_year_axes(
    fig: matplotlib.figure.Figure, ax: Axes, ylabel: str, title: str, legend_size: int = 8, source: str | None = None
) -> matplotlib.figure.Figure:
    """The common ending of a figure over years: whole-year ticks, plain numbers, labels, title, legend, caption.

    Parameters
    ----------
    fig, ax : Figure and Axes
        The figure and its one axes.
    ylabel, title : str
        Label of the y axis and the figure's title.
    legend_size : int
        Font size of the legend.
    source : str, optional
        A caption naming the figure's source (none when not given).

    Returns
    -------
    matplotlib.figure.Figure
        `fig`, finished.
    """
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    plain_axis(ax, "y")
    ax.set_xlabel("year")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=legend_size)
    fig.tight_layout()
    if source:
        source_caption(fig, source)
    return fig


def source_caption(fig: matplotlib.figure.Figure, text: str) -> matplotlib.figure.Figure:
    """Name the figure's source in a caption under the axes (saved with the figure, so it travels with it).

    Parameters
    ----------
    fig : Figure
        The finished figure.
    text : str
        The source, e.g. ``"Source: Assistance System annual reviews; UNODC GLOTIP (data/observations.csv)"``.

    Returns
    -------
    matplotlib.figure.Figure
        `fig`, captioned.
    """
    fig.text(0.01, -0.01, text, ha="left", va="top", fontsize=7, color="#555555", wrap=True)
    return fig


def message_figure(
    text: str, source: str = DATA_SOURCE, size: tuple[float, float] = (6, 2.5)
) -> matplotlib.figure.Figure:
    """A figure that says in words why there is nothing to draw (the span chosen has no figure to plot), captioned
    like every other, so that an analysis still publishes each figure it promises.

    Parameters
    ----------
    text : str
        What is missing.
    source : str
        The caption.
    size : tuple of float
        Width and height in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = matplotlib.figure.Figure(figsize=size)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center")
    return source_caption(fig, source)
