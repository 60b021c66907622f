"""Session fixtures: one book built from the real data (browser, leak and reproducibility
tests), its server, one browser; and one book built from the fixture survey (the build and
notebook tests), so that no test file builds either again.

The long builds start in the background as soon as the tests are collected
(:mod:`session_builds`), and the test files that read them run last, so that the short
tests run while the books build.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import session_builds
from browser_support import (
    build_copy,
    chromium_context,
    require_chromium,
    serve,
    stop_processes,
)
from session_builds import Background, FixtureBook, fixture_book_in_a_process
from site_visit import SiteVisit, visit_site

__all__ = ["FixtureBook"]

# Fixtures whose work is started in the background when a collected test needs them.
_REAL_BOOK = "built_project"
_FIXTURE_BOOK = "fixture_book"
_SECOND_RUN = "second_run"
_SECOND_BOOK = "second_book"
_VISIT = "visit"
_BUILT_LATE = {_REAL_BOOK, _FIXTURE_BOOK, _SECOND_RUN, _SECOND_BOOK, _VISIT}

_started: dict[str, Background] = {}
_folders: list[Path] = []


def _folder(name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"citytools-{name}-"))
    _folders.append(folder)
    return folder


def _real_book() -> Path:
    reuse = os.environ.get("CITYTOOLS_BUILT_PROJECT")
    return Path(reuse) if reuse else build_copy(_folder("book-build") / "project")


def pytest_collection_modifyitems(session, config, items) -> None:
    """Start the builds the collected tests need, and run the files that read them last.

    Files stay whole (their module fixtures are set up once); the order of the tests within
    each group is kept.
    """
    needed = set().union(*(set(item.fixturenames) for item in items)) if items else set()
    # Each file waits for the latest of the builds it reads: the fixture book is ready first,
    # then the book from the real data, then its second run.
    waits: dict[str, int] = {}
    for item in items:
        names = set(item.fixturenames)
        rank = (
            3
            if names & {_SECOND_RUN, _SECOND_BOOK}
            else 2
            if _REAL_BOOK in names
            else 1
            if _FIXTURE_BOOK in names
            else 0
        )
        path = item.nodeid.split("::")[0]
        waits[path] = max(waits.get(path, 0), rank)
    items.sort(key=lambda item: waits[item.nodeid.split("::")[0]])
    if config.option.collectonly:
        return
    if needed & {_REAL_BOOK, _SECOND_RUN, _SECOND_BOOK}:
        real = _started[_REAL_BOOK] = Background(_real_book, "built_project")
        if _SECOND_RUN in needed:
            _started[_SECOND_RUN] = Background(
                lambda: session_builds.second_run(real.result(), _folder("second-run")),
                "second_run",
            )
        if _SECOND_BOOK in needed:
            _started[_SECOND_BOOK] = Background(
                lambda: session_builds.second_book(real.result(), _folder("second-book")),
                "second_book",
            )
        if _VISIT in needed:
            # The browser's visit of every page starts as soon as the book is built, and goes
            # on (mostly waiting for pages to settle) while the other tests run.
            _started[_VISIT] = Background(
                lambda: visit_site(real.result() / "_build" / "html"), "visit"
            )
    if _FIXTURE_BOOK in needed:
        _started[_FIXTURE_BOOK] = Background(
            lambda: fixture_book_in_a_process(_folder("fixture-book")), "fixture_book"
        )


def pytest_sessionfinish(session, exitstatus) -> None:
    """Stop any build still running (a session ended early), and remove the builds' folders."""
    stop_processes()
    if not os.environ.get("CITYTOOLS_KEEP_BUILDS"):
        for folder in _folders:
            shutil.rmtree(folder, ignore_errors=True)


def _result(name: str, start):
    """The background work ``name`` (started at collection), or ``start()`` now."""
    background = _started.get(name) or _started.setdefault(name, Background(start, name))
    return background.result()


@pytest.fixture(scope="session")
def fixture_book() -> FixtureBook:
    """The whole book (every notebook, every profile) built once from the fixture survey.

    See :func:`session_builds.build_fixture_book`; built in a process of its own.
    """
    return _result(_FIXTURE_BOOK, lambda: fixture_book_in_a_process(_folder("fixture-book")))


@pytest.fixture(scope="session")
def built_project() -> Path:
    """A copy of the project with the book built from its real data (once per test session).

    ``CITYTOOLS_BUILT_PROJECT=<folder>`` reuses a copy built earlier (while writing tests).
    """
    try:
        return _result(_REAL_BOOK, _real_book)
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def second_run(built_project: Path):
    """The real data's notebooks run again under nbval (``session_builds.second_run``)."""
    return _result(
        _SECOND_RUN, lambda: session_builds.second_run(built_project, _folder("second-run"))
    )


@pytest.fixture(scope="session")
def second_book(built_project: Path):
    """The real data's web book built again (``session_builds.second_book``)."""
    return _result(
        _SECOND_BOOK, lambda: session_builds.second_book(built_project, _folder("second-book"))
    )


@pytest.fixture(scope="session")
def visit(built_site: Path) -> SiteVisit:
    """Every page of the real data's book visited once in Chromium (:mod:`site_visit`)."""
    return _result(_VISIT, lambda: visit_site(built_site))


@pytest.fixture(scope="session")
def built_site(built_project: Path) -> Path:
    """The built web book: ``_build/html`` of the copy."""
    return built_project / "_build" / "html"


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built book served on 127.0.0.1 (URL ending in ``/``)."""
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; the test is skipped without it, or fails under ``CI=true``."""
    return require_chromium()


@pytest.fixture(scope="session")
def chromium_browser(chromium: str) -> Iterator[object]:
    """A Playwright browser context in that Chromium, with a fresh profile."""
    with chromium_context(chromium) as context:
        yield context


@pytest.fixture(autouse=True)
def _figures_closed() -> Iterator[None]:
    """Close the figures a test drew (a notebook's inline backend closes each after its cell;
    in the tests they would pile up, and matplotlib warns past twenty)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
