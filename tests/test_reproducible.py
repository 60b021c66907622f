"""Reproducible to the byte: a second run from the same inputs gives the same release and outputs.

The first build is the session's (``conftest.built_project``: ``citytools build`` in a copy
of the project). The second run starts from a fresh copy of the same inputs and re-executes
every notebook that build executed, under nbval in strict mode: the cleaning notebook
first (it writes ``data/processed/``), then every other one, each in a new kernel of this
environment, split across one nbval process per core. nbval compares every output of every cell with the first build's.

What must be equal
------------------
- ``data/processed/``: every file, byte for byte, between the two runs; and the committed
  release is byte for byte what a build makes from ``data/raw/``.
- Executed notebooks: every text output (streams, ``text/plain``, ``text/html``,
  ``text/markdown``, errors), compared by nbval as text. The only sanitising is the
  project's folder, which differs between the two copies and is written as ``<project>``.
- Figures: the book's figures are PNGs embedded in each figure's ``text/html`` output
  (``plots.show_figure``), rendered without software or time metadata, so nbval's text
  comparison compares the PNG bytes exactly. nbval skips bare ``image/png`` outputs, so
  the first build must have none: a figure shown any other way fails here.
- The web book: ``_build/html`` built a second time, in a fresh copy in another folder,
  over the first build's output, from the same executed notebooks and data, is byte for
  byte the first (every page, the search index, every asset). ``pipeline.build_html``
  writes the pages afresh each time: written over an earlier build, Sphinx would keep
  emptied entries in the search index and add checksums to some stylesheet links. With the notebooks' outputs the same (above), two builds
  from the same inputs give the same ``_build/html``. Nothing is exempt: the footer's
  commit and data hash, the copyright years and every table id come from the inputs, and
  no page carries a build time or the build's folder.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from browser_support import build_environment, copy_project

from citytools_analysis.build.pipeline import CLEANING_NOTEBOOK
from citytools_analysis.core.paths import PROCESSED_DIR

NBVAL_TIMEOUT_SECONDS = 3600
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


def executed_notebooks(project: Path) -> list[Path]:
    """A build's executed notebooks, the cleaning notebook first, then in path order."""
    generated = project / "book" / "_generated"
    found = sorted(generated.rglob("*.ipynb"), key=lambda p: p.relative_to(generated).as_posix())
    found = [p for p in found if ".ipynb_checkpoints" not in p.parts]
    return sorted(found, key=lambda p: p.name != CLEANING_NOTEBOOK)


def bare_image_outputs(path: Path) -> list[str]:
    """Outputs of a notebook that carry an image outside HTML (nbval would not compare them)."""
    notebook = nbformat.read(path, as_version=4)
    found = []
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            kinds = [kind for kind in output.get("data", {}) if kind in IMAGE_TYPES]
            found += [f"{path.name} cell {number}: {kind}" for kind in kinds]
    return found


def differing_files(first: Path, second: Path) -> list[str]:
    """Files of two folders that are missing from one or differ in a byte (relative paths)."""
    one = {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()}
    two = {p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file()}
    differ = sorted(one ^ two)
    differ += [
        name
        for name in sorted(one & two)
        if not filecmp.cmp(first / name, second / name, shallow=False)
    ]
    return differ


def _sanitize_file(path: Path, folders: list[Path]) -> Path:
    """An nbval sanitize file that writes each project folder as ``<project>``."""
    import re

    sections = [
        f"[project-folder-{number}]\nregex: {re.escape(str(folder))}\nreplace: <project>\n"
        for number, folder in enumerate(folders)
    ]
    path.write_text("\n".join(sections), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def second_run(built_project: Path, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A fresh copy of the inputs in which nbval re-executes the first build's notebooks.

    The inputs are copied from the first build's own copy of the project (so an edit to the
    working tree while the tests run cannot change them), without its outputs:
    ``data/processed/`` is removed, and the cleaning notebook must write it again. Each
    executed notebook is copied into the root of the new copy (sub-folders written as
    ``__``), so its kernel starts in the project root as in the build.
    """
    project = copy_project(tmp_path_factory.mktemp("second-run") / "project", built_project)
    shutil.rmtree(project / "data" / "processed")
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

    def nbval(batches: list[list[Path]]) -> list[subprocess.CompletedProcess]:
        """nbval over each batch at once, one process per batch (as the build's pool)."""
        running = [
            subprocess.Popen(
                [*command, *map(str, batch)],
                cwd=project,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for batch in batches
            if batch
        ]
        done = []
        for process in running:
            out, err = process.communicate(timeout=NBVAL_TIMEOUT_SECONDS)
            done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
        return done

    # The cleaning notebook first (it writes data/processed/), then the others split
    # across one nbval process per core, instead of one after another.
    cleaning, others = copies[:1], copies[1:]
    workers = max(1, os.cpu_count() or 1)
    results = nbval([cleaning])
    if results[0].returncode == 0:
        results += nbval([others[number::workers] for number in range(workers)])
    result = subprocess.CompletedProcess(
        command,
        max(r.returncode for r in results),
        "\n".join(r.stdout for r in results),
        "\n".join(r.stderr for r in results),
    )
    return project, result


@pytest.mark.slow
def test_the_first_build_shows_no_figure_that_nbval_would_skip(built_project):
    notebooks = executed_notebooks(built_project)
    assert notebooks and notebooks[0].name == CLEANING_NOTEBOOK
    assert [line for path in notebooks for line in bare_image_outputs(path)] == []


@pytest.mark.slow
def test_every_text_output_is_the_same_when_the_notebooks_run_again(second_run):
    project, result = second_run
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


@pytest.mark.slow
def test_the_processed_data_is_byte_identical_between_the_two_runs(built_project, second_run):
    project, _ = second_run
    first, second = built_project / "data" / "processed", project / "data" / "processed"
    assert sorted(p.name for p in second.iterdir()) == sorted(p.name for p in first.iterdir())
    assert differing_files(first, second) == []


@pytest.mark.slow
def test_the_committed_release_is_what_a_build_makes_from_the_raw_data(built_project):
    differ = differing_files(PROCESSED_DIR, built_project / "data" / "processed")
    assert differ == [], (
        "data/processed/ is not what the code makes from data/raw/: run `make report` and "
        f"commit data/processed/ ({', '.join(differ)})"
    )


def test_differing_files_reports_a_changed_byte_and_a_missing_file(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        (folder / "sub").mkdir(parents=True)
        (folder / "same.csv").write_bytes(b"x\n1\n")
    (first / "sub" / "t.csv").write_bytes(b"x\n1\n")
    (second / "sub" / "t.csv").write_bytes(b"x\n2\n")
    (first / "only.json").write_text("{}")
    assert differing_files(first, second) == ["only.json", "sub/t.csv"]


def test_bare_image_outputs_are_found(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    notebook = new_notebook(
        cells=[
            new_code_cell(
                "1", outputs=[new_output("execute_result", {"text/plain": "1"}, execution_count=1)]
            ),
            new_code_cell(
                "plt.show()",
                outputs=[
                    new_output(
                        "display_data",
                        {
                            "image/png": "iVBORw0KGgo=",
                            "text/plain": "<Figure size 640x480 with 1 Axes>",
                        },
                    )
                ],
            ),
        ]
    )
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    assert bare_image_outputs(path) == ["n.ipynb cell 1: image/png"]


@pytest.fixture(scope="module")
def second_book(built_project: Path, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The web book built again from the first build's executed notebooks, in a new folder.

    A fresh copy of the first build's inputs gets its executed notebooks, its release and
    its ``_build`` folder, and ``jupyter-book`` (through ``pipeline.build_html``, as
    ``citytools build`` calls it) builds again over it, as a second ``citytools build``
    in place would. Re-executing the notebooks is what
    ``second_run`` checks; this checks the step from notebooks to pages.
    """
    project = copy_project(tmp_path_factory.mktemp("second-book") / "project", built_project)
    shutil.copytree(built_project / "book" / "_generated", project / "book" / "_generated")
    # The first build's output too: the second writes over it, as a rebuild in place does.
    shutil.copytree(built_project / "_build", project / "_build")
    shutil.rmtree(project / "data" / "processed")
    shutil.copytree(built_project / "data" / "processed", project / "data" / "processed")
    result = subprocess.run(
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
        capture_output=True,
        text=True,
        timeout=NBVAL_TIMEOUT_SECONDS,
        check=False,
    )
    return project, result


@pytest.mark.slow
def test_the_web_book_is_byte_identical_when_built_again(built_project, second_book):
    project, result = second_book
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    first, second = built_project / "_build" / "html", project / "_build" / "html"
    assert (second / "index.html").is_file()
    assert differing_files(first, second) == []
