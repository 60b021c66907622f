"""Recovery: hand-made processed tables scored against a hand-made truth."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from citytools_analysis.ingest.cleaning import clean_survey
from citytools_analysis.synth.generator import generate_survey
from citytools_analysis.synth.recovery import measure_recovery, measure_registers, same_value

SYSTEM_HEADER = (
    "source_file,source_row,system_id,gss_code,service_area,function,product,manufacturer,"
    "supplier,system_type,hosting,contract_start,contract_end,contract_end_status,"
    "annual_cost_gbp,value_for_money,satisfaction,replacement_planned,replacement_year\n"
)
PROCESSED_SYSTEM_HEADER = (
    "record_id,gss_code,service_area,function,product,manufacturer,supplier,system_type,"
    "hosting,contract_start,contract_end,contract_end_status,annual_cost_gbp,value_for_money,"
    "satisfaction,replacement_planned,replacement_year,source_file,source_row\n"
)


def _write(directory: Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")


@pytest.fixture
def hand_made(tmp_path: Path) -> tuple[Path, Path]:
    truth, processed = tmp_path / "truth", tmp_path / "processed"
    _write(
        truth,
        "truth_rows.csv",
        "source_file,sheet,source_row,outcome,reason\n"
        "a.xlsx,Systems,3,kept,\n"
        "a.xlsx,Systems,4,kept,\n"
        "a.xlsx,Systems,5,rejected,duplicate\n"
        "a.xlsx,Systems,6,kept,\n"
        "a.xlsx,Systems,7,rejected,unknown_service_area\n"
        "a.xlsx,Skills,2,kept,\n"
        "a.xlsx,Skills,3,kept,\n"
        "a.xlsx,Maturity,2,kept,\n",
    )
    _write(
        truth,
        "systems.csv",
        SYSTEM_HEADER + "a.xlsx,3,S1,E09000007,Housing,Repairs,NEC Housing,NEC Software Solutions,"
        "NEC Software Solutions,Frontline,On-premises,2016-04-01,2021-03-31,date,"
        "120000.00,4,3,Yes,2021\n"
        + "a.xlsx,4,S2,E09000007,Finance,,Oracle E-Business Suite,Oracle,Mastek,Corporate,"
        "Hosted (supplier's data centre),,,rolling,310000.00,2,2,No,\n"
        + "a.xlsx,6,S3,E09000007,Parking,,Imperial,Imperial Civil Enforcement Solutions,"
        "Imperial Civil Enforcement Solutions,Frontline,,,,unknown,,,,,\n",
    )
    _write(
        truth,
        "skills.csv",
        "source_file,source_row,gss_code,skill_area,level,staff_fte,can_support\n"
        "a.xlsx,2,E09000007,Data analysis,3,2.50,true\n"
        "a.xlsx,3,E09000007,Cyber security,1,,false\n",
    )
    _write(
        truth,
        "maturity.csv",
        "source_file,source_row,gss_code,dimension,score\na.xlsx,2,E09000007,Data,4\n",
    )
    _write(
        truth,
        "integrations.csv",
        "gss_code,source_file,source_row,linked_name,linked_source_row,linked_system_id\n"
        "E09000007,a.xlsx,3,Oracle Financials,4,S2\n"
        "E09000007,a.xlsx,3,GOV.UK Notify,,\n",
    )
    _write(
        truth,
        "returns.csv",
        "gss_code,source_file,authority_written,completed_by,email,phone,date_completed\n"
        "E09000007,a.xlsx,LB Camden,A Person,a@b.example,020 7946 0000,2019-09-01\n",
    )

    # Row 3: all right (cost off by less than a penny). Row 4: supplier and end status
    # wrong. Row 6: lost. Row 7: kept though the truth rejects it.
    _write(
        processed,
        "systems.csv",
        PROCESSED_SYSTEM_HEADER
        + "E09000007-00003,E09000007,Housing,Repairs,NEC Housing,NEC Software Solutions,"
        "NEC Software Solutions,Frontline,On-premises,2016-04-01,2021-03-31,date,"
        "120000.004,4,3,Yes,2021,a.xlsx,3\n"
        + "E09000007-00004,E09000007,Finance,,Oracle E-Business Suite,Oracle,Oracle,Corporate,"
        "Hosted (supplier's data centre),,,unknown,310000,2,2,No,,a.xlsx,4\n"
        + "E09000007-00007,E09000007,Parking,,Misc,,,Frontline,,,,unknown,,,,,,a.xlsx,7\n",
    )
    _write(
        processed,
        "rejected.csv",
        "source_file,sheet,source_row,reason,column,detail\n"
        "a.xlsx,Systems,5,duplicate,,same values as row 3\n"
        "a.xlsx,Systems,8,missing_required,product,\n",
    )
    _write(
        processed,
        "skills.csv",
        "gss_code,skill_area,level,staff_fte,can_support,source_file,source_row\n"
        "E09000007,Data analysis,3,2.5,true,a.xlsx,2\n"
        "E09000007,Cyber security,2,,false,a.xlsx,3\n",
    )
    _write(
        processed,
        "maturity.csv",
        "gss_code,dimension,score,source_file,source_row\nE09000007,Data,4,a.xlsx,2\n",
    )
    _write(
        processed,
        "integrations.csv",
        "gss_code,record_id,linked_record_id,linked_name\n"
        "E09000007,E09000007-00003,E09000007-00004,Oracle Financials\n"
        "E09000007,E09000007-00003,E09000007-00004,GOV.UK Notify\n",
    )
    _write(
        processed,
        "authorities.csv",
        "gss_code,name,short_name,kind,inner_outer,responded,tile_row,tile_col,abbreviation,"
        "source_file\nE09000007,London Borough of Camden,Camden,borough,Inner,true,2,3,cmd,"
        "a.xlsx\n",
    )
    return processed, truth


def test_hand_made_recovery(hand_made):
    processed, truth = hand_made
    result = measure_recovery(processed, truth).set_index("measure")
    expected = {  # (numerator, denominator), worked out from the fixture by hand
        "returns_identified": (1, 1),
        "systems_found": (2, 3),  # row 6 lost
        "systems_precision": (2, 3),  # row 7 is not a true system
        "systems.product": (2, 2),
        "systems.supplier": (1, 2),  # Mastek written as Oracle
        "systems.contract_start": (2, 2),  # both right; row 4's is empty in both
        "systems.contract_end": (1, 2),  # rolling read as unknown
        "systems.annual_cost_gbp": (2, 2),  # 120000.004 is within a penny
        "systems.satisfaction": (2, 2),
        "systems.replacement_planned": (2, 2),
        "skills_found": (2, 2),
        "skills.level": (1, 2),  # 1 read as 2
        "skills.staff_fte": (2, 2),
        "skills.can_support": (2, 2),
        "maturity_found": (1, 1),
        "maturity.score": (1, 1),
        "rejected_found": (1, 2),  # row 7 was kept
        "rejected_reason": (1, 2),
        "rejected_precision": (1, 2),  # row 8 is not a true rejection
        "integrations_found": (1, 2),  # GOV.UK Notify wrongly linked to row 4
    }
    for measure, (numerator, denominator) in expected.items():
        row = result.loc[measure]
        assert (row.numerator, row.denominator) == (numerator, denominator), measure
        assert row.share == pytest.approx(numerator / denominator), measure
    assert list(result.columns) == ["numerator", "denominator", "share"]


def test_missing_tables_are_skipped_and_empty_denominators_give_nan(tmp_path, hand_made):
    processed, truth = hand_made
    (processed / "skills.csv").unlink()
    _write(truth, "maturity.csv", "source_file,source_row,gss_code,dimension,score\n")
    result = measure_recovery(processed, truth).set_index("measure")
    assert "skills_found" not in result.index
    assert result.loc["maturity_found", "denominator"] == 0
    assert math.isnan(result.loc["maturity_found", "share"])


@pytest.mark.parametrize(
    ("truth", "found", "kind", "same"),
    [
        ("120000.00", "120000.01", "money", True),
        ("120000.00", "120000.02", "money", False),
        ("", "", "money", True),
        ("", "0", "money", False),  # a cleared value is not zero
        ("2021-03-31", "2021-03-31", "date", True),
        ("2021-03-31", "2021-03-30", "date", False),
        ("4", "4.0", "integer", True),
        ("true", "True", "boolean", True),
        ("Civica", "Civica ", "text", True),
        ("Civica", "civica", "text", False),
    ],
)
def test_same_value(truth, found, kind, same):
    assert same_value(truth, found, kind) is same


def test_a_small_synthetic_round_is_recovered_by_the_cleaning(tmp_path):
    """End to end: generate four returns, clean them, and score the result."""
    generate_survey(
        seed=11, out_dir=tmp_path / "survey", truth_dir=tmp_path / "truth", n_authorities=4
    )
    clean_survey(tmp_path / "survey", tmp_path / "processed")
    result = measure_recovery(tmp_path / "processed", tmp_path / "truth").set_index("measure")
    assert result.loc["systems_found", "denominator"] > 100
    assert result.loc["systems_found", "share"] == 1.0
    assert result.loc["systems_precision", "share"] == 1.0
    assert result.loc["rejected_reason", "share"] == 1.0
    assert result.loc["returns_identified", "share"] == 1.0
    assert (result["share"].dropna() >= 0.97).all(), result[result.share < 0.97]
    registers = measure_registers(tmp_path / "processed", tmp_path / "truth").set_index("measure")
    assert registers.loc["registers_found", "share"] == 1.0
    assert registers.loc["it_precision", "denominator"] > 100
    assert (
        registers.loc[["it_precision", "match_precision", "added_precision"], "share"] >= 0.95
    ).all()


def test_register_rows_and_fills_do_not_count_as_survey_recovery(hand_made):
    processed, truth = hand_made
    systems = (processed / "systems.csv").read_text(encoding="utf-8").splitlines()
    header = systems[0] + ",source"
    rows = [line + ",survey" for line in systems[1:]]
    # Row 4's start was empty in the return and filled from a register: not the survey's doing.
    rows[1] = rows[1].replace(
        "Hosted (supplier's data centre),,", "Hosted (supplier's data centre),2015-04-01,"
    )
    rows[1] = rows[1].removesuffix(",survey") + ",both"
    rows.append(
        "E09000003-R00002,E09000003,Housing,,QL,Aareon,Aareon,Frontline,,,,unknown,,,,,,"
        "brn.csv,2,register"
    )
    _write(processed, "systems.csv", "\n".join([header, *rows]) + "\n")
    _write(
        processed,
        "corrections.csv",
        "source_file,sheet,source_row,column,raw_value,clean_value,rule\n"
        "a.xlsx,Systems,4,contract_start,,2015-04-01,from_register\n",
    )
    _write(
        processed,
        "rejected.csv",
        "source_file,sheet,source_row,reason,column,detail\n"
        "a.xlsx,Systems,5,duplicate,,same values as row 3\n"
        "a.xlsx,Systems,8,missing_required,product,\n"
        "brn.csv,Contract register,9,duplicate,,\n",
    )
    result = measure_recovery(processed, truth).set_index("measure")
    # the same as in test_hand_made_recovery: the register row, the fill and the register
    # rejection are left out
    assert (
        result.loc["systems_precision", "numerator"],
        result.loc["systems_precision", "denominator"],
    ) == (2, 3)
    assert (
        result.loc["systems.contract_start", "numerator"],
        result.loc["systems.contract_start", "denominator"],
    ) == (2, 2)
    assert (
        result.loc["rejected_precision", "numerator"],
        result.loc["rejected_precision", "denominator"],
    ) == (1, 2)


REGISTER_TRUTH_HEADER = (
    "source_file,source_row,gss_code,outcome,reason,kind,is_it,system_ids,product,service_area,"
    "supplier,contract_start,contract_end,value_gbp,annual_cost_gbp,contract_role\n"
)


def test_hand_made_register_measures(tmp_path):
    truth, processed = tmp_path / "truth", tmp_path / "processed"
    _write(
        truth,
        "register_rows.csv",
        REGISTER_TRUTH_HEADER
        # row 2: the contract of two modules, S1 and S2 (S2 is in the survey)
        + "r.csv,2,E09000007,kept,,system,true,S1|S2,Academy,Revenues & Benefits,Capita,"
        "2016-04-01,2021-03-31,500000.00,100000.00,current\n"
        + "r.csv,3,E09000007,kept,,not_it,false,,,,Fenwright Ltd,2018-01-01,2019-12-31,9000.00,,\n"
        + "r.csv,4,E09000007,kept,,it_other,true,,,,BT,2018-01-01,2019-12-31,90000.00,,\n"
        # row 5: a system of Barnet, which did not respond
        + "r.csv,5,E09000003,kept,,system,true,S9,QL,Housing,Aareon,2017-04-01,2022-03-31,"
        "250000.00,50000.00,current\n"
        + "r.csv,6,E09000007,rejected,duplicate,not_it,false,,,,,2018-01-01,2019-12-31,9000.00,,\n"
        # row 7: S9's earlier contract; row 8: the product Barnet replaced; row 9: row 2
        # listed again; row 10: Barnet's Uniform in force, wrongly taken as ended
        + "r.csv,7,E09000003,kept,,system,true,S9,QL,Housing,Aareon,2012-04-01,2017-03-31,"
        "240000.00,48000.00,earlier\n"
        + "r.csv,8,E09000003,kept,,replaced,true,,Orchard Housing,Housing,Orchard,2010-04-01,"
        "2017-03-31,70000.00,10000.00,\n"
        + "r.csv,9,E09000007,kept,,system,true,S1|S2,Academy,Revenues & Benefits,Capita,"
        "2016-04-01,2021-03-31,500000.00,100000.00,relisted\n"
        + "r.csv,10,E09000003,kept,,system,true,S10,Uniform,Planning & Building Control,Idox,"
        "2016-04-01,2021-03-31,100000.00,20000.00,current\n",
    )
    _write(
        truth,
        "systems.csv",
        SYSTEM_HEADER
        + "a.xlsx,3,S2,E09000007,Revenues & Benefits,,Academy,Capita,Capita,Frontline,,,,"
        "unknown,,,,,\n",
    )
    _write(
        truth,
        "london.csv",
        "system_id,gss_code,responded\nS1,E09000007,true\n"
        "S2,E09000007,true\nS9,E09000003,false\nS10,E09000003,false\n",
    )
    _write(truth, "scenario.json", '{"snapshot_date": "2019-09-30"}\n')
    _write(
        processed,
        "contracts.csv",
        "source_file,source_row,gss_code,is_it,it_rule,outcome,record_id\n"
        "r.csv,2,E09000007,true,cpv:48,matched,E09000007-00003\n"
        "r.csv,3,E09000007,true,keyword:IT,unplaced,\n"  # a false positive
        "r.csv,4,E09000007,false,no_it_signal,not_it,\n"  # a false negative
        "r.csv,5,E09000003,true,product:QL,added,E09000003-R00005\n"
        "r.csv,7,E09000003,true,product:QL,same_system,E09000003-R00005\n"
        "r.csv,8,E09000003,true,cpv:48,ended_before_snapshot,\n"
        "r.csv,9,E09000007,true,cpv:48,same_system,E09000007-00003\n"
        "r.csv,10,E09000003,true,cpv:48,ended_before_snapshot,\n",
    )
    _write(
        processed,
        "systems.csv",
        "record_id,gss_code,product,service_area,contract_end,source,source_file,source_row\n"
        "E09000007-00003,E09000007,Academy,Revenues & Benefits,,both,a.xlsx,3\n"
        # the wrong service area
        "E09000003-R00005,E09000003,QL,Finance,2022-03-31,register,r.csv,5\n",
    )
    _write(
        processed,
        "rejected.csv",
        "source_file,sheet,source_row,reason,column,detail\n"
        "r.csv,Contract register,6,duplicate,,\n",
    )
    _write(
        processed,
        "corrections.csv",
        "source_file,sheet,source_row,column,raw_value,clean_value,rule\n"
        "a.xlsx,Systems,3,annual_cost_gbp,,100000,from_register\n"
        "a.xlsx,Systems,3,contract_start,,2016-05-01,from_register\n",
    )  # one day-month off
    result = measure_registers(processed, truth).set_index("measure")
    expected = {  # worked out by hand from the rows above
        "registers_found": (8, 8),
        "registers_rejected": (1, 1),
        "it_precision": (6, 7),  # rows 2, 3, 5, 7-10 classed IT; row 3 is not
        "it_recall": (6, 7),  # rows 2, 4, 5, 7-10 are IT; row 4 was missed
        "match_precision": (1, 1),  # row 2 matched to S2, one of its modules
        "match_recall": (1, 1),  # the contract S1|S2 (rows 2 and 9) is matched once
        "added_precision": (1, 1),
        # Barnet's QL in Housing and Uniform in Planning are in force: QL was added, but in
        # Finance, and Uniform was not
        "added_recall": (0, 2),
        "added.product": (1, 1),
        "added.service_area": (0, 1),
        "history_precision": (2, 2),  # rows 7 and 9 go with a system of their product
        "history_recall": (2, 2),
        "ended_precision": (1, 2),  # row 10 is Uniform's contract in force
        "ended_recall": (1, 1),  # row 8, the replaced product
        "added_on_ended": (1, 1),  # QL's system ends after the snapshot date
        "fills": (1, 2),
    }
    for measure, (numerator, denominator) in expected.items():
        row = result.loc[measure]
        assert (row.numerator, row.denominator) == (numerator, denominator), measure


def test_register_scores_text_gives_precision_and_recall():
    from citytools_analysis.synth.recovery import register_scores_text

    scores = pd.DataFrame(
        {
            "measure": [
                "it_precision",
                "it_recall",
                "match_precision",
                "match_recall",
                "added_precision",
                "added_recall",
            ],
            "numerator": [9, 9, 4, 4, 0, 0],
            "denominator": [10, 12, 4, 5, 0, 3],
        }
    )
    scores["share"] = [0.9, 0.75, 1.0, 0.8, float("nan"), 0.0]
    text = register_scores_text(scores)
    assert "precision 90.0% (9 of 10 rows classed IT), recall 75.0% (9 of 12 IT rows)" in text
    assert "precision 100.0% (4 of 4 matches made), recall 80.0% (4 of 5 contracts" in text
    assert "precision n/a (0 of 0 added), recall 0.0% (0 of 3 products in force" in text
    assert "ended before the snapshot" not in text  # not measured: not said
    history = pd.DataFrame(
        {
            "measure": ["history_precision", "history_recall", "ended_precision", "ended_recall"],
            "numerator": [5, 5, 2, 1],
            "denominator": [5, 6, 2, 1],
            "share": [1.0, 5 / 6, 1.0, 1.0],
        }
    )
    text = register_scores_text(pd.concat([scores, history]))
    assert text.endswith(
        "Contracts ended before the snapshot: precision 100.0% (2 of 2 rows "
        "taken as ended), recall 100.0% (1 of 1 contracts of products since "
        "replaced)."
    )
    assert "second listings): precision 100.0% (5 of 5 rows so placed), recall 83.3%" in text


def test_the_committed_round_keeps_contract_history_apart_from_systems():
    """On the committed registers: no register-only system rests on an ended contract, each
    true contract becomes at most one system, and histories and ended contracts are placed."""
    from citytools_analysis.core.paths import PROCESSED_DIR, TRUTH_DIR

    scores = measure_registers(PROCESSED_DIR, TRUTH_DIR).set_index("measure")
    share = scores["share"]
    assert scores.loc["added_on_ended", "denominator"] > 150
    assert share["added_on_ended"] == 1.0  # by the rule, not by chance: see the methodology
    assert scores.loc["ended_recall", "denominator"] > 50
    assert share["ended_recall"] >= 0.99 and share["ended_precision"] >= 0.99
    assert scores.loc["history_recall", "denominator"] > 300
    assert share["history_precision"] >= 0.99 and share["history_recall"] >= 0.9
    assert share["added_precision"] >= 0.99 and share["added_recall"] >= 0.85
    assert share["match_precision"] >= 0.95 and share["match_recall"] >= 0.9
    assert share["fills"] >= 0.99


# --- the committed round, at the levels the cleaning chapter reports ------------------------
#: Measures of systems, names, dates and costs, and the least share each must reach.
REPORTED_LEVELS = {
    "returns_identified": 0.99,
    "systems_found": 0.99,
    "systems_precision": 0.99,
    "systems.product": 0.99,
    "systems.manufacturer": 0.99,
    "systems.supplier": 0.99,
    "systems.contract_start": 0.99,
    "systems.contract_end": 0.99,
    "systems.annual_cost_gbp": 0.99,
    "integrations_found": 0.99,
}


# The later round (2021, the book's) is typed by the same mess but evolved two years on; its
# integrations are recovered at 97.97% (677 of 691, measured), below the first round's 100%.
# All 14 misses are one return's (Barking and Dagenham): it holds two systems whose System
# cell is the same, "Information@Work" (rows 35, Customer portal, and 36, Online forms), and
# the generator types every link by the System cell alone, so 14 true links to row 36 read
# exactly like the 13 to row 35 (a row linking to both says "Information@Work;
# Information@Work"). The typed return does not say which is meant; the cleaner links the name
# to the first row of that name, and no cleaner could do better, so the level stays.
LATER_ROUND_LEVELS = {**REPORTED_LEVELS, "integrations_found": 0.975}


@pytest.mark.parametrize("round_name", ["2019", "2021"])
def test_the_committed_rounds_are_recovered_at_the_reported_levels(round_name):
    from citytools_analysis.core.rounds import get_round

    one = get_round(round_name)
    levels = REPORTED_LEVELS if round_name == "2019" else LATER_ROUND_LEVELS
    recovery = measure_recovery(one.release_dir, one.truth_dir).set_index("measure")
    assert set(levels) <= set(recovery.index)
    low = {
        measure: round(recovery.loc[measure, "share"], 4)
        for measure, level in levels.items()
        if not recovery.loc[measure, "share"] >= level
    }
    assert low == {}
    # every true system is counted: the measures are over the whole round, not a sample
    assert recovery.loc["systems_found", "denominator"] > 500
