"""Session fixtures: one book built from the real data (browser, leak and reproducibility
tests), its server, one browser; and one book built from the fixture survey (the build and
notebook tests), so that no test file builds either again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import build_copy, chromium_context, require_chromium, serve


@dataclass(frozen=True)
class FixtureBook:
    """A book built from the fixture survey: where everything went, and what the build did."""

    root: Path
    survey: Path
    processed: Path
    generated: Path
    build_dir: Path
    parameters: dict
    report: object  # citytools_analysis.build.pipeline.BuildReport


@pytest.fixture(scope="session")
def fixture_book(tmp_path_factory: pytest.TempPathFactory) -> FixtureBook:
    """The whole book (every notebook, every profile) built once from the fixture survey.

    The survey is the hand-written fixture returns plus the hostile rows (HTML and
    formula-like text in Camden's return, ``fixture_returns.write_hostile_survey``), so the
    build, notebook and leak tests all read this one book instead of building three.
    """
    import shutil

    from fixture_returns import write_hostile_survey

    from citytools_analysis.build import pipeline as build
    from citytools_analysis.core.paths import BOOK_DIR, PROJECT_ROOT

    base = tmp_path_factory.mktemp("fixture-book")
    root = base / "root"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(PROJECT_ROOT / "_toc.yml", root / "_toc.yml")
    shutil.copytree(BOOK_DIR, root / "book", ignore=shutil.ignore_patterns("_generated"))
    survey = write_hostile_survey(base / "survey")
    processed = root / "data" / "processed"
    parameters = {"survey_dir": str(survey), "processed_dir": str(processed), "truth_dir": ""}
    report = build.build_book_report(
        2,
        generated_dir=root / "book" / "_generated",
        build_dir=root / "_build",
        parameters=parameters,
        book_root=root,
        progress=False,
    )
    return FixtureBook(
        root, survey, processed, root / "book" / "_generated", root / "_build", parameters, report
    )


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
