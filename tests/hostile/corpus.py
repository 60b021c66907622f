"""The hostile-input corpus: bad survey returns, built in code from the hand-written fixture.

Each builder takes a survey folder written by ``fixture_returns.write_fixture_survey`` (two
good returns: ``camden return v2.xlsx`` and ``gla.xlsx``) and breaks it in one way. Nothing
here is a committed binary: every bad file is made at test time, byte by byte where
openpyxl cannot make it (a 100,000-character cell, a formula with a cached value).
``README.md`` beside this file lists every case with its designed outcome.
"""

from __future__ import annotations

import io
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fixture_returns import GLA_RESPONDENT, GLA_SYSTEMS
from openpyxl import Workbook, load_workbook

GLA = "gla.xlsx"
CAMDEN = "camden return v2.xlsx"
GLA_HEADER: list[str] = GLA_SYSTEMS[0]

# --- small tools ------------------------------------------------------------------------------


def edit(survey: Path, name: str, change: Callable) -> Path:
    """Open a return of the survey with openpyxl, apply ``change(workbook)``, save it."""
    path = survey / name
    workbook = load_workbook(path)
    change(workbook)
    workbook.save(path)
    return path


def system_row(**values: object) -> list[object]:
    """A good GLA Systems row (ArcGIS, all columns filled), with some cells replaced.

    Keys are the GLA header texts with spaces as underscores: ``Annual_cost=-500``.
    """
    row: list[object] = [
        "GIS",
        "Web maps",
        "ArcGIS",
        "Esri UK Ltd",
        None,
        "Corporate",
        "Cloud",
        datetime(2018, 4, 1),
        datetime(2021, 3, 31),
        1000,
        3,
        4,
        None,
        "No",
        None,
    ]
    for key, value in values.items():
        row[GLA_HEADER.index(key.replace("_", " "))] = value
    return row


def append_rows(survey: Path, rows: list[list[object]], *, as_text: bool = True) -> None:
    """Append rows to the GLA Systems sheet (rows 3, 4, …).

    With ``as_text`` a string starting with ``=`` is stored as text, as a person typing
    ``'=…`` would; otherwise openpyxl stores it as a formula.
    """

    def change(workbook: Workbook) -> None:
        sheet = workbook["Systems"]
        for values in rows:
            sheet.append(values)
            if as_text:
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"

    edit(survey, GLA, change)


def rewrite_members(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in every XML member of an .xlsx (a zip) that holds it."""
    buffer = io.BytesIO()
    replaced = 0
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".xml") and old.encode() in data:
                data = data.replace(old.encode("utf-8"), new.encode("utf-8"))
                replaced += 1
            target.writestr(info, data)
    assert replaced, f"{old!r} not found in {path.name}"
    path.write_bytes(buffer.getvalue())


# --- cases that must stop the run with a clear error ------------------------------------------


@dataclass(frozen=True)
class ErrorCase:
    """A return the pipeline must refuse: the error's place and words, as designed."""

    name: str
    build: Callable[[Path], None]
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    words: tuple[str, ...] = field(default_factory=tuple)


def _csv_renamed(survey: Path) -> None:
    (survey / "westminster.xlsx").write_text(
        "Service area,System,Supplier\nPlanning,Uniform,Idox\n", encoding="utf-8"
    )


def _pdf_renamed(survey: Path) -> None:
    (survey / "westminster.xlsx").write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
    )


def _zip_not_xlsx(survey: Path) -> None:
    with zipfile.ZipFile(survey / "westminster.xlsx", "w") as archive:
        archive.writestr("systems.txt", "Planning, Uniform, Idox\n")


# The OLE2 compound-file signature that opens every legacy .xls, then an empty header.
OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")


def _xls_renamed(survey: Path) -> None:
    (survey / "westminster.xlsx").write_bytes(OLE2_SIGNATURE + bytes(504))


def _xls_legacy_file(survey: Path) -> None:
    (survey / "westminster.xls").write_bytes(OLE2_SIGNATURE + bytes(504))


def _empty_workbook(survey: Path) -> None:
    Workbook().save(survey / "westminster.xlsx")  # one empty sheet, "Sheet"


def _empty_required_sheets(survey: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "Respondent"
    workbook.create_sheet("Systems")
    workbook.save(survey / "westminster.xlsx")


def _no_systems_sheet(survey: Path) -> None:
    edit(survey, GLA, lambda workbook: workbook.remove(workbook["Systems"]))


def _no_respondent_sheet(survey: Path) -> None:
    edit(survey, GLA, lambda workbook: workbook.remove(workbook["Respondent"]))


def _missing_required_column(survey: Path) -> None:
    edit(survey, GLA, lambda workbook: workbook["Systems"].cell(1, 3, "Widget"))  # was "System"


def _unknown_authority(survey: Path) -> None:
    edit(survey, GLA, lambda workbook: workbook["Respondent"].cell(1, 2, "Borough of Atlantis"))


def _two_returns(survey: Path) -> None:
    shutil.copyfile(survey / GLA, survey / "gla (1).xlsx")


def _header_only_systems(survey: Path) -> None:
    edit(survey, GLA, lambda workbook: workbook["Systems"].delete_rows(2))


def _duplicated_header(survey: Path) -> None:
    def change(workbook: Workbook) -> None:
        workbook["Systems"].cell(1, 16, "Supplier")  # P1: a second Supplier column
        workbook["Systems"].cell(2, 16, "Esri UK Ltd (reseller)")

    edit(survey, GLA, change)


def _duplicated_header_synonym(survey: Path) -> None:
    edit(survey, GLA, lambda workbook: workbook["Systems"].cell(1, 16, "Contract with"))


_UNREADABLE = "cannot be read as an Excel workbook (.xlsx)"

ERROR_CASES: list[ErrorCase] = [
    ErrorCase("csv_renamed_xlsx", _csv_renamed, "westminster.xlsx", words=(_UNREADABLE,)),
    ErrorCase("pdf_renamed_xlsx", _pdf_renamed, "westminster.xlsx", words=(_UNREADABLE,)),
    ErrorCase("zip_not_xlsx", _zip_not_xlsx, "westminster.xlsx", words=(_UNREADABLE,)),
    ErrorCase("legacy_xls_renamed_xlsx", _xls_renamed, "westminster.xlsx", words=(_UNREADABLE,)),
    ErrorCase(
        "legacy_xls_file",
        _xls_legacy_file,
        "westminster.xls",
        words=("format that cannot be read (.xls)", "save it as an Excel Workbook (.xlsx)"),
    ),
    ErrorCase(
        "empty_workbook",
        _empty_workbook,
        "westminster.xlsx",
        sheet="Respondent",
        words=("required sheet 'Respondent' is missing", "sheets present: 'Sheet'"),
    ),
    ErrorCase(
        "empty_required_sheets",
        _empty_required_sheets,
        "westminster.xlsx",
        sheet="Respondent",
        column="A (label)",
        words=("no 'Authority' row",),
    ),
    ErrorCase(
        "no_systems_sheet",
        _no_systems_sheet,
        GLA,
        sheet="Systems",
        words=("required sheet 'Systems' is missing",),
    ),
    ErrorCase(
        "no_respondent_sheet",
        _no_respondent_sheet,
        GLA,
        sheet="Respondent",
        words=("required sheet 'Respondent' is missing",),
    ),
    ErrorCase(
        "missing_required_column",
        _missing_required_column,
        GLA,
        sheet="Systems",
        row=1,
        column="System",
        words=("no header row holds the required column(s) 'System'",),
    ),
    ErrorCase(
        "unknown_authority",
        _unknown_authority,
        GLA,
        sheet="Respondent",
        row=1,
        column="B (value)",
        words=("unknown authority 'Borough of Atlantis'",),
    ),
    ErrorCase(
        "two_returns_one_authority",
        _two_returns,
        "gla.xlsx",
        sheet="Respondent",
        row=1,
        column="B (value)",
        words=("two returns for one authority (E61000001)", "gla (1).xlsx and gla.xlsx"),
    ),
    ErrorCase(
        "header_only_systems",
        _header_only_systems,
        GLA,
        sheet="Systems",
        row=1,
        words=("header but no data rows",),
    ),
    ErrorCase(
        "duplicated_header",
        _duplicated_header,
        GLA,
        sheet="Systems",
        row=1,
        column="E, P",
        words=("two columns for 'Supplier': E (Supplier) and P (Supplier)",),
    ),
    ErrorCase(
        "duplicated_header_synonym",
        _duplicated_header_synonym,
        GLA,
        sheet="Systems",
        row=1,
        column="E, P",
        words=("two columns for 'Supplier': E (Supplier) and P (Contract with)",),
    ),
]

# --- cases whose bad rows or values are rejected or cleared, and logged -----------------------


def implausible_dates(survey: Path) -> None:
    """Rows 3–6: contract dates in 2090/2150 and in 1899/1970, as Excel dates and as text."""
    append_rows(
        survey,
        [
            system_row(
                Function="future dates",
                Contract_start=datetime(2090, 1, 1),
                Contract_end=datetime(2150, 1, 1),
            ),
            system_row(Function="old years", Contract_start="1899", Contract_end="1970"),
            system_row(
                Function="old and far",
                Contract_start=datetime(1970, 1, 1),
                Contract_end="31/12/2150",
            ),
            system_row(Function="typed 1899", Contract_start="01/01/1899", Contract_end=2150),
        ],
    )


def bad_costs(survey: Path) -> None:
    """Rows 3–6: -£500 and £9,999,999,999 as text, -500 and 9,999,999,999 as numbers."""
    append_rows(
        survey,
        [
            system_row(Function="negative text", Annual_cost="-£500"),
            system_row(Function="absurd text", Annual_cost="£9,999,999,999"),
            system_row(Function="negative number", Annual_cost=-500),
            system_row(Function="absurd number", Annual_cost=9_999_999_999),
        ],
    )


def bad_ratings(survey: Path) -> None:
    """Row 3: satisfaction 0, value for money 7; Camden Maturity gets a score of 7 (row 5)."""
    append_rows(survey, [system_row(Function="ratings", Satisfaction=0, Value_for_money=7)])
    edit(
        survey, CAMDEN, lambda workbook: workbook["Maturity"].append(["Technology foundations", 7])
    )


UNICODE_NAMES = {
    "Supplier": "Ünïcødé Sølutions",
    "Manufacturer": "شركة البرمجيات",
    "System": "Rocket 🚀 Planner ✨",
    "Function": "日本語のシステム \u202eRTL override\u202c",
}


def unicode_names(survey: Path) -> None:
    """Row 3: accented, Arabic (right-to-left), emoji and CJK names, a bidi override."""
    append_rows(survey, [system_row(**UNICODE_NAMES)])


FORMULA_TEXT = {
    "Function": '=HYPERLINK("http://evil.example","click")',
    "System": "-Minus Planner",
    "Manufacturer": "@Risk Software",
    "Supplier": "+Plus Resellers",
    "Integrates_with": "=cmd|' /C calc'!A0",
    "Annual_cost": "=1+1",
    "Contract_end": "=TODAY()",
    "Value_for_money": "@5",
}


def formula_triggers(survey: Path) -> None:
    """Cells starting with =, +, -, @ in every kind of column; the GLA return renamed
    ``@gla.xlsx`` and its Systems sheet ``=Systems``; a rejected row quoting ``=SUM(A1)``."""
    append_rows(
        survey,
        [
            system_row(**FORMULA_TEXT),
            system_row(Service_area="=SUM(A1)"),
        ],
    )
    edit(survey, GLA, lambda workbook: setattr(workbook["Systems"], "title", "=Systems"))
    (survey / GLA).rename(survey / "@gla.xlsx")


SCRIPT_SUPPLIER = "<script>alert(1)</script>"
SCRIPT_FUNCTION = '<img src=x onerror="alert(1)">'


def script_names(survey: Path) -> None:
    """Row 3: a supplier that is an HTML script tag, a function that is an HTML image tag."""
    append_rows(survey, [system_row(Supplier=SCRIPT_SUPPLIER, Function=SCRIPT_FUNCTION)])


def merged_cells(survey: Path) -> None:
    """Rows 3–5 share one Service area cell (A3:A5) and one Supplier cell (E3:E5)."""

    def change(workbook: Workbook) -> None:
        sheet = workbook["Systems"]
        for name in ("Uniform", "Idox Cloud", "Acolaid"):
            sheet.append(
                system_row(
                    System=name, Manufacturer="Idox", Supplier="Idox", Service_area="Planning"
                )
            )
        sheet.merge_cells("A3:A5")
        sheet.merge_cells("E3:E5")

    edit(survey, GLA, change)


def hidden_rows(survey: Path) -> None:
    """Row 3 holds a system and is hidden; row 4 is visible."""

    def change(workbook: Workbook) -> None:
        sheet = workbook["Systems"]
        sheet.append(system_row(Function="hidden row"))
        sheet.append(system_row(Function="visible row"))
        sheet.row_dimensions[3].hidden = True

    edit(survey, GLA, change)


def formula_cells(survey: Path) -> None:
    """Row 3: annual cost ``=1000+1000`` with Excel's cached value 2000 (as Excel saves it);
    row 4: annual cost ``=1+1`` with no cached value (as a program that never calculates
    saves it); row 5: the Service area is a formula with no cached value."""
    append_rows(
        survey,
        [
            system_row(Function="cached formula", Annual_cost="=1000+1000"),
            system_row(Function="uncached formula", Annual_cost="=1+1"),
            system_row(Function="formula service area", Service_area='="GIS"'),
        ],
        as_text=False,
    )
    rewrite_members(survey / GLA, "<f>1000+1000</f><v />", "<f>1000+1000</f><v>2000</v>")


HUGE_TEXT = "0123456789" * 10_000  # 100,000 characters, beyond Excel's 32,767 per cell


def huge_cell(survey: Path) -> None:
    """Row 3: a Function cell of 100,000 characters (written into the XML: openpyxl would cut
    it to Excel's limit of 32,767)."""
    append_rows(survey, [system_row(Function="HUGE-CELL-PLACEHOLDER")])
    rewrite_members(survey / GLA, "HUGE-CELL-PLACEHOLDER", HUGE_TEXT)


def spaced_sheet_names(survey: Path) -> None:
    """The GLA sheets renamed ' systems ' and '  RESPONDENT'."""

    def change(workbook: Workbook) -> None:
        workbook["Systems"].title = " systems "
        workbook["Respondent"].title = "  RESPONDENT"

    edit(survey, GLA, change)


def whitespace_cells(survey: Path) -> None:
    """Row 3: Service area is spaces; row 4: every cell white space; row 5: Function and
    Supplier are white space; row 6: a non-breaking space and a tab in System."""
    append_rows(
        survey,
        [
            system_row(Service_area="   ", Function="service area blank"),
            ["  ", "\t", " ", "\n"],
            system_row(Function="  ", Supplier=" \t "),
            system_row(Function="nbsp system", System="\u00a0\t"),
        ],
    )


def far_right_values(survey: Path) -> None:
    """Row 3: only a value in column AN (40), far beyond the header; row 4: a good row with a
    stray value in AN."""

    def change(workbook: Workbook) -> None:
        sheet = workbook["Systems"]
        sheet.cell(3, 40, "stray note, no header")
        for column, value in enumerate(system_row(Function="good row"), start=1):
            sheet.cell(4, column, value)
        sheet.cell(4, 40, "another stray")

    edit(survey, GLA, change)


PERSONAL_TYPED = {
    "email_in_function": "ask sam.example@gla.example",
    "phone_in_supplier": "07700 900456",
    "phone_in_cost": "ring 020 7946 0999",
    "email_in_integrations": "ArcGIS; pat.person@gla.example",
    "email_in_system": "jo.bloggs@camden.example",
    "phone_in_service_area": "call 020 7946 0888",
}


def personal_in_public_columns(survey: Path) -> None:
    """Row 3: e-mail in Function, mobile number as Supplier, telephone in Annual cost;
    row 4: e-mail among Integrates with; row 5: e-mail as System (required);
    row 6: telephone as Service area (unknown area)."""
    append_rows(
        survey,
        [
            system_row(
                Function=PERSONAL_TYPED["email_in_function"],
                Supplier=PERSONAL_TYPED["phone_in_supplier"],
                Annual_cost=PERSONAL_TYPED["phone_in_cost"],
            ),
            system_row(
                Function="integrations",
                System="Uniform",
                Integrates_with=PERSONAL_TYPED["email_in_integrations"],
            ),
            system_row(System=PERSONAL_TYPED["email_in_system"]),
            system_row(Service_area=PERSONAL_TYPED["phone_in_service_area"]),
        ],
    )


def many_rows(survey: Path, rows: int) -> None:
    """Replace the GLA return by one of ``rows`` Systems rows (write-only: fast to make)."""
    workbook = Workbook(write_only=True)
    respondent = workbook.create_sheet("Respondent")
    for values in GLA_RESPONDENT:
        respondent.append(values)
    systems = workbook.create_sheet("Systems")
    systems.append(GLA_HEADER)
    areas = ("GIS", "Planning", "Revs & Bens", "Payments", "Housing")
    products = ("ArcGIS", "Uniform", "Northgate iWorld", "Civica Pay", "Local system {}")
    for index in range(rows):
        systems.append(
            system_row(
                Service_area=areas[index % 5],
                Function=f"Function {index}",
                System=products[index % 5].format(index),
                Contract_start="01/04/2015",
                Annual_cost=f"£{1000 + index:,}",
                Integrates_with="ArcGIS",
            )
        )
    workbook.save(survey / GLA)


# --- hostile at the zip and XML level: refused before parsing, in bounded time and memory -------

SYSTEMS_PART = "xl/worksheets/sheet2.xml"  # openpyxl writes the GLA Systems sheet second
WORKBOOK_PART = "xl/workbook.xml"
GLA_FUNCTION = "Mapping for planning"  # the text of the GLA Systems sheet's cell B2
MB = 2**20


def rebuild_zip(path: Path, change: Callable[[zipfile.ZipFile, zipfile.ZipFile], None]) -> None:
    """Copy the archive at ``path`` member by member; ``change(source, target)`` writes each
    member it wants (altered or new) and the rest are copied as they were."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        change(source, target)
        written = set(target.NameToInfo)
        for info in source.infolist():
            if info.filename not in written:
                target.writestr(info, source.read(info))
    path.write_bytes(buffer.getvalue())


def replace_part(path: Path, part: str, data: bytes) -> None:
    """Replace one member of an .xlsx by ``data``."""
    rebuild_zip(path, lambda source, target: target.writestr(part, data))


def _systems_xml(survey: Path) -> bytes:
    with zipfile.ZipFile(survey / GLA) as archive:
        return archive.read(SYSTEMS_PART)


def _stream_part(
    target: zipfile.ZipFile, part: str, head: bytes, filler: bytes, size: int, tail: bytes
) -> None:
    """Write ``head``, then ``filler`` repeated to ``size`` bytes, then ``tail``, without
    ever holding the whole part in memory."""
    info = zipfile.ZipInfo(part)
    info.compress_type = zipfile.ZIP_DEFLATED
    with target.open(info, "w", force_zip64=True) as stream:
        stream.write(head)
        block = filler * (MB // len(filler))
        for _ in range(size // len(block)):
            stream.write(block)
        stream.write(tail)


def _cell_bomb(survey: Path, size: int) -> None:
    """The GLA Systems cell B2 holds ``size`` bytes of one letter repeated."""
    head, tail = _systems_xml(survey).split(GLA_FUNCTION.encode())
    rebuild_zip(
        survey / GLA,
        lambda source, target: _stream_part(target, SYSTEMS_PART, head, b"A", size, tail),
    )


def truncated_sheet_xml(survey: Path) -> None:
    """The Systems sheet's XML cut off half-way, in an otherwise valid zip (a failed save)."""
    xml = _systems_xml(survey)
    replace_part(survey / GLA, SYSTEMS_PART, xml[: len(xml) // 2])


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b"]>\n"
)


def entity_expansion(survey: Path) -> None:
    """The Systems sheet declares nested entities (a 'billion laughs': 10^9 copies of 'lol')
    and uses the outermost in cell B2."""
    xml = _systems_xml(survey).replace(GLA_FUNCTION.encode(), b"&lol9;")
    replace_part(survey / GLA, SYSTEMS_PART, BILLION_LAUGHS + xml)


SECRET_FILE_TEXT = "root:x:0:0"  # what /etc/passwd would put into the release if read


def external_entity(survey: Path) -> None:
    """The Systems sheet declares an external entity pointing at /etc/passwd, used in B2."""
    xml = _systems_xml(survey).replace(GLA_FUNCTION.encode(), b"&xxe;")
    declaration = (
        b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [\n'
        b'<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
    )
    replace_part(survey / GLA, SYSTEMS_PART, declaration + xml)


def external_dtd_in_workbook_part(survey: Path) -> None:
    """The workbook part (the list of sheets) names an external DTD on a web server."""
    with zipfile.ZipFile(survey / GLA) as archive:
        xml = archive.read(WORKBOOK_PART)
    replace_part(
        survey / GLA, WORKBOOK_PART, b'<!DOCTYPE workbook SYSTEM "http://evil.example/x.dtd">' + xml
    )


def invalid_utf8_sheet(survey: Path) -> None:
    """Cell B2 of the Systems sheet holds bytes that are not UTF-8 (the part declares none)."""
    xml = _systems_xml(survey).replace(GLA_FUNCTION.encode(), b"Mapping \xff\xfe planning")
    replace_part(survey / GLA, SYSTEMS_PART, xml)


def bomb_in_cell(survey: Path) -> None:
    """Cell B2 of the Systems sheet decompresses to 300 MB (the file is about 300 KB)."""
    _cell_bomb(survey, 300 * MB)


def bomb_under_part_limit(survey: Path) -> None:
    """Cell B2 decompresses to 60 MB: under the part limit, far over the compression ratio."""
    _cell_bomb(survey, 60 * MB)


def cell_over_length_limit(survey: Path) -> None:
    """Cell B2 holds 1.2 million varied letters (about 1.2 MB: under every size limit)."""
    letters = random.Random(14).choices("abcdefghijklmnopqrstuvwxyz ", k=1_200_000)
    xml = _systems_xml(survey).replace(GLA_FUNCTION.encode(), "".join(letters).encode())
    replace_part(survey / GLA, SYSTEMS_PART, xml)


def bomb_in_image(survey: Path) -> None:
    """A picture part, ``xl/media/image1.png``, that decompresses to 150 MB of zeros."""
    rebuild_zip(
        survey / GLA,
        lambda source, target: _stream_part(
            target, "xl/media/image1.png", b"\x89PNG\r\n\x1a\n", b"\x00", 150 * MB, b""
        ),
    )


def bomb_in_unused_sheet(survey: Path) -> None:
    """A third sheet, ``Lists`` (not read by cleaning), whose XML decompresses to 150 MB."""
    edit(survey, GLA, lambda workbook: workbook.create_sheet("Lists"))
    head = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    tail = b"</t></is></c></row></sheetData></worksheet>"
    rebuild_zip(
        survey / GLA,
        lambda source, target: _stream_part(
            target, "xl/worksheets/sheet3.xml", head, b"x", 150 * MB, tail
        ),
    )


def path_traversal_member(survey: Path) -> None:
    """A member named ``../../../etc/cron.d/citytools`` beside the workbook's parts."""
    rebuild_zip(
        survey / GLA,
        lambda source, target: target.writestr(
            "../../../etc/cron.d/citytools", "* * * * * root true\n"
        ),
    )


def many_members(survey: Path) -> None:
    """5,000 tiny members (pictures) beside the workbook's parts."""

    def change(source: zipfile.ZipFile, target: zipfile.ZipFile) -> None:
        for number in range(5_000):
            target.writestr(f"xl/media/image{number}.png", b"\x89PNG")

    rebuild_zip(survey / GLA, change)


def _sheet_dimension(survey: Path, reference: str) -> None:
    xml = _systems_xml(survey)
    replace_part(
        survey / GLA,
        SYSTEMS_PART,
        xml.replace(b'<dimension ref="A1:O2" />', f'<dimension ref="{reference}" />'.encode()),
    )


def million_row_dimension(survey: Path) -> None:
    """The Systems sheet claims ``A1:XFD1048576`` (a million rows by 16,384 columns) while
    holding two rows: the claim is ignored."""
    _sheet_dimension(survey, "A1:XFD1048576")


def _extra_cell(survey: Path, reference: str) -> None:
    cell = f'<c r="{reference}" t="inlineStr"><is><t>x</t></is></c>'
    row = int("".join(ch for ch in reference if ch.isdigit()))
    xml = _systems_xml(survey)
    if row > 2:
        xml = xml.replace(b"</sheetData>", f'<row r="{row}">{cell}</row></sheetData>'.encode())
    else:
        xml = xml.replace(b"</row></sheetData>", f"{cell}</row></sheetData>".encode())
    replace_part(survey / GLA, SYSTEMS_PART, xml)


def cell_at_row_million(survey: Path) -> None:
    """One cell at A1048576, Excel's last row."""
    _extra_cell(survey, "A1048576")


def formatted_row_at_million(survey: Path) -> None:
    """Row 1048576 given a height of its own and no cells (openpyxl would walk a million
    empty rows down to it)."""
    xml = _systems_xml(survey).replace(
        b"</sheetData>", b'<row r="1048576" ht="30" customHeight="1" /></sheetData>'
    )
    replace_part(survey / GLA, SYSTEMS_PART, xml)


def cell_at_column_xfd(survey: Path) -> None:
    """One cell at XFD2, Excel's last column, in the GLA system's row."""
    _extra_cell(survey, "XFD2")


def number_cell_holds_text(survey: Path) -> None:
    """Cell J2 (Annual cost) is typed as a number but holds the text ``abc``."""
    xml = _systems_xml(survey)
    head, rest = xml.split(b'<c r="J2"', 1)
    rest = rest.split(b"</c>", 1)[1]
    replace_part(survey / GLA, SYSTEMS_PART, head + b'<c r="J2" t="n"><v>abc</v></c>' + rest)


_DAMAGED = "is damaged"
_DECLARES = "which Excel never writes"

UNSAFE_CASES: list[ErrorCase] = [
    ErrorCase(
        "truncated_sheet_xml",
        truncated_sheet_xml,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, f"the XML of part {SYSTEMS_PART} {_DAMAGED}", "cut off"),
    ),
    ErrorCase(
        "entity_expansion",
        entity_expansion,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, "declares a document type", _DECLARES),
    ),
    ErrorCase(
        "external_entity",
        external_entity,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, "declares a document type", _DECLARES),
    ),
    ErrorCase(
        "external_dtd_in_workbook_part",
        external_dtd_in_workbook_part,
        GLA,
        words=(_UNREADABLE, f"part {WORKBOOK_PART} declares a document type"),
    ),
    ErrorCase(
        "invalid_utf8_sheet",
        invalid_utf8_sheet,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, _DAMAGED, "not well-formed (invalid token)"),
    ),
    ErrorCase(
        "bomb_in_cell",
        bomb_in_cell,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, f"part {SYSTEMS_PART} is 300 MB uncompressed", "limit: part size"),
    ),
    ErrorCase(
        "bomb_under_part_limit",
        bomb_under_part_limit,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, f"part {SYSTEMS_PART} expands", "limit: compression ratio"),
    ),
    ErrorCase(
        "cell_over_length_limit",
        cell_over_length_limit,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, "cell B2 holds more than 1,000,000 characters", "limit: cell length"),
    ),
    ErrorCase(
        "bomb_in_image",
        bomb_in_image,
        GLA,
        words=(_UNREADABLE, "part xl/media/image1.png is 150 MB uncompressed", "limit: part size"),
    ),
    ErrorCase(
        "bomb_in_unused_sheet",
        bomb_in_unused_sheet,
        GLA,
        sheet="Lists",
        words=(
            _UNREADABLE,
            "part xl/worksheets/sheet3.xml is 150 MB uncompressed",
            "limit: part size",
        ),
    ),
    ErrorCase(
        "path_traversal_member",
        path_traversal_member,
        GLA,
        words=(_UNREADABLE, "'../../../etc/cron.d/citytools'", "a path outside"),
    ),
    ErrorCase(
        "many_members",
        many_members,
        GLA,
        words=(_UNREADABLE, "holds 5,010 parts, over the limit of 1,000"),
    ),
    ErrorCase(
        "cell_at_row_million",
        cell_at_row_million,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, "reaches down to row 1,048,576", "limit: rows"),
    ),
    ErrorCase(
        "formatted_row_at_million",
        formatted_row_at_million,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, "reaches down to row 1,048,576", "limit: rows"),
    ),
    ErrorCase(
        "cell_at_column_xfd",
        cell_at_column_xfd,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, "cells out to column XFD (16,384)", "limit: columns"),
    ),
    ErrorCase(
        "number_cell_holds_text",
        number_cell_holds_text,
        GLA,
        sheet="Systems",
        words=(_UNREADABLE, "the sheet's content cannot be read"),
    ),
]
