"""Reading survey workbooks: finding sheets and header rows, and yielding data rows as typed.

This module knows the layout rules of the survey return (sheets found by folded name, a
header row that may follow title rows, blank rows skipped) but nothing about cleaning values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import Vocabulary, fold
from citytools_analysis.ingest.safe_xlsx import open_xlsx, sheet_rows

# A header row must appear within this many rows of the top of a sheet (title rows above it).
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class RawRow:
    """One non-blank data row of a sheet, as typed.

    Attributes
    ----------
    excel_row
        The row number a person sees in Excel (1-based, header included).
    cells
        Field name → raw cell value, for the columns the header names.
    """

    excel_row: int
    cells: dict[str, Any]


@dataclass
class SheetTable:
    """A data sheet read against its column vocabulary."""

    file: str
    sheet: str
    header_row: int
    headers: dict[str, str]  # field → header text as written
    column_letters: dict[str, str]  # field → Excel column letter
    rows: list[RawRow] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)

    def column_label(self, field_name: str) -> str:
        """The column as a person would find it: ``"E (Annual cost (£))"``."""
        letter = self.column_letters.get(field_name, "?")
        return f"{letter} ({self.headers.get(field_name, field_name)})"


def open_workbook(path: Path):
    """Open a return read-only, after the checks of :func:`.safe_xlsx.open_xlsx`.

    Raises
    ------
    SurveyInputError
        Naming the file (and sheet where known) if it is not a readable, safe ``.xlsx``.
    """
    return open_xlsx(path)


def find_sheet(workbook, name: str):
    """The worksheet whose name folds to ``name``'s fold, or ``None``."""
    wanted = fold(name)
    for worksheet in workbook.worksheets:
        if fold(worksheet.title) == wanted:
            return worksheet
    return None


def _rows(worksheet, file: str) -> list[tuple[Any, ...]]:
    return sheet_rows(worksheet, file=file)


def read_table_sheet(
    worksheet,
    *,
    file: str,
    columns: Vocabulary,
    required: list[str],
) -> SheetTable:
    """Read a data sheet: locate its header, map headers to fields, collect non-blank rows.

    Parameters
    ----------
    worksheet
        An openpyxl worksheet.
    file
        The workbook's file name, for messages.
    columns
        Field ← header text and synonyms for this sheet.
    required
        Fields the header row must contain.

    Raises
    ------
    SurveyInputError
        When no row among the first rows holds every required column.
    """
    rows = _rows(worksheet, file)
    sheet = worksheet.title
    best: tuple[int, set[str]] = (0, set())
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {columns.lookup(cell) for cell in row if not is_blank(cell)} - {None}
        if set(required) <= found:
            return _table_from(rows, index, file=file, sheet=sheet, columns=columns)
        if len(found) > len(best[1]):
            best = (index + 1, found)  # type: ignore[assignment]
    missing = [columns.canonical_to_synonyms[f][0] for f in required if f not in best[1]]
    where_row = best[0] if best[1] else None
    raise SurveyInputError(
        "no header row holds the required column(s) "
        + ", ".join(repr(m) for m in missing)
        + (" (the closest header row lacks them)" if where_row else ""),
        file=file,
        sheet=sheet,
        row=where_row,
        column=", ".join(missing),
    )


def _table_from(
    rows: list[tuple[Any, ...]], header_index: int, *, file: str, sheet: str, columns: Vocabulary
) -> SheetTable:
    header = rows[header_index]
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for position, cell in enumerate(header):
        if is_blank(cell):
            continue
        field_name = columns.lookup(cell)
        if field_name is None:
            ignored.append(str(cell))
            continue
        if field_name in positions:
            # Two columns for one field: which one holds the answer cannot be guessed.
            first, second = (
                get_column_letter(positions[field_name] + 1),
                get_column_letter(position + 1),
            )
            raise SurveyInputError(
                f"two columns for {columns.canonical_to_synonyms[field_name][0]!r}: "
                f"{first} ({headers[field_name]}) and {second} ({str(cell).strip()}); keep one",
                file=file,
                sheet=sheet,
                row=header_index + 1,
                column=f"{first}, {second}",
            )
        positions[field_name] = position
        headers[field_name] = str(cell).strip()
    table = SheetTable(
        file=file,
        sheet=sheet,
        header_row=header_index + 1,
        headers=headers,
        column_letters={f: get_column_letter(p + 1) for f, p in positions.items()},
        ignored_headers=ignored,
    )
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = {f: (row[p] if p < len(row) else None) for f, p in positions.items()}
        # A row is blank when every cell of the row is blank, named column or not.
        if all(is_blank(value) for value in row):
            continue
        table.rows.append(RawRow(excel_row=offset, cells=cells))
    return table


@dataclass(frozen=True)
class RespondentItem:
    """One label/value row of the Respondent sheet."""

    field: str
    value: Any
    excel_row: int


def read_respondent(worksheet, *, labels: Vocabulary, file: str = "") -> dict[str, RespondentItem]:
    """Read the Respondent sheet's label/value rows (first non-blank cell is the label).

    Unknown labels and title rows are ignored; the first occurrence of a label wins.
    """
    items: dict[str, RespondentItem] = {}
    for number, row in enumerate(_rows(worksheet, file), start=1):
        cells = [cell for cell in row]
        label_index = next((i for i, c in enumerate(cells) if not is_blank(c)), None)
        if label_index is None:
            continue
        field_name = labels.lookup(cells[label_index])
        if field_name is None or field_name in items:
            continue
        value = next((c for c in cells[label_index + 1 :] if not is_blank(c)), None)
        items[field_name] = RespondentItem(field_name, value, number)
    return items
