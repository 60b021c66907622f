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
  byte the first (every page, the search index, every asset). With the notebooks'
  outputs the same (above), two builds from the same inputs give the same ``_build/html``;
  that a book written over the last one, only where pages changed, is the book written
  afresh is ``test_book_pages``. Nothing is exempt: the footer's
  commit and data hash, the copyright years and every table id come from the inputs, and
  no page carries a build time or the build's folder.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import nbformat
import pytest
from session_builds import executed_notebooks

from citytools_analysis.build.pipeline import CLEANING_NOTEBOOK
from citytools_analysis.core.paths import PROCESSED_DIR

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


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


@pytest.mark.slow
def test_the_web_book_is_byte_identical_when_built_again(built_project, second_book):
    project, result = second_book
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    first, second = built_project / "_build" / "html", project / "_build" / "html"
    assert (second / "index.html").is_file()
    assert differing_files(first, second) == []
