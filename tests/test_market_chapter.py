"""The market chapter's sections, checked against the metrics on the committed release."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from fixtures_processed import (  # noqa: E402
    AUTHORITIES,
    BARNET,
    BRENT,
    CAMDEN,
    system,
    write_processed,
)

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.metrics import market, spend  # noqa: E402
from citytools_analysis.report import market_chapter  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


def _title(section) -> str:
    return section.figure.axes[0].get_title(loc="left")


def test_the_opening_names_the_largest_supplier(chapter):
    lead = market.shares(chapter.data.systems, by="supplier").iloc[0]
    text = market_chapter.key_findings(chapter).text
    assert f"The largest, {lead['supplier']}," in text
    assert "Figures are as of" in text


def test_the_supplier_chart_leads_with_the_largest_supplier(chapter):
    shares = market.shares(chapter.data.systems, by="supplier")
    shown = market_chapter.supplier_shares(chapter)
    bars = min(market_chapter.SHARE_BARS, len(shares))
    assert _title(shown) == f"The {bars} largest suppliers' share of systems"
    assert shown.figure.axes[0].get_ylabel() == "Supplier"
    lead = shares.iloc[0]
    assert f"{lead['supplier']} holds {lead['share']:.1%};" in shown.alt
    assert f"of the {int(shares['systems'].sum()):,} systems that name a supplier" in shown.alt


def test_the_manufacturer_chart_leads_with_the_largest_manufacturer(chapter):
    makers = market.shares(chapter.data.systems, by="manufacturer")
    shown = market_chapter.manufacturer_shares(chapter)
    assert _title(shown).endswith("largest manufacturers' share of systems")
    assert f"{makers.iloc[0]['manufacturer']} makes {makers.iloc[0]['share']:.1%}" in shown.alt


def test_the_reseller_table_lists_the_most_resold_manufacturers(chapter):
    reach = market.reseller_reach(chapter.data.systems)
    shown = market_chapter.resellers(chapter)
    assert shown.text.startswith(f"{len(reach)} manufacturers reach some authorities")
    assert len(shown.table) == min(market_chapter.RESELLER_ROWS, len(reach))
    assert list(shown.table.columns) == [
        "Manufacturer",
        "Systems",
        "Through resellers",
        "Share (%)",
        "Resellers",
        "Authorities reached",
    ]
    assert shown.table["Share (%)"].between(0, 100).all()
    assert shown.table.iloc[0]["Manufacturer"] == reach.iloc[0]["manufacturer"]


def test_concentration_counts_areas_at_the_configured_threshold(chapter):
    areas = chapter.found.concentration
    threshold = chapter.parameters.min_hhi
    shown = market_chapter.concentration(chapter)
    assert f"{int((areas['hhi'] >= threshold).sum())} areas are above it" in shown.alt
    assert f"{areas.iloc[0]['service_area']} is highest" in shown.alt
    (table,) = shown.more
    assert list(table.columns) == [
        "Service area",
        "Systems",
        "Suppliers",
        "HHI",
        "Largest supplier",
        "Its share (%)",
    ]
    assert len(table) == min(market_chapter.CONCENTRATION_ROWS, len(areas))
    # Another threshold moves the dashed line and the count with it.
    higher = areas["hhi"].max() + 1
    moved = dataclasses.replace(
        chapter, parameters=chapter.parameters.with_overrides(min_hhi=higher)
    )
    assert "0 areas are above it" in market_chapter.concentration(moved).alt
    assert f"dashed line at {higher:,.0f}" in market_chapter.concentration(moved).alt


def test_the_supplier_count_map_names_the_authority_with_most_suppliers(chapter):
    counts = chapter.data.systems.groupby("gss_code")["supplier"].nunique()
    most = sorted(counts[counts == counts.max()].index)[0]
    shown = market_chapter.suppliers_per_authority(chapter)
    assert f"{chapter.names[most]} has the most, {counts.max()};" in shown.alt
    assert _title(shown) == "Distinct suppliers per authority"


def test_money_and_systems_name_the_supplier_paid_most(chapter):
    shown = market_chapter.systems_and_money(chapter)
    it_spend = chapter.data.it_spend
    if it_spend is None or not len(it_spend):
        assert shown.text == "No payment files were read for this build."
        return
    paid = spend.shares_by_money(it_spend).sort_values("amount_gbp", ascending=False).iloc[0]
    assert f"{paid['supplier']} holds the largest share of money" in shown.alt
    (table,) = shown.more
    assert "Share of IT money (%)" in table.columns and "IT paid (£)" in table.columns
    assert "it_spend" in shown.source


@pytest.fixture
def small(tmp_path):
    placed = [
        {**row, "tile_row": str(n // 3), "tile_col": str(n % 3)}
        for n, row in enumerate(AUTHORITIES)
    ]

    def chapter_of(*systems):
        folder = write_processed(tmp_path, systems=list(systems), authorities=placed)
        return open_chapter(folder, "2019-10-01", findings_store=None)

    return chapter_of


def test_a_release_of_known_suppliers_without_resellers_or_payments(small):
    chapter = small(
        system(f"{BARNET}-00003", BARNET, "Housing", "Cx", "Civica"),
        system(f"{BRENT}-00003", BRENT, "Housing", "QL", "Aareon"),
    )
    assert market_chapter.new_entrants(chapter).text.startswith("Every supplier in this release")
    assert market_chapter.resellers(chapter).text.startswith("No system in this release reaches")
    assert market_chapter.systems_and_money(chapter).figure is None


def test_a_new_entrant_is_listed_under_its_own_name(small):
    chapter = small(
        system(f"{BARNET}-00003", BARNET, "Housing", "Cx", "Civica"),
        system(f"{BRENT}-00003", BRENT, "Housing", "Tenancy Hub", "Hackney Digital Co-op"),
        system(f"{CAMDEN}-00003", CAMDEN, "Parking", "Tenancy Hub", "Hackney Digital Co-op"),
    )
    shown = market_chapter.new_entrants(chapter)
    assert shown.text == "1 suppliers outside the reference lists hold 2 systems at 2 authorities."
    assert shown.table.iloc[0]["Supplier"] == "Hackney Digital Co-op"
    assert list(shown.table.columns) == [
        "Supplier",
        "Systems",
        "Authorities",
        "Service areas",
        "Products",
    ]
