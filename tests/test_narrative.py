"""Tests for the key-findings sentences: the numbers come from the data and the parameters."""

from __future__ import annotations

from datetime import date

import pandas as pd
from fixtures_processed import AUTHORITIES, BARNET, BRENT, CAMDEN, EALING, load_fixture, system

from citytools_analysis.metrics import contracts, skills
from citytools_analysis.metrics import recommendations as rec
from citytools_analysis.metrics.findings import collect_findings
from citytools_analysis.report import narrative

CODES = [BARNET, BRENT, CAMDEN, EALING]
NAMES = {BARNET: "Barnet", BRENT: "Brent", CAMDEN: "Camden", EALING: "Ealing"}


def planning(ends: list[str], supplier: str = "Idox") -> list[dict]:
    """One Uniform system per borough, £100,000 a year, ending on the given dates."""
    return [
        system(
            f"{code}-00003",
            code,
            "Planning & Building Control",
            "Uniform",
            supplier,
            contract_end=end,
            annual_cost_gbp="100000",
            satisfaction="4",
        )
        for code, end in zip(CODES, ends)
    ]


ENDS = ["2020-03-31", "2020-06-30", "2021-06-30", "2022-03-31"]


def test_long_date_and_plural():
    assert narrative.long_date(date(2019, 9, 30)) == "30 September 2019"
    assert narrative.plural(1, "authority", "authorities") == "1 authority"
    assert narrative.plural(1200, "system") == "1,200 systems"


def test_as_of_sentence_states_the_parameters(tmp_path):
    found = collect_findings(
        load_fixture(tmp_path, systems=planning(ENDS)),
        as_of="2020-01-15",
        horizon_years=2,
        window_months=6,
        min_authorities=4,
    )
    text = narrative.as_of_sentence(found)
    assert "**15 January 2020**" in text
    assert "2 years" in text and "6 months" in text and "4 authorities" in text


def _expiry(tmp_path, **kwargs) -> str:
    data = load_fixture(tmp_path, systems=planning(ENDS))
    found = collect_findings(data, **kwargs)
    pipeline = contracts.expiry_pipeline(data.systems, found.as_of, found.horizon_years, by=None)
    return narrative.expiry(found, pipeline)


def test_expiry_sentence_follows_the_horizon(tmp_path):
    # Snapshot 2019-10-01. One year: the ends of 31 March and 30 June 2020 (2 contracts,
    # £200k); three years: all four (£400k). The first quarter, 2020 Q1, has one.
    one = _expiry(tmp_path / "a", horizon_years=1)
    assert one.startswith("**2 contracts** end between 1 October 2019 and 30 September 2020")
    assert "**£200k**" in one and "known for 2 of them" in one
    three = _expiry(tmp_path / "b", horizon_years=3)
    assert three.startswith("**4 contracts** end between 1 October 2019 and 30 September 2022")
    assert "**£400k**" in three
    assert "The busiest quarter is 2020 Q1, with 1 contract ending" in three
    assert "0 contracts roll on" in three and "0 of 4 have no known end" in three


def test_expiry_sentence_follows_as_of(tmp_path):
    later = _expiry(tmp_path, as_of="2020-04-01", horizon_years=1)
    assert later.startswith("**1 contract** end between 1 April 2020 and 31 March 2021")


def test_market_sentence_counts_suppliers(tmp_path):
    systems = planning(ENDS) + [
        system(f"{BARNET}-00009", BARNET, "Finance", "Oracle EBS", "Oracle")
    ]
    found = collect_findings(load_fixture(tmp_path, systems=systems))
    text = narrative.market(found, min_systems=1)
    # Idox 4 of 5 systems (80%) at 4 authorities; both service areas have one supplier.
    assert text.startswith("The 2 largest suppliers hold **100%** of the 5 systems")
    assert "Idox, holds 80% (4 systems at 4 authorities)" in text
    assert "2 of 2 service areas are highly concentrated" in text


def test_collaboration_sentence_follows_the_window(tmp_path):
    data = load_fixture(tmp_path, systems=planning(ENDS))
    shared = pd.DataFrame(columns=["product", "authorities"])
    wide = narrative.collaboration(collect_findings(data, window_months=36), shared)
    assert (
        "The widest is Uniform: 4 authorities, with contracts ending between 31 March 2020 and 31 March 2022"
        in wide
    )
    middle = narrative.collaboration(collect_findings(data, window_months=18), shared)
    # Eighteen months from 31 March 2020 (to 30 September 2021) hold the first three ends.
    assert (
        "The widest is Uniform: 3 authorities, with contracts ending between 31 March 2020 and 30 June 2021"
        in middle
    )
    # Twelve months hold two ends at most: no opportunity.
    narrow = narrative.collaboration(collect_findings(data, window_months=12), shared)
    assert "No 12-month window holds contract ends of 3 or more authorities." in narrow


def test_skills_sentence_counts_matches(tmp_path):
    rows = [
        {"gss_code": BARNET, "skill_area": "Data analysis", "level": "4", "can_support": "true"},
        {"gss_code": BRENT, "skill_area": "Data analysis", "level": "1", "can_support": "false"},
        {"gss_code": CAMDEN, "skill_area": "Data analysis", "level": "0", "can_support": "false"},
    ]
    data = load_fixture(tmp_path, skills=rows)
    text = narrative.skills(
        skills.skill_gaps(data.skills), skills.peer_support_matches(data.skills), 3
    )
    assert "The widest gap is Data analysis: 2 of 3 authorities" in text
    assert "**2 peer-support matches** in 1 skill area, between 1 mentor and 2 learners" in text


def test_recommendations_html_shows_evidence_links_and_counts_the_rest():
    items = [
        rec.Recommendation(
            rec.BOROUGHS,
            f"{n}: procure <together>.",
            {"authorities": CODES[: 3 + (n == "A")], "annual_cost_gbp": 1_500_000},
            rec.LINKS["joint_procurement"],
        )
        for n in "ABC"
    ]
    groups = rec.shortlist(items, limit=1)
    html = narrative.recommendations_html(groups, NAMES)
    assert "A: procure &lt;together&gt;." in html and "B: procure" not in html
    # The evidence is a small table of readers' labels and values, never a key dump.
    assert "<caption>Evidence</caption>" in html
    assert (
        '<tr><th scope="row">Authorities</th><td>4: Barnet, Brent, Camden, Ealing</td></tr>' in html
    )
    assert '<th scope="row">Combined annual cost</th><td>£1,500,000</td>' in html
    assert "annual_cost_gbp" not in html and "kind:" not in html
    # The link says where it goes.
    assert (
        f'See <a href="{rec.LINKS["joint_procurement"]}">Joint procurement, in '
        f"Collaboration</a>." in html
    )
    assert "and 2 more of this kind (3 in all)" in html
    assert narrative.recommendation_counts(groups) == (
        "The rules make **3 recommendations**: 3 for boroughs."
    )


def _with_registers(tmp_path):
    """Barnet and Brent responded (Brent's Uniform matched to its register); Camden did
    not, and its register gave one Uniform system."""
    rows = planning(ENDS[:3])
    rows[0]["source"], rows[1]["source"] = "survey", "both"
    rows[2] = {
        **rows[2],
        "record_id": f"{CAMDEN}-R00004",
        "source": "register",
        "source_file": "cmd_contracts.csv",
        "source_row": "4",
        "satisfaction": "",
    }
    authorities = [
        {**row, "responded": "false"} if row["gss_code"] == CAMDEN else row for row in AUTHORITIES
    ]
    return load_fixture(tmp_path, systems=rows, authorities=authorities)


def test_sentences_say_when_registers_add_systems(tmp_path):
    data = _with_registers(tmp_path)
    found = collect_findings(data)
    assert narrative.system_sources(found.counts) == (
        "Of these 3 systems, 2 come from the survey returns (1 of them matched to a row of "
        "the authority's contract register) and 1 only from the contract registers of the "
        "1 authority that did not respond."
    )
    note = (
        "include 1 system known only from the contract registers of the 1 authority "
        "that did not respond, beside the survey's 2 systems."
    )
    assert narrative.market(found).endswith("These shares " + note)
    pipeline = contracts.expiry_pipeline(data.systems, found.as_of, 3, by=None)
    assert narrative.expiry(found, pipeline).endswith(
        "The contracts counted here " + note.replace("1 system known", "1 contract known")
    )


def test_sentences_of_a_survey_only_release_say_nothing_of_registers(tmp_path):
    found = collect_findings(load_fixture(tmp_path, systems=planning(ENDS)))
    assert narrative.system_sources(found.counts) == ""
    assert "register" not in narrative.market(found)


def test_coverage_sentence_counts_authorities_sources_and_register_rows():
    covered = {"authorities": 4, "survey": 2, "registers": 1, "none": 1}
    sources = {
        "systems": 6,
        "survey_systems": 4,
        "matched_systems": 2,
        "register_systems": 2,
        "register_authorities": 1,
    }
    outcomes = pd.DataFrame(
        {
            "outcome": ["matched", "added", "unplaced", "not_it"],
            "responded": [2, 0, 1, 1],
            "registers_only": [0, 2, 1, 1],
            "rows": [2, 2, 2, 2],
        }
    )
    known = pd.DataFrame(
        {
            "field": ["satisfaction", "hosting", "contract_end"],
            "survey": [0.5, 0.5, 0.5],
            "both": [1.0, 0.5, 0.5],
            "register": [0.0, 0.0, 1.0],
        }
    )
    text = narrative.coverage(covered, sources, outcomes, known, ["Gamma"])
    first, second, third = text.split("\n\n")
    assert first == (
        "**2** of London's 4 local authorities returned the survey. For 1 other "
        "authority (Gamma), the contract registers they publish stand in: they "
        "give **2 systems** that the survey does not have. 1 authority is covered "
        "by neither."
    )
    # 4 survey systems, 2 of them matched: 2 from the survey alone.
    assert second.startswith(
        "Of the 6 systems in this release, the survey alone gives 2, "
        "the survey and a matching register row 2 ("
    )
    assert second.endswith("and registers alone 2.")
    # contract_end is known for register systems, so it is not named as unknown.
    assert "has a satisfaction rating or a hosting model, so" in third
    assert (
        "Of the 8 contract-register rows, 6 were classed as IT: 2 matched a survey system, "
        "2 became systems of their own, and **2** could not be placed (1 at authorities "
        "that responded"
    ) in third
    assert third.endswith("2 were not IT.")
    # contracts that are history or another contract of a counted system are said apart
    outcomes = pd.DataFrame(
        {
            "outcome": [
                "matched",
                "added",
                "same_system",
                "ended_before_snapshot",
                "unplaced",
                "not_it",
            ],
            "responded": [2, 0, 0, 1, 1, 1],
            "registers_only": [0, 2, 3, 0, 1, 1],
            "rows": [2, 2, 3, 1, 2, 2],
        }
    )
    third = narrative.coverage(covered, sources, outcomes, known, ["Gamma"]).split("\n\n")[2]
    assert (
        "2 became systems of their own, 3 were other contracts of a system already counted "
        "(an earlier let, an extension, a renewal), 1 had ended before the snapshot date "
        "with no later contract for the product, so it is history, and **2** could not be "
        "placed"
    ) in third


def test_names_from_the_data_are_text_in_markdown() -> None:
    from citytools_analysis.report.narrative import md

    assert md("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md("Acme_Cloud *Pro*") == r"Acme\_Cloud \*Pro\*"
    assert md("Civica Pay (ICON)") == "Civica Pay (ICON)"


def test_evidence_reads_as_words_years_money_and_one_date():
    evidence = {
        "kind": "service_area",
        "name": "Finance",
        "authorities": CODES[:3],
        "systems": 3,
        "first_end": "2020-03-31",
        "last_end": "2020-03-31",
        "annual_cost_gbp": None,
        "until_year": 2022,
        "share": 0.625,
        "link": "05_collaboration.html#joint-procurement",
    }
    rows = dict(narrative.evidence_rows(evidence, NAMES))
    assert rows == {
        "Opportunity for": "a service area",
        "Name": "Finance",
        "Authorities": "3: Barnet, Brent, Camden",
        "Systems": "3",
        "Contracts end": "on 31 March 2020",
        "Combined annual cost": "not stated",
        "Replacement planned by": "2022",
        "Share": "62%",
    }
    assert narrative.evidence_text(evidence, NAMES).startswith("Opportunity for: a service area;")
    assert narrative.link_description("06_satisfaction.html#under-performance-clusters") == (
        "Under performance clusters, in Satisfaction"
    )


def test_definitions_name_no_parameter():
    for text in (
        narrative.shared_definition(3),
        narrative.opportunity_definition(3, 12),
        narrative.cluster_definition(3),
    ):
        assert "min_authorities" not in text and "window_months" not in text
    assert "at least three authorities" in narrative.shared_definition(3)
    assert "three or more authorities end within twelve months of each other" in (
        narrative.opportunity_definition(3, 12)
    )
    assert narrative.in_words(21) == "21"
