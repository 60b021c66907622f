"""The digital maturity chapter's sections, checked against the committed release."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.report import maturity_chapter, narrative  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


@pytest.fixture(scope="module")
def unassessed(chapter):
    data = dataclasses.replace(chapter.data, maturity=chapter.data.maturity.iloc[:0])
    return dataclasses.replace(chapter, data=data)


def _scored(chapter):
    scored = chapter.data.maturity[chapter.data.maturity["score"].notna()].copy()
    scored["score"] = scored["score"].astype(float)
    return scored


def test_the_key_findings_count_the_authorities_and_end_with_the_snapshot(chapter):
    scored = _scored(chapter)
    text = maturity_chapter.key_findings(chapter).text
    assert text.startswith(f"{scored['gss_code'].nunique()} authorities scored")
    assert text.endswith(narrative.as_of_sentence(chapter.found))


def test_the_median_table_has_one_row_per_dimension(chapter):
    scored = _scored(chapter)
    table = maturity_chapter.london_median(chapter).table
    assert list(table.columns) == [
        "Dimension",
        "Authorities",
        "Median",
        "Mean",
        "Lowest",
        "Highest",
    ]
    assert list(table["Dimension"]) == sorted(scored["dimension"].unique())
    medians = scored.groupby("dimension")["score"].median()
    assert dict(zip(table["Dimension"], table["Median"])) == medians.to_dict()
    means = scored.groupby("dimension")["score"].mean().round(maturity_chapter.MEAN_DECIMALS)
    assert dict(zip(table["Dimension"], table["Mean"])) == means.to_dict()


def test_the_dot_grid_counts_scores_above_and_below_the_median(chapter):
    scored = _scored(chapter)
    median = scored.groupby("dimension")["score"].transform("median")
    above, below = int((scored["score"] > median).sum()), int((scored["score"] < median).sum())
    shown = maturity_chapter.against_median(chapter)
    assert shown.figure.axes[0].get_title(loc="left") == (
        "Digital maturity against the London median"
    )
    assert f"{above} scores are above the London median and {below} below." in shown.alt


def test_the_map_names_the_authority_with_the_highest_mean(chapter):
    means = _scored(chapter).groupby("gss_code")["score"].mean()
    leader = sorted(code for code, score in means.items() if score == means.max())[0]
    shown = maturity_chapter.highest_maturity(chapter)
    assert f"{chapter.names[leader]} is highest at {means.max():.1f}." in shown.alt
    assert shown.figure.axes[0].get_title(loc="left") == "Mean digital maturity score by authority"
    assert "maturity" in shown.source and "authorities" in shown.source


def test_a_release_without_maturity_says_so(unassessed):
    assert maturity_chapter.key_findings(unassessed).text.startswith(
        "No authority returned a digital maturity self-assessment."
    )
    assert maturity_chapter.london_median(unassessed).text == (
        "No maturity self-assessment was returned."
    )
    for section in (
        maturity_chapter.against_median(unassessed),
        maturity_chapter.highest_maturity(unassessed),
    ):
        assert section.figure is None and section.text == ""
