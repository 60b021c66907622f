"""The explorer table in a real browser, offline: it loads, searches, filters by column and pane.

The page is what an explorer notebook displays (the embedded DataTables library, then one
table), opened from a file with every non-local request refused, so a table that needed
the network would stay empty. Needs Debian's Chromium (skipped without it, except on CI).
"""

from __future__ import annotations

from pathlib import Path

import IPython.display
from browser_support import PageWatch
from fixtures_processed import BARNET, BRENT, CAMDEN, load_fixture, system

from citytools_analysis.report import explorer


def _page(tmp_path: Path, monkeypatch) -> Path:
    shown: list[str] = []
    monkeypatch.setattr(IPython.display, "display", lambda item: shown.append(item.data))
    explorer.init_offline()  # what the notebook's first cell displays
    data = load_fixture(
        tmp_path / "processed",
        systems=[
            system("E09000003-00002", BARNET, "Finance", "Oracle E-Business Suite", "Oracle"),
            system("E09000003-00003", BARNET, "Housing", "Northgate Housing", "Northgate"),
            system("E09000005-00002", BRENT, "Housing", "Civica CX", "Civica"),
            system("E09000007-00002", CAMDEN, "Finance", "Oracle E-Business Suite", "Oracle"),
            system("E09000007-00003", CAMDEN, "Housing", "Northgate Housing", "Northgate"),
        ],
    )
    table = explorer.interactive_html(
        explorer.systems_table(data), "explore-systems", panes=["Authority", "Service area"]
    )
    page = tmp_path / "explore.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head>"
        "<body>" + "".join(shown) + table + "</body></html>",
        encoding="utf-8",
    )
    return page


def test_the_table_searches_and_filters_offline(tmp_path, monkeypatch, chromium_browser):
    # The session's one Playwright browser (tests/conftest.py): a second sync Playwright
    # in the same process fails, and the fixture skips or fails (CI) without Chromium.
    page_file = _page(tmp_path, monkeypatch)
    refused: list[str] = []

    def local_only(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "blob:", "data:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page = chromium_browser.new_page()
    page.route("**/*", local_only)
    # Console errors and failed requests count for the page's whole life: while it loads and
    # after every search, filter and tick below.
    watch = PageWatch(page, "explore.html")
    try:
        page.goto(page_file.as_uri())
        page.wait_for_selector("#explore-systems.dataTable tbody tr", timeout=20_000)
        info = page.locator(".dt-info").first
        assert info.inner_text() == "Showing 1 to 5 of 5 entries"
        # Each search pane's box shows its column's name, not the heading's markup.
        placeholders = page.eval_on_selector_all(
            ".dtsp-searchPane input.dtsp-search", "boxes => boxes.map(b => b.placeholder)"
        )
        assert placeholders == ["Authority", "Service area"]

        # The search box: Northgate is in 2 rows.
        page.locator(".dt-search input").first.press_sequentially("Northgate")
        page.wait_for_function(
            "document.querySelector('.dt-info').innerText.includes('of 2 entries')"
        )
        rows = page.locator("#explore-systems tbody tr").all_inner_texts()
        assert len(rows) == 2 and all("Northgate" in row for row in rows)
        page.locator(".dt-search input").first.fill("")
        page.locator(".dt-search input").first.press("Backspace")

        # The column filter in the Service area heading: Housing is in 3 rows.
        page.locator("#explore-systems thead input").nth(1).press_sequentially("Housing")
        page.wait_for_function(
            "document.querySelector('.dt-info').innerText.includes('of 3 entries')"
        )
        authorities = page.locator("#explore-systems tbody tr td:first-child")
        assert sorted(authorities.all_inner_texts()) == ["Barnet", "Brent", "Camden"]

        # The Authority pane: tick Camden -> Camden's Housing system only.
        page.locator(".dtsp-searchPane").first.get_by_text("Camden", exact=True).click()
        page.wait_for_function(
            "document.querySelector('.dt-info').innerText.includes('of 1 entries') || "
            "document.querySelector('.dt-info').innerText.includes('1 to 1 of 1')"
        )
        assert "Northgate Housing" in page.locator("#explore-systems tbody").inner_text()
        page.wait_for_timeout(200)
        assert watch.problems == [], watch.problems
    finally:
        page.close()
    assert refused == []
