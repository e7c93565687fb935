"""Executed notebooks: cleaned of volatile metadata, written as JupyterLab writes them, and rendered as HTML
(a report with the code hidden and the notebook with its code)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

KERNEL_NAME = "python3"
VOLATILE_NB_KEYS = (
    "start_time",
    "end_time",
    "duration",
    "input_path",
    "output_path",
    "exception",
    "environment_variables",
)


def strip_volatile(nb: dict[str, Any], replace: dict[str, str] | None = None) -> dict[str, Any]:
    """Drop papermill's timings and paths and the kernel's execution timings, so reruns give the same file."""
    pm = nb.get("metadata", {}).get("papermill")
    if isinstance(pm, dict):
        for key in VOLATILE_NB_KEYS:
            pm.pop(key, None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
    if replace:
        text = json.dumps(nb)
        for old, new in replace.items():
            text = text.replace(old, new)
        nb = json.loads(text)
    return nb


def renumber(nb: dict[str, Any]) -> dict[str, Any]:
    """Execution counts 1, 2, ... in cell order, as a fresh kernel gives them (a reused kernel counts on)."""
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or cell.get("execution_count") is None:
            continue
        count += 1
        cell["execution_count"] = count
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = count
    return nb


def drop_injected_parameters(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook without papermill's injected-parameters cell (for committing a default run), numbered again
    1, 2, ... as "Run All" in a fresh kernel numbers it, so that JupyterLab's autosave after a Run All changes
    nothing but figure bytes."""
    nb["cells"] = [c for c in nb["cells"] if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    nb.get("metadata", {}).get("papermill", {}).pop("parameters", None)
    return renumber(nb)


def kernelspec_metadata(name: str = KERNEL_NAME) -> dict[str, str]:
    """The ``kernelspec`` metadata JupyterLab writes for a notebook on kernel `name` (from the installed spec)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(name)
    return {"display_name": spec.display_name, "language": spec.language, "name": name}


def write_notebook(nb: dict[str, Any], path: Path) -> None:
    """Write a notebook byte for byte as JupyterLab saves it, so that opening and closing it there changes nothing.

    The kernelspec is the one JupyterLab would set for the python3 kernel (its display name comes from the installed
    kernel spec), and the text is nbformat's (indent 1, sorted keys, a trailing newline), as Jupyter's server writes.
    """
    import nbformat

    nb.setdefault("metadata", {})["kernelspec"] = kernelspec_metadata()
    node = nbformat.from_dict(nb)
    text = nbformat.writes(node, version=nbformat.NO_CONVERT)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


#: A template over JupyterLab's: no script from a network (require.js, MathJax, Mermaid, widgets: the reports use
#: none), the run's parameters and links at the top, readable tables.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}<style>{{ resources.tr_css }}</style>{%- endblock extra_css -%}
{%- block body_header -%}{{ super() }}{{ resources.tr_header }}{%- endblock body_header -%}
"""
CSS = """
body { max-width: 74em; margin: auto; }
.tr-run { font-family: sans-serif; font-size: 14px; border-bottom: 1px solid #ccc; padding: .5em 1em 1em; }
.tr-run table { border-collapse: collapse; font-size: 13px; }
.tr-run td, .tr-run th { border: 1px solid #ddd; padding: 2px 8px; text-align: left; }
.tr-run .changed { font-weight: bold; }
.tr-run a { color: #0645ad; text-decoration: underline; }
table.tr-table th, table.tr-estimates th { text-align: left; }
table.tr-table, table.tr-estimates { border-collapse: collapse; font-size: 13px; margin: .3em 0 1em; }
table.tr-table td, table.tr-table th, table.tr-estimates td, table.tr-estimates th {
  border: 1px solid #ddd; padding: 2px 8px; white-space: normal; max-width: 40em; }
table.tr-table caption { text-align: left; font-weight: bold; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
.jp-InputArea-editor pre, .highlight pre { white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def _title(nb: Any, name: str) -> str:
    """The notebook's first heading (without its markdown sign), else its name."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return name


def run_parameters(nb: Any) -> list[tuple[str, Any, Any, str]]:
    """Each declared parameter of an executed notebook: name, value in this run, default, meaning."""
    from .notebooks import parse_parameters

    source = next(
        (c.source for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None
    )
    if source is None:
        return []
    declared = parse_parameters(source)
    given = nb.metadata.get("papermill", {}).get("parameters", {})
    return [
        (p.name, given.get(p.name, p.default), p.default, p.help) for p in declared.values() if p.name != "output_dir"
    ]


def _header(nb: Any, name: str, title: str, code_page: str, other: str) -> str:
    rows = []
    for pname, value, default, meaning in run_parameters(nb):
        changed = value != default
        shown = html.escape(repr(value) if value != "" else '"" (default)')
        note = "" if not changed else f" (default {html.escape(repr(default))})"
        rows.append(
            f"<tr{' class=changed' if changed else ''}><td><code>{html.escape(pname)}</code></td>"
            f"<td>{shown}{note}</td><td>{html.escape(meaning)}</td></tr>"
        )
    changed = [p for p, v, d, _ in run_parameters(nb) if v != d]
    summary = "default parameters" if not changed else "parameters changed: " + ", ".join(changed)
    links = (
        f"<a href='../index.html'>all results</a> · <a href='{html.escape(other)}'>{html.escape(code_page)}</a> · "
        f"<a href='{html.escape(name)}.ipynb'>executed notebook (.ipynb)</a>"
    )
    table = (
        (
            "<table><thead><tr><th>parameter</th><th>value in this run</th><th>meaning</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
        if rows
        else "<p>This notebook takes no parameters.</p>"
    )
    return (
        f"<header class='tr-run'><p>{links}</p><p><strong>{html.escape(title)}</strong> — notebook "
        f"<code>{html.escape(name)}</code>, run with {html.escape(summary)}:</p>{table}</header>"
    )


def code_page(html_file: Path) -> Path:
    """Where the rendering of the notebook with its code stands beside its report."""
    return html_file.with_name(f"{html_file.stem}-with-code.html")


def export_html(notebook_file: Path, html_file: Path) -> None:
    """Two HTML pages of an executed notebook: the report (code hidden) and the notebook with its code.

    Both open offline (no script or style from a network), carry a page title from the notebook's first heading and
    the run's parameters at the top.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook_file, as_version=4)
    name = notebook_file.stem
    title = _title(nb, name)
    with_code = code_page(html_file)
    pages = (
        (html_file, True, f"{title} — report", "the notebook with its code", with_code.name),
        (with_code, False, f"{title} — notebook with code", "the report without code", html_file.name),
    )
    for target, hide, page_title, other_label, other in pages:
        exporter = HTMLExporter(
            template_name="lab",
            template_file="tr_report.html.j2",
            extra_loaders=[DictLoader({"tr_report.html.j2": TEMPLATE})],
            exclude_input=hide,
            exclude_input_prompt=hide,
            exclude_output_prompt=hide,
        )
        resources = {
            "metadata": {"name": page_title},
            "tr_css": CSS,
            "tr_header": _header(nb, name, title, other_label, other),
        }
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        target.write_text(body, encoding="utf-8")
