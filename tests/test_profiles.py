"""Tests for borough profiles: one authority's slice of the London-wide metrics, and its digest."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from fixtures_processed import (
    AUTHORITIES,
    BARNET,
    BRENT,
    CAMDEN,
    EALING,
    GLA,
    system,
    write_processed,
)

from citytools_analysis.metrics import profiles as profile_data
from citytools_analysis.release.processed import load_processed
from citytools_analysis.report import profiles

AS_OF = date(2019, 10, 1)
EBS = "Oracle E-Business Suite"
LEVELS = {0: "None", 1: "Awareness", 2: "Working", 3: "Practitioner", 4: "Expert"}


def skill(code: str, area: str, level: int, can_support: bool = False) -> dict:
    return {
        "gss_code": code,
        "skill_area": area,
        "level": str(level),
        "can_support": str(can_support).lower(),
        "source_file": "x.xlsx",
        "source_row": "2",
    }


def score(code: str, dimension: str, value: int) -> dict:
    return {
        "gss_code": code,
        "dimension": dimension,
        "score": str(value),
        "source_file": "x.xlsx",
        "source_row": "2",
    }


def systems_rows(brent_end: str = "2020-09-30") -> list[dict]:
    return [
        # EBS ends within 12 months of 2020-03-31 at Barnet, Brent and Camden: one window.
        system(
            "E09000003-00002",
            BARNET,
            "Finance",
            EBS,
            "Oracle",
            contract_end="2020-03-31",
            annual_cost_gbp="300000",
        ),
        system(
            "E09000003-00003",
            BARNET,
            "Housing",
            "Northgate Housing",
            "Northgate",
            contract_end="2024-03-31",
            annual_cost_gbp="50000",
        ),
        system(
            "E09000003-00004",
            BARNET,
            "Housing",
            "Northgate Housing",
            "Northgate",
            contract_end_status="rolling",
        ),
        system(
            "E09000005-00002",
            BRENT,
            "Finance",
            EBS,
            "Oracle",
            contract_end=brent_end,
            annual_cost_gbp="400000",
        ),
        system(
            "E09000007-00002",
            CAMDEN,
            "Finance",
            EBS,
            "Oracle",
            contract_end="2021-01-31",
            annual_cost_gbp="500000",
        ),
        system("E09000009-00002", EALING, "Finance", "SAP ECC", "SAP", contract_end="2020-06-30"),
    ]


TILES = {
    BARNET: ("1", "3", "brn"),
    BRENT: ("2", "2", "brt"),
    CAMDEN: ("2", "3", "cmd"),
    EALING: ("3", "1", "eal"),
    GLA: ("", "", "gla"),
}


def write(tmp_path, **changes):
    tables = {
        "authorities": [
            dict(
                row,
                tile_row=TILES[row["gss_code"]][0],
                tile_col=TILES[row["gss_code"]][1],
                abbreviation=TILES[row["gss_code"]][2],
            )
            for row in AUTHORITIES
        ],
        "systems": systems_rows(),
        "skills": [
            skill(BARNET, "Data analysis", 0),
            skill(BARNET, "Cloud", 3),
            skill(BRENT, "Data analysis", 4, True),
            skill(CAMDEN, "Cloud", 1),
            skill(EALING, "Data analysis", 3, False),
        ],
        "maturity": [score(BARNET, "Data", 2), score(BRENT, "Data", 4), score(CAMDEN, "Data", 5)],
    }
    tables.update(changes)
    return write_processed(tmp_path / "processed", **tables)


def context(directory, **options):
    data = load_processed(directory)
    return profile_data.london_context(
        data, source="City Tools: London survey (test)", skill_levels=LEVELS, as_of=AS_OF, **options
    )


@pytest.fixture()
def london(tmp_path):
    return context(write(tmp_path))


def test_a_responding_authority_sees_its_systems_suppliers_and_expiring_contracts(london):
    profile = profile_data.authority_profile(london, BARNET)
    assert profile.responded and profile.short_name == "Barnet"
    assert profile.areas.to_dict("records") == [
        {"service_area": "Housing", "systems": 2, "products": 1, "suppliers": 1},
        {"service_area": "Finance", "systems": 1, "products": 1, "suppliers": 1},
    ]
    assert profile.systems["contract_end"].tolist() == ["2020-03-31", "2024-03-31", "rolling"]
    # Northgate holds 2 of Barnet's 3 systems, Oracle 1.
    assert profile.suppliers[["supplier", "systems", "service_areas"]].values.tolist() == [
        ["Northgate", 2, 1],
        ["Oracle", 1, 1],
    ]
    assert profile.suppliers["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    # Within 3 years of 2019-10-01 (to 2022-10-01): only the EBS contract; 2024 is beyond.
    assert profile.expiring["contract_end"].tolist() == ["2020-03-31"]
    assert profile.expiring["annual_cost_gbp"].tolist() == [300000.0]


def test_peers_and_partners_with_aligned_end_dates(london):
    profile = profile_data.authority_profile(london, BARNET)
    assert profile.peers.to_dict("records") == [
        {
            "product": EBS,
            "service_area": "Finance",
            "other_authorities": 2,
            "peers": "Brent, Camden",
        }
    ]
    product = profile.partners[profile.partners["kind"] == "product"]
    assert product[
        ["name", "own_end", "first_end", "last_end", "partners", "partner_names"]
    ].values.tolist() == [[EBS, "2020-03-31", "2020-03-31", "2021-01-31", 2, "Brent, Camden"]]
    assert product["annual_cost_gbp"].tolist() == [1_200_000.0]
    # Ealing runs SAP alone: no peers. But its Finance contract (2020-06-30) falls in the
    # service-area window 2020-03-31 to 2021-03-30 with the three EBS contracts.
    ealing = profile_data.authority_profile(london, EALING)
    assert ealing.peers.empty
    assert ealing.partners[
        ["kind", "name", "own_end", "partners", "partner_names"]
    ].values.tolist() == [["service_area", "Finance", "2020-06-30", 3, "Barnet, Brent, Camden"]]


def test_skills_strengths_gaps_and_matched_peers(london):
    barnet = profile_data.authority_profile(london, BARNET)
    assert barnet.skills[["skill_area", "level", "level_label", "assessment"]].values.tolist() == [
        ["Cloud", 3, "Practitioner", "strength"],
        ["Data analysis", 0, "None", "gap"],
    ]
    # Brent (level 4, offers support) can help Barnet's gap; Ealing is level 3 but does not
    # offer support. Barnet offers no support, so it has nobody to help.
    assert barnet.mentors.to_dict("records") == [
        {"skill_area": "Data analysis", "peer": "Brent", "peer_level": 4}
    ]
    assert barnet.learners.empty
    brent = profile_data.authority_profile(london, BRENT)
    assert brent.learners.to_dict("records") == [
        {"skill_area": "Data analysis", "peer": "Barnet", "peer_level": 0}
    ]


def test_maturity_against_the_london_median(london):
    # Scores 2, 4, 5: the median is 4.
    barnet = profile_data.authority_profile(london, BARNET)
    assert barnet.maturity.to_dict("records") == [
        {"dimension": "Data", "score": 2, "london_median": 4.0, "difference": -2.0}
    ]


def test_the_map_counts_products_in_common(london):
    barnet = profile_data.authority_profile(london, BARNET)
    assert barnet.map_kind == profile_data.MAP_SHARED
    assert dict(zip(barnet.map_values["gss_code"], barnet.map_values["value"])) == {
        BARNET: 2,
        BRENT: 1,
        CAMDEN: 1,
    }
    fig = profiles.profile_map(barnet)
    outlined = [patch for patch in fig.axes[0].patches if patch.get_gid() == BARNET]
    assert outlined and outlined[0].get_linewidth() == 3.0
    assert "Brent shares the most, 1" in profiles.map_alt_text(barnet)


def test_an_authority_without_a_return_gets_a_page_that_says_so(london):
    gla = profile_data.authority_profile(london, GLA)
    assert not gla.responded
    assert gla.systems.empty and gla.partners.empty and gla.maturity.empty
    assert gla.map_kind == profile_data.MAP_RETURNED
    assert sorted(gla.map_values["gss_code"]) == [BARNET, BRENT, CAMDEN, EALING]
    assert set(gla.map_values["value"]) == {profile_data.RETURNED}
    legend = profiles.profile_map(gla).axes[0].get_legend()
    assert [text.get_text() for text in legend.get_texts()][0] == "Returned the survey (4)"
    assert "did not return" in profiles.summary_markdown(gla)
    assert profiles.expiring_markdown(gla) == profiles.NO_RETURN_TEXT


def test_an_unknown_authority_is_refused(london):
    with pytest.raises(ValueError, match="E09000099"):
        profile_data.authority_profile(london, "E09000099")


def test_the_digest_changes_only_for_profiles_whose_page_changes(tmp_path):
    before = profile_data.profile_digests(context(write(tmp_path / "a")))
    assert before == profile_data.profile_digests(context(write(tmp_path / "b")))
    # Brent's EBS contract now ends in 2023: outside the windows, so Barnet, Camden and
    # Ealing lose Brent as a partner; the GLA's page (who returned) does not change.
    later = profile_data.profile_digests(
        context(write(tmp_path / "c", systems=systems_rows("2023-09-30")))
    )
    changed = sorted(code for code in before if before[code] != later[code])
    assert changed == [BARNET, BRENT, CAMDEN, EALING]
    # A satisfaction rating is shown on no profile: no digest changes.
    rated = systems_rows()
    rated[-1] = dict(rated[-1], satisfaction="2")
    assert profile_data.profile_digests(context(write(tmp_path / "d", systems=rated))) == before


def test_the_context_file_round_trips(london, tmp_path):
    path = profile_data.save_context(london, tmp_path / "context.pickle")
    again = profile_data.read_context(path)
    assert profile_data.profile_digest(
        profile_data.authority_profile(again, BARNET)
    ) == profile_data.profile_digest(profile_data.authority_profile(london, BARNET))
    (tmp_path / "other.pickle").write_bytes(__import__("pickle").dumps({"not": "context"}))
    with pytest.raises(TypeError):
        profile_data.read_context(tmp_path / "other.pickle")


def test_display_tables_use_readers_headings(london):
    barnet = profile_data.authority_profile(london, BARNET)
    suppliers = profiles.display_suppliers(barnet)
    assert list(suppliers.columns) == [
        "Supplier",
        "Systems",
        "Share of systems (%)",
        "Service areas",
    ]
    assert suppliers["Share of systems (%)"].tolist() == [66.7, 33.3]
    partners = profiles.display_partners(barnet)
    assert partners.loc[partners["Kind"] == "product", "Window"].tolist() == [
        "2020-03-31 to 2021-01-31"
    ]
    assert isinstance(profiles.display_maturity(barnet), pd.DataFrame)


def test_an_authority_known_only_from_its_register_shows_those_systems(tmp_path):
    register_only = system(
        "E61000001-00002",
        GLA,
        "GIS & Address",
        "ArcGIS",
        "Esri",
        contract_end="2020-12-31",
        annual_cost_gbp="1000",
    )
    gla = profile_data.authority_profile(
        context(write(tmp_path, systems=[*systems_rows(), register_only])), GLA
    )
    assert not gla.responded and gla.has_systems
    summary = profiles.summary_markdown(gla)
    assert "did not return" in summary and "contract register" in summary
    assert "**1 system** in 1 service area, from 1 supplier" in summary
    assert profiles.expiring_markdown(gla) != profiles.NO_RETURN_TEXT
    assert "1 contract end within" in profiles.expiring_markdown(gla)
    # On the who-returned map it is known from its register, not "not returned".
    categories = dict(zip(gla.map_values["gss_code"], gla.map_values["value"]))
    assert categories[GLA] == profile_data.FROM_REGISTERS
    assert "known from contract registers" in profiles.map_alt_text(gla)
    # skills and maturity come only from the survey
    assert profiles.skills_markdown(gla) == profiles.NO_RETURN_TEXT
