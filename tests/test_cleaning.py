"""Cleaning: the hand-written fixture survey gives the hand-written expected tables."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
from fixture_returns import PERSONAL_VALUES, write_fixture_survey
from openpyxl import load_workbook
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.ingest.cleaning import clean_survey

EXPECTED = Path(__file__).parent / "fixtures" / "expected"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture()
def cleaned(tmp_path: Path) -> Path:
    survey = write_fixture_survey(tmp_path / "survey")
    out = tmp_path / "processed"
    clean_survey(survey, out)
    return out


@pytest.mark.parametrize("table", ["systems", "integrations", "skills", "maturity"])
def test_tables_match_hand_worked_expectation(cleaned: Path, table: str) -> None:
    pdt.assert_frame_equal(_csv(cleaned / f"{table}.csv"), _csv(EXPECTED / f"{table}.csv"))


def test_rejected_rows_and_reasons(cleaned: Path) -> None:
    expected = _csv(EXPECTED / "rejected.csv")
    actual = _csv(cleaned / "rejected.csv")[expected.columns]
    pdt.assert_frame_equal(actual, expected)


def test_corrections_log_every_changed_value(cleaned: Path) -> None:
    expected = _csv(EXPECTED / "corrections.csv")
    actual = _csv(cleaned / "corrections.csv")
    keyed = {(r.sheet, r.source_row, r.column): r.clean_value for r in actual.itertuples()}
    for row in expected.itertuples():
        assert keyed.get((row.sheet, row.source_row, row.column)) == row.clean_value, row
    # an unchanged value is not logged, nor is anything from a rejected row
    assert ("SYSTEMS", "3", "satisfaction") not in keyed
    assert not actual[(actual.sheet == "SYSTEMS") & actual.source_row.isin(["6", "7", "8"])].shape[
        0
    ]


def test_authorities_mark_who_responded(cleaned: Path) -> None:
    authorities = _csv(cleaned / "authorities.csv")
    assert len(authorities) == 34
    assert sorted(authorities[authorities.responded == "true"].gss_code) == [
        "E09000007",
        "E61000001",
    ]
    assert authorities.gss_code.is_monotonic_increasing


def test_row_accounting(cleaned: Path, tmp_path: Path) -> None:
    # Camden: 6 non-blank Systems rows (3, 5-9), 4 Skills rows, 3 Maturity rows; GLA: 1 row.
    rejected = _csv(cleaned / "rejected.csv")
    systems = _csv(cleaned / "systems.csv")
    skills = _csv(cleaned / "skills.csv")
    maturity = _csv(cleaned / "maturity.csv")
    assert len(systems) + (rejected.sheet.str.lower() == "systems").sum() == 6 + 1
    assert len(skills) + (rejected.sheet == "Skills").sum() == 4
    assert len(maturity) + (rejected.sheet == "Maturity").sum() == 3


def test_no_personal_data_in_release(cleaned: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(cleaned.iterdir()))
    for value in PERSONAL_VALUES:
        assert value not in text
    assert "ask jo.bloggs" not in text


def test_snapshot_date_in_datapackage(cleaned: Path) -> None:
    import json

    package = json.loads((cleaned / "datapackage.json").read_text())
    assert package["snapshot_date"] == "2019-09-30"
    assert package["synthetic"] is True


def test_two_runs_are_byte_identical(tmp_path: Path) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    clean_survey(survey, tmp_path / "a")
    clean_survey(survey, tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert not mismatch and not errors and len(match) == 11


# --- input that cannot be cleaned row by row -------------------------------------------------


def _break(survey: Path, name: str, edit) -> None:
    path = survey / name
    workbook = load_workbook(path)
    edit(workbook)
    workbook.save(path)


def _assert_fails_untouched(survey: Path, out: Path, *fragments: str) -> None:
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(SurveyInputError) as caught:
        clean_survey(survey, out)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


@pytest.fixture()
def survey_and_release(tmp_path: Path) -> tuple[Path, Path]:
    survey = write_fixture_survey(tmp_path / "survey")
    out = tmp_path / "processed"
    clean_survey(survey, out)
    return survey, out


def test_unknown_authority(survey_and_release) -> None:
    survey, out = survey_and_release
    _break(survey, "gla.xlsx", lambda wb: wb["Respondent"].cell(1, 2, "Borough of Atlantis"))
    _assert_fails_untouched(
        survey, out, "gla.xlsx", "sheet Respondent", "row 1", "column B", "Borough of Atlantis"
    )


def test_missing_systems_sheet(survey_and_release) -> None:
    survey, out = survey_and_release
    _break(survey, "gla.xlsx", lambda wb: wb.remove(wb["Systems"]))
    _assert_fails_untouched(survey, out, "gla.xlsx", "sheet Systems", "missing")


def test_missing_required_column(survey_and_release) -> None:
    survey, out = survey_and_release
    _break(survey, "camden return v2.xlsx", lambda wb: wb["SYSTEMS"].cell(2, 2, "Widget"))
    _assert_fails_untouched(
        survey, out, "camden return v2.xlsx", "sheet SYSTEMS", "row 2", "column System"
    )


def test_two_returns_for_one_authority(survey_and_release) -> None:
    survey, out = survey_and_release
    (survey / "gla copy.xlsx").write_bytes((survey / "gla.xlsx").read_bytes())
    _assert_fails_untouched(survey, out, "gla copy.xlsx", "gla.xlsx", "two returns")


def test_file_that_is_not_a_workbook(survey_and_release) -> None:
    survey, out = survey_and_release
    (survey / "notes.xlsx").write_text("this is not a spreadsheet", encoding="utf-8")
    _assert_fails_untouched(survey, out, "notes.xlsx", "cannot be read as an Excel workbook")


def test_command_line_exit_and_message(survey_and_release) -> None:
    survey, out = survey_and_release
    (survey / "notes.xlsx").write_text("this is not a spreadsheet", encoding="utf-8")
    outcome = CliRunner().invoke(app, ["clean", "--survey-dir", str(survey), "--out-dir", str(out)])
    assert outcome.exit_code == 2
    assert "file notes.xlsx" in outcome.output


def test_product_name_in_supplier_column_gives_its_maker() -> None:
    from citytools_analysis.core.reference import load_reference
    from citytools_analysis.ingest.cleaning import Cleaner

    cleaner = Cleaner(load_reference())
    pending: list[tuple] = []
    assert (
        cleaner._resolve_organisation("NEC Housing", "supplier", pending)
        == "NEC Software Solutions"
    )
    assert pending == [
        (
            "supplier",
            "NEC Housing",
            "NEC Software Solutions",
            "organisation_from_product_name",
            False,
        )
    ]
    pending.clear()
    assert (
        cleaner._resolve_organisation("Acme Widgets Ltd", "supplier", pending) == "Acme Widgets Ltd"
    )
    assert pending == []
