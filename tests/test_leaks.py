"""No personal data leaves the raw returns; names render as text; CSV cells never run as formulas.

The personal values are read from the raw returns themselves: every Respondent item the
reference marks personal (``respondent_items.csv``), every cell of a column the reference
marks personal (the Systems sheet's Notes, ``survey_columns.csv``), the names, e-mail
addresses and telephone numbers found inside those notes, and the respondents recorded in
the synthetic survey's truth (``data/synthetic_truth/returns.csv``). From the contract
registers: every cell of a column the reference marks personal
(``register_personal_columns.csv``: the contract manager, an officer's e-mail or
telephone) and every e-mail address and telephone number typed in any other cell. The open data release
(committed and freshly built) and every file of the built web book (pages, search index,
the executed notebooks offered for download) are scanned for each of them.

A tiny book is also built from the hand-written fixture returns plus rows whose supplier and
product are HTML (``<script>alert(1)</script>``) and whose text starts like a spreadsheet
formula: the HTML must arrive escaped and never run in a browser, and the CSV cells must be
neutralised.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import fixture_returns
import pandas as pd
import pytest
from browser_support import require_chromium, serve, site_pages
from fixture_returns import (
    FORMULA_FUNCTION,
    IMAGE_PRODUCT,
    MINUS_FUNCTION,
    SCRIPT_SUPPLIER,
    write_hostile_survey,
)
from openpyxl import load_workbook

from citytools_analysis.core.paths import PROCESSED_DIR, PROJECT_ROOT, SURVEY_DIR, TRUTH_DIR
from citytools_analysis.core.reference import Reference, load_reference
from citytools_analysis.ingest.registers import MANIFEST, RegisterRules
from citytools_analysis.ingest.workbook import (
    find_sheet,
    open_workbook,
    read_respondent,
    read_table_sheet,
)
from citytools_analysis.release.schema import TABLES
from citytools_analysis.release.writer import FORMULA_TRIGGERS

EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
UK_PHONE = re.compile(r"(?:\+44\s?(?:\(0\)\s?)?|\b0)\d(?:[\s.()-]{0,2}\d){8,9}\b")
TRUTH_PERSONAL_COLUMNS = ("completed_by", "email", "phone", "role")
# Files of the built book that are the theme's, not the book's.
THEME_FOLDER = "_static"


# --- the personal values ------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else re.sub(r"\s+", " ", str(value)).strip()


def personal_values(
    survey_dir: Path, reference: Reference, truth_dir: Path | None = None
) -> set[str]:
    """Every personal value typed into the raw returns (and the synthetic truth).

    Parameters
    ----------
    survey_dir
        Folder of survey returns (``.xlsx``).
    reference
        The reference data, which says which Respondent items and which columns are personal.
    truth_dir
        The synthetic survey's truth folder, or ``None``.

    Returns
    -------
    set of str
        Respondent items marked personal; the whole text of every cell in a personal
        column; and the e-mail addresses, telephone numbers and names (a respondent's first
        name followed by a capitalised surname) found inside those cells.
    """
    items = reference.respondent_items
    personal_items = set(items.loc[items["personal"] == "yes", "field"])
    columns = reference.survey_columns
    personal_columns = columns[columns["personal"] == "yes"]
    values: set[str] = set()
    free_text: set[str] = set()
    for path in sorted(p for p in survey_dir.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm")):
        workbook = open_workbook(path)
        respondent = find_sheet(workbook, "Respondent")
        if respondent is not None:
            found = read_respondent(respondent, labels=reference.respondent_labels)
            values |= {_text(item.value) for name, item in found.items() if name in personal_items}
        for sheet_name, fields in personal_columns.groupby("sheet")["field"]:
            sheet = find_sheet(workbook, sheet_name)
            if sheet is None:
                continue
            table = read_table_sheet(
                sheet,
                file=path.name,
                columns=reference.column_names(sheet_name),
                required=reference.required_fields(sheet_name),
            )
            free_text |= {_text(row.cells.get(field)) for row in table.rows for field in fields}
        workbook.close()
    if truth_dir is not None and (truth_dir / "returns.csv").is_file():
        truth = pd.read_csv(truth_dir / "returns.csv", dtype=str, keep_default_na=False)
        for column in TRUTH_PERSONAL_COLUMNS:
            if column in truth:
                values |= {_text(value) for value in truth[column]}
    names = {value for value in values if " " in value and "@" not in value}
    first_names = {name.split()[0] for name in names}
    for text in free_text:
        values |= set(EMAIL.findall(text)) | {m.group(0) for m in UK_PHONE.finditer(text)}
        for first in first_names:
            values |= set(re.findall(rf"\b{re.escape(first)} [A-Z][\w'-]+", text))
    values |= free_text
    return {value for value in values if value and fold_missing(value, reference)}


CONTRACTS_DIR = SURVEY_DIR.parent / "contracts"
# Rows searched for a register's header row (title rows may stand above it).
HEADER_SEARCH_ROWS = 10


def _register_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def register_personal_values(contracts_dir: Path, reference: Reference) -> set[str]:
    """Every personal value typed into a folder of contract registers.

    Parameters
    ----------
    contracts_dir
        Folder of register CSVs (with their ``sources.csv``); none gives an empty set.
    reference
        The reference data: ``register_personal_columns.csv`` says which columns are
        personal, ``register_columns.csv`` which headers make a header row.

    Returns
    -------
    set of str
        The whole text of every cell in a personal column, and every e-mail address and
        telephone number found in any cell of a register.
    """
    if not (contracts_dir / MANIFEST).is_file():
        return set()
    personal = reference.register_personal_names
    known = RegisterRules.from_reference(reference).columns
    values: set[str] = set()
    for path in sorted(p for p in contracts_dir.glob("*.csv") if p.name != MANIFEST):
        rows = list(csv.reader(io.StringIO(_register_text(path))))
        header = next(
            (
                index
                for index, row in enumerate(rows[:HEADER_SEARCH_ROWS])
                if any(known.lookup(cell) or personal.lookup(cell) for cell in row)
            ),
            None,
        )
        if header is None:
            continue
        columns = [index for index, cell in enumerate(rows[header]) if personal.lookup(cell)]
        for row in rows[header + 1 :]:
            values |= {_text(row[index]) for index in columns if index < len(row)}
            for cell in row:
                values |= set(EMAIL.findall(cell)) | {m.group(0) for m in UK_PHONE.finditer(cell)}
    return {value for value in values if value and fold_missing(value, reference)}


def fold_missing(value: str, reference: Reference) -> bool:
    """False for a word the survey reads as "no value" (``N/A``, ``none``): nobody's data."""
    return value.strip().lower() not in reference.missing_terms


PHONE_CANDIDATE = re.compile(
    r"(?<![\d+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s.()-]{0,2}\d){8,9}(?!\d)"
)


def _digits(phone: str) -> str:
    """A telephone number as its digits, ``+44`` written as the leading ``0``."""
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:].removeprefix("0") if phone.lstrip().startswith("+") else digits


def leaks(files: Iterable[Path], values: set[str], root: Path) -> list[str]:
    """Every personal value found in ``files``, as ``file: value``.

    Text is read as UTF-8 with HTML entities decoded (``O&#x27;Brien`` is ``O'Brien``),
    runs of white space made one space, and case ignored. A telephone number is found
    however its digits are grouped (``07700900123`` for ``07700 900123``).
    """
    phones = {_digits(v): v for v in values if UK_PHONE.fullmatch(v) and not EMAIL.search(v)}
    texts = {" ".join(v.lower().split()): v for v in values if v not in phones.values()}
    found = []
    for path in files:
        raw = html.unescape(path.read_bytes().decode("utf-8", errors="replace"))
        text = " ".join(raw.lower().split())
        written = _hand_written_text(path, root)
        hits = {value for key, value in texts.items() if key in text and key not in written}
        hits |= {phones[d] for d in map(_digits, PHONE_CANDIDATE.findall(raw)) if d in phones}
        found += [f"{path.relative_to(root).as_posix()}: {value!r}" for value in sorted(hits)]
    return found


def _hand_written_text(path: Path, root: Path) -> str:
    """The text of the hand-written page a built file comes from (``book/<page>.md``), if any.

    Prose we wrote ("borough chief information officers") may share words with a job title
    typed in a return; it is not a leak of the return. Only text that is in the page's own
    source is let through: anything the build added to the page is still checked.
    """
    try:
        relative = path.relative_to(root / "_build" / "html")
    except ValueError:
        return ""
    parts = relative.parts
    if parts[:2] == ("_sources", "book") and len(parts) == 3:
        page = parts[2]
    elif parts[:1] == ("book",) and len(parts) == 2 and relative.suffix == ".html":
        page = relative.stem + ".md"
    else:
        return ""
    source = root / "book" / page
    if not source.is_file():
        return ""
    return " ".join(source.read_text(encoding="utf-8").lower().split())


def published_files(project: Path) -> list[Path]:
    """The release's files and every file of the built book except the theme's assets."""
    processed = sorted((project / "data" / "processed").rglob("*"))
    site = project / "_build" / "html"
    book = sorted(p for p in site.rglob("*") if THEME_FOLDER not in p.relative_to(site).parts)
    return [path for path in processed + book if path.is_file()]


@pytest.fixture(scope="module")
def real_personal_values() -> set[str]:
    reference = load_reference()
    return personal_values(SURVEY_DIR, reference, TRUTH_DIR) | register_personal_values(
        CONTRACTS_DIR, reference
    )


def test_register_personal_values_worked_out_by_hand(tmp_path):
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    (contracts / MANIFEST).write_text(
        "file,authority\na.csv,Camden\nb.csv,Barnet\n", encoding="utf-8"
    )
    (contracts / "a.csv").write_text(
        "Camden contracts register\n"
        "Title,Supplier,Contract Officer,Value\n"
        "Planning system,Idox,Jo Bloggs,85000\n"
        "Cleaning,Acme Ltd,n/a,1000\n"
        'Printers,"Ask sam.example@camden.example or 020 7946 0001",,5000\n',
        encoding="utf-8",
    )
    (contracts / "b.csv").write_bytes(
        "Contract Title,Vendor Name,Contact Email,Telephone\n"
        "Libraries,Civica,ren\u00e9e.o'brien@barnet.example,07700 900456\n".encode("cp1252")
    )
    assert register_personal_values(contracts, load_reference()) == {
        # a.csv: the Contract Officer column ("n/a" is no value), and what another cell holds
        "Jo Bloggs",
        "sam.example@camden.example",
        "020 7946 0001",
        # b.csv (saved as Windows-1252): the e-mail and telephone columns, whole
        "ren\u00e9e.o'brien@barnet.example",
        "07700 900456",
    }
    assert register_personal_values(tmp_path / "none", load_reference()) == set()


def test_the_real_registers_yield_every_contract_manager(real_personal_values):
    reference = load_reference()
    found = register_personal_values(CONTRACTS_DIR, reference)
    managers = set()
    for path in sorted(CONTRACTS_DIR.glob("*_contracts.csv")):
        rows = list(csv.reader(io.StringIO(_register_text(path))))
        for index, header in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if "Contract Manager" in header:
                column = header.index("Contract Manager")
                managers |= {
                    _text(row[column])
                    for row in rows[index + 1 :]
                    if len(row) > column and row[column].strip()
                }
                break
    assert len(managers) > 20, "the committed registers have Contract Manager columns"
    assert managers <= found <= real_personal_values


def test_personal_values_of_the_fixture_returns_worked_out_by_hand(tmp_path):
    survey = fixture_returns.write_fixture_survey(tmp_path / "survey")
    assert personal_values(survey, load_reference()) == {
        # Respondent sheets: name, e-mail, phone and role (the date is not personal).
        "Jo Bloggs",
        "jo.bloggs@camden.example",
        "020 7946 0000",
        "Head of Applications",
        "Sam Example",
        "sam.example@gla.example",
        # The Comments (Notes) column, whole, and what is inside it.
        "Call Jo Bloggs on 07700 900123",
        "07700 900123",
        "ask jo.bloggs@camden.example",
    }
    assert set(fixture_returns.PERSONAL_VALUES) <= personal_values(survey, load_reference())


def test_the_real_returns_yield_every_respondent_and_note(real_personal_values):
    truth = pd.read_csv(TRUTH_DIR / "returns.csv", dtype=str, keep_default_na=False)
    assert set(truth["completed_by"]) - {""} <= real_personal_values
    assert set(truth["email"]) - {""} <= real_personal_values
    # Notes hold contact details of people other than the respondent.
    assert any(EMAIL.fullmatch(v) for v in real_personal_values - set(truth["email"]))
    assert len(real_personal_values) > 3 * len(truth)


def test_the_scanner_finds_a_planted_value_however_it_is_written(tmp_path):
    values = {"Jo Bloggs", "jo.bloggs@camden.example", "07700 900123"}
    (tmp_path / "a.html").write_text("<p>Ask Jo&nbsp;Bloggs</p>", encoding="utf-8")
    (tmp_path / "b.csv").write_text("x\nJO.BLOGGS@CAMDEN.EXAMPLE\n", encoding="utf-8")
    (tmp_path / "c.js").write_text('{"t": "call 07700900123"}', encoding="utf-8")
    (tmp_path / "d.html").write_text("<p>Jo Blogger, 07700 900124</p>", encoding="utf-8")
    files = sorted(tmp_path.iterdir())
    assert leaks(files, values, tmp_path) == [
        "a.html: 'Jo Bloggs'",
        "b.csv: 'jo.bloggs@camden.example'",
        "c.js: '07700 900123'",
    ]


def test_prose_of_a_hand_written_page_is_not_a_leak_but_what_the_build_adds_is(tmp_path):
    values = {"Chief Information Officer", "Jo Bloggs"}
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text(
        "For borough chief information officers.", encoding="utf-8"
    )
    site = tmp_path / "_build" / "html"
    (site / "book").mkdir(parents=True)
    (site / "_sources" / "book").mkdir(parents=True)
    (site / "_sources" / "book" / "intro.md").write_text(
        "For borough chief information officers.", encoding="utf-8"
    )
    (site / "book" / "intro.html").write_text(
        "<p>For borough chief information officers.</p><p>Jo Bloggs</p>", encoding="utf-8"
    )
    (site / "book" / "other.html").write_text("<p>Chief Information Officer</p>")
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file() and "_build" in p.parts)
    assert leaks(files, values, tmp_path) == [
        "_build/html/book/intro.html: 'Jo Bloggs'",
        "_build/html/book/other.html: 'Chief Information Officer'",
    ]


def test_the_committed_release_holds_no_personal_value(real_personal_values):
    files = sorted(p for p in PROCESSED_DIR.rglob("*") if p.is_file())
    assert files
    assert leaks(files, real_personal_values, PROJECT_ROOT) == []


@pytest.mark.slow
def test_the_built_book_and_release_hold_no_personal_value(built_project, real_personal_values):
    files = published_files(built_project)
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".csv" for p in files)
    assert leaks(files, real_personal_values, built_project) == []


# --- hostile names: a tiny book from the fixture returns plus HTML and formula text ------


# The hostile survey (its rows and writer) is in fixture_returns.py: the session's fixture
# book (conftest.fixture_book) is built from it, so the build and notebook tests and these
# share one book.
@pytest.fixture(scope="module")
def hostile_book(fixture_book) -> Path:
    """The session's book from the hostile fixture survey; the root holding ``_build``."""
    assert fixture_book.report.code == 0, "the book from the hostile fixture survey did not build"
    assert fixture_book.processed == fixture_book.root / "data" / "processed"
    return fixture_book.root


def test_the_hostile_survey_is_read_as_typed(tmp_path):
    survey = write_hostile_survey(tmp_path / "survey")
    sheet = load_workbook(survey / "camden return v2.xlsx")["SYSTEMS"]
    last = [cell.value for cell in sheet[sheet.max_row - 2]]
    assert last[1] == IMAGE_PRODUCT and last[3] == SCRIPT_SUPPLIER
    assert last[14] == FORMULA_FUNCTION  # text, not a formula


@pytest.mark.slow
def test_formula_text_is_neutralised_in_every_csv_cell(hostile_book):
    processed = hostile_book / "data" / "processed"
    systems = pd.read_csv(processed / "systems.csv", dtype=str, keep_default_na=False)
    assert "'" + FORMULA_FUNCTION in set(systems["function"])
    assert "'" + MINUS_FUNCTION in set(systems["function"])
    assert SCRIPT_SUPPLIER in set(systems["supplier"])
    for table in TABLES.values():
        frame = pd.read_csv(processed / f"{table.name}.csv", dtype=str, keep_default_na=False)
        for field in table.fields:
            if field.type != "string" or field.name not in frame:
                continue
            live = [v for v in frame[field.name] if v.startswith(FORMULA_TRIGGERS)]
            assert live == [], f"{table.name}.{field.name} has cells a spreadsheet would run"


class _InjectedMarkup(HTMLParser):
    """Elements the hostile names would make if they reached the page as markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img" and values.get("src") == "x":
            self.found.append("<img src=x>")
        handlers = [
            name for name, value in attrs if name.startswith("on") and "alert(" in (value or "")
        ]
        self.found += [f"<{tag} {name}=…alert…>" for name in handlers]
        self.in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        # A script element of its own holding the alert (the string inside a table's data
        # script, as a JavaScript string, is not markup).
        if self.in_script and data.strip() == "alert(1)":
            self.found.append("<script>alert(1)</script>")


def injected_markup(text: str) -> list[str]:
    """The hostile names' markup found as real elements in an HTML page."""
    parser = _InjectedMarkup()
    parser.feed(text)
    parser.close()
    return parser.found


def test_injected_markup_is_found_only_as_elements():
    assert injected_markup("<p>The largest, <script>alert(1)</script>, holds 43%</p>") == [
        "<script>alert(1)</script>"
    ]
    assert injected_markup("<td><img src=x onerror=alert(2)></td>") == [
        "<img src=x>",
        "<img onerror=…alert…>",
    ]
    escaped = "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;</p>"
    in_data = '<script>var data = ["<img src=x onerror=alert(2)>", "<script>alert(1)<\\/script>"];</script>'
    assert injected_markup(escaped) == [] and injected_markup(in_data) == []


@pytest.mark.slow
def test_supplier_and_product_names_are_escaped_in_the_html(hostile_book):
    pages = site_pages(hostile_book / "_build" / "html")
    escaped = html.escape(SCRIPT_SUPPLIER, quote=False)
    assert any(escaped in text for text in pages.values()), "the supplier is on no page"
    found = {path: injected_markup(text) for path, text in pages.items()}
    assert {path: markup for path, markup in found.items() if markup} == {}


@pytest.mark.slow
@pytest.mark.browser
def test_supplier_and_product_names_never_run_in_a_browser(hostile_book, chromium_browser):
    require_chromium()
    site = hostile_book / "_build" / "html"
    dialogs: list[str] = []
    errors: list[str] = []
    shown = []
    current = {"path": ""}
    with serve(site) as url:
        page = chromium_browser.new_page()
        page.on(
            "dialog",
            lambda dialog: (
                dialogs.append(f"{current['path']}: {dialog.message}"),
                dialog.dismiss(),
            ),
        )
        page.on("pageerror", lambda error: errors.append(f"{current['path']}: {error}"))
        for path in site_pages(site):
            current["path"] = path
            page.goto(url + path, wait_until="load")
            page.wait_for_load_state("networkidle")
            if SCRIPT_SUPPLIER in page.locator("body").inner_text():
                shown.append(path)
        page.close()
    assert dialogs == [], "a supplier or product name ran as a script"
    assert errors == []  # a name that broke a page's own scripts
    assert shown, "no page shows the supplier's name as text"
