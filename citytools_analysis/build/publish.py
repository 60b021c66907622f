"""Publishing the release with the book: downloads, the SQLite database and the JSON API.

Two steps of the build, around the book:

1. :func:`prepare`, after the notebooks ran (the release is final) and before the book is
   built: writes every file to publish into a staging folder (``_build/published``) and the
   "Files to download" table that the "Using the data" page includes
   (``book/_generated/downloads.md``: each file with its size, rows and licence);
2. :func:`install`, after the book is built: copies the staged files into ``_build/html``.

What is published, relative to the book's root:

- ``data/<table>.csv`` and ``data/datapackage.json``: the release as it is;
- ``data/authorities/<gss_code>/<table>.csv``: each authority's own rows;
- ``citytools-london-release.zip``: the whole release in one file;
- ``citytools.sqlite``: the release as a SQLite database (:mod:`.release.database`);
- ``api/v1/``: the JSON API (:mod:`.report.api`), each document's JSON Schema in
  ``api/v1/schemas/`` and the OpenAPI description ``api/v1/openapi.json``.

Every file is the same bytes from the same release (see the modules that write them).
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from citytools_analysis.release.database import DATABASE_NAME, write_database
from citytools_analysis.release.distribution import (
    ZIP_NAME,
    PublishedFile,
    csv_row_count,
    licence_line,
    release_files,
    write_authority_extracts,
    write_zip,
)
from citytools_analysis.release.schema import TABLES
from citytools_analysis.report.api import (
    API_FOLDER,
    AUTHORITY_DATA_FOLDER,
    api_documents,
    document_bytes,
)
from citytools_analysis.report.api_schema import document_schemas, openapi_document, schema_path

STAGING_FOLDER = "published"
"""The staging folder's name, inside the build folder (``_build/published``)."""
DOWNLOADS_INCLUDE = "downloads.md"
"""The generated table of downloads, in the generated folder, included by "Using the data"."""
DATA_FOLDER = "data"
PUBLISHED_TOP_LEVEL = (DATA_FOLDER, "api", ZIP_NAME, DATABASE_NAME)
"""What :func:`install` replaces in the built site."""
API_OPTIONS = ("as_of", "horizon_years", "window_months", "min_authorities")
"""Build parameters that the API documents are computed with, when given."""


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def write_api(
    processed_dir: Path | str,
    out_dir: Path | str,
    reference_dir: Path | str | None = None,
    **options: Any,
) -> dict[str, dict]:
    """Write every API document, its schemas and the OpenAPI description into ``out_dir``.

    Returns
    -------
    dict
        The documents, by path under ``out_dir``.
    """
    out_dir = Path(out_dir)
    documents = api_documents(processed_dir, reference_dir, **options)
    for path, document in documents.items():
        _write(out_dir / path, document_bytes(document))
    for name, schema in document_schemas().items():
        _write(out_dir / schema_path(name), document_bytes(schema))
    _write(out_dir / "openapi.json", document_bytes(openapi_document(licence_line(processed_dir))))
    return documents


def _size(count: int) -> str:
    """A file size for readers: bytes, kB or MB (powers of 1,000)."""
    if count < 1_000:
        return f"{count:,} bytes"
    if count < 1_000_000:
        return f"{count / 1_000:,.1f} kB"
    return f"{count / 1_000_000:,.1f} MB"


def describe_files(site: Path | str, processed_dir: Path | str) -> list[PublishedFile]:
    """The downloadable files of a staged (or built) site, with sizes, rows and licence."""
    site = Path(site)
    licence = licence_line(processed_dir)
    total = 0
    files = []
    for source in release_files(processed_dir):
        path = f"{DATA_FOLDER}/{source.name}"
        if source.suffix == ".csv":
            rows = csv_row_count(site / path)
            total += rows
            table = TABLES[source.stem]
            holds = f"One row per {table.row_is}."
        else:
            rows = None
            holds = "The data package: every table's fields, types, keys and licence."
        files.append(PublishedFile(path, holds, (site / path).stat().st_size, rows, licence))
    files.append(
        PublishedFile(
            ZIP_NAME,
            "The whole release: the data package and every table.",
            (site / ZIP_NAME).stat().st_size,
            total,
            licence,
        )
    )
    files.append(
        PublishedFile(
            DATABASE_NAME,
            "The whole release as a SQLite database, with "
            "the data package's types, primary and foreign keys.",
            (site / DATABASE_NAME).stat().st_size,
            total,
            licence,
        )
    )
    return files


def downloads_markdown(files: list[PublishedFile], page_root: str = "../") -> str:
    """The table of downloads, as the Markdown (a raw HTML table) the page includes.

    Parameters
    ----------
    files
        From :func:`describe_files`.
    page_root
        The book's root relative to the including page (``book/using-the-data.html``).
    """
    rows = []
    for item in files:
        rows.append(
            "<tr>"
            f'<td><a href="{html.escape(page_root + item.path)}" download>'
            f"<code>{html.escape(item.path.rsplit('/', 1)[-1])}</code></a></td>"
            f"<td>{html.escape(item.holds)}</td>"
            f'<td class="text-end">{html.escape(_size(item.bytes))}</td>'
            f'<td class="text-end">{"not a table" if item.rows is None else f"{item.rows:,}"}</td>'
            f"<td>{html.escape(item.licence)}</td>"
            "</tr>"
        )
    return (
        "```{raw} html\n"
        '<div class="citytools-table-scroll">\n'
        '<table class="table citytools-downloads">\n'
        "<caption>Files to download: the release, the zip and the database</caption>\n"
        "<thead><tr><th>file</th><th>holds</th><th>size</th><th>rows</th>"
        "<th>licence</th></tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</div>\n```\n"
    )


def prepare(
    processed_dir: Path | str,
    build_dir: Path | str,
    generated_dir: Path | str,
    reference_dir: Path | str | None = None,
    parameters: Mapping[str, Any] | None = None,
    findings_store: Path | str | None = None,
) -> Path:
    """Stage every file to publish, and write the downloads table the book includes.

    Parameters
    ----------
    processed_dir
        The release.
    build_dir
        The build folder (``_build``); the files are staged in its ``published`` folder.
    generated_dir
        The generated pages' folder; :data:`DOWNLOADS_INCLUDE` is written there.
    reference_dir
        Reference data; the project's by default.
    parameters
        Build parameters; those of :data:`API_OPTIONS` given are used for the API.
    findings_store
        The build's findings store, read for the API's findings when it holds them (see
        :func:`.report.api.api_documents`).

    Returns
    -------
    Path
        The staging folder.
    """
    processed_dir = Path(processed_dir)
    staging = Path(build_dir) / STAGING_FOLDER
    shutil.rmtree(staging, ignore_errors=True)
    data = staging / DATA_FOLDER
    data.mkdir(parents=True)
    for source in release_files(processed_dir):
        shutil.copyfile(source, data / source.name)
    write_authority_extracts(processed_dir, staging / AUTHORITY_DATA_FOLDER)
    write_zip(processed_dir, staging / ZIP_NAME)
    write_database(processed_dir, staging / DATABASE_NAME)
    options = {
        name: value
        for name, value in dict(parameters or {}).items()
        if name in API_OPTIONS and value not in (None, "")
    }
    write_api(
        processed_dir, staging / API_FOLDER, reference_dir, findings_store=findings_store, **options
    )
    include = Path(generated_dir) / DOWNLOADS_INCLUDE
    include.parent.mkdir(parents=True, exist_ok=True)
    text = downloads_markdown(describe_files(staging, processed_dir))
    if not include.is_file() or include.read_text(encoding="utf-8") != text:
        include.write_text(text, encoding="utf-8")  # unchanged: Sphinx need not re-read the page
    return staging


def install(staging: Path | str, html_dir: Path | str) -> list[Path]:
    """Copy the staged files into the built site, replacing what an earlier build published.

    Returns
    -------
    list of Path
        The files and folders installed.
    """
    staging, html_dir = Path(staging), Path(html_dir)
    installed = []
    for name in PUBLISHED_TOP_LEVEL:
        source, target = staging / name, html_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            shutil.copyfile(source, target)
        else:
            continue
        installed.append(target)
    return installed


def published_json(path: Path | str) -> Any:
    """Read one published JSON file (a document, a schema, the OpenAPI description)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


__all__ = [
    "describe_files",
    "downloads_markdown",
    "install",
    "prepare",
    "published_json",
    "write_api",
]
