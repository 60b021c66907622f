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

from .paths import PROCESSED_DIR

TABLES = ("authorities", "systems", "integrations", "skills", "maturity", "rejected", "corrections")

_DATE_COLUMNS = {"systems": ["contract_start", "contract_end"]}
_INTEGER_COLUMNS = {
    "authorities": ["tile_row", "tile_col"],
    "systems": ["value_for_money", "satisfaction", "replacement_year", "source_row"],
    "skills": ["level"],
    "maturity": ["score"],
    "rejected": ["source_row"],
    "corrections": ["source_row"],
}
_FLOAT_COLUMNS = {"systems": ["annual_cost_gbp"], "skills": ["staff_fte"]}
_BOOL_COLUMNS = {"authorities": ["responded"], "skills": ["can_support"]}


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
    for column in _DATE_COLUMNS.get(name, []):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
    for column in _INTEGER_COLUMNS.get(name, []):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    for column in _FLOAT_COLUMNS.get(name, []):
        frame[column] = pd.to_numeric(frame[column]).astype("Float64")
    for column in _BOOL_COLUMNS.get(name, []):
        frame[column] = frame[column].map({"true": True, "false": False}).astype("boolean")
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


def load_processed(processed_dir: Path | str = PROCESSED_DIR) -> ProcessedData:
    """Read every processed table of ``processed_dir``."""
    tables = {name: read_table(name, processed_dir) for name in TABLES}
    return ProcessedData(**tables, snapshot_date=snapshot_date(processed_dir))
