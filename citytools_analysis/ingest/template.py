"""The blank survey workbook an authority fills in, generated from the reference data.

``write_template`` lays out the sheets and columns of ``survey_sheets.csv``,
``survey_columns.csv`` and ``respondent_items.csv``, adds an Instructions sheet, and puts
drop-down lists and date and number checks on the cells, so that what a person can type is
what the cleaner reads. Every list is written to a hidden ``Lists`` sheet and the drop-downs
refer to its ranges (an inline list is limited to 255 characters). The file is byte-for-byte
the same on every run.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from citytools_analysis.core.reference import Reference, load_reference
from citytools_analysis.ingest.cleaning import EARLIEST_DATE, MAX_ANNUAL_COST_GBP
from citytools_analysis.ingest.parsing import EXCEL_EPOCH
from citytools_analysis.ingest.validation import (
    accepted_values,
    answer_choices,
    no_end_date_words,
    one_of,
    scale_choices,
)

#: Data rows below the header that carry drop-downs and checks.
DATA_ROWS = 500
#: The hidden sheet holding the drop-down lists.
LISTS_SHEET = "Lists"
INSTRUCTIONS_SHEET = "Instructions"
#: Excel's limits on a data validation's input title and message, and on an inline list.
PROMPT_TITLE_LIMIT = 32
PROMPT_LIMIT = 255
INLINE_LIST_LIMIT = 255
#: Fixed time stamp for the zip entries and document properties (deterministic bytes).
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
_FIXED_W3CDTF = "1980-01-01T00:00:00Z"

DATE_FORMAT = "DD/MM/YYYY"
COST_FORMAT = "#,##0"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_REQUIRED_FILL = PatternFill("solid", fgColor="FFE699")


@dataclass(frozen=True)
class Choice:
    """A drop-down list: its title on the Lists sheet and how to read its values."""

    title: str
    values: Callable[[Reference], list]


def _yes_no(reference: Reference) -> list[str]:
    return [a for a in answer_choices(reference) if a in ("Yes", "No")]


#: The drop-down lists, each generated from the reference data.
CHOICES: dict[str, Choice] = {
    "authority": Choice("Authority", lambda r: list(r.authorities.name)),
    "service_area": Choice("Service area", lambda r: r.service_area_names.canonical),
    "system_type": Choice("Type", lambda r: r.system_type_names.canonical),
    "hosting": Choice("Hosting", lambda r: r.hosting_names.canonical),
    "rating": Choice("Rating", lambda r: scale_choices(r.rating_scale)),
    "replacement_planned": Choice("Replacement planned", answer_choices),
    "skill_area": Choice("Skill area", lambda r: r.skill_area_names.canonical),
    "level": Choice("Level", lambda r: scale_choices(r.skill_levels)),
    "yes_no": Choice("Yes or No", _yes_no),
    "dimension": Choice("Dimension", lambda r: r.maturity_dimension_names.canonical),
    "score": Choice("Score", lambda r: sorted(r.rating_scale)),
}

#: Field → the drop-down list its cells offer.
FIELD_CHOICE = {
    "authority": "authority",
    "service_area": "service_area",
    "system_type": "system_type",
    "hosting": "hosting",
    "value_for_money": "rating",
    "satisfaction": "rating",
    "replacement_planned": "replacement_planned",
    "skill_area": "skill_area",
    "level": "level",
    "can_support": "yes_no",
    "dimension": "dimension",
    "score": "score",
}
#: Fields whose drop-down only warns on other text: "Yes - 2021" is a valid answer.
WARN_ONLY = frozenset({"replacement_planned"})
DATE_FIELDS = frozenset({"contract_start", "contract_end", "date_completed"})
#: Date fields that also take a word ("rolling", "TBC"): a typed word only warns.
DATE_OR_WORD_FIELDS = frozenset({"contract_end"})
#: Number fields → (lower bound, upper bound or None).
DECIMAL_FIELDS: dict[str, tuple[float, float | None]] = {
    "annual_cost_gbp": (0, MAX_ANNUAL_COST_GBP),
    "staff_fte": (0, None),
}


def cell_guidance(reference: Reference, field_name: str) -> str:
    """What to enter in a template cell: its input message and its line in the Instructions.

    Parameters
    ----------
    reference
        The reference data.
    field_name
        A field of ``survey_columns.csv`` or ``respondent_items.csv``.

    Returns
    -------
    str
        For a drop-down, its choices (``"Choose from the list: Frontline or Corporate"``);
        for a checked date or number, the form the check takes; otherwise what the cleaner
        accepts (:func:`~citytools_analysis.ingest.validation.accepted_values`).
    """
    if field_name in FIELD_CHOICE:
        values = CHOICES[FIELD_CHOICE[field_name]].values(reference)
        text = "Choose from the list: " + one_of(values)
        if field_name in WARN_ONLY:
            text += f", optionally with a year, e.g. {values[0]} - 2021"
        return text
    if field_name in DATE_OR_WORD_FIELDS:
        return (
            "A date, e.g. 31/03/2021; or "
            + one_of(no_end_date_words(reference))
            + (" when there is no end date")
        )
    if field_name in DATE_FIELDS:
        return "A date, e.g. 31/03/2021"
    if field_name == "annual_cost_gbp":
        return (
            f"The cost per year in pounds, as a number from 0 to {MAX_ANNUAL_COST_GBP:,}, "
            "e.g. 120000"
        )
    text = accepted_values(reference, field_name)
    return text[:1].upper() + text[1:]


def _excel_serial(day) -> int:
    return (day - EXCEL_EPOCH).days


def _prompt(text: str, limit: int = PROMPT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write_lists(sheet: Worksheet, reference: Reference) -> dict[str, str]:
    """Write each list in its own column; return list key → absolute range formula."""
    ranges: dict[str, str] = {}
    for index, (key, choice) in enumerate(CHOICES.items(), start=1):
        letter = get_column_letter(index)
        header = sheet.cell(1, index, choice.title)
        header.font = _HEADER_FONT
        values = choice.values(reference)
        for row, value in enumerate(values, start=2):
            sheet.cell(row, index, value)
        width = max(len(str(v)) for v in [choice.title, *values])
        sheet.column_dimensions[letter].width = width + 2
        ranges[key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _validation_for(
    field_name: str, header: str, reference: Reference, ranges: dict[str, str]
) -> DataValidation | None:
    """The data validation for one field's cells, or ``None`` for free text."""
    accepted = cell_guidance(reference, field_name)
    common = dict(
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=_prompt(header, PROMPT_TITLE_LIMIT),
        prompt=_prompt(accepted),
        errorTitle=_prompt(header, PROMPT_TITLE_LIMIT),
        error=_prompt(accepted),
    )
    if field_name in FIELD_CHOICE:
        style = "warning" if field_name in WARN_ONLY else "stop"
        return DataValidation(
            type="list", formula1=ranges[FIELD_CHOICE[field_name]], errorStyle=style, **common
        )
    if field_name in DATE_FIELDS:
        style = "warning" if field_name in DATE_OR_WORD_FIELDS else "stop"
        return DataValidation(
            type="date",
            operator="greaterThanOrEqual",
            formula1=str(_excel_serial(EARLIEST_DATE)),
            errorStyle=style,
            **common,
        )
    if field_name in DECIMAL_FIELDS:
        low, high = DECIMAL_FIELDS[field_name]
        if high is None:
            return DataValidation(
                type="decimal",
                operator="greaterThanOrEqual",
                formula1=str(low),
                errorStyle="stop",
                **common,
            )
        return DataValidation(
            type="decimal",
            operator="between",
            formula1=str(low),
            formula2=str(high),
            errorStyle="stop",
            **common,
        )
    return None


def _data_sheet(
    sheet: Worksheet, columns, reference: Reference, ranges: dict[str, str], rows: int
) -> None:
    last = rows + 1
    for index, column in enumerate(columns.itertuples(), start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(1, index, column.header)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required == "yes" else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = len(column.header)
        if column.field in FIELD_CHOICE:
            choices = CHOICES[FIELD_CHOICE[column.field]].values(reference)
            width = max([width, *(len(str(v)) for v in choices)])
        sheet.column_dimensions[letter].width = min(max(width, 12), 40) + 2
        validation = _validation_for(column.field, column.header, reference, ranges)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
        number_format = (
            DATE_FORMAT
            if column.field in DATE_FIELDS
            else (COST_FORMAT if column.field == "annual_cost_gbp" else None)
        )
        if number_format:
            for row in range(2, last + 1):
                sheet.cell(row, index).number_format = number_format
    sheet.freeze_panes = "A2"


def _respondent_sheet(sheet: Worksheet, reference: Reference, ranges: dict[str, str]) -> None:
    items = reference.respondent_items
    sheet.column_dimensions["A"].width = max(len(label) for label in items.label) + 4
    sheet.column_dimensions["B"].width = max(len(n) for n in reference.authorities.name) + 4
    for row, item in enumerate(items.itertuples(), start=1):
        label = sheet.cell(row, 1, item.label)
        label.font = _HEADER_FONT
        label.fill = _REQUIRED_FILL if item.required == "yes" else _HEADER_FILL
        validation = _validation_for(item.field, item.label, reference, ranges)
        if validation is not None:
            validation.add(f"B{row}")
            sheet.add_data_validation(validation)
        if item.field in DATE_FIELDS:
            sheet.cell(row, 2).number_format = DATE_FORMAT


def _instructions_sheet(sheet: Worksheet, reference: Reference) -> None:
    sheets = reference.survey_sheets
    lines: list[list[str]] = [
        ["How to fill in this survey return"],
        ["Fill in one workbook for your authority. Columns and labels shaded yellow are required."],
        [
            "Where a cell offers a drop-down list, choose from it; "
            "other cells check dates and numbers."
        ],
        [
            "Leave a cell blank when you do not know the answer. "
            "Do not rename sheets or column headers."
        ],
        [],
        ["Sheet", "Required", "What it holds"],
        *[[s.sheet, s.required, s.description] for s in sheets.itertuples()],
        [],
        ["Sheet", "Column or label", "Required", "What to enter"],
    ]
    for item in reference.respondent_items.itertuples():
        guidance = cell_guidance(reference, item.field)
        lines.append(["Respondent", item.label, item.required, guidance])
    for sheet_name in sheets.sheet:
        columns = reference.survey_columns[reference.survey_columns.sheet == sheet_name]
        for column in columns.itertuples():
            text = cell_guidance(reference, column.field)
            if column.personal == "yes":
                text += "; do not write names, e-mail addresses or telephone numbers here"
            lines.append([sheet_name, column.header, column.required, text])
    for row in lines:
        sheet.append(row)
    for row in (1, 6, 6 + len(sheets) + 2):
        for cell in sheet[row]:
            cell.font = _HEADER_FONT
    for letter, width in zip("ABCD", (14, 24, 10, 100)):
        sheet.column_dimensions[letter].width = width


def build_template(reference: Reference, rows: int = DATA_ROWS) -> Workbook:
    """Lay out the blank survey workbook.

    Parameters
    ----------
    reference
        The reference data: sheets, columns, labels and every drop-down list come from it.
    rows
        Data rows per sheet that carry drop-downs and checks.

    Returns
    -------
    openpyxl.Workbook
        Sheets Instructions, then those of ``survey_sheets.csv`` (Respondent: labels with
        empty values; the others: a header row of ``survey_columns.csv`` headers), then the
        hidden Lists sheet.
    """
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    _instructions_sheet(instructions, reference)
    sheets = {name: workbook.create_sheet(name) for name in reference.survey_sheets.sheet}
    lists = workbook.create_sheet(LISTS_SHEET)
    ranges = _write_lists(lists, reference)
    lists.sheet_state = "hidden"
    for name, sheet in sheets.items():
        if name == "Respondent":
            _respondent_sheet(sheet, reference, ranges)
            continue
        columns = reference.survey_columns[reference.survey_columns.sheet == name]
        _data_sheet(sheet, columns, reference, ranges, rows)
    workbook.active = 0
    return workbook


def _deterministic(data: bytes) -> bytes:
    """Rewrite an .xlsx with fixed zip time stamps and document dates."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<2>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def write_template(
    out: Path | str, reference_dir: Path | str | None = None, rows: int = DATA_ROWS
) -> Path:
    """Write the blank survey workbook to ``out``.

    Parameters
    ----------
    out
        The ``.xlsx`` file to write (its folder is created).
    reference_dir
        Reference folder (``data/raw/reference/`` by default).
    rows
        Data rows per sheet that carry drop-downs and checks.

    Returns
    -------
    Path
        ``out``. The same reference data always gives the same bytes.
    """
    out = Path(out)
    workbook = build_template(load_reference(reference_dir), rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_deterministic(buffer.getvalue()))
    return out
