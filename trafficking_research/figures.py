"""Saving figures as PNG and SVG with fixed metadata, so that two runs write the same bytes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "trafficking_research"
matplotlib.rcParams["svg.fonttype"] = "path"

_PNG_META = {"Software": None}
_SVG_META = {"Date": None, "Creator": None}


def save_figure(fig: "matplotlib.figure.Figure", name: str, output_dir: Path) -> list[Path]:
    """Write `figures/<name>.png` and `.svg` under `output_dir`; returns both paths."""
    folder = Path(output_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    fig.savefig(png, dpi=100, metadata=_PNG_META, bbox_inches="tight")
    fig.savefig(svg, metadata=_SVG_META, bbox_inches="tight")
    return [png, svg]


def save_table(table: "pandas.DataFrame", name: str, output_dir: Path, index: bool = False) -> Path:
    """Write `tables/<name>.csv` under `output_dir` with a fixed float format."""
    folder = Path(output_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    table.to_csv(path, index=index, float_format="%.6g", lineterminator="\n")
    return path


def publish_figure(fig: "matplotlib.figure.Figure", name: str, output_dir: Path) -> None:
    """Save a figure (PNG and SVG), close it, and show the saved PNG in the notebook.

    Showing the saved file rather than leaving the figure to the inline backend puts exactly one image, produced
    within the cell, in the cell's output, so reruns and nbval see the same outputs in the same cells.
    """
    import matplotlib.pyplot as plt

    png, _ = save_figure(fig, name, output_dir)
    plt.close(fig)
    try:
        from IPython.display import Image, display
    except ImportError:  # outside IPython there is nothing to show
        return
    display(Image(filename=str(png)))


def finish_year_axes(fig: "matplotlib.figure.Figure", ax: "matplotlib.axes.Axes", ylabel: str, title: str,
                     legend_size: int = 8) -> "matplotlib.figure.Figure":
    """The common ending of a figure over years: whole-year ticks, labels, title, legend, tight layout."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=legend_size)
    fig.tight_layout()
    return fig
