"""The satisfaction chapter's sections, checked against ratings computed from the release."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from fixtures_processed import AUTHORITIES, BARNET, BRENT, system, write_processed  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.report import narrative, satisfaction_chapter  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


def _means(chapter, by: str):
    """Per group: the number of rated systems and their mean satisfaction (rated groups only)."""
    rated = chapter.data.systems.dropna(subset=[by, "satisfaction"])
    ratings = rated["satisfaction"].astype(float).groupby(rated[by])
    return ratings.count(), ratings.mean()


def test_the_opening_states_the_parameters(chapter):
    text = satisfaction_chapter.key_findings(chapter).text
    assert narrative.as_of_sentence(chapter.found) in text


def test_service_areas_from_lowest_to_highest(chapter):
    counts, means = _means(chapter, "service_area")
    ordered = sorted(means.items(), key=lambda item: (item[1], item[0]))
    (low, low_mean), (high, high_mean) = ordered[0], ordered[-1]
    shown = satisfaction_chapter.by_service_area(chapter)
    assert f"in {len(means)} service areas" in shown.alt
    assert f"Lowest: {low} at {low_mean:.1f}; highest: {high} at {high_mean:.1f}" in shown.alt
    assert shown.figure.axes[0].get_xlabel().startswith("Mean satisfaction")


def test_the_lowest_rated_supplier_with_enough_ratings(chapter):
    fewest = chapter.parameters.min_rated_systems
    line = chapter.parameters.max_supplier_satisfaction
    counts, means = _means(chapter, "supplier")
    judged = means[counts >= fewest]
    low = sorted(judged.items(), key=lambda item: (item[1], item[0]))[0]
    shown = satisfaction_chapter.by_supplier(chapter)
    drawn = min(satisfaction_chapter.LOWEST_SUPPLIERS, len(judged))
    assert shown.figure.axes[0].get_title(loc="left") == f"The {drawn} lowest-rated suppliers"
    assert f"at least {narrative.in_words(fewest)} rated systems" in shown.alt
    assert f"{low[0]} is lowest at {low[1]:.1f} over {counts[low[0]]} systems." in shown.alt
    # The improvement line is drawn at the configured rating.
    lines = shown.figure.axes[0].get_lines()
    assert any(list(drawn_line.get_xdata()) == [line, line] for drawn_line in lines)


def test_no_supplier_is_judged_with_too_few_ratings(chapter):
    strict = dataclasses.replace(
        chapter, parameters=chapter.parameters.with_overrides(min_rated_systems=10**6)
    )
    shown = satisfaction_chapter.by_supplier(strict)
    assert shown.figure is None and shown.text.startswith("No supplier has 1,000,000 or more")
    assert satisfaction_chapter.value_for_money(strict).text.startswith("Too few products")


def test_value_for_money_plots_products_rated_often_enough(chapter):
    fewest = chapter.parameters.min_rated_systems
    systems = chapter.data.systems.dropna(subset=["product"])
    rated = systems.groupby("product")[["satisfaction", "value_for_money"]].count()
    both = rated[(rated["satisfaction"] >= fewest) & (rated["value_for_money"] >= fewest)]
    shown = satisfaction_chapter.value_for_money(chapter)
    assert shown.alt.startswith(f"Scatter plot of {len(both)} products'")
    assert shown.figure.axes[0].get_xlim() == satisfaction_chapter.RATING_AXIS


def test_supplier_count_then_the_map_of_authorities(chapter):
    table = chapter.found.supplier_satisfaction.table
    shown = satisfaction_chapter.supplier_count(chapter)
    assert shown.alt.startswith(f"Scatter plot of {len(table)} authorities")
    assert shown.figure.axes[0].get_xlabel() == "Distinct suppliers (count)"
    (tiles,) = shown.more
    lowest, highest = table["mean_satisfaction"].min(), table["mean_satisfaction"].max()
    assert tiles.alt.endswith(f"from {lowest:.1f} to {highest:.1f}.")
    assert tiles.figure.axes[0].get_title(loc="left") == "Mean satisfaction by authority"


def test_clusters_name_the_authorities_rating_a_service_poorly(chapter):
    clusters = chapter.found.clusters
    shown = satisfaction_chapter.clusters(chapter)
    assert shown.text == narrative.cluster_definition(chapter.min_authorities)
    if clusters.empty:
        assert shown.more[0].text.startswith("No service area is rated poor")
        return
    assert list(shown.table.columns) == [
        "Service area",
        "Rating it poor",
        "Rating it at all",
        "Which",
        "Their products",
    ]
    assert shown.table.iloc[0]["Which"].split(", ") == sorted(
        chapter.names[code] for code in clusters.iloc[0]["gss_codes"]
    )


def test_no_cluster_at_a_threshold_no_area_reaches():
    wide = open_chapter(PROCESSED_DIR, min_authorities=99)
    shown = satisfaction_chapter.clusters(wide)
    assert shown.table is None
    assert shown.more[0].text == "No service area is rated poor by 99 or more authorities."


def test_a_release_without_ratings(tmp_path):
    systems = [
        system(f"{BARNET}-00003", BARNET, "Housing", "Cx", "Civica"),
        system(f"{BRENT}-00003", BRENT, "Housing", "QL", "Aareon"),
    ]
    folder = write_processed(tmp_path, systems=systems, authorities=AUTHORITIES)
    small = open_chapter(folder, "2019-10-01", findings_store=None)
    fewest = narrative.in_words(small.parameters.min_rated_systems)
    assert satisfaction_chapter.by_service_area(small).figure is None
    assert satisfaction_chapter.by_supplier(small).text == (
        f"No supplier has {fewest} or more rated systems."
    )
    assert satisfaction_chapter.value_for_money(small).text.startswith("Too few products")
    assert satisfaction_chapter.supplier_count(small).text.startswith("Too few authorities")
