"""Tests for the expiry pipeline, open-ended contracts and renewal cost."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from fixtures_processed import BARNET, BRENT, CAMDEN, EALING, load_fixture, system

from citytools_analysis.metrics import contracts

AS_OF = date(2019, 10, 1)  # horizon of 3 years: [2019-10-01, 2022-10-01)

SYSTEMS = [
    # ended before as_of
    system(
        "E09000003-00002",
        BARNET,
        "Finance",
        "Unit4 ERP",
        "Unit4",
        contract_end="2019-09-30",
        annual_cost_gbp="1000",
    ),
    # the first day of the horizon counts (2019 Q4)
    system(
        "E09000003-00003",
        BARNET,
        "Housing",
        "Cx",
        "Civica",
        contract_end="2019-10-01",
        annual_cost_gbp="200000",
    ),
    # 2020 Q1, two systems, one without a cost
    system(
        "E09000005-00002",
        BRENT,
        "Housing",
        "Cx",
        "Civica",
        contract_end="2020-03-31",
        annual_cost_gbp="100000",
    ),
    system("E09000007-00002", CAMDEN, "Finance", "SAP ECC", "SAP", contract_end="2020-01-15"),
    # last day inside the horizon (2022 Q3)
    system(
        "E09000009-00002",
        EALING,
        "Housing",
        "Orchard",
        "Orchard",
        contract_end="2022-09-30",
        annual_cost_gbp="50000.50",
    ),
    # the horizon's end is excluded
    system(
        "E09000009-00003",
        EALING,
        "Finance",
        "SAP ECC",
        "SAP",
        contract_end="2022-10-01",
        annual_cost_gbp="7",
    ),
    system(
        "E09000007-00003", CAMDEN, "Parking", "Imperial", "Imperial", contract_end_status="rolling"
    ),
    system("E09000005-00003", BRENT, "Parking", "Taranto", "Conduent"),  # unknown
]


@pytest.fixture()
def systems(tmp_path):
    return load_fixture(tmp_path, systems=SYSTEMS).systems


def test_horizon_end_is_calendar_years():
    assert contracts.horizon_end(AS_OF, 3) == pd.Timestamp("2022-10-01")
    assert contracts.horizon_end("2020-02-29", 1) == pd.Timestamp("2021-02-28")


def test_classify_expiry_labels_every_row(systems):
    labels = dict(zip(systems["record_id"], contracts.classify_expiry(systems, AS_OF, 3)))
    assert labels == {
        "E09000003-00002": "ended",
        "E09000003-00003": "within horizon",
        "E09000005-00002": "within horizon",
        "E09000007-00002": "within horizon",
        "E09000009-00002": "within horizon",
        "E09000009-00003": "after horizon",
        "E09000007-00003": "rolling",
        "E09000005-00003": "unknown",
    }


def test_expiring_is_half_open_and_sorted_by_end(systems):
    rows = contracts.expiring(systems, AS_OF, 3)
    assert list(rows["record_id"]) == [
        "E09000003-00003",
        "E09000007-00002",
        "E09000005-00002",
        "E09000009-00002",
    ]


def test_pipeline_by_quarter_and_service_area(systems):
    table = contracts.expiry_pipeline(systems, AS_OF, 3, by="service_area")
    got = list(
        zip(table["period"], table["service_area"], table["systems"], table["annual_cost_gbp"])
    )
    assert got == [
        ("2019 Q4", "Housing", 1, 200000.0),
        ("2020 Q1", "Finance", 1, 0.0),
        ("2020 Q1", "Housing", 1, 100000.0),
        ("2022 Q3", "Housing", 1, 50000.5),
    ]
    assert table["period_start"].iloc[1] == pd.Timestamp("2020-01-01")


def test_pipeline_by_year_without_grouping(systems):
    table = contracts.expiry_pipeline(systems, AS_OF, 3, by=None, freq="year")
    assert list(table["period"]) == ["2019", "2020", "2022"]
    assert list(table["systems"]) == [1, 2, 1]
    assert list(table["authorities"]) == [1, 2, 1]


def test_pipeline_by_supplier_and_shorter_horizon(systems):
    table = contracts.expiry_pipeline(systems, AS_OF, 1, by="supplier")
    assert list(zip(table["period"], table["supplier"])) == [
        ("2019 Q4", "Civica"),
        ("2020 Q1", "Civica"),
        ("2020 Q1", "SAP"),
    ]


def test_pipeline_rejects_unknown_frequency(systems):
    with pytest.raises(ValueError, match="freq"):
        contracts.expiry_pipeline(systems, AS_OF, 3, freq="month")


def test_open_ended_reports_rolling_and_unknown_apart(systems):
    totals = contracts.open_ended(systems, by=None).iloc[0]
    assert (totals["systems"], totals["rolling"], totals["unknown"]) == (8, 1, 1)
    table = contracts.open_ended(systems, by="service_area")
    assert table.to_dict("records") == [
        {"service_area": "Parking", "systems": 2, "rolling": 1, "unknown": 1}
    ]


def test_renewal_cost_adds_known_costs_within_horizon(systems):
    cost = contracts.renewal_cost(systems, AS_OF, 3)
    assert cost.systems == 4
    assert cost.costed_systems == 3
    assert cost.annual_cost_gbp == pytest.approx(350000.5)
    assert cost.horizon_end == date(2022, 10, 1)


def test_moving_as_of_changes_the_pipeline(systems):
    cost = contracts.renewal_cost(systems, date(2019, 10, 2), 3)
    # Barnet's Housing contract (ends 2019-10-01) drops out; Ealing's Finance (2022-10-01) comes in
    assert cost.systems == 4
    assert cost.annual_cost_gbp == pytest.approx(150007.5)
