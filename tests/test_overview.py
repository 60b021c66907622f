"""Tests for the headline counts, on small hand-made tables whose answers were counted by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from citytools_analysis.metrics import overview
from citytools_analysis.release.processed import ProcessedData


@pytest.fixture
def systems() -> pd.DataFrame:
    # Five systems at two authorities. By hand: products {Alpha, Beta, Gamma} = 3;
    # manufacturers {M1, M2} = 2 (one blank); suppliers {S1, S2, S3} = 3;
    # Frontline rows 1, 2, 4 = 3; Corporate rows 3, 5 = 2.
    return pd.DataFrame(
        {
            "gss_code": ["E09000007", "E09000007", "E09000007", "E09000012", "E09000012"],
            "service_area": ["Housing", "Housing", "Finance", "Housing", "Finance"],
            "product": ["Alpha", "Beta", "Gamma", "Alpha", "Gamma"],
            "manufacturer": ["M1", "M1", "M2", "M1", pd.NA],
            "supplier": ["S1", "S2", "S3", "S1", "S3"],
            "system_type": ["Frontline", "Frontline", "Corporate", "Frontline", "Corporate"],
        }
    )


@pytest.fixture
def authorities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gss_code": ["E09000012", "E09000007", "E09000001"],
            "short_name": ["Hackney", "Camden", "City of London"],
            "responded": pd.array([True, True, False], dtype="boolean"),
        }
    )


def test_headline_counts_counts_rows_and_distinct_names(systems):
    counts = overview.headline_counts(systems, system_types=["Frontline", "Corporate"])
    assert counts == {
        "systems": 5,
        "products": 3,
        "manufacturers": 2,
        "suppliers": 3,
        "frontline": 3,
        "corporate": 2,
    }


def test_headline_counts_reads_system_types_from_reference(systems):
    counts = overview.headline_counts(systems)
    assert counts["frontline"] == 3 and counts["corporate"] == 2


def test_response_counts(authorities):
    assert overview.response_counts(authorities) == {"authorities": 3, "responded": 2}


def test_systems_per_authority_gives_zero_to_non_responders(systems, authorities):
    table = overview.systems_per_authority(systems, authorities)
    assert table["gss_code"].tolist() == ["E09000001", "E09000007", "E09000012"]
    assert table["systems"].tolist() == [0, 3, 2]
    assert table["responded"].tolist() == [False, True, True]
    assert list(table.columns) == ["gss_code", "short_name", "responded", "systems"]


def test_systems_per_authority_keeps_abbreviation(systems, authorities):
    with_abbreviation = authorities.assign(abbreviation=["hck", "cmd", "cty"])
    table = overview.systems_per_authority(systems, with_abbreviation)
    assert table["abbreviation"].tolist() == ["cty", "cmd", "hck"]


def test_systems_by_service_area_splits_by_type_and_ranks(systems):
    table = overview.systems_by_service_area(systems, system_types=["Frontline", "Corporate"])
    # Housing: 3 frontline; Finance: 2 corporate.
    assert table.to_dict("records") == [
        {"service_area": "Housing", "Frontline": 3, "Corporate": 0, "total": 3},
        {"service_area": "Finance", "Frontline": 0, "Corporate": 2, "total": 2},
    ]


def _processed(systems: pd.DataFrame, rejected: pd.DataFrame, skills_rows: int) -> ProcessedData:
    empty = pd.DataFrame()
    return ProcessedData(
        authorities=empty,
        systems=systems,
        integrations=empty,
        skills=pd.DataFrame({"gss_code": ["E09000007"] * skills_rows}),
        maturity=pd.DataFrame({"gss_code": []}),
        rejected=rejected,
        corrections=empty,
        snapshot_date=None,
    )


def test_row_accounting_adds_kept_and_rejected_per_sheet(systems):
    rejected = pd.DataFrame(
        {
            "source_file": ["a.xlsx", "a.xlsx", "b.xlsx", "b.xlsx"],
            "sheet": ["Systems", " SYSTEMS", "Skills", "Respondent"],
            "source_row": [4, 9, 3, 2],
            "reason": ["duplicate row", "missing service area", "unknown skill area", "x"],
        }
    )
    table = overview.row_accounting(_processed(systems, rejected, skills_rows=4))
    assert table.to_dict("records") == [
        {"sheet": "Systems", "read": 7, "kept": 5, "rejected": 2},
        {"sheet": "Skills", "read": 5, "kept": 4, "rejected": 1},
        {"sheet": "Maturity", "read": 0, "kept": 0, "rejected": 0},
        {"sheet": "Respondent", "read": 1, "kept": 0, "rejected": 1},
    ]


def test_row_accounting_with_nothing_rejected(systems):
    rejected = pd.DataFrame(columns=["source_file", "sheet", "source_row", "reason"])
    table = overview.row_accounting(_processed(systems, rejected, skills_rows=0))
    assert table["rejected"].tolist() == [0, 0, 0]
    assert table["read"].tolist() == [5, 0, 0]


def test_rejections_by_reason_most_frequent_first():
    rejected = pd.DataFrame(
        {
            "sheet": ["Systems", "Systems", "SYSTEMS", "Skills"],
            "reason": ["duplicate row", "missing system", "duplicate row", "unknown skill area"],
        }
    )
    table = overview.rejections_by_reason(rejected)
    assert table.to_dict("records") == [
        {"sheet": "Systems", "reason": "duplicate row", "rows": 2},
        {"sheet": "Skills", "reason": "unknown skill area", "rows": 1},
        {"sheet": "Systems", "reason": "missing system", "rows": 1},
    ]


def test_corrections_by_rule_counts_values():
    corrections = pd.DataFrame(
        {
            "sheet": ["Systems", " systems", "Systems", "Skills"],
            "column": ["annual_cost_gbp", "annual_cost_gbp", "supplier", "level"],
            "rule": ["money text", "money text", "organisation alias", "level label"],
        }
    )
    table = overview.corrections_by_rule(corrections)
    assert table.to_dict("records") == [
        {"rule": "money text", "sheet": "Systems", "column": "annual_cost_gbp", "values": 2},
        {"rule": "level label", "sheet": "Skills", "column": "level", "values": 1},
        {"rule": "organisation alias", "sheet": "Systems", "column": "supplier", "values": 1},
    ]


def test_sheet_names_fold_case_and_spacing_and_keep_unknown_names():
    sheets = pd.Series(["SYSTEMS ", "skills", "Maturity", "Respondent", " Notes "])
    assert overview.sheet_names(sheets).tolist() == [
        "Systems",
        "Skills",
        "Maturity",
        "Respondent",
        "Notes",
    ]


@pytest.mark.parametrize(
    ("synthetic", "expected"),
    [
        (
            True,
            "City Tools: London survey (synthetic), data/processed/systems.csv and "
            "data/processed/authorities.csv",
        ),
        (
            False,
            "City Tools: London survey, data/processed/systems.csv and "
            "data/processed/authorities.csv",
        ),
    ],
)
def test_survey_source_says_whether_the_survey_is_synthetic(tmp_path, synthetic, expected):
    (tmp_path / "datapackage.json").write_text(json.dumps({"synthetic": synthetic}))
    assert overview.survey_source(tmp_path, ["systems", "authorities"]) == expected


def test_row_accounting_counts_register_rows_apart_from_survey_rows():
    systems = pd.DataFrame(
        {"record_id": ["A-00002", "A-00003", "B-R00004"], "source": ["survey", "both", "register"]}
    )
    rejected = pd.DataFrame(
        {
            "source_file": ["a.xlsx", "b.csv"],
            "sheet": ["Systems", "Contract register"],
            "source_row": [5, 9],
            "reason": ["duplicate", "duplicate"],
        }
    )
    data = ProcessedData(
        authorities=pd.DataFrame(),
        systems=systems,
        integrations=pd.DataFrame(),
        skills=pd.DataFrame({"gss_code": []}),
        maturity=pd.DataFrame({"gss_code": []}),
        rejected=rejected,
        corrections=pd.DataFrame(),
        snapshot_date=None,
        contracts=pd.DataFrame({"source_row": [2, 3, 4]}),
    )
    table = overview.row_accounting(data)
    # the register-only system came from a register row, not from a Systems sheet
    assert table.to_dict("records") == [
        {"sheet": "Systems", "read": 3, "kept": 2, "rejected": 1},
        {"sheet": "Skills", "read": 0, "kept": 0, "rejected": 0},
        {"sheet": "Maturity", "read": 0, "kept": 0, "rejected": 0},
        {"sheet": "Contract register", "read": 4, "kept": 3, "rejected": 1},
    ]
