"""The claims ledger: the real ledger holds and covers the 27 Jan 2021 release; bad ledgers and altered data are caught;
its JSON Schema is valid and enforced; the claims analysis reports what the verdicts say."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import textwrap
from collections import defaultdict
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from helpers import edit_rows, shared

from trafficking_research import ledger as claims
from trafficking_research.analyses import claims as claims_analysis
from trafficking_research.config import CORE_SERIES, FIRST_YEAR, period_of
from trafficking_research.data.observations import load_data
from trafficking_research.data.series import annual_series
from trafficking_research.errors import LedgerError, TraffickingResearchError
from trafficking_research.ledger.kinds import years_text
from trafficking_research.ledger.lookup import DEFAULT_CLIENT_TYPES, figure_period
from trafficking_research.ledger.schema import SCHEMA_FILE
from trafficking_research.paths import DATA_DIR

RELEASE = ("sources", "migri-press-release-2021-01-27.txt")  # under ../shared/
CORE = "migri-pr-2021-01-27-en"
WORDS = {
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
}
# Numbers of the release that no claim needs to carry, each with the reason.
NOT_CLAIMED = {
    2006: "year label: the system's first year",
    2009: "year label: when a director took office",
    2018: "year label of the comparison figures (52 and 455 are claimed)",
    2019: "year label of the comparison figures (70 and 676 are claimed)",
    2020: "year label of the reported year",
    2021: "year label: the system's fifteenth year",
    24: "'24/7 helpline': opening hours, not a statistic",
    7: "'24/7 helpline': opening hours, not a statistic",
    4: "'four offices': an organisational fact, not a client statistic",
    1: "'a single employee' and 'just one perpetrator': descriptions, not statistics of the system",
}
# The verdicts of a claim the figures contradict: by other publications, or by its own.
WRONG = ("false", "source_slip")
# Comparative and vague wording of the release, and the claim that checks each.
WORDING = {
    "has increased": ["pr2021-finland-increased"],
    "record-breaking": ["pr2021-finland-record"],
    "particularly high share": ["pr2021-forced-labour-share-high"],
    "considerably larger than in previous years": ["pr2021-finland-vs-2019", "pr2021-finland-vs-2018"],
    "60% to 70% for years": ["pr2021-abroad-share-60-70-for-years"],
    "slightly smaller than the proportion": ["pr2021-abroad-share-smaller", "pr2021-abroad-share-slightly-smaller"],
    "keep rising sharply": ["pr2021-clients-rising-sharply"],
    "numbered hundreds": ["pr2021-children-hundreds"],
    "helped 1,257": ["pr2021-total-since-2006"],
}


@pytest.fixture(scope="module")
def data() -> tuple[Any, Any]:
    return load_data()


@pytest.fixture(scope="module")
def ledger(data: tuple[Any, Any]) -> claims.Ledger:
    obs, sources = data
    return claims.load_ledger(claims.LEDGER_FILE, obs=obs, sources=sources)


@pytest.fixture(scope="module")
def checked(data: tuple[Any, Any], ledger: claims.Ledger) -> dict[str, claims.ClaimResult]:
    return {r.id: r for r in claims.evaluate(ledger, data[0])}


def preferred_rows(data_dir: Path = DATA_DIR) -> list[dict[str, str]]:
    """The preferred rows of observations.csv read with the csv module, independently of the package's loader."""
    with open(data_dir / "observations.csv", encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["status"] == "preferred"]


def raw_year_values(rows: list[dict[str, str]], **match: str) -> dict[int, float]:
    """Calendar-year values of one series (victim, else unspecified), straight from the CSV rows."""
    found: dict[int, dict[str, float]] = defaultdict(dict)
    for r in rows:
        start, end = r["period_start"], r["period_end"]
        if start[:4] != end[:4] or start[5:] != "01-01" or end[5:] != "12-31":
            continue
        if all(
            r.get(k, "all") == v
            for k, v in {"unit": "persons", "place": "all", "form": "all", "sex": "all", "age": "all", **match}.items()
        ):
            found[int(start[:4])][r["client_type"]] = float(r["value"])
    return {y: v.get("victim", v.get("unspecified")) for y, v in found.items() if {"victim", "unspecified"} & set(v)}


def write_ledger(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "claims.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def evaluate_text(tmp_path: Path, data: tuple[Any, Any], body: str) -> list[claims.ClaimResult]:
    obs, sources = data
    return claims.evaluate(claims.load_ledger(write_ledger(tmp_path, body), obs=obs, sources=sources), obs)


# ------------------------------------------------------------------------------------------------ the real ledger


def test_no_claim_is_false(checked: dict[str, claims.ClaimResult]) -> None:
    """Only claims marked disputed (a known disagreement of the source with the data, explained) may be false or a
    slip of the source."""
    false = [f"{r.id}: {r.reason}" for r in checked.values() if r.verdict in WRONG and not r.disputed]
    assert not false, "claims contradicted by the preferred data:\n" + "\n".join(false)


def test_every_disputed_claim_is_still_false(checked: dict[str, claims.ClaimResult]) -> None:
    """A disputed mark must stay true to the data: when the data come to agree, the mark has to go."""
    stale = [r.id for r in checked.values() if r.disputed and r.verdict not in WRONG]
    assert not stale, f"claims marked disputed that the data no longer contradict: {stale}"


def test_verdicts_and_corroboration_are_consistent(checked: dict[str, claims.ClaimResult]) -> None:
    results = list(checked.values())
    counts = claims.verdict_counts(results)
    assert counts["total"] == len(results) == sum(counts[v] for v in claims.VERDICTS)
    assert counts["independent"] + counts["self_consistent"] == len(results) - counts["cannot_check"]
    assert counts["true_within_one_person"] == sum(r.margin == "within one person" for r in results)
    for r in results:
        if r.verdict == "cannot_check":
            assert r.corroboration == "n/a" and r.reason.startswith(("no preferred figure for ", "no exact figure")), (
                r.id
            )
        else:
            assert r.corroboration == ("independent" if r.corroborating_sources else "self_consistent"), r.id
            assert r.figures, r.id
    by_source = claims.counts_by_source(results)
    assert int(by_source.to_numpy().sum()) == len(results)
    assert by_source.loc[CORE].sum() == sum(r.source_id == CORE for r in results)


def test_corroboration_follows_the_figures_sources(checked: dict[str, claims.ClaimResult]) -> None:
    # the five forms and the total all come from the release itself
    forms = checked["pr2021-finland-forms-sum"]
    assert forms.corroboration == "self_consistent" and {f.source_id for f in forms.figures} == {CORE}
    # the comparison figure 70 is checked against what the January 2020 release first published
    first = checked["pr2021-2019-figure-as-first-published"]
    assert first.corroboration == "independent" and first.corroborating_sources == ("migri-pr-2020-01-15-sv",)
    # 1,314 and 1,051 + 263 stand on different pages of one review: one publication, not corroboration
    review = checked["ar2022-clients-sum"]
    assert len({f.source_id for f in review.figures}) == 2 and review.corroboration == "self_consistent"


def test_every_number_of_the_release_is_in_a_claim(ledger: claims.Ledger) -> None:
    text = shared(*RELEASE).read_text(encoding="utf-8")
    text = re.sub(r"\d{1,2}\.\d{1,2}\.\d{4}", " ", text)  # dates
    text = re.sub(r"\b\d{1,2}\.\d{2}\b", " ", text)  # clock times
    text = re.sub(r"\+?\d+(?:\s\d{3}){2,}", " ", text)  # phone numbers
    numbers = {int(n.replace(",", "")) for n in re.findall(r"\d{1,3}(?:,\d{3})+|\d+", text)}
    numbers |= {WORDS[w.lower()] for w in re.findall(r"\b(" + "|".join(WORDS) + r")\b", text, flags=re.IGNORECASE)}
    assert set(NOT_CLAIMED) <= numbers, "an exclusion is no longer a number of the release"
    core = [c for c in ledger.claims if c.source_id == CORE]
    in_claims = {int(v) for c in core for v in numbers_of(c.check)}
    missing = sorted(numbers - set(NOT_CLAIMED) - in_claims)
    assert not missing, f"numbers of the 27 Jan 2021 release in no claim of {CORE}: {missing}"
    quoted = {int(v) for c in core for v in stated_of(c.check)}
    assert quoted <= numbers, f"stated numbers that the release does not contain: {sorted(quoted - numbers)}"


def test_every_comparative_wording_of_the_release_has_its_claim(ledger: claims.Ledger) -> None:
    text = " ".join(shared(*RELEASE).read_text(encoding="utf-8").split())
    ids = {c.id for c in ledger.claims if c.source_id == CORE}
    for wording, claim_ids in WORDING.items():
        assert wording in text, wording
        assert set(claim_ids) <= ids, (wording, claim_ids)


def numbers_of(node: Any) -> list[float]:
    """Every stated and expected number in a check (stated values, expected values and ranges)."""
    out: list[float] = list(stated_of(node))
    if isinstance(node, dict):
        for key in ("expected", "range"):
            value = node.get(key)
            if isinstance(value, (int, float)):
                out.append(value)
            elif isinstance(value, list):
                out += [v for v in value if isinstance(v, (int, float))]
    return out


def stated_of(node: Any) -> list[float]:
    """The numbers a check says the statement quotes (`stated` on figures and per year)."""
    if isinstance(node, dict):
        out = []
        for key, value in node.items():
            if key == "stated":
                out += list(value.values()) if isinstance(value, dict) else [value]
            else:
                out += stated_of(value)
        return out
    if isinstance(node, list):
        return [v for item in node for v in stated_of(item)]
    return []


def test_share_abroad_run_matches_a_hand_computation(checked: dict[str, claims.ClaimResult]) -> None:
    rows = preferred_rows()
    total = raw_year_values(rows, measure="admitted")
    finland = raw_year_values(rows, measure="admitted", place="finland")
    want = {y: 100 * (total[y] - finland[y]) / total[y] for y in (2016, 2018, 2019)}
    pct_finland = {
        int(r["period_start"][:4]): float(r["value"])
        for r in rows
        if r["measure"] == "admitted"
        and r["place"] == "finland"
        and r["unit"] == "percent"
        and r["form"] == "all"
        and r["sex"] == "all"
        and r["age"] == "all"
    }
    want[2017] = 100 - pct_finland[2017]
    result = checked["pr2021-abroad-share-60-70-for-years"]
    got = {int(y): float(v) for y, v in re.findall(r"(\d{4}): ([\d.]+)", result.computed)}
    assert set(got) == set(want) and all(abs(got[y] - want[y]) < 0.01 for y in want), (got, want)
    assert all(60 <= v <= 70 for v in want.values()) and result.verdict == "true"
    # the years outside the range are reported, not hidden
    assert (
        f"2015: {100 - pct_finland[2015]:g}" in result.reason and f"2014: {100 - pct_finland[2014]:g}" in result.reason
    )


def test_record_and_total_list_the_years_without_a_figure(checked: dict[str, claims.ClaimResult]) -> None:
    rows = preferred_rows()
    finland = raw_year_values(rows, measure="admitted", place="finland")
    gaps = [y for y in range(2006, 2020) if y not in finland]
    record = checked["pr2021-finland-record"]
    assert record.verdict == "true" and 123 > max(finland[y] for y in finland if y < 2020)
    assert f"no figure for {years_text(gaps)}" in record.reason
    yearly = raw_year_values(rows, measure="admitted")
    missing = [y for y in range(2006, 2021) if y not in yearly]
    partial = sum(yearly[y] for y in range(2006, 2021) if y in yearly)
    total = checked["pr2021-total-since-2006"]
    assert missing == [2006, 2007, 2008, 2009, 2014]
    assert total.verdict == "cannot_check" and total.corroboration == "n/a"
    assert "2006-2009, 2014" in total.reason and f"sum to {partial:g}, leaving {1257 - partial:g}" in total.reason


def test_lookup_agrees_with_annual_series(data: tuple[Any, Any]) -> None:
    obs = data[0]
    lookup = claims.FigureLookup(obs)
    compared = 0
    for spec in CORE_SERIES.values():
        series = annual_series(obs, **spec)
        ref = {k: v for k, v in spec.items() if k not in ("cumulative", "stock_date")}
        if "stock_date" in spec:
            ref["stock_date"] = spec["stock_date"]
        ref["client_type"] = (
            list(spec["client_type"])
            if isinstance(spec.get("client_type"), tuple)
            else spec.get("client_type", list(DEFAULT_CLIENT_TYPES))
        )
        for year, value in series.items():
            use, _ = lookup.get(
                dict(ref, **({"cumulative_to": int(year)} if spec.get("cumulative") else {})),
                None if spec.get("cumulative") else int(year),
            )
            assert use is not None and use.value == value, (spec, year)
            compared += 1
    assert compared > 80  # every published year of the nineteen core series


# ------------------------------------------------------------------------------------------------ bad ledgers

GOOD_CLAIM = """
  - id: bad
    source_id: migri-pr-2021-01-27-en
    statement: a test claim
    check:
      kind: compare
      quantity: {measure: admitted, place: finland, year: 2020}
      op: "=="
      expected: 123
"""


@pytest.mark.parametrize(
    "edit, fragments",
    [
        (
            ("source_id: migri-pr-2021-01-27-en", "source_id: no-such-source"),
            ["claim 'bad', field 'source_id': unknown source 'no-such-source'"],
        ),
        (
            ('op: "=="', 'op: "=>"'),
            ["claim 'bad', field 'check.op': unknown operator '=>'", "allowed: ==, <, <=, >, >=, between"],
        ),
        (("      expected: 123\n", ""), ["claim 'bad', field 'check.expected': missing"]),
        (("    statement: a test claim\n", ""), ["claim 'bad', field 'statement': missing"]),
        (
            ("place: finland", "place: finnland"),
            ["claim 'bad', field 'check.quantity.place': unknown series code 'finnland'"],
        ),
        (("measure: admitted", "measure: admited"), ["field 'check.quantity.measure': unknown series code 'admited'"]),
        (("kind: compare", "kind: guess"), ["claim 'bad', field 'check.kind': unknown kind 'guess'"]),
        (
            ("year: 2020}", "year: 2020, date: 2020-12-31}"),
            ["field 'check.quantity': give exactly one of year, period"],
        ),
        (("year: 2020}", "}"), ["field 'check.quantity': give exactly one of year, period"]),
        (('op: "=="', 'op: ">"\n      tolerance: 1'), ["field 'check.tolerance': applies only to '==' and 'between'"]),
        (('op: "=="', "op: between"), ["field 'check.expected': must be a list, got 123 ('between' needs [low, high]"]),
        (("id: bad", "id: Bad Claim"), ["claim 'Bad Claim', field 'id': use lower-case letters"]),
        (("id: bad", "id: 5"), ["claims[0] (no id), field 'id': must be text, got 5"]),
        (("kind: compare", "kind: [compare]"), ["field 'check.kind': unknown kind ['compare']"]),
        (("quantity: {", "quantity: {sums: [{"), ["field 'check.quantity': unknown expression"]),
        (("    statement", "    colour: red\n    statement"), ["claim 'bad', field 'colour': unknown field"]),
        (
            ("expected: 123", "expected: 123\n      tolerance: -1"),
            ["claim 'bad', field 'check.tolerance': must be a number >= 0"],
        ),
        (("year: 2020}", "date: 2020-02-30}"), ["claim 'bad', field 'check.quantity.date': must be an ISO date"]),
        (
            ("year: 2020}", "period: [2020-12-31, 2020-01-01]}"),
            ["claim 'bad', field 'check.quantity.period': must be [start, end] ISO dates with start <= end"],
        ),
        (
            ("place: finland, year: 2020", "client_type: all, year: 2020, half: 2"),
            ["claim 'bad', field 'check.quantity.half': only 'half: 1'"],
        ),
        (
            (
                "measure: admitted, place: finland, year: 2020",
                "measure: clients, client_type: all, year: 2020, half: 1",
            ),
            ["claim 'bad', field 'check.quantity.half': only 'half: 1' (January-June) with a yearly flow figure"],
        ),
        (
            ("year: 2020}", "year: 2020.0}"),
            ["claim 'bad', field 'check.quantity.year': must be a whole number, got 2020.0"],
        ),
    ],
)
def test_bad_ledger_is_refused_with_a_clear_message(
    tmp_path: Path, data: tuple[Any, Any], edit: tuple[str, str], fragments: list[str]
) -> None:
    body = "claims:" + GOOD_CLAIM
    assert edit[0] in body
    if edit[0] == "quantity: {":
        body = body.replace(
            "quantity: {measure: admitted, place: finland, year: 2020}",
            "quantity: {sums: [{measure: admitted, year: 2020}]}",
        )
    else:
        body = body.replace(edit[0], edit[1])
    path = write_ledger(tmp_path, body)
    with pytest.raises(claims.LedgerError) as info:
        claims.load_ledger(path, obs=data[0], sources=data[1])
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("claims: []\n", "non-empty list 'claims'"),
        ("claims: [\n", "not valid UTF-8 YAML"),
        ("claims:" + GOOD_CLAIM + GOOD_CLAIM, "claim 'bad', field 'id': used by more than one claim"),
        (
            "same_origin:\n  - {name: g, reason: r, sources: [nowhere]}\nclaims:" + GOOD_CLAIM,
            "same_origin[0] ('g'), field 'sources': unknown source 'nowhere'",
        ),
    ],
)
def test_bad_ledger_structure_is_refused(tmp_path: Path, data: tuple[Any, Any], body: str, fragment: str) -> None:
    with pytest.raises(claims.LedgerError, match=re.escape(fragment)):
        claims.load_ledger(write_ledger(tmp_path, body), obs=data[0], sources=data[1])


def test_the_good_fixture_is_accepted_and_true(tmp_path: Path, data: tuple[Any, Any]) -> None:
    (result,) = evaluate_text(tmp_path, data, "claims:" + GOOD_CLAIM)
    assert result.verdict == "true" and result.computed == "123"


# ------------------------------------------------------------------------------------------------ missing figures


def test_a_missing_figure_makes_a_claim_uncheckable_not_true(tmp_path: Path, data: tuple[Any, Any]) -> None:
    body = "claims:" + GOOD_CLAIM.replace("year: 2020}", "year: 2008}")  # no admissions count for 2008
    results = evaluate_text(tmp_path, data, body)
    (result,) = results
    assert result.verdict == "cannot_check" and result.corroboration == "n/a"
    assert "no preferred figure for admitted victim|unspecified finland, 2008" in result.reason
    assert claims.verdict_counts(results) == {
        "total": 1,
        "true": 0,
        "false": 0,
        "source_slip": 0,
        "cannot_check": 1,
        "true_within_one_person": 0,
        "independent": 0,
        "self_consistent": 0,
        "disputed": 0,
    }


def test_removing_a_published_figure_from_the_data_makes_its_claims_uncheckable(data_copy: Path) -> None:
    def drop_witnesses_2020(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        kept = [
            r
            for r in rows
            if not (
                r["measure"] == "admitted"
                and r["client_type"] == "witness"
                and r["period_start"] == "2020-01-01"
                and r["period_end"] == "2020-12-31"
            )
        ]
        assert len(kept) < len(rows)
        return kept

    before = {r.id: r.verdict for r in claims.check_ledger(data_dir=None)}
    edit_rows(data_copy, drop_witnesses_2020)
    after = {r.id: r for r in claims.check_ledger(data_dir=data_copy)}
    changed = {cid for cid in before if before[cid] != after[cid].verdict}
    assert changed == {"pr2021-all-admitted", "pr2021nov-new-clients-2020"}
    for cid in changed:
        assert after[cid].verdict == "cannot_check"
        assert "witness, 2020" in after[cid].reason, after[cid].reason
    counts = claims.verdict_counts(list(after.values()))
    assert counts["true"] == sum(v == "true" for v in before.values()) - 2
    assert counts["cannot_check"] == sum(v == "cannot_check" for v in before.values()) + 2


# ------------------------------------------------------------------------------------------------ altered data


def set_value(rows: list[dict[str, str]], new: str, **match: str) -> list[dict[str, str]]:
    """Change the preferred row matching every given column to `new`."""
    hits = [r for r in rows if r["status"] == "preferred" and all(r[k] == v for k, v in match.items())]
    assert len(hits) == 1, (match, len(hits))
    hits[0]["value"] = new
    return rows


def test_an_altered_part_turns_the_sum_claim_false(data_copy: Path) -> None:
    edit_rows(
        data_copy,
        lambda rows: set_value(
            rows,
            "77",
            period_start="2020-01-01",
            period_end="2020-12-31",
            measure="admitted",
            client_type="victim",
            place="finland",
            form="forced_labour",
            age="all",
        ),
    )
    results = {r.id: r for r in claims.check_ledger(data_dir=data_copy)}
    forms = results["pr2021-finland-forms-sum"]
    # every figure of the sum comes from the release itself: the release would contradict itself
    assert forms.verdict == "source_slip" and {f.source_id for f in forms.figures} == {CORE}
    assert "the preferred figure is 77" in forms.reason and "the statement gives 78" in forms.reason
    assert results["pr2021-forced-labour-share-high"].verdict == "true"  # 77 of 123 is still the highest share
    assert [r.id for r in results.values() if r.verdict in WRONG and not r.disputed] == ["pr2021-finland-forms-sum"]


def test_an_altered_earlier_year_breaks_the_record_and_the_trend(data_copy: Path) -> None:
    def edit(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        set_value(
            rows,
            "125",
            period_start="2016-01-01",
            period_end="2016-12-31",
            measure="admitted",
            client_type="unspecified",
            place="finland",
            form="all",
            age="all",
            unit="persons",
        )
        return set_value(
            rows,
            "1000",
            period_start="2019-12-31",
            period_end="2019-12-31",
            measure="clients",
            client_type="all",
            age="all",
        )

    edit_rows(data_copy, edit)
    results = {r.id: r for r in claims.check_ledger(data_dir=data_copy)}
    record = results["pr2021-finland-record"]
    assert record.verdict == "false" and "123 <= the highest earlier figure 125 (2016)" in record.reason
    # the clients of 2018-2020 all come from the release itself: with 1000 for 2019 it would contradict itself
    rising = results["pr2021-clients-rising"]
    assert rising.verdict == "source_slip" and "the preferred figure is 1000, the statement gives 676" in rising.reason
    assert {f.source_id for f in rising.figures} == {CORE}
    sharply = results["pr2021-clients-rising-sharply"]  # no stated numbers: the trend itself fails
    assert sharply.verdict == "source_slip" and "2020 (916) is not above 2019 (1000)" in sharply.reason
    assert results["il2020-clients-doubled"].verdict == "true"  # 1000 / 322 is still more than double


# ------------------------------------------------------------------------------------------------ the other kinds


def test_each_year_run_and_cumulative_can_each_fail(tmp_path: Path, data: tuple[Any, Any]) -> None:
    head = "claims:\n"

    def claim(cid: str, check: str) -> str:
        return (
            f"  - id: {cid}\n    source_id: {CORE}\n    statement: test\n    check:\n"
            + textwrap.indent(textwrap.dedent(check).strip(), "      ")
            + "\n"
        )

    body = (
        head
        + claim(
            "each-true",
            """
        kind: each_year
        series: {measure: admitted}
        years: [2019, 2020]
        op: ">="
        expected: 200
    """,
        )
        + claim(
            "each-false",
            """
        kind: each_year
        series: {measure: admitted}
        years: [2018, 2019]
        op: ">="
        expected: 200
    """,
        )
        + claim(
            "each-gap",
            """
        kind: each_year
        series: {measure: admitted}
        years: [2013, 2014]
        op: ">="
        expected: 0
    """,
        )
        + claim(
            "run-false",
            """
        kind: run_in_range
        series: {complement: {measure: admitted, place: finland, unit: percent}}
        before: 2016
        range: [30, 50]
        min_years: 3
    """,
        )
        + claim(
            "cumulative-complete-false",
            """
        kind: cumulative
        total: {measure: admitted, client_type: victim, cumulative_to: 2020}
        yearly: {measure: admitted}
        from: 2015
        to: 2020
    """,
        )
        + claim(
            "cumulative-gaps-exceeded",
            """
        kind: cumulative
        total: {measure: admitted, client_type: victim, cumulative_to: 2017}
        yearly: {measure: admitted}
        from: 2006
        to: 2020
    """,
        )
    )
    got = {r.id: r for r in evaluate_text(tmp_path, data, body)}
    assert got["each-true"].verdict == "true"
    assert got["each-false"].verdict == "false" and "fails in 2018" in got["each-false"].reason
    assert got["each-gap"].verdict == "cannot_check" and "2014" in got["each-gap"].reason
    # 2015: 38% abroad is inside 30-50, 2014: 58% is not: a run of one year, fewer than three
    assert got["run-false"].verdict == "false" and "1 consecutive year(s) (2015: 38)" in got["run-false"].reason
    # 52 + 130 + 127 + 163 + 229 + 244 = 945, not the 1,257 since 2006
    assert (
        got["cumulative-complete-false"].verdict == "false" and "sum to 945" in got["cumulative-complete-false"].reason
    )
    # the years with figures already exceed the 630 published for 2006-2017: false despite the gaps
    assert got["cumulative-gaps-exceeded"].verdict == "false"


def test_same_origin_sources_do_not_corroborate_each_other(tmp_path: Path, data: tuple[Any, Any]) -> None:
    claim = GOOD_CLAIM.replace("source_id: migri-pr-2021-01-27-en", "source_id: migri-pr-2021-01-27-sv")
    (alone,) = evaluate_text(tmp_path, data, "claims:" + claim)
    assert alone.corroboration == "independent" and alone.corroborating_sources == (CORE,)
    grouped = (
        "same_origin:\n  - name: release\n    reason: two languages\n"
        f"    sources: [{CORE}, migri-pr-2021-01-27-sv]\nclaims:" + claim
    )
    (together,) = evaluate_text(tmp_path, data, grouped)
    assert together.verdict == "true" and together.corroboration == "self_consistent"


# ------------------------------------------------------------------------------------------------ the JSON Schema


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_the_schema_file_is_a_valid_json_schema() -> None:
    document = schema()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)  # raises SchemaError when the schema itself is malformed
    with pytest.raises(jsonschema.SchemaError):  # the check can fail: a rule of the wrong type is refused
        jsonschema.Draft202012Validator.check_schema(dict(document, required="claims"))


def test_the_real_ledger_conforms_to_the_schema_read_by_plain_jsonschema() -> None:
    """Independently of the package's reader: the YAML parsed by PyYAML, dates as text, validated by jsonschema."""
    doc = yaml.safe_load(claims.LEDGER_FILE.read_text(encoding="utf-8"))
    doc = json.loads(json.dumps(doc, default=lambda d: d.isoformat() if isinstance(d, dt.date) else str(d)))
    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(doc))
    assert not errors, [e.message for e in errors[:5]]


def test_an_entry_violating_the_schema_is_refused_naming_claim_and_field(tmp_path: Path, data: tuple[Any, Any]) -> None:
    body = "claims:" + GOOD_CLAIM.replace("expected: 123", "expected: 123\n      colour: red")
    raw = yaml.safe_load(body)
    # jsonschema itself finds the violation where the message will place it
    (error,) = jsonschema.Draft202012Validator(schema()).iter_errors(raw)
    assert error.validator == "additionalProperties" and list(error.absolute_path) == ["claims", 0, "check"]
    path = write_ledger(tmp_path, body)
    with pytest.raises(LedgerError) as info:
        claims.load_ledger(path, obs=data[0], sources=data[1])
    assert isinstance(info.value, TraffickingResearchError)
    expected = (
        f"{path}: claim 'bad', field 'check.colour': unknown field for a 'compare' check "
        "(allowed: kind, quantity, op, expected, tolerance)"
    )
    assert info.value.problems == [expected]


def test_every_problem_of_a_ledger_is_listed_at_once(tmp_path: Path, data: tuple[Any, Any]) -> None:
    second = GOOD_CLAIM.replace("id: bad", "id: worse").replace('op: "=="', 'op: "~"')
    body = "claims:" + GOOD_CLAIM.replace("source_id: migri-pr-2021-01-27-en", "source_id: nowhere") + second
    with pytest.raises(LedgerError) as info:
        claims.load_ledger(write_ledger(tmp_path, body), obs=data[0], sources=data[1])
    problems = info.value.problems
    assert len(problems) == 2
    assert "claim 'bad', field 'source_id': unknown source 'nowhere'" in problems[0]
    assert "claim 'worse', field 'check.op': unknown operator '~'" in problems[1]


# ------------------------------------------------------------------------------------------------ the period rule


def test_figure_periods_follow_the_period_rule_of_the_series() -> None:
    # written out by hand, not taken from the package: calendar year, first half, stocks on 31 Dec and 30 Jun
    assert figure_period({"measure": "admitted", "year": 2020}, None) == (
        dt.date(2020, 1, 1),
        dt.date(2020, 12, 31),
        "2020",
    )
    assert figure_period({"measure": "admitted", "half": 1}, 2022) == (
        dt.date(2022, 1, 1),
        dt.date(2022, 6, 30),
        "Jan-Jun 2022",
    )
    assert figure_period({"measure": "clients", "year": 2019}, None)[:2] == (dt.date(2019, 12, 31),) * 2
    assert figure_period({"measure": "clients", "stock_date": "06-30"}, 2021) == (
        dt.date(2021, 6, 30),
        dt.date(2021, 6, 30),
        "on 2021-06-30",
    )
    assert figure_period({"measure": "admitted", "cumulative_to": "2021-11-30"}, None) == (
        dt.date(2006, 1, 1),
        dt.date(2021, 11, 30),
        "2006..2021-11-30",
    )
    assert figure_period({"measure": "admitted", "period": ["2020-01-01", "2020-03-31"]}, None)[:2] == (
        dt.date(2020, 1, 1),
        dt.date(2020, 3, 31),
    )
    # and the same rule as config.period_of, which data.series uses
    for ref, year, kwargs in [
        ({"measure": "admitted"}, 2015, {}),
        ({"measure": "clients"}, 2018, {}),
        ({"measure": "admitted", "half": 1}, 2018, {"half": 1}),
        ({"measure": "admitted", "cumulative_to": 2017}, 2017, {"cumulative": True}),
    ]:
        assert figure_period(ref, year)[:2] == period_of(ref["measure"], year, **kwargs)
    assert period_of("admitted", 2017, cumulative=True)[0] == dt.date(FIRST_YEAR, 1, 1)


# ------------------------------------------------------------------------------------------------ the analysis


@pytest.fixture(scope="module")
def analysis(data: tuple[Any, Any]) -> Any:
    return claims_analysis.run(*data)


def test_the_analysis_counts_what_the_ledger_file_holds(analysis: Any) -> None:
    # the claims and their sources read straight from the YAML, not through the package
    raw = yaml.safe_load(claims.LEDGER_FILE.read_text(encoding="utf-8"))["claims"]
    sources = list(dict.fromkeys(c["source_id"] for c in raw))
    values = {e.name: e.value for e in analysis.estimates}
    assert values["total"] == len(raw) == len(analysis.tables["claims"])
    assert list(analysis.tables["claims"]["id"]) == [c["id"] for c in raw]
    assert values["disputed"] == sum("disputed" in c for c in raw)
    assert values["true"] + values["false"] + values["source_slip"] + values["cannot_check"] == len(raw)
    table = analysis.tables["claims"]
    assert values["true_within_one_person"] == int((table["margin"] == "within one person").sum())
    for sid in sources:
        mine = table[table["source_id"] == sid]
        for verdict in ("true", "false", "source_slip", "cannot_check"):
            assert values[f"by_source.{sid.replace('-', '_')}.{verdict}"] == int((mine["verdict"] == verdict).sum())
    names = [e.name for e in analysis.estimates]
    n = len(claims_analysis.COUNTS)
    assert names[:n] == list(claims_analysis.COUNTS) and len(names) == n + 4 * len(sources) == len(set(names))
    assert all(e.unit == "claims" and e.description for e in analysis.estimates)
    assert analysis.indexed == {"claims_by_source"} and list(analysis.tables["claims_by_source"].index) == sources
    assert len(analysis.models["claims"]) == len(raw)


def test_the_analysis_draws_one_bar_per_source_and_verdict(analysis: Any) -> None:
    fig = analysis.figures["verdicts_by_source"]
    (ax,) = fig.axes
    by_source = analysis.tables["claims_by_source"]
    widths = [p.get_width() for p in ax.patches]
    assert len(widths) == 4 * len(by_source)
    assert sum(widths) == analysis.tables["claims_by_source"].to_numpy().sum() == len(analysis.tables["claims"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["true", "false", "source slip", "cannot check"]


def test_the_analysis_refuses_a_bad_ledger_before_checking(tmp_path: Path, data: tuple[Any, Any]) -> None:
    path = write_ledger(tmp_path, "claims:" + GOOD_CLAIM.replace("kind: compare", "kind: guess"))
    with pytest.raises(LedgerError, match=re.escape(f"{path}: claim 'bad', field 'check.kind': unknown kind 'guess'")):
        claims_analysis.run(*data, ledger_file=path)


def test_a_claim_resting_on_an_approximate_figure_says_so(checked: dict[str, claims.ClaimResult]) -> None:
    """'About 80' (ungefär 80) is recorded with qualifier about; the claims that use it name it, exact ones do not."""
    rows = {
        (r["source_id"], r["age"], r["period_end"]): r["qualifier"]
        for r in preferred_rows()
        if r["measure"] == "admitted" and r["value"] == "80"
    }
    assert rows[("ihmiskauppa-arsoversikt-2021-nya-klienter-sv", "minor_when_exploited", "2021-12-31")] == "about"
    result = checked["pr2022jan-one-third-exploited-as-minors"]
    assert [(f.value, f.qualifier) for f in result.figures if f.qualifier != "exact"] == [(80.0, "about")]
    table = claims.results_table(list(checked.values())).set_index("id")
    assert "about 80" in table.loc["pr2022jan-one-third-exploited-as-minors", "not_exact"]
    assert table.loc["ar2022-clients-sum", "not_exact"] == ""
    flagged = set(table.index[table["not_exact"] != ""])
    assert flagged == {r.id for r in checked.values() if any(f.qualifier != "exact" for f in r.figures)}
