"""The satisfaction chapter: ratings by service area and supplier, value for money against
satisfaction, supplier count against satisfaction, and under-performance clusters.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section` for the notebook to show. The
fewest rated systems for a supplier or product to be judged and the supplier rating at which
an improvement plan is asked for are the report's parameters (``min_rated_systems``,
``max_supplier_satisfaction``); the chart scales are set here.
"""

from __future__ import annotations

from citytools_analysis.metrics import overview, satisfaction
from citytools_analysis.report import charts, narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": AUTHORITY_TILES,
        "systems": ("gss_code", "service_area", "product", "value_for_money", "satisfaction"),
    },
    ("supplier_ratings", "supplier_satisfaction", "clusters"),
)


# The lowest-rated suppliers drawn, and the fewest points for a correlation.
LOWEST_SUPPLIERS = 20
MIN_POINTS = 2
# The rating scale (1–5) as drawn: bars end at RATING_BARS_MAX (room for the value labels),
# scatter axes span RATING_AXIS.
RATING_BARS_MAX = 5.4
RATING_AXIS = (0.8, 5.2)


def _source(chapter: Chapter) -> str:
    return overview.survey_source(chapter.processed_dir, ["systems"])


def _correlation_note(pair: satisfaction.Correlation) -> str:
    """Spearman's rho, its p-value and n; n alone when rho is undefined."""
    if pair.rho == pair.rho:
        return f"Spearman's rho {pair.rho:.2f}, {narrative.p_value(pair.p)}, n = {pair.n}"
    return f"n = {pair.n}"


def key_findings(chapter: Chapter) -> Section:
    """The chapter's opening: the overall mean, the correlation and the weak spots."""
    found = chapter.found
    areas = satisfaction.ratings_by(chapter.data.systems, by="service_area")
    text = narrative.satisfaction(found, areas, min_rated=chapter.parameters.min_rated_systems)
    return Section(text + "\n\n" + narrative.as_of_sentence(found))


def by_service_area(chapter: Chapter) -> Section:
    """Mean satisfaction in each service area with rated systems, lowest first."""
    areas = satisfaction.ratings_by(chapter.data.systems, by="service_area")
    rated = areas[areas["rated_satisfaction"] > 0].sort_values(
        ["mean_satisfaction", "service_area"], kind="mergesort"
    )
    if rated.empty:
        return Section()
    figure = charts.ranked_value_bars(
        rated,
        category="service_area",
        value="mean_satisfaction",
        value_format="{:.1f}",
        xmax=RATING_BARS_MAX,
        title="Mean satisfaction by service area, lowest first",
        xlabel="Mean satisfaction (1 very poor – 5 very good)",
        ylabel="Service area",
    )
    low, high = rated.iloc[0], rated.iloc[-1]
    alt = (
        f"Ranked bar chart of mean satisfaction in {len(rated)} service areas. Lowest: "
        f"{low['service_area']} at {low['mean_satisfaction']:.1f}; highest: "
        f"{high['service_area']} at {high['mean_satisfaction']:.1f} out of 5."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def by_supplier(chapter: Chapter) -> Section:
    """The lowest-rated suppliers with enough rated systems, against the improvement line."""
    parameters = chapter.parameters
    fewest, line = parameters.min_rated_systems, parameters.max_supplier_satisfaction
    suppliers = chapter.found.supplier_ratings
    enough = (
        suppliers[suppliers["rated_satisfaction"] >= fewest]
        .sort_values(["mean_satisfaction", "supplier"], kind="mergesort")
        .head(LOWEST_SUPPLIERS)
    )
    if enough.empty:
        return Section(f"No supplier has {narrative.in_words(fewest)} or more rated systems.")
    figure = charts.ranked_value_bars(
        enough,
        category="supplier",
        value="mean_satisfaction",
        value_format="{:.1f}",
        xmax=RATING_BARS_MAX,
        reference=line,
        reference_label=f"{line:g}",
        title=f"The {len(enough)} lowest-rated suppliers",
        xlabel="Mean satisfaction (1 very poor – 5 very good)",
        ylabel="Supplier",
    )
    low = enough.iloc[0]
    alt = (
        f"Ranked bar chart of mean satisfaction for the {len(enough)} lowest-rated suppliers "
        f"with at least {narrative.in_words(fewest)} rated systems. {low['supplier']} is lowest "
        f"at {low['mean_satisfaction']:.1f} over {low['rated_satisfaction']} systems."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def value_for_money(chapter: Chapter) -> Section:
    """Products rated often enough on both: mean value for money against mean satisfaction."""
    fewest = chapter.parameters.min_rated_systems
    products = satisfaction.ratings_by(chapter.data.systems, by="product")
    both = products[
        (products["rated_satisfaction"] >= fewest) & (products["rated_value_for_money"] >= fewest)
    ]
    if len(both) < MIN_POINTS:
        return Section("Too few products have enough ratings to compare.")
    note = _correlation_note(
        satisfaction.spearman(both["mean_value_for_money"], both["mean_satisfaction"])
    )
    figure = charts.scatter_with_fit(
        both,
        x="mean_value_for_money",
        y="mean_satisfaction",
        title="Products: value for money and satisfaction",
        xlabel="Mean value for money (1–5)",
        ylabel="Mean satisfaction (1–5)",
        note=note,
        ylim=RATING_AXIS,
    )
    figure.axes[0].set_xlim(*RATING_AXIS)
    alt = (
        f"Scatter plot of {len(both)} products' mean value for money against mean "
        f"satisfaction, with a least-squares line; {note}."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def supplier_count(chapter: Chapter) -> Section:
    """Each authority's distinct suppliers against its mean satisfaction, then the map of it."""
    data, found = chapter.data, chapter.found
    table = found.supplier_satisfaction.table.merge(
        data.authorities[["gss_code", "abbreviation"]], on="gss_code", how="left"
    )
    if len(table) < MIN_POINTS:
        return Section("Too few authorities rated their systems to compare.")
    note = _correlation_note(found.supplier_satisfaction.correlation)
    scatter = charts.scatter_with_fit(
        table,
        x="suppliers",
        y="mean_satisfaction",
        labels="abbreviation",
        title="More suppliers, lower satisfaction?",
        xlabel="Distinct suppliers (count)",
        ylabel="Mean satisfaction (1–5)",
        note=note,
    )
    scatter_alt = (
        f"Scatter plot of {len(table)} authorities: distinct suppliers against mean "
        f"satisfaction, with a least-squares line; {note}."
    )
    tiles = plots.tile_map(
        table,
        authorities=data.authorities,
        value_column="mean_satisfaction",
        title="Mean satisfaction by authority",
        value_label="Mean satisfaction (1–5)",
        value_format="{:.1f}",
        no_data_label="No ratings",
    )
    tiles_alt = (
        f"Tile map of London's authorities coloured by the mean satisfaction of their rated "
        f"systems, from {table['mean_satisfaction'].min():.1f} to "
        f"{table['mean_satisfaction'].max():.1f}."
    )
    tiles_source = overview.survey_source(chapter.processed_dir, ["systems", "authorities"])
    return Section(
        figure=scatter,
        alt=scatter_alt,
        source=_source(chapter),
        more=(Section(figure=tiles, alt=tiles_alt, source=tiles_source),),
    )


def clusters(chapter: Chapter) -> Section:
    """What an under-performance cluster is, then every cluster with its authorities."""
    definition = narrative.cluster_definition(chapter.min_authorities)
    found = chapter.found
    if found.clusters.empty:
        none = f"No service area is rated poor by {chapter.min_authorities} or more authorities."
        return Section(definition, more=(Section(none),))
    names = chapter.names
    table = found.clusters.assign(
        gss_codes=lambda t: t["gss_codes"].map(lambda c: ", ".join(sorted(names[x] for x in c))),
        products=lambda t: t["products"].map(", ".join),
    ).rename(
        columns={
            "service_area": "Service area",
            "authorities": "Rating it poor",
            "rated_authorities": "Rating it at all",
            "gss_codes": "Which",
            "products": "Their products",
        }
    )
    return Section(definition, table)
