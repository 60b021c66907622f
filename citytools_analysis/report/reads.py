"""What a chapter reads: the columns of the release and the findings it shows, and no more.

A chapter that declares what it reads (a :class:`ChapterReads`, passed to
:func:`citytools_analysis.report.chapter.open_chapter`, or to :func:`open_release` by a page
that shows the release without findings, such as an explorer) sees only that: the declared columns
of the declared tables, the declared fields of the findings, and, of the release folder's
files, only ``datapackage.json`` and ``corrections.csv`` (which every source line may
consult). Anything else it touches raises an error naming what it reached for, so a chapter
cannot show what it did not declare.

That is what lets the build key such a chapter on what it reads
(:func:`fingerprint`) instead of the whole release: a change to a return that moves one
contract's end date re-runs the chapters that show contract ends or the findings that
changed, not the chapter on skills.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from citytools_analysis.core.paths import project_path
from citytools_analysis.release.processed import (
    WITHHELD_COLUMNS,
    ProcessedData,
    WithheldColumn,
    load_processed,
)

# Files of the release folder a declared chapter may open itself (source lines read them).
OPEN_FILES = ("datapackage.json", "corrections.csv")
# The columns of the authorities table a page reads to name authorities, and to draw them
# on the tile map.
AUTHORITY_NAMES = ("gss_code", "short_name")
AUTHORITY_TILES = (*AUTHORITY_NAMES, "tile_row", "tile_col", "abbreviation")
# Findings fields every chapter may read: the parameters they were computed with.
PARAMETER_FIELDS = ("as_of", "horizon_years", "window_months", "min_authorities", "top_n")


@dataclass(frozen=True)
class ChapterReads:
    """The part of the release and of the findings a chapter shows.

    Parameters
    ----------
    tables
        Table name → the columns of it the chapter reads, e.g.
        ``{"systems": ("gss_code", "satisfaction")}``. A table not named is not read.
    findings
        Fields of :class:`~citytools_analysis.metrics.findings.Findings` the chapter reads
        (the parameter fields are always readable).
    """

    tables: Mapping[str, tuple[str, ...]]
    findings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        known = {field.name for field in fields(ProcessedData)} - {"snapshot_date"}
        unknown = sorted(set(self.tables) - known)
        if unknown:
            raise ValueError(f"not tables of the release: {', '.join(unknown)}")


class UndeclaredRead(WithheldColumn):
    """A chapter reached for a table, column, findings field or file it did not declare."""


class _Unread:
    """Stands for a table a chapter did not declare: any use of it raises."""

    def __init__(self, name: str):
        self._name = name

    def _refuse(self, *args: Any, **kwargs: Any):
        raise UndeclaredRead(
            f"the chapter reads the table {self._name!r} but does not declare it in its READS"
        )

    __getattr__ = __getitem__ = __len__ = __iter__ = __contains__ = _refuse

    def __bool__(self) -> bool:
        self._refuse()
        return False


class DeclaredFindings:
    """The findings with only the declared fields readable."""

    def __init__(self, found: Any, readable: Iterable[str]):
        self._found = found
        self._readable = frozenset(readable) | set(PARAMETER_FIELDS)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._readable:
            raise UndeclaredRead(
                f"the chapter reads findings.{name} but does not declare it in its READS"
            )
        return getattr(self._found, name)


def _columns(
    frame: pd.DataFrame | None, name: str, columns: tuple[str, ...]
) -> pd.DataFrame | None:
    if frame is None:
        return None  # an optional table absent from this release (older releases)
    # A declared column an older release lacks stays absent, as in the whole table.
    view = frame.loc[:, [column for column in columns if column in frame.columns]]
    # Asking has_column about a column left out raises, instead of answering "no".
    view.attrs[WITHHELD_COLUMNS] = tuple(sorted(set(frame.columns) - set(columns)))
    return view


def project(data: ProcessedData, reads: ChapterReads) -> ProcessedData:
    """The release as a declared chapter sees it: declared columns only, other tables unread."""
    tables = {
        field.name: (
            _columns(getattr(data, field.name), field.name, reads.tables[field.name])
            if field.name in reads.tables
            else _Unread(field.name)
        )
        for field in fields(ProcessedData)
        if field.name != "snapshot_date"
    }
    return replace(data, **tables)


def _hash_frame(digest, frame: pd.DataFrame) -> None:
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(f"{len(frame)}\0".encode())
    if len(frame.columns):
        rows = pd.util.hash_pandas_object(frame, index=False, categorize=False)
        digest.update(rows.to_numpy().tobytes())


def _hash_value(digest, value: Any) -> None:
    """Feed a value's content (not its memory layout) into ``digest``."""
    if isinstance(value, pd.DataFrame):
        digest.update(b"frame\0")
        _hash_frame(digest, value.reset_index())
    elif isinstance(value, pd.Series):
        digest.update(b"series\0")
        _hash_frame(digest, value.to_frame(name=str(value.name)).reset_index())
    elif is_dataclass(value) and not isinstance(value, type):
        digest.update(f"{type(value).__qualname__}\0".encode())
        for field in fields(value):
            digest.update(f"{field.name}=".encode())
            _hash_value(digest, getattr(value, field.name))
    elif isinstance(value, Mapping):
        digest.update(b"mapping\0")
        for key in sorted(value, key=repr):
            digest.update(repr(key).encode() + b":")
            _hash_value(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"seq{len(value)}\0".encode())
        for item in value:
            _hash_value(digest, item)
    elif value is None or isinstance(value, (str, int, float, bool, date)):
        digest.update(f"{type(value).__name__}:{value!r}\0".encode())
    else:
        raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def open_release(processed_dir: Path | str, reads: ChapterReads) -> ProcessedData:
    """The release as a page that declares what it reads sees it (no findings).

    Parameters
    ----------
    processed_dir
        The release folder, relative to the project root or absolute.
    reads
        What the page reads (declaring findings here is an error: it has none).
    """
    if reads.findings:
        raise ValueError("open_release gives no findings; open_chapter does")
    folder = project_path(processed_dir)
    data = project(load_processed(folder), reads)
    guard(folder)
    return data


def fingerprint(
    reads: ChapterReads, data: ProcessedData, processed_dir: Path | str, found: Any = None
) -> str:
    """SHA-256 of everything a declared chapter can see: its columns, its findings fields,
    and the files it may open (:data:`OPEN_FILES`).

    Parameters
    ----------
    reads
        What the chapter declares.
    data
        The whole release, read from ``processed_dir``.
    processed_dir
        The release folder.
    found
        The findings the chapter is given (computed under its parameters); ``None`` for a
        page opened with :func:`open_release`.
    """
    digest = hashlib.sha256()
    for name in sorted(reads.tables):
        digest.update(f"table {name}\0".encode())
        frame = _columns(getattr(data, name), name, reads.tables[name])
        if frame is None:
            digest.update(b"absent\0")
        else:
            _hash_frame(digest, frame)
    if found is not None:
        for name in sorted(set(reads.findings) | set(PARAMETER_FIELDS)):
            digest.update(f"findings {name}\0".encode())
            _hash_value(digest, getattr(found, name))
    digest.update(repr(data.snapshot_date).encode())
    for name in OPEN_FILES:
        path = Path(processed_dir) / name
        digest.update(f"file {name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"-")
    return digest.hexdigest()


# Release folders whose files a declared chapter of this process may not open.
_GUARDED: set[Path] = set()
_HOOKED = False


def _audit(event: str, args: tuple) -> None:
    if event != "open" or not _GUARDED or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = Path(os.fsdecode(args[0]))
    if path.parent.resolve() in _GUARDED and path.name not in OPEN_FILES:
        raise UndeclaredRead(
            f"the chapter opens {path} itself; a chapter that declares what it reads takes "
            "the release from open_chapter"
        )


def guard(processed_dir: Path | str) -> None:
    """From now on, refuse this process any opening of the release folder's files other
    than :data:`OPEN_FILES` (a declared chapter must take its tables from the release it
    was given)."""
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED = True
    _GUARDED.add(Path(processed_dir).resolve())


def release(processed_dir: Path | str) -> None:
    """Stop guarding a release folder (tests, after opening a declared chapter)."""
    _GUARDED.discard(Path(processed_dir).resolve())


__all__ = [
    "AUTHORITY_NAMES",
    "AUTHORITY_TILES",
    "OPEN_FILES",
    "ChapterReads",
    "DeclaredFindings",
    "UndeclaredRead",
    "fingerprint",
    "guard",
    "open_release",
    "project",
    "release",
]
