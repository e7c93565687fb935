"""Every number of the press release of 27 January 2021 (in ../shared/sources/) is a row of the data set."""

from __future__ import annotations

import re

import pytest
from helpers import SHARED, shared

from trafficking_research.data.observations import load_observations

RELEASE_PARTS = ("sources", "migri-press-release-2021-01-27.txt")
SOURCE_ID = "migri-pr-2021-01-27-en"
WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "fifteen": 15}
# Numbers in the release that are not statistics of the system, each with the reason it has no row.
NOT_STATISTICS = {
    2006: "founding year, used as a label",
    2009: "year a director took office",
    2018: "year label of comparison figures",
    2019: "year label of comparison figures",
    2020: "year label",
    2021: "year label",
    24: "24/7 helpline",
    7: "24/7 helpline",
    4: "four offices: an organisational fact, not a client statistic",
    60: "range '60% to 70% for years' without a year: checked in the claims ledger, not a yearly figure",
    70: "also the 2019 count of victims exploited in Finland, which has a row (checked below)",
}


RELEASE = SHARED.joinpath(*RELEASE_PARTS)
ABSENT = (
    f"needs {RELEASE} (the project's shared folder beside the clone, present in CI); a user's clone has no "
    "../shared, so this test does not run here"
)


def release_numbers() -> list[int]:
    text = shared(*RELEASE_PARTS).read_text(encoding="utf-8")
    text = re.sub(r"\d{1,2}\.\d{1,2}\.\d{4}", " ", text)  # dates
    text = re.sub(r"\b\d{1,2}\.\d{2}\b", " ", text)  # clock times
    text = re.sub(r"\+?\d+(?:\s\d{3}){2,}", " ", text)  # phone numbers
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\b\d{1,3}(?:,\d{3})*\b|\b\d+\b", text)]
    numbers += [WORDS[w.lower()] for w in re.findall(r"\b(" + "|".join(WORDS) + r")\b", text, flags=re.I)]
    return sorted(set(numbers))


def numbers_to_check() -> list:
    """The release's numbers, or one skipped case saying why when ../shared is absent."""
    if not RELEASE.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT))]
    return [n for n in release_numbers() if n not in NOT_STATISTICS or n == 70]


def test_release_is_there() -> None:
    assert shared(*RELEASE_PARTS).is_file()


def test_every_exclusion_is_a_number_of_the_release() -> None:
    assert set(NOT_STATISTICS) <= set(release_numbers())


@pytest.mark.parametrize("number", numbers_to_check())
def test_release_number_has_a_row(number: int) -> None:
    obs = load_observations()
    values = set(obs.loc[obs["source_id"] == SOURCE_ID, "value"].astype(int))
    assert number in values, f"{number} from the 27 Jan 2021 release has no row with source_id {SOURCE_ID}"


def test_core_release_figures_are_preferred() -> None:
    obs = load_observations()
    pref = obs[(obs["status"] == "preferred") & (obs["unit"] == "persons")]

    def value(**match: str) -> float:
        sel = pref
        for k, v in match.items():
            sel = sel[sel[k] == v] if k not in ("start", "end") else sel[sel["period_" + k] == v]
        assert len(sel) == 1, match
        return float(sel["value"].iloc[0])

    base = dict(start="2020-01-01", end="2020-12-31", measure="admitted", form="all", sex="all", age="all")
    assert value(**base, client_type="victim", place="all") == 244
    assert value(**base, client_type="victim", place="finland") == 123
    assert value(**base, client_type="victim", place="abroad") == 121
    assert value(**dict(base, form="forced_labour"), client_type="victim", place="finland") == 78
    assert value(**base, client_type="all", place="all") == 297
    stock = dict(start="2020-12-31", end="2020-12-31", measure="clients", place="all", form="all", sex="all", age="all")
    assert value(**stock, client_type="all") == 916
    assert (
        value(
            start="2006-01-01",
            end="2020-12-31",
            measure="admitted",
            client_type="victim",
            place="all",
            form="all",
            sex="all",
            age="all",
        )
        == 1257
    )
