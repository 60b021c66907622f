"""The open data release as one SQLite database, with the data package's types and keys.

The conversion is Frictionless's own SQL adapter (``Package.publish``, over SQLAlchemy): it
reads ``datapackage.json`` and creates one table per resource with the package's column
types (integer, real, date as ISO text, boolean as 0/1), ``NOT NULL`` for required fields,
``CHECK`` constraints for minimum and maximum, the primary key, and a foreign key for each
of the package's ``foreignKeys``. Using the adapter rather than hand-written ``CREATE
TABLE`` statements keeps the data package the one description of the tables.

SQLAlchemy emits a table's ``CHECK`` and ``FOREIGN KEY`` clauses in an order that changes
from run to run, so the adapter writes into a scratch database, and each table is created
again from its statement with those clauses sorted (:func:`canonical_table_sql`) and filled
from the scratch table in row order. Then text cells the CSV writer neutralised for
spreadsheets (a leading apostrophe before ``=``, ``+``, ``-``, ``@``) get their text back,
as :func:`.processed.read_table` does, and the file is compacted with ``VACUUM``. The same
release then gives the same bytes with the same SQLite library; the tests compare bytes
and, across SQLite versions, the content. The file is written beside the target and
swapped in only when complete.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from pathlib import Path

from citytools_analysis.release.schema import TABLES
from citytools_analysis.release.writer import FORMULA_TRIGGERS

DATABASE_NAME = "citytools.sqlite"
"""File name of the published database."""


class DatabaseError(RuntimeError):
    """The release could not be converted (e.g. a foreign key that points nowhere)."""


def _restore_neutralised_text(connection: sqlite3.Connection) -> None:
    """Undo the CSV writer's formula neutralising in every text column (see module doc)."""
    for table in TABLES.values():
        for column in (f.name for f in table.fields if f.type == "string"):
            for trigger in FORMULA_TRIGGERS:
                connection.execute(
                    f'UPDATE "{table.name}" SET "{column}" = substr("{column}", 2) '
                    f'WHERE substr("{column}", 1, 2) = ?',
                    ("'" + trigger,),
                )


_CHECK = re.compile(r" CHECK \((?:[^()]|\([^()]*\))*\)")


def canonical_table_sql(sql: str) -> str:
    """A ``CREATE TABLE`` statement with its constraint clauses in a fixed order.

    Within each column, ``CHECK`` clauses are sorted; after the columns come the primary
    key, then the ``FOREIGN KEY`` clauses, sorted.
    """
    head, body = sql.split("(\n", 1)
    body = body.rstrip()
    if body.endswith(")"):
        body = body[:-1].rstrip()
    columns, primary, foreign = [], [], []
    for item in (part.strip() for part in re.split(r",\s*\n", body)):
        if item.startswith("FOREIGN KEY"):
            foreign.append(item)
        elif item.startswith("PRIMARY KEY"):
            primary.append(item)
        else:
            checks = _CHECK.findall(item)
            columns.append(_CHECK.sub("", item) + "".join(sorted(checks)))
    return head + "(\n\t" + ", \n\t".join(columns + primary + sorted(foreign)) + "\n)"


def _copy_canonical(scratch: Path, target: Path) -> None:
    """Create every release table in ``target`` from ``scratch``, canonical and in row order."""
    connection = sqlite3.connect(target)
    try:
        connection.execute("ATTACH DATABASE ? AS scratch", (str(scratch),))
        statements = dict(
            connection.execute(
                "SELECT name, sql FROM scratch.sqlite_master WHERE type = 'table'"
            ).fetchall()
        )
        with connection:
            for table in TABLES:
                connection.execute(canonical_table_sql(statements[table]))
                connection.execute(
                    f'INSERT INTO main."{table}" SELECT * FROM scratch."{table}" ORDER BY rowid'
                )
            _restore_neutralised_text(connection)
        connection.execute("DETACH DATABASE scratch")
        connection.execute("VACUUM")
    finally:
        connection.close()


def foreign_key_problems(path: Path | str) -> list[str]:
    """Rows whose foreign key points at no row (SQLite's ``PRAGMA foreign_key_check``)."""
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    return [f"{table} row {rowid}: no matching row in {parent}" for table, rowid, parent, _ in rows]


def write_database(processed_dir: Path | str, path: Path | str) -> Path:
    """Convert the release in ``processed_dir`` to a SQLite database at ``path``.

    Parameters
    ----------
    processed_dir
        Folder holding the CSV tables and ``datapackage.json``.
    path
        The database file to write (replaced whole when the conversion succeeds).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    DatabaseError
        If a row breaks the package's constraints (a required value missing, a duplicate
        key) or a foreign key points at no row; ``path`` is left as it was.
    """
    from frictionless import Package

    processed_dir, path = Path(processed_dir), Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    staging = Path(name)
    staging.unlink()
    scratch = staging.with_name(staging.name + ".scratch")
    try:
        package = Package(str(processed_dir / "datapackage.json"))
        try:
            package.publish(f"sqlite:///{scratch}")
        except Exception as error:  # noqa: BLE001 - Frictionless and SQLAlchemy raise many kinds
            reason = getattr(error, "orig", None) or error
            raise DatabaseError(
                f"{processed_dir}: the release does not fit its data package "
                f"({type(reason).__name__}: {reason})"
            ) from None
        _copy_canonical(scratch, staging)
        problems = foreign_key_problems(staging)
        if problems:
            raise DatabaseError(
                f"{processed_dir}: foreign keys that point nowhere: " + "; ".join(problems[:5])
            )
        staging.chmod(0o644)
        staging.replace(path)
    finally:
        staging.unlink(missing_ok=True)
        scratch.unlink(missing_ok=True)
    return path


__all__ = ["DATABASE_NAME", "DatabaseError", "foreign_key_problems", "write_database"]
