"""The coverage chapter's sections, checked against the committed release."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.metrics import spend  # noqa: E402
from citytools_analysis.report import coverage_chapter, narrative  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


def _responded(chapter):
    return chapter.data.authorities["responded"].astype("boolean").fillna(False).astype(bool)


def _register_only(chapter):
    systems = chapter.data.systems
    return systems[systems["source"] == "register"]


def test_the_key_findings_count_who_returned_the_survey(chapter):
    authorities = chapter.data.authorities
    text = coverage_chapter.key_findings(chapter).text
    assert (
        f"**{int(_responded(chapter).sum())}** of London's {len(authorities)} local "
        f"authorities returned the survey."
    ) in text
    assert text.endswith(narrative.as_of_sentence(chapter.found))


def test_the_map_names_the_authorities_known_from_registers_only(chapter):
    authorities = chapter.data.authorities
    codes = set(_register_only(chapter)["gss_code"]) - set(
        authorities.loc[_responded(chapter), "gss_code"]
    )
    names = sorted(authorities.loc[authorities["gss_code"].isin(codes), "short_name"])
    shown = coverage_chapter.who_is_covered(chapter)
    assert shown.figure.axes[0].get_title(loc="left") == (
        "Systems per authority, and where they come from"
    )
    assert f"Tile map of London's {len(authorities)} local authorities" in shown.alt
    assert f"{len(codes)} are known from their contract registers only" in shown.alt
    for name in names:
        assert name in shown.alt


def test_the_source_chart_counts_every_system(chapter):
    systems = chapter.data.systems
    shown = coverage_chapter.systems_by_source(chapter)
    axes = shown.figure.axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("Systems (count)", "Service area")
    assert f"of the {len(systems):,} systems in" in shown.alt
    assert f"{len(_register_only(chapter)):,} register only" in shown.alt
    assert "contract registers" in shown.source


def test_every_register_row_has_an_outcome(chapter):
    contracts = chapter.data.contracts
    shown = coverage_chapter.register_outcomes(chapter)
    assert f"of the {len(contracts):,} contract-register rows" in shown.alt
    assert shown.figure.axes[0].get_xlabel() == "Register rows (count)"
    (table,) = shown.more
    assert list(table.columns) == list(coverage_chapter.OUTCOME_COLUMNS.values())
    assert table["Rows"].sum() == len(contracts)
    assert table["Share (%)"].sum() == pytest.approx(100, abs=0.5)


def test_registers_never_tell_satisfaction(chapter):
    systems = chapter.data.systems
    shown = coverage_chapter.what_stays_unknown(chapter)
    table = shown.table.set_index("Value")
    survey = systems[systems["source"] == "survey"]
    rated = round(100 * survey["satisfaction"].notna().mean())
    assert table.loc["Satisfaction rating", "Survey only (%)"] == rated
    assert table.loc["Satisfaction rating", "Register only (%)"] == 0
    assert [part.text for part in shown.more][0].startswith("The chapters on satisfaction")


def test_spend_lists_the_authorities_that_did_not_respond(chapter):
    shown = coverage_chapter.spend_coverage(chapter)
    authorities = chapter.data.authorities
    assert shown.text.startswith(f"Of {len(authorities)} authorities, ")
    assert list(shown.table.columns) == list(coverage_chapter.ABSENT_COLUMNS.values())
    assert sorted(shown.table["Authority (did not respond)"]) == sorted(
        authorities.loc[~_responded(chapter), "short_name"]
    )


def test_the_cost_check_is_of_the_snapshot_year(chapter):
    year = spend.financial_year_of(chapter.data.snapshot_date)
    shown = coverage_chapter.cost_check(chapter)
    assert f"published payments in {year}." in shown.text
    assert shown.figure.axes[0].get_title(loc="left").endswith(year)
    (table,) = shown.more
    assert 0 < len(table) <= coverage_chapter.LARGEST_DIFFERENCES
    assert f"Paid in {year} (£)" in table.columns
    assert set(table["Authority"]) <= set(chapter.data.authorities["short_name"])


def test_a_release_without_registers_or_payments_says_so(chapter):
    data = dataclasses.replace(chapter.data, contracts=None, payments=None, it_spend=None)
    bare = dataclasses.replace(chapter, data=data)
    assert coverage_chapter.register_outcomes(bare).text == (
        "This release was cleaned without contract registers."
    )
    assert coverage_chapter.spend_coverage(bare).text == coverage_chapter.NO_PAYMENTS
    assert coverage_chapter.cost_check(bare).text == coverage_chapter.NO_PAYMENTS
    no_systems = dataclasses.replace(
        chapter, data=dataclasses.replace(data, systems=data.systems.iloc[:0])
    )
    assert coverage_chapter.systems_by_source(no_systems).figure is None
