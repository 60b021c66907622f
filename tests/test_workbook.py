"""Reading workbooks: sheets by folded name, header rows after title rows, blank rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest.workbook import (
    find_sheet,
    open_workbook,
    read_respondent,
    read_table_sheet,
)


@pytest.fixture(scope="module")
def reference():
    return load_reference()


def _workbook(tmp_path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "return.xlsx"
    workbook.save(path)
    return path


def test_header_after_title_rows_with_synonyms(tmp_path: Path, reference) -> None:
    path = _workbook(
        tmp_path,
        {
            " systems ": [
                ["Our council's systems"],
                [None],
                ["AREA", "Application", "annual cost (£)", "Mystery column"],
                ["Housing", "NEC Housing", "£5k", "x"],
                [None, None, "  ", None],
                ["Parking", "Imperial", None, None],
            ]
        },
    )
    workbook = open_workbook(path)
    sheet = find_sheet(workbook, "Systems")
    table = read_table_sheet(
        sheet,
        file=path.name,
        columns=reference.column_names("Systems"),
        required=reference.required_fields("Systems"),
    )
    assert table.header_row == 3
    assert table.headers == {
        "service_area": "AREA",
        "product": "Application",
        "annual_cost_gbp": "annual cost (£)",
    }
    assert table.ignored_headers == ["Mystery column"]
    assert [r.excel_row for r in table.rows] == [4, 6]
    assert table.rows[0].cells == {
        "service_area": "Housing",
        "product": "NEC Housing",
        "annual_cost_gbp": "£5k",
    }
    assert table.column_label("annual_cost_gbp") == "C (annual cost (£))"


def test_missing_required_column_names_sheet_row_and_column(tmp_path: Path, reference) -> None:
    path = _workbook(
        tmp_path, {"Systems": [["Title"], ["Service area", "Supplier"], ["Housing", "NEC"]]}
    )
    sheet = find_sheet(open_workbook(path), "systems")
    with pytest.raises(SurveyInputError) as caught:
        read_table_sheet(
            sheet,
            file=path.name,
            columns=reference.column_names("Systems"),
            required=reference.required_fields("Systems"),
        )
    error = caught.value
    assert (error.file, error.sheet, error.row, error.column) == (
        "return.xlsx",
        "Systems",
        2,
        "System",
    )


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"%PDF-1.4 not a spreadsheet")
    with pytest.raises(SurveyInputError, match="fake.xlsx.*cannot be read as an Excel workbook"):
        open_workbook(path)


def test_respondent_labels_and_values(tmp_path: Path, reference) -> None:
    path = _workbook(
        tmp_path,
        {
            "Respondent": [
                ["Survey 2019"],
                [],
                ["  authority ", None, "LB Hackney"],
                ["E-mail", "a@b.example"],
            ]
        },
    )
    items = read_respondent(
        find_sheet(open_workbook(path), "Respondent"), labels=reference.respondent_labels
    )
    assert items["authority"].value == "LB Hackney"
    assert items["authority"].excel_row == 3
    assert items["email"].value == "a@b.example"
