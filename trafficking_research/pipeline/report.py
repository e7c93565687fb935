"""The run-level files: results.json (every reported number with provenance), index.html and manifest.json."""

from __future__ import annotations

import html
import json
import os
import platform
import re
import subprocess
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

from ..data.datapackage import sha256_of
from ..paths import PROJECT_ROOT, VALUES_FILE, resolve_data_dir
from .hashing import data_digests
from .headlines import HEADLINES, READING_ORDER, Headline

PACKAGES = (
    "trafficking_research",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "ipykernel",
)
SKIP = (".cache", ".staging", "failed")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def git_commit() -> dict[str, Any]:
    """The commit of the project tree and whether it has uncommitted changes (None outside git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the results depend on."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def notebook_dirs(output: Path) -> list[Path]:
    """Folders of notebooks that completed a run in `output`."""
    return sorted(p for p in output.iterdir() if p.is_dir() and p.name not in SKIP and (p / "inputs.json").is_file())


def collect_results(output: Path) -> dict[str, Any]:
    """Merge every notebook's values.json with the provenance of the run."""
    values: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for folder in notebook_dirs(output):
        inputs = json.loads((folder / "inputs.json").read_text())
        parameters[folder.name] = inputs["parameters"]
        if "data_dir" in inputs["parameters"]:
            label = inputs["parameters"]["data_dir"] or "data"
            if label not in data:
                data[label] = data_digests(resolve_data_dir(inputs["parameters"]["data_dir"]))
        if (folder / VALUES_FILE).is_file():
            values.update(json.loads((folder / VALUES_FILE).read_text()))
    provenance = {
        "parameters": parameters,
        "data_sha256": data,
        "packages": package_versions(),
        "python": platform.python_version(),
        "git": git_commit(),
    }
    return {"values": dict(sorted(values.items())), "provenance": provenance}


INDEX_CSS = """
body { font-family: sans-serif; max-width: 70em; margin: auto; padding: 0 1em 3em; line-height: 1.45; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
ul.findings li { margin: .45em 0; } .value { font-weight: bold; } .missing { color: #777; }
table { border-collapse: collapse; font-size: .9em; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #444; } .files a { margin-right: .3em; } code { font-size: .95em; }
"""


def _rank(name: str) -> tuple[int, str]:
    """Sort key of a notebook name: its place in `READING_ORDER`, any other after them by name."""
    order = list(READING_ORDER)
    return (order.index(name) if name in order else len(order), name)


def _ordered(folders: list[Path]) -> list[Path]:
    """Notebook folders in reading order."""
    return sorted(folders, key=lambda f: _rank(f.name))


def _notebook_defaults(notebook: str) -> dict[str, Any]:
    """A notebook's declared defaults (empty when there is no such notebook)."""
    from ..errors import ParameterError
    from .notebooks import notebook_parameters

    try:
        return {name: p.default for name, p in notebook_parameters(notebook).items()}
    except ParameterError:
        return {}


def headline_items(parameters: dict[str, dict[str, Any]]) -> list[tuple[Headline, str, str]]:
    """Each headline's key and label filled in with the parameters of the run (a notebook that did not run: its
    defaults); a forecast headline once per year of the horizon."""
    out = []
    for h in HEADLINES:
        params = parameters[h.notebook] if h.notebook in parameters else _notebook_defaults(h.notebook)
        years = [None]
        if h.per_year:
            first = params.get("train_end", 0) + 1
            years = list(range(first, first + params.get("horizon", 0)))
        for year in years:
            p = dict(params, year=year) if year is not None else params
            try:
                out.append((h, h.key.format(**p), h.label.format(**p)))
            except KeyError:  # a parameter the headline needs is not declared (any more): say so, do not guess
                out.append((h, h.key, h.label))
    return out


_HEADING = re.compile(r"<h[1-6] id=\"([^\"]+)\"")


def section_link(output: Path, notebook: str, key: str) -> str:
    """The place in a notebook's report that shows `key`: the row with that id, else the section whose text shows it.

    Parameters
    ----------
    output : Path
        The run's output folder.
    notebook : str
        The notebook's name.
    key : str
        A results.json key.

    Returns
    -------
    str
        A link relative to the index (the report itself when no section shows the key).
    """
    page = f"{notebook}/{notebook}.html"
    path = output / page
    if not path.is_file():
        return page
    text = path.read_text(encoding="utf-8")
    if f"id='{key}'" in text or f'id="{key}"' in text:
        return f"{page}#{key}"
    at = text.find(key)
    if at < 0:
        return page
    headings = [m for m in _HEADING.finditer(text, 0, at)]
    return f"{page}#{headings[-1].group(1)}" if headings else page


def _finding(output: Path, h: Headline, key: str, label: str, values: dict[str, Any], ran: set[str]) -> str:
    from ..reporting import display  # the display layer (pandas) only when a report is written
    from ..stats.result import covers_one_words

    entry = values.get(key)
    if entry is None:
        why = (
            f"notebook <code>{html.escape(h.notebook)}</code> did not report <code>{html.escape(key)}</code>"
            if h.notebook in ran
            else f"notebook <code>{html.escape(h.notebook)}</code> was not run"
        )
        return f"<li class='missing'>{html.escape(label)}: not available in this run ({why})</li>"
    text = f"<span class='value'>{html.escape(display.value_text(entry))}</span>"
    if "actual" in entry:
        actual, _ = display.value_in_unit(entry["actual"], entry.get("unit", ""))
        inside = "inside" if entry.get("covered") else "outside"
        text += f"; published: {html.escape(actual)}, {inside} the interval"
    if entry.get("unit") in ("odds ratio per year", "odds ratio", "ratio"):
        what = "trend" if entry["unit"] == "odds ratio per year" else "change"
        text += covers_one_words(tuple(entry.get("ci") or (None, None)), what)
    link = html.escape(section_link(output, h.notebook, key))
    return f"<li id='finding-{html.escape(key)}'><a href='{link}'>{html.escape(label)}</a>: {text}</li>"


def _files(folder: Path, name: str) -> list[str]:
    links = [f"<a href='{name}/{name}.html'>report</a>"]
    for extra, label in (
        (f"{name}-with-code.html", "notebook with code"),
        (f"{name}.ipynb", "executed notebook (.ipynb)"),
        (VALUES_FILE, "values (JSON)"),
        ("inputs.json", "inputs (JSON)"),
    ):
        if (folder / extra).is_file():
            links.append(f"<a href='{name}/{html.escape(extra)}'>{label}</a>")
    return links


def write_index(output: Path) -> None:
    """index.html: the findings first (in words, with value, unit and 95% CI, each linked to the report section that
    makes it), then the notebooks in reading order with every report, table, figure and values file, then the run's
    provenance (commit, parameters, package versions; no date, so that the file hashes the same on a rerun)."""
    from ..reporting import display  # the display layer (pandas) only when a report is written

    results = (
        json.loads((output / "results.json").read_text(encoding="utf-8"))
        if (output / "results.json").is_file()
        else collect_results(output)
    )
    values, prov = results["values"], results["provenance"]
    folders = _ordered(notebook_dirs(output))
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Finland's Assistance System for Victims of Human Trafficking: results of the analysis</title>",
        f"<style>{INDEX_CSS}</style></head><body>",
        "<h1>Finland's Assistance System for Victims of Human Trafficking: results of the analysis</h1>",
        (
            "<p>Every number below comes from <a href='results.json'>results.json</a> (each with its unit, interval "
            "and description); the SHA-256 of every file of this run is in <a href='manifest.json'>manifest.json</a>. "
            f"Intervals are {display.CI_LABEL}s. Contents: <a href='#findings'>findings</a> · "
            "<a href='#notebooks'>notebooks, tables and figures</a> · <a href='#provenance'>provenance</a>.</p>"
        ),
        "<h2 id='findings'>Findings</h2><ul class='findings'>",
    ]
    ran = set(prov.get("parameters", {}))
    for h, key, label in headline_items(prov.get("parameters", {})):
        parts.append(_finding(output, h, key, label, values, ran))
    parts.append("</ul>")

    parts.append("<h2 id='notebooks'>Notebooks in reading order</h2><ol>")
    for folder in folders:
        name = html.escape(folder.name)
        parts.append(f"<li><a href='#nb-{name}'>{name}</a>: {html.escape(READING_ORDER.get(folder.name, ''))}</li>")
    parts.append("</ol>")
    for folder in folders:
        name = html.escape(folder.name)
        parts.append(f"<h3 id='nb-{name}'>{name}</h3><p>{html.escape(READING_ORDER.get(folder.name, ''))}</p>")
        parts.append(f"<p class='files'>{' · '.join(_files(folder, name))}</p>")
        tables = sorted((folder / "tables").glob("*.csv")) if (folder / "tables").is_dir() else []
        if tables:
            parts.append(
                "<p class='files'>Tables (CSV): "
                + " · ".join(f"<a href='{name}/tables/{html.escape(t.name)}'>{html.escape(t.stem)}</a>" for t in tables)
                + "</p>"
            )
        for png in sorted((folder / "figures").glob("*.png")) if (folder / "figures").is_dir() else []:
            rel = f"{name}/figures/{html.escape(png.name)}"
            svg = png.with_suffix(".svg")
            svg_link = f" · <a href='{name}/figures/{html.escape(svg.name)}'>SVG</a>" if svg.is_file() else ""
            parts.append(
                f"<figure><img src='{rel}' alt='figure {html.escape(png.stem)} of {name}'>"
                f"<figcaption>{html.escape(png.stem.replace('_', ' '))} ({name}): "
                f"<a href='{rel}'>PNG</a>{svg_link}</figcaption></figure>"
            )

    parts.append("<h2 id='provenance'>Provenance</h2>")
    git = prov.get("git", {})
    commit = git.get("commit") or "not a git checkout"
    dirty = " (with uncommitted changes)" if git.get("dirty") else ""
    parts.append(
        f"<p>Commit <code>{html.escape(commit)}</code>{dirty}; Python {html.escape(str(prov.get('python')))}."
        "</p><h3>Parameters of each notebook in this run</h3><table><tr><th>notebook</th><th>parameters</th></tr>"
    )
    for nb, params in sorted(prov.get("parameters", {}).items(), key=lambda kv: _rank(kv[0])):
        shown = ", ".join(f"{k} = {v!r}" for k, v in params.items())
        parts.append(f"<tr><td>{html.escape(nb)}</td><td><code>{html.escape(shown)}</code></td></tr>")
    parts.append("</table><h3>Data</h3><table><tr><th>data folder</th><th>file</th><th>SHA-256</th></tr>")
    for label, digests in sorted(prov.get("data_sha256", {}).items()):
        for file, digest in sorted(digests.items()):
            parts.append(
                f"<tr><td>{html.escape(label)}</td><td>{html.escape(file)}</td><td><code>{html.escape(digest)}"
                "</code></td></tr>"
            )
    parts.append("</table><h3>Package versions</h3><table><tr><th>package</th><th>version</th></tr>")
    for pkg, version in sorted(prov.get("packages", {}).items()):
        parts.append(f"<tr><td>{html.escape(pkg)}</td><td>{html.escape(version)}</td></tr>")
    parts.append("</table></body></html>\n")
    _atomic_write(output / "index.html", "\n".join(parts))


def write_manifest(output: Path) -> dict[str, str]:
    """manifest.json: SHA-256 of every output file."""
    files = {}
    for path in sorted(output.rglob("*")):
        rel = path.relative_to(output)
        if path.is_file() and rel.parts[0] not in SKIP and rel.name != "manifest.json" and not rel.name.startswith("."):
            files[str(rel)] = sha256_of(path)
    _atomic_write(output / "manifest.json", json.dumps({"sha256": files}, indent=2, sort_keys=True) + "\n")
    return files


def write_run_files(output: Path, changed: bool = True) -> None:
    """Write results.json, index.html and manifest.json for what `output` now holds.

    With `changed` False (no notebook folder was executed or restored), the files are left alone when results.json
    would be written byte for byte as it stands and the other two exist: nothing they describe has changed.
    """
    text = json.dumps(collect_results(output), indent=2, sort_keys=True) + "\n"
    current = output / "results.json"
    if not changed and (output / "index.html").is_file() and (output / "manifest.json").is_file():
        if current.is_file() and current.read_text(encoding="utf-8") == text:
            return
    _atomic_write(current, text)
    write_index(output)
    write_manifest(output)
