"""The executive summary's and the recommendations chapter's sections, on the committed release."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.metrics import recommendations as rules  # noqa: E402
from citytools_analysis.report import rounds_chapter, summary_chapter  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


@pytest.fixture(scope="module")
def evidence(chapter):
    return rounds_chapter.chapter_evidence(chapter)


def test_the_opening_counts_systems_and_respondents(chapter):
    text = summary_chapter.opening(chapter).text
    assert text.startswith("This edition is built for survey round **2021** (synthetic)")
    assert f"**{chapter.found.counts['systems']:,} systems**" in text
    assert chapter.found.as_of.strftime("%Y") in text


def test_the_market_chart_shows_the_largest_suppliers(chapter):
    section = summary_chapter.market(chapter)
    shares = chapter.found.supplier_shares
    assert f"{shares.iloc[0]['supplier']} is largest" in section.alt
    bars = section.figure.axes[0].patches
    assert len(bars) == min(summary_chapter.SUMMARY_SUPPLIERS, len(shares))
    assert section.source.startswith("City Tools: London survey")


def test_the_expiry_chart_counts_the_contracts_in_the_horizon(chapter):
    section = summary_chapter.contracts_coming_up(chapter)
    assert f"the {chapter.found.renewal.systems:,} contracts ending" in section.alt
    assert section.figure.axes[0].get_title(loc="left") or section.figure.axes[0].get_title()


def test_the_change_paragraph_quotes_the_previous_round(evidence):
    text = summary_chapter.changes_since_last_round(evidence).text
    assert text.startswith(f"Since round {evidence.earlier_round}, {evidence.switched} of the")
    assert f"{evidence.missed} were missed" in text


def test_change_evidence_adds_its_rules(chapter, evidence):
    with_changes = summary_chapter.recommendation_groups(chapter, evidence)
    without = summary_chapter.recommendation_groups(chapter, None)
    links = {group.link for group in with_changes} - {group.link for group in without}
    assert rules.LINKS["opportunity_outcomes"] in links
    total = sum(group.total for group in with_changes)
    assert total == sum(group.total for group in without) + len(links)
    counts = summary_chapter.recommendation_counts(chapter, evidence).text
    assert f"**{total} recommendations**" in counts


def test_each_audience_gets_its_recommendations_or_a_sentence(chapter, evidence):
    groups = summary_chapter.recommendation_groups(chapter, evidence)
    loti = summary_chapter.for_audience(chapter, groups, rules.LOTI)
    assert "realised together" in loti.html and not loti.text
    nobody = summary_chapter.for_audience(chapter, [], rules.GOVERNMENT)
    assert nobody.text == "No recommendation for central government." and not nobody.html
