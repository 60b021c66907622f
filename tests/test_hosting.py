"""Tests for hosting models by service area."""

from __future__ import annotations

import pytest
from fixtures_processed import BARNET, BRENT, load_fixture, system

from citytools_analysis.metrics import hosting

ON, CLOUD, HOSTED = "On-premises", "Cloud (SaaS)", "Hosted (supplier's data centre)"

SYSTEMS = [
    system("E09000003-00002", BARNET, "Housing", "Cx", "Civica", hosting=ON),
    system("E09000005-00002", BRENT, "Housing", "Cx", "Civica", hosting=ON),
    system("E09000003-00003", BARNET, "Housing", "Orchard", "Orchard", hosting=CLOUD),
    system("E09000005-00003", BRENT, "Housing", "QL", "Aareon"),
    system(
        "E09000003-00004",
        BARNET,
        "Finance",
        "SAP ECC",
        "SAP",
        hosting=HOSTED,
        system_type="Corporate",
    ),
]


@pytest.fixture()
def systems(tmp_path):
    return load_fixture(tmp_path, systems=SYSTEMS).systems


def test_hosting_by_service_area_shares_add_to_one(systems):
    table = hosting.hosting_by(systems)
    got = list(zip(table["service_area"], table["hosting"], table["systems"], table["share"]))
    assert got == [
        ("Finance", HOSTED, 1, 1.0),
        ("Housing", ON, 2, 0.5),
        ("Housing", CLOUD, 1, 0.25),
        ("Housing", hosting.NOT_STATED, 1, 0.25),
    ]


def test_hosting_overall(systems):
    table = hosting.hosting_by(systems, by=None)
    assert list(table["hosting"]) == [ON, CLOUD, HOSTED, hosting.NOT_STATED]
    assert table["share"].tolist() == pytest.approx([0.4, 0.2, 0.2, 0.2])


def test_hosting_by_system_type(systems):
    table = hosting.hosting_by(systems, by="system_type")
    corporate = table[table["system_type"] == "Corporate"]
    assert list(corporate["hosting"]) == [HOSTED]


def test_systems_known_only_from_a_register_are_not_counted_as_not_stated(tmp_path):
    # Ealing did not respond: its register gave a Housing system, with no hosting.
    from_register = {
        **system("E09000009-R00007", "E09000009", "Housing", "QL", "Aareon"),
        "source": "register",
        "source_file": "elg_contracts.csv",
        "source_row": "7",
    }
    rows = [{**row, "source": "survey"} for row in SYSTEMS] + [from_register]
    table = hosting.hosting_by(load_fixture(tmp_path, systems=rows).systems, by=None)
    # The same five survey systems as without the register row: 2 of 5 on-premises.
    assert table["systems"].sum() == 5
    assert table["share"].tolist() == pytest.approx([0.4, 0.2, 0.2, 0.2])
