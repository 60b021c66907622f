"""The change chapter's sections on the committed rounds: each with its numbers, figure and source."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR, RELEASES_DIR  # noqa: E402
from citytools_analysis.metrics import changes  # noqa: E402
from citytools_analysis.report import rounds_chapter  # noqa: E402


@pytest.fixture(scope="module")
def comparison():
    return rounds_chapter.open_comparison(PROCESSED_DIR)


def test_the_book_compares_its_round_with_the_one_before(comparison):
    assert (comparison.earlier_round, comparison.later_round) == ("2019", "2021")
    assert "data/releases/2019/systems.csv and data/processed/systems.csv" in comparison.source
    explicit = rounds_chapter.open_comparison(PROCESSED_DIR, RELEASES_DIR / "2019")
    assert explicit.changes.equals(comparison.changes)


def test_the_summary_counts_every_change(comparison):
    section = rounds_chapter.summary(comparison)
    counts = changes.change_counts(comparison.changes)
    assert section.table["Systems"].sum() == len(comparison.changes) == counts.sum()
    assert section.text.startswith("Between round 2019 and round 2021,")


def test_the_area_chart_names_the_area_that_changed_most(comparison):
    section = rounds_chapter.switching_by_area(comparison)
    top = changes.switching_by_area(comparison.changes).iloc[0]
    assert f"{top['service_area']} changed most" in section.alt
    axis = section.figure.axes[0]
    assert axis.get_ylabel().startswith("Service area") and section.source == comparison.source


def test_winners_and_losers_show_at_most_the_configured_suppliers(comparison):
    section = rounds_chapter.winners_and_losers(comparison)
    gains = changes.supplier_gains(comparison.changes)
    assert f"{gains.iloc[0]['supplier']} gained most" in section.alt
    [flows] = section.more
    assert len(flows) <= rounds_chapter.FLOWS_SHOWN
    assert list(flows.columns) == ["From (round 2019)", "To (round 2021)", "Systems"]


def test_the_tables_use_readers_headings(comparison):
    relets = rounds_chapter.relets(comparison).table
    assert list(relets.columns) == ["Contract let again", "Systems", "Share"]
    rated = rounds_chapter.satisfaction(comparison).table
    assert list(rated.columns)[:2] == ["Systems", "Rated in both rounds"]
    assert all(value.startswith(("+", "-")) for value in rated["Change"])
    entrants = rounds_chapter.new_entrants(comparison)
    wins = changes.new_entrant_wins(comparison.changes, comparison.earlier_systems)
    assert len(entrants.table) == len(wins)
    outcomes = rounds_chapter.opportunities(comparison)
    assert len(outcomes.table) == len(comparison.outcomes)
    assert set(outcomes.table["What happened"]) <= set(changes.OPPORTUNITY_OUTCOMES)


def test_without_a_previous_round_every_section_says_so():
    for build in (
        rounds_chapter.summary,
        rounds_chapter.switching_by_area,
        rounds_chapter.winners_and_losers,
        rounds_chapter.relets,
        rounds_chapter.new_entrants,
        rounds_chapter.satisfaction,
        rounds_chapter.opportunities,
    ):
        section = build(None)
        assert section.text == rounds_chapter.NO_PREVIOUS_ROUND and section.figure is None
    assert rounds_chapter.evidence(None) is None
