"""Reports speak words, not identifiers: no reported number's description begins with an internal key
(``share_finland:``), an annual_series key (``admitted/victim|unspecified/...``) or ``None:``."""

from __future__ import annotations

import json
import re
from pathlib import Path

KEY_LIKE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+[:.]\s")
SERIES_KEY = re.compile(r"\b[a-z_]+/[a-z_|]+/[a-z_]+/[a-z_]+/")


def test_descriptions_begin_with_words(fresh_run: Path) -> None:
    values = json.loads((fresh_run / "results.json").read_text())["values"]
    offences = [
        f"{key}: {entry['description'][:80]}"
        for key, entry in values.items()
        if KEY_LIKE.match(entry["description"])
        or SERIES_KEY.search(entry["description"])
        or entry["description"].startswith("None:")
    ]
    assert not offences, "\n".join(offences)
    assert len(values) > 500  # the whole run was read


def test_the_patterns_catch_what_they_should() -> None:
    assert KEY_LIKE.match("share_finland: 123/244 in 2020")
    assert KEY_LIKE.match("finland_scenario: total from stepwise")
    assert SERIES_KEY.search("admitted/victim|unspecified/all/all/all/all: annual percent change")
    assert not KEY_LIKE.match("victims admitted: annual percent change") and not KEY_LIKE.match("list table 'x': t")
