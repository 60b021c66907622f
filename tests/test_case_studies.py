"""The case studies: chosen by rule from the findings, each with its text, table and figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.report import case_studies  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


def test_the_joint_procurement_case_is_the_widest_then_costliest(chapter):
    choice = case_studies.joint_procurement_choice(chapter)
    products = chapter.found.joint_procurement
    products = products[products["kind"] == "product"]
    widest = products["authorities"].max()
    assert choice["authorities"] == widest
    assert (
        choice["annual_cost_gbp"]
        == products.loc[products["authorities"] == widest, "annual_cost_gbp"].max()
    )
    case = case_studies.joint_procurement_case(chapter)
    assert f"at {choice['authorities']} authorities" in case.text
    assert len(case.table) == len(choice["record_ids"])
    assert list(case.table.columns) == [
        "Authority",
        "Supplier",
        "Contract end",
        "Annual cost (£)",
        "Satisfaction (1–5)",
    ]
    assert case.figure.axes[0].get_title(loc="left").startswith(choice["name"])
    assert case.alt and case.source


def test_the_cluster_case_names_every_authority_rating_it_poor(chapter):
    cluster = chapter.found.clusters.iloc[0]
    case = case_studies.underperformance_case(chapter)
    for code in cluster["gss_codes"]:
        assert chapter.names[code] in case.text
    assert case.figure is not None and case.table is None
    assert case.figure.axes[0].get_xlabel().startswith("Mean satisfaction")


def test_the_peer_support_case_counts_its_pairings(chapter):
    matches = chapter.found.peer_support
    case = case_studies.peer_support_case(chapter)
    top = matches["skill_area"].value_counts().max()
    assert f"{top} possible pairings" in case.text


def test_no_case_at_parameters_that_find_none(tmp_path):
    wide = open_chapter(PROCESSED_DIR, min_authorities=99)
    assert case_studies.joint_procurement_case(wide).text.startswith("No product")
    assert case_studies.underperformance_case(wide).text.startswith("No service area is rated")
