"""Session fixtures shared by the browser, leak and reproducibility tests: one book build, its server, one browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import build_copy, chromium_context, require_chromium, serve


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with the book built from its real data (once per test session).

    ``CITYTOOLS_BUILT_PROJECT=<folder>`` reuses a copy built earlier (while writing tests).
    """
    reuse = os.environ.get("CITYTOOLS_BUILT_PROJECT")
    if reuse:
        return Path(reuse)
    target = tmp_path_factory.mktemp("book-build") / "project"
    try:
        return build_copy(target)
    except RuntimeError as error:
        pytest.fail(str(error))


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
