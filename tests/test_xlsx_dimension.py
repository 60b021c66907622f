"""Opening a workbook reads each sheet's ``<dimension>`` without parsing its cells.

openpyxl looks for ``<dimension>`` with end-of-element events, so on a sheet without one it
parses every cell before giving up; :func:`open_xlsx` stops at the start of the cells. The
rows read are the same as openpyxl's own, with or without a dimension.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet._reader import WorkSheetParser

from citytools_analysis.ingest.safe_xlsx import open_xlsx, sheet_rows


def _written(path: Path, *, write_only: bool, first_row: int = 1, first_column: int = 1) -> Path:
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("Systems") if write_only else workbook.active
    if not write_only:
        sheet.title = "Systems"
        for row in range(3):
            for column in range(3):
                sheet.cell(first_row + row, first_column + column, f"r{row}c{column}")
    else:
        for row in range(3):
            sheet.append([f"r{row}c{column}" for column in range(3)])
    workbook.save(path)
    return path


def _rows(path: Path, ours: bool) -> list[tuple]:
    workbook = open_xlsx(path) if ours else load_workbook(path, read_only=True, data_only=True)
    try:
        return sheet_rows(workbook["Systems"], file=path.name)
    finally:
        workbook.close()


@pytest.mark.parametrize(
    ("write_only", "first_row", "first_column"),
    [(True, 1, 1), (False, 1, 1), (False, 3, 2)],
    ids=["no dimension", "dimension from A1", "dimension from B3"],
)
def test_rows_are_openpyxls_own(tmp_path, write_only, first_row, first_column) -> None:
    path = _written(
        tmp_path / "book.xlsx",
        write_only=write_only,
        first_row=first_row,
        first_column=first_column,
    )
    assert _rows(path, ours=True) == _rows(path, ours=False)
    assert _rows(path, ours=True)[-1][-1] == "r2c2"


def test_a_sheet_without_dimension_is_not_parsed_to_its_end_on_opening(
    tmp_path, monkeypatch
) -> None:
    path = _written(tmp_path / "book.xlsx", write_only=True)

    def whole_sheet(self):
        raise AssertionError("the whole sheet was parsed to look for its dimension")

    monkeypatch.setattr(WorkSheetParser, "parse_dimensions", whole_sheet)
    workbook = open_xlsx(path)
    try:
        assert sheet_rows(workbook["Systems"], file=path.name)[0] == ("r0c0", "r0c1", "r0c2")
    finally:
        workbook.close()
    with pytest.raises(AssertionError, match="parsed to look"):
        load_workbook(path, read_only=True)  # openpyxl's own opening would have


@pytest.mark.parametrize("claim", ["nonsense!!", "", "A1:XFE1048577", "C3:A1"])
def test_a_damaged_dimension_claim_is_ignored_and_the_rows_read(tmp_path, claim) -> None:
    import re
    import zipfile

    written = _written(tmp_path / "written.xlsx", write_only=False)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, found = re.subn(
                    rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{claim}"/>'.encode(), data
                )
                assert found == 1
            target.writestr(item, data)
    assert _rows(damaged, ours=True) == _rows(written, ours=True)
