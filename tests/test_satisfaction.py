"""Tests for the satisfaction metrics: group means, supplier count correlation, clusters."""

from __future__ import annotations

import math

import pytest
from fixtures_processed import BARNET, BRENT, CAMDEN, EALING, GLA, load_fixture, system

from citytools_analysis.metrics import satisfaction


def rows() -> list[dict]:
    return [
        system(
            "E09000003-00002",
            BARNET,
            "Housing",
            "Cx",
            "Alpha",
            satisfaction="1",
            value_for_money="2",
        ),
        system("E09000003-00003", BARNET, "Housing", "Orchard", "Beta", satisfaction="2"),
        system("E09000003-00004", BARNET, "Finance", "SAP ECC", "Gamma", satisfaction="3"),
        system(
            "E09000005-00002",
            BRENT,
            "Housing",
            "Cx",
            "Alpha",
            satisfaction="4",
            value_for_money="4",
        ),
        system("E09000005-00003", BRENT, "Finance", "Unit4 ERP", "Alpha", satisfaction="4"),
        system("E09000007-00002", CAMDEN, "Housing", "Cx", "Alpha", satisfaction="5"),
        system("E09000007-00003", CAMDEN, "Finance", "SAP ECC", "Beta"),
        system("E09000009-00002", EALING, "Housing", "Cx", "Alpha", satisfaction="1"),
        system("E09000009-00003", EALING, "Finance", "SAP ECC", "Beta", satisfaction="1"),
        system("E09000009-00004", EALING, "Parking", "Imperial", "Gamma", satisfaction="2"),
        system("E09000009-00005", EALING, "Parking", "Taranto", "Delta", satisfaction="2"),
        system("E61000001-00002", GLA, "Finance", "SAP ECC", "Epsilon", satisfaction="5"),
    ]


@pytest.fixture()
def data(tmp_path):
    return load_fixture(tmp_path, systems=rows())


def test_ratings_by_supplier_leave_out_missing_ratings(data):
    table = satisfaction.ratings_by(data.systems, by="supplier").set_index("supplier")
    alpha = table.loc["Alpha"]
    assert (alpha["systems"], alpha["authorities"], alpha["rated_satisfaction"]) == (5, 4, 5)
    assert alpha["mean_satisfaction"] == pytest.approx(15 / 5)
    assert alpha["mean_value_for_money"] == pytest.approx(3.0)  # (2 + 4) / 2
    beta = table.loc["Beta"]
    assert (beta["systems"], beta["rated_satisfaction"]) == (3, 2)
    assert beta["mean_satisfaction"] == pytest.approx(1.5)
    assert math.isnan(table.loc["Delta", "mean_value_for_money"])
    assert list(table.index) == ["Alpha", "Beta", "Delta", "Epsilon", "Gamma"]


def test_ratings_by_service_area(data):
    table = satisfaction.ratings_by(data.systems, by="service_area").set_index("service_area")
    assert table.loc["Parking", "mean_satisfaction"] == pytest.approx(2.0)
    assert table.loc["Finance", "mean_satisfaction"] == pytest.approx((3 + 4 + 1 + 5) / 4)


def test_supplier_count_against_satisfaction_worked_by_hand(data):
    result = satisfaction.supplier_count_satisfaction(data.systems, data.authorities)
    table = result.table.set_index("gss_code")
    # GLA did not respond (fixture authorities): left out.
    assert list(table.index) == [BARNET, BRENT, CAMDEN, EALING]
    assert list(table["suppliers"]) == [3, 1, 2, 4]
    assert table["mean_satisfaction"].tolist() == pytest.approx([2.0, 4.0, 5.0, 1.5])
    # Ranks x 3,1,2,4 and y 2,3,4,1: sum d² = 1+4+4+9 = 18, rho = 1 - 6·18/(4·15) = -0.8.
    # t = -0.8·sqrt(2/0.36) with 2 df; two-sided p = 1 - |t|/sqrt(t² + 2) = 0.2.
    assert result.correlation.rho == pytest.approx(-0.8)
    assert result.correlation.p == pytest.approx(0.2)
    assert result.correlation.n == 4


def test_without_authorities_everyone_counts(data):
    result = satisfaction.supplier_count_satisfaction(data.systems)
    assert result.correlation.n == 5


def test_correlation_is_undefined_for_fewer_than_three(tmp_path):
    data = load_fixture(tmp_path, systems=rows()[:5])  # Barnet and Brent only
    correlation = satisfaction.supplier_count_satisfaction(data.systems).correlation
    assert correlation.n == 2 and math.isnan(correlation.rho) and math.isnan(correlation.p)


def test_underperformance_cluster_uses_each_authoritys_mean(data):
    # Housing: Barnet mean 1.5 and Ealing 1 are poor; Brent 4 and Camden 5 are not.
    assert satisfaction.underperformance_clusters(data.systems, min_authorities=3).empty
    table = satisfaction.underperformance_clusters(data.systems, min_authorities=2)
    assert list(table["service_area"]) == ["Housing"]
    row = table.iloc[0]
    assert row["gss_codes"] == (BARNET, EALING)
    assert (row["authorities"], row["rated_authorities"]) == (2, 4)
    assert row["products"] == ("Cx", "Orchard")


def test_one_rating_changed_makes_a_cluster(tmp_path):
    changed = rows()
    changed[3]["satisfaction"] = "2"  # Brent now rates its housing system Poor
    data = load_fixture(tmp_path, systems=changed)
    table = satisfaction.underperformance_clusters(data.systems, min_authorities=3)
    assert table.iloc[0]["gss_codes"] == (BARNET, BRENT, EALING)


def test_value_for_money_clusters(data):
    table = satisfaction.underperformance_clusters(
        data.systems, min_authorities=1, rating="value_for_money"
    )
    assert table.iloc[0]["gss_codes"] == (BARNET,)
