"""A reviewer's reading of a fresh `results/` in a real browser (headless Chromium, driven by Playwright).

Every page reachable from index.html is opened: no console error, no failed request, no request leaving the
results folder, every image loaded, every link resolving (files and #fragments), no table cell cut with "...", and the
headline findings present on the index. Needs the system's Chromium (Debian/Ubuntu: `apt-get install chromium`);
without it the test skips and says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from trafficking_research.pipeline.report import headline_items

CHROMIUM = Path(os.environ.get("TRAFFICKING_RESEARCH_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: What the browser reads on each page: broken images, links, cells cut short, the ids a fragment can point to.
PAGE_SCRIPT = """() => ({
  images: Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
  cut: Array.from(document.querySelectorAll('td, th')).map(c => c.innerText.trim())
         .filter(t => t === '...' || t === '…' || t.endsWith('...') || t.endsWith('…')),
  title: document.title,
})"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install the system's browser (Debian/Ubuntu: "
            "`apt-get install -y chromium`) or point TRAFFICKING_RESEARCH_CHROMIUM at one"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def crawl(browser, root: Path) -> dict:
    """Open index.html and every HTML page it links to (within `root`), recording what a reader would hit."""
    root = root.resolve()
    page = browser.new_page()
    console_errors: list[str] = []
    failed: list[str] = []
    remote: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda m: console_errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: console_errors.append(f"{page.url}: {e}"))
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("request", lambda r: requests.append(r.url))
    page.on(
        "request",
        lambda r: remote.append(r.url) if urlparse(r.url).scheme not in ("file", "data", "about") else None,
    )
    todo, seen, pages = [(root / "index.html").as_uri()], set(), {}
    links: list[tuple[str, str]] = []
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        page.wait_for_load_state("load")
        info = page.evaluate(PAGE_SCRIPT)
        pages[url] = info
        for href in info["links"]:
            links.append((url, href))
            target, _ = urldefrag(href)
            if (
                urlparse(target).scheme == "file"
                and target.endswith(".html")
                and Path(unquote(urlparse(target).path)).is_file()
            ):
                todo.append(target)
    page.close()
    return {
        "pages": pages,
        "links": links,
        "console": console_errors,
        "failed": failed,
        "remote": remote,
        "requests": requests,
    }


def test_results_read_in_a_browser(browser, fresh_run: Path) -> None:
    seen = crawl(browser, fresh_run)
    pages = seen["pages"]
    print(
        f"browser: {len(pages)} pages, {len(seen['links'])} links, "
        f"{sum(len(p['images']) for p in pages.values())} images, {len(seen['requests'])} requests"
    )
    assert seen["console"] == [], seen["console"]
    assert seen["failed"] == [], seen["failed"]
    assert seen["remote"] == [], f"requests leaving the results folder: {seen['remote']}"

    broken_images = [(u, i["src"]) for u, p in pages.items() for i in p["images"] if not i["ok"]]
    assert broken_images == []
    assert sum(len(p["images"]) for p in pages.values()) > 0

    ids = {url: set(p["ids"]) for url, p in pages.items()}
    bad_links = []
    for source, href in seen["links"]:
        target, fragment = urldefrag(href)
        parsed = urlparse(target)
        assert parsed.scheme == "file", f"{source}: link to {href} leaves the results folder"
        path = Path(unquote(parsed.path))
        if not path.exists():
            bad_links.append((source, href))
        elif fragment and path.suffix == ".html":
            known = ids.get(path.as_uri(), set())
            if fragment not in known and unquote(fragment) not in known:
                bad_links.append((source, href))
    assert bad_links == [], bad_links

    cut = {u: p["cut"] for u, p in pages.items() if p["cut"]}
    assert cut == {}, f"table cells cut short: {cut}"
    untitled = [u for u, p in pages.items() if not p["title"] or p["title"] == "Notebook"]
    assert untitled == []

    index = pages[(fresh_run.resolve() / "index.html").as_uri()]
    results = json.loads((fresh_run / "results.json").read_text(encoding="utf-8"))
    parameters = results["provenance"]["parameters"]
    for headline, key, _ in headline_items(parameters):
        if headline.notebook in parameters:
            assert key in results["values"], f"headline {key} missing from results.json"
            assert f"finding-{key}" in index["ids"], f"headline {key} not on the index"
    reports = {f"{nb}/{nb}.html" for nb in parameters} | {f"{nb}/{nb}-with-code.html" for nb in parameters}
    opened = {str(Path(unquote(urlparse(u).path)).relative_to(fresh_run.resolve())) for u in pages}
    assert reports <= opened, f"reports not reachable from the index: {sorted(reports - opened)}"
