"""The chapter "What changed since the last round": its parameters, sentences and source line."""

from __future__ import annotations

import nbformat
import pandas as pd

from citytools_analysis.build import pipeline as build
from citytools_analysis.core.paths import NOTEBOOKS_DIR, PROCESSED_DIR, RELEASES_DIR
from citytools_analysis.metrics.changes import changes_source
from citytools_analysis.report.change_narrative import changes_summary, opportunities_summary

CHAPTER = NOTEBOOKS_DIR / "13_changes_since_last_round.ipynb"


def test_the_chapter_declares_both_releases_and_the_opportunity_parameters_first() -> None:
    notebook = nbformat.read(CHAPTER, as_version=4)
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith("# What changed since the last round")
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert build.declared_parameters(CHAPTER) == {
        "processed_dir",
        "previous_dir",
        "window_months",
        "min_authorities",
        "horizon_years",
    }
    assert all(not cell.get("outputs") for cell in code)  # committed without outputs


def test_summary_sentence_counts_what_it_is_given() -> None:
    counts = pd.Series(
        {
            "continued": 5,
            "renewed": 3,
            "switched_supplier": 1,
            "switched_product": 1,
            "new": 2,
            "retired": 1,
            "not_observed": 4,
        }
    )
    relet = pd.DataFrame(
        {
            "change": ["renewed", "switched_supplier", "switched_product"],
            "systems": [3, 1, 1],
            "share": [0.6, 0.2, 0.2],
        }
    )
    text = changes_summary(counts, "2019", "2021", relet)
    assert text.startswith("Between round 2019 and round 2021, 10 systems were seen in both rounds")
    assert "2 (20%) changed supplier or product" in text
    assert "Of the 5 contracts let again, 3 (60%) went back to the incumbent" in text
    assert "2 systems are new and 1 were retired; 4 systems belong" in text


def test_opportunity_sentence_counts_outcomes_in_a_fixed_order() -> None:
    outcomes = pd.DataFrame(
        {"outcome": ["switched apart", "realised together", "renewed separately", "switched apart"]}
    )
    text = opportunities_summary(outcomes, "2019")
    assert text == (
        "Of the 4 joint-procurement opportunities round 2019 showed, 1 were realised together "
        "and 3 were missed (the authorities renewed or switched one by one): 1 realised "
        "together, 2 switched apart, 1 renewed separately."
    )
    assert opportunities_summary(outcomes.iloc[0:0], "2019") == (
        "Round 2019 showed no joint-procurement opportunity."
    )


def test_source_line_names_both_rounds_and_files() -> None:
    assert changes_source(RELEASES_DIR / "2019", PROCESSED_DIR) == (
        "City Tools: London survey rounds 2019 (synthetic) and 2021 (synthetic), "
        "data/releases/2019/systems.csv and data/processed/systems.csv"
    )
