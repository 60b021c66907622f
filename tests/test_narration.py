"""Notebooks narrate: every chapter cell is a short call into the package plus prose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citytools_analysis.core.paths import NOTEBOOKS_DIR
from tests.notebook_rules import MAX_CELL_LINES, narration_problems

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_notebook_only_narrates(notebook):
    assert narration_problems(notebook) == []


def _write(tmp_path: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "metadata": {}, "source": source} for source in sources]
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    return path


def test_the_rules_catch_computing_cells(tmp_path):
    long_cell = "\n".join(f"x{i} = f()" for i in range(MAX_CELL_LINES + 1))
    notebook = _write(
        tmp_path,
        "table = data.systems.groupby('gss_code').size()",
        "shown = min(15, len(shares))",
        long_cell,
        "section.show(market.supplier_shares(chapter))  # prose: .groupby( in a comment",
        "display(Markdown('mean of the .groupby( 12'))",
    )
    problems = narration_problems(notebook)
    assert any("cell 0" in p and "groupby" in p for p in problems)
    assert any("cell 1" in p and "'15'" in p for p in problems)
    assert any("cell 2" in p and "lines of code" in p for p in problems)
    assert not any("cell 3" in p or "cell 4" in p for p in problems)
