"""Recovery of the true changes between the two synthetic rounds, measured and held to a level."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.core.paths import PROCESSED_DIR, RELEASES_DIR, TRUTH_DIR, TRUTH_ROUNDS_DIR
from citytools_analysis.metrics.changes import change_classes, changes_between
from citytools_analysis.synth.change_recovery import measure_change_recovery, true_changes

# The later round is the current one; the first is kept beside it as an earlier round.
RELEASE_2021, TRUTH_2021 = PROCESSED_DIR, TRUTH_DIR
RELEASE_2019, TRUTH_2019 = RELEASES_DIR / "2019", TRUTH_ROUNDS_DIR / "2019"


def _hand_made(root: Path) -> tuple[Path, Path, Path, Path]:
    """Two releases of two systems each and their truth, written out."""
    folders = [root / name for name in ("rel1", "rel2", "truth1", "truth2")]
    for folder in folders:
        folder.mkdir()
    for release, prefix in ((folders[0], "a"), (folders[1], "b")):
        pd.DataFrame(
            {
                "record_id": [f"{prefix}1", f"{prefix}2"],
                "source_file": ["x.xlsx", "x.xlsx"],
                "source_row": ["2", "3"],
            }
        ).to_csv(release / "systems.csv", index=False)
    for truth, ids in ((folders[2], ["S1", "S2"]), (folders[3], ["S1", "S3"])):
        pd.DataFrame(
            {"source_file": ["x.xlsx", "x.xlsx"], "source_row": ["2", "3"], "system_id": ids}
        ).to_csv(truth / "systems.csv", index=False)
    pd.DataFrame(
        {
            "system_id_before": ["S1", "S2", "", "S9"],
            "system_id_after": ["S1", "", "S3", "S9"],
            "responded_before": ["true", "true", "true", "false"],
            "responded_after": ["true", "true", "true", "false"],
            "change": ["renewed", "retired", "new", "continued"],
            "observed_change": [
                "renewed",
                "retired",
                "new",
                "",
            ],  # S9: an authority that answered neither
        }
    ).to_csv(folders[3] / "changes.csv", index=False)
    return tuple(folders)


def test_hand_made_recovery_counts_right_pairs_and_classes(tmp_path: Path) -> None:
    rel1, rel2, truth1, truth2 = _hand_made(tmp_path)
    assert len(true_changes(truth2)) == 3
    found = pd.DataFrame(
        {
            "record_id_before": ["a1", "a2", ""],
            "record_id_after": ["b1", "", "b2"],
            "change": ["renewed", "retired", "new"],
        }
    )
    perfect = measure_change_recovery(found, rel1, rel2, truth1, truth2)
    assert (perfect.found, perfect.true, perfect.right) == (3, 3, 3)
    assert perfect.precision == perfect.recall == 1.0
    wrong = found.assign(change=["continued", "retired", "new"])  # the right pair, the wrong class
    measured = measure_change_recovery(wrong, rel1, rel2, truth1, truth2)
    assert (measured.found, measured.true, measured.right) == (3, 3, 2)
    mispaired = pd.DataFrame(
        {
            "record_id_before": ["a1", "a2"],
            "record_id_after": ["b2", "b1"],
            "change": ["switched_product", "switched_product"],
        }
    )
    measured = measure_change_recovery(mispaired, rel1, rel2, truth1, truth2)
    assert (measured.found, measured.right) == (2, 0) and measured.recall == 0.0
    table = measured.by_class.set_index("change")
    assert table.loc["switched_product", "found"] == 2 and table.loc["renewed", "true"] == 1


def test_not_observed_truth_keeps_the_side_that_was_answered(tmp_path: Path) -> None:
    truth = tmp_path / "t"
    truth.mkdir()
    pd.DataFrame(
        {
            "system_id_before": ["S1", "S2"],
            "system_id_after": ["S1", "S2"],
            "responded_before": ["true", "false"],
            "responded_after": ["false", "true"],
            "change": ["continued", "renewed"],
            "observed_change": ["not_observed", "not_observed"],
        }
    ).to_csv(truth / "changes.csv", index=False)
    found = true_changes(truth)
    assert list(zip(found["system_id_before"], found["system_id_after"])) == [
        ("S1", ""),
        ("", "S2"),
    ]


@pytest.fixture(scope="module")
def recovery():
    found = changes_between(RELEASE_2019, RELEASE_2021)
    return measure_change_recovery(
        found,
        RELEASE_2019,
        RELEASE_2021,
        TRUTH_2019,
        TRUTH_2021,
        classes=list(change_classes()["change"]),
    )


def test_the_synthetic_rounds_changes_are_recovered(recovery) -> None:
    # Measured at 99.0% precision and 99.1% recall over 967 true changes; the misses are
    # renewals whose end one round left unknown, and modules told apart by nothing.
    assert recovery.true > 900
    assert recovery.precision >= 0.98 and recovery.recall >= 0.98
    table = recovery.by_class.set_index("change")
    for change in (
        "switched_product",
        "switched_supplier",
        "new",
        "retired",
        "not_observed",
        "continued",
    ):
        assert table.loc[change, "right"] >= 0.95 * table.loc[change, "true"], change
    assert table.loc["renewed", "right"] >= 0.9 * table.loc["renewed", "true"]
    assert table.loc["not_observed", "right"] == table.loc["not_observed", "true"] > 100


def test_the_command_reports_recovery() -> None:
    result = CliRunner().invoke(app, ["change-recovery"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("changes: ") and "precision" in result.output
    assert "switched_product:" in result.output


def test_the_later_release_names_its_round_and_holds_no_personal_data() -> None:
    package = json.loads((RELEASE_2021 / "datapackage.json").read_text(encoding="utf-8"))
    assert (package["round"], package["snapshot_date"], package["synthetic"]) == (
        "2021",
        "2021-09-30",
        True,
    )
    returns = pd.read_csv(TRUTH_2021 / "returns.csv", dtype=str, keep_default_na=False)
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(RELEASE_2021.glob("*")))
    for column in ("completed_by", "email", "phone"):
        for value in returns[column]:
            assert value not in text, value
