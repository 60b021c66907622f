"""The code is clean under ruff (lint and format), and notebooks are committed without outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from citytools_analysis.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT


def _ruff(*arguments: str) -> subprocess.CompletedProcess:
    beside = Path(sys.executable).with_name("ruff")
    command = [str(beside)] if beside.exists() else [sys.executable, "-m", "ruff"]
    return subprocess.run(
        [*command, *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_check_is_clean():
    result = _ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_everything_as_it_is():
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check_finds_a_planted_fault(tmp_path):
    """The check is live: an unused import in a file under the same rules is reported."""
    planted = tmp_path / "planted.py"
    planted.write_text("import os\n")
    result = _ruff("check", "--config", str(PROJECT_ROOT / "pyproject.toml"), str(planted))
    assert result.returncode == 1 and "F401" in result.stdout


def test_source_notebooks_have_no_outputs():
    """Executed copies go to book/_generated/; the sources hold no outputs or counts."""
    for notebook in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{notebook.name}: {cell.get('id')} has outputs"
                assert cell.get("execution_count") is None, f"{notebook.name}: execution count"
