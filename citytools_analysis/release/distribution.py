"""The release as readers download it: the whole release as one zip, each authority's own
rows, and a description of every file (size, rows, licence).

Everything here is made from the files of ``data/processed/`` alone, byte for byte the same
from the same release: the zip's members are in a fixed order with a fixed timestamp and
permissions, and an authority's extract keeps the release's columns, row order and cell
text (it is the release's CSV with the other authorities' rows left out).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from citytools_analysis.release.schema import TABLES

ZIP_NAME = "citytools-london-release.zip"
"""File name of the zip holding the whole release."""
ZIP_FOLDER = "citytools-london"
"""The folder the zip's files unpack into."""
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
"""Every zip member's timestamp: the earliest a zip can hold, so no build time leaks in."""
DATAPACKAGE = "datapackage.json"
AUTHORITY_TABLES = tuple(name for name, table in TABLES.items() if "gss_code" in table.columns)
"""The tables whose rows belong to one authority (they have a ``gss_code`` column)."""


def release_files(processed_dir: Path | str) -> list[Path]:
    """The release's files in publishing order: the data package, then each table."""
    processed_dir = Path(processed_dir)
    files = [processed_dir / DATAPACKAGE]
    files += [
        processed_dir / f"{name}.csv"
        for name in TABLES
        if (processed_dir / f"{name}.csv").is_file()
    ]
    return files


def write_zip(processed_dir: Path | str, path: Path | str) -> Path:
    """Write the whole release as one zip (same release, same bytes).

    Parameters
    ----------
    processed_dir
        Folder holding the CSV tables and ``datapackage.json``.
    path
        The zip to write.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for file in release_files(processed_dir):
            member = zipfile.ZipInfo(f"{ZIP_FOLDER}/{file.name}", date_time=ZIP_TIMESTAMP)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            member.create_system = 3  # Unix, whatever the machine
            archive.writestr(member, file.read_bytes(), compresslevel=9)
    return path


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_authority_extracts(processed_dir: Path | str, out_dir: Path | str) -> list[Path]:
    """Write each authority's own rows: ``out_dir/<gss_code>/<table>.csv``.

    Every authority of ``authorities.csv`` gets one file per table of
    :data:`AUTHORITY_TABLES` (a header alone when it has no rows there), so a page can link
    to them all.

    Parameters
    ----------
    processed_dir
        Folder holding the release.
    out_dir
        Folder for the extracts.

    Returns
    -------
    list of Path
        The files written, by authority then table.
    """
    processed_dir, out_dir = Path(processed_dir), Path(out_dir)
    _, authority_rows = _read_rows(processed_dir / "authorities.csv")
    codes = sorted(row[0] for row in authority_rows)
    tables = {}
    for name in AUTHORITY_TABLES:
        path = processed_dir / f"{name}.csv"
        if path.is_file():
            header, rows = _read_rows(path)
            column = header.index("gss_code")
            by_code: dict[str, list[list[str]]] = {}
            for row in rows:
                by_code.setdefault(row[column], []).append(row)
            tables[name] = (header, by_code)
    written = []
    for code in codes:
        folder = out_dir / code
        folder.mkdir(parents=True, exist_ok=True)
        for name, (header, by_code) in tables.items():
            target = folder / f"{name}.csv"
            target.write_text(
                _csv_text(header, by_code.get(code, [])), encoding="utf-8", newline=""
            )
            written.append(target)
    return written


def csv_row_count(path: Path | str) -> int:
    """Records in a CSV file (the header row not counted; a quoted line break is one cell)."""
    return len(_read_rows(Path(path))[1])


def licence_line(processed_dir: Path | str) -> str:
    """The release's licence as one line, from ``datapackage.json``."""
    package = json.loads((Path(processed_dir) / DATAPACKAGE).read_text(encoding="utf-8"))
    return (
        "; ".join(
            f"{item.get('title', item['name'])} ({item['name']})"
            for item in package.get("licenses", [])
        )
        or "no licence stated"
    )


@dataclass(frozen=True)
class PublishedFile:
    """One downloadable file: where it is in the site, what it holds, its size and rows."""

    path: str  # relative to the site root, POSIX
    holds: str
    bytes: int
    rows: int | None  # records (all tables together for the zip and the database)
    licence: str


__all__ = [
    "AUTHORITY_TABLES",
    "ZIP_NAME",
    "PublishedFile",
    "csv_row_count",
    "licence_line",
    "release_files",
    "write_authority_extracts",
    "write_zip",
]
