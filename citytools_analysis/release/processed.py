"""Loading the processed tables (data/processed/) with their proper types.

The layout and meaning of each table is the output contract in the project's methodology
page; this module is the one place that reads them back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from citytools_analysis.core.paths import PROCESSED_DIR
from citytools_analysis.release.schema import TABLES as SCHEMA
from citytools_analysis.release.writer import FORMULA_TRIGGERS

TABLES = tuple(SCHEMA)


def _restore_text(text: str) -> str:
    """Undo the release's formula neutralising (a leading apostrophe before =, +, -, @)."""
    return text[1:] if text.startswith("'") and text[1:2] in FORMULA_TRIGGERS else text


def read_table(name: str, processed_dir: Path | str = PROCESSED_DIR) -> pd.DataFrame:
    """Read one processed table with dates as ``datetime64``, counts as nullable integers.

    Parameters
    ----------
    name
        Table name without ``.csv`` (one of ``TABLES``).
    processed_dir
        Folder holding the processed tables.
    """
    path = Path(processed_dir) / f"{name}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame = frame.replace("", pd.NA)
    for field in SCHEMA[name].fields:
        column = field.name
        if column not in frame:
            continue
        if field.type == "date":
            frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
        elif field.type == "integer":
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        elif field.type == "number":
            frame[column] = pd.to_numeric(frame[column]).astype("Float64")
        elif field.type == "boolean":
            frame[column] = frame[column].map({"true": True, "false": False}).astype("boolean")
        elif field.type == "string":
            frame[column] = frame[column].map(_restore_text, na_action="ignore")
    return frame


def snapshot_date(processed_dir: Path | str = PROCESSED_DIR) -> date | None:
    """The survey round's snapshot date, as recorded in ``datapackage.json``."""
    package = json.loads((Path(processed_dir) / "datapackage.json").read_text(encoding="utf-8"))
    value = package.get("snapshot_date")
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class ProcessedData:
    """All processed tables of one release, and its snapshot date."""

    authorities: pd.DataFrame
    systems: pd.DataFrame
    integrations: pd.DataFrame
    skills: pd.DataFrame
    maturity: pd.DataFrame
    rejected: pd.DataFrame
    corrections: pd.DataFrame
    snapshot_date: date | None
    contracts: pd.DataFrame | None = None  # contract-register rows; None in older releases
    payments: pd.DataFrame | None = None  # payment-file rows; None in older releases
    it_spend: pd.DataFrame | None = None  # IT spend by authority, year, supplier; likewise


def load_processed(processed_dir: Path | str = PROCESSED_DIR) -> ProcessedData:
    """Read every processed table of ``processed_dir``."""
    optional = {"contracts", "payments", "it_spend"}  # absent from older releases
    tables = {
        name: read_table(name, processed_dir)
        for name in TABLES
        if name not in optional or (Path(processed_dir) / f"{name}.csv").exists()
    }
    return ProcessedData(**tables, snapshot_date=snapshot_date(processed_dir))


# The ``attrs`` key under which a chapter's view of a table lists the columns it withholds
# (columns of the release the chapter did not declare; see report/reads.py).
WITHHELD_COLUMNS = "citytools_withheld_columns"


class WithheldColumn(LookupError):
    """Code asked whether a table has a column that the chapter reading it did not declare."""


def has_column(frame: pd.DataFrame, column: str) -> bool:
    """Whether ``frame`` has ``column``: the one test for an optional column.

    Older releases lack some columns, so code asks before reading them. A chapter's view of
    a table (the columns it declared) withholds the others: asking about one of those
    raises instead of answering "no", so that a chapter can never silently show something
    other than what the whole table would give.

    Raises
    ------
    WithheldColumn
        If ``column`` is in the table but withheld from this view.
    """
    if column in frame.attrs.get(WITHHELD_COLUMNS, ()):
        raise WithheldColumn(
            f"the column {column!r} is read here but not declared in the chapter's READS"
        )
    return column in frame.columns


def responded_mask(authorities: pd.DataFrame) -> pd.Series:
    """Which rows of a release's ``authorities`` table answered the survey (a missing
    answer counts as not answered)."""
    return authorities["responded"].astype("boolean").fillna(False).astype(bool)


def of_responding(rows: pd.DataFrame, authorities: pd.DataFrame | None) -> pd.DataFrame:
    """The rows (of ``systems`` or any table with ``gss_code``) of the authorities that
    answered the survey; all of them when ``authorities`` is ``None``."""
    if authorities is None:
        return rows
    responding = set(authorities.loc[responded_mask(authorities), "gss_code"])
    return rows[rows["gss_code"].isin(responding)]
