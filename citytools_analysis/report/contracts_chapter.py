"""The contracts chapter: the renewal pipeline within the horizon, where contracts end, and
the contracts with no end date.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section` for the notebook to show.
"""

from __future__ import annotations

import pandas as pd

from citytools_analysis.metrics import contracts, overview
from citytools_analysis.report import charts, narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": (*AUTHORITY_TILES, "responded"),
        "systems": (
            "record_id",
            "gss_code",
            "service_area",
            "system_type",
            "contract_end",
            "contract_end_status",
            "annual_cost_gbp",
            "source",
            "source_file",
            "source_row",
        ),
    },
    ("counts", "renewal", "open_ended"),
)


def _source(chapter: Chapter) -> str:
    systems = chapter.data.systems
    return overview.survey_source(chapter.processed_dir, ["systems"], systems, ["contract_end"])


def _pipeline(chapter: Chapter) -> pd.DataFrame:
    """Contracts ending per quarter within the horizon, by system type."""
    return contracts.expiry_pipeline(
        chapter.data.systems, chapter.as_of, chapter.horizon_years, by="system_type"
    )


def key_findings(chapter: Chapter) -> Section:
    """The chapter's opening: what ends within the horizon, and when."""
    found = chapter.found
    text = narrative.expiry(found, _pipeline(chapter))
    return Section(text + "\n\n" + narrative.as_of_sentence(found))


def expiry_pipeline(chapter: Chapter) -> Section:
    """Contracts ending each quarter to the end of the horizon, frontline and corporate."""
    found, systems = chapter.found, chapter.data.systems
    pipeline = _pipeline(chapter)
    horizon_end = found.renewal.horizon_end
    figure = charts.expiry_timeline(
        pipeline,
        as_of=found.as_of,
        horizon_end=horizon_end,
        by="system_type",
        series=sorted(systems["system_type"].dropna().unique(), reverse=True),
        title=f"Contracts ending each quarter, {found.as_of.year} to {horizon_end.year}",
    )
    alt = (
        f"Bar chart of the {found.renewal.systems:,} contracts ending in each quarter between "
        f"{found.as_of.isoformat()} and {horizon_end.isoformat()}, stacked by frontline and "
        f"corporate systems."
        + (
            f" The busiest quarter is {pipeline.groupby('period')['systems'].sum().idxmax()}."
            if len(pipeline)
            else ""
        )
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def expiry_by_service_area(chapter: Chapter) -> Section:
    """Contracts ending within the horizon in each service area, most first."""
    by_area = contracts.expiry_pipeline(
        chapter.data.systems, chapter.as_of, chapter.horizon_years, by="service_area", freq="year"
    )
    areas = by_area.groupby("service_area", as_index=False).agg(
        systems=("systems", "sum"), annual_cost_gbp=("annual_cost_gbp", "sum")
    )
    if areas.empty:
        return Section()
    figure = plots.ranked_bar_chart(
        areas,
        category="service_area",
        series=["systems"],
        title="Contracts ending within the horizon, by service area",
        xlabel="Contracts ending (count)",
        ylabel="Service area",
    )
    top = areas.sort_values(["systems", "service_area"], ascending=[False, True]).iloc[0]
    alt = (
        f"Ranked bar chart of contracts ending before "
        f"{chapter.found.renewal.horizon_end.isoformat()} in each of {len(areas)} service "
        f"areas; {top['service_area']} has the most, {top['systems']}."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def expiry_by_authority(chapter: Chapter) -> Section:
    """A tile map of how many of each responding authority's contracts end within the horizon."""
    data = chapter.data
    horizon_end = chapter.found.renewal.horizon_end
    expiring = contracts.expiring(data.systems, chapter.as_of, chapter.horizon_years)
    per_authority = expiring.groupby("gss_code").size().rename("expiring").reset_index()
    responded = data.authorities.loc[
        data.authorities["responded"].fillna(False).astype(bool), ["gss_code"]
    ]
    per_authority = responded.merge(per_authority, on="gss_code", how="left").fillna(
        {"expiring": 0}
    )
    if per_authority.empty:
        return Section()
    figure = plots.tile_map(
        per_authority,
        authorities=data.authorities,
        value_column="expiring",
        title="Contracts ending within the horizon, by authority",
        value_label="Contracts ending (count)",
        no_data_label="No return",
    )
    most = per_authority.sort_values(["expiring", "gss_code"], ascending=[False, True]).iloc[0]
    alt = (
        f"Tile map of London's authorities coloured by how many of their contracts end before "
        f"{horizon_end.isoformat()}. {chapter.names.get(most['gss_code'])} has the most, "
        f"{int(most['expiring'])}."
    )
    source = overview.survey_source(
        chapter.processed_dir,
        ["systems", "authorities"],
        expiring[expiring["gss_code"].isin(per_authority["gss_code"])],
        ["contract_end"],
    )
    return Section(figure=figure, alt=alt, source=source)


def open_ended(chapter: Chapter) -> Section:
    """Rolling contracts and contracts with no known end: the totals, then by service area."""
    systems = chapter.data.systems
    undated = contracts.open_ended(systems, by="service_area")
    totals = chapter.found.open_ended.iloc[0]
    text = (
        f"{int(totals['rolling']):,} contracts are rolling and {int(totals['unknown']):,} have no "
        f"known end date, out of {int(totals['systems']):,} systems."
    )
    if undated.empty:
        return Section(text)
    figure = plots.ranked_bar_chart(
        undated,
        category="service_area",
        series=["rolling", "unknown"],
        series_labels=["Rolling", "Unknown end"],
        title="Contracts without an end date, by service area",
        xlabel="Contracts (count)",
        ylabel="Service area",
    )
    alt = (
        f"Stacked ranked bar chart of rolling contracts and contracts with no known end in "
        f"{len(undated)} service areas; {int(totals['rolling'])} rolling and "
        f"{int(totals['unknown'])} unknown in all."
    )
    source = overview.survey_source(
        chapter.processed_dir, ["systems"], systems[systems["contract_end_status"] != "date"]
    )
    return Section(text, figure=figure, alt=alt, source=source)
