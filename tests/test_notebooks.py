"""Smoke test of the source notebooks with nbval: each runs top to bottom in a fresh kernel.

The sources are stored without outputs, so nbval runs in lax mode (no output comparison),
with the current environment's kernel. The notebooks are copied to a temporary folder with
their folders pointed at a tiny hand-written survey (the way papermill injects parameters),
so the test never writes into the project's ``data/processed/``. nbval runs the copies in
file-name order in one session: the cleaning notebook (01) writes the processed tables that
the later notebooks read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from citytools_analysis.paths import NOTEBOOKS_DIR
from fixture_returns import write_fixture_survey


def _with_parameters(source: Path, target: Path, values: dict[str, str]) -> None:
    """Copy a notebook, adding a cell after its ``parameters`` cell that sets ``values``."""
    notebook = nbformat.read(source, as_version=4)
    index = next(n for n, cell in enumerate(notebook.cells)
                 if "parameters" in cell.metadata.get("tags", []))
    declared = notebook.cells[index].source
    lines = [f"{name} = {value!r}" for name, value in values.items() if f"{name} =" in declared]
    cell = new_code_cell("\n".join(lines), metadata={"tags": ["injected-parameters"]})
    cell["id"] = "injected-parameters"
    notebook.cells.insert(index + 1, cell)
    nbformat.write(notebook, target)


@pytest.mark.slow
def test_source_notebooks_run_under_nbval(tmp_path):
    survey = write_fixture_survey(tmp_path / "survey")
    values = {"survey_dir": str(survey), "processed_dir": str(tmp_path / "processed"),
              "truth_dir": ""}
    copies = tmp_path / "notebooks"
    copies.mkdir()
    sources = sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
    assert [path.name for path in sources][:2] == ["01_clean_survey.ipynb", "02_overview.ipynb"]
    for source in sources:
        _with_parameters(source, copies / source.name, values)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", str(copies)],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert (tmp_path / "processed" / "systems.csv").exists()
    assert " passed" in result.stdout and "failed" not in result.stdout
