"""Two hand-made rounds compared: the change figures, the rules they feed, and a profile's changes.

Round 2019: Barnet, Brent and Camden run Oracle E-Business Suite on contracts ending within
twelve months of each other (two joint-procurement opportunities: the product, and the Finance
service area of the same contracts); Ealing runs SAP. Round 2021:
Barnet replaced EBS by SAP (switched product), Brent renewed EBS to 2024 with Oracle (renewed),
Ealing's SAP continued, Camden did not answer (not observed), and the GLA answered 2021 only.
Worked by hand: 3 systems seen in both rounds, 1 switched; 2 contracts let again, 1 back to the
incumbent; both opportunities were missed (their authorities went apart).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from fixtures_processed import (  # noqa: E402
    BARNET,
    BRENT,
    CAMDEN,
    EALING,
    GLA,
    surveyed_system,
    write_round_release,
)

from citytools_analysis.metrics import profiles as profile_data  # noqa: E402
from citytools_analysis.metrics import recommendations as rules  # noqa: E402
from citytools_analysis.metrics.round_comparison import (  # noqa: E402
    authority_changes,
    change_evidence,
    compare_releases,
)
from citytools_analysis.report import profiles, rounds_chapter  # noqa: E402

EBS = "Oracle E-Business Suite"
LEVELS = {0: "None", 1: "Awareness", 2: "Working", 3: "Practitioner", 4: "Expert"}


@pytest.fixture()
def comparison(tmp_path):
    earlier = write_round_release(
        tmp_path / "2019",
        "2019",
        date(2019, 9, 30),
        [
            surveyed_system("E09000003-00002", BARNET, EBS, "Oracle", "2020-03-31"),
            surveyed_system("E09000005-00002", BRENT, EBS, "Oracle", "2020-09-30"),
            surveyed_system("E09000007-00002", CAMDEN, EBS, "Oracle", "2021-01-31"),
            surveyed_system("E09000009-00002", EALING, "SAP ECC", "SAP", "2023-06-30"),
        ],
        {BARNET, BRENT, CAMDEN, EALING},
    )
    later = write_round_release(
        tmp_path / "2021",
        "2021",
        date(2021, 9, 30),
        [
            surveyed_system("E09000003-00002", BARNET, "SAP ECC", "SAP", "2026-03-31"),
            surveyed_system("E09000005-00002", BRENT, EBS, "Oracle", "2024-09-30"),
            surveyed_system("E09000009-00002", EALING, "SAP ECC", "SAP", "2023-06-30"),
            surveyed_system("E61000001-00002", GLA, "SAP ECC", "SAP", "2025-03-31"),
        ],
        {BARNET, BRENT, EALING, GLA},
    )
    return compare_releases(earlier, later, window_months=12, min_authorities=3, horizon_years=3)


def test_the_hand_worked_change_figures(comparison):
    found = change_evidence(comparison)
    assert (found.earlier_round, found.later_round) == ("2019", "2021")
    assert (found.matched, found.switched) == (3, 1)
    assert (found.relet, found.relet_to_incumbent) == (2, 1)
    assert found.switch_rate == pytest.approx(1 / 3) and found.incumbent_rate == 0.5
    # Camden answered 2019 only and the GLA 2021 only: neither is retired nor new.
    assert found.not_observed == 2
    assert set(comparison.changes["change"]) == {
        "switched_product",
        "renewed",
        "continued",
        "not_observed",
    }
    assert (found.opportunities, found.realised, found.missed, found.still_to_come) == (2, 0, 2, 0)
    assert set(comparison.outcomes["kind"]) == {"product", "service_area"}
    assert set(comparison.outcomes["outcome"]) == {"switched apart"}
    assert found.new_entrant_wins == 0  # SAP was already run by Ealing in 2019


def test_one_authoritys_changes(comparison):
    barnet = authority_changes(comparison, BARNET)
    assert list(barnet["change"]) == ["switched_product"]
    assert (barnet.iloc[0]["product_before"], barnet.iloc[0]["product_after"]) == (EBS, "SAP ECC")
    assert authority_changes(comparison, "E09000001").empty


def test_the_summary_paragraph_quotes_the_figures(comparison):
    text = rounds_chapter.summary_paragraph(change_evidence(comparison))
    assert text.startswith(
        "Since round 2019, 1 of the 3 systems seen in both rounds (33%) changed supplier or "
        "product, and 1 of the 2 contracts let again (50%) went back to the incumbent."
    )
    assert "Of the 2 joint-procurement opportunities round 2019 showed, 0 were realised" in text
    assert "New entrants" not in text
    assert rounds_chapter.summary_paragraph(None) == rounds_chapter.NO_PREVIOUS_ROUND


def test_a_missed_opportunity_is_evidence_for_loti(comparison):
    found = change_evidence(comparison)
    [missed] = rules.learn_from_missed_opportunities(found)
    assert missed.audience == rules.LOTI
    assert missed.text.startswith(
        "Of the 2 joint-procurement opportunities round 2019 showed, 0 were realised together "
        "and 2 were missed"
    )
    assert missed.evidence["missed"] == 2 and missed.link == rules.LINKS["opportunity_outcomes"]
    assert rules.learn_from_missed_opportunities(None) == []
    assert rules.learn_from_missed_opportunities(replace(found, missed=0)) == []
    [one] = rules.learn_from_missed_opportunities(replace(found, opportunities=1, missed=1))
    assert "Of the 1 joint-procurement opportunity round 2019 showed" in one.text
    assert "and 1 was missed" in one.text


def test_contested_relets_speak_to_suppliers(comparison):
    found = change_evidence(comparison)
    [contested] = rules.contest_relets(found)
    assert contested.audience == rules.SUPPLIERS
    assert "1 of the 2 contracts let again went to another supplier or product (50%)" in (
        contested.text
    )
    assert "new entrants" not in contested.text
    more = rules.contest_relets(replace(found, new_entrant_wins=3))[0]
    assert "new entrants won 3 systems" in more.text
    assert rules.contest_relets(replace(found, relet=0, relet_to_incumbent=0)) == []


def _profile(comparison, later_dir: Path, code: str):
    data = profile_data.load_processed(later_dir)
    london = profile_data.london_context(
        data, source="test", skill_levels=LEVELS, comparison=comparison
    )
    return profile_data.authority_profile(london, code)


def test_profiles_show_changes_and_never_call_the_unobserved_retired(comparison, tmp_path):
    later = tmp_path / "2021"
    barnet = _profile(comparison, later, BARNET)
    assert profiles.changes_markdown(barnet) == "Since round 2019: 1 system switched product."
    table = profiles.display_changes(barnet)
    assert list(table["Change"]) == ["Switched product"]
    assert list(table["Product now"]) == ["SAP ECC"]
    ealing = _profile(comparison, later, EALING)
    assert profiles.display_changes(ealing).empty  # continued systems are not listed
    assert profiles.changes_section(ealing).table is None
    camden = _profile(comparison, later, CAMDEN)
    text = profiles.changes_markdown(camden)
    assert "answered only round 2019" in text and "no system is called retired" in text
    gla = _profile(comparison, later, GLA)
    assert "answered only this round" in profiles.changes_markdown(gla)
    first_round = _profile(None, later, BARNET)
    assert "first survey round" in profiles.changes_markdown(first_round)
    assert profiles.display_changes(first_round).empty


def test_the_profile_digest_follows_the_changes(comparison, tmp_path):
    later = tmp_path / "2021"
    with_changes = profile_data.profile_digest(_profile(comparison, later, BARNET))
    without = profile_data.profile_digest(_profile(None, later, BARNET))
    assert with_changes != without


def test_the_api_document_carries_the_changes_and_matches_its_schema(comparison, tmp_path):
    import jsonschema

    from citytools_analysis.report import api, api_schema

    data = profile_data.load_processed(tmp_path / "2021")
    london = profile_data.london_context(
        data, source="test", skill_levels=LEVELS, comparison=comparison
    )
    slugs = api.ApiSlugs(london)
    schema = api_schema.document_schemas()["authority"]
    barnet = api.authority_document(london, BARNET, slugs)
    jsonschema.validate(barnet, schema)
    changes = barnet["changes_since_previous_round"]
    assert changes["previous_round"] == "2019" and changes["answered_previous_round"]
    assert [c["change"] for c in changes["changes"]] == ["switched_product"]
    camden = api.authority_document(london, CAMDEN, slugs)
    jsonschema.validate(camden, schema)
    assert camden["changes_since_previous_round"]["changes"] == []  # not observed, not retired
    alone = profile_data.london_context(data, source="test", skill_levels=LEVELS)
    document = api.authority_document(alone, BARNET, api.ApiSlugs(alone))
    jsonschema.validate(document, schema)
    assert document["changes_since_previous_round"] is None
