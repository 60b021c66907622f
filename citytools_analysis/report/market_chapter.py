"""The market chapter: supplier and manufacturer shares, new entrants, resellers, concentration,
suppliers per authority, and shares by systems beside shares by money.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section` for the notebook to show. The
concentration threshold and the fewest systems for an area to be judged are the report's
parameters (``min_hhi``, ``min_area_systems``); how many bars and rows a section shows is set
here.
"""

from __future__ import annotations

from citytools_analysis.core.reference import load_reference
from citytools_analysis.metrics import market, overview, spend
from citytools_analysis.report import charts, narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": AUTHORITY_TILES,
        "systems": (
            "record_id",
            "gss_code",
            "service_area",
            "product",
            "manufacturer",
            "supplier",
            "source",
        ),
        "it_spend": ("gss_code", "supplier", "amount_gbp"),
    },
    ("counts", "supplier_shares", "top_n_supplier_share", "concentration"),
)


# The most suppliers or manufacturers drawn in a share chart.
SHARE_BARS = 15
# Manufacturers listed in the reseller table, and service areas in the concentration table.
RESELLER_ROWS = 10
CONCENTRATION_ROWS = 8
# Suppliers compared by systems and by money (the largest by either measure).
MONEY_SUPPLIERS = 12


def _source(chapter: Chapter) -> str:
    return overview.survey_source(chapter.processed_dir, ["systems"], chapter.data.systems)


def key_findings(chapter: Chapter) -> Section:
    """The chapter's opening: the top-N share, the largest supplier, concentration."""
    parameters = chapter.parameters
    text = narrative.market(
        chapter.found, min_hhi=parameters.min_hhi, min_systems=parameters.min_area_systems
    )
    return Section(text + "\n\n" + narrative.as_of_sentence(chapter.found))


def supplier_shares(chapter: Chapter) -> Section:
    """The largest suppliers' shares of the systems that name a supplier."""
    found = chapter.found
    shares = found.supplier_shares
    shown = min(SHARE_BARS, len(shares))
    if not shown:
        return Section()
    figure = charts.share_bars(
        shares,
        by="supplier",
        top=shown,
        title=f"The {shown} largest suppliers' share of systems",
        ylabel="Supplier",
    )
    lead = shares.iloc[0]
    alt = (
        f"Ranked bar chart of the {shown} suppliers holding the most systems, largest first. "
        f"{lead['supplier']} holds {lead['share']:.1%}; together the {found.top_n} largest "
        f"hold {found.top_n_supplier_share:.0%} of the {int(shares['systems'].sum()):,} "
        f"systems that name a supplier."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def new_entrants(chapter: Chapter) -> Section:
    """Suppliers outside the reference lists, each under its own name, with what they hold."""
    systems = chapter.data.systems
    entrants = market.new_entrants(systems, load_reference().organisations["organisation"])
    if entrants.empty:
        return Section(
            "Every supplier in this release is a known organisation of the reference "
            "tables; no new entrant holds a contract here."
        )
    reached = systems.loc[systems["supplier"].isin(entrants["supplier"]), "gss_code"].nunique()
    text = (
        f"{len(entrants)} suppliers outside the reference lists hold "
        f"{int(entrants['systems'].sum()):,} systems at {reached} authorities."
    )
    table = entrants.rename(
        columns={
            "supplier": "Supplier",
            "systems": "Systems",
            "authorities": "Authorities",
            "service_areas": "Service areas",
            "products": "Products",
        }
    )
    return Section(text, table)


def manufacturer_shares(chapter: Chapter) -> Section:
    """The largest manufacturers' shares of the systems."""
    makers = market.shares(chapter.data.systems, by="manufacturer")
    shown = min(SHARE_BARS, len(makers))
    if not shown:
        return Section()
    figure = charts.share_bars(
        makers,
        by="manufacturer",
        top=shown,
        title=f"The {shown} largest manufacturers' share of systems",
        ylabel="Manufacturer",
    )
    lead = makers.iloc[0]
    alt = (
        f"Ranked bar chart of the {shown} manufacturers whose products run the most systems. "
        f"{lead['manufacturer']} makes {lead['share']:.1%} of them."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def resellers(chapter: Chapter) -> Section:
    """Manufacturers that reach authorities through resellers, most such systems first."""
    reach = market.reseller_reach(chapter.data.systems)
    if reach.empty:
        return Section("No system in this release reaches its authority through a reseller.")
    text = (
        f"{len(reach)} manufacturers reach some authorities through "
        f"resellers; the {narrative.in_words(RESELLER_ROWS)} with the most such systems:"
    )
    table = (
        reach.head(RESELLER_ROWS)
        .assign(
            reseller_share=lambda t: (t["reseller_share"] * 100).round().astype(int),
            resellers=lambda t: t["resellers"].map(", ".join),
        )
        .rename(
            columns={
                "manufacturer": "Manufacturer",
                "systems": "Systems",
                "via_resellers": "Through resellers",
                "reseller_share": "Share (%)",
                "resellers": "Resellers",
                "authorities": "Authorities reached",
            }
        )
    )
    return Section(text, table)


def concentration(chapter: Chapter) -> Section:
    """The HHI of each service area against the threshold, then the most concentrated areas."""
    areas = chapter.found.concentration
    if areas.empty:
        return Section()
    threshold = chapter.parameters.min_hhi
    figure = charts.concentration_bars(
        areas, threshold=threshold, title="Supplier concentration by service area"
    )
    top = areas.iloc[0]
    high = int((areas["hhi"] >= threshold).sum())
    alt = (
        f"Ranked bar chart of the HHI of the {len(areas)} service areas, highest first, with a "
        f"dashed line at {threshold:,.0f}. {high} areas are above it; {top['service_area']} is "
        f"highest at {top['hhi']:,.0f}, where {top['top']} holds {top['top_share']:.0%}."
    )
    table = (
        areas.head(CONCENTRATION_ROWS)
        .assign(
            hhi=lambda t: t["hhi"].round().astype(int),
            top_share=lambda t: (t["top_share"] * 100).round().astype(int),
        )
        .rename(
            columns={
                "service_area": "Service area",
                "systems": "Systems",
                "suppliers": "Suppliers",
                "hhi": "HHI",
                "top": "Largest supplier",
                "top_share": "Its share (%)",
            }
        )
    )
    return Section(figure=figure, alt=alt, source=_source(chapter), more=(table,))


def suppliers_per_authority(chapter: Chapter) -> Section:
    """A tile map of how many distinct suppliers each authority's systems have."""
    data = chapter.data
    per_authority = (
        data.systems.groupby("gss_code")["supplier"].nunique().rename("suppliers").reset_index()
    )
    if per_authority.empty:
        return Section()
    figure = plots.tile_map(
        per_authority,
        authorities=data.authorities,
        value_column="suppliers",
        title="Distinct suppliers per authority",
        value_label="Suppliers (count)",
        no_data_label="No return",
    )
    most = per_authority.sort_values(["suppliers", "gss_code"], ascending=[False, True]).iloc[0]
    alt = (
        f"Tile map of London's authorities coloured by the number of distinct suppliers of "
        f"their systems. {chapter.names.get(most['gss_code'])} has the most, "
        f"{most['suppliers']}; authorities without a return are grey."
    )
    source = overview.survey_source(chapter.processed_dir, ["systems", "authorities"], data.systems)
    return Section(figure=figure, alt=alt, source=source)


def systems_and_money(chapter: Chapter) -> Section:
    """Suppliers' shares of systems beside their shares of IT money paid, chart then table."""
    data = chapter.data
    if data.it_spend is None or not len(data.it_spend):
        return Section("No payment files were read for this build.")
    compared = spend.shares_compared(data.systems, data.it_spend, top=MONEY_SUPPLIERS)
    by_money = compared.sort_values("share_money", ascending=False).iloc[0]
    figure = charts.share_pairs(
        compared,
        title="Suppliers' share of systems and of IT money paid",
        ylabel="Supplier",
        top=MONEY_SUPPLIERS,
    )
    alt = (
        f"Paired bar chart of {min(MONEY_SUPPLIERS, len(compared))} suppliers: for each, its "
        f"share of systems and its share of IT money paid. {by_money['supplier']} holds the "
        f"largest share of money, {by_money['share_money']:.1%}, and "
        f"{by_money['share_systems']:.1%} of systems."
    )
    source = _source(chapter) + "; " + spend.spend_source(chapter.processed_dir)
    table = compared.assign(
        share_systems=(compared["share_systems"] * 100).round(1),
        share_money=(compared["share_money"] * 100).round(1),
        amount_gbp=compared["amount_gbp"].round(0),
    ).rename(
        columns={
            "supplier": "Supplier",
            "systems": "Systems",
            "share_systems": "Share of systems (%)",
            "amount_gbp": "IT paid (£)",
            "share_money": "Share of IT money (%)",
        }
    )
    return Section(figure=figure, alt=alt, source=source, more=(table,))
