"""JupyterLab leaves the committed notebooks alone: their metadata and bytes are what JupyterLab would write.

JupyterLab marks a notebook modified on opening when its kernelspec differs from the kernel's spec, or its
language_info from what the kernel reports, and its server saves with nbformat's writer; so each of those is compared
with what Jupyter itself gives for a new notebook on the python3 kernel.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

from trafficking_research.paths import NOTEBOOK_DIR
from trafficking_research.pipeline.notebook_files import write_notebook

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


@pytest.fixture(scope="module")
def kernel_language_info() -> dict:
    """language_info as the python3 kernel reports it (what JupyterLab copies into a notebook's metadata)."""
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        kc.kernel_info()
        reply = kc.get_shell_msg(timeout=60)
        return reply["content"]["language_info"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def jupyterlab_new_notebook() -> nbformat.NotebookNode:
    """A new notebook as JupyterLab makes it on the python3 kernel: current nbformat, kernelspec from the spec."""
    spec = KernelSpecManager().get_kernel_spec("python3")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": spec.display_name,
        "language": spec.language,
        "name": "python3",
    }
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_what_jupyterlab_writes(path: Path, kernel_language_info: dict) -> None:
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    new = jupyterlab_new_notebook()
    assert nb.metadata["kernelspec"] == new.metadata["kernelspec"]
    assert nb.metadata["language_info"] == kernel_language_info
    assert (nb.nbformat, nb.nbformat_minor) == (new.nbformat, new.nbformat_minor)
    assert all("id" in cell for cell in nb.cells)
    saved = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    assert text == saved + "\n"  # what Jupyter's server writes on save (nbformat.write adds the newline)


def test_write_notebook_sets_the_kernelspec(tmp_path: Path) -> None:
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    nb["metadata"]["kernelspec"]["display_name"] = "Python 3"
    out = tmp_path / "nb.ipynb"
    write_notebook(nb, out)
    written = out.read_text(encoding="utf-8")
    assert json.loads(written)["metadata"]["kernelspec"] == jupyterlab_new_notebook().metadata["kernelspec"]
    assert written == nbformat.writes(nbformat.reads(written, as_version=4)) + "\n"
