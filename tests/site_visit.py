"""One visit of every page of a built book in Chromium, recorded for the browser tests.

:func:`visit_site` serves the built book on 127.0.0.1, opens every page in Debian's
Chromium (driven by Playwright) and records, for each: console errors, failed or refused
requests and requests leaving localhost (for the page's whole life, including after
searching, filtering and sorting its tables), images that did not load, the DOM after its
scripts ran, an axe-core accessibility scan (WCAG 2.1 A and AA rules), and what is out of
reach when the page is opened 390 pixels wide (a phone). ``conftest`` starts it in a
thread of its own as soon as the book from the real data is built, so the visit (mostly
waiting for pages to settle and for the browser's own processes) goes on while other tests
run; ``test_browser`` checks what it recorded.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from browser_support import (
    OVERFLOW_SCRIPT,
    PHONE_VIEWPORT,
    PageWatch,
    chromium_context,
    require_chromium,
    serve,
    site_pages,
)

# axe-core rule tags for WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
# A shared or busy machine loads the larger pages (explorers embed every row) slowly: wait
# this long for a page to settle before calling it broken.
PAGE_TIMEOUT_MS = 120_000


@dataclass
class SiteVisit:
    """What one pass over every page of the book recorded."""

    rendered: dict[str, str] = field(default_factory=dict)  # page -> DOM after scripts ran
    redirects: dict[str, str] = field(default_factory=dict)  # page -> page it redirected to
    console_errors: list[str] = field(default_factory=list)
    request_problems: list[str] = field(default_factory=list)
    unloaded_images: list[str] = field(default_factory=list)
    axe_violations: list[str] = field(default_factory=list)  # serious or critical
    axe_other: list[str] = field(default_factory=list)  # moderate or minor, for the record
    phone_pages: list[str] = field(default_factory=list)  # pages opened 390 pixels wide
    phone_problems: list[str] = field(default_factory=list)  # out of reach on a phone
    phone_console_errors: list[str] = field(default_factory=list)
    phone_request_problems: list[str] = field(default_factory=list)


# Accessibility scans run in the pages themselves (each page's renderer is a process of its
# own), so the scan of one page goes on while the next page loads: this many at once.
AXE_AT_ONCE = 2
AXE_START = """options => {
  window.__citytoolsAxe = axe.run(document, options).then(results => results.violations.map(
    v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({html: n.html}))})));
}"""


def start_axe(page) -> None:
    """Inject axe-core into the page and start its scan (collected by :func:`axe_violations`)."""
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate(Axe().axe_script)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    page.evaluate(AXE_START, options)


def axe_violations(page) -> list[dict]:
    """The violations found by the scan :func:`start_axe` started (waits for it to end)."""
    return page.evaluate("() => window.__citytoolsAxe")


def visit_pages(chromium_browser, site_url: str, built_site: Path) -> SiteVisit:
    """Open every page of the built book once and record what happened.

    Each page is opened in a page of its own, watched for its whole life
    (:class:`browser_support.PageWatch`): while it loads, while its scripts run afterwards,
    and after the search and filter interactions made on explorer pages. Only while axe
    runs is nothing recorded (its own requests are not the book's); a page's scan goes on
    while the next page is opened (:data:`AXE_AT_ONCE`).
    """
    record = SiteVisit()
    scanning: deque = deque()  # (path, page, watch) whose axe scan is running
    try:
        for path in site_pages(built_site):
            page = chromium_browser.new_page()
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            watch = PageWatch(page, path)
            try:
                page.goto(site_url + path, wait_until="load")
                page.wait_for_load_state("networkidle")
                final = page.url.removeprefix(site_url).split("#")[0].split("?")[0]
                if final != path:  # index.html sends the reader on to the first page
                    record.redirects[path] = final
                if final in record.rendered:
                    _close(record, page, watch)
                    continue
                watch.label = path = final
                _interact(page)
                record.rendered[path] = page.content()
                broken = page.eval_on_selector_all(
                    "article img",
                    "images => images.filter(i => !(i.complete && i.naturalWidth > 0))"
                    ".map(i => (i.getAttribute('src') || '').slice(0, 60))",
                )
                record.unloaded_images += [f"{path}: {src}" for src in broken]
                watch.pause()
                start_axe(page)
            except BaseException:
                _close(record, page, watch)
                raise
            scanning.append((path, page, watch))
            # While its scan runs, the page is opened again, on a phone's screen.
            _on_a_phone(record, chromium_browser, site_url, path)
            if len(scanning) >= AXE_AT_ONCE:
                _finish_scan(record, *scanning.popleft())
        while scanning:
            _finish_scan(record, *scanning.popleft())
    finally:
        for _path, page, watch in scanning:
            _close(record, page, watch)
    return record


def _on_a_phone(record: SiteVisit, browser, site_url: str, path: str) -> None:
    """Open a page 390 pixels wide (a phone) and record what is out of reach on it."""
    page = browser.new_page()
    page.set_viewport_size(PHONE_VIEWPORT)
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    watch = PageWatch(page, f"{path} (phone)")
    try:
        page.goto(site_url + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        record.phone_problems += [f"{path}: {line}" for line in page.evaluate(OVERFLOW_SCRIPT)]
        record.phone_pages.append(path)
    finally:
        record.phone_console_errors += watch.console_errors
        record.phone_request_problems += watch.request_problems
        page.close()


def _finish_scan(record: SiteVisit, path: str, page, watch) -> None:
    """Collect a page's accessibility findings, then close it."""
    try:
        violations = axe_violations(page)
        watch.resume()
        for violation in violations:
            line = (
                f"{path}: {violation['id']} ({violation['impact']}, "
                f"{len(violation['nodes'])} node(s)): {violation['help']}; e.g. "
                f"{violation['nodes'][0]['html'][:160]}"
            )
            if violation["impact"] in FAILING_IMPACTS:
                record.axe_violations.append(line)
            else:
                record.axe_other.append(line)
        page.wait_for_timeout(100)  # late console messages still count
    finally:
        _close(record, page, watch)


def _close(record: SiteVisit, page, watch) -> None:
    record.console_errors += watch.console_errors
    record.request_problems += watch.request_problems
    page.close()


def _interact(page) -> None:
    """What a reader does on a page with an interactive table: search, filter a column, sort,
    tick a pane value, then clear; errors from any of it are recorded like load errors."""
    searches = page.locator(".dt-search input[type=search]")
    for number in range(searches.count()):
        search = searches.nth(number)
        table = search.get_attribute("aria-controls")
        search.press_sequentially("a")
        search.fill("")
        search.press("Backspace")
        column_filter = page.locator(f"#{table} thead input")
        if column_filter.count():
            column_filter.first.press_sequentially("e")
            column_filter.first.fill("")
            column_filter.first.press("Backspace")
        heading = page.locator(f"#{table} thead tr:first-child th").nth(1)
        if heading.count() and heading.is_visible():
            heading.click(position={"x": 2, "y": 2}, timeout=5_000)
    pane_value = page.locator(".dtsp-searchPane tbody tr td.dtsp-nameColumn")
    if pane_value.count() and pane_value.first.is_visible():
        pane_value.first.click(timeout=5_000)
        page.wait_for_timeout(200)
        clear = page.locator("button.dtsp-clearAll")
        if clear.count() and clear.first.is_enabled():
            clear.first.click(timeout=5_000)
    if searches.count():
        page.wait_for_load_state("networkidle")


def visit_site(built_site: Path) -> SiteVisit:
    """Serve ``built_site`` and visit every page in a Chromium of its own (see module doc)."""
    executable = require_chromium()
    with serve(built_site) as site_url, chromium_context(executable) as browser:
        return visit_pages(browser, site_url, built_site)
