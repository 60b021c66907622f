"""Tests for the integration network, product links, and isolated systems."""

from __future__ import annotations

import pytest
from fixtures_processed import BARNET, BRENT, GLA, load_fixture, system

from citytools_analysis.metrics import interoperability as interop

SYSTEMS = [
    system("E09000003-00002", BARNET, "Housing", "Cx", "Civica"),
    system("E09000003-00003", BARNET, "Planning & Building Control", "Uniform", "Idox"),
    system("E09000003-00004", BARNET, "Payments & Income", "Civica Pay", "Civica"),
    system("E09000003-00005", BARNET, "GIS & Address", "ArcGIS", "Esri"),
    system("E09000005-00002", BRENT, "Housing", "Cx", "Civica"),
    system("E09000005-00003", BRENT, "Payments & Income", "Civica Pay", "Civica"),
    system("E09000005-00004", BRENT, "Planning & Building Control", "Uniform", "Idox"),
    system("E61000001-00002", GLA, "GIS & Address", "ArcGIS", "Esri"),
]


def link(code: str, record: str, linked: str, name: str) -> dict:
    return {"gss_code": code, "record_id": record, "linked_record_id": linked, "linked_name": name}


INTEGRATIONS = [
    link(BARNET, "E09000003-00002", "E09000003-00004", "Civica Pay"),
    link(BARNET, "E09000003-00004", "E09000003-00002", "Cx"),  # the same link, named back
    link(BARNET, "E09000003-00003", "E09000003-00002", "Cx"),
    link(BARNET, "E09000003-00003", "", "Old CRM"),  # not found in the return
    link(BRENT, "E09000005-00002", "E09000005-00003", "Civica Pay"),
    link(BRENT, "E09000005-00004", "", "Legacy gazetteer"),
]


@pytest.fixture()
def data(tmp_path):
    return load_fixture(tmp_path, systems=SYSTEMS, integrations=INTEGRATIONS)


def test_graph_has_every_system_and_each_link_once(data):
    graph = interop.integration_graph(data.integrations, data.systems)
    assert graph.number_of_nodes() == 8
    assert graph.number_of_edges() == 3
    assert graph.has_edge("E09000003-00004", "E09000003-00002")
    assert graph.nodes["E09000003-00002"]["product"] == "Cx"


def test_product_links_aggregate_system_links(data):
    table = interop.product_links(data.integrations, data.systems)
    assert table.to_dict("records") == [
        {"product_a": "Civica Pay", "product_b": "Cx", "links": 2, "authorities": 2},
        {"product_a": "Cx", "product_b": "Uniform", "links": 1, "authorities": 1},
    ]
    graph = interop.product_graph(data.integrations, data.systems)
    assert graph["Civica Pay"]["Cx"]["weight"] == 2
    assert graph.degree("ArcGIS") == 0


def test_most_connected_products(data):
    table = interop.most_connected_products(data.integrations, data.systems)
    assert list(table["product"]) == ["Cx", "Civica Pay", "Uniform"]
    cx = table.iloc[0]
    assert (cx["partners"], cx["links"], cx["authorities"]) == (2, 3, 2)


def test_isolated_systems_exclude_any_named_link(data):
    everyone = interop.isolated_systems(data.integrations, data.systems)
    assert list(everyone["record_id"]) == ["E09000003-00005", "E61000001-00002"]
    responding = interop.isolated_systems(data.integrations, data.systems, data.authorities)
    assert list(responding["record_id"]) == ["E09000003-00005"]


def test_a_new_link_changes_the_network(tmp_path):
    data = load_fixture(
        tmp_path,
        systems=SYSTEMS,
        integrations=INTEGRATIONS + [link(BARNET, "E09000003-00005", "E09000003-00003", "Uniform")],
    )
    assert interop.isolated_systems(data.integrations, data.systems, data.authorities).empty
    table = interop.most_connected_products(data.integrations, data.systems)
    assert table.set_index("product").loc["Uniform", "partners"] == 2
