"""Saving figures and tables with fixed metadata, so that two runs write the same bytes, and showing them.

The SVG settings that make the bytes reproducible are applied as a context around each save (`figure_style`),
never on import, so importing the package leaves a researcher's matplotlib settings alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import matplotlib.figure
import pandas as pd

#: rcParams under which every figure is saved: a fixed SVG hash salt (stable ids) and text drawn as paths.
STYLE: dict[str, object] = {"svg.hashsalt": "trafficking_research", "svg.fonttype": "path"}
_PNG_META = {"Software": None}
_SVG_META = {"Date": None, "Creator": None}
TABLE_FLOAT_FORMAT = "%.6g"


@contextmanager
def figure_style() -> Iterator[None]:
    """Apply the package's figure settings (`STYLE`) for the duration of a `with` block."""
    with matplotlib.rc_context(STYLE):
        yield


def save_figure(fig: matplotlib.figure.Figure, name: str, output_dir: Path) -> list[Path]:
    """Write ``figures/<name>.png`` and ``.svg`` under `output_dir`.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    name : str
        File stem.
    output_dir : Path
        The notebook's output folder.

    Returns
    -------
    list of Path
        The PNG and the SVG file.
    """
    folder = Path(output_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    with figure_style():
        fig.savefig(png, dpi=100, metadata=_PNG_META, bbox_inches="tight")
        fig.savefig(svg, metadata=_SVG_META, bbox_inches="tight")
    return [png, svg]


def save_table(table: pd.DataFrame, name: str, output_dir: Path, index: bool = False) -> Path:
    """Write ``tables/<name>.csv`` under `output_dir` with a fixed float format.

    Parameters
    ----------
    table : pandas.DataFrame
        The table.
    name : str
        File stem.
    output_dir : Path
        The notebook's output folder.
    index : bool
        Write the index as the first column.

    Returns
    -------
    Path
        The CSV file.
    """
    folder = Path(output_dir) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    table.to_csv(path, index=index, float_format=TABLE_FLOAT_FORMAT, lineterminator="\n")
    return path


def publish_figure(fig: matplotlib.figure.Figure, name: str, output_dir: Path) -> None:
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
