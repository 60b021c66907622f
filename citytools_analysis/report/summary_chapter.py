"""The executive summary and the recommendations chapter: each section as one package value.

Both chapters quote the same figures as the chapters they summarise (the findings, computed
once per build) and, where the project holds an earlier round, what changed since then
(:class:`~citytools_analysis.metrics.round_comparison.ChangeEvidence`), so that a missed
opportunity or a contested re-procurement is evidence for a recommendation.
"""

from __future__ import annotations

import json
from pathlib import Path

from citytools_analysis.metrics import (
    collaboration,
    contracts,
    hosting,
    interoperability,
    maturity,
    overview,
    satisfaction,
    skills,
)
from citytools_analysis.metrics import recommendations as rules
from citytools_analysis.metrics.round_comparison import ChangeEvidence
from citytools_analysis.report import charts, narrative, rounds_chapter
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.section import Section

# The summary's supplier chart shows at most this many suppliers.
SUMMARY_SUPPLIERS = 10
# Recommendations written out per rule in the recommendations chapter; the rest are counted.
SHOWN_PER_RULE = 5
# What each audience section says when no rule speaks to it.
NONE_FOR = {
    rules.BOROUGHS: "No recommendation for boroughs.",
    rules.LOTI: "No recommendation for LOTI.",
    rules.SUPPLIERS: "No recommendation for suppliers.",
    rules.GOVERNMENT: "No recommendation for central government.",
}


def _source(chapter: Chapter) -> str:
    return overview.survey_source(chapter.processed_dir, ["systems"], chapter.data.systems)


def edition(processed_dir: Path) -> str:
    """Which survey round the book is built for, from the release's data package."""
    package = json.loads((Path(processed_dir) / "datapackage.json").read_text(encoding="utf-8"))
    round_name = package.get("round")
    if not round_name:
        return ""
    synthetic = " (synthetic)" if package.get("synthetic") else ""
    return (
        f"This edition is built for survey round **{round_name}**{synthetic}, the latest "
        "round the project holds.\n\n"
    )


def opening(chapter: Chapter) -> Section:
    """Which round, who answered, what the data holds, and the date it describes."""
    data, found = chapter.data, chapter.found
    counts = found.counts
    response = overview.response_counts(data.authorities)
    return Section(
        edition(chapter.processed_dir)
        + f"**{response['responded']}** of London's {response['authorities']} local authorities "
        f"returned the survey; with the councils' own records the data holds "
        f"**{counts['systems']:,} systems**: "
        f"{counts['products']:,} distinct products from {counts['manufacturers']:,} manufacturers, "
        f"bought through {counts['suppliers']:,} suppliers. "
        + narrative.system_sources(counts)
        + "\n\n"
        + narrative.as_of_sentence(found)
    )


def market(chapter: Chapter) -> Section:
    """The market paragraph and the largest suppliers' shares."""
    found, parameters = chapter.found, chapter.parameters
    text = narrative.market(
        found, min_hhi=parameters.min_hhi, min_systems=parameters.min_area_systems
    )
    shown = min(SUMMARY_SUPPLIERS, len(found.supplier_shares))
    if not shown:
        return Section(text)
    fig = charts.share_bars(
        found.supplier_shares,
        by="supplier",
        top=shown,
        title=f"The {shown} largest suppliers' share of systems",
        ylabel="Supplier",
    )
    alt = (
        f"Ranked bar chart of the {shown} largest suppliers' shares of systems; together they "
        f"hold {found.top_n_supplier_share:.0%}. {found.supplier_shares.iloc[0]['supplier']} "
        f"is largest at {found.supplier_shares.iloc[0]['share']:.1%}."
    )
    return Section(text, figure=fig, alt=alt, source=_source(chapter))


def contracts_coming_up(chapter: Chapter) -> Section:
    """The expiry paragraph and the contracts ending each quarter within the horizon."""
    data, found = chapter.data, chapter.found
    pipeline = contracts.expiry_pipeline(
        data.systems, found.as_of, chapter.horizon_years, by="system_type"
    )
    fig = charts.expiry_timeline(
        pipeline,
        as_of=found.as_of,
        horizon_end=found.renewal.horizon_end,
        by="system_type",
        series=sorted(data.systems["system_type"].dropna().unique(), reverse=True),
        title="Contracts ending each quarter within the horizon",
    )
    alt = (
        f"Bar chart of the {found.renewal.systems:,} contracts ending in each quarter between "
        f"{found.as_of.isoformat()} and {found.renewal.horizon_end.isoformat()}, stacked by "
        f"frontline and corporate systems."
    )
    return Section(narrative.expiry(found, pipeline), figure=fig, alt=alt, source=_source(chapter))


def working_together(chapter: Chapter) -> Section:
    """Shared systems, joint procurement and peer support, in two paragraphs."""
    data, found = chapter.data, chapter.found
    shared = collaboration.shared_systems(data.systems, min_authorities=chapter.min_authorities)
    gaps = skills.skill_gaps(data.skills)
    return Section(
        narrative.collaboration(found, shared)
        + "\n\n"
        + narrative.skills(gaps, found.peer_support, data.skills["gss_code"].nunique())
    )


def satisfaction_paragraph(chapter: Chapter) -> Section:
    """How authorities rate their systems."""
    areas = satisfaction.ratings_by(chapter.data.systems, by="service_area")
    return Section(narrative.satisfaction(chapter.found, areas))


def maturity_integration_hosting(chapter: Chapter) -> Section:
    """Digital maturity against the median, integration, and hosting."""
    data = chapter.data
    responded = data.authorities.loc[
        data.authorities["responded"].fillna(False).astype(bool), "gss_code"
    ]
    responding_systems = int(data.systems["gss_code"].isin(set(responded)).sum())
    isolated = interoperability.isolated_systems(data.integrations, data.systems, data.authorities)
    return Section(
        narrative.maturity(
            maturity.maturity_medians(data.maturity),
            maturity.maturity_vs_median(data.maturity),
            chapter.names,
        )
        + "\n\n"
        + narrative.interoperability(
            interoperability.product_links(data.integrations, data.systems),
            interoperability.most_connected_products(data.integrations, data.systems),
            len(isolated),
            responding_systems,
            hosting.hosting_by(data.systems, by=None),
        )
    )


def changes_since_last_round(evidence: ChangeEvidence | None) -> Section:
    """What changed since the previous round, in one paragraph (or that there is none)."""
    return Section(rounds_chapter.summary_paragraph(evidence))


def recommendation_groups(
    chapter: Chapter, evidence: ChangeEvidence | None, limit: int = SHOWN_PER_RULE
) -> list[rules.RecommendationGroup]:
    """Every rule over the findings and the change evidence, shortlisted per rule."""
    thresholds = rules.Thresholds.from_parameters(chapter.parameters)
    return rules.shortlist(rules.recommend(chapter.found, thresholds, evidence), limit=limit)


def recommendation_counts(chapter: Chapter, evidence: ChangeEvidence | None) -> Section:
    """How many recommendations each audience has (the summary's last paragraph)."""
    groups = recommendation_groups(chapter, evidence)
    return Section(narrative.recommendation_counts(groups))


def recommendations_opening(chapter: Chapter, groups: list[rules.RecommendationGroup]) -> Section:
    """The recommendations chapter's opening: counts by audience, and the date."""
    return Section(
        narrative.recommendations(groups) + "\n\n" + narrative.as_of_sentence(chapter.found)
    )


def for_audience(
    chapter: Chapter, groups: list[rules.RecommendationGroup], audience: str
) -> Section:
    """One audience's recommendations with their evidence, or that there is none."""
    mine = [group for group in groups if group.audience == audience]
    if not mine:
        return Section(NONE_FOR[audience])
    return Section(html=narrative.recommendations_html(mine, chapter.names))
