"""Tests for coverage: which authorities and systems the survey and the registers describe."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from citytools_analysis.metrics import coverage, overview

# Four authorities: A and B responded; C did not but its register gave a system; D neither.
AUTHORITIES = pd.DataFrame(
    {
        "gss_code": ["A", "B", "C", "D"],
        "short_name": ["Alpha", "Beta", "Gamma", "Delta"],
        "abbreviation": ["alp", "bet", "gam", "del"],
        "responded": pd.array([True, True, False, False], dtype="boolean"),
    }
)

# A: two survey systems and one matched; B: one matched; C: two from its register.
SYSTEMS = pd.DataFrame(
    {
        "record_id": ["A-00002", "A-00003", "A-00004", "B-00002", "C-R00005", "C-R00009"],
        "gss_code": ["A", "A", "A", "B", "C", "C"],
        "service_area": ["Finance", "Housing", "Finance", "Housing", "Finance", "Finance"],
        "supplier": ["S1", "S2", "S1", "S3", "S1", "S4"],
        # B-00002's start is the one its register filled in (see CORRECTIONS).
        "contract_start": pd.to_datetime(
            ["2018-04-01", "2018-04-01", "2019-04-01", "2019-04-01", "2017-07-01", "2020-02-01"]
        ),
        "contract_end": pd.to_datetime(
            [None, "2021-03-31", "2022-03-31", None, "2020-06-30", "2023-01-31"]
        ),
        "contract_value_gbp": pd.array(
            [None, None, 50000.0, 12000.0, 9000.0, 7000.0], dtype="Float64"
        ),
        "satisfaction": pd.array([4, None, 3, 2, None, None], dtype="Int64"),
        "hosting": ["Cloud (SaaS)", "", "Hosted", None, None, None],
        "source": ["survey", "survey", "both", "both", "register", "register"],
        "source_file": ["a.xlsx", "a.xlsx", "a.xlsx", "b.xlsx", "c.csv", "c.csv"],
        "source_row": [2, 3, 4, 2, 5, 9],
    }
)


def test_coverage_by_authority_says_how_each_is_covered_and_counts_each_source():
    table = coverage.coverage_by_authority(SYSTEMS, AUTHORITIES)
    assert table["gss_code"].tolist() == ["A", "B", "C", "D"]
    assert table["coverage"].tolist() == ["survey", "survey", "registers", "none"]
    assert table["coverage_word"].tolist() == ["Survey", "Survey", "Register", "None"]
    assert table["survey"].tolist() == [2, 0, 0, 0]
    assert table["both"].tolist() == [1, 1, 0, 0]
    assert table["register"].tolist() == [0, 0, 2, 0]
    assert table["systems"].tolist() == [3, 1, 2, 0]
    assert coverage.coverage_counts(table) == {
        "authorities": 4,
        "survey": 2,
        "registers": 1,
        "none": 1,
    }


def test_an_authority_that_responded_with_no_systems_is_still_covered_by_the_survey():
    table = coverage.coverage_by_authority(SYSTEMS[SYSTEMS["gss_code"] != "B"], AUTHORITIES)
    assert table.loc[1, ["coverage", "systems"]].tolist() == ["survey", 0]


def test_systems_by_source_per_service_area_largest_first():
    table = coverage.systems_by_source(SYSTEMS, by="service_area")
    # Finance: A-00002 survey, A-00004 both, C's two register rows; Housing: one each.
    assert table.to_dict("records") == [
        {"service_area": "Finance", "survey": 1, "both": 1, "register": 2, "total": 4},
        {"service_area": "Housing", "survey": 1, "both": 1, "register": 0, "total": 2},
    ]


def test_systems_by_source_in_all_and_without_a_source_column():
    assert coverage.systems_by_source(SYSTEMS, by=None).to_dict("records") == [
        {"survey": 2, "both": 2, "register": 2, "total": 6}
    ]
    old = SYSTEMS.drop(columns="source")  # a release cleaned without registers
    assert coverage.systems_by_source(old, by=None).to_dict("records") == [
        {"survey": 6, "both": 0, "register": 0, "total": 6}
    ]


def test_source_counts():
    assert coverage.source_counts(SYSTEMS) == {
        "systems": 6,
        "survey_systems": 4,
        "matched_systems": 2,
        "register_systems": 2,
        "register_authorities": 1,
    }


def test_register_outcomes_in_fixed_order_split_by_response():
    contracts = pd.DataFrame(
        {
            "gss_code": ["A", "A", "A", "B", "C", "C", "C", "C", "C", "A"],
            "outcome": [
                "matched",
                "not_it",
                "unplaced",
                "matched",
                "added",
                "added",
                "not_it",
                "unplaced",
                "same_system",
                "ended_before_snapshot",
            ],
        }
    )
    table = coverage.register_outcomes(contracts, AUTHORITIES)
    assert table["outcome"].tolist() == [
        "matched",
        "added",
        "same_system",
        "ended_before_snapshot",
        "unplaced",
        "not_it",
    ]
    assert table["responded"].tolist() == [2, 0, 0, 1, 1, 1]
    assert table["registers_only"].tolist() == [0, 2, 1, 0, 1, 1]
    assert table["rows"].tolist() == [2, 2, 1, 1, 2, 2]
    assert table["share"].tolist() == [0.2, 0.2, 0.1, 0.1, 0.2, 0.2]
    assert table["label"].iloc[5] == "Not IT"
    assert table["label"].iloc[3] == "Ended before the snapshot"


def test_register_outcomes_of_no_rows_are_zero():
    empty = pd.DataFrame({"gss_code": [], "outcome": []})
    for contracts in (empty, None):  # None: a release without contracts.csv
        table = coverage.register_outcomes(contracts, AUTHORITIES)
        assert table["rows"].tolist() == [0] * 6
        assert table["share"].tolist() == [0] * 6


def test_known_by_source_shows_ratings_and_hosting_only_from_the_survey():
    integrations = pd.DataFrame(
        {
            "gss_code": ["A"],
            "record_id": ["A-00002"],
            "linked_record_id": ["A-00004"],
            "linked_name": ["x"],
        }
    )
    table = coverage.known_by_source(
        SYSTEMS, ["satisfaction", "hosting", "contract_end"], integrations
    )
    rows = table.set_index("field")
    # satisfaction: survey 1 of 2, both 2 of 2, register 0 of 2.
    assert rows.loc["satisfaction", ["survey", "both", "register"]].tolist() == [0.5, 1.0, 0.0]
    # hosting: an empty text is no value.
    assert rows.loc["hosting", ["survey", "both", "register"]].tolist() == [0.5, 0.5, 0.0]
    assert rows.loc["contract_end", ["survey", "both", "register"]].tolist() == [0.5, 0.5, 1.0]
    # A-00002 names A-00004: one survey system and one matched one are linked.
    assert rows.loc["integrations", ["survey", "both", "register"]].tolist() == [0.5, 0.5, 0.0]
    assert rows.loc["satisfaction", ["systems_survey", "systems_register"]].tolist() == [2, 2]


CORRECTIONS = pd.DataFrame(
    {  # B's start was blank in the return and came from its register
        "source_file": ["b.xlsx", "a.xlsx"],
        "sheet": ["Systems", "Systems"],
        "source_row": [2, 4],
        "column": ["contract_start", "satisfaction"],
        "rule": ["contract_end_unknown+from_register", "rating_label"],
    }
)


def test_register_derived_by_existence_and_by_the_values_used():
    # Counting systems: only the register rows come from the registers.
    assert coverage.register_derived(SYSTEMS).tolist() == [False] * 4 + [True] * 2
    # Ratings: no register row has one; a matched row's rating is the survey's.
    assert not coverage.register_derived(SYSTEMS, ["satisfaction"], CORRECTIONS).any()
    # A contract value always comes from a register (A-00004, B-00002 and C's rows).
    assert coverage.register_derived(SYSTEMS, ["contract_value_gbp"]).tolist() == [
        False,
        False,
        True,
        True,
        True,
        True,
    ]
    # B's start was filled from its register; a rating_label correction is no fill.
    fills = coverage.register_derived(SYSTEMS.iloc[:4], ["contract_start"], CORRECTIONS)
    assert fills.tolist() == [False, False, False, True]


def test_survey_derived_needs_a_survey_value_in_the_columns_used():
    assert coverage.survey_derived(SYSTEMS).tolist() == [True] * 4 + [False] * 2
    assert coverage.survey_derived(SYSTEMS, ["satisfaction"]).tolist() == [
        True,
        False,
        True,
        True,
        False,
        False,
    ]
    assert not coverage.survey_derived(SYSTEMS, ["contract_value_gbp"]).any()


@pytest.fixture
def release(tmp_path):
    (tmp_path / "datapackage.json").write_text(json.dumps({"synthetic": True}))
    CORRECTIONS.to_csv(tmp_path / "corrections.csv", index=False)
    return tmp_path


def test_source_line_names_the_registers_only_when_the_figure_shows_their_data(release):
    survey = "City Tools: London survey (synthetic), data/processed/systems.csv"
    mixed = (
        "City Tools: London survey and councils' contract registers (both synthetic), "
        "data/processed/systems.csv"
    )
    assert overview.survey_source(release, ["systems"]) == survey
    assert overview.survey_source(release, ["systems"], SYSTEMS) == mixed
    assert overview.survey_source(release, ["systems"], SYSTEMS, ["satisfaction"]) == survey
    responders = SYSTEMS[SYSTEMS["gss_code"].isin(["A", "B"])]
    assert overview.survey_source(release, ["systems"], responders) == survey
    assert overview.survey_source(release, ["systems"], responders, ["contract_start"]) == mixed
    registers = SYSTEMS[SYSTEMS["source"] == "register"]
    assert overview.survey_source(release, ["systems"], registers) == (
        "Councils' contract registers (synthetic), data/processed/systems.csv"
    )
    assert overview.survey_source(release, ["contracts"]) == (
        "Councils' contract registers (synthetic), data/processed/contracts.csv"
    )


def test_source_line_of_a_real_release_does_not_say_synthetic(tmp_path):
    (tmp_path / "datapackage.json").write_text(json.dumps({"synthetic": False}))
    assert overview.survey_source(tmp_path, ["systems", "contracts"]) == (
        "City Tools: London survey and councils' contract registers, "
        "data/processed/systems.csv and data/processed/contracts.csv"
    )
