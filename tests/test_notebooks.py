"""Smoke test of the source notebooks with nbval: each runs top to bottom in a fresh kernel.

The sources are stored without outputs, so nbval runs in lax mode (no output comparison),
with the current environment's kernel. The notebooks are copied to a temporary folder with
their folders pointed at a tiny hand-written survey (the way papermill injects parameters),
so the test never writes into the project's ``data/processed/``. nbval runs the cleaning
notebook (01) first, in a session of its own, because it writes the processed tables that
every other notebook reads; then all the other notebooks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from citytools_analysis.core.paths import NOTEBOOKS_DIR
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
              "truth_dir": "", "contracts_dir": ""}
    copies = tmp_path / "notebooks"
    copies.mkdir()
    cleaning = NOTEBOOKS_DIR / "01_clean_survey.ipynb"
    sources = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    assert cleaning in sources and len(sources) > 2
    for source in sources:
        (copies / ("first" if source == cleaning else "then")).mkdir(exist_ok=True)
        _with_parameters(source, copies / ("first" if source == cleaning else "then") / source.name,
                         values)

    for batch in ("first", "then"):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
             "--nbval-current-env", str(copies / batch)],
            cwd=tmp_path, capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert " passed" in result.stdout and "failed" not in result.stdout
        if batch == "first":
            assert (tmp_path / "processed" / "systems.csv").exists()
