"""The skills and peer support chapter: its key findings, the skills heatmap, the gaps and
who could help whom.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section`; the notebook shows it.
"""

from __future__ import annotations

from citytools_analysis.core.reference import load_reference
from citytools_analysis.metrics import overview, skills
from citytools_analysis.report import charts, narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": AUTHORITY_TILES,
        "skills": ("gss_code", "skill_area", "level"),
    },
    ("peer_support",),
)


PAIRS_COLUMNS = {
    "skill_area": "Skill area",
    "matches": "Matches",
    "mentors": "Can support",
    "learners": "Could learn",
}
"""The peer-support table's columns and their headings."""


def _source(chapter: Chapter) -> str:
    return overview.survey_source(chapter.processed_dir, ["skills"])


def key_findings(chapter: Chapter) -> Section:
    """The widest gap and the peer-support matches, then the snapshot sentence."""
    matrix = skills.skills_matrix(chapter.data.skills)
    gaps = skills.skill_gaps(chapter.data.skills)
    text = narrative.skills(gaps, chapter.found.peer_support, len(matrix))
    return Section(text + "\n\n" + narrative.as_of_sentence(chapter.found))


def skills_by_authority(chapter: Chapter) -> Section:
    """Each authority's self-assessed level in each skill area, as a heatmap."""
    matrix = skills.skills_matrix(chapter.data.skills)
    if matrix.empty:
        return Section("No skills self-assessment was returned.")
    figure = charts.skills_heatmap(
        matrix,
        names=chapter.names,
        levels=load_reference().skill_levels,
        title="Self-assessed skill levels",
    )
    alt = (
        f"Heatmap of {matrix.shape[0]} authorities (rows) by {matrix.shape[1]} skill areas "
        f"(columns); each cell shows the level from 0 (none) to 4 (expert), darker for higher. "
        f"Grey cells were not assessed."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def skill_gaps(chapter: Chapter) -> Section:
    """The share of assessing authorities at awareness or below, by skill area (nothing when
    no authority assessed its skills)."""
    gaps = skills.skill_gaps(chapter.data.skills)
    if gaps.empty:
        return Section()
    figure = charts.ranked_value_bars(
        gaps,
        category="skill_area",
        value="gap_share",
        percent=True,
        value_format="{:.0%}",
        xmax=1.0,
        title="Authorities with little or no capability",
        xlabel="Share of authorities at level 0 or 1 (%)",
        ylabel="Skill area",
    )
    top = gaps.iloc[0]
    alt = (
        f"Ranked bar chart of the share of authorities at awareness or below in "
        f"{len(gaps)} skill areas; {top['skill_area']} has the most, {top['gaps']} of "
        f"{top['assessed']}."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def peer_support(chapter: Chapter) -> Section:
    """Each skill area's peer-support matches (who can support, who could learn), and a map
    of the number of skill areas in which each authority can support a peer."""
    matches, names = chapter.found.peer_support, chapter.names
    if matches.empty:
        return Section("No peer-support match in this release.")
    pairs = (
        matches.groupby("skill_area")
        .agg(
            matches=("mentor", "size"),
            mentors=("mentor", lambda s: ", ".join(sorted({names[c] for c in s}))),
            learners=("learner", lambda s: ", ".join(sorted({names[c] for c in s}))),
        )
        .reset_index()
    )
    offers = matches.groupby("mentor")["skill_area"].nunique().rename("areas").reset_index()
    offers = offers.rename(columns={"mentor": "gss_code"})
    figure = plots.tile_map(
        offers,
        authorities=chapter.data.authorities,
        value_column="areas",
        title="Skill areas in which each authority can support a peer",
        value_label="Skill areas (count)",
        no_data_label="None",
    )
    top = offers.sort_values(["areas", "gss_code"], ascending=[False, True]).iloc[0]
    alt = (
        f"Tile map of London's authorities coloured by the number of skill areas in which they "
        f"could support a peer that needs it. {names[top['gss_code']]} could in the most, "
        f"{top['areas']}."
    )
    return Section(
        table=pairs.rename(columns=PAIRS_COLUMNS),
        figure=figure,
        alt=alt,
        source=overview.survey_source(chapter.processed_dir, ["skills", "authorities"]),
    )
