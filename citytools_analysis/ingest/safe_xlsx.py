"""Opening untrusted Excel workbooks (.xlsx) safely: limits checked before parsing.

A return arrives by e-mail or through an upload form, so every byte of it is untrusted. An
``.xlsx`` file is a zip archive of XML parts; it can be damaged (a failed save leaves a part
cut off half-way), hostile (an XML entity expansion, an external entity pointing at a local
file, a decompression bomb) or simply far larger than any real return. Before openpyxl sees
the file, :func:`open_xlsx`:

1. checks the archive from its directory alone, decompressing nothing: the file's size, the
   number of members, each member's name (no absolute paths, no ``..``, no duplicates), each
   part's uncompressed size, the whole's uncompressed size and each large part's compression
   ratio (zip reading stops at the size a member declares, so the declared sizes bound what
   is ever decompressed);
2. streams every XML part once through a checking parser, in chunks, holding no more than a
   chunk of it: a document-type or entity declaration is refused (Excel never writes one, and
   external entities are never resolved), the XML must be well formed and in a known
   encoding, and on worksheets and the shared-string table the number of rows and columns
   and the length of every cell are checked;
3. only then opens the workbook with openpyxl, read-only, which itself parses with
   ``defusedxml`` (a declared dependency: openpyxl uses it whenever it is installed).

Every failure, at any level, is a :class:`SurveyInputError` naming the file and, where
known, the sheet, with a plain reason and how to fix the file. The limits are
:class:`XlsxLimits`; the defaults (:data:`DEFAULT_LIMITS`) leave a wide margin over any real
return and are listed, with their reasons, in the book's methodology.

Use from other readers (payment files, say)::

    from citytools_analysis.ingest.safe_xlsx import open_xlsx, sheet_rows

    workbook = open_xlsx(path)                      # or open_xlsx(path, limits=XlsxLimits(...))
    try:
        for worksheet in workbook.worksheets:
            rows = sheet_rows(worksheet, file=path.name)   # list of tuples of cell values
    finally:
        workbook.close()

Both raise :class:`SurveyInputError` and nothing else for a bad file. Text files (CSV) go
through :func:`read_text_file`, which applies a size limit and a clear encoding error.
"""

from __future__ import annotations

import lzma
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from defusedxml.ElementTree import fromstring, iterparse
from openpyxl import DEFUSEDXML, load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension

from citytools_analysis.core.errors import SurveyInputError

MIB = 2**20

#: Part of every message about a file that is not a readable workbook.
UNREADABLE = "cannot be read as an Excel workbook (.xlsx)"
#: How to repair a damaged workbook, for messages.
RESAVE = (
    "open it in Excel (or LibreOffice), save it again as an Excel Workbook (.xlsx) and send that"
)


@dataclass(frozen=True)
class XlsxLimits:
    """What a workbook may hold before it is refused, checked before it is parsed.

    Attributes
    ----------
    file_bytes
        Size of the ``.xlsx`` file itself.
    members
        Members (parts) of the zip archive.
    part_bytes
        Uncompressed size of any one part.
    total_bytes
        Uncompressed size of all parts together.
    compression_ratio
        Uncompressed ÷ compressed size of a part, checked for parts over
        ``ratio_checked_from_bytes`` (a tiny part can compress a lot and is harmless).
    ratio_checked_from_bytes
        The uncompressed size from which a part's ratio is checked.
    rows
        The highest row number on any worksheet (of a cell, or of a row formatted alone).
    columns
        The highest column number holding a cell, on any worksheet.
    cell_characters
        Characters in one cell (its value, formula or shared string).
    """

    file_bytes: int = 100 * MIB
    members: int = 1_000
    part_bytes: int = 100 * MIB
    total_bytes: int = 250 * MIB
    compression_ratio: int = 100
    ratio_checked_from_bytes: int = 1 * MIB
    rows: int = 100_000
    columns: int = 200
    cell_characters: int = 1_000_000


DEFAULT_LIMITS = XlsxLimits()

#: The hardened parser openpyxl uses (True when ``defusedxml`` is installed, as declared).
HARDENED_PARSER = DEFUSEDXML

_CHUNK = 64 * 1024
_SHEET_TYPE = "/worksheet"
_OFFICE_DOCUMENT = "/officeDocument"
_CELL_REFERENCE = re.compile(r"([A-Za-z]{1,3})(\d+)$")


def _size(number: int) -> str:
    """A byte count in words: ``"300 MB"``, ``"12 KB"``."""
    if number >= MIB:
        return f"{number / MIB:,.0f} MB"
    if number >= 1024:
        return f"{number / 1024:,.0f} KB"
    return f"{number:,} bytes"


def _refuse(path: Path, message: str, sheet: str | None = None) -> SurveyInputError:
    return SurveyInputError(f"{UNREADABLE}: {message}", file=path.name, sheet=sheet)


# --- 1. the archive, from its directory ----------------------------------------------------------


def _member_count(path: Path) -> int | None:
    """The number of members the zip's end record declares, read before zipfile lists them.

    ``None`` when no end record is found (then the file is not a zip; zipfile says so).
    """
    size = path.stat().st_size
    tail_length = min(size, 22 + 65_535)  # the end record and the longest comment
    with path.open("rb") as handle:
        handle.seek(size - tail_length)
        tail = handle.read(tail_length)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        count = struct.unpack("<H", tail[at + 10 : at + 12])[0]
        locator = at - 20
        if count == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
            offset = struct.unpack("<Q", tail[locator + 8 : locator + 16])[0]
            handle.seek(offset)
            record = handle.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                count = struct.unpack("<Q", record[32:40])[0]
    return count


def _unsafe_name(name: str) -> bool:
    """A member name no spreadsheet program writes: absolute, climbing out, or odd."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in name.split("/"))


def check_archive(path: Path, limits: XlsxLimits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open ``path`` as a zip and check its directory against ``limits``; decompress nothing.

    Returns
    -------
    zipfile.ZipFile
        The open archive (the caller closes it).

    Raises
    ------
    SurveyInputError
        Not a zip, or over a limit, or a member with an unsafe or repeated name.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.file_bytes:
            raise _refuse(
                path,
                f"the file is {_size(size)}, over the limit of "
                f"{_size(limits.file_bytes)} for one return; a return is a few hundred "
                "KB: remove pictures and sheets the survey does not ask for",
            )
        count = _member_count(path)
        if count is not None and count > limits.members:
            raise _refuse(
                path,
                f"the archive holds {count:,} parts, over the limit of "
                f"{limits.members:,}; Excel writes a few dozen: {RESAVE}",
            )
        archive = zipfile.ZipFile(path)
    except SurveyInputError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        struct.error,
        NotImplementedError,
    ) as error:
        raise _refuse(path, f"{type(error).__name__}: {error}") from None
    try:
        _check_directory(
            path, archive.infolist(), limits, lambda part: _sheet_of(archive, path, part, limits)
        )
    except BaseException:
        archive.close()
        raise
    return archive


def _is_package_part(name: str) -> bool:
    """The parts that say where the sheets are (read first, to name sheets in messages)."""
    return (
        name == "_rels/.rels"
        or name.startswith("xl/workbook")
        or name == "xl/_rels/workbook.xml.rels"
    )


def _sheet_of(archive: zipfile.ZipFile, path: Path, part: str, limits: XlsxLimits) -> str | None:
    """The sheet a part holds, for a message, if the parts listing sheets are small and sound."""
    try:
        for info in archive.infolist():
            if _is_package_part(info.filename):
                if info.file_size > MIB:
                    return None
                _check_part(archive, path, info.filename, None, "package", limits)
        return _sheet_parts(archive).get(part)
    except Exception:  # noqa: BLE001  only a message's detail: without it the part is named
        return None


def _check_directory(
    path: Path,
    members: list[zipfile.ZipInfo],
    limits: XlsxLimits,
    sheet_of: Callable[[str], str | None] = lambda part: None,
) -> None:
    if len(members) > limits.members:
        raise _refuse(
            path,
            f"the archive holds {len(members):,} parts, over the limit of "
            f"{limits.members:,}; Excel writes a few dozen: {RESAVE}",
        )
    seen: set[str] = set()
    total = 0
    for member in members:
        name = member.filename
        if _unsafe_name(name):
            raise _refuse(
                path,
                f"the archive holds a part named {name!r}, a path outside the "
                "workbook that no spreadsheet program writes; the file was made to "
                f"attack, or is damaged: {RESAVE}",
            )
        if name in seen:
            raise _refuse(path, f"the archive holds two parts named {name!r}: {RESAVE}")
        seen.add(name)
        if member.file_size > limits.part_bytes:
            raise _refuse(
                path,
                f"part {name} is {_size(member.file_size)} uncompressed, over the "
                f"limit of {_size(limits.part_bytes)} for one part (limit: part size); "
                "a real return's largest part is well under 1 MB: remove large pictures, "
                "embedded files and sheets the survey does not ask for, or split the data",
                sheet_of(name),
            )
        if member.file_size >= limits.ratio_checked_from_bytes:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > limits.compression_ratio:
                raise _refuse(
                    path,
                    f"part {name} expands {ratio:,.0f} times when decompressed "
                    f"({_size(member.compress_size)} to {_size(member.file_size)}), over "
                    f"the limit of {limits.compression_ratio} times (limit: compression "
                    "ratio); real spreadsheet data expands about 5 to 20 times, so this "
                    f"is a decompression bomb or a sheet of repeated filler: {RESAVE}",
                    sheet_of(name),
                )
        total += member.file_size
        if total > limits.total_bytes:
            raise _refuse(
                path,
                f"the parts add up to more than {_size(limits.total_bytes)} "
                "uncompressed (limit: workbook size); remove large pictures, embedded "
                "files and sheets the survey does not ask for",
            )


# --- 2. every XML part, streamed through a checking parser ---------------------------------------


@dataclass
class SheetExtent:
    """What the checking parser saw of one worksheet: its last row and its last column."""

    part: str
    rows: int = 0
    columns: int = 0


class _PartChecker:
    """Streams one XML part through expat, refusing declarations and checking limits."""

    def __init__(
        self, path: Path, part: str, sheet: str | None, *, kind: str, limits: XlsxLimits
    ) -> None:
        self.path, self.part, self.sheet, self.kind, self.limits = path, part, sheet, kind, limits
        self.extent = SheetExtent(part)
        self._row = 0
        self._column = 0
        self._cell_text: int | None = None  # characters in the current cell, if inside one
        self._cell_where = ""
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external
        parser.buffer_text = True
        if kind in ("sheet", "strings"):
            parser.StartElementHandler = self._start
            parser.EndElementHandler = self._end
            parser.CharacterDataHandler = self._text
        self.parser = parser

    # A declaration is refused the moment the parser meets it, before anything is expanded.
    def _declared(self, what: str) -> None:
        raise self._error(
            f"part {self.part} {what}, which Excel never writes; entity "
            "declarations are refused because they can expand a small file into "
            f"gigabytes or read files from the computer opening it: {RESAVE}"
        )

    def _doctype(self, *args: Any) -> None:
        self._declared("declares a document type (<!DOCTYPE …>)")

    def _entity(self, *args: Any) -> None:
        self._declared("declares an XML entity (<!ENTITY …>)")

    def _external(self, *args: Any) -> int:
        self._declared("refers to an external entity")
        return 0

    def _error(self, message: str) -> SurveyInputError:
        return _refuse(self.path, message, self.sheet)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        if self.kind == "sheet":
            if local == "row":
                reference = attributes.get("r", "")
                self._row = int(reference) if reference.isdigit() else self._row + 1
                self._column = 0
                self._extend()  # a row without cells still makes openpyxl walk down to it
            elif local == "c":
                match = _CELL_REFERENCE.match(attributes.get("r", ""))
                if match:
                    self._column = _column_number(match.group(1))
                    self._row = max(self._row, int(match.group(2)))
                else:
                    self._column += 1
                self._cell_text = 0
                self._cell_where = f"cell {attributes.get('r') or f'row {self._row}'}"
                self._extend()
        elif local == "si":
            self._cell_text = 0
            self._cell_where = "a shared text"

    def _extend(self) -> None:
        extent, limits = self.extent, self.limits
        extent.rows = max(extent.rows, self._row)
        extent.columns = max(extent.columns, self._column)
        if extent.rows > limits.rows:
            raise self._error(
                f"the sheet reaches down to row {extent.rows:,}, over the limit of "
                f"{limits.rows:,} rows (limit: rows); a real return has a few "
                "thousand rows at most: delete the empty or unrelated rows below "
                "the data, or split the data"
            )
        if extent.columns > limits.columns:
            raise self._error(
                f"the sheet has cells out to column {_column_letters(extent.columns)} "
                f"({extent.columns:,}), over the limit of {limits.columns:,} columns "
                "(limit: columns); the survey has about 20: delete the columns right "
                "of the data"
            )

    def _end(self, name: str) -> None:
        local = name.rsplit(":", 1)[-1]
        if (self.kind == "sheet" and local == "c") or (self.kind == "strings" and local == "si"):
            self._cell_text = None

    def _text(self, data: str) -> None:
        if self._cell_text is None:
            return
        self._cell_text += len(data)
        if self._cell_text > self.limits.cell_characters:
            raise self._error(
                f"{self._cell_where} holds more than {self.limits.cell_characters:,} "
                "characters, over the limit for one cell (limit: cell length; Excel "
                "itself stops at 32,767): shorten the text"
            )

    def feed(self, data: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as error:
            reason = expat.errors.messages.get(error.code, str(error))
            cut = " (it ends before its XML does: the part is cut off)" if final else ""
            raise self._error(
                f"the XML of part {self.part} is damaged{cut}: {reason} at line "
                f"{error.lineno}, column {error.offset}; a failed save or a program "
                f"other than Excel leaves a file like this: {RESAVE}"
            ) from None


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels"))


def _check_part(
    archive: zipfile.ZipFile,
    path: Path,
    part: str,
    sheet: str | None,
    kind: str,
    limits: XlsxLimits,
) -> SheetExtent:
    checker = _PartChecker(path, part, sheet, kind=kind, limits=limits)
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                checker.feed(chunk)
    except SurveyInputError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as error:  # RuntimeError: an encrypted member
        raise _refuse(
            path,
            f"part {part} cannot be decompressed ({type(error).__name__}: {error}): {RESAVE}",
            sheet,
        ) from None
    checker.feed(b"", final=True)
    return checker.extent


def _relationships(archive: zipfile.ZipFile, rels_part: str) -> list[tuple[str, str, str]]:
    """(Id, Type, target part) of a relationships part already checked; [] if absent."""
    if rels_part not in archive.NameToInfo:
        return []
    base = posixpath.dirname(posixpath.dirname(rels_part))
    found = []
    for element in fromstring(archive.read(rels_part)).iter():
        if element.tag.rsplit("}", 1)[-1] != "Relationship":
            continue
        target = element.get("Target", "")
        if element.get("TargetMode") == "External":
            continue
        part = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(base, target))
        )
        found.append((element.get("Id", ""), element.get("Type", ""), part))
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name as written, from the (checked) workbook part."""
    documents = [
        p
        for _, kind, p in _relationships(archive, "_rels/.rels")
        if kind.endswith(_OFFICE_DOCUMENT)
    ]
    workbook_part = documents[0] if documents else "xl/workbook.xml"
    if workbook_part not in archive.NameToInfo:
        return {}
    folder, name = posixpath.split(workbook_part)
    targets = {
        rid: part
        for rid, kind, part in _relationships(
            archive, posixpath.join(folder, "_rels", name + ".rels")
        )
        if kind.endswith(_SHEET_TYPE)
    }
    sheets: dict[str, str] = {}
    for element in fromstring(archive.read(workbook_part)).iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
        if rid in targets:
            sheets[targets[rid]] = element.get("name", "")
    return sheets


def check_xlsx(path: Path, limits: XlsxLimits = DEFAULT_LIMITS) -> dict[str, SheetExtent]:
    """Check a workbook against ``limits`` without opening it in openpyxl.

    Returns
    -------
    dict
        Sheet name → :class:`SheetExtent` (the last row and the last column it holds).

    Raises
    ------
    SurveyInputError
        For anything that makes the file unsafe or unreadable; see the module's description.
    """
    path = Path(path)
    archive = check_archive(path, limits)
    try:
        names = [m.filename for m in archive.infolist() if _is_xml(m.filename)]
        # The parts that say where the sheets are come first, so later messages name sheets.
        package = [n for n in names if _is_package_part(n)]
        for part in package:
            _check_part(archive, path, part, None, "package", limits)
        try:
            sheets = _sheet_parts(archive)
        except Exception as error:  # noqa: BLE001  well-formed XML whose content openpyxl-style readers reject
            raise _refuse(
                path,
                f"the list of sheets cannot be read ({type(error).__name__}: {error}): {RESAVE}",
            ) from None
        extents: dict[str, SheetExtent] = {}
        for part in names:
            if part in package:
                continue
            lower = part.lower()
            if part in sheets or lower.startswith("xl/worksheets/") and not lower.endswith(".rels"):
                sheet = sheets.get(part)
                extent = _check_part(archive, path, part, sheet, "sheet", limits)
                if sheet is not None:
                    extents[sheet] = extent
            elif lower.endswith("sharedstrings.xml"):
                _check_part(archive, path, part, None, "strings", limits)
            else:
                _check_part(archive, path, part, None, "other", limits)
        return extents
    finally:
        archive.close()


# --- 3. opening and reading with openpyxl --------------------------------------------------------


def open_xlsx(path: Path | str, limits: XlsxLimits = DEFAULT_LIMITS):
    """Open an untrusted ``.xlsx`` read-only, with cached values, after checking it.

    Parameters
    ----------
    path
        The workbook.
    limits
        What the file may hold (:data:`DEFAULT_LIMITS` unless given).

    Returns
    -------
    openpyxl.Workbook
        Read-only (sheets are read lazily: use :func:`sheet_rows`); close it when done.

    Raises
    ------
    SurveyInputError
        Naming the file (and the sheet where known) for any failure to read it: not a zip,
        over a limit, an XML declaration, damaged XML, a part openpyxl cannot read.
    """
    path = Path(path)
    check_xlsx(path, limits)
    try:
        with _dimension_read_to_the_first_row():
            return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001  openpyxl raises many kinds on a file it cannot read
        raise _refuse(path, f"{type(error).__name__}: {error}") from None


_SIZING = threading.Lock()


def _dimension_only(worksheet) -> None:
    """What openpyxl's read-only sheet does on opening (take the ``<dimension>`` as the
    sheet's first row and column), but reading no further than the start of the cells.

    openpyxl looks for ``<dimension>`` with end-of-element events, so on a sheet without one
    (some exporters, and openpyxl's own write-only mode, leave it out) it parses every cell
    before giving up: a 50,000-row sheet was parsed once more for nothing. The XML was
    checked by :func:`check_xlsx` before this runs.
    """
    source = worksheet._get_source()
    try:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                try:
                    boundaries = SheetDimension.from_tree(element).boundaries
                except ValueError:  # a claim that is not a range: ignored, as any claim is
                    return  # by sheet_rows, which reads to the last cell there is
                if boundaries is not None:
                    (
                        worksheet._min_column,
                        worksheet._min_row,
                        worksheet._max_column,
                        worksheet._max_row,
                    ) = boundaries
                return
            if element.tag == DATA_TAG:
                return  # no dimension: the cells begin
    finally:
        source.close()


@contextmanager
def _dimension_read_to_the_first_row():
    """Open read-only sheets with :func:`_dimension_only` instead of openpyxl's own sizing."""
    with _SIZING:
        original = ReadOnlyWorksheet._get_size
        ReadOnlyWorksheet._get_size = _dimension_only
        try:
            yield
        finally:
            ReadOnlyWorksheet._get_size = original


def sheet_rows(worksheet, *, file: str) -> list[tuple[Any, ...]]:
    """Every row of a read-only worksheet as a tuple of cell values, top to bottom.

    The sheet's ``<dimension>`` claim is ignored (a sheet may claim a million rows it does not
    have): rows run to the last row that holds a cell, each row to its last cell. The sizes
    were bounded by :func:`open_xlsx`'s checks.

    Raises
    ------
    SurveyInputError
        When openpyxl cannot read a cell of the sheet (a value that does not match its type).
    """
    try:
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()
        return [tuple(row) for row in worksheet.iter_rows(values_only=True)]
    except SurveyInputError:
        raise
    except Exception as error:  # noqa: BLE001  openpyxl reading bad cell content: input, not a bug
        raise SurveyInputError(
            f"{UNREADABLE}: the sheet's content cannot be read "
            f"({type(error).__name__}: {error}): {RESAVE}",
            file=file,
            sheet=worksheet.title,
        ) from None


# --- text files -----------------------------------------------------------------------------------

_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252"}

#: Largest text (CSV) file read, in bytes; published registers are a few MB at most.
TEXT_FILE_BYTES = 100 * MIB
#: Encodings a published text file is tried in, in turn (a BOM is dropped; Windows-1252 is
#: what Excel saves as "CSV").
TEXT_ENCODINGS = ("utf-8-sig", "cp1252")


def read_text_file(
    path: Path | str,
    encodings: tuple[str, ...] = TEXT_ENCODINGS,
    max_bytes: int = TEXT_FILE_BYTES,
) -> str:
    """The text of an untrusted text file, within a size limit, in the first encoding that fits.

    Raises
    ------
    SurveyInputError
        Naming the file when it is over ``max_bytes``, cannot be read, or fits no encoding.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SurveyInputError(
                f"the file is {_size(size)}, over the limit of "
                f"{_size(max_bytes)} for one text file",
                file=path.name,
            )
        data = path.read_bytes()
    except OSError as error:
        raise SurveyInputError(
            f"cannot be read: {error.strerror or error}", file=path.name
        ) from None
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    names = dict.fromkeys(_ENCODING_NAMES.get(e, e) for e in encodings)
    raise SurveyInputError(
        f"cannot be read as {' or '.join(names)} text; save it as UTF-8 CSV", file=path.name
    )


__all__ = [
    "DEFAULT_LIMITS",
    "HARDENED_PARSER",
    "TEXT_ENCODINGS",
    "SheetExtent",
    "XlsxLimits",
    "check_archive",
    "check_xlsx",
    "open_xlsx",
    "read_text_file",
    "sheet_rows",
]
