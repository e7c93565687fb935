"""`Results.show` shows estimates by the display rules (the notebooks' checked outputs): plain numbers, never
e-notation, counts with thousands separators, a labelled interval."""

from __future__ import annotations

from pathlib import Path

import pytest

from trafficking_research.reporting.results import Results
from trafficking_research.stats.result import Estimate


def test_show_prints_plain_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = Results("dark_figure", str(tmp_path))
    results.show(
        [
            Estimate("scenario.estimate", 1690.6, "persons", "estimated total", ci=(1568.2, 1832.9)),
            Estimate("scenario.share", 0.50412, "proportion", "share on no list", ci=(0.45, 0.55)),
            Estimate("scenario.rate", 0.000969, "per year", "a small rate"),
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "estimated total: 1,691 persons (95% CI 1,568 to 1,833)",
        "share on no list: 50.4% (95% CI 45% to 55%)",
        "a small rate: 0.000969 per year",
    ]
    assert not any("e+" in line or "e-0" in line for line in out)
