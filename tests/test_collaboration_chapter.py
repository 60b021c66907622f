"""The collaboration chapter's sections, checked against the shared products and opportunities."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from fixtures_processed import AUTHORITIES, BARNET, BRENT, system, write_processed  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.report import collaboration_chapter, narrative  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


@pytest.fixture(scope="module")
def narrow():
    """Parameters at which no product is shared widely enough and nothing ends together."""
    return open_chapter(PROCESSED_DIR, min_authorities=99)


def test_the_opening_states_the_parameters(chapter):
    text = collaboration_chapter.key_findings(chapter).text
    assert narrative.as_of_sentence(chapter.found) in text


def test_the_heatmap_shows_the_most_widely_shared_products(chapter):
    reach = chapter.data.systems.groupby("product")["gss_code"].nunique()
    shared = reach[reach >= chapter.min_authorities]
    shown = collaboration_chapter.shared_systems(chapter)
    drawn = min(collaboration_chapter.SHARED_PRODUCTS, len(shared))
    assert shown.text.startswith(
        f"Each column is a product used by at least {narrative.in_words(chapter.min_authorities)}"
    )
    assert shown.figure.axes[0].get_title(loc="left") == (
        f"Who runs the {drawn} most widely shared products"
    )
    assert f"widely shared, at {shared.max()} authorities." in shown.alt
    assert any(
        f"{product} is the most" in shown.alt for product in shared[shared == shared.max()].index
    )


def test_the_opportunity_chart_leads_with_the_widest_product(chapter):
    opportunities = chapter.found.joint_procurement
    products = opportunities[opportunities["kind"] == "product"]
    shown = collaboration_chapter.joint_procurement(chapter)
    assert shown.text.startswith("An opportunity is a product (or a service area)")
    assert f"has contracts at {products['authorities'].max()} authorities" in shown.alt
    assert shown.figure.axes[0].get_xlabel() == "Authorities in the window (count)"


def test_the_listing_holds_every_opportunity_with_authority_names(chapter):
    opportunities = chapter.found.joint_procurement
    listing = collaboration_chapter.opportunity_listing(chapter)
    assert listing.text.startswith(f"All {len(opportunities)} opportunities")
    assert list(listing.table.columns) == [
        "Kind",
        "Name",
        "Authorities",
        "Which",
        "First end",
        "Last end",
        "Known annual cost (£)",
    ]
    assert len(listing.table) == len(opportunities)
    first = listing.table.iloc[0]
    assert first["Which"].split(", ") == sorted(
        chapter.names[code] for code in opportunities.iloc[0]["gss_codes"]
    )
    assert set(listing.table["Kind"]) <= {"Product", "Service area"}


def test_replacement_names_the_area_most_plan_to_replace(chapter):
    plans = chapter.found.replacement
    shown = collaboration_chapter.replacement_intentions(chapter)
    top = plans.iloc[0]
    assert f"Most in {top['service_area']}: {top['planning']} planning" in shown.alt
    assert shown.figure.axes[0].get_ylabel() == "Service area"


def test_nothing_to_show_at_parameters_that_find_nothing(narrow):
    shared = collaboration_chapter.shared_systems(narrow)
    assert shared.figure is None
    assert shared.more[0].text == "No product is used by 99 or more authorities."
    assert collaboration_chapter.joint_procurement(narrow).figure is None
    listing = collaboration_chapter.opportunity_listing(narrow)
    assert listing.text == "No joint procurement opportunity at these parameters."
    assert listing.table is None


def test_no_replacement_chart_without_replacement_plans(tmp_path):
    systems = [
        system(f"{BARNET}-00003", BARNET, "Housing", "Cx", "Civica"),
        system(f"{BRENT}-00003", BRENT, "Housing", "QL", "Aareon"),
    ]
    folder = write_processed(tmp_path, systems=systems, authorities=AUTHORITIES)
    small = open_chapter(folder, "2019-10-01", findings_store=None)
    shown = collaboration_chapter.replacement_intentions(small)
    assert shown.text == "No authority reported a planned or considered replacement."
    assert shown.figure is None
