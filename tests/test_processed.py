"""Reading the release back: types from the schema, formula neutralising undone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from citytools_analysis.release.processed import of_responding, read_table, responded_mask
from citytools_analysis.release.schema import TABLES
from citytools_analysis.release.writer import write_table


def test_round_trip_types_and_neutralised_text(tmp_path: Path) -> None:
    rows = [
        {
            "record_id": "E09000007-00003",
            "gss_code": "E09000007",
            "service_area": "Housing",
            "product": "=Uniform",
            "supplier": "-Civica",
            "system_type": "Frontline",
            "contract_start": pd.Timestamp("2015-04-01").date(),
            "contract_end": None,
            "contract_end_status": "rolling",
            "annual_cost_gbp": 1250.5,
            "satisfaction": 4,
            "source_file": "a.xlsx",
            "source_row": 3,
        },
    ]
    write_table(rows, TABLES["systems"], tmp_path)
    assert "'=Uniform" in (tmp_path / "systems.csv").read_text(encoding="utf-8")
    systems = read_table("systems", tmp_path)
    row = systems.iloc[0]
    assert row["product"] == "=Uniform" and row["supplier"] == "-Civica"
    assert row["contract_start"] == pd.Timestamp("2015-04-01")
    assert pd.isna(row["contract_end"])
    assert row["annual_cost_gbp"] == 1250.5
    assert str(systems["satisfaction"].dtype) == "Int64"
    assert pd.isna(row["value_for_money"])


def test_of_responding_keeps_the_rows_of_authorities_that_answered() -> None:
    authorities = pd.DataFrame(
        {"gss_code": ["A", "B", "C"], "responded": pd.array([True, False, pd.NA], "boolean")}
    )
    systems = pd.DataFrame({"gss_code": ["A", "B", "C", "A"], "product": ["p", "q", "r", "s"]})
    assert list(responded_mask(authorities)) == [True, False, False]  # no answer: not answered
    assert list(of_responding(systems, authorities)["product"]) == ["p", "s"]
    assert of_responding(systems, None) is systems
