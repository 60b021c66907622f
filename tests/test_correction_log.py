"""The one correction log: personal raw values removed, clean values written one way, one row
shape for survey returns, registers and payment files."""

from __future__ import annotations

import datetime as dt

import pytest

from citytools_analysis.ingest.correction_log import (
    CorrectionLog,
    clean_text,
    correction,
    number_text,
    raw_text,
    rejection,
)
from citytools_analysis.ingest.privacy import REMOVED
from citytools_analysis.release.schema import TABLES


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ask jo.bloggs@camden.example", REMOVED),
        ("  call 020 7946 0000  ", REMOVED),
        ("  Civica  Pay ", "Civica  Pay"),  # trimmed, not tidied: the log shows what was typed
        (None, ""),
        (3.0, "3"),
        (30823.554, "30823.554"),  # a raw number as typed, not rounded
        (17, "17"),
        (dt.datetime(2090, 1, 1), "2090-01-01T00:00:00"),
        (dt.date(2020, 4, 1), "2020-04-01"),
        (True, "True"),
    ],
)
def test_raw_values_are_redacted_and_trimmed(raw, expected):
    assert raw_text(raw) == expected


@pytest.mark.parametrize(
    "clean, expected",
    [
        (None, ""),
        (dt.date(2024, 3, 31), "2024-03-31"),
        (dt.datetime(2024, 3, 31, 12, 0), "2024-03-31T12:00:00"),
        (159100.0, "159100"),
        (30823.55, "30823.55"),
        (1234.5, "1234.5"),
        (10.004, "10"),
        (-0.0, "0"),
        (2025, "2025"),
        ("Civica", "Civica"),
    ],
)
def test_clean_values_are_written_as_the_release_writes_them(clean, expected):
    assert clean_text(clean) == expected


def test_number_text_gives_pence_at_most():
    assert [number_text(v) for v in (1.0, 0.5, 0.126, 99.999)] == ["1", "0.5", "0.13", "100"]


def test_a_correction_is_cleared_when_it_has_no_clean_value():
    changed = correction("a.xlsx", "Systems", 4, "supplier", " Civica UK ", "Civica", "alias")
    assert (changed.raw_value, changed.clean_value, changed.cleared) == (
        "Civica UK",
        "Civica",
        False,
    )
    cleared = correction("a.xlsx", "Systems", 4, "annual_cost_gbp", "lots", None, "unreadable")
    assert (cleared.clean_value, cleared.cleared) == ("", True)
    # a value said to be cleared writes no clean value even when one is given
    forced = correction("a.xlsx", "Systems", 4, "column", "x", "y", "rule", cleared=True)
    assert (forced.clean_value, forced.cleared) == ("", True)


def test_a_personal_raw_value_never_reaches_the_log():
    entry = correction("r.csv", "Contract register", 2, "title", "ring 07700 900123", None, "pii")
    assert entry.raw_value == REMOVED
    assert "07700" not in str(entry.row())


def test_a_rejection_quoting_a_personal_value_is_removed():
    assert rejection("a.csv", "Payments", 3, "unreadable_amount", "amount_gbp", "x").detail == "x"
    quoted = rejection(
        "a.csv", "Payments", 3, "unreadable_amount", "amount_gbp", "amount 'jo@x.example'"
    )
    assert quoted.detail == REMOVED


def test_the_log_keeps_order_and_writes_the_release_row_shape():
    log = CorrectionLog()
    log.correct("a.xlsx", "Systems", 5, "contract_end", "31/12/2150", None, "implausible_date")
    log.correct("a.xlsx", "Systems", 3, "annual_cost_gbp", "£1,200", 1200.0, "money_currency")
    log.reject("a.xlsx", "Systems", 9, "missing_required", "product", "required value blank")
    rows = log.correction_rows()
    assert [r["source_row"] for r in rows] == [5, 3]
    assert all(list(r) == TABLES["corrections"].columns for r in rows)
    assert rows[1]["clean_value"] == "1200"
    assert [list(r) for r in log.rejection_rows()] == [TABLES["rejected"].columns]
    other = CorrectionLog()
    other.reject("b.csv", "Payments", 2, "total_row", "supplier", "a totals line")
    log.extend(other)
    assert [r.source_file for r in log.rejections] == ["a.xlsx", "b.csv"]
