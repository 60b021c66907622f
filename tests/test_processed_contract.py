"""Contract tests on the committed open data release, data/processed/.

They check the release against the output contract (columns, types, keys, sorting), that
every raw row of every return is accounted for, that nothing personal leaked, and that
cleaning the committed survey again reproduces the release byte for byte.
"""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pandas as pd
import pytest
from frictionless import validate

from citytools_analysis.core.paths import PROCESSED_DIR, SURVEY_DIR
from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest.cleaning import clean_survey, survey_files
from citytools_analysis.ingest.workbook import (
    find_sheet,
    open_workbook,
    read_respondent,
    read_table_sheet,
)
from citytools_analysis.release.schema import TABLES

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"(?<![\w-])(?:(?:\+44\s?|0)\d{2,4}\s\d{3,4}\s?\d{3,4}|0\d{10})(?![\w-])")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(PROCESSED_DIR / f"{name}.csv", dtype=str, keep_default_na=False)


def test_data_package_is_valid() -> None:
    report = validate(PROCESSED_DIR / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


@pytest.mark.parametrize("name", list(TABLES))
def test_columns_keys_and_order(name: str) -> None:
    table = TABLES[name]
    frame = _csv(name)
    assert list(frame.columns) == table.columns
    key = list(table.key)
    assert not frame.duplicated(key).any(), f"{name}: duplicate keys"
    sortable = frame[key].copy()
    for column in key:
        if next(f.type for f in table.fields if f.name == column) == "integer":
            sortable[column] = sortable[column].astype(int)
    assert sortable.equals(sortable.sort_values(key).reset_index(drop=True)), f"{name} not sorted"


def test_thirty_four_authorities() -> None:
    authorities = _csv("authorities")
    assert len(authorities) == 34
    assert authorities.gss_code.str.match(r"^E(09|61)\d{6}$").all()


def test_every_raw_row_is_accounted_for() -> None:
    """For each sheet of each workbook: non-blank data rows = carried rows + rejected rows."""
    reference = load_reference()
    carried = pd.concat(
        [
            _csv(n)[["source_file", "source_row"]].assign(table=n)
            for n in ("systems", "skills", "maturity")
        ]
    )
    rejected = _csv("rejected")
    checked = 0
    for path in survey_files(SURVEY_DIR):
        workbook = open_workbook(path)
        for sheet_name, table_name in (
            ("Systems", "systems"),
            ("Skills", "skills"),
            ("Maturity", "maturity"),
        ):
            sheet = find_sheet(workbook, sheet_name)
            if sheet is None:
                continue
            table = read_table_sheet(
                sheet,
                file=path.name,
                columns=reference.column_names(sheet_name),
                required=reference.required_fields(sheet_name),
            )
            raw_rows = {row.excel_row for row in table.rows}
            kept = set(
                carried[
                    (carried.source_file == path.name) & (carried.table == table_name)
                ].source_row.astype(int)
            )
            dropped = set(
                rejected[
                    (rejected.source_file == path.name) & (rejected.sheet == sheet.title)
                ].source_row.astype(int)
            )
            assert not kept & dropped, (path.name, sheet_name)
            assert raw_rows == kept | dropped, (path.name, sheet_name)
            checked += len(raw_rows)
        workbook.close()
    assert checked > 800


def _personal_values() -> set[str]:
    reference = load_reference()
    personal_items = set(
        reference.respondent_items[reference.respondent_items.personal == "yes"].field
    )
    personal_columns = set(
        reference.survey_columns[reference.survey_columns.personal == "yes"].field
    )
    values: set[str] = set()
    for path in survey_files(SURVEY_DIR):
        workbook = open_workbook(path)
        for item in read_respondent(
            find_sheet(workbook, "Respondent"), labels=reference.respondent_labels
        ).values():
            if item.field in personal_items and item.value is not None:
                values.add(str(item.value).strip())
        table = read_table_sheet(
            find_sheet(workbook, "Systems"),
            file=path.name,
            columns=reference.column_names("Systems"),
            required=reference.required_fields("Systems"),
        )
        for row in table.rows:
            for column in personal_columns:
                value = row.cells.get(column)
                if value is not None and str(value).strip():
                    values.add(str(value).strip())
        workbook.close()
    return values


def test_no_personal_data_in_release() -> None:
    values = _personal_values()
    assert len(values) > 20, "the synthetic returns should carry personal data to test against"
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(PROCESSED_DIR.iterdir()))
    leaked = sorted(v for v in values if v in text)
    assert not leaked
    assert not EMAIL.findall(text)
    assert not PHONE.findall(text)


def test_cleaning_the_committed_survey_reproduces_the_release(tmp_path: Path) -> None:
    out = tmp_path / "processed"
    clean_survey(SURVEY_DIR, out)
    names = sorted(p.name for p in PROCESSED_DIR.iterdir())
    assert names == sorted(p.name for p in out.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(PROCESSED_DIR, out, names, shallow=False)
    assert not mismatch and not errors, mismatch


def test_every_register_row_is_accounted_for() -> None:
    """For each contract register: non-blank data rows = rows in contracts.csv + rows rejected."""
    from citytools_analysis.core.paths import RAW_DIR
    from citytools_analysis.ingest.register_reader import REGISTER_SHEET, read_registers

    rows, _corrections, rejections = read_registers(RAW_DIR / "contracts", load_reference())
    contracts = _csv("contracts")
    rejected = _csv("rejected")
    rejected = rejected[rejected.sheet == REGISTER_SHEET]
    kept = set(zip(contracts.source_file, contracts.source_row.astype(int)))
    dropped = set(zip(rejected.source_file, rejected.source_row.astype(int)))
    assert not kept & dropped
    assert kept | dropped == {(r["source_file"], r["source_row"]) for r in rows} | {
        (r["source_file"], r["source_row"]) for r in rejections
    }
    assert contracts.source_file.nunique() == 34
    # no system is the match of two register rows, or made from two; its other contracts
    # (same_system) name it, and every row naming a system is matched, added or same_system
    made = contracts[contracts.outcome.isin(["matched", "added"])]
    assert made.record_id.is_unique and (made.record_id != "").all()
    ids = contracts.record_id[contracts.record_id != ""]
    assert set(contracts.outcome[contracts.record_id != ""]) == {"matched", "added", "same_system"}
    systems = _csv("systems")
    assert set(ids) <= set(systems.record_id)
    assert set(systems[systems.source == "register"].record_id) == set(
        contracts.record_id[contracts.outcome == "added"]
    )
    # every authority appears in the systems, the non-responding ones from their registers
    authorities = _csv("authorities")
    assert set(systems.gss_code) == set(authorities.gss_code)
    silent = set(authorities[authorities.responded == "false"].gss_code)
    assert set(systems[systems.gss_code.isin(silent)].source) == {"register"}
