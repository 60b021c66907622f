"""The return validator: every problem placed, exit codes, JSON, and agreement with cleaning."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
from fixture_returns import write_fixture_survey
from hostile import corpus
from openpyxl import Workbook
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest.cleaning import clean_survey
from citytools_analysis.ingest.validation import no_value_rules, validate_returns
from citytools_analysis.release.writer import neutralise_formula

SYSTEMS_HEADER = [
    "Service area",
    "Function",
    "System",
    "Manufacturer",
    "Supplier",
    "Type",
    "Hosting",
    "Contract start",
    "Contract end",
    "Annual cost (£)",
    "Value for money",
    "Satisfaction",
    "Integrates with",
    "Replacement planned",
    "Notes",
]
GOOD_ROW = [
    "Planning",
    "Applications",
    "Uniform",
    "Idox",
    None,
    "Frontline",
    "Hosted",
    "01/04/2016",
    "31/03/2022",
    85000,
    4,
    4,
    None,
    "No",
    None,
]


def _row(service_area, system, **cells) -> list:
    row = [service_area, None, system] + [None] * 12
    for header, value in cells.items():
        row[SYSTEMS_HEADER.index(header)] = value
    return row


BROKEN_SYSTEMS = [
    ["Systems in use (one row per system)"],  # row 1: a title row
    SYSTEMS_HEADER,  # row 2
    GOOD_ROW,  # row 3
    _row("Space programme", "Rocket"),  # row 4: unknown service area
    _row("Finance", None, Manufacturer="Oracle"),  # row 5: System blank
    list(GOOD_ROW),  # row 6: duplicate of row 3
    _row("Finance", "Unit4 ERP", **{"Annual cost (£)": "ask finance"}),  # row 7
    _row("Libraries", "Spydus", **{"Value for money": 7}),  # row 8: rating out of range
    _row(
        "Parking", "Chipside", **{"Contract start": "01/04/2020", "Contract end": "31/03/2019"}
    ),  # row 9: end before start
]
BROKEN_SKILLS = [
    ["Skill area", "Level", "In-house staff", "Can support others"],
    ["Juggling", 2, 1, "Yes"],  # row 2: unknown skill area
    ["Cyber security", 3, 1, "No"],  # row 3
]
BROKEN_MATURITY = [["Dimension", "Score"], ["Leadership", 0], ["Data", 4]]  # row 2: score 0

# (sheet, row, column letter, header as written, value, action, rule), worked out by hand.
BROKEN_PROBLEMS = [
    ("Systems", 4, "A", "Service area", "Space programme", "row rejected", "unknown_service_area"),
    ("Systems", 5, "C", "System", "", "row rejected", "missing_required"),
    ("Systems", 6, "", "", "", "row rejected", "duplicate"),
    ("Systems", 7, "J", "Annual cost (£)", "ask finance", "value cleared", "unreadable_cost"),
    ("Systems", 8, "K", "Value for money", "7", "value cleared", "rating_out_of_range"),
    ("Systems", 9, "I", "Contract end", "31/03/2019", "value cleared", "end_before_start"),
    ("Skills", 2, "A", "Skill area", "Juggling", "row rejected", "unknown_skill_area"),
    ("Maturity", 2, "B", "Score", "0", "row rejected", "invalid_required_value"),
]


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_broken_return(
    directory: Path, name: str = "broken.xlsx", authority: str = "London Borough of Hackney"
) -> Path:
    path = _workbook(
        directory / name,
        {
            "Respondent": [["Authority", authority]],
            "Systems": BROKEN_SYSTEMS,
            "Skills": BROKEN_SKILLS,
            "Maturity": BROKEN_MATURITY,
        },
    )
    (directory / "round.json").write_text(
        json.dumps({"snapshot_date": "2019-09-30"}), encoding="utf-8"
    )
    return path


@pytest.fixture()
def broken(tmp_path: Path) -> Path:
    return write_broken_return(tmp_path / "broken")


def _placed(problems) -> list[tuple]:
    return [(p.sheet, p.row, p.column, p.header, p.value, p.action, p.rule) for p in problems]


# --- what is reported ------------------------------------------------------------------------
def test_every_problem_of_a_broken_return_is_placed(broken: Path) -> None:
    report = validate_returns([broken])
    (check,) = report.checks
    assert check.error is None and check.gss_code == "E09000012"
    assert _placed(check.problems) == BROKEN_PROBLEMS
    assert {p.file for p in check.problems} == {"broken.xlsx"}
    assert report.exit_code == 1
    assert report.counts() == {
        "files": 1,
        "ready": 0,
        "with_problems": 1,
        "unreadable": 0,
        "rows_rejected": 5,
        "values_cleared": 3,
    }


def test_what_was_expected_comes_from_the_reference(broken: Path) -> None:
    expected = {p.rule: p.expected for p in validate_returns([broken]).checks[0].problems}
    # the taxonomy's first two service areas and its size (service_areas.csv)
    assert expected["unknown_service_area"] == (
        "a service area from the taxonomy (e.g. Revenues & Benefits, Adult Social Care … 23 in all)"
    )
    assert expected["rating_out_of_range"] == "1–5 or Very poor … Very good (e.g. 4 - Good)"
    assert expected["invalid_required_value"] == expected["rating_out_of_range"]  # maturity score
    assert expected["unknown_skill_area"] == (
        "a skill area from the taxonomy (e.g. Data analysis, Data engineering … 10 in all)"
    )
    assert (
        expected["missing_required"] == "a value in every required column (Service area and System)"
    )
    assert expected["end_before_start"] == "an end date on or after the contract start"
    assert "120k" in expected["unreadable_cost"] and "£1.2m" in expected["unreadable_cost"]
    assert expected["duplicate"] == "each row given once"


def test_rolling_and_synonyms_are_notes_not_problems(tmp_path: Path) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    camden = validate_returns([survey / "camden return v2.xlsx"]).checks[0]
    # rows 6, 7, 8 of SYSTEMS, Skills 5 and Maturity 4 rejected; cost and VfM of row 9 cleared
    assert [(p.sheet, p.row, p.rule) for p in camden.problems] == [
        ("SYSTEMS", 6, "duplicate"),
        ("SYSTEMS", 7, "unknown_service_area"),
        ("SYSTEMS", 8, "missing_required"),
        ("SYSTEMS", 9, "unreadable_cost"),
        ("SYSTEMS", 9, "rating_out_of_range"),
        ("Skills", 5, "duplicate"),
        ("Maturity", 4, "invalid_required_value"),
    ]
    notes = {
        (n.row, n.header, n.value): (n.action, n.detail)
        for n in camden.notes
        if n.sheet == "SYSTEMS"
    }
    assert notes[(9, "Expiry", "rolling")] == ("read as no value", "")
    assert notes[(3, "Service", "Revs & Bens")] == ("value normalised", "Revenues & Benefits")
    # the personal data in the Notes column of row 3 and row 8 is never shown
    assert "07700 900123" not in validate_returns([survey]).to_text(verbose=True)


# --- the command -----------------------------------------------------------------------------
def _run(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


def test_text_report_names_file_sheet_row_column_value_and_outcome(broken: Path) -> None:
    outcome = _run(str(broken))
    assert outcome.exit_code == 1
    text = outcome.output
    assert "broken.xlsx: 8 problems" in text
    assert "sheet Systems, row 7, column J (Annual cost (£)): 'ask finance'" in text
    assert "→ value cleared (unreadable_cost)" in text
    assert "sheet Systems, row 4, column A (Service area): 'Space programme'" in text
    assert "→ row rejected (unknown_service_area)" in text
    assert "sheet Systems, row 6\n" in text and "same values as row 3" in text
    assert "sheet Maturity, row 2, column B (Score): '0'" in text
    assert text.strip().splitlines()[-1] == (
        "Checked 1 file: 0 ready to send, 1 with problems (5 rows would be rejected, "
        "3 values cleared), 0 could not be read."
    )
    assert "value normalised" not in text and "notes (" not in text


def test_verbose_lists_the_notes(tmp_path: Path) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    quiet, verbose = _run(str(survey / "gla.xlsx")), _run(str(survey / "gla.xlsx"), "--verbose")
    assert quiet.exit_code == verbose.exit_code == 0
    line = "sheet Systems, row 2, column A (Service area): 'GIS' → 'GIS & Address' (synonym)"
    assert line not in quiet.output and line in verbose.output


def test_json_report_has_the_same_problems(broken: Path) -> None:
    outcome = _run(str(broken), "--format", "json")
    assert outcome.exit_code == 1
    report = json.loads(outcome.output)
    (entry,) = report["files"]
    assert entry["status"] == "problems" and entry["error"] is None
    placed = [
        (p["sheet"], p["row"], p["column"], p["header"], p["value"], p["action"], p["rule"])
        for p in entry["problems"]
    ]
    assert placed == BROKEN_PROBLEMS
    assert entry["problems"] == [asdict(p) for p in validate_returns([broken]).checks[0].problems]
    assert report["summary"]["rows_rejected"] == 5 and report["exit_code"] == 1
    assert "notes" not in entry
    assert (
        "notes" in json.loads(_run(str(broken), "--format", "json", "--verbose").output)["files"][0]
    )


def test_exit_0_when_clean(tmp_path: Path) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    outcome = _run(str(survey / "gla.xlsx"))
    assert outcome.exit_code == 0, outcome.output
    assert "gla.xlsx: no problems" in outcome.output


def _with_sheets(directory: Path, name: str, **sheets) -> Path:
    return _workbook(directory / name, sheets)


@pytest.mark.parametrize(
    "make, fragments",
    [
        (
            lambda d: (d / "notes.xlsx").write_text("not a spreadsheet") and d / "notes.xlsx",
            [
                "notes.xlsx: cannot be read",
                "file notes.xlsx",
                "cannot be read as an Excel workbook",
            ],
        ),
        (
            lambda d: _with_sheets(d, "no systems.xlsx", Respondent=[["Authority", "Camden"]]),
            ["file no systems.xlsx, sheet Systems", "required sheet 'Systems' is missing"],
        ),
        (
            lambda d: _with_sheets(
                d,
                "atlantis.xlsx",
                Respondent=[["Authority", "Borough of Atlantis"]],
                Systems=[SYSTEMS_HEADER, GOOD_ROW],
            ),
            [
                "file atlantis.xlsx, sheet Respondent, row 1, column B (value)",
                "'Borough of Atlantis'",
            ],
        ),
        (
            lambda d: _with_sheets(
                d,
                "no column.xlsx",
                Respondent=[["Authority", "Camden"]],
                Systems=[["Service area", "Widget"], ["Housing", "x"]],
            ),
            ["file no column.xlsx, sheet Systems, row 1, column System", "no header row"],
        ),
    ],
    ids=["not-a-workbook", "missing-sheet", "unknown-authority", "missing-column"],
)
def test_exit_2_when_a_file_cannot_be_read(tmp_path: Path, make, fragments) -> None:
    path = make(tmp_path)
    outcome = _run(str(path))
    assert outcome.exit_code == 2, outcome.output
    for fragment in fragments:
        assert fragment in outcome.output
    assert "1 could not be read" in outcome.output
    as_json = json.loads(_run(str(path), "--format", "json").output)["files"][0]
    assert as_json["status"] == "unreadable" and as_json["error"]["file"] == path.name


def test_an_unreadable_file_does_not_hide_the_others(tmp_path: Path, broken: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK not really")
    outcome = _run(str(broken), str(bad))
    assert outcome.exit_code == 2
    assert (
        "broken.xlsx: 8 problems" in outcome.output and "bad.xlsx: cannot be read" in outcome.output
    )


def test_two_returns_for_one_authority(tmp_path: Path) -> None:
    first = write_broken_return(tmp_path / "a", "hackney.xlsx")
    second = write_broken_return(tmp_path / "a", "hackney v2.xlsx", authority="Hackney Council")
    report = validate_returns([first, second])
    assert report.exit_code == 2
    assert report.checks[0].error is None
    assert "hackney.xlsx and hackney v2.xlsx" in str(report.checks[1].error)


# --- validate and clean agree ------------------------------------------------------------------
def _clean_side(out: Path) -> set[tuple]:
    """Problems as cleaning records them: rejected rows, and cleared values that are not an
    accepted "no value" answer (corrections.csv writes a cleared value as an empty clean_value)."""
    rejected = pd.read_csv(out / "rejected.csv", dtype=str, keep_default_na=False)
    corrections = pd.read_csv(out / "corrections.csv", dtype=str, keep_default_na=False)
    answered = no_value_rules(load_reference())
    rows = {
        (r.source_file, r.sheet, int(r.source_row), r.column, r.reason)
        for r in rejected.itertuples()
    }
    rows |= {
        (r.source_file, r.sheet, int(r.source_row), r.column, r.rule)
        for r in corrections.itertuples()
        if r.clean_value == "" and r.rule not in answered
    }
    return rows


@pytest.mark.parametrize("survey_of", ["fixture", "broken"])
def test_validate_and_clean_agree(tmp_path: Path, survey_of: str) -> None:
    if survey_of == "fixture":
        survey = write_fixture_survey(tmp_path / "survey")
    else:
        survey = write_broken_return(tmp_path / "survey").parent
    report = validate_returns([survey])
    assert report.exit_code == 1
    result = clean_survey(survey, tmp_path / "out")
    problems = {
        (p.file, p.sheet, p.row, p.field, p.rule) for c in report.checks for p in c.problems
    }
    assert problems == _clean_side(tmp_path / "out")
    assert len(problems) == {"fixture": 7, "broken": 8}[survey_of]
    notes = sum(len(c.notes) for c in report.checks)
    assert notes + sum(
        p.action == "value cleared" for c in report.checks for p in c.problems
    ) == len(result.tables["corrections"])


# --- and on every case of the hostile-input corpus -----------------------------------------------
VALUE_LEVEL_CASES = [
    "implausible_dates",
    "bad_costs",
    "bad_ratings",
    "unicode_names",
    "formula_triggers",
    "script_names",
    "merged_cells",
    "hidden_rows",
    "formula_cells",
    "huge_cell",
    "spaced_sheet_names",
    "whitespace_cells",
    "far_right_values",
    "personal_in_public_columns",
]


@pytest.mark.parametrize("case", corpus.ERROR_CASES, ids=lambda case: case.name)
def test_what_clean_refuses_validate_cannot_read(tmp_path: Path, case) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    case.build(survey)
    with pytest.raises(SurveyInputError) as refused:
        clean_survey(survey, tmp_path / "out")
    report = validate_returns([survey])
    assert report.exit_code == 2
    assert str(refused.value) in {str(c.error) for c in report.checks if c.error is not None}


@pytest.mark.parametrize("name", VALUE_LEVEL_CASES)
def test_validate_and_clean_agree_on_hostile_returns(tmp_path: Path, name: str) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    getattr(corpus, name)(survey)
    report = validate_returns([survey])
    clean_survey(survey, tmp_path / "out")
    # the release writes text a spreadsheet would run as a formula with a leading apostrophe
    problems = {
        (neutralise_formula(p.file), neutralise_formula(p.sheet), p.row, p.field, p.rule)
        for c in report.checks
        for p in c.problems
    }
    assert problems == _clean_side(tmp_path / "out")
    assert report.exit_code == (1 if problems else 0)


def test_expected_text_for_implausible_values_uses_the_snapshot(tmp_path: Path) -> None:
    survey = write_fixture_survey(tmp_path / "survey")  # round.json: snapshot 2019-09-30
    corpus.implausible_dates(survey)
    corpus.bad_costs(survey)
    expected = {
        (p.field, p.rule): p.expected
        for p in validate_returns([survey / corpus.GLA]).checks[0].problems
    }
    # start: up to 5 years after the snapshot year; end: up to 50
    assert (
        expected[("contract_start", "implausible_date")] == "a date from 01/01/1990 to 31/12/2024"
    )
    assert expected[("contract_end", "implausible_date")] == "a date from 01/01/1990 to 31/12/2069"
    assert expected[("annual_cost_gbp", "implausible_cost")] == (
        "an annual amount up to £50,000,000 (check the units)"
    )
    assert expected[("annual_cost_gbp", "negative_cost")].startswith(
        "an amount in pounds, 0 or more"
    )
