"""Smoke test of the source notebooks: each runs top to bottom in a fresh kernel.

Every source notebook (chapters, explorers, the borough profile) is run by the session's
book from the tiny hand-written fixture survey (``conftest.fixture_book``): papermill
injects the folders after each notebook's ``parameters`` cell, as it does in a real build,
so the test never writes into the project's ``data/processed/``, and the cleaning notebook
runs first because it writes the processed tables every other notebook reads. Running them
once more here, one after another under nbval, would repeat that work: instead this checks
that the build ran every source notebook, in its own kernel, to the end, with no error
output.
"""

from __future__ import annotations

import nbformat
import pytest

from citytools_analysis.build.pipeline import CLEANING_NOTEBOOK
from citytools_analysis.core.paths import NOTEBOOKS_DIR


def error_outputs(path) -> list[str]:
    """The error outputs of an executed notebook (``ename: evalue`` per error)."""
    notebook = nbformat.read(path, as_version=4)
    return [
        f"{output.get('ename')}: {output.get('evalue')}"
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


@pytest.mark.slow
def test_every_source_notebook_runs_to_the_end_in_a_fresh_kernel(fixture_book):
    report = fixture_book.report
    sources = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    assert len(sources) > 2
    ran = {run.job.source.resolve() for run in report.runs}
    assert {source.resolve() for source in sources} <= ran
    assert [run.job.source.name for run in report.runs][0] == CLEANING_NOTEBOOK
    assert [f"{run.job.output.name}: {run.error}" for run in report.runs if not run.ok] == []
    assert all(not run.reused for run in report.runs)  # executed, not taken from a cache
    assert (fixture_book.processed / "systems.csv").exists()
    problems = {run.job.output.name: error_outputs(run.job.output) for run in report.runs}
    assert {name: errors for name, errors in problems.items() if errors} == {}


def test_error_outputs_are_found(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    notebook = new_notebook(
        cells=[
            new_code_cell(
                "1", outputs=[new_output("execute_result", {"text/plain": "1"}, execution_count=1)]
            ),
            new_code_cell(
                "1/0",
                outputs=[
                    new_output(
                        "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]
                    )
                ],
            ),
        ]
    )
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    assert error_outputs(path) == ["ZeroDivisionError: division by zero"]
