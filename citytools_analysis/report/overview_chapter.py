"""The overview chapter: the headline counts, systems by service area, and who responded.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section` for the notebook to show.
"""

from __future__ import annotations

from citytools_analysis.metrics import coverage, overview
from citytools_analysis.report import narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": (*AUTHORITY_TILES, "responded"),
        "systems": (
            "gss_code",
            "service_area",
            "product",
            "manufacturer",
            "supplier",
            "system_type",
            "source",
        ),
    },
)


# The authorities the survey went to, as the chapter names them.
LONDON_AUTHORITIES = "the 32 boroughs, the City of London and the Greater London Authority"


def headline_figures(chapter: Chapter) -> Section:
    """Who returned the survey, how many systems, products, manufacturers and suppliers."""
    data = chapter.data
    counts = overview.headline_counts(data.systems)
    response = overview.response_counts(data.authorities)
    snapshot = data.snapshot_date.isoformat() if data.snapshot_date else "not recorded"
    return Section(
        f"**{response['responded']}** of London's {response['authorities']} local authorities "
        f"({LONDON_AUTHORITIES}) returned the "
        f"survey. The processed data records **{counts['systems']:,} systems** in all: "
        f"{counts['frontline']:,} frontline systems that support services to residents and "
        f"{counts['corporate']:,} corporate systems that run the authority itself.\n\n"
        f"Behind those systems are **{counts['products']:,} distinct products** from "
        f"**{counts['manufacturers']:,} manufacturers**, bought through "
        f"**{counts['suppliers']:,} suppliers** (a supplier holds the contract; it may be the "
        f"manufacturer, a reseller or an integrator). The survey's snapshot date is {snapshot}.\n\n"
        + narrative.system_sources(coverage.source_counts(data.systems))
    )


def systems_by_service_area(chapter: Chapter) -> Section:
    """Systems per service area, largest first, each bar split by system type."""
    data = chapter.data
    counts = overview.headline_counts(data.systems)
    by_area = overview.systems_by_service_area(data.systems)
    series = [column for column in by_area.columns if column not in ("service_area", "total")]
    figure = plots.ranked_bar_chart(
        by_area,
        category="service_area",
        series=series,
        title="Systems reported by service area",
        xlabel="Systems (count)",
        ylabel="Service area",
    )
    top, bottom = by_area.iloc[0], by_area.iloc[-1]
    alt = (
        f"Horizontal bar chart of the {counts['systems']:,} systems reported, by service area "
        f"({len(by_area)} areas), largest first, each bar split into "
        + " and ".join(f"{name.lower()} systems" for name in series)
        + f". {top['service_area']} has the most, {top['total']}; "
        f"{bottom['service_area']} the fewest, {bottom['total']}."
    )
    source = overview.survey_source(chapter.processed_dir, ["systems"], data.systems)
    return Section(figure=figure, alt=alt, source=source)


def systems_per_authority(chapter: Chapter) -> Section:
    """A tile map of the systems each responding authority reported; the rest are grey."""
    data = chapter.data
    per_authority = overview.systems_per_authority(data.systems, data.authorities)
    responders = per_authority[per_authority["responded"]]
    figure = plots.tile_map(
        responders,
        authorities=data.authorities,
        value_column="systems",
        title="Systems reported by each authority",
        value_label="Systems reported (count)",
        no_data_label="No return",
    )
    most = responders.sort_values(["systems", "short_name"], ascending=[False, True]).iloc[0]
    fewest = responders.sort_values(["systems", "short_name"]).iloc[0]
    missing = per_authority.loc[~per_authority["responded"], "short_name"].tolist()
    alt = (
        f"Tile map of London's local authorities, one square each, coloured by the number of "
        f"systems reported. {len(responders)} authorities responded; {most['short_name']} "
        f"reported the most ({most['systems']}) and {fewest['short_name']} the fewest "
        f"({fewest['systems']}). No return from: " + (", ".join(missing) or "none") + "."
    )
    source = overview.survey_source(chapter.processed_dir, ["systems", "authorities"])
    return Section(figure=figure, alt=alt, source=source)
