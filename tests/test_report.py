"""The run's index: findings first (in words, value, unit, labelled 95% CI, linked to the report section), every
file linked, provenance without a date; headline keys that a run did not produce are shown as not available."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from trafficking_research.pipeline import report
from trafficking_research.pipeline.notebooks import notebook_names, notebook_parameters

APC = {
    "value": 20.796890394444915,
    "unit": "percent per year",
    "ci": [16.38030698967108, 25.381081270584637],
    "description": "victims admitted: annual percent change, NB2 log-linear model",
}
BREAK = {
    "value": 3.9564460512721666,
    "unit": "chi2",
    "p_value": 0.14,
    "description": "LR statistic",
}


def fake_run(output: Path) -> Path:
    """A run folder holding one notebook (growth) as `reproduce` leaves it, with two values of its own."""
    folder = output / "growth"
    (folder / "tables").mkdir(parents=True)
    (folder / "figures").mkdir()
    params = {p.name: p.default for p in notebook_parameters("growth").values() if p.name != "output_dir"}
    (folder / "inputs.json").write_text(json.dumps({"key": "k", "parameters": params}))
    (folder / "values.json").write_text(
        json.dumps(
            {
                "growth.victims_admitted.apc": APC,
                "growth.victims_admitted.break_lr": BREAK,
            }
        )
    )
    (folder / "growth.html").write_text(
        '<h2 id="Trend-models">Trend models</h2><table><tr '
        "id='growth.victims_admitted.apc'><td>x</td></tr></table>"
        "<p>growth.victims_admitted.break_lr = 3.96</p>"
    )
    (folder / "growth-with-code.html").write_text("<p>code</p>")
    (folder / "growth.ipynb").write_text("{}")
    (folder / "tables" / "years_used.csv").write_text("a\n1\n")
    (folder / "figures" / "trends_log.png").write_bytes(b"png")
    (folder / "figures" / "trends_log.svg").write_text("<svg/>")
    return output


def test_index_leads_with_findings(tmp_path: Path) -> None:
    output = fake_run(tmp_path)
    report.write_run_files(output)
    text = (output / "index.html").read_text(encoding="utf-8")
    assert text.index("id='findings'") < text.index("id='notebooks'") < text.index("id='provenance'")
    assert (
        "<a href='growth/growth.html#growth.victims_admitted.apc'>Growth of the yearly number of victims "
        "admitted, the published years of 2006–2020"
    ) in text
    assert "20.8 percent per year (95% CI 16.4 to 25.4)" in text
    # no id for the statistic: the link goes to the section whose text shows the key
    assert "growth/growth.html#Trend-models'>Evidence of a change in that growth" in text
    assert "3.96 chi2, p = 0.14" in text
    # notebooks that did not run: their headlines say so, filled in with the notebook's defaults
    assert (
        "Victims admitted to the system in 2020: not available in this run (notebook <code>year_profile</code> "
        "was not run)" in text
    )
    for href in (
        "growth/growth.html",
        "growth/growth-with-code.html",
        "growth/growth.ipynb",
        "growth/values.json",
        "growth/tables/years_used.csv",
        "growth/figures/trends_log.png",
        "growth/figures/trends_log.svg",
        "results.json",
        "manifest.json",
    ):
        assert f"href='{href}'" in text, href
    assert "<img src='growth/figures/trends_log.png'" in text


def test_index_has_no_date_and_is_reproducible(tmp_path: Path) -> None:
    output = fake_run(tmp_path)
    report.write_run_files(output)
    first = (output / "index.html").read_bytes()
    report.write_run_files(output)
    assert (output / "index.html").read_bytes() == first
    assert not re.search(rb"20[0-9]{2}-[01][0-9]-[0-3][0-9]", first)
    text = first.decode()
    assert "numpy" in text and "Commit" in text and "start_year = 2006" in text


def test_headline_keys_name_reference_values() -> None:
    """Every headline key is filled in from the notebooks' defaults (the fresh run checks that it is reported)."""
    defaults = {nb: {p.name: p.default for p in notebook_parameters(nb).values()} for nb in notebook_names()}
    items = report.headline_items(defaults)
    assert {h.notebook for h, _, _ in items} <= set(notebook_names())
    keys = [key for _, key, _ in items]
    assert "{" not in "".join(keys)
    assert "forecast.2021.victims_admitted" in keys and "forecast.2024.victims_admitted" in keys
    assert "profiles.change_2019_2020.share_finland" in keys


@pytest.mark.parametrize("name", notebook_names())
def test_every_notebook_is_in_reading_order(name: str) -> None:
    assert report.READING_ORDER.get(name), f"notebook {name} needs a one-line description in READING_ORDER"


def test_fresh_run_has_every_headline(fresh_run: Path) -> None:
    values = json.loads((fresh_run / "results.json").read_text())["values"]
    params = json.loads((fresh_run / "results.json").read_text())["provenance"]["parameters"]
    missing = [key for _, key, _ in report.headline_items(params) if key not in values]
    assert missing == []
    text = (fresh_run / "index.html").read_text(encoding="utf-8")
    assert "not available" not in text
    for folder in report.notebook_dirs(fresh_run):
        for page in (f"{folder.name}.html", f"{folder.name}-with-code.html"):
            html = (folder / page).read_text(encoding="utf-8")
            assert "<title>Notebook</title>" not in html and "value in this run" in html
            assert not re.search(r"<script[^>]+src=['\"]https?:", html)
            assert not re.search(r"<link[^>]+href=['\"]https?:", html)
