"""Tests for the recommendation rules: they fire on the numbers, and stop when data change."""

from __future__ import annotations

from datetime import date

import pandas as pd
from fixtures_processed import BARNET, BRENT, CAMDEN, EALING, load_fixture, system

from citytools_analysis.metrics import recommendations as rec
from citytools_analysis.metrics.contracts import RenewalCost
from citytools_analysis.metrics.findings import collect_findings
from citytools_analysis.metrics.satisfaction import Correlation

EBS = "Oracle E-Business Suite"
CHAPTERS = (
    "03_market_and_suppliers",
    "04_contracts_and_expiry",
    "05_collaboration",
    "06_satisfaction",
    "07_skills_and_peer_support",
    "08_digital_maturity",
    "09_interoperability_and_hosting",
    "10_recommendations",
    "13_changes_since_last_round",
)


def finance(ends: list[str]) -> list[dict]:
    """Four Oracle EBS systems, £300,000 a year each, ending on the given dates."""
    codes = [BARNET, BRENT, CAMDEN, EALING]
    return [
        system(
            f"{code}-00002",
            code,
            "Finance",
            EBS,
            "Oracle",
            contract_end=end,
            annual_cost_gbp="300000",
            system_type="Corporate",
        )
        for code, end in zip(codes, ends)
    ]


ENDS = ["2020-03-31", "2020-06-30", "2020-09-30", "2021-01-31"]


def boroughs_text(tmp_path, ends, **kwargs) -> list[str]:
    findings = collect_findings(load_fixture(tmp_path, systems=finance(ends)), **kwargs)
    return [r.text for r in rec.recommend(findings) if r.audience == rec.BOROUGHS]


def test_format_gbp():
    assert rec.format_gbp(1_200_000) == "£1.2m"
    assert rec.format_gbp(450_000) == "£450k"
    assert rec.format_gbp(900) == "£900"


def test_links_point_at_the_chapters():
    for target in rec.LINKS.values():
        page, anchor = target.split(".html#")
        assert page in CHAPTERS and anchor


def test_joint_procurement_rule_composes_its_sentence(tmp_path):
    texts = boroughs_text(tmp_path, ENDS)
    # The Finance service-area opportunity has the same four contracts: said once.
    assert texts == [
        "Finance: 4 authorities (Barnet, Brent, Camden, Ealing) have contracts for Oracle "
        "E-Business Suite ending between 2020-03-31 and 2021-01-31, combined annual cost "
        "£1.2m: procure together."
    ]


def test_moving_one_end_outside_the_window_changes_the_numbers(tmp_path):
    texts = boroughs_text(tmp_path, ENDS[:3] + ["2021-06-30"])
    assert texts[0] == (
        "Finance: 3 authorities (Barnet, Brent, Camden) have contracts for Oracle "
        "E-Business Suite ending between 2020-03-31 and 2020-09-30, combined annual cost "
        "£900k: procure together."
    )


def test_the_rule_stops_firing_below_min_authorities(tmp_path):
    assert boroughs_text(tmp_path, ["2020-03-31", "2020-06-30", "2022-01-31", "2023-01-31"]) == []
    assert boroughs_text(tmp_path / "b", ENDS, min_authorities=5) == []


def test_as_of_after_the_ends_stops_it(tmp_path):
    assert boroughs_text(tmp_path, ENDS, as_of=date(2020, 4, 1))[0].startswith(
        "Finance: 3 authorities (Brent, Camden, Ealing)"
    )


def test_scale_nationally_needs_more_than_half():
    fired = rec.scale_nationally(0.56, n=10)
    assert fired[0].audience == rec.GOVERNMENT
    assert "The 10 largest suppliers hold 56% of London's systems" in fired[0].text
    assert fired[0].evidence == {"top_n": 10, "share": 0.56}
    assert rec.scale_nationally(0.5, n=10) == []
    assert rec.scale_nationally(0.56, n=10, min_share=0.6) == []


def test_fewer_suppliers_needs_a_significant_negative_rho():
    fired = rec.fewer_suppliers(Correlation(-0.45, 0.012, 21))
    assert "rho -0.45, p = 0.012, n = 21" in fired[0].text
    assert rec.fewer_suppliers(Correlation(-0.45, 0.2, 21)) == []
    tiny = rec.fewer_suppliers(Correlation(-0.79, 0.0000123, 22))[0]
    assert "rho -0.79, p < 0.001, n = 22" in tiny.text
    assert tiny.evidence["p"] == 1.23e-05
    assert rec.fewer_suppliers(Correlation(0.45, 0.01, 21)) == []
    assert rec.fewer_suppliers(Correlation(float("nan"), float("nan"), 2)) == []


def test_openings_for_entrants_lists_concentrated_areas():
    table = pd.DataFrame(
        {
            "service_area": ["Adult Social Care", "Revenues & Benefits", "Housing", "Parking"],
            "systems": [10, 20, 12, 2],
            "suppliers": [2, 3, 6, 1],
            "hhi": [6800.0, 4200.0, 1800.0, 10000.0],
            "top": ["a", "b", "c", "d"],
            "top_share": [0.8, 0.6, 0.3, 1.0],
        }
    )
    fired = rec.openings_for_entrants(table)
    assert fired[0].text.startswith(
        "2 service areas are highly concentrated (HHI at least 2,500): Adult Social Care "
        "(HHI 6,800, 2 suppliers); Revenues & Benefits (HHI 4,200, 3 suppliers)"
    )
    assert list(fired[0].evidence["service_areas"]) == ["Adult Social Care", "Revenues & Benefits"]
    assert rec.openings_for_entrants(table, min_hhi=7000) == []


def test_improve_satisfaction_names_low_rated_suppliers():
    ratings = pd.DataFrame(
        {
            "supplier": ["Alpha", "Beta", "Gamma"],
            "systems": [5, 4, 2],
            "authorities": [4, 3, 2],
            "rated_satisfaction": [5, 4, 2],
            "mean_satisfaction": [3.0, 2.25, 1.0],
            "rated_value_for_money": [0, 0, 0],
            "mean_value_for_money": [None, None, None],
        }
    )
    fired = rec.improve_satisfaction(ratings)
    assert [r.evidence["supplier"] for r in fired] == ["Beta"]  # Gamma: only 2 rated
    assert fired[0].text.startswith(
        "Beta: mean satisfaction 2.2 out of 5 over 4 rated systems at 3 authorities"
    )
    assert len(rec.improve_satisfaction(ratings, min_rated=2)) == 2


def test_keep_data_current_and_publish_pipeline():
    totals = pd.DataFrame([{"systems": 20, "rolling": 1, "unknown": 3}])
    fired = rec.keep_data_current(totals)
    assert fired[0].text.startswith("3 of 20 systems (15%) have no known contract end date")
    assert rec.keep_data_current(totals, max_unknown_share=0.15) == []
    renewal = RenewalCost(date(2019, 10, 1), date(2022, 10, 1), 12, 10, 2_500_000.0)
    text = rec.publish_pipeline(renewal, totals)[0].text
    assert text.startswith(
        "12 systems (£2.5m a year, known for 10 of them) have contracts "
        "ending between 2019-10-01 and 2022-10-01 (besides, rolling "
        "contracts: 1; no known end: 3)"
    )
    assert rec.publish_pipeline(renewal, totals, min_systems=13) == []


def test_peer_support_rules(tmp_path):
    names = {BARNET: "Barnet", BRENT: "Brent", CAMDEN: "Camden"}
    matches = pd.DataFrame(
        {
            "skill_area": ["Cyber security"] * 2,
            "mentor": [BRENT, BRENT],
            "learner": [BARNET, CAMDEN],
            "mentor_level": [4, 4],
            "learner_level": [1, 0],
        }
    )
    ask = rec.ask_peers(matches, names)
    assert ask[0].text.startswith(
        "Cyber security: 1 authority able and willing to support "
        "others (Brent) and 2 with little or no capability "
        "(Barnet, Camden)"
    )
    broker = rec.broker_peer_support(matches)
    assert broker[0].audience == rec.LOTI
    assert broker[0].evidence["matches"] == 2
    assert rec.broker_peer_support(matches, min_matches=3) == []
    assert rec.ask_peers(matches.iloc[0:0], names) == []


def test_underperformance_rule(tmp_path):
    names = {BARNET: "Barnet", BRENT: "Brent", CAMDEN: "Camden"}
    clusters = pd.DataFrame(
        [
            {
                "service_area": "Housing",
                "authorities": 3,
                "rated_authorities": 5,
                "gss_codes": (BARNET, BRENT, CAMDEN),
                "products": ("Cx",),
            }
        ]
    )
    fired = rec.act_on_underperformance(clusters, names)
    assert fired[0].text.startswith(
        "Housing: 3 of the 5 authorities rating their systems give "
        "them poor or very poor satisfaction (Barnet, Brent, Camden)"
    )
    assert rec.act_on_underperformance(clusters, names, min_authorities=4) == []


def test_recommend_orders_by_audience_and_links_every_item(tmp_path):
    rows = finance(ENDS) + [
        system("E09000009-00003", EALING, "Housing", "Cx", "Civica", contract_end_status="unknown")
    ]
    findings = collect_findings(load_fixture(tmp_path, systems=rows))
    items = rec.recommend(findings)
    audiences = [r.audience for r in items]
    assert audiences == sorted(audiences, key=rec.AUDIENCES.index)
    assert set(audiences) == {rec.BOROUGHS, rec.LOTI, rec.SUPPLIERS, rec.GOVERNMENT}
    assert all(r.link in rec.LINKS.values() for r in items)
    as_json = items[0].as_dict()
    assert list(as_json) == ["audience", "text", "evidence"]
    assert as_json["evidence"]["link"] == rec.LINKS["joint_procurement"]


def test_procure_together_with_one_end_date_and_partial_costs():
    opportunities = pd.DataFrame(
        [
            {
                "kind": "service_area",
                "name": "Housing",
                "service_area": "Housing",
                "authorities": 1,
                "gss_codes": (CAMDEN,),
                "record_ids": ("E09000007-00002", "E09000007-00003"),
                "first_end": pd.Timestamp("2021-03-31"),
                "last_end": pd.Timestamp("2021-03-31"),
                "systems": 2,
                "costed_systems": 1,
                "annual_cost_gbp": 85_000.0,
            }
        ]
    )
    fired = rec.procure_together(opportunities, {CAMDEN: "Camden"}, min_authorities=1)
    assert fired[0].text == (
        "Housing: 1 authority (Camden) have Housing contracts ending on 2021-03-31, combined "
        "annual cost £85k (known for 1 of 2 systems): procure together."
    )
    assert rec.procure_together(opportunities, {CAMDEN: "Camden"}) == []


def _joint(name: str, codes: list[str], cost: float | None) -> rec.Recommendation:
    return rec.Recommendation(
        rec.BOROUGHS,
        f"{name}: procure together.",
        {"authorities": codes, "annual_cost_gbp": cost},
        rec.LINKS["joint_procurement"],
    )


def test_shortlist_keeps_the_widest_then_costliest_and_counts_the_rest():
    small = _joint("A", [BARNET, BRENT, CAMDEN], 900_000)
    wide = _joint("B", [BARNET, BRENT, CAMDEN, EALING], 100)
    cheap = _joint("C", [BARNET, BRENT, CAMDEN], None)
    dear = _joint("D", [BARNET, BRENT, EALING], 2_000_000)
    pipeline = rec.Recommendation(
        rec.LOTI, "Publish.", {"systems": 4}, rec.LINKS["expiry_pipeline"]
    )
    groups = rec.shortlist([small, wide, cheap, dear, pipeline], limit=2)
    assert [(g.audience, g.link) for g in groups] == [
        (rec.BOROUGHS, rec.LINKS["joint_procurement"]),
        (rec.LOTI, rec.LINKS["expiry_pipeline"]),
    ]
    # Four authorities first, then the £2m three-authority one; A and C are counted.
    assert [item.text[0] for item in groups[0].shown] == ["B", "D"]
    assert groups[0].more == 2 and groups[0].total == 4
    assert groups[1].shown == (pipeline,) and groups[1].more == 0


def test_shortlist_with_a_larger_limit_shows_everything():
    items = [_joint(name, [BARNET, BRENT, CAMDEN], None) for name in "XYZ"]
    (group,) = rec.shortlist(items, limit=5)
    assert [item.text[0] for item in group.shown] == ["X", "Y", "Z"] and group.more == 0
