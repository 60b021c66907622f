"""The interoperability and hosting chapter's sections, checked against the committed release."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.metrics import interoperability  # noqa: E402
from citytools_analysis.report import interoperability_chapter, narrative  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


def _responding_systems(chapter):
    data = chapter.data
    responded = data.authorities.loc[data.authorities["responded"] == True, "gss_code"]  # noqa: E712
    return data.systems[data.systems["gss_code"].isin(set(responded))]


def _isolated(chapter):
    systems, links = _responding_systems(chapter), chapter.data.integrations
    linked = set(links["record_id"].dropna()) | set(links["linked_record_id"].dropna())
    return systems[~systems["record_id"].isin(linked)]


def test_the_key_findings_count_isolated_systems_and_end_with_the_snapshot(chapter):
    systems, isolated = _responding_systems(chapter), _isolated(chapter)
    assert interoperability_chapter.responding_systems(chapter) == len(systems)
    text = interoperability_chapter.key_findings(chapter).text
    assert f"{len(isolated):,} of {len(systems):,} systems" in text
    assert text.endswith(narrative.as_of_sentence(chapter.found))


def test_the_network_and_the_ranking_name_the_best_connected_product(chapter):
    network = interoperability_chapter.integration_network(chapter)
    ranking = interoperability_chapter.most_connected(chapter)
    axes = ranking.figure.axes[0]
    assert axes.get_title(loc="left") == "Products linked to the most other products"
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("Other products linked (count)", "Product")
    shown = [label.get_text() for label in axes.get_yticklabels()]
    assert len(shown) <= interoperability_chapter.CONNECTED_SHOWN
    data = chapter.data
    top = interoperability.most_connected_products(data.integrations, data.systems).iloc[0]
    assert top["product"] in shown
    assert f"{top['product']} is linked to {top['partners']}." in ranking.alt
    assert f"; {top['product']} has the most partners." in network.alt
    assert network.figure.axes[0].get_title(loc="left").startswith("Products linked by")


def test_the_isolated_chart_names_the_area_with_most_of_them(chapter):
    per_area = _isolated(chapter)["service_area"].value_counts()
    top = sorted(area for area, n in per_area.items() if n == per_area.max())[0]
    shown = interoperability_chapter.isolated_systems(chapter)
    assert shown.figure.axes[0].get_xlabel() == "Isolated systems (count)"
    assert f"{per_area.sum()} isolated systems in {len(per_area)} service areas" in shown.alt
    assert f"{top} has the most, {per_area.max()}." in shown.alt


def test_hosting_shares_are_of_the_survey_systems(chapter):
    systems = chapter.data.systems
    surveyed = systems[systems["source"] != "register"]
    cloud_model = interoperability_chapter.hosting_models()[1]
    by_area = interoperability_chapter.hosting_by_area(chapter)
    assert by_area.figure.axes[0].get_ylabel() == "Service area"
    assert f"{surveyed['service_area'].nunique()} service areas" in by_area.alt
    share = (surveyed["hosting"] == cloud_model).mean()
    assert f"{cloud_model} {share:.0%}" in by_area.alt

    cloud = interoperability_chapter.cloud_shares(chapter)
    per_authority = (surveyed["hosting"] == cloud_model).groupby(surveyed["gss_code"]).mean()
    assert dict(zip(cloud["gss_code"], cloud["share"])) == pytest.approx(per_authority.to_dict())
    leader = sorted(c for c, s in per_authority.items() if s == per_authority.max())[0]
    shown = interoperability_chapter.cloud_map(chapter)
    assert f"{chapter.names[leader]} has the highest, {per_authority.max():.0%}." in shown.alt


def test_a_release_without_integrations_or_systems(chapter):
    data = dataclasses.replace(
        chapter.data,
        systems=chapter.data.systems.iloc[:0],
        integrations=chapter.data.integrations.iloc[:0],
    )
    empty = dataclasses.replace(chapter, data=data)
    assert "name no integration" in interoperability_chapter.key_findings(empty).text
    assert interoperability_chapter.isolated_systems(empty).text == (
        "Every system of the responding authorities has at least one link."
    )
    for section in (
        interoperability_chapter.most_connected(empty),
        interoperability_chapter.hosting_by_area(empty),
        interoperability_chapter.cloud_map(empty),
    ):
        assert section.figure is None and section.text == ""
