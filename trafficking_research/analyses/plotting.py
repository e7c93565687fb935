"""Drawing helpers the analyses' figures share (matplotlib); saving and showing figures is `reporting.figures`."""

from __future__ import annotations

import matplotlib.figure
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator


def finish_year_axes(fig: matplotlib.figure.Figure, ax: Axes, ylabel: str, title: str,
                     legend_size: int = 8) -> matplotlib.figure.Figure:
    """The common ending of a figure over years: whole-year ticks, labels, title, legend, tight layout.

    Parameters
    ----------
    fig, ax : Figure and Axes
        The figure and its one axes.
    ylabel, title : str
        Label of the y axis and the figure's title.
    legend_size : int
        Font size of the legend.

    Returns
    -------
    matplotlib.figure.Figure
        `fig`, finished.
    """
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=legend_size)
    fig.tight_layout()
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
