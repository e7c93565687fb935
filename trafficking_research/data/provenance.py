"""Rules on where a number comes from: locators that stand on their own, and one public address per source.

A locator says where in its own source a number stands. It must name a place in that source (a section, paragraph,
sentence, heading, figure, table, list item, caption or, for a data file, a cell given as ``key=value`` selectors)
and must not lean on another row ("same sentence", "see row 12", "ibid", "as above"): each row is read alone.

A source's address must be a public http(s) address, and no two sources may share one: two ids for one article
would count it twice as corroboration. Addresses are compared after removing what does not change the page
(scheme, ``www.``, a default port, a trailing slash, the fragment and tracking parameters such as ``origin``,
``ref``, ``share`` and ``utm_*``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

# Words that name a place inside a document; one must occur in every locator (or a data-cell selector key=value).
PLACE_WORDS: tuple[str, ...] = (
    "paragraph",
    "paragraphs",
    "sentence",
    "sentences",
    "section",
    "heading",
    "sub-heading",
    "subheading",
    "headline",
    "title",
    "lead",
    "caption",
    "figure",
    "graph",
    "chart",
    "table",
    "list",
    "item",
    "introduction",
    "page",
    "chapter",
    "summary",
    "footnote",
    "quotation",
    "parenthesis",
    "parentheses",
    "brackets",
    "contents",
    "column",
    "cell",
    "clause",
    "box",
    "bullet",
)
_PLACE = re.compile(r"\b(" + "|".join(re.escape(w) for w in PLACE_WORDS) + r")\b|\b\w+=\S", re.IGNORECASE)
# Phrases that point at another row's locator instead of at the source.
_BACK_REFERENCE = re.compile(
    r"\bsame\s+(?:\w+\s+)?(?:sentence|paragraph|section|clause|page|table|figure|list|text|release|row|place|source)\b"
    r"|\bsee\s+(?:row|line|above|below)\b|\bibid\b|\bop\.?\s*cit\b|\bas above\b|\bas before\b"
    r"|\b(?:previous|preceding|next|other)\s+(?:row|line|locator)\b",
    re.IGNORECASE,
)
TRACKING_PARAMETERS = frozenset({"origin", "ref", "share", "fbclid", "gclid"})


def locator_problem(locator: str) -> str | None:
    """Why a locator does not stand on its own, or None when it does.

    Parameters
    ----------
    locator : str
        The text of the ``locator`` cell.

    Returns
    -------
    str or None
        The rule broken, in words for an error message.
    """
    text = locator.strip()
    match = _BACK_REFERENCE.search(text)
    if match:
        return (
            f"'{match.group(0)}' points at another row; say where in this source the number stands "
            "(section, paragraph, sentence, figure, table or data cell)"
        )
    if not _PLACE.search(text):
        return (
            "names no place in the source; say where the number stands (one of: "
            f"{', '.join(PLACE_WORDS[:12])}, ... or key=value cell selectors for a data file)"
        )
    return None


def normalised_url(url: str) -> str:
    """The address reduced to what identifies the page, for comparing sources.

    Parameters
    ----------
    url : str
        A source address.

    Returns
    -------
    str
        Lower-case host without ``www.`` or default port, path without trailing slash, and the query without tracking
        parameters (sorted); scheme and fragment dropped.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMETERS and not k.lower().startswith("utm_")
    ]
    return host + path + ("?" + urlencode(sorted(query)) if query else "")


def duplicate_url_problems(path: object, rows: list[dict[str, str]]) -> list[str]:
    """Messages for sources whose addresses are the same page.

    Parameters
    ----------
    path : path-like
        The sources file, for the messages.
    rows : list of dict
        Source rows with ``source_id``, ``url`` and ``_line``.

    Returns
    -------
    list of str
        One message per pair of sources sharing an address, naming both ids and lines.
    """
    seen: dict[str, dict[str, str]] = {}
    problems = []
    for row in rows:
        if not row["url"].strip():
            continue
        key = normalised_url(row["url"])
        if key in seen:
            first = seen[key]
            problems.append(
                f"{path}, lines {first['_line']} and {row['_line']}, column url: sources '{first['source_id']}' and "
                f"'{row['source_id']}' have the same address ({key}); list a source once and use one id"
            )
        else:
            seen[key] = row
    return problems


#: How a source's note must begin when its address is empty.
ADDRESS_NOT_FOUND = "address not found:"


def missing_address_problems(path: object, rows: list[dict[str, str]]) -> list[str]:
    """Messages for sources without an address whose note does not say why.

    Parameters
    ----------
    path : object
        The sources file, for the messages.
    rows : list of dict
        Source rows with ``source_id``, ``url``, ``note`` and ``_line``.

    Returns
    -------
    list of str
        One message per source with an empty address and no note beginning "address not found:".
    """
    return [
        f"{path}, line {row['_line']}, column url: source '{row['source_id']}' has no address; give its public "
        f"address, or, where no copy of the page was found, begin its note with '{ADDRESS_NOT_FOUND}' and say where "
        "the text was read"
        for row in rows
        if not row["url"].strip() and not row.get("note", "").strip().lower().startswith(ADDRESS_NOT_FOUND)
    ]


#: How a source's note begins when no stored or public copy of its text could be read.
TEXT_NOT_FOUND = "text not found:"
#: Words a source's note holds when `published` is coarser than the date in its id because the source does not show it.
DATE_NOT_CONFIRMED = "date in id not confirmed"
_ID_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?(?!\d)")


def id_date(source_id: str) -> str | None:
    """The date an id carries to the month or day (``YYYY-MM`` or ``YYYY-MM-DD``), or None.

    A year alone is not read as a date: ids such as ``ihmiskauppa-vuosikatsaus-2022`` name the year a review covers.
    """
    match = _ID_DATE.search(source_id)
    if not match:
        return None
    return "-".join(part for part in match.groups() if part)


def id_date_problems(path: object, rows: list[dict[str, str]]) -> list[str]:
    """Messages for sources whose id carries a month or day that `published` contradicts or leaves out unexplained.

    Parameters
    ----------
    path : object
        The sources file, for the messages.
    rows : list of dict
        Source rows with ``source_id``, ``published``, ``note`` and ``_line``.

    Returns
    -------
    list of str
        One message per source whose id date and ``published`` differ where both are given, or whose ``published``
        is coarser than its id date without its note saying the source does not confirm it.
    """
    problems = []
    for row in rows:
        in_id, published = id_date(row["source_id"]), row["published"].strip()
        if not in_id or not published:
            continue
        where = f"{path}, line {row['_line']}, column published"
        shared = min(len(in_id), len(published))
        if in_id[:shared] != published[:shared]:
            problems.append(
                f"{where}: '{published}' contradicts the date {in_id} in the id '{row['source_id']}'; "
                "correct the date or the id"
            )
        elif len(published) < len(in_id) and DATE_NOT_CONFIRMED not in row.get("note", ""):
            problems.append(
                f"{where}: '{published}' is coarser than the date {in_id} in the id '{row['source_id']}'; give the "
                f"date as precisely as the source shows it, or say in note '{DATE_NOT_CONFIRMED}' and why"
            )
    return problems


def unread_sources(rows: list[dict[str, str]]) -> set[str]:
    """Ids of sources whose note says no copy of their text could be read (it begins with `TEXT_NOT_FOUND`)."""
    return {r["source_id"] for r in rows if r.get("note", "").strip().lower().startswith(TEXT_NOT_FOUND)}
