"""Tests for shared systems, joint procurement opportunities and replacement intentions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from fixtures_processed import BARNET, BRENT, CAMDEN, EALING, GLA, load_fixture, system

from citytools_analysis.metrics import collaboration

AS_OF = date(2019, 10, 1)
EBS = "Oracle E-Business Suite"


def finance_rows() -> list[dict]:
    return [
        system(
            "E09000003-00002",
            BARNET,
            "Finance",
            EBS,
            "Oracle",
            contract_end="2020-03-31",
            annual_cost_gbp="300000",
            replacement_planned="Yes",
            replacement_year="2021",
        ),
        system(
            "E09000005-00002",
            BRENT,
            "Finance",
            EBS,
            "Oracle",
            contract_end="2020-09-30",
            annual_cost_gbp="400000",
            replacement_planned="Yes",
            replacement_year="2022",
        ),
        system(
            "E09000007-00002",
            CAMDEN,
            "Finance",
            EBS,
            "Oracle",
            contract_end="2021-01-31",
            annual_cost_gbp="500000",
            replacement_planned="Yes",
        ),
        system(
            "E09000009-00002",
            EALING,
            "Finance",
            EBS,
            "Oracle",
            contract_end="2021-06-30",
            annual_cost_gbp="100000",
            replacement_planned="Considering",
        ),
        system(
            "E09000009-00003",
            EALING,
            "Finance",
            "SAP ECC",
            "SAP",
            contract_end="2020-06-30",
            replacement_planned="No",
        ),
        # ended before as_of: never part of an opportunity
        system(
            "E61000001-00002",
            GLA,
            "Finance",
            EBS,
            "Oracle",
            contract_end="2019-06-30",
            annual_cost_gbp="9",
        ),
    ]


@pytest.fixture()
def systems(tmp_path):
    return load_fixture(tmp_path, systems=finance_rows()).systems


def test_shared_systems_lists_the_authorities_per_product(systems):
    table = collaboration.shared_systems(systems)
    assert list(table["product"]) == [EBS]
    row = table.iloc[0]
    assert row["authorities"] == 5 and row["systems"] == 5
    assert row["gss_codes"] == (BARNET, BRENT, CAMDEN, EALING, GLA)
    assert row["service_area"] == "Finance" and row["manufacturer"] == "Oracle"
    everything = collaboration.shared_systems(systems, min_authorities=1)
    assert list(everything["product"]) == [EBS, "SAP ECC"]


def test_authority_product_matrix(systems):
    matrix = collaboration.authority_product_matrix(systems)
    assert list(matrix.columns) == [EBS, "SAP ECC"]
    assert matrix.loc[EALING].tolist() == [1, 1]
    assert matrix.loc[BARNET].tolist() == [1, 0]


def test_joint_procurement_finds_the_best_window(systems):
    table = collaboration.joint_procurement(systems, AS_OF, window_months=12, min_authorities=3)
    product = table[table["kind"] == "product"].iloc[0]
    # Windows of 12 months: from 2020-03-31 Barnet, Brent, Camden (3); from 2020-09-30 Brent,
    # Camden, Ealing (3): the tie goes to the earlier window. Ealing alone is left: no second.
    assert (table["kind"] == "product").sum() == 1
    assert product["name"] == EBS
    assert product["gss_codes"] == (BARNET, BRENT, CAMDEN)
    assert product["first_end"] == pd.Timestamp("2020-03-31")
    assert product["last_end"] == pd.Timestamp("2021-01-31")
    assert product["annual_cost_gbp"] == pytest.approx(1_200_000)
    assert product["service_area"] == "Finance"
    # The Finance service area adds Ealing's SAP contract (2020-06-30), which has no cost.
    area = table[table["kind"] == "service_area"].iloc[0]
    assert area["name"] == "Finance"
    assert area["gss_codes"] == (BARNET, BRENT, CAMDEN, EALING)
    assert (area["systems"], area["costed_systems"]) == (4, 3)
    assert area["annual_cost_gbp"] == pytest.approx(1_200_000)


def test_window_is_half_open_in_months(systems):
    # 15 months from 2020-03-31 ends at 2021-06-30, excluded; 16 months takes Ealing in.
    fifteen = collaboration.joint_procurement(
        systems, AS_OF, window_months=15, min_authorities=4, kinds=("product",)
    )
    assert fifteen.empty
    sixteen = collaboration.joint_procurement(
        systems, AS_OF, window_months=16, min_authorities=4, kinds=("product",)
    )
    assert sixteen.iloc[0]["gss_codes"] == (BARNET, BRENT, CAMDEN, EALING)
    assert sixteen.iloc[0]["annual_cost_gbp"] == pytest.approx(1_300_000)


def test_min_authorities_and_horizon_limit_opportunities(systems):
    assert collaboration.joint_procurement(
        systems, AS_OF, min_authorities=4, kinds=("product",)
    ).empty
    # A one-year horizon keeps only the ends before 2020-10-01: Barnet and Brent.
    assert collaboration.joint_procurement(
        systems, AS_OF, min_authorities=3, horizon_years=1, kinds=("product",)
    ).empty


def test_moving_one_contract_end_moves_the_opportunity(tmp_path):
    rows = finance_rows()
    rows[2]["contract_end"] = "2021-04-30"  # Camden now falls outside Barnet's window
    systems = load_fixture(tmp_path, systems=rows).systems
    table = collaboration.joint_procurement(systems, AS_OF, kinds=("product",))
    row = table.iloc[0]
    assert row["gss_codes"] == (BRENT, CAMDEN, EALING)
    assert (row["first_end"], row["last_end"]) == (
        pd.Timestamp("2020-09-30"),
        pd.Timestamp("2021-06-30"),
    )
    assert row["annual_cost_gbp"] == pytest.approx(1_000_000)


def test_several_opportunities_for_one_product(tmp_path):
    rows = finance_rows()[:4] + [
        system("E09000003-00009", BARNET, "Finance", EBS, "Oracle", contract_end="2022-01-01"),
        system("E09000005-00009", BRENT, "Finance", EBS, "Oracle", contract_end="2022-02-01"),
        system("E09000007-00009", CAMDEN, "Finance", EBS, "Oracle", contract_end="2022-03-01"),
        system("E09000009-00009", EALING, "Finance", EBS, "Oracle", contract_end="2022-04-01"),
    ]
    systems = load_fixture(tmp_path, systems=rows).systems
    table = collaboration.joint_procurement(systems, AS_OF, kinds=("product",))
    # Four authorities: the window from 2021-06-30 (Ealing's first end, then the four 2022
    # ends: 5 systems) and the one from 2022-01-01 (4 systems); the tie goes to the earlier.
    # Left: Barnet, Brent and Camden from 2020-03-31, three authorities.
    assert list(table["authorities"]) == [4, 3]
    assert list(table["systems"]) == [5, 3]
    assert list(table["first_end"]) == [pd.Timestamp("2021-06-30"), pd.Timestamp("2020-03-31")]


def test_replacement_intentions_count_authorities(systems):
    table = collaboration.replacement_intentions(systems)
    row = table.set_index("service_area").loc["Finance"]
    assert (row["planning"], row["considering"]) == (3, 1)
    assert (row["first_year"], row["last_year"]) == (2021, 2022)
    by_2021 = collaboration.replacement_intentions(systems, until_year=2021).iloc[0]
    assert (by_2021["planning"], by_2021["considering"]) == (1, 1)
    assert by_2021["gss_codes"] == (BARNET,)
    by_product = collaboration.replacement_intentions(systems, by="product")
    assert list(by_product["product"]) == [EBS]
