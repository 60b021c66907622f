"""Cleaning survey returns into the processed tables (the rules of the survey return format).

``clean_survey`` reads every workbook of a survey folder, applies the survey format's rules
row by row, resolves organisation and product names, checks that every raw row is accounted
for, and writes the release atomically. ``read_return`` cleans one workbook and is shared
with the return validator, so the two can never disagree.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import Reference, fold, load_reference
from citytools_analysis.ingest import parsing
from citytools_analysis.ingest.correction_log import Correction, CorrectionLog, Rejection
from citytools_analysis.ingest.names import NameResolver, Resolution
from citytools_analysis.ingest.privacy import REMOVED, looks_personal
from citytools_analysis.ingest.registers import add_registers, contracts_folder
from citytools_analysis.ingest.returns_store import ReturnsStore
from citytools_analysis.ingest.spend import add_spend, spend_folder
from citytools_analysis.ingest.workbook import (
    RawRow,
    SheetTable,
    find_sheet,
    open_workbook,
    read_respondent,
    read_table_sheet,
)
from citytools_analysis.release.schema import TABLES
from citytools_analysis.release.writer import (
    datapackage_descriptor,
    staged_release,
    write_datapackage,
    write_table,
)

# Plausibility bounds for dates and costs (a value outside them is cleared and logged, the
# row kept): one set for returns and registers, in parsing; named here for the validator
# and the template.
EARLIEST_DATE = parsing.EARLIEST_DATE
LATEST_START_YEARS_AFTER_SNAPSHOT = parsing.LATEST_START_YEARS_AFTER_SNAPSHOT
LATEST_END_YEARS_AFTER_SNAPSHOT = parsing.LATEST_END_YEARS_AFTER_SNAPSHOT
MAX_ANNUAL_COST_GBP = parsing.MAX_ANNUAL_COST_GBP
ROUND_FILE = "round.json"
# Systems columns whose text is published as typed (after name resolution): the ones where
# an e-mail address or telephone number typed by mistake would leak.
PUBLISHED_TEXT_COLUMNS = ("function", "product", "manufacturer", "supplier")
SURVEY_SUFFIXES = (".xlsx", ".xlsm")
# Spreadsheet formats a return may be saved in that cannot be read: refused, never skipped,
# so that a return saved as .xls does not silently become a non-response.
UNREADABLE_SUFFIXES = (".xls", ".xlsb", ".ods", ".numbers")


@dataclass
class SheetAccount:
    """Row accounting for one sheet: data rows read, carried, rejected."""

    source_file: str
    sheet: str
    read: int = 0
    carried: int = 0
    rejected: int = 0


@dataclass
class CleanReturn:
    """One cleaned workbook: its authority and the rows of each table it contributes."""

    source_file: str
    gss_code: str
    authority_row: int
    date_completed: date | None
    systems: list[dict] = field(default_factory=list)
    integrations: list[dict] = field(default_factory=list)
    skills: list[dict] = field(default_factory=list)
    maturity: list[dict] = field(default_factory=list)
    log: CorrectionLog = field(default_factory=CorrectionLog)
    accounts: list[SheetAccount] = field(default_factory=list)
    # Each data sheet as read (keyed by its title as written): header row, column letters and
    # headers, raw rows; lets the return validator name a problem's column as a person sees it.
    layouts: dict[str, SheetTable] = field(default_factory=dict)

    @property
    def rejected(self) -> list[Rejection]:
        """The rows of this return not carried, in the order they were read."""
        return self.log.rejections

    @property
    def corrections(self) -> list[Correction]:
        """The values of this return changed or cleared, in the order they were read."""
        return self.log.corrections


@dataclass
class CleanResult:
    """What a cleaning run did, for the notebook and the command line."""

    out_dir: Path
    returns: list[CleanReturn]
    tables: dict[str, pd.DataFrame]
    accounts: list[SheetAccount]
    snapshot_date: date | None

    def summary(self) -> str:
        read = sum(a.read for a in self.accounts)
        carried = sum(a.carried for a in self.accounts)
        rejected = sum(a.rejected for a in self.accounts)
        return (
            f"{len(self.returns)} returns cleaned into {self.out_dir}: {read} data rows read, "
            f"{carried} carried, {rejected} rejected; {len(self.tables['systems'])} systems, "
            f"{len(self.tables['corrections'])} values corrected or cleared; "
            f"snapshot date {self.snapshot_date.isoformat() if self.snapshot_date else 'unknown'}."
        )


class Cleaner:
    """The cleaning rules, bound to one reference folder and its name resolvers."""

    def __init__(self, reference: Reference, snapshot_date: date | None = None) -> None:
        self.reference = reference
        self.snapshot_date = snapshot_date
        self.organisations = NameResolver.organisations(reference)
        self.products = NameResolver.products(reference)
        catalogue = reference.products
        self.product_manufacturer = dict(zip(catalogue["product"], catalogue["manufacturer"]))

    # --- one workbook --------------------------------------------------------------------
    def read_return(self, path: Path) -> CleanReturn:
        """Clean one workbook; raise :class:`SurveyInputError` if it cannot be cleaned at all."""
        path = Path(path)
        workbook = open_workbook(path)
        try:
            return self._read_open_return(path.name, workbook)
        finally:
            workbook.close()

    def _read_open_return(self, file: str, workbook) -> CleanReturn:
        reference = self.reference
        for sheet_name in reference.survey_sheets[reference.survey_sheets.required == "yes"].sheet:
            if find_sheet(workbook, sheet_name) is None:
                present = ", ".join(repr(ws.title) for ws in workbook.worksheets) or "none"
                raise SurveyInputError(
                    f"required sheet {sheet_name!r} is missing (sheets present: {present})",
                    file=file,
                    sheet=sheet_name,
                )
        gss_code, authority_row, date_completed = self._respondent(
            file, find_sheet(workbook, "Respondent")
        )
        result = CleanReturn(file, gss_code, authority_row, date_completed)
        systems_sheet = find_sheet(workbook, "Systems")
        systems = read_table_sheet(
            systems_sheet,
            file=file,
            columns=reference.column_names("Systems"),
            required=reference.required_fields("Systems"),
        )
        if not systems.rows:
            # A return that lists no system is a blank template or data on the wrong sheet;
            # counting it as a response would distort every per-authority figure.
            raise SurveyInputError(
                "the sheet has a header but no data rows: a return lists at least one system",
                file=file,
                sheet=systems.sheet,
                row=systems.header_row,
            )
        result.layouts[systems.sheet] = systems
        self._systems(systems, result)
        for sheet_name, handler in (("Skills", self._skills), ("Maturity", self._maturity)):
            worksheet = find_sheet(workbook, sheet_name)
            if worksheet is None:
                continue
            table = read_table_sheet(
                worksheet,
                file=file,
                columns=reference.column_names(sheet_name),
                required=reference.required_fields(sheet_name),
            )
            result.layouts[table.sheet] = table
            handler(table, result)
        return result

    def _respondent(self, file: str, worksheet) -> tuple[str, int, date | None]:
        items = read_respondent(worksheet, labels=self.reference.respondent_labels, file=file)
        authority = items.get("authority")
        if authority is None or is_blank(authority.value):
            raise SurveyInputError(
                "no 'Authority' row with a value: the return must name its authority",
                file=file,
                sheet=worksheet.title,
                row=authority.excel_row if authority else None,
                column="B (value)" if authority else "A (label)",
            )
        gss_code = self.reference.authority_names.lookup(authority.value)
        if gss_code is None:
            raise SurveyInputError(
                f"unknown authority {str(authority.value)!r}: not a London authority in "
                "the reference list (data/raw/reference/authorities.csv)",
                file=file,
                sheet=worksheet.title,
                row=authority.excel_row,
                column="B (value)",
            )
        completed = items.get("date_completed")
        date_completed = None
        if completed is not None and not is_blank(completed.value):
            parsed = parsing.parse_date(completed.value, role="start")
            date_completed = parsed.value if parsed.outcome in ("ok", "changed") else None
        return gss_code, authority.excel_row, date_completed

    # --- helpers for logging -----------------------------------------------------------------
    @staticmethod
    def _text(value: Any) -> str:
        """A raw cell as a rejection's detail quotes it (personal details are removed when the
        rejection is logged)."""
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)

    def _log(
        self,
        result: CleanReturn,
        table: SheetTable,
        row: RawRow,
        column: str,
        raw: Any,
        clean: Any,
        rule: str,
        cleared: bool = False,
    ) -> None:
        result.log.correct(
            table.file, table.sheet, row.excel_row, column, raw, clean, rule, cleared=cleared
        )

    @staticmethod
    def _take(column: str, parsed: parsing.Parsed, raw: Any, pending: list[tuple]) -> Any:
        """Return a parsed value, queueing the correction if the parser changed or cleared it."""
        if parsed.logged:
            pending.append((column, raw, parsed.value, parsed.rule, parsed.value is None))
        return parsed.value

    # --- Systems -----------------------------------------------------------------------------
    def _systems(self, table: SheetTable, result: CleanReturn) -> None:
        account = SheetAccount(table.file, table.sheet)
        result.accounts.append(account)
        reference = self.reference
        seen: dict[tuple, int] = {}
        kept_rows: list[tuple[dict, list[str]]] = []
        required = reference.required_fields("Systems")  # a DataFrame filter: once, not per row
        for row in table.rows:
            account.read += 1
            cells = row.cells
            pending: list[tuple] = []
            missing = [f for f in required if is_blank(cells.get(f))]
            if missing:
                self._reject(
                    result,
                    account,
                    table,
                    row,
                    "missing_required",
                    missing[0],
                    "required value blank: " + ", ".join(table.headers.get(m, m) for m in missing),
                )
                continue
            area = parsing.parse_choice(
                cells["service_area"], vocabulary=reference.service_area_names
            )
            if area.value is None:
                self._reject(
                    result,
                    account,
                    table,
                    row,
                    "unknown_service_area",
                    "service_area",
                    f"{str(cells['service_area']).strip()!r} is not in the service-area taxonomy",
                )
                continue
            service_area = self._take("service_area", area, cells["service_area"], pending)
            record = {
                "record_id": f"{result.gss_code}-{row.excel_row:05d}",
                "gss_code": result.gss_code,
                "service_area": service_area,
                "source_file": table.file,
                "source_row": row.excel_row,
            }
            function = parsing.parse_text(cells.get("function"))
            record["function"] = self._take("function", function, cells.get("function"), pending)
            self._names(record, cells, pending)
            self._type_and_hosting(record, cells, pending)
            self._contract(record, cells, pending)
            cost = parsing.parse_money(
                cells.get("annual_cost_gbp"), missing_terms=reference.missing_terms
            )
            value = self._take("annual_cost_gbp", cost, cells.get("annual_cost_gbp"), pending)
            if value is not None and value > MAX_ANNUAL_COST_GBP:
                # One log line per cell: the clearing replaces any format rule queued above.
                pending[:] = [p for p in pending if p[0] != "annual_cost_gbp"]
                pending.append(
                    (
                        "annual_cost_gbp",
                        cells.get("annual_cost_gbp"),
                        None,
                        "implausible_cost",
                        True,
                    )
                )
                value = None
            record["annual_cost_gbp"] = value
            for column in ("value_for_money", "satisfaction"):
                rating = parsing.parse_rating(
                    cells.get(column),
                    scale=reference.rating_scale,
                    missing_terms=reference.missing_terms,
                )
                record[column] = self._take(column, rating, cells.get(column), pending)
            answer, year = parsing.parse_replacement(
                cells.get("replacement_planned"),
                answer_terms=reference.answer_terms,
                missing_terms=reference.missing_terms,
            )
            record["replacement_planned"] = self._take(
                "replacement_planned", answer, cells.get("replacement_planned"), pending
            )
            record["replacement_year"] = self._take(
                "replacement_year", year, cells.get("replacement_planned"), pending
            )
            if year.value is not None and not year.logged:
                # The year is split out of the answer cell: a new value, so it is logged.
                pending.append(
                    (
                        "replacement_year",
                        cells.get("replacement_planned"),
                        year.value,
                        "replacement_year_from_answer",
                        False,
                    )
                )
            links = parsing.split_integrations(cells.get("integrates_with"))
            personal_required = self._remove_personal(record, links, pending, required)
            if personal_required:
                self._reject(
                    result,
                    account,
                    table,
                    row,
                    "personal_data",
                    personal_required,
                    "a required value looked like personal data (an e-mail address or "
                    "telephone number); it is not written out",
                )
                continue
            signature = tuple(
                sorted(
                    (k, str(v)) for k, v in record.items() if k not in ("record_id", "source_row")
                )
            ) + (tuple(fold(n) for n in links),)
            if signature in seen:
                self._reject(
                    result,
                    account,
                    table,
                    row,
                    "duplicate",
                    "",
                    f"same values as row {seen[signature]}",
                )
                continue
            seen[signature] = row.excel_row
            for column, raw, clean, rule, cleared in pending:
                self._log(result, table, row, column, raw, clean, rule, cleared)
            account.carried += 1
            result.systems.append(record)
            kept_rows.append((record, links, cells.get("product")))
        self._integrations(kept_rows, result, table)

    @staticmethod
    def _remove_personal(
        record: dict, links: list[str], pending: list[tuple], required: list[str]
    ) -> str | None:
        """Clear published text that holds an e-mail address or telephone number.

        An optional value is cleared and logged (rule ``personal_data_removed``, raw value
        not kept); the name of a required column holding one is returned (the row is rejected).
        """
        for column in PUBLISHED_TEXT_COLUMNS:
            if not looks_personal(record.get(column)):
                continue
            if column in required:
                return column
            record[column] = None
            pending[:] = [p for p in pending if p[0] != column]
            pending.append((column, REMOVED, None, "personal_data_removed", True))
        kept = [name for name in links if not looks_personal(name)]
        if len(kept) < len(links):
            links[:] = kept
            pending.append(("linked_name", REMOVED, None, "personal_data_removed", True))
        return None

    def _reject(
        self,
        result: CleanReturn,
        account: SheetAccount,
        table: SheetTable,
        row: RawRow,
        reason: str,
        column: str,
        detail: str,
    ) -> None:
        account.rejected += 1  # the log removes a detail quoting a personal value
        result.log.reject(table.file, table.sheet, row.excel_row, reason, column, detail)

    def _resolve_organisation(self, raw: Any, column: str, pending: list[tuple]) -> str | None:
        if is_blank(raw):
            return None
        tidy = " ".join(str(raw).split())
        found: Resolution = self.organisations.resolve(tidy)
        if found.canonical is None:
            # A product name in an organisation column ("NEC Housing" as supplier): its maker
            # (the product's name or alias as listed, never a generic-word or fuzzy match).
            as_product = self.products.resolve_listed(tidy)
            maker = self.product_manufacturer.get(as_product.canonical or "")
            if maker is not None:
                pending.append((column, raw, maker, "organisation_from_product_name", False))
                return maker
            if tidy != raw:
                pending.append((column, raw, tidy, "whitespace", False))
            return tidy
        if found.canonical != raw:
            pending.append((column, raw, found.canonical, f"organisation_{found.method}", False))
        return found.canonical

    def _names(self, record: dict, cells: dict, pending: list[tuple]) -> None:
        raw_product = cells.get("product")
        tidy = " ".join(str(raw_product).split())
        found = self.products.resolve(tidy)
        if found.canonical is None:
            product = tidy
            if tidy != raw_product:
                pending.append(("product", raw_product, tidy, "whitespace", False))
        else:
            product = found.canonical
            if product != raw_product:
                pending.append(("product", raw_product, product, f"product_{found.method}", False))
        record["product"] = product
        returned_manufacturer = self._resolve_organisation(
            cells.get("manufacturer"), "manufacturer", pending
        )
        catalogue_manufacturer = self.product_manufacturer.get(product) if found.canonical else None
        manufacturer = returned_manufacturer
        if catalogue_manufacturer is not None and catalogue_manufacturer != returned_manufacturer:
            # The product table is the authority on who makes a known product; drop any
            # alias correction queued for the returned name and log the product rule instead.
            pending[:] = [p for p in pending if p[0] != "manufacturer"]
            pending.append(
                (
                    "manufacturer",
                    cells.get("manufacturer") or "",
                    catalogue_manufacturer,
                    "manufacturer_from_product",
                    False,
                )
            )
            manufacturer = catalogue_manufacturer
        record["manufacturer"] = manufacturer
        supplier = self._resolve_organisation(cells.get("supplier"), "supplier", pending)
        if supplier is None and manufacturer is not None:
            pending.append(
                (
                    "supplier",
                    cells.get("supplier") or "",
                    manufacturer,
                    "supplier_from_manufacturer",
                    False,
                )
            )
            supplier = manufacturer
        record["supplier"] = supplier

    def _type_and_hosting(self, record: dict, cells: dict, pending: list[tuple]) -> None:
        reference = self.reference
        raw_type = cells.get("system_type")
        default = reference.default_system_type[record["service_area"]]
        if is_blank(raw_type):
            record["system_type"] = default
            pending.append(
                ("system_type", raw_type or "", default, "type_from_service_area", False)
            )
        else:
            parsed = parsing.parse_choice(raw_type, vocabulary=reference.system_type_names)
            if parsed.value is None:
                pending.append(
                    ("system_type", raw_type, default, "unknown_type_default_used", False)
                )
                record["system_type"] = default
            else:
                if parsed.logged:
                    pending.append(("system_type", raw_type, parsed.value, parsed.rule, False))
                record["system_type"] = parsed.value
        hosting = parsing.parse_choice(
            cells.get("hosting"),
            vocabulary=reference.hosting_names,
            missing_terms=reference.missing_terms,
        )
        if hosting.logged:
            pending.append(
                (
                    "hosting",
                    cells.get("hosting"),
                    hosting.value,
                    hosting.rule,
                    hosting.value is None,
                )
            )
        record["hosting"] = hosting.value

    def _contract(self, record: dict, cells: dict, pending: list[tuple]) -> None:
        start = parsing.parse_date(
            cells.get("contract_start"), role="start", missing_terms=self.reference.missing_terms
        )
        if start.logged:
            pending.append(
                (
                    "contract_start",
                    cells.get("contract_start"),
                    start.value,
                    start.rule,
                    start.value is None,
                )
            )
        end, status = parsing.parse_contract_end(
            cells.get("contract_end"),
            end_terms=self.reference.contract_end_terms,
            missing_terms=self.reference.missing_terms,
        )
        if end.logged:
            pending.append(
                ("contract_end", cells.get("contract_end"), end.value, end.rule, end.value is None)
            )
        start_value, end_value = start.value, end.value
        if start_value is not None and not self._plausible(
            start_value, LATEST_START_YEARS_AFTER_SNAPSHOT
        ):
            pending[:] = [p for p in pending if p[0] != "contract_start"]
            pending.append(
                ("contract_start", cells.get("contract_start"), None, "implausible_date", True)
            )
            start_value = None
        if end_value is not None and not self._plausible(
            end_value, LATEST_END_YEARS_AFTER_SNAPSHOT
        ):
            pending[:] = [p for p in pending if p[0] != "contract_end"]
            pending.append(
                ("contract_end", cells.get("contract_end"), None, "implausible_date", True)
            )
            end_value, status = None, "unknown"
        if start_value is not None and end_value is not None and end_value < start_value:
            pending[:] = [p for p in pending if p[0] != "contract_end"]
            pending.append(
                ("contract_end", cells.get("contract_end"), None, "end_before_start", True)
            )
            end_value, status = None, "unknown"
        record["contract_start"] = start_value
        record["contract_end"] = end_value
        record["contract_end_status"] = status

    def _plausible(self, value: date, years_after: int) -> bool:
        return parsing.plausible_date(value, self.snapshot_date, years_after)

    def _integrations(
        self, kept: list[tuple[dict, list[str], Any]], result: CleanReturn, table: SheetTable
    ) -> None:
        """Link each "Integrates with" name to a system of the same return.

        A name links to the row whose System cell it equals (after ``fold``), or whose
        canonical product it resolves to (any alias, generic-word or typing-error form).
        A name that links to no other row of the return is not stored: it is logged in
        ``corrections.csv`` (rule ``integration_not_in_return``, or
        ``integration_names_itself`` for a row naming its own system).
        """
        by_name: dict[str, str] = {}
        for record, _links, raw_product in kept:
            for name in (record["product"], raw_product):
                by_name.setdefault(fold(name), record["record_id"])
        for record, links, _raw in kept:
            for name in links:
                linked = by_name.get(fold(name))
                if linked is None:
                    resolved = self.products.resolve(name)
                    if resolved.canonical is not None:
                        linked = by_name.get(fold(resolved.canonical))
                if linked is None or linked == record["record_id"]:
                    rule = (
                        "integration_not_in_return"
                        if linked is None
                        else "integration_names_itself"
                    )
                    result.log.correct(
                        table.file,
                        table.sheet,
                        record["source_row"],
                        "integrates_with",
                        " ".join(name.split()),
                        None,
                        rule,
                    )
                    continue
                result.integrations.append(
                    {
                        "gss_code": result.gss_code,
                        "record_id": record["record_id"],
                        "linked_record_id": linked,
                        "linked_name": " ".join(name.split()),
                    }
                )

    # --- Skills and Maturity -----------------------------------------------------------------
    def _keyed_sheet(
        self,
        table: SheetTable,
        result: CleanReturn,
        key_field: str,
        vocabulary,
        unknown_reason: str,
        build,
    ) -> list[dict]:
        account = SheetAccount(table.file, table.sheet)
        result.accounts.append(account)
        rows: list[dict] = []
        seen: dict[str, int] = {}
        required = self.reference.required_fields(table_name(table))  # once, not per row
        for row in table.rows:
            account.read += 1
            cells = row.cells
            missing = [f for f in required if is_blank(cells.get(f))]
            if missing:
                self._reject(
                    result,
                    account,
                    table,
                    row,
                    "missing_required",
                    missing[0],
                    "required value blank: " + ", ".join(table.headers.get(m, m) for m in missing),
                )
                continue
            key = parsing.parse_choice(cells[key_field], vocabulary=vocabulary)
            if key.value is None:
                self._reject(
                    result,
                    account,
                    table,
                    row,
                    unknown_reason,
                    key_field,
                    f"{str(cells[key_field]).strip()!r} is not in the reference list",
                )
                continue
            pending: list[tuple] = []
            if key.logged:
                pending.append((key_field, cells[key_field], key.value, key.rule, False))
            record = build(cells, pending)
            if isinstance(record, tuple):  # (reason, column, detail): the row cannot be kept
                self._reject(result, account, table, row, *record)
                continue
            if key.value in seen:
                self._reject(
                    result,
                    account,
                    table,
                    row,
                    "duplicate",
                    key_field,
                    f"{key.value} already given in row {seen[key.value]}",
                )
                continue
            seen[key.value] = row.excel_row
            record.update(
                {
                    key_field: key.value,
                    "gss_code": result.gss_code,
                    "source_file": table.file,
                    "source_row": row.excel_row,
                }
            )
            for column, raw, clean, rule, cleared in pending:
                self._log(result, table, row, column, raw, clean, rule, cleared)
            account.carried += 1
            rows.append(record)
        return rows

    def _skills(self, table: SheetTable, result: CleanReturn) -> None:
        reference = self.reference

        def build(cells: dict, pending: list[tuple]) -> dict | tuple[str, str, str]:
            level = parsing.parse_level(
                cells.get("level"),
                levels=reference.skill_levels,
                missing_terms=reference.missing_terms,
            )
            if level.value is None:
                return (
                    "invalid_required_value",
                    "level",
                    f"level {self._text(cells.get('level'))!r} is not 0–4 or a level name",
                )
            if level.logged:
                pending.append(("level", cells.get("level"), level.value, level.rule, False))
            fte = parsing.parse_fte(cells.get("staff_fte"), missing_terms=reference.missing_terms)
            if fte.logged:
                pending.append(
                    ("staff_fte", cells.get("staff_fte"), fte.value, fte.rule, fte.value is None)
                )
            support = parsing.parse_answer(
                cells.get("can_support"),
                answer_terms=reference.answer_terms,
                missing_terms=reference.missing_terms,
            )
            can_support = parsing.answer_flag(support.value)
            if support.value is not None and can_support is None:
                pending.append(
                    ("can_support", cells.get("can_support"), None, "not_yes_or_no", True)
                )
            elif support.logged:
                pending.append(
                    (
                        "can_support",
                        cells.get("can_support"),
                        support.value,
                        support.rule,
                        support.value is None,
                    )
                )
            return {"level": level.value, "staff_fte": fte.value, "can_support": can_support}

        result.skills.extend(
            self._keyed_sheet(
                table, result, "skill_area", reference.skill_area_names, "unknown_skill_area", build
            )
        )

    def _maturity(self, table: SheetTable, result: CleanReturn) -> None:
        reference = self.reference

        def build(cells: dict, pending: list[tuple]) -> dict | tuple[str, str, str]:
            score = parsing.parse_rating(
                cells.get("score"),
                scale=reference.rating_scale,
                missing_terms=reference.missing_terms,
            )
            if score.value is None:
                return (
                    "invalid_required_value",
                    "score",
                    f"score {self._text(cells.get('score'))!r} is not 1–5",
                )
            if score.logged:
                pending.append(("score", cells.get("score"), score.value, score.rule, False))
            return {"score": score.value}

        result.maturity.extend(
            self._keyed_sheet(
                table,
                result,
                "dimension",
                reference.maturity_dimension_names,
                "unknown_dimension",
                build,
            )
        )


def table_name(table: SheetTable) -> str:
    """The survey sheet a table was read as (its canonical sheet name)."""
    return {fold(n): n for n in ("Systems", "Skills", "Maturity")}[fold(table.sheet)]


# --- the whole survey ----------------------------------------------------------------------------
def survey_files(survey_dir: Path) -> list[Path]:
    """Every return in a survey folder, in name order (Office lock files and hidden files skipped)."""
    return sorted(
        path
        for path in Path(survey_dir).iterdir()
        if path.is_file()
        and path.suffix.lower() in SURVEY_SUFFIXES
        and not path.name.startswith(("~$", "."))
    )


def unreadable_files(survey_dir: Path) -> list[Path]:
    """Files saved in a spreadsheet format the survey does not accept (.xls, .ods, ...)."""
    return sorted(
        path
        for path in Path(survey_dir).iterdir()
        if path.is_file()
        and path.suffix.lower() in UNREADABLE_SUFFIXES
        and not path.name.startswith(("~$", "."))
    )


def unreadable_format_error(path: Path) -> SurveyInputError:
    """The error for a return saved in a format that cannot be read."""
    return SurveyInputError(
        f"a return in a format that cannot be read ({Path(path).suffix}): "
        "open it in a spreadsheet program and save it as an Excel Workbook (.xlsx)",
        file=Path(path).name,
    )


def second_return_error(
    gss_code: str, first_file: str, second_file: str, authority_row: int | None
) -> SurveyInputError:
    """The error for a second return from one authority, naming both files."""
    return SurveyInputError(
        f"two returns for one authority ({gss_code}): {first_file} and {second_file}; "
        "keep only the latest",
        file=second_file,
        sheet="Respondent",
        row=authority_row,
        column="B (value)",
    )


def read_round(survey_dir: Path) -> dict:
    """The survey round's settings (snapshot date, whether synthetic) from ``round.json``."""
    path = Path(survey_dir) / ROUND_FILE
    if not path.exists():
        return {}
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SurveyInputError(f"not valid JSON: {error}", file=ROUND_FILE) from None
    if not isinstance(settings, dict):
        raise SurveyInputError("must be a JSON object", file=ROUND_FILE)
    try:
        if settings.get("snapshot_date"):
            date.fromisoformat(str(settings["snapshot_date"]))
    except ValueError:
        raise SurveyInputError(
            f"snapshot_date {settings['snapshot_date']!r} is not a date (YYYY-MM-DD)",
            file=ROUND_FILE,
        ) from None
    return settings


def check_accounting(result: CleanReturn) -> None:
    """Row accounting: for each sheet, data rows read = rows carried + rows rejected."""
    for account in result.accounts:
        if account.read != account.carried + account.rejected:
            raise AssertionError(
                f"row accounting failed for {account.source_file} / {account.sheet}: "
                f"{account.read} read != {account.carried} carried + {account.rejected} rejected"
            )
    carried = Counter(
        r["source_file"]
        for name in ("systems", "skills", "maturity")
        for r in getattr(result, name)
    )
    if carried[result.source_file] != sum(a.carried for a in result.accounts):
        raise AssertionError(f"carried rows of {result.source_file} do not add up")
    rejected = Counter(r.sheet for r in result.rejected)
    for account in result.accounts:
        if rejected[account.sheet] != account.rejected:
            raise AssertionError(
                f"rejected rows of {account.source_file} / {account.sheet} do not add up"
            )


def clean_survey(
    survey_dir: Path | str,
    out_dir: Path | str,
    reference_dir: Path | str | None = None,
    contracts_dir: Path | str | None | bool = None,
    spend_dir: Path | str | None | bool = None,
    store: Path | str | None = None,
) -> CleanResult:
    """Clean every return in ``survey_dir`` into the processed tables in ``out_dir``.

    Parameters
    ----------
    survey_dir
        Folder of ``.xlsx`` returns (and optionally ``round.json``).
    out_dir
        Folder for the release; replaced atomically only when the whole run succeeds.
    reference_dir
        Reference folder (``data/raw/reference/`` by default).
    contracts_dir
        Folder of contract registers merged in by :func:`.registers.add_registers`; ``None``
        is the ``contracts`` folder beside ``survey_dir`` when it has a ``sources.csv``,
        ``False`` is none.
    spend_dir
        Folder of payment files added by :func:`.spend.add_spend`; ``None`` is the
        ``spend`` folder beside ``survey_dir`` when it has a ``sources.csv``, ``False`` is
        none.
    store
        A folder of returns already read (:mod:`.returns_store`, the build's): a return whose
        file, reference folder, snapshot setting and reading code are unchanged is taken from
        it instead of being read again; ``None`` reads every return.

    Returns
    -------
    CleanResult

    Raises
    ------
    SurveyInputError
        For input that cannot be cleaned row by row: a file that is not a workbook, a missing
        required sheet or column, an unknown authority, two returns for one authority.
    """
    survey_dir, out_dir = Path(survey_dir), Path(out_dir)
    if not survey_dir.is_dir():
        raise SurveyInputError(f"survey folder not found: {survey_dir}")
    reference = load_reference(reference_dir)
    settings = read_round(survey_dir)
    snapshot = (
        date.fromisoformat(settings["snapshot_date"]) if settings.get("snapshot_date") else None
    )
    cleaner = Cleaner(reference, snapshot)
    returns: list[CleanReturn] = []
    unreadable = unreadable_files(survey_dir)
    if unreadable:
        raise unreadable_format_error(unreadable[0])
    files = survey_files(survey_dir)
    if not files:
        raise SurveyInputError(f"no .xlsx returns in {survey_dir}")
    kept = ReturnsStore(store, reference.directory, snapshot)
    for path in files:
        returns.append(kept.read(path, cleaner.read_return, CleanReturn))
    by_authority: dict[str, list[CleanReturn]] = defaultdict(list)
    for clean_return in returns:
        by_authority[clean_return.gss_code].append(clean_return)
    for gss_code, group in sorted(by_authority.items()):
        if len(group) > 1:
            raise second_return_error(
                gss_code, group[0].source_file, group[1].source_file, group[1].authority_row
            )
    if snapshot is None:
        completed = [r.date_completed for r in returns if r.date_completed is not None]
        snapshot = max(completed) if completed else None
    for clean_return in returns:
        check_accounting(clean_return)
    tables = add_registers(
        assemble_tables(returns, reference),
        returns,
        contracts_folder(survey_dir, contracts_dir),
        reference,
        snapshot,
    )
    tables = add_spend(tables, spend_folder(survey_dir, spend_dir), reference)
    with staged_release(out_dir) as staging:
        for name, table in TABLES.items():
            write_table(tables[name], table, staging)
        write_datapackage(
            staging,
            datapackage_descriptor(
                snapshot_date=snapshot.isoformat() if snapshot else None,
                synthetic=bool(settings.get("synthetic", False)),
                round_name=settings.get("round"),
            ),
        )
    accounts = [a for r in returns for a in r.accounts]
    return CleanResult(out_dir, returns, tables, accounts, snapshot)


def assemble_tables(returns: list[CleanReturn], reference: Reference) -> dict[str, pd.DataFrame]:
    """Gather every return's rows into the processed tables (unsorted; the writer sorts)."""
    responded = {r.gss_code: r.source_file for r in returns}
    authorities = reference.authorities.copy()
    authorities["responded"] = authorities.gss_code.isin(responded)
    authorities["source_file"] = authorities.gss_code.map(responded)
    frames = {
        "authorities": authorities,
        "systems": pd.DataFrame([s for r in returns for s in r.systems]),
        "integrations": pd.DataFrame([s for r in returns for s in r.integrations]),
        "skills": pd.DataFrame([s for r in returns for s in r.skills]),
        "maturity": pd.DataFrame([s for r in returns for s in r.maturity]),
        "rejected": pd.DataFrame([row for r in returns for row in r.log.rejection_rows()]),
        "corrections": pd.DataFrame([row for r in returns for row in r.log.correction_rows()]),
    }
    for name, frame in frames.items():
        for column in TABLES[name].columns:
            if column not in frame:
                frame[column] = pd.Series(dtype=object)
        frames[name] = frame[TABLES[name].columns]
    return frames
