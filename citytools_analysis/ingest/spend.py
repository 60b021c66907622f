"""Spend data: reading the councils' published payment files, row by row.

Every English council publishes its payments over £500 each month under the Local
Government Transparency Code (the GLA publishes those over £250). The files are CSV or
``.xlsx``, in ``data/raw/spend/`` with a ``sources.csv`` (file, authority) saying which
authority published which file; an authority may publish many files (one a month).

Each publisher lays its file out in its own way, and :func:`read_spend` takes them as they
come:

- column headers in many wordings (the synonyms are in ``spend_columns.csv``);
- a report preamble above the header (a title, a report date, run parameters, blank lines)
  and totals, blank or footer rows below the data (each accounted for in ``rejected.csv``);
- amounts with thousands separators, currency signs, quotes or none, negatives written
  ``-123.45`` or ``(123.45)`` (credit notes are kept, negative);
- dates in UK and ISO forms, ``01-JUN-2012``, ``15 Jun 2022`` and Excel dates;
- UTF-8 with or without a BOM, Windows-1252, and text that was mis-decoded once before
  publication (``Â`` where a non-breaking space was, ``Ã©`` for ``é``), repaired with ftfy;
- supplier names withheld for payments to individuals ("REDACTED", "Personal data"): the
  payment is kept as a count and an amount, with no name.

Which payments are IT is decided by :mod:`.spend_rules`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import ftfy
import pandas as pd
from openpyxl.utils import column_index_from_string

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import Reference, Vocabulary, fold
from citytools_analysis.ingest import manifest, parsing
from citytools_analysis.ingest.correction_log import CorrectionLog
from citytools_analysis.ingest.manifest import MANIFEST
from citytools_analysis.ingest.names import NameResolver
from citytools_analysis.ingest.privacy import REMOVED, looks_personal
from citytools_analysis.ingest.safe_xlsx import TEXT_ENCODINGS
from citytools_analysis.ingest.spend_rules import PaymentRules, classify_payment
from citytools_analysis.ingest.workbook import SheetTable, open_workbook, read_table_sheet
from citytools_analysis.release.schema import TABLES

#: The sheet name a CSV payment file's rows carry in ``rejected.csv`` and ``corrections.csv``.
CSV_SHEET = "Payments"
#: File kinds read as payment files.
SUFFIXES = (".csv", ".xlsx")
#: Text columns written to ``payments.csv`` (checked for personal data).
TEXT_COLUMNS = ("description", "department")
#: Folded cell texts that mark a totals line below the data.
_TOTAL_WORDS = re.compile(r"^(?:grand |sub ?|page |report |overall )?totals?\b")
#: A supplier cell that is a totals label, not a company ("Total Gas and Power" is a company).
_TOTAL_LABEL = re.compile(r"^(?:grand |sub ?|page |report |overall )?totals?(?: (?:for|of) .*)?$")
_AMOUNT = re.compile(
    r"^(?P<sign1>[-\u2212])?(?:£|gbp)?(?P<sign2>[-\u2212])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)"
    r"(?P<sign3>-)?(?P<cr>cr)?$"
)


@dataclass
class SpendRules:
    """What reading payment files needs from the reference data, prepared once."""

    reference: Reference
    columns: Vocabulary
    required: list[str]
    alternatives: dict[str, list[str]]  # group → its fields, one of which the header must hold
    organisations: NameResolver
    payments: PaymentRules
    redacted_exact: frozenset[str]
    redacted_phrases: list[re.Pattern]
    _resolved: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    @classmethod
    def from_reference(cls, reference: Reference) -> SpendRules:
        """Prepare the rules from ``spend_columns.csv``, ``spend_redacted_terms.csv`` and the
        organisation aliases."""
        table = reference.table("spend_columns")
        columns = Vocabulary(
            "payment file column",
            {
                row.field: [row.header, *[s for s in row.synonyms.split("|") if s.strip()]]
                for row in table.itertuples()
            },
        )
        terms = reference.table("spend_redacted_terms")
        exact = frozenset(fold(t) for t, m in zip(terms.term, terms.match) if m == "exact")
        phrases = [
            re.compile(r"(?<![0-9a-z])" + re.escape(fold(t)) + r"(?![0-9a-z])")
            for t, m in zip(terms.term, terms.match)
            if m == "phrase"
        ]
        return cls(
            reference=reference,
            columns=columns,
            required=list(table[table.required == "yes"].field),
            alternatives={
                group: list(table[table.required == group].field)
                for group in dict.fromkeys(table.required)
                if group not in ("yes", "no")
            },
            organisations=NameResolver.organisations(reference),
            payments=PaymentRules.from_reference(reference),
            redacted_exact=exact | frozenset(fold(t) for t in terms.term),
            redacted_phrases=phrases,
        )

    def is_withheld(self, name: str) -> bool:
        """Whether a published supplier name stands for a withheld name (an individual,
        "REDACTED", "Personal data"), or itself looks personal (an e-mail or telephone)."""
        folded = fold(name)
        if folded in self.redacted_exact or looks_personal(name):
            return True
        return any(p.search(folded) for p in self.redacted_phrases)

    def supplier(self, name: str) -> tuple[str | None, str]:
        """(canonical organisation or None, resolution method), cached per name. A different
        company whose name resembles an IT organisation's (``other_company`` in
        ``spend_it_suppliers.csv``: NEC Group, Northgate Vehicle Hire) is never resolved."""
        if name not in self._resolved:
            if self.payments.is_other_company(name):
                self._resolved[name] = (None, "other_company")
            else:
                found = self.organisations.resolve(name)
                self._resolved[name] = (found.canonical, found.method)
        return self._resolved[name]


# ------------------------------------------------------------------------------------------
# cells
# ------------------------------------------------------------------------------------------


def repair_text(value: Any) -> Any:
    """A text cell with mis-decoding undone and every kind of space made one plain space.

    ``"ACME LTDÂ\\xa0"`` (UTF-8 read as Windows-1252 once) becomes ``"ACME LTD"``; other
    values are returned unchanged.

    >>> repair_text("Caf\\u00c3\\u00a9 Rouge\\u00c2\\u00a0Ltd")
    'Café Rouge Ltd'
    """
    if not isinstance(value, str):
        return value
    return " ".join(ftfy.fix_encoding(value).split())


def parse_amount(raw: Any) -> float | None:
    """A payment amount in pounds, negatives kept; None when it cannot be read.

    Accepts numbers, ``"1,234.56"``, ``"£1,234.56"``, ``"'1234.56'"``, ``"-123.45"``,
    ``"-£123.45"``, ``"£-123.45"``, ``"(123.45)"``, ``"123.45-"`` and ``"123.45 CR"``
    (a credit), with spaces (non-breaking too) anywhere.

    Examples
    --------
    >>> parse_amount("£1,234.50"), parse_amount("(123.45)"), parse_amount("n/a")
    (1234.5, -123.45, None)
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        return round(float(raw), 2) if math.isfinite(raw) else None
    if not isinstance(raw, str):
        return None
    body = "".join(repair_text(raw).split()).strip("'\"").lower()
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    elif body.startswith("£(") and body.endswith(")"):
        negative, body = True, body[2:-1]
    match = _AMOUNT.match(body)
    if match is None:
        return None
    try:
        number = Decimal(match["num"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    if match["sign1"] or match["sign2"] or match["sign3"] or match["cr"]:
        negative = True
    value = float(round(number, 2))
    return -value if negative and value else value


def _text(value: Any) -> str:
    if is_blank(value):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value).split())


# ------------------------------------------------------------------------------------------
# files
# ------------------------------------------------------------------------------------------


class _CsvSheet:
    """A sheet's cells with mis-decoded text repaired, seen as a worksheet so that the
    header-finding rules apply unchanged; ``repaired`` keeps each repaired cell's original
    text by (spreadsheet row, column position)."""

    def __init__(self, title: str, rows: list[tuple[Any, ...]]) -> None:
        self.title = title
        self.repaired: dict[tuple[int, int], str] = {}
        self._rows = []
        for number, row in enumerate(rows, start=1):
            cells = []
            for position, value in enumerate(row):
                if isinstance(value, str) and (fixed := ftfy.fix_encoding(value)) != value:
                    self.repaired[(number, position)] = value
                    value = fixed
                cells.append(value)
            self._rows.append(tuple(cells))

    def iter_rows(self, values_only: bool = True):
        return iter(self._rows)


def decode(data: bytes, file: str) -> str:
    """A CSV file's text: UTF-8 (a BOM dropped), else Windows-1252.

    Raises
    ------
    SurveyInputError
        When the bytes are neither (or hold NUL bytes: not a text file).
    """
    if b"\x00" in data:
        raise SurveyInputError(
            "is not a text (CSV) file: it holds NUL bytes; save it as CSV or .xlsx", file=file
        )
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SurveyInputError("cannot be read as UTF-8 or Windows-1252 text", file=file)


def _sheets(path: Path) -> list:
    """The sheets of a payment file: one for a CSV, every worksheet of a workbook (opened
    through :func:`.workbook.open_workbook`, with its safeguards)."""
    if path.suffix.lower() == ".xlsx":
        workbook = open_workbook(path)
        try:
            return [
                _CsvSheet(sheet.title, [tuple(r) for r in sheet.iter_rows(values_only=True)])
                for sheet in workbook.worksheets
            ]
        finally:
            workbook.close()
    text = decode(path.read_bytes(), path.name)
    try:
        records = [tuple(record) for record in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise SurveyInputError(f"cannot be read as CSV: {error}", file=path.name) from None
    return [_CsvSheet(CSV_SHEET, records)]


def _header_sets(rules: SpendRules) -> list[list[str]]:
    """Every set of columns a header may hold: the required ones and one of each group."""
    sets = [list(rules.required)]
    for fields in rules.alternatives.values():
        sets = [[*chosen, name] for chosen in sets for name in fields]
    return sets


def read_table(path: Path, rules: SpendRules) -> tuple[SheetTable, dict[tuple[int, int], str]]:
    """The payment table of one file, and its repaired cells: the first sheet with a header row naming a supplier, a
    payment (or invoice) date and an amount (or total); the highest such row on the sheet.

    Raises
    ------
    SurveyInputError
        Naming the file (and sheet) and the columns missing, when no sheet has such a header.
    """
    first_error: SurveyInputError | None = None
    for sheet in _sheets(path):
        found = []
        for required in _header_sets(rules):
            try:
                found.append(
                    read_table_sheet(
                        sheet, file=path.name, columns=rules.columns, required=required
                    )
                )
            except SurveyInputError as error:
                first_error = first_error or error
        if found:
            return min(found, key=lambda table: table.header_row), sheet.repaired
    if first_error is None:
        raise SurveyInputError("has no sheet", file=path.name)
    raise SurveyInputError(
        f"is not a payment file: {first_error.message} (a supplier, a payment or invoice "
        "date and an amount or total column are needed; the methodology lists the headers read)",
        file=first_error.file,
        sheet=first_error.sheet if path.suffix.lower() == ".xlsx" else None,
        row=first_error.row,
        column=first_error.column,
    )


def read_manifest(spend_dir: Path, reference: Reference) -> dict[str, str]:
    """File name → GSS code, from the spend folder's ``sources.csv``
    (:func:`.manifest.read_manifest`; an authority may publish many files).

    Raises :class:`SurveyInputError` when the manifest is missing or lacks its columns, names
    an unknown authority or a missing file, lists a file twice, or a payment file in the
    folder is not listed.
    """
    return manifest.read_manifest(spend_dir, reference, publishes="payment file", suffixes=SUFFIXES)


def _is_total(cells: dict[str, Any]) -> bool:
    return any(isinstance(v, str) and _TOTAL_WORDS.match(fold(v)) for v in cells.values())


def read_file(
    path: Path, gss_code: str, rules: SpendRules
) -> tuple[list[dict], list[dict], list[dict]]:
    """Read one payment file: (kept rows, corrections, rejections).

    A data row without a supplier is a totals line when it has an amount or says "Total",
    otherwise a footer or note (``not_a_payment``); a row with a supplier but no readable
    amount is ``unreadable_amount``. Every other row is kept: its amount (negatives kept),
    its date (an unreadable date is cleared and logged), its supplier (canonical when known,
    withheld when it names an individual), and its text.
    """
    table, repaired = read_table(path, rules)
    positions = {
        f: column_index_from_string(letter) - 1 for f, letter in table.column_letters.items()
    }
    file, sheet = path.name, table.sheet
    rows: list[dict] = []
    log = CorrectionLog()
    missing_terms = rules.reference.missing_terms
    for raw in table.rows:
        cells = {k: repair_text(v) for k, v in raw.cells.items()}
        written = _text(cells.get("supplier"))
        money = "amount" if "amount" in table.headers else "total"
        amount = parse_amount(cells.get(money))
        if not written or _TOTAL_LABEL.match(fold(written)):
            if amount is not None or _is_total(cells):
                log.reject(
                    file,
                    sheet,
                    raw.excel_row,
                    "total_row",
                    "supplier",
                    "a totals line, not a payment",
                )
            else:
                log.reject(
                    file,
                    sheet,
                    raw.excel_row,
                    "not_a_payment",
                    "supplier",
                    "no supplier and no amount (a note or footer)",
                )
            continue
        if amount is None:
            log.reject(
                file,
                sheet,
                raw.excel_row,
                "unreadable_amount",
                "amount_gbp",
                f"amount {_text(cells.get(money))[:40]!r} cannot be read",
            )
            continue
        row: dict[str, Any] = {
            "source_file": file,
            "sheet": sheet,
            "source_row": raw.excel_row,
            "gss_code": gss_code,
            "amount_gbp": amount,
        }
        original = {
            column: repaired.get((raw.excel_row, positions.get(column, -1)))
            for column in ("supplier", "description")
        }
        if original["description"] is not None and not looks_personal(cells.get("description")):
            log.correct(
                file,
                sheet,
                raw.excel_row,
                "description",
                _text(original["description"]),
                cells.get("description"),
                "text_mis_decoding_repaired",
            )
        when = "payment_date" if "payment_date" in table.headers else "invoice_date"
        date = parsing.parse_date(cells.get(when), role="start", missing_terms=missing_terms)
        if date.outcome == "invalid":
            log.correct(
                file,
                sheet,
                raw.excel_row,
                "payment_date",
                _text(cells.get(when)),
                None,
                "unreadable_date",
            )
        row["payment_date"] = date.value
        if rules.is_withheld(written):
            log.correct(
                file,
                sheet,
                raw.excel_row,
                "supplier",
                REMOVED,
                None,
                "supplier_withheld",
            )
            row["supplier"], row["withheld"] = "", True
        else:
            canonical, method = rules.supplier(written)
            row["supplier"], row["withheld"] = canonical or written, False
            if canonical is not None and canonical != written:
                log.correct(
                    file,
                    sheet,
                    raw.excel_row,
                    "supplier",
                    _text(original["supplier"] or written),
                    canonical,
                    f"organisation_{method}",
                )
            elif original["supplier"] is not None:
                log.correct(
                    file,
                    sheet,
                    raw.excel_row,
                    "supplier",
                    _text(original["supplier"]),
                    written,
                    "text_mis_decoding_repaired",
                )
        row["supplier_as_published"] = "" if row["withheld"] else written
        kind = " | ".join(
            dict.fromkeys(
                t for t in (_text(cells.get("expense_type")), _text(cells.get("account"))) if t
            )
        )
        detail = _text(cells.get("description"))
        row["expense_type"], row["detail"] = kind, detail
        row["description"] = " | ".join(dict.fromkeys(t for t in (kind, detail) if t))
        row["department"] = " | ".join(
            dict.fromkeys(
                t
                for t in (_text(cells.get(c)) for c in ("directorate", "department", "service"))
                if t
            )
        )
        for column in TEXT_COLUMNS:
            if looks_personal(row[column]):
                log.correct(
                    file,
                    sheet,
                    raw.excel_row,
                    column,
                    _text(row[column]),
                    None,
                    "personal_data_removed",
                )
                row[column] = ""
                if column == "description":
                    row["expense_type"] = row["detail"] = ""
        rows.append(row)
    if len(table.rows) != len(rows) + len(log.rejections):  # pragma: no cover - a guard
        raise AssertionError(f"row accounting failed for {file}")
    return rows, log.correction_rows(), log.rejection_rows()


def read_spend(
    spend_dir: Path | str, reference: Reference, *, rules: SpendRules | None = None
) -> tuple[list[dict], list[dict], list[dict]]:
    """Read every payment file of a spend folder.

    Returns
    -------
    tuple of (rows, corrections, rejections)
        ``rows``: one dict per payment (``source_file``, ``sheet``, ``source_row`` as a
        spreadsheet shows it, ``gss_code``, ``payment_date``, ``amount_gbp``, ``supplier``
        canonical or as published, ``supplier_as_published``, ``withheld``,
        ``expense_type``, ``detail``, ``description``, ``department``); ``corrections`` and
        ``rejections`` in the layout of ``corrections.csv`` and ``rejected.csv``.

    Raises
    ------
    SurveyInputError
        For a folder or file that cannot be read as payment files (manifest problems, a file
        that is not CSV or .xlsx text, no header row with a supplier, date and amount).
    """
    spend_dir = Path(spend_dir)
    rules = rules or SpendRules.from_reference(reference)
    rows: list[dict] = []
    corrections: list[dict] = []
    rejections: list[dict] = []
    for file, gss_code in sorted(read_manifest(spend_dir, reference).items()):
        kept, logged, rejected = read_file(spend_dir / file, gss_code, rules)
        rows.extend(kept)
        corrections.extend(logged)
        rejections.extend(rejected)
    return rows, corrections, rejections


def spend_folder(survey_dir: Path | str, spend_dir: Path | str | None | bool) -> Path | None:
    """The spend folder a cleaning run reads: ``spend_dir``; or, when None, the ``spend``
    folder beside ``survey_dir`` if it holds a ``sources.csv``; ``False`` for none."""
    if spend_dir is False:
        return None
    if spend_dir is None or spend_dir is True:
        beside = Path(survey_dir).parent / "spend"
        return beside if (beside / MANIFEST).is_file() else None
    path = Path(spend_dir)
    if not path.is_dir():
        raise SurveyInputError(f"spend folder not found: {path}")
    return path


# ------------------------------------------------------------------------------------------
# adding spend to the processed tables
# ------------------------------------------------------------------------------------------

#: The supplier ``it_spend`` shows for IT payments whose supplier name is withheld.
WITHHELD = "(withheld)"


def financial_year(date: Any) -> str | None:
    """The financial year (April to March) of a date, as ``"2022-23"``; None for no date.

    >>> import datetime as dt
    >>> financial_year(dt.date(2022, 3, 31)), financial_year(dt.date(2022, 4, 1))
    ('2021-22', '2022-23')
    """
    if date is None or not hasattr(date, "year"):
        return None
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def it_spend(payments: pd.DataFrame) -> pd.DataFrame:
    """IT payments summed by authority, financial year and supplier.

    Payments without a date have no financial year and are left out; withheld names are
    summed under :data:`WITHHELD`.

    Parameters
    ----------
    payments
        Payment rows with ``gss_code``, ``payment_date`` (dates), ``supplier``,
        ``amount_gbp``, ``is_it``.

    Returns
    -------
    DataFrame
        ``gss_code``, ``financial_year``, ``supplier``, ``payments``, ``amount_gbp``.
    """
    columns = ["gss_code", "financial_year", "supplier", "payments", "amount_gbp"]
    if payments.empty:
        return pd.DataFrame(columns=columns)
    frame = payments[payments["is_it"].astype(bool)].copy()
    frame["financial_year"] = [financial_year(d) for d in frame["payment_date"]]
    frame = frame[frame["financial_year"].notna()]
    frame["supplier"] = frame["supplier"].fillna("").replace("", WITHHELD)
    table = (
        frame.groupby(["gss_code", "financial_year", "supplier"])
        .agg(payments=("amount_gbp", "size"), amount_gbp=("amount_gbp", "sum"))
        .reset_index()
    )
    table["amount_gbp"] = table["amount_gbp"].round(2)
    return table[columns]


def add_spend(
    tables: dict[str, pd.DataFrame], spend_dir: Path | str | None, reference: Reference
) -> dict[str, pd.DataFrame]:
    """Add the payment files to the processed tables.

    Every payment row read becomes a ``payments`` row with what the IT rules decided
    (``is_it``, ``it_rule``, ``outcome``); IT payments are summed into ``it_spend``; rows
    that are not payments go to ``rejected`` and changed values to ``corrections``.

    Parameters
    ----------
    tables
        The processed tables so far.
    spend_dir
        Folder of payment files and their ``sources.csv``, or None for none (``payments``
        and ``it_spend`` are then empty).
    reference
        The reference data.
    """
    frames = dict(tables)
    payments: list[dict] = []
    if spend_dir is not None:
        rules = SpendRules.from_reference(reference)
        rows, corrections, rejections = read_spend(spend_dir, reference, rules=rules)
        for row in rows:
            row["is_it"], row["it_rule"] = classify_payment(row, rules.payments)
            row["outcome"] = (
                "not_it" if not row["is_it"] else "withheld" if row["withheld"] else "it"
            )
            payments.append(row)
        keys = {(r["source_file"], r["source_row"]) for r in rows}
        if len(keys) != len(rows) or keys & {
            (r["source_file"], r["source_row"]) for r in rejections
        }:
            raise AssertionError("a payment row is counted twice")  # pragma: no cover - a guard
        frames["corrections"] = pd.concat(
            [
                tables["corrections"],
                pd.DataFrame(corrections, columns=TABLES["corrections"].columns),
            ],
            ignore_index=True,
        )
        frames["rejected"] = pd.concat(
            [tables["rejected"], pd.DataFrame(rejections, columns=TABLES["rejected"].columns)],
            ignore_index=True,
        )
    frames["payments"] = pd.DataFrame(payments, columns=TABLES["payments"].columns)
    frames["it_spend"] = it_spend(
        pd.DataFrame(
            payments, columns=["gss_code", "payment_date", "supplier", "amount_gbp", "is_it"]
        )
    )
    return frames


__all__ = [
    "CSV_SHEET",
    "MANIFEST",
    "WITHHELD",
    "SpendRules",
    "add_spend",
    "decode",
    "financial_year",
    "it_spend",
    "parse_amount",
    "read_file",
    "read_manifest",
    "read_spend",
    "read_table",
    "repair_text",
    "spend_folder",
]
