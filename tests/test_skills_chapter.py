"""The skills chapter's sections, checked against the committed release's skills table."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.report import narrative, skills_chapter  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


@pytest.fixture(scope="module")
def unassessed(chapter):
    """The chapter of a release in which no authority assessed its skills."""
    data = dataclasses.replace(chapter.data, skills=chapter.data.skills.iloc[:0])
    found = dataclasses.replace(chapter.found, peer_support=chapter.found.peer_support.iloc[:0])
    return dataclasses.replace(chapter, data=data, found=found)


def _rated(chapter):
    return chapter.data.skills[chapter.data.skills["level"].notna()]


def test_the_key_findings_name_the_widest_gap_and_the_snapshot(chapter):
    rated = _rated(chapter)
    gaps = rated[rated["level"] <= 1].groupby("skill_area")["gss_code"].nunique()
    widest = gaps[gaps == gaps.max()].index.min()
    text = skills_chapter.key_findings(chapter).text
    assert f"{rated['gss_code'].nunique()} authorities assessed their skills." in text
    assert f"The widest gap is {widest}: {gaps.max()} of" in text
    assert text.endswith(narrative.as_of_sentence(chapter.found))


def test_the_heatmap_has_a_row_per_authority_and_a_column_per_area(chapter):
    rated = _rated(chapter)
    shown = skills_chapter.skills_by_authority(chapter)
    axes = shown.figure.axes[0]
    assert axes.get_title(loc="left") == "Self-assessed skill levels"
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("Skill area", "Authority")
    assert shown.alt.startswith(
        f"Heatmap of {rated['gss_code'].nunique()} authorities (rows) by "
        f"{rated['skill_area'].nunique()} skill areas"
    )
    assert "skills" in shown.source


def test_the_gap_chart_names_the_area_with_most_authorities_at_awareness(chapter):
    rated = _rated(chapter)
    low = rated[rated["level"] <= 1]
    gaps = low.groupby("skill_area")["gss_code"].nunique()
    widest = gaps[gaps == gaps.max()].index.min()
    assessed = rated.loc[rated["skill_area"] == widest, "gss_code"].nunique()
    shown = skills_chapter.skill_gaps(chapter)
    axes = shown.figure.axes[0]
    assert axes.get_title(loc="left") == "Authorities with little or no capability"
    assert axes.get_xlabel() == "Share of authorities at level 0 or 1 (%)"
    assert axes.get_ylabel() == "Skill area"
    assert f"{widest} has the most, {gaps.max()} of {assessed}." in shown.alt


def test_peer_support_lists_each_area_and_maps_who_can_help(chapter):
    matches = chapter.found.peer_support
    assert not matches.empty
    shown = skills_chapter.peer_support(chapter)
    assert list(shown.table.columns) == ["Skill area", "Matches", "Can support", "Could learn"]
    assert sorted(shown.table["Skill area"]) == sorted(matches["skill_area"].unique())
    assert shown.table["Matches"].sum() == len(matches)
    areas = matches.drop_duplicates(["mentor", "skill_area"])["mentor"].value_counts()
    leader = sorted(code for code, n in areas.items() if n == areas.max())[0]
    assert f"{chapter.names[leader]} could in the most, {areas.max()}." in shown.alt
    assert shown.figure.axes[0].get_title(loc="left").startswith("Skill areas in which")


def test_a_release_without_skills_says_so(unassessed):
    assert skills_chapter.key_findings(unassessed).text.startswith(
        "No authority returned a skills self-assessment."
    )
    assert skills_chapter.skills_by_authority(unassessed).text == (
        "No skills self-assessment was returned."
    )
    nothing = skills_chapter.skill_gaps(unassessed)
    assert nothing.figure is None and nothing.table is None and nothing.text == ""
    assert skills_chapter.peer_support(unassessed).text == "No peer-support match in this release."
