"""Reading contract registers: every council's CSV into clean rows, with what was changed logged.

Every London authority publishes a contract register under the Local Government Transparency
Code (contracts over £5,000). The registers are CSV files in ``data/raw/contracts/``, listed
in ``sources.csv`` (file, authority). Each council names its columns in its own way (the
synonyms are in ``register_columns.csv``), writes dates and money in its own format and
saves in its own encoding. :func:`read_registers` reads every row; a row without a supplier
or a title, or the exact copy of an earlier row, is rejected with its reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.reference import Reference
from citytools_analysis.ingest import manifest, parsing
from citytools_analysis.ingest.correction_log import CorrectionLog
from citytools_analysis.ingest.manifest import MANIFEST
from citytools_analysis.ingest.privacy import looks_personal
from citytools_analysis.ingest.register_rules import RegisterRules
from citytools_analysis.ingest.safe_xlsx import TEXT_ENCODINGS, read_text_file
from citytools_analysis.ingest.workbook import read_table_sheet

#: The name register rows carry in ``rejected.csv`` and ``corrections.csv`` (``sheet``).
REGISTER_SHEET = "Contract register"
#: Parsing rules that only read a register's own date or money format: not logged.
FORMAT_RULES = frozenset(
    {
        "",
        "whitespace",
        "date_day_first",
        "date_text",
        "date_iso",
        "date_time_dropped",
        "money_currency_format",
        "money_rounded",
    }
)
#: Text columns published in ``contracts.csv`` (checked for personal data).
TEXT_COLUMNS = ("reference", "title", "description", "department", "procurement_route")
_CPV = re.compile(r"(?<!\d)(\d{8})(?:-\d)?(?!\d)")
_COMPANY = re.compile(r"^(?:[A-Z]{2}\d{6}|\d{1,8})$")


class _CsvSheet:
    """A CSV file seen as a worksheet, so that the survey's header rules apply unchanged."""

    def __init__(self, title: str, rows: list[tuple[str, ...]]) -> None:
        self.title = title
        self._rows = rows

    def iter_rows(self, values_only: bool = True):
        return iter(self._rows)


def _decode(path: Path) -> str:
    return read_text_file(path, TEXT_ENCODINGS)  # within a size limit, or a clear error


def read_manifest(contracts_dir: Path, reference: Reference) -> dict[str, str]:
    """File name → GSS code, from the contracts folder's ``sources.csv``
    (:func:`.manifest.read_manifest`: one register per authority, every CSV listed).

    Raises
    ------
    SurveyInputError
        When the manifest is missing, names an unknown authority or a missing file, lists a
        file twice or two files for one authority, or a CSV in the folder is not listed.
    """
    return manifest.read_manifest(
        contracts_dir, reference, publishes="register", suffixes=(".csv",), one_per_authority=True
    )


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if not is_blank(value) else ""


def _log(
    log: CorrectionLog, file: str, row: int, column: str, raw: Any, clean: Any, rule: str
) -> None:
    """Log a register value changed or cleared; its raw value is the published text, tidied."""
    log.correct(file, REGISTER_SHEET, row, column, _text(raw), clean, rule)


def _read_row(
    cells: dict,
    file: str,
    excel_row: int,
    gss_code: str,
    rules: RegisterRules,
    snapshot: dt.date | None,
    log: CorrectionLog,
) -> dict:
    reference = rules.reference
    missing_terms = reference.missing_terms
    row: dict[str, Any] = {"source_file": file, "source_row": excel_row, "gss_code": gss_code}
    for column in TEXT_COLUMNS:
        text = _text(cells.get(column))
        if looks_personal(text):
            _log(log, file, excel_row, column, text, None, "personal_data_removed")
            text = ""
        row[column] = text
    # supplier: canonical organisation, else a product's maker, else as written (tidied)
    written = _text(cells.get("supplier"))
    found = rules.organisations.resolve(written)
    supplier, rule = found.canonical, f"organisation_{found.method}"
    if supplier is None:
        maker = rules.catalogue.get(
            rules.product_names.resolve_listed(written).canonical or "", (None,)
        )[0]
        supplier, rule = (maker, "organisation_from_product_name") if maker else (written, "")
    if supplier != written and rule:
        _log(log, file, excel_row, "supplier", written, supplier, rule)
    row["supplier"] = supplier
    # company number: as at Companies House (eight characters; leading zeros restored)
    company = _text(cells.get("company_number")).upper().replace(" ", "")
    if company and not _COMPANY.match(company):
        _log(
            log,
            file,
            excel_row,
            "company_number",
            company,
            None,
            "unreadable_company_number",
        )
        company = ""
    elif company.isdigit() and len(company) < 8:
        _log(
            log,
            file,
            excel_row,
            "company_number",
            company,
            company.zfill(8),
            "company_number_zero_padded",
        )
        company = company.zfill(8)
    row["company_number"] = company
    # dates and value
    for column, role in (("contract_start", "start"), ("contract_end", "end")):
        raw = cells.get(column)
        parsed = parsing.parse_date(raw, role=role, missing_terms=missing_terms)
        value = parsed.value
        # a register's start and end are both held to the bounds of a return's end date
        if value is not None and not parsing.plausible_date(
            value, snapshot, parsing.LATEST_END_YEARS_AFTER_SNAPSHOT
        ):
            _log(log, file, excel_row, column, raw, None, "implausible_date")
            value = None
        elif parsed.logged and parsed.rule not in FORMAT_RULES:
            _log(log, file, excel_row, column, raw, value, parsed.rule)
        row[column] = value
    if (
        row["contract_start"]
        and row["contract_end"]
        and row["contract_end"] < row["contract_start"]
    ):
        _log(
            log,
            file,
            excel_row,
            "contract_end",
            cells.get("contract_end"),
            None,
            "end_before_start",
        )
        row["contract_end"] = None
    money = parsing.parse_money(cells.get("value_gbp"), missing_terms=missing_terms)
    if money.logged and money.rule not in FORMAT_RULES:
        _log(
            log,
            file,
            excel_row,
            "value_gbp",
            cells.get("value_gbp"),
            money.value,
            money.rule,
        )
    row["value_gbp"] = money.value
    for column in ("sme", "vcse"):
        answer = parsing.parse_answer(
            cells.get(column), answer_terms=reference.answer_terms, missing_terms=missing_terms
        )
        flag = parsing.answer_flag(answer.value)
        if answer.value is not None and flag is None or answer.outcome == "invalid":
            _log(log, file, excel_row, column, cells.get(column), None, "not_yes_or_no")
        row[column] = flag
    row["cpv"] = ";".join(dict.fromkeys(_CPV.findall(_text(cells.get("cpv")))))
    return row


def read_registers(
    contracts_dir: Path | str,
    reference: Reference,
    *,
    snapshot: dt.date | None = None,
    rules: RegisterRules | None = None,
) -> tuple[list[dict], list[dict], list[dict]]:
    """Read every register of a contracts folder into clean rows.

    Parameters
    ----------
    contracts_dir
        Folder of register CSVs and their ``sources.csv``.
    reference
        The reference data.
    snapshot
        The round's snapshot date (dates more than 50 years after it are cleared).
    rules
        Prepared rules; built from ``reference`` when not given.

    Returns
    -------
    tuple of (rows, corrections, rejections)
        ``rows``: one dict per kept register row (``source_file``, ``source_row`` as a
        spreadsheet shows it, ``gss_code``, the text columns, canonical ``supplier``,
        ``company_number``, ``contract_start``/``contract_end`` as dates, ``value_gbp``,
        ``sme``/``vcse`` booleans, ``cpv`` codes joined by ``;``). ``corrections`` and
        ``rejections`` in the layout of ``corrections.csv`` and ``rejected.csv`` (sheet
        :data:`REGISTER_SHEET`). A register's own date and money formats are read, not
        logged; a name mapped, a value changed in meaning or a value cleared is logged.

    Raises
    ------
    SurveyInputError
        For a folder that cannot be read row by row (manifest problems, a file without a
        header row holding the required columns).
    """
    contracts_dir = Path(contracts_dir)
    rules = rules or RegisterRules.from_reference(reference)
    rows: list[dict] = []
    log = CorrectionLog()
    for file, gss_code in sorted(read_manifest(contracts_dir, reference).items()):
        records = [
            tuple(record) for record in csv.reader(io.StringIO(_decode(contracts_dir / file)))
        ]
        table = read_table_sheet(
            _CsvSheet(REGISTER_SHEET, records),
            file=file,
            columns=rules.columns,
            required=rules.required,
        )
        seen: dict[tuple, int] = {}
        read = carried = rejected = 0
        for raw in table.rows:
            read += 1
            cells = {k: ("" if is_blank(v) else str(v).strip()) for k, v in raw.cells.items()}
            reason, column, detail = "", "", ""
            signature = tuple(sorted(cells.items()))
            if not cells.get("supplier"):
                reason, column, detail = "missing_required", "supplier", "supplier blank"
            elif not cells.get("title") and not cells.get("description"):
                reason, column, detail = "missing_required", "title", "title and description blank"
            elif signature in seen:
                reason, detail = "duplicate", f"same values as row {seen[signature]}"
            if reason:
                rejected += 1
                log.reject(file, REGISTER_SHEET, raw.excel_row, reason, column, detail)
                continue
            seen[signature] = raw.excel_row
            carried += 1
            rows.append(_read_row(cells, file, raw.excel_row, gss_code, rules, snapshot, log))
        if read != carried + rejected:  # pragma: no cover - a guard on the loop above
            raise AssertionError(f"row accounting failed for {file}")
    return rows, log.correction_rows(), log.rejection_rows()


__all__ = ["MANIFEST", "REGISTER_SHEET", "read_manifest", "read_registers"]
