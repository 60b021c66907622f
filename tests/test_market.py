"""Tests for the market metrics, on a hand-written systems table read back from CSV."""

from __future__ import annotations

import pytest
from fixtures_processed import BARNET, BRENT, CAMDEN, EALING, load_fixture, system

from citytools_analysis.metrics import market

# Ten systems. Suppliers named on nine: Capita 4, Civica 3, NEC 1, Softcat 1; one without.
# Revenues & Benefits: Capita ×3, Civica ×1 → shares 75%, 25% → HHI 5625 + 625 = 6250.
# Housing: Civica ×2, NEC ×1 (plus one system without a supplier) → 2/3, 1/3 →
#   HHI 4444.4 + 1111.1 = 5555.6.
# Finance: Capita ×1 → HHI 10000. Infrastructure: Softcat ×1 (reseller of Microsoft).
SYSTEMS = [
    system("E09000003-00002", BARNET, "Revenues & Benefits", "Academy", "Capita"),
    system("E09000005-00002", BRENT, "Revenues & Benefits", "Academy", "Capita"),
    system("E09000007-00002", CAMDEN, "Revenues & Benefits", "Academy", "Capita"),
    system("E09000009-00002", EALING, "Revenues & Benefits", "OpenRevenues", "Civica"),
    system("E09000003-00003", BARNET, "Housing", "Cx", "Civica"),
    system("E09000005-00003", BRENT, "Housing", "Cx", "Civica"),
    system("E09000007-00003", CAMDEN, "Housing", "NEC Housing", "NEC"),
    system("E09000009-00003", EALING, "Housing", "Orchard", None, manufacturer="Orchard"),
    system(
        "E09000003-00004",
        BARNET,
        "Finance",
        "Unit4 ERP",
        "Capita",
        manufacturer="Unit4",
        system_type="Corporate",
    ),
    system(
        "E09000005-00004",
        BRENT,
        "Infrastructure & Productivity",
        "Microsoft 365",
        "Softcat",
        manufacturer="Microsoft",
        system_type="Corporate",
    ),
]


@pytest.fixture()
def systems(tmp_path):
    return load_fixture(tmp_path, systems=SYSTEMS).systems


def test_supplier_shares_leave_out_rows_without_a_supplier(systems):
    table = market.shares(systems, by="supplier")
    assert list(table["supplier"]) == ["Capita", "Civica", "NEC", "Softcat"]
    assert list(table["systems"]) == [4, 3, 1, 1]
    assert table["share"].tolist() == pytest.approx([4 / 9, 3 / 9, 1 / 9, 1 / 9])
    assert list(table["rank"]) == [1, 2, 3, 3]  # NEC and Softcat tie, alphabetical order
    assert list(table["authorities"]) == [3, 3, 1, 1]


def test_manufacturer_shares_count_the_maker_not_the_reseller(systems):
    table = market.shares(systems, by="manufacturer").set_index("manufacturer")
    # Every row names a manufacturer: Capita 3, Civica 3, NEC 1, Orchard 1, Unit4 1, Microsoft 1.
    assert table.loc["Capita", "share"] == pytest.approx(3 / 10)
    assert table.loc["Microsoft", "systems"] == 1
    assert "Softcat" not in table.index


def test_shares_within_system_type_split_frontline_and_corporate(systems):
    table = market.shares(systems, by="supplier", within="system_type")
    corporate = table[table["system_type"] == "Corporate"]
    assert list(corporate["supplier"]) == ["Capita", "Softcat"]
    assert corporate["share"].tolist() == pytest.approx([0.5, 0.5])
    frontline = table[table["system_type"] == "Frontline"].set_index("supplier")
    assert frontline.loc["Capita", "share"] == pytest.approx(3 / 7)


def test_top_n_share_adds_the_largest_shares(systems):
    assert market.top_n_share(systems, n=1) == pytest.approx(4 / 9)
    assert market.top_n_share(systems, n=2) == pytest.approx(7 / 9)
    assert market.top_n_share(systems, n=10) == pytest.approx(1.0)
    assert market.top_n_share(systems, n=2) > 0.5


def test_hhi_per_service_area_worked_by_hand(systems):
    table = market.concentration(systems).set_index("service_area")
    assert table.loc["Revenues & Benefits", "hhi"] == pytest.approx(6250.0)
    assert table.loc["Housing", "hhi"] == pytest.approx(10000 * (4 / 9 + 1 / 9))  # 5555.6
    assert table.loc["Housing", "suppliers"] == 2
    assert table.loc["Housing", "systems"] == 3  # the system without a supplier is left out
    assert table.loc["Finance", "hhi"] == pytest.approx(10000.0)
    assert table.loc["Revenues & Benefits", "top"] == "Capita"
    assert table.loc["Revenues & Benefits", "top_share"] == pytest.approx(0.75)
    # Most concentrated first; the two single-supplier areas by name.
    assert list(table.index) == [
        "Finance",
        "Infrastructure & Productivity",
        "Revenues & Benefits",
        "Housing",
    ]


def test_reseller_reach_lists_makers_sold_through_others(systems):
    table = market.reseller_reach(systems)
    assert list(table["manufacturer"]) == ["Microsoft", "Unit4"]
    unit4 = table.set_index("manufacturer").loc["Unit4"]
    assert unit4["resellers"] == ("Capita",)
    assert unit4["via_resellers"] == 1 and unit4["reseller_share"] == pytest.approx(1.0)
    assert unit4["authorities"] == 1


def test_changing_a_supplier_changes_the_shares(tmp_path):
    rows = [dict(r) for r in SYSTEMS]
    rows[0]["supplier"] = "Civica"  # Barnet's Academy now through Civica: Capita 3, Civica 4
    systems = load_fixture(tmp_path, systems=rows).systems
    table = market.shares(systems)
    assert list(table["supplier"][:2]) == ["Civica", "Capita"]
    assert market.concentration(systems).set_index("service_area").loc[
        "Revenues & Benefits", "hhi"
    ] == pytest.approx(5000.0)


def test_new_entrants_are_listed_under_their_own_names(tmp_path):
    rows = SYSTEMS + [
        system("E09000007-00004", CAMDEN, "Customer Contact", "Liberty Create", "Netcall"),
        system("E09000009-00004", EALING, "Customer Contact", "Liberty Create", "Netcall"),
        system("E09000009-00005", EALING, "Housing", "DRS", "Kirona Solutions Ltd"),
    ]
    systems = load_fixture(tmp_path, systems=rows).systems
    known = ["Capita", "Civica", "NEC", "Softcat", "Microsoft", "Unit4"]
    table = market.new_entrants(systems, known)
    # worked out by hand: Netcall on two systems at Camden and Ealing, Kirona on one
    assert table.to_dict("records") == [
        {
            "supplier": "Netcall",
            "systems": 2,
            "authorities": 2,
            "service_areas": "Customer Contact",
            "products": "Liberty Create",
        },
        {
            "supplier": "Kirona Solutions Ltd",
            "systems": 1,
            "authorities": 1,
            "service_areas": "Housing",
            "products": "DRS",
        },
    ]
    makers = market.new_entrants(systems, known, by="manufacturer")
    assert list(makers["manufacturer"]) == ["Netcall", "Kirona Solutions Ltd", "Orchard"]
    # and the shares keep them as they are, not merged into anyone
    assert {"Netcall", "Kirona Solutions Ltd"} <= set(market.shares(systems)["supplier"])
    assert market.new_entrants(systems, known + ["Netcall", "Kirona Solutions Ltd"]).empty
