"""The web book in a real browser: Debian's Chromium, driven by Playwright, over localhost.

The book is built once per session from the project's real data in a temporary copy of the
project (``conftest.built_project``) and served on 127.0.0.1. Every page is opened once;
console errors, failed or refused requests and requests leaving localhost (for the page's
whole life, including after searching, filtering and sorting its tables), figures and
links as rendered, and an axe-core accessibility scan (WCAG 2.1 A and AA rules; serious
and critical findings fail, moderate and minor ones are reported) are recorded on that
visit (``site_visit``, started in the background as soon as the book is built) and checked
by the tests below. Every page is also opened 390 pixels wide (a phone), and every page's text is scanned for values written as a data frame prints them. The
checker functions live in ``browser_support`` and are shown to catch a missing alt text, a
broken link and a badly written number on hand-broken copies of pages (these self-tests
need no browser).

Without Chromium the browser tests are skipped with a message saying how to install it;
under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pytest
from browser_support import (
    PageWatch,
    content_image_count,
    image_problems,
    internal_link_count,
    link_problems,
    number_problems,
    serve,
    site_pages,
)
from site_visit import PAGE_TIMEOUT_MS, axe_violations, start_axe

from citytools_analysis.release.processed import read_table


class AccessibilityNotice(UserWarning):
    """A moderate or minor axe finding: reported in the test output, never a failure."""


pytestmark = pytest.mark.slow


@pytest.mark.browser
def test_every_page_loads_without_console_errors_or_failed_requests(visit, built_site):
    assert set(visit.rendered) | set(visit.redirects) == set(site_pages(built_site))
    assert len(visit.rendered) >= 4
    assert visit.console_errors == []
    assert visit.request_problems == []


@pytest.mark.browser
def test_every_figure_is_an_image_with_alt_text_that_loads(visit):
    assert image_problems(visit.rendered) == []
    assert visit.unloaded_images == []
    # The findings chapters draw figures: a check over no image would prove nothing.
    assert content_image_count(visit.rendered) >= 5


@pytest.mark.browser
def test_every_internal_link_and_anchor_resolves(visit, built_site):
    assert link_problems(visit.rendered, built_site) == []
    assert internal_link_count(visit.rendered) >= 50


@pytest.mark.browser
def test_no_serious_accessibility_violations_at_wcag21_aa(visit):
    # Moderate and minor findings are reported (in the warnings summary and on standard
    # output), so they are seen and can be fixed, but do not fail the run.
    if visit.axe_other:
        print(f"axe: {len(visit.axe_other)} moderate or minor finding(s):")
        print("\n".join(visit.axe_other))
        for line in visit.axe_other:
            warnings.warn(line, AccessibilityNotice, stacklevel=1)
    assert visit.axe_violations == [], "\n".join(visit.axe_violations)


@pytest.mark.browser
def test_every_page_fits_a_phone_screen(visit, built_site):
    # 390 pixels wide: no figure or table reaches past the screen's edge out of reach (a
    # wide table may scroll sideways inside its own box), and no page is wider than it.
    assert set(visit.phone_pages) == set(visit.rendered)
    assert visit.phone_problems == [], "\n".join(visit.phone_problems)
    assert visit.phone_console_errors == []
    assert visit.phone_request_problems == []


@pytest.mark.browser
def test_no_page_shows_na_nan_nat_or_decimal_money(visit, built_site):
    # As written to disk (every page) and as the browser shows it (tables drawn by scripts).
    assert number_problems(site_pages(built_site)) == []
    assert number_problems(visit.rendered) == []


@pytest.mark.browser
def test_search_finds_the_largest_supplier_by_name(chromium_browser, site_url, built_project):
    systems = read_table("systems", built_project / "data" / "processed")
    supplier = (
        systems["supplier"]
        .dropna()
        .value_counts()
        .sort_index()
        .sort_values(ascending=False, kind="stable")
        .index[0]
    )
    page = chromium_browser.new_page()
    watch = PageWatch(page, "search.html")
    page.goto(site_url + "search.html?q=" + supplier.replace(" ", "+"), wait_until="load")
    page.wait_for_function(
        "() => /Search finished/.test(document.getElementById('search-results')?.innerText)"
    )
    results = page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.getAttribute('href'))"
    )
    page.wait_for_load_state("networkidle")
    page.close()
    assert watch.problems == []
    assert results, f"searching for {supplier!r} found no page"
    pages = {path.split("#")[0].split("?")[0] for path in results}
    texts = [
        re.sub(r"\s+", " ", (built_project / "_build" / "html" / p).read_text("utf-8"))
        for p in pages
    ]
    assert any(supplier in text for text in texts)


def _borough_to_filter_by(processed: Path) -> tuple[str, int]:
    """The authority with most systems whose name is in no other's name, and that count."""
    systems = read_table("systems", processed)
    authorities = read_table("authorities", processed)
    names = dict(zip(authorities["gss_code"], authorities["short_name"]))
    counts = systems["gss_code"].value_counts()
    distinct = [
        code
        for code in sorted(counts.index, key=lambda c: (-counts[c], c))
        if sum(names[code] in other for other in names.values()) == 1
    ]
    return names[distinct[0]], int(counts[distinct[0]])


@pytest.mark.browser
def test_an_explorer_table_filters_by_borough(visit, chromium_browser, site_url, built_project):
    explorers = [
        path
        for path, text in visit.rendered.items()
        if re.search(r'class="[^"]*\bdt-container\b', text)
        and path.startswith("book/_generated/explore/")
    ]
    assert explorers, "this build has no explorer page (an interactive itables table)"
    processed = built_project / "data" / "processed"
    borough, systems_there = _borough_to_filter_by(processed)
    total_systems = len(read_table("systems", processed))
    checked = []
    for path in explorers:
        page = chromium_browser.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        watch = PageWatch(page, path)
        page.goto(site_url + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        table = page.get_attribute(".dt-search input[type=search]", "aria-controls")
        box = page.locator('input[type="text"][placeholder="Authority"]')
        if not table or not box.count():
            page.close()
            continue  # no Authority column filter on this page
        column = box.first.evaluate("input => input.closest('th').cellIndex")
        expected = _rows_naming(
            _embedded_rows(built_project / "_build" / "html" / path, table), column, borough
        )
        info = page.locator(f"#{table}_info")
        before = info.inner_text()
        box.first.press_sequentially(borough)  # the filter listens to key presses
        page.wait_for_function(
            "([el, old]) => el.innerText !== old", arg=[info.element_handle(), before]
        )
        shown = page.eval_on_selector_all(
            f"#{table} > tbody > tr > td:nth-child({column + 1})",
            "cells => cells.map(c => c.innerText.trim())",
        )
        after = info.inner_text()
        page.wait_for_load_state("networkidle")
        page.close()
        assert shown and set(shown) == {borough}, (path, shown[:5])
        # Exactly the rows of the page's own data that name the borough ...
        assert _entries(after) == expected, (path, after, expected)
        # ... and, where the table has one row per system, the release's count there.
        if _entries(before) == total_systems:
            assert _entries(after) == systems_there, (path, after)
        assert watch.problems == [], watch.problems
        checked.append(path)
    assert checked, "no explorer page has an Authority column filter"


def _embedded_rows(page_file: Path, table_id: str) -> list[list]:
    """The rows an itables table embeds in its page (its ``data_json``), read from the file."""
    import json

    text = page_file.read_text(encoding="utf-8")
    start = text.index(f'<table id="{table_id}"')
    found = re.compile(r'"data_json": ("(?:[^"\\]|\\.)*")').search(text, start)
    assert found, f"{page_file.name}: no embedded data for #{table_id}"
    return json.loads(json.loads(found.group(1)))


def _rows_naming(rows: list[list], column: int, name: str) -> int:
    """How many rows a DataTables column filter for ``name`` keeps (case-insensitive match)."""
    return sum(1 for row in rows if name.lower() in str(row[column]).lower())


def _entries(info: str) -> int:
    """The number of matching rows in a DataTables summary ("Showing 1 to 10 of 27 entries")."""
    return int(re.search(r"of ([\d,]+) entries", info).group(1).replace(",", ""))


# --- the checkers catch breakage (no browser needed) -----------------------------------


def _page_with_figures(site: Path) -> str:
    pages = site_pages(site)
    return next(
        path
        for path, text in sorted(pages.items())
        if content_image_count({path: text}) and "citytools-figure" in text
    )


def test_checkers_pass_the_built_pages_as_written(built_site):
    pages = site_pages(built_site)
    assert image_problems(pages) == []
    assert link_problems(pages, built_site) == []


def test_checkers_report_a_figure_whose_alt_text_was_removed(built_site, tmp_path):
    site = tmp_path / "html"
    shutil.copytree(built_site, site)
    path = _page_with_figures(site)
    page = site / path
    text = page.read_text(encoding="utf-8")
    broken, count = re.subn(r'(<img\b[^>]*?)\balt="[^"]*"', r'\1alt=""', text, count=1)
    assert count == 1
    page.write_text(broken, encoding="utf-8")

    problems = image_problems(site_pages(site))

    assert len(problems) == 1 and problems[0].startswith(f"{path}: <img")
    assert "empty alt text" in problems[0]
    removed = re.sub(r'(<img\b[^>]*?)\balt="[^"]*"', r"\1", text, count=1)
    assert "no alt attribute" in image_problems({path: removed})[0]


def test_checkers_report_a_broken_link_and_a_missing_anchor(built_site, tmp_path):
    site = tmp_path / "html"
    shutil.copytree(built_site, site)
    page = site / "book" / "intro.html"
    text = page.read_text(encoding="utf-8")
    link = re.search(r'<a class="reference internal" href="([^"#]+\.html)', text)
    assert link, "the introduction links to no other page"
    target = link.group(1)
    broken = text.replace(f'href="{target}"', 'href="no-such-page.html"', 1)
    broken = broken.replace('href="#main-content"', 'href="#no-such-anchor"', 1)
    page.write_text(broken, encoding="utf-8")

    problems = link_problems(site_pages(site), site)

    assert any("'no-such-page.html'" in line and "does not exist" in line for line in problems)
    assert any(
        "'#no-such-anchor'" in line and "no id 'no-such-anchor'" in line for line in problems
    )
    assert all(line.startswith("book/intro.html: ") for line in problems)


def test_link_checker_on_a_hand_written_site(tmp_path):
    pages = {
        "index.html": (
            '<a id="top" href="#top">top</a><a href="a/">folder</a>'
            '<a href="a/page.html#sec">section</a><a href="https://example.org/">out</a>'
            '<a href="mailto:x@example.org">mail</a>'
        ),
        "a/index.html": '<a href="../index.html#missing">bad anchor</a><img src="../img.png" alt="">',
        "a/page.html": (
            '<h2 id="sec">S</h2><a href="../../outside.html">escape</a>'
            '<link rel="stylesheet" href="style.css">'
        ),
        "redirect.html": '<meta http-equiv="Refresh" content="0; url=a/gone.html" />',
    }
    for path, text in pages.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")

    assert link_problems(pages, tmp_path) == [
        "a/index.html: <a> '../index.html#missing': no id 'missing' in index.html",
        "a/index.html: <img> '../img.png': img.png does not exist",
        "a/page.html: <a> '../../outside.html' points outside the site",
        "a/page.html: <link> 'style.css': a/style.css does not exist",
        "redirect.html: <meta> 'a/gone.html': a/gone.html does not exist",
    ]
    assert internal_link_count(pages) == 8  # 3 + 2 + 2 + 1: the web and mail links are out


def test_image_checker_on_a_hand_written_page():
    page = (
        '<img src="logo.png"><article><figure><img src="f.png" alt=" "></figure>'
        '<figure><p>a table, not an image</p></figure><img src="ok.png" alt="Bar chart">'
        "<pre>&lt;Figure size 640x480 with 1 Axes&gt;</pre></article>"
        '<img src="decoration.png" alt="">'
    )
    assert image_problems({"p.html": page}) == [
        "p.html: <img src='logo.png'> has no alt attribute",
        "p.html: <img src='f.png'> in the content has empty alt text",
        "p.html: 1 <figure>(s) without an <img>",
        "p.html: a matplotlib figure repr is shown instead of an image",
    ]
    assert content_image_count({"p.html": page}) == 2


@pytest.mark.browser
def test_axe_reports_an_image_without_alt_text(chromium_browser, tmp_path):
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>Test</title></head><body><main>'
        '<h1>Test</h1><img src="chart.png"></main></body></html>',
        encoding="utf-8",
    )
    with serve(tmp_path) as url:
        page = chromium_browser.new_page()
        page.goto(url + "index.html", wait_until="load")
        start_axe(page)
        violations = axe_violations(page)
        page.close()
    assert [(v["id"], v["impact"]) for v in violations] == [("image-alt", "critical")]


def test_number_checker_on_a_hand_written_page():
    page = (
        "<article><p>Barnet plans to replace it by 2022; until year: 2,022.</p>"
        "<table><tr><td>310000.0</td><td>£1,200.0</td><td>&lt;NA&gt;</td><td>nan</td>"
        "<td>NaT</td><td>98.8</td><td>£310,000</td><td>not stated</td></tr></table>"
        "<p>Contracts end between 31 March 2020 and 31 March 2020, and between "
        "30 September 2019 and 31 March 2020.</p>"
        "<script>const hidden = 'nan <NA> 310000.0';</script></article>"
    )
    found = [line.split(": ")[1] for line in number_problems({"p.html": page})]
    assert sorted(found) == sorted(
        [
            "a missing value shown as <NA>",
            "a missing value shown as nan",
            "a missing date shown as NaT",
            "money with a .0",
            "a whole amount written with .0",
            "a year with a thousands separator",
            "a range whose ends are one date",
        ]
    )
