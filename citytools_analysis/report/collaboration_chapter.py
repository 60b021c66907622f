"""The collaboration chapter: shared products, joint procurement opportunities and
replacement intentions.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section` for the notebook to show. The
list of every opportunity is an interactive table: :func:`opportunity_listing` gives its
sentence and its rows, and the notebook shows the rows with
:func:`citytools_analysis.report.explorer.show_interactive` and :data:`OPPORTUNITY_EXPLORER`.
"""

from __future__ import annotations

import pandas as pd

from citytools_analysis.metrics import collaboration, overview
from citytools_analysis.report import charts, narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_NAMES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": AUTHORITY_NAMES,
        "systems": (
            "gss_code",
            "service_area",
            "product",
            "manufacturer",
            "replacement_planned",
            "source",
            "source_file",
            "source_row",
        ),
    },
    ("counts", "joint_procurement", "replacement_until_year", "replacement"),
)


# The most widely shared products drawn in the heatmap, and opportunities in the bar chart.
SHARED_PRODUCTS = 20
OPPORTUNITY_BARS = 15
# How the interactive table of every opportunity is shown (explorer.show_interactive).
OPPORTUNITY_EXPLORER = {
    "table_id": "joint-procurement-opportunities",
    "caption": "Joint procurement opportunities",
    "page_length": 10,
}


def _source(chapter: Chapter) -> str:
    return overview.survey_source(chapter.processed_dir, ["systems"], chapter.data.systems)


def _shared(chapter: Chapter) -> pd.DataFrame:
    """Products run by at least the chapter's fewest authorities, most widely shared first."""
    return collaboration.shared_systems(
        chapter.data.systems, min_authorities=chapter.min_authorities
    )


def key_findings(chapter: Chapter) -> Section:
    """The chapter's opening: shared products, opportunities and replacement plans."""
    found = chapter.found
    text = narrative.collaboration(found, _shared(chapter))
    return Section(text + "\n\n" + narrative.as_of_sentence(found))


def shared_systems(chapter: Chapter) -> Section:
    """What the heatmap shows, then who runs the most widely shared products."""
    definition = narrative.shared_definition(chapter.min_authorities, SHARED_PRODUCTS)
    shared = _shared(chapter)
    products = list(shared["product"].head(SHARED_PRODUCTS))
    if not products:
        none = f"No product is used by {chapter.min_authorities} or more authorities."
        return Section(definition, more=(Section(none),))
    matrix = collaboration.authority_product_matrix(chapter.data.systems)
    figure = charts.authority_product_heatmap(
        matrix[products],
        names=chapter.names,
        title=f"Who runs the {len(products)} most widely shared products",
    )
    top = shared.iloc[0]
    alt = (
        f"Heatmap of {matrix.shape[0]} authorities (rows) by {len(products)} products "
        f"(columns), shaded where the authority runs the product. {top['product']} is the most "
        f"widely shared, at {top['authorities']} authorities."
    )
    return Section(definition, figure=figure, alt=alt, source=_source(chapter))


def joint_procurement(chapter: Chapter) -> Section:
    """What an opportunity is, then the widest product opportunities as ranked bars."""
    definition = narrative.opportunity_definition(chapter.min_authorities, chapter.window_months)
    opportunities = chapter.found.joint_procurement
    products = opportunities[opportunities["kind"] == "product"].head(OPPORTUNITY_BARS)
    if products.empty:
        return Section(definition)
    bars = products.assign(
        label=[
            f"{row.name} ({row.first_end:%b %Y}–{row.last_end:%b %Y})"
            for row in products.itertuples(index=False)
        ]
    )
    figure = charts.ranked_value_bars(
        bars,
        category="label",
        value="authorities",
        value_format="{:.0f}",
        title="Products whose contracts end together",
        xlabel="Authorities in the window (count)",
        ylabel="Product (first and last end)",
    )
    best = products.iloc[0]
    alt = (
        f"Ranked bar chart of the {len(products)} widest product opportunities. "
        f"{best['name']} has contracts at {best['authorities']} authorities ending between "
        f"{best['first_end']:%Y-%m-%d} and {best['last_end']:%Y-%m-%d}."
    )
    return Section(definition, figure=figure, alt=alt, source=_source(chapter))


def opportunity_listing(chapter: Chapter) -> Section:
    """Every opportunity, products first: a sentence and the rows for the interactive table.

    The table is ``None`` when there is no opportunity; otherwise it is meant for
    :func:`~citytools_analysis.report.explorer.show_interactive` (``**OPPORTUNITY_EXPLORER``).
    """
    opportunities = chapter.found.joint_procurement
    if opportunities.empty:
        return Section("No joint procurement opportunity at these parameters.")
    names = chapter.names
    text = (
        f"All {len(opportunities)} opportunities, products first, widest first; "
        f"search the table or filter a column by typing in its heading:"
    )
    table = opportunities.assign(
        kind=lambda t: t["kind"].map({"product": "Product", "service_area": "Service area"}),
        gss_codes=lambda t: t["gss_codes"].map(
            lambda codes: ", ".join(sorted(names[c] for c in codes))
        ),
        first_end=lambda t: t["first_end"].dt.strftime("%Y-%m-%d"),
        last_end=lambda t: t["last_end"].dt.strftime("%Y-%m-%d"),
        annual_cost_gbp=lambda t: t["annual_cost_gbp"].round().astype(int),
    )[
        ["kind", "name", "authorities", "gss_codes", "first_end", "last_end", "annual_cost_gbp"]
    ].rename(
        columns={
            "kind": "Kind",
            "name": "Name",
            "authorities": "Authorities",
            "gss_codes": "Which",
            "first_end": "First end",
            "last_end": "Last end",
            "annual_cost_gbp": "Known annual cost (£)",
        }
    )
    return Section(text, table)


def replacement_intentions(chapter: Chapter) -> Section:
    """Authorities planning or considering a replacement, by service area."""
    found = chapter.found
    plans = found.replacement
    if plans.empty:
        return Section("No authority reported a planned or considered replacement.")
    figure = plots.ranked_bar_chart(
        plans,
        category="service_area",
        series=["planning", "considering"],
        series_labels=[f"Planning, by {found.replacement_until_year}", "Considering"],
        title="Authorities planning to replace a system, by service area",
        xlabel="Authorities (count)",
        ylabel="Service area",
    )
    top = plans.iloc[0]
    alt = (
        f"Stacked ranked bar chart of authorities planning or considering a replacement in "
        f"{len(plans)} service areas. Most in {top['service_area']}: {top['planning']} "
        f"planning by {found.replacement_until_year} and {top['considering']} considering."
    )
    source = overview.survey_source(
        chapter.processed_dir, ["systems"], chapter.data.systems, ["replacement_planned"]
    )
    return Section(figure=figure, alt=alt, source=source)
