"""The second synthetic round: evolved from the committed first round, reproducible, with every change true."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from citytools_analysis.core.paths import RAW_DIR, TRUTH_DIR, TRUTH_ROUNDS_DIR
from citytools_analysis.synth.evolution import generate_later_round, load_evolution

# The later round is the current one (data/raw/survey/, contracts/, spend/); the first round
# is kept under data/raw/rounds/2019/ with its truth in data/synthetic_truth/rounds/2019/.
ROUND_DIR = RAW_DIR
ROUND_TRUTH = TRUTH_DIR
FIRST_TRUTH = TRUTH_ROUNDS_DIR / "2019"
GLA = "E61000001"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _sheet_values(path: Path) -> dict[str, list[tuple]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}
    finally:
        workbook.close()


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("round2021")
    seed = json.loads((ROUND_DIR / "survey" / "round.json").read_text(encoding="utf-8"))["seed"]
    generate_later_round(
        seed=seed,
        out_dir=root / "survey",
        truth_dir=root / "truth",
        contracts_dir=root / "contracts",
        spend_dir=root / "spend",
    )
    return root


@pytest.fixture(scope="module")
def changes() -> pd.DataFrame:
    return _csv(ROUND_TRUTH / "changes.csv")


def test_the_committed_round_regenerates_from_its_seed(regenerated: Path) -> None:
    committed = sorted(p.name for p in (ROUND_DIR / "survey").glob("*.xlsx"))
    assert len(committed) == 22
    assert sorted(p.name for p in (regenerated / "survey").glob("*.xlsx")) == committed
    for name in committed:
        assert _sheet_values(regenerated / "survey" / name) == _sheet_values(
            ROUND_DIR / "survey" / name
        ), name
    for path in sorted(ROUND_TRUTH.glob("*.csv")):
        assert (regenerated / "truth" / path.name).read_bytes() == path.read_bytes(), path.name
    for folder in ("contracts", "spend"):
        for path in sorted((ROUND_DIR / folder).glob("*.csv")):
            assert (regenerated / folder / path.name).read_bytes() == path.read_bytes(), path.name
    settings = json.loads((ROUND_DIR / "survey" / "round.json").read_text(encoding="utf-8"))
    assert (settings["round"], settings["snapshot_date"], settings["synthetic"]) == (
        "2021",
        "2021-09-30",
        True,
    )
    assert not any("2019" in name for name in committed)  # file patterns name the round


def test_the_later_round_starts_from_the_committed_first_round(changes: pd.DataFrame) -> None:
    london = _csv(FIRST_TRUTH / "london.csv").set_index("system_id")
    before = changes[changes["system_id_before"] != ""].set_index("system_id_before")
    assert sorted(before.index) == sorted(london.index)  # every first-round system, once
    for column in ("product", "supplier", "contract_end", "satisfaction"):
        assert (before[f"{column}_before"] == london.loc[before.index, column]).all(), column
    later = _csv(ROUND_TRUTH / "london.csv")
    after = changes.loc[changes["system_id_after"] != "", "system_id_after"]
    assert sorted(after) == sorted(later["system_id"])  # every later system, once


def test_every_change_class_happens_in_the_justified_shares(changes: pd.DataFrame) -> None:
    london = _csv(FIRST_TRUTH / "london.csv").set_index("system_id")
    evolution = load_evolution()
    counts = changes["change"].value_counts()
    assert set(counts.index) == {
        "continued",
        "renewed",
        "switched_supplier",
        "switched_product",
        "new",
        "retired",
    }
    first = changes[changes["system_id_before"] != ""].copy()
    first["end"] = london.loc[first["system_id_before"], "contract_end"].to_numpy()
    first["arrangement"] = london.loc[first["system_id_before"], "arrangement"].to_numpy()
    # A contract still running at the later snapshot is never re-let.
    running = first[(first["end"] >= evolution.snapshot.isoformat())]
    assert set(running["change"]) <= {"continued", "retired"} | (
        set()
        if running["opportunity_id"].eq("").all()
        else {"renewed", "switched_supplier", "switched_product"}
    )
    due = first[
        (first["end"] != "")
        & (first["end"] < evolution.snapshot.isoformat())
        & (first["arrangement"] == "")
        & (first["opportunity_id"] == "")
    ]
    shares = due["change"].value_counts(normalize=True)
    assert 0.45 <= shares["renewed"] <= 0.75
    assert 0.15 <= shares["switched_product"] <= 0.40  # planned replacements push it above 0.18
    assert 0.03 <= shares["switched_supplier"] <= 0.15
    assert 0.02 <= shares["retired"] <= 0.12
    assert "continued" not in shares


def test_some_authorities_answer_one_round_only(changes: pd.DataFrame) -> None:
    answered = changes.groupby("gss_code")[["responded_before", "responded_after"]].first()
    pairs = answered.value_counts()
    assert pairs[("true", "false")] >= 2 and pairs[("false", "true")] >= 2
    assert tuple(answered.loc[GLA]) == ("true", "true")
    lone = changes[(changes["responded_before"] != changes["responded_after"])]
    seen = ((lone["responded_before"] == "true") & (lone["system_id_before"] != "")) | (
        (lone["responded_after"] == "true") & (lone["system_id_after"] != "")
    )
    assert set(lone.loc[seen, "observed_change"]) == {"not_observed"}
    assert set(lone.loc[~seen, "observed_change"]) == {""}  # in neither round's returns


def test_joint_opportunities_mostly_missed_the_realised_ones_move_together(
    changes: pd.DataFrame,
) -> None:
    opportunities = _csv(ROUND_TRUTH / "opportunities.csv")
    realised = opportunities[opportunities["outcome"] == "realised"]
    assert 1 <= len(realised) < len(opportunities) / 2
    later = _csv(ROUND_TRUTH / "london.csv").set_index("system_id")
    for row in realised.itertuples():
        moved = changes[changes["opportunity_id"] == row.opportunity_id]
        assert set(moved["gss_code"]) == set(row.gss_codes.split("|"))
        after = later.loc[moved["system_id_after"]]
        assert set(after["product"]) == {row.product_after} and set(after["supplier"]) == {
            row.supplier_after
        }
        assert after["contract_end"].nunique() == 1


def test_satisfaction_falls_where_a_system_was_kept_against_a_plan(changes: pd.DataFrame) -> None:
    rated = changes[(changes["satisfaction_before"] != "") & (changes["satisfaction_after"] != "")]
    delta = rated["satisfaction_after"].astype(int) - rated["satisfaction_before"].astype(int)
    against = rated["kept_against_plan"] == "true"
    assert against.sum() >= 30
    assert (rated.loc[against, "replacement_planned_before"] == "Yes").all()
    assert delta[against].mean() < -0.4
    kept = rated["change"].isin(["continued", "renewed", "switched_supplier"]) & ~against
    assert abs(delta[kept].mean()) < 0.15


def test_new_entrants_win_a_few_contracts(changes: pd.DataFrame) -> None:
    london = _csv(FIRST_TRUTH / "london.csv")
    wins = changes[changes["new_entrant"] == "true"]
    assert 3 <= len(wins) <= 30
    assert not set(wins["product_after"]) & set(london["product"])  # none ran in the first round
    assert set(wins["change"]) <= {"switched_product", "new"}


def test_a_few_functions_are_renamed_and_the_truth_says_so(changes: pd.DataFrame) -> None:
    renamed = changes[changes["function_renamed"] == "true"]
    assert len(renamed) >= 5
    assert (renamed["function_before"] != renamed["function_after"]).all()
    same = changes[
        (changes["function_renamed"] == "false")
        & (changes["system_id_before"] != "")
        & (changes["system_id_after"] != "")
    ]
    assert (same["function_before"] == same["function_after"]).all()


def test_incomplete_settings_are_named(tmp_path: Path) -> None:
    (tmp_path / "evolution.json").write_text(json.dumps({"round": "2021"}), encoding="utf-8")
    with pytest.raises(ValueError, match="evolution.json: missing key"):
        load_evolution(tmp_path)
