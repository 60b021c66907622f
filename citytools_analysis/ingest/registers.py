"""Contract registers: reading them, picking out IT contracts, and matching them to survey systems.

Every London authority publishes a contract register under the Local Government Transparency
Code (contracts over £5,000). The registers are CSV files in ``data/raw/contracts/``, listed
in ``sources.csv`` (file, authority). Each council names its columns in its own way (the
synonyms are in ``register_columns.csv``), writes dates and money in its own format and
saves in its own encoding.

The pipeline reads every row (:func:`read_registers`), decides whether it is an IT contract
(:func:`classify_it`: the CPV family first, then words, with the rule that decided logged),
matches IT rows to the survey's systems of the same authority (:func:`match_to_systems`:
the same canonical supplier and overlapping dates; one register row matches at most one
system and one system at most one register row), and adds what the survey lacks
(:func:`add_registers`): contract values and dates where the survey has none, and the
systems of authorities that did not respond. Unmatched IT rows of a responding authority are
not added: the survey is that authority's own list of its systems, and adding a row the
matcher missed would count one contract twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from citytools_analysis.ingest import parsing
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.ingest.safe_xlsx import read_text_file
from citytools_analysis.ingest.names import NameResolver, resolve_authority
from citytools_analysis.ingest.privacy import REMOVED, looks_personal
from citytools_analysis.core.reference import Reference, Vocabulary, fold
from citytools_analysis.ingest.workbook import is_blank, read_table_sheet

#: The name register rows carry in ``rejected.csv`` and ``corrections.csv`` (``sheet``).
REGISTER_SHEET = "Contract register"
#: The manifest of a contracts folder: which authority published which file.
MANIFEST = "sources.csv"
#: Encodings tried in turn (a BOM is dropped; Windows-1252 is what Excel saves as "CSV").
ENCODINGS = ("utf-8-sig", "cp1252")
#: Parsing rules that only read a register's own date or money format: not logged.
FORMAT_RULES = frozenset({
    "", "whitespace", "date_day_first", "date_text", "date_iso", "date_time_dropped",
    "money_currency_format", "money_rounded",
})
#: Plausible contract dates (outside them a date is cleared and logged).
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_YEARS_AFTER_SNAPSHOT = 50
#: Date distance (days) used when a pair of contracts cannot be compared on dates.
UNKNOWN_DATE_DISTANCE = 100_000
#: Text columns published in ``contracts.csv`` (checked for personal data).
TEXT_COLUMNS = ("reference", "title", "description", "department", "procurement_route")
_CPV = re.compile(r"(?<!\d)(\d{8})(?:-\d)?(?!\d)")
_SYSTEM_WORD = re.compile(r"(?<![0-9a-z])systems?(?![0-9a-z])")
_COMPANY = re.compile(r"^(?:[A-Z]{2}\d{6}|\d{1,8})$")


def _phrase(text: str) -> re.Pattern:
    return re.compile(r"(?<![0-9a-z])" + re.escape(text) + r"(?![0-9a-z])")


def _cased(text: str) -> re.Pattern:
    return re.compile(r"(?<![0-9A-Za-z])" + re.escape(text) + r"(?![0-9A-Za-z])")


@dataclass
class RegisterRules:
    """What reading and classifying registers needs from the reference data, prepared once.

    Build it with :meth:`from_reference`.
    """

    reference: Reference
    columns: Vocabulary
    required: list[str]
    cpv_families: list[tuple[str, str]]  # (prefix, family), longest prefix first
    keywords: list[tuple[str, str, re.Pattern, bool]]  # (kind, keyword, pattern, cased)
    products: list[tuple[str, str, re.Pattern]]  # (alias, product, pattern), longest first
    areas: list[tuple[str, str, re.Pattern]]  # (label, service area, pattern), longest first
    organisations: NameResolver
    product_names: NameResolver
    catalogue: dict[str, tuple[str, str]]  # product → (manufacturer, service area)
    products_of: dict[str, list[str]]  # manufacturer → its products
    known_organisations: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_reference(cls, reference: Reference) -> RegisterRules:
        """Prepare the rules from a reference folder.

        Parameters
        ----------
        reference
            The reference data: ``register_columns.csv``, ``cpv_it.csv``,
            ``it_keywords.csv``, products, aliases and service areas.
        """
        table = reference.table("register_columns")
        columns = Vocabulary("register column", {
            row.field: [row.header, *[s for s in row.synonyms.split("|") if s.strip()]]
            for row in table.itertuples()})
        required = list(table[table.required == "yes"].field)
        cpv = reference.table("cpv_it")
        families = sorted(zip(cpv.prefix, cpv.family), key=lambda p: (-len(p[0]), p[0]))
        keywords = []
        for row in reference.table("it_keywords").itertuples():
            word = row.keyword.strip()
            cased = word.isupper()
            pattern = _cased(word) if cased else _phrase(fold(word))
            keywords.append((row.kind, word, pattern, cased))
        catalogue = {p: (m, a) for p, m, a in zip(reference.products["product"],
                                                  reference.products["manufacturer"],
                                                  reference.products["service_area"])}
        aliases = dict(zip(reference.product_aliases["alias"], reference.product_aliases["product"]))
        for product in catalogue:
            aliases.setdefault(product, product)
        # Product names are matched as written (case counts): "Uniform" the product is not
        # "staff uniforms", and "ONE" is not "one". Two-letter aliases are too ambiguous.
        products = sorted(((a, p, _cased(a)) for a, p in aliases.items() if len(a) >= 3),
                          key=lambda t: (-len(t[0]), t[0]))
        areas = []
        for area, synonyms in reference.service_area_names.canonical_to_synonyms.items():
            for label in {area, *synonyms}:
                if fold(label):
                    areas.append((fold(label), area, _phrase(fold(label))))
        areas.sort(key=lambda t: (-len(t[0]), t[0]))
        products_of: dict[str, list[str]] = {}
        for product, (maker, _area) in sorted(catalogue.items()):
            products_of.setdefault(maker, []).append(product)
        return cls(
            reference=reference, columns=columns, required=required, cpv_families=families,
            keywords=keywords, products=products, areas=areas,
            organisations=NameResolver.organisations(reference),
            product_names=NameResolver.products(reference), catalogue=catalogue,
            products_of=products_of,
            known_organisations=frozenset(reference.organisations["organisation"]),
        )

    # --- what a text names -------------------------------------------------------------------
    def product_named(self, text: str) -> str | None:
        """The canonical product a text names (longest alias first, case as written), or None."""
        for alias, product, pattern in self.products:
            if pattern.search(text):
                return product
        return None

    def area_named(self, text: str) -> str | None:
        """The service area a text names (its name or a synonym, longest first), or None."""
        folded = fold(text)
        for _label, area, pattern in self.areas:
            if pattern.search(folded):
                return area
        return None


# ------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------


class _CsvSheet:
    """A CSV file seen as a worksheet, so that the survey's header rules apply unchanged."""

    def __init__(self, title: str, rows: list[tuple[str, ...]]) -> None:
        self.title = title
        self._rows = rows

    def iter_rows(self, values_only: bool = True):
        return iter(self._rows)


def _decode(path: Path) -> str:
    return read_text_file(path, ENCODINGS)  # within a size limit, or a clear error


def read_manifest(contracts_dir: Path, reference: Reference) -> dict[str, str]:
    """File name → GSS code, from the contracts folder's ``sources.csv``.

    Raises
    ------
    SurveyInputError
        When the manifest is missing, names an unknown authority or a missing file, lists a
        file twice or two files for one authority, or a CSV in the folder is not listed.
    """
    path = Path(contracts_dir) / MANIFEST
    if not path.exists():
        raise SurveyInputError(f"no {MANIFEST} saying which authority published which register",
                               file=str(contracts_dir))
    try:
        frame = pd.read_csv(io.StringIO(read_text_file(path, ENCODINGS)), dtype=str,
                            keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise SurveyInputError(f"cannot be read as CSV: {error}", file=MANIFEST) from None
    if not {"file", "authority"} <= set(frame.columns):
        raise SurveyInputError("needs the columns 'file' and 'authority'", file=MANIFEST)
    files: dict[str, str] = {}
    for row_number, (name, authority) in enumerate(zip(frame["file"], frame["authority"]), start=2):
        code = resolve_authority(authority, reference)
        if code is None:
            raise SurveyInputError(f"unknown authority {authority!r}", file=MANIFEST,
                                   row=row_number, column="authority")
        if name in files:
            raise SurveyInputError(f"{name!r} is listed twice", file=MANIFEST, row=row_number)
        if code in files.values():
            raise SurveyInputError(f"two registers for one authority ({code}): keep one",
                                   file=MANIFEST, row=row_number)
        if not (Path(contracts_dir) / name).is_file():
            raise SurveyInputError(f"{name!r} is listed but not in the folder", file=MANIFEST,
                                   row=row_number, column="file")
        files[name] = code
    unlisted = sorted(p.name for p in Path(contracts_dir).glob("*.csv")
                      if p.name != MANIFEST and p.name not in files)
    if unlisted:
        raise SurveyInputError(f"not listed in {MANIFEST}: say which authority published it",
                               file=unlisted[0])
    return files


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if not is_blank(value) else ""


def _log(corrections: list[dict], file: str, row: int, column: str, raw: Any, clean: Any,
         rule: str) -> None:
    corrections.append({
        "source_file": file, "sheet": REGISTER_SHEET, "source_row": row, "column": column,
        "raw_value": REMOVED if looks_personal(raw) else _text(raw),
        "clean_value": "" if clean is None else (
            clean.isoformat() if hasattr(clean, "isoformat")
            else _number_text(clean) if isinstance(clean, float) else str(clean)),
        "rule": rule,
    })


def _read_row(cells: dict, file: str, excel_row: int, gss_code: str, rules: RegisterRules,
              snapshot: dt.date | None, corrections: list[dict]) -> dict:
    reference = rules.reference
    missing_terms = reference.missing_terms
    row: dict[str, Any] = {"source_file": file, "source_row": excel_row, "gss_code": gss_code}
    for column in TEXT_COLUMNS:
        text = _text(cells.get(column))
        if looks_personal(text):
            _log(corrections, file, excel_row, column, text, None, "personal_data_removed")
            text = ""
        row[column] = text
    # supplier: canonical organisation, else a product's maker, else as written (tidied)
    written = _text(cells.get("supplier"))
    found = rules.organisations.resolve(written)
    supplier, rule = found.canonical, f"organisation_{found.method}"
    if supplier is None:
        maker = rules.catalogue.get(rules.product_names.resolve(written).canonical or "", (None,))[0]
        supplier, rule = (maker, "organisation_from_product_name") if maker else (written, "")
    if supplier != written and rule:
        _log(corrections, file, excel_row, "supplier", written, supplier, rule)
    row["supplier"] = supplier
    # company number: as at Companies House (eight characters; leading zeros restored)
    company = _text(cells.get("company_number")).upper().replace(" ", "")
    if company and not _COMPANY.match(company):
        _log(corrections, file, excel_row, "company_number", company, None, "unreadable_company_number")
        company = ""
    elif company.isdigit() and len(company) < 8:
        _log(corrections, file, excel_row, "company_number", company, company.zfill(8),
             "company_number_zero_padded")
        company = company.zfill(8)
    row["company_number"] = company
    # dates and value
    latest = dt.date((snapshot or dt.date.today()).year + LATEST_YEARS_AFTER_SNAPSHOT, 12, 31)
    for column, role in (("contract_start", "start"), ("contract_end", "end")):
        raw = cells.get(column)
        parsed = parsing.parse_date(raw, role=role, missing_terms=missing_terms)
        value = parsed.value
        if value is not None and not EARLIEST_DATE <= value <= latest:
            _log(corrections, file, excel_row, column, raw, None, "implausible_date")
            value = None
        elif parsed.logged and parsed.rule not in FORMAT_RULES:
            _log(corrections, file, excel_row, column, raw, value, parsed.rule)
        row[column] = value
    if row["contract_start"] and row["contract_end"] and row["contract_end"] < row["contract_start"]:
        _log(corrections, file, excel_row, "contract_end", cells.get("contract_end"), None,
             "end_before_start")
        row["contract_end"] = None
    money = parsing.parse_money(cells.get("value_gbp"), missing_terms=missing_terms)
    if money.logged and money.rule not in FORMAT_RULES:
        _log(corrections, file, excel_row, "value_gbp", cells.get("value_gbp"), money.value, money.rule)
    row["value_gbp"] = money.value
    for column in ("sme", "vcse"):
        answer = parsing.parse_answer(cells.get(column), answer_terms=reference.answer_terms,
                                      missing_terms=missing_terms)
        flag = {"Yes": True, "No": False}.get(answer.value) if answer.value else None
        if answer.value is not None and flag is None or answer.outcome == "invalid":
            _log(corrections, file, excel_row, column, cells.get(column), None, "not_yes_or_no")
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
    corrections: list[dict] = []
    rejections: list[dict] = []
    for file, gss_code in sorted(read_manifest(contracts_dir, reference).items()):
        records = [tuple(record) for record in csv.reader(io.StringIO(_decode(contracts_dir / file)))]
        table = read_table_sheet(_CsvSheet(REGISTER_SHEET, records), file=file,
                                 columns=rules.columns, required=rules.required)
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
                rejections.append({"source_file": file, "sheet": REGISTER_SHEET,
                                   "source_row": raw.excel_row, "reason": reason, "column": column,
                                   "detail": detail})
                continue
            seen[signature] = raw.excel_row
            carried += 1
            rows.append(_read_row(cells, file, raw.excel_row, gss_code, rules, snapshot, corrections))
        if read != carried + rejected:  # pragma: no cover - a guard on the loop above
            raise AssertionError(f"row accounting failed for {file}")
    return rows, corrections, rejections


# ------------------------------------------------------------------------------------------
# classifying
# ------------------------------------------------------------------------------------------


def classify_it(row: dict, rules: RegisterRules) -> tuple[bool, str]:
    """Decide whether a register row is an IT contract, and say which rule decided.

    The rules, in order:

    1. a CPV code in an IT family (``cpv_it.csv``) → IT (``cpv:<prefix>``);
    2. an excluded phrase ("fire alarm", "building management system") → not IT
       (``exclude:<phrase>``);
    3. an IT keyword in the title or description (``it_keywords.csv``; upper-case keywords
       such as "IT" must be written in capitals) → IT (``keyword:<keyword>``);
    4. a product of the reference named (as written) and a supplier that is a known IT
       organisation → IT (``product:<product>``): "Academy" with Capita is a system,
       "Academy conversion" with a law firm is not;
    5. the word "system" and a supplier that is a known IT organisation → IT
       (``supplier_and_system``): "Parking system replacement" from Imperial;
    6. a CPV code outside the IT families → not IT (``cpv_not_it``);
    7. otherwise not IT (``no_it_signal``).

    A keyword outweighs a non-IT CPV code, because services often code their own software
    under their own CPV division.

    Parameters
    ----------
    row
        A register row (``title``, ``description``, ``cpv``, ``supplier``).
    rules
        The prepared rules.

    Returns
    -------
    tuple of (bool, str)
    """
    codes = [c for c in str(row.get("cpv") or "").split(";") if c]
    for code in codes:
        for prefix, _family in rules.cpv_families:
            if code.startswith(prefix):
                return True, f"cpv:{prefix}"
    text = f"{row.get('title') or ''} {row.get('description') or ''}"
    folded = fold(text)
    for kind, word, pattern, cased in rules.keywords:
        if kind == "exclude" and pattern.search(text if cased else folded):
            return False, f"exclude:{word}"
    for kind, word, pattern, cased in rules.keywords:
        if kind == "it" and pattern.search(text if cased else folded):
            return True, f"keyword:{word}"
    product = rules.product_named(text)
    known = row.get("supplier") in rules.known_organisations
    if product is not None and known:
        return True, f"product:{product}"
    if known and _SYSTEM_WORD.search(folded):
        return True, "supplier_and_system"
    if codes:
        return False, "cpv_not_it"
    return False, "no_it_signal"


# ------------------------------------------------------------------------------------------
# matching
# ------------------------------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    return dt.date.fromisoformat(text[:10]) if text else None


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    """Whether two date ranges overlap; a missing bound is open."""
    if a_start is not None and b_end is not None and a_start > b_end:
        return False
    if b_start is not None and a_end is not None and b_start > a_end:
        return False
    return True


def _distance(row: dict, system: dict) -> int:
    pairs = [(row.get("contract_start"), _date(system.get("contract_start"))),
             (row.get("contract_end"), _date(system.get("contract_end")))]
    known = [abs((a - b).days) for a, b in pairs if a is not None and b is not None]
    return sum(known) if known else UNKNOWN_DATE_DISTANCE


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def match_to_systems(rows: list[dict], systems: list[dict], rules: RegisterRules) -> dict[tuple, str]:
    """Match IT register rows to survey systems, one to one.

    A pair is a candidate when the register row and the system belong to the same authority,
    have the same canonical supplier (the system's manufacturer when it gives none), their
    contract dates overlap (a missing date is open: a rolling contract has no end), and the
    row does not name another product than the system's. Candidates are ranked by the
    product named, the system's function named in the register text, the service area
    named, then the closeness of the dates; pairs are taken best first, each row and each
    system at most once.

    Parameters
    ----------
    rows
        Register rows with ``is_it`` (only IT rows are matched).
    systems
        Survey systems (``record_id``, ``gss_code``, ``supplier``, ``manufacturer``,
        ``product``, ``function``, ``service_area``, ``contract_start``, ``contract_end``).
    rules
        The prepared rules.

    Returns
    -------
    dict
        ``(source_file, source_row)`` of a register row → ``record_id`` of its system.
    """
    pairs = candidate_pairs(rows, systems, rules)
    matched: dict[tuple, str] = {}
    taken: set[str] = set()
    for _score, key, record_id in sorted(pairs):
        if key in matched or record_id in taken:
            continue
        matched[key] = record_id
        taken.add(record_id)
    return matched


def candidate_pairs(rows: list[dict], systems: list[dict],
                    rules: RegisterRules) -> list[tuple[tuple, tuple, str]]:
    """Every (register row, survey system) pair that could be one contract, with its rank.

    See :func:`match_to_systems` for the conditions and the ranking.

    Returns
    -------
    list of (rank, (source_file, source_row), record_id)
        ``rank`` sorts best first.
    """
    by_key: dict[tuple, list[dict]] = {}
    for system in systems:
        supplier = system.get("supplier")
        if _blank(supplier):
            supplier = system.get("manufacturer")
        if _blank(supplier):
            continue
        by_key.setdefault((system["gss_code"], fold(supplier)), []).append(system)
    pairs = []
    for row in rows:
        if not row.get("is_it") or _blank(row.get("supplier")):
            continue
        text = f"{row.get('title') or ''} {row.get('description') or ''}"
        folded = fold(text)
        named = rules.product_named(text)
        area = rules.area_named(text)
        for system in by_key.get((row["gss_code"], fold(row["supplier"])), []):
            if named is not None and named != system.get("product"):
                continue
            if not _overlap(row.get("contract_start"), row.get("contract_end"),
                            _date(system.get("contract_start")), _date(system.get("contract_end"))):
                continue
            function = fold(system.get("function") or "")
            score = (
                int(named is not None),
                int(bool(function) and _phrase(function).search(folded) is not None),
                int(area is not None and area == system.get("service_area")),
                -_distance(row, system),
            )
            pairs.append((tuple(-s for s in score), (row["source_file"], row["source_row"]),
                          system["record_id"]))
    return pairs


def place_system(row: dict, rules: RegisterRules) -> dict | None:
    """A register-only system from an IT register row, or None when it cannot be named.

    The product is the one the text names, else the supplier's only product (in the service
    area the text names, if it names one). The service area is the one the text names, else
    the product's usual one. Without a product the row stays a contract, not a system.

    Parameters
    ----------
    row
        A clean IT register row.
    rules
        The prepared rules.

    Returns
    -------
    dict or None
        A ``systems`` record (``source`` ``register``), or None.
    """
    text = f"{row.get('title') or ''} {row.get('description') or ''}"
    product = rules.product_named(text)
    area = rules.area_named(text)
    if product is None:
        candidates = rules.products_of.get(row.get("supplier") or "", [])
        if area is not None:
            candidates = [p for p in candidates if rules.catalogue[p][1] == area]
        if len(candidates) != 1:
            return None
        product = candidates[0]
    manufacturer, usual_area = rules.catalogue[product]
    area = area or usual_area
    start, end, value = row.get("contract_start"), row.get("contract_end"), row.get("value_gbp")
    return {
        "record_id": f"{row['gss_code']}-R{int(row['source_row']):05d}",
        "gss_code": row["gss_code"],
        "service_area": area,
        "function": None,
        "product": product,
        "manufacturer": manufacturer,
        "supplier": row.get("supplier"),
        "system_type": rules.reference.default_system_type[area],
        "hosting": None,
        "contract_start": start,
        "contract_end": end,
        "contract_end_status": "date" if end is not None else "unknown",
        "annual_cost_gbp": annual_cost(value, start, end),
        "contract_value_gbp": value,
        "value_for_money": None,
        "satisfaction": None,
        "replacement_planned": None,
        "replacement_year": None,
        "source": "register",
        "source_file": row["source_file"],
        "source_row": row["source_row"],
    }


def annual_cost(value: float | None, start: dt.date | None, end: dt.date | None) -> float | None:
    """A contract's value per year: its total value over its length in years.

    The length is in whole months when the contract runs from the 1st of a month to the last
    day of a month (as most do), otherwise in days over 365.25. None when a bound or the
    value is missing, or the length is not positive.

    Examples
    --------
    >>> annual_cost(500_000.0, dt.date(2016, 4, 1), dt.date(2021, 3, 31))
    100000.0
    """
    if value is None or start is None or end is None:
        return None
    after = end + dt.timedelta(days=1)
    if start.day == 1 and after.day == 1:
        years = ((after.year - start.year) * 12 + after.month - start.month) / 12
    else:
        years = ((end - start).days + 1) / 365.25
    if years <= 0:
        return None
    return round(value / years, 2)


# ------------------------------------------------------------------------------------------
# adding the registers to the survey's tables
# ------------------------------------------------------------------------------------------


def contracts_folder(survey_dir: Path | str, contracts_dir: Path | str | None | bool) -> Path | None:
    """The contracts folder a cleaning run reads.

    Parameters
    ----------
    survey_dir
        The survey folder.
    contracts_dir
        A folder; ``None`` for the ``contracts`` folder beside ``survey_dir`` if it holds a
        ``sources.csv``; ``False`` for none.

    Raises
    ------
    SurveyInputError
        When a folder is given that does not exist.
    """
    if contracts_dir is False:
        return None
    if contracts_dir is None or contracts_dir is True:
        beside = Path(survey_dir).parent / "contracts"
        return beside if (beside / MANIFEST).is_file() else None
    path = Path(contracts_dir)
    if not path.is_dir():
        raise SurveyInputError(f"contracts folder not found: {path}")
    return path


def _systems_sheets(returns: list) -> dict[str, str]:
    sheets = {}
    for clean_return in returns:
        for account in clean_return.accounts:
            if fold(account.sheet) == "systems":
                sheets[clean_return.source_file] = account.sheet
    return sheets


def add_registers(
    tables: dict[str, pd.DataFrame],
    returns: list,
    contracts_dir: Path | str | None,
    reference: Reference,
    snapshot: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """Merge the contract registers into the survey's processed tables.

    Every survey system gets ``source`` ``survey``; a system matched to a register row
    becomes ``both`` and takes the register's total value (``contract_value_gbp``) and, where
    the survey gave none, its start, end (status ``date``) and annual cost (the value over
    the contract's years), each fill logged in ``corrections.csv`` with rule
    ``from_register``. IT rows of authorities that did not respond become systems with
    ``source`` ``register`` where a product can be named. Every register row is written to
    ``contracts`` with what was decided (``is_it``, ``it_rule``, ``outcome``: ``matched``,
    ``added``, ``unplaced`` or ``not_it``; ``record_id``); rejected rows go to ``rejected``.

    Parameters
    ----------
    tables
        The survey's tables as assembled by the cleaner.
    returns
        The cleaned returns (their Systems sheet names label the fills' corrections).
    contracts_dir
        Folder of registers, or None for none (``contracts`` is then empty).
    reference
        The reference data.
    snapshot
        The round's snapshot date.

    Returns
    -------
    dict of DataFrame
        The same tables, with ``systems``, ``rejected`` and ``corrections`` extended and a
        ``contracts`` table.
    """
    from citytools_analysis.release.schema import TABLES

    systems = [dict(r) for r in tables["systems"].to_dict("records")]
    for system in systems:
        system["source"] = "survey"
        system.setdefault("contract_value_gbp", None)
    contracts: list[dict] = []
    corrections = tables["corrections"].to_dict("records")
    rejected = tables["rejected"].to_dict("records")
    if contracts_dir is not None:
        rules = RegisterRules.from_reference(reference)
        rows, register_corrections, rejections = read_registers(
            contracts_dir, reference, snapshot=snapshot, rules=rules)
        corrections.extend(register_corrections)
        rejected.extend(rejections)
        for row in rows:
            row["is_it"], row["it_rule"] = classify_it(row, rules)
        responded = set(tables["authorities"].loc[tables["authorities"]["responded"].astype(bool),
                                                  "gss_code"])
        answering = [r for r in rows if r["gss_code"] in responded]
        matches = match_to_systems(answering, systems, rules)
        candidates = Counter(key for _rank, key, _id in candidate_pairs(answering, systems, rules))
        by_id = {s["record_id"]: s for s in systems}
        sheets = _systems_sheets(returns)
        logged = {(c["source_file"], c["sheet"], int(c["source_row"]), c["column"]): c
                  for c in corrections}
        for row in rows:
            key = (row["source_file"], row["source_row"])
            if not row["is_it"]:
                row["outcome"], row["record_id"] = "not_it", None
            elif key in matches:
                system = by_id[matches[key]]
                _fill(system, row, sheets.get(system["source_file"], "Systems"), logged, corrections,
                      alone=candidates[key] == 1)
                row["outcome"], row["record_id"] = "matched", system["record_id"]
            elif row["gss_code"] not in responded and (placed := place_system(row, rules)):
                systems.append(placed)
                row["outcome"], row["record_id"] = "added", placed["record_id"]
            else:
                row["outcome"], row["record_id"] = "unplaced", None
            contracts.append(row)
        _check_register_accounting(rows, rejections)
    frames = dict(tables)
    frames["systems"] = pd.DataFrame(systems)
    frames["corrections"] = pd.DataFrame(corrections)
    frames["rejected"] = pd.DataFrame(rejected)
    frames["contracts"] = pd.DataFrame(contracts)
    for name in ("systems", "corrections", "rejected", "contracts"):
        frame = frames[name]
        for column in TABLES[name].columns:
            if column not in frame:
                frame[column] = pd.Series([None] * len(frame), dtype=object)
        frames[name] = frame[TABLES[name].columns]
    return frames


def _fill(system: dict, row: dict, sheet: str, logged: dict, corrections: list[dict],
          alone: bool) -> None:
    """Take from a matched register row what the survey row lacks; log each fill.

    Values are filled only when the row could be the contract of this system ``alone``: a
    row that also fits another system (modules bought on one contract) gives its total value
    to ``contract_value_gbp`` and nothing else.
    """
    system["source"] = "both"
    system["contract_value_gbp"] = row.get("value_gbp")
    if not alone:
        return
    fills = {}
    if _blank(system.get("contract_start")) and row.get("contract_start") is not None:
        fills["contract_start"] = row["contract_start"]
    if (_blank(system.get("contract_end")) and system.get("contract_end_status") == "unknown"
            and row.get("contract_end") is not None):
        fills["contract_end"] = row["contract_end"]
    if _blank(system.get("annual_cost_gbp")):
        cost = annual_cost(row.get("value_gbp"), row.get("contract_start"), row.get("contract_end"))
        if cost is not None:
            fills["annual_cost_gbp"] = cost
    for column, value in fills.items():
        system[column] = value
        if column == "contract_end":
            system["contract_end_status"] = "date"
        key = (system["source_file"], sheet, int(system["source_row"]), column)
        text = value.isoformat() if hasattr(value, "isoformat") else _number_text(value)
        if key in logged:  # the survey's own value was cleared: one line says both
            logged[key]["clean_value"] = text
            logged[key]["rule"] = f"{logged[key]['rule']}+from_register"
        else:
            entry = {"source_file": system["source_file"], "sheet": sheet,
                     "source_row": system["source_row"], "column": column, "raw_value": "",
                     "clean_value": text, "rule": "from_register"}
            corrections.append(entry)
            logged[key] = entry


def _number_text(value: float) -> str:
    """A number as the release writes it: no decimals when whole, else pence."""
    number = round(float(value), 2)
    return str(int(number)) if number.is_integer() else f"{number:.2f}".rstrip("0")


def _check_register_accounting(rows: list[dict], rejections: list[dict]) -> None:
    """Row accounting for registers: every kept row has an outcome, no id is used twice."""
    ids = Counter(r["record_id"] for r in rows if r.get("record_id"))
    twice = [record_id for record_id, n in ids.items() if n > 1]
    if twice:
        raise AssertionError(f"a system is matched to two register rows: {twice[0]}")
    keys = Counter((r["source_file"], r["source_row"]) for r in rows)
    keys.update((r["source_file"], r["source_row"]) for r in rejections)
    if any(n > 1 for n in keys.values()):
        raise AssertionError("a register row is both kept and rejected")


#: The outcomes of a register row, in the order the report lists them.
OUTCOMES = ("matched", "added", "unplaced", "not_it")


def decision_counts(contracts: pd.DataFrame) -> pd.DataFrame:
    """Register rows counted by outcome and by the kind of rule that classed them.

    Parameters
    ----------
    contracts
        The processed ``contracts`` table (``outcome``, ``it_rule``).

    Returns
    -------
    DataFrame
        ``outcome``, ``rule`` (the rule's kind: ``cpv``, ``keyword``, ``product``,
        ``supplier_and_system``, ``exclude``, ``cpv_not_it``, ``no_it_signal``), ``rows``;
        outcomes in the order matched, added, unplaced, not_it, then most rows first.
    """
    frame = pd.DataFrame({
        "outcome": contracts["outcome"].astype(str),
        "rule": contracts["it_rule"].astype(str).str.split(":").str[0],
    })
    table = frame.groupby(["outcome", "rule"]).size().rename("rows").reset_index()
    table["order"] = table["outcome"].map({o: i for i, o in enumerate(OUTCOMES)}).fillna(len(OUTCOMES))
    table = table.sort_values(["order", "rows", "rule"], ascending=[True, False, True], kind="stable")
    return table.drop(columns="order").reset_index(drop=True)


__all__ = [
    "OUTCOMES", "decision_counts",
    "MANIFEST", "REGISTER_SHEET", "RegisterRules", "add_registers", "annual_cost", "classify_it",
    "contracts_folder",
    "match_to_systems", "place_system", "read_manifest", "read_registers",
]
