"""Tests for the headline findings and the ``citytools findings`` command on a small release."""

from __future__ import annotations

import json

import pytest
from fixtures_processed import (
    BARNET,
    BRENT,
    CAMDEN,
    EALING,
    GLA,
    load_fixture,
    system,
    write_processed,
)
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.metrics.headline import headline_findings

EBS = "Oracle E-Business Suite"

# Snapshot 2019-10-01, horizon to 2022-10-01. Suppliers named on 7 of 8 rows:
# Oracle 4, Civica 2, Idox 1 → top-10 share 7/7 = 1.
SYSTEMS = [
    system(
        "E09000003-00002",
        BARNET,
        "Finance",
        EBS,
        "Oracle",
        contract_end="2020-03-31",
        annual_cost_gbp="300000",
        satisfaction="2",
    ),
    system(
        "E09000005-00002",
        BRENT,
        "Finance",
        EBS,
        "Oracle",
        contract_end="2020-06-30",
        annual_cost_gbp="250000",
        satisfaction="3",
    ),
    system(
        "E09000007-00002",
        CAMDEN,
        "Finance",
        EBS,
        "Oracle",
        contract_end="2021-01-31",
        satisfaction="4",
    ),
    system(
        "E09000009-00002",
        EALING,
        "Finance",
        EBS,
        "Oracle",
        contract_end="2023-01-31",
        annual_cost_gbp="1",
    ),  # after the horizon
    system(
        "E09000003-00003",
        BARNET,
        "Housing",
        "Cx",
        "Civica",
        contract_end_status="rolling",
        satisfaction="1",
    ),
    system("E09000005-00003", BRENT, "Housing", "Cx", "Civica", satisfaction="5"),  # unknown end
    system(
        "E09000007-00003",
        CAMDEN,
        "Planning & Building Control",
        "Uniform",
        "Idox",
        contract_end="2019-09-30",
    ),  # ended
    system("E61000001-00002", GLA, "GIS & Address", "ArcGIS", None, manufacturer="Esri"),
]

SKILLS = [
    {
        "gss_code": CAMDEN,
        "skill_area": "Cyber security",
        "level": "4",
        "can_support": "true",
        "source_file": "c.xlsx",
        "source_row": "2",
    },
    {
        "gss_code": BARNET,
        "skill_area": "Cyber security",
        "level": "1",
        "can_support": "false",
        "source_file": "b.xlsx",
        "source_row": "2",
    },
]


@pytest.fixture()
def release(tmp_path):
    return write_processed(tmp_path / "processed", systems=SYSTEMS, skills=SKILLS)


def run(release, *args) -> dict:
    result = CliRunner().invoke(app, ["findings", "--processed-dir", str(release), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_headline_keys_and_values(release):
    found = run(release)
    assert list(found)[:12] == [
        "as_of",
        "horizon_years",
        "window_months",
        "min_authorities",
        "systems",
        "authorities",
        "products",
        "manufacturers",
        "suppliers",
        "top10_supplier_share",
        "supplier_count_satisfaction",
        "expiring",
    ]
    assert list(found)[-4:] == [
        "joint_procurement",
        "peer_support",
        "changes_since_previous_round",
        "recommendations",
    ]
    assert found["changes_since_previous_round"] is None  # a release of no round held here
    assert found["as_of"] == "2019-10-01"
    assert (found["systems"], found["authorities"], found["products"]) == (8, 5, 4)
    assert (found["manufacturers"], found["suppliers"]) == (4, 3)
    assert found["top10_supplier_share"] == 1.0
    assert found["expiring"] == 3  # Barnet, Brent and Camden Finance
    assert found["expiring_annual_cost_gbp"] == 550000
    assert (found["rolling_contracts"], found["unknown_contract_end"]) == (1, 2)
    # Responding authorities with a rating: Barnet (2 suppliers, mean 1.5), Brent (2, 4.0),
    # Camden (2, 4.0): n = 3, and no spread in supplier counts, so rho is undefined.
    assert found["supplier_count_satisfaction"] == {"rho": None, "p": None, "n": 3}
    assert found["joint_procurement"] == [
        {
            "kind": "product",
            "name": EBS,
            "authorities": [BARNET, BRENT, CAMDEN],
            "first_end": "2020-03-31",
            "last_end": "2021-01-31",
            "annual_cost_gbp": 550000,
        },
        {
            "kind": "service_area",
            "name": "Finance",
            "authorities": [BARNET, BRENT, CAMDEN],
            "first_end": "2020-03-31",
            "last_end": "2021-01-31",
            "annual_cost_gbp": 550000,
        },
    ]
    assert found["peer_support"] == [
        {"skill_area": "Cyber security", "mentor": CAMDEN, "learner": BARNET}
    ]
    first = found["recommendations"][0]
    assert first["audience"] == "boroughs"
    assert "3 authorities (Barnet, Brent, Camden)" in first["text"]
    assert first["evidence"]["link"] == "05_collaboration.html#joint-procurement"


def test_min_authorities_changes_the_opportunities(release):
    assert run(release, "--min-authorities", "4")["joint_procurement"] == []
    texts = [r["text"] for r in run(release, "--min-authorities", "4")["recommendations"]]
    assert not any("procure together" in text for text in texts)


def test_as_of_changes_the_pipeline_and_opportunities(release):
    later = run(release, "--as-of", "2020-04-01")
    assert later["as_of"] == "2020-04-01"
    assert later["expiring"] == 3  # Brent, Camden and now Ealing (before 2023-04-01)
    assert later["joint_procurement"] == []  # Barnet's end has passed: Brent and Camden left
    wider = run(release, "--as-of", "2020-04-01", "--window-months", "36")
    # 36 months from Brent's 2020-06-30 reach Ealing's 2023-01-31.
    assert wider["joint_procurement"][0]["authorities"] == [BRENT, CAMDEN, EALING]
    assert wider["joint_procurement"][0]["first_end"] == "2020-06-30"
    assert wider["joint_procurement"][0]["annual_cost_gbp"] == 250001


def test_window_and_horizon_options(release):
    assert run(release, "--window-months", "6")["joint_procurement"] == []
    assert run(release, "--horizon-years", "1")["expiring"] == 2


def test_output_is_stable(release):
    runner = CliRunner()
    args = ["findings", "--processed-dir", str(release)]
    assert runner.invoke(app, args).output == runner.invoke(app, args).output


def test_no_snapshot_date_and_no_as_of_is_an_error(tmp_path):
    data = load_fixture(tmp_path, systems=SYSTEMS, snapshot_date=None)
    with pytest.raises(ValueError, match="snapshot_date"):
        headline_findings(data)
    assert headline_findings(data, as_of="2019-10-01")["expiring"] == 3


def test_the_current_release_quotes_its_changes_since_the_round_before():
    from citytools_analysis.core.paths import PROCESSED_DIR, RELEASES_DIR

    found = run(PROCESSED_DIR)
    changes = found["changes_since_previous_round"]
    assert (changes["earlier_round"], changes["later_round"]) == ("2019", "2021")
    assert 0 < changes["switched"] < changes["matched"]
    links = {item["evidence"]["link"] for item in found["recommendations"]}
    assert any("13_changes_since_last_round" in link for link in links)
    explicit = run(PROCESSED_DIR, "--previous-dir", str(RELEASES_DIR / "2019"))
    assert explicit == found
    alone = run(PROCESSED_DIR, "--previous-dir", "")
    assert alone["changes_since_previous_round"] is None
    assert len(alone["recommendations"]) < len(found["recommendations"])
