"""The test session's books, built in the background while the other tests run.

A session needs up to four long pieces of work: the book built from the real data in a copy
of the project (``conftest.built_project``), the book built from the fixture survey
(``conftest.fixture_book``), and, for the reproducibility tests, the real data's notebooks
run again under nbval and its web book built again (``test_reproducible``). Each runs in
processes of its own, so ``conftest`` starts them as soon as the tests are collected, in
background threads, and the tests that read them are run last: the many short tests run
meanwhile on the other core. Every check is the same as when each fixture built its book
at first use; only the waiting is shorter.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from browser_support import build_environment, copy_project, run_process

from citytools_analysis.build.pipeline import CLEANING_NOTEBOOK
from citytools_analysis.core.paths import COMPARISON_STORE, FINDINGS_STORE, PROJECT_ROOT

TESTS_DIR = Path(__file__).resolve().parent
NBVAL_TIMEOUT_SECONDS = 3600
FIXTURE_BUILD_TIMEOUT_SECONDS = 1800


class Background:
    """A piece of work started now in a thread; :meth:`result` waits for it."""

    def __init__(self, work: Callable[[], Any], name: str) -> None:
        self._future: Future = Future()
        self._thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self._future.set_result(work())
        except BaseException as error:  # noqa: BLE001 - handed to whoever waits
            self._future.set_exception(error)

    def result(self) -> Any:
        """The work's value, or its exception raised again."""
        return self._future.result()


# --- the book from the fixture survey -------------------------------------------------------


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


# The fixture survey's two returns (Camden, the GLA), and two authorities without one: every
# other authority's profile page would be the same "no return" page again. The book from the
# real data has every authority's profile.
FIXTURE_PROFILES = ("E09000007", "E61000001", "E09000001", "E09000033")


def build_fixture_book(base: Path) -> FixtureBook:
    """The whole book built from the fixture survey in ``base``: every notebook, and the
    profiles of :data:`FIXTURE_PROFILES`.

    The survey is the hand-written fixture returns plus the hostile rows (HTML and
    formula-like text in Camden's return, ``fixture_returns.write_hostile_survey``), so the
    build, notebook and leak tests all read this one book instead of building three.
    """
    from fixture_returns import write_hostile_survey

    from citytools_analysis.build import pipeline as build
    from citytools_analysis.core.paths import BOOK_DIR, PROJECT_ROOT

    root = base / "root"
    root.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(PROJECT_ROOT / "_toc.yml", root / "_toc.yml")
    shutil.copytree(BOOK_DIR, root / "book", ignore=shutil.ignore_patterns("_generated"))
    survey = write_hostile_survey(base / "survey")
    processed = root / "data" / "processed"
    parameters = build.with_previous_round(
        {"survey_dir": str(survey), "processed_dir": str(processed), "truth_dir": ""}
    )
    report = build.build_book_report(
        2,
        generated_dir=root / "book" / "_generated",
        build_dir=root / "_build",
        parameters=parameters,
        book_root=root,
        authorities=FIXTURE_PROFILES,
        progress=False,
    )
    return FixtureBook(
        root, survey, processed, root / "book" / "_generated", root / "_build", parameters, report
    )


FIXTURE_BOOK_PICKLE = "fixture-book.pickle"


def fixture_book_in_a_process(base: Path) -> FixtureBook:
    """:func:`build_fixture_book` run by a child Python process (this module's ``__main__``).

    In a process of its own the build is untouched by what the tests running meanwhile
    patch in this one.
    """
    result = run_process(
        [sys.executable, str(Path(__file__)), str(base)],
        cwd=TESTS_DIR.parent,
        env=os.environ,
        timeout=FIXTURE_BUILD_TIMEOUT_SECONDS,
    )
    made = base / FIXTURE_BOOK_PICKLE
    if result.returncode != 0 or not made.is_file():
        raise RuntimeError(
            f"the fixture book did not build (exit {result.returncode}):\n"
            + result.stdout[-3000:]
            + result.stderr[-3000:]
        )
    with made.open("rb") as handle:
        return pickle.load(handle)  # noqa: S301 - written just now by the child process


# --- the reproducibility checks' second run -------------------------------------------------


def executed_notebooks(project: Path) -> list[Path]:
    """A build's executed notebooks, the cleaning notebook first, then in path order."""
    generated = project / "book" / "_generated"
    found = sorted(generated.rglob("*.ipynb"), key=lambda p: p.relative_to(generated).as_posix())
    found = [p for p in found if ".ipynb_checkpoints" not in p.parts]
    return sorted(found, key=lambda p: p.name != CLEANING_NOTEBOOK)


def _sanitize_file(path: Path, folders: list[Path]) -> Path:
    """An nbval sanitize file that writes each project folder as ``<project>``."""
    import re

    sections = [
        f"[project-folder-{number}]\nregex: {re.escape(str(folder))}\nreplace: <project>\n"
        for number, folder in enumerate(folders)
    ]
    path.write_text("\n".join(sections), encoding="utf-8")
    return path


def second_run(built_project: Path, base: Path) -> tuple[Path, Any]:
    """A fresh copy of the inputs in which nbval re-executes the first build's notebooks.

    The inputs are copied from the first build's own copy of the project (so an edit to the
    working tree while the tests run cannot change them), without its outputs:
    ``data/processed/`` is removed, and the cleaning notebook must write it again. Each
    executed notebook is copied into the root of the new copy (sub-folders written as
    ``__``), so its kernel starts in the project root as in the build.
    """
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    project = copy_project(base / "project", built_project)
    shutil.rmtree(project / "data" / "processed")
    # The findings and the comparison with the round before, as the first build stored them
    # for its chapters: a chapter reads them only if the release cleaned again here is the
    # same, byte for byte, and computes them itself otherwise (core.build_store).
    for store in (FINDINGS_STORE, COMPARISON_STORE):
        made = built_project / store.relative_to(PROJECT_ROOT)
        if made.is_file():
            (project / "_build").mkdir(exist_ok=True)
            shutil.copy2(made, project / store.relative_to(PROJECT_ROOT))
    generated = built_project / "book" / "_generated"
    copies = []
    for path in executed_notebooks(built_project):
        target = project / ("nbval__" + path.relative_to(generated).as_posix().replace("/", "__"))
        target.write_bytes(path.read_bytes())
        copies.append(target)
    sanitize = _sanitize_file(project / "nbval-sanitize.cfg", [built_project, project])
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(sanitize),
    ]
    environment = build_environment(project)

    def nbval(batch: list[Path]) -> subprocess.CompletedProcess:
        return run_process(
            [*command, *map(str, batch)],
            cwd=project,
            env=environment,
            timeout=NBVAL_TIMEOUT_SECONDS,
        )

    # The cleaning notebook first (it writes data/processed/), then the others split
    # across one nbval process per core, instead of one after another.
    cleaning, others = copies[:1], copies[1:]
    workers = max(1, os.cpu_count() or 1)
    results = [nbval(cleaning)]
    if results[0].returncode == 0:
        batches = [batch for batch in (others[n::workers] for n in range(workers)) if batch]
        with ThreadPoolExecutor(len(batches)) as pool:
            results += list(pool.map(nbval, batches))
    result = subprocess.CompletedProcess(
        command,
        max(r.returncode for r in results),
        "\n".join(r.stdout for r in results),
        "\n".join(r.stderr for r in results),
    )
    return project, result


def second_book(built_project: Path, base: Path) -> tuple[Path, Any]:
    """The web book built again from the first build's executed notebooks, in a new folder.

    A fresh copy of the first build's inputs gets its executed notebooks, its release and
    its ``_build`` folder, and ``jupyter-book`` (through ``pipeline.build_html``, as
    ``citytools build`` calls it) builds again over it, as a second ``citytools build``
    in place would. Re-executing the notebooks is what :func:`second_run` checks; this
    checks the step from notebooks to pages.
    """
    project = copy_project(base / "project", built_project)
    shutil.copytree(built_project / "book" / "_generated", project / "book" / "_generated")
    # The first build's output too: the second writes over it, as a rebuild in place does.
    shutil.copytree(built_project / "_build", project / "_build")
    shutil.rmtree(project / "data" / "processed")
    shutil.copytree(built_project / "data" / "processed", project / "data" / "processed")
    result = run_process(
        [
            sys.executable,
            "-c",
            (
                "import sys; from citytools_analysis.build.pipeline import build_html; "
                "from citytools_analysis.build import publish; "
                "from citytools_analysis.core.paths import BUILD_DIR; "
                "code = build_html(full=True, quiet=True); "
                # the build publishes the staged downloads and API after the pages
                "code == 0 and publish.install(BUILD_DIR / publish.STAGING_FOLDER, BUILD_DIR / 'html'); "
                "sys.exit(code)"
            ),
        ],
        cwd=project,
        env=build_environment(project),
        timeout=NBVAL_TIMEOUT_SECONDS,
    )
    return project, result


if __name__ == "__main__":  # the child process of fixture_book_in_a_process
    import session_builds  # this module by its name, so that the pickle names it so

    folder = Path(sys.argv[1])
    book = session_builds.build_fixture_book(folder)
    with (folder / FIXTURE_BOOK_PICKLE).open("wb") as handle:
        pickle.dump(book, handle)
