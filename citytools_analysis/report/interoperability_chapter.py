"""The interoperability and hosting chapter: its key findings, the integration network, the
most connected products, the isolated systems and how systems are hosted.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section`; the notebook shows it.
"""

from __future__ import annotations

import pandas as pd

from citytools_analysis.core.reference import load_reference
from citytools_analysis.metrics import hosting, interoperability, overview
from citytools_analysis.report import charts, narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": (*AUTHORITY_TILES, "responded"),
        "systems": ("record_id", "gss_code", "service_area", "product", "hosting", "source"),
        "integrations": ("gss_code", "record_id", "linked_record_id"),
    },
)


NETWORK_PRODUCTS = 40
"""The network drawing keeps the most-linked product pairs, at most about this many products."""

CONNECTED_SHOWN = 15
"""Products shown in the 'most connected' chart."""


def _source(chapter: Chapter) -> str:
    return overview.survey_source(chapter.processed_dir, ["systems", "integrations"])


def _isolated(chapter: Chapter) -> pd.DataFrame:
    data = chapter.data
    return interoperability.isolated_systems(data.integrations, data.systems, data.authorities)


def responding_systems(chapter: Chapter) -> int:
    """Systems of the authorities that returned the survey."""
    data = chapter.data
    responding = data.authorities.loc[
        data.authorities["responded"].fillna(False).astype(bool), "gss_code"
    ]
    return int(data.systems["gss_code"].isin(set(responding)).sum())


def hosting_models() -> list[str]:
    """The hosting models in the reference order, then "not stated"."""
    return [*load_reference().hosting_names.canonical, hosting.NOT_STATED]


def key_findings(chapter: Chapter) -> Section:
    """Links, the best-connected product, the isolated share and the hosting models, then
    the snapshot sentence."""
    data = chapter.data
    text = narrative.interoperability(
        interoperability.product_links(data.integrations, data.systems),
        interoperability.most_connected_products(data.integrations, data.systems),
        len(_isolated(chapter)),
        responding_systems(chapter),
        hosting.hosting_by(data.systems, by=None),
    )
    return Section(text + "\n\n" + narrative.as_of_sentence(chapter.found))


def integration_network(chapter: Chapter) -> Section:
    """Products joined by the integrations between their systems, the most linked pairs kept."""
    data = chapter.data
    graph = interoperability.product_graph(data.integrations, data.systems)
    connected = interoperability.most_connected_products(data.integrations, data.systems)
    min_links = charts.readable_min_links(graph, max_products=NETWORK_PRODUCTS)
    shown = charts.network_subgraph(graph, min_links=min_links)
    figure = charts.integration_network(
        graph,
        min_links=min_links,
        title=f"Products linked by {min_links} or more integrations"
        if min_links > 1
        else "Products linked by integrations",
    )
    alt = (
        f"Network drawing of {shown.number_of_nodes()} products joined by "
        f"{shown.number_of_edges()} lines, each a pair of products whose systems are linked at "
        f"least {min_links} times"
        + (
            f"; {connected.iloc[0]['product']} has the most partners."
            if not connected.empty
            else "."
        )
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def most_connected(chapter: Chapter) -> Section:
    """The products linked to the most other products (nothing when none is linked)."""
    data = chapter.data
    connected = interoperability.most_connected_products(data.integrations, data.systems)
    if connected.empty:
        return Section()
    top = connected.head(CONNECTED_SHOWN)
    figure = charts.ranked_value_bars(
        top,
        category="product",
        value="partners",
        value_format="{:.0f}",
        title="Products linked to the most other products",
        xlabel="Other products linked (count)",
        ylabel="Product",
    )
    alt = (
        f"Ranked bar chart of the {len(top)} products linked to the most other products; "
        f"{top.iloc[0]['product']} is linked to {top.iloc[0]['partners']}."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def isolated_systems(chapter: Chapter) -> Section:
    """Systems of responding authorities linked to nothing, by service area."""
    isolated = _isolated(chapter)
    per_area = isolated.groupby("service_area").size().rename("isolated").reset_index()
    if per_area.empty:
        return Section("Every system of the responding authorities has at least one link.")
    figure = plots.ranked_bar_chart(
        per_area,
        category="service_area",
        series=["isolated"],
        title="Systems with no integration, by service area",
        xlabel="Isolated systems (count)",
        ylabel="Service area",
    )
    top = per_area.sort_values(["isolated", "service_area"], ascending=[False, True]).iloc[0]
    alt = (
        f"Ranked bar chart of {len(isolated)} isolated systems in {len(per_area)} service "
        f"areas; {top['service_area']} has the most, {top['isolated']}."
    )
    return Section(figure=figure, alt=alt, source=_source(chapter))


def hosting_by_area(chapter: Chapter) -> Section:
    """How each service area's systems are hosted, as 100% stacked bars (nothing when no
    system is held)."""
    data = chapter.data
    by_area = hosting.hosting_by(data.systems, by="service_area")
    if by_area.empty:
        return Section()
    overall = hosting.hosting_by(data.systems, by=None)
    figure = charts.hosting_bars(
        by_area,
        by="service_area",
        models=hosting_models(),
        title="How systems are hosted, by service area",
        ylabel="Service area",
    )
    alt = (
        f"100% stacked bar chart of hosting models in {by_area['service_area'].nunique()} "
        f"service areas, most on-premises first. London-wide: "
        + "; ".join(f"{row.hosting} {row.share:.0%}" for row in overall.itertuples())
        + "."
    )
    source = overview.survey_source(chapter.processed_dir, ["systems"])
    return Section(figure=figure, alt=alt, source=source)


def cloud_shares(chapter: Chapter) -> pd.DataFrame:
    """Each authority's share of systems hosted as cloud software (the reference's second
    hosting model): ``gss_code``, ``share`` (0 when none) and ``percent``."""
    cloud_model = hosting_models()[1]
    by_authority = hosting.hosting_by(chapter.data.systems, by="gss_code")
    cloud = (
        by_authority[by_authority["hosting"] == cloud_model][["gss_code", "share"]]
        .merge(by_authority[["gss_code"]].drop_duplicates(), on="gss_code", how="right")
        .fillna({"share": 0.0})
    )
    cloud["percent"] = cloud["share"] * 100
    return cloud


def cloud_map(chapter: Chapter) -> Section:
    """A map of each authority's share of systems in the cloud (nothing when none is held)."""
    cloud_model = hosting_models()[1]
    cloud = cloud_shares(chapter)
    if cloud.empty:
        return Section()
    figure = plots.tile_map(
        cloud,
        authorities=chapter.data.authorities,
        value_column="percent",
        title="Share of each authority's systems in the cloud",
        value_label=f"{cloud_model} (% of systems)",
        no_data_label="No return",
    )
    top = cloud.sort_values(["share", "gss_code"], ascending=[False, True]).iloc[0]
    alt = (
        f"Tile map of London's authorities coloured by the share of their systems that are "
        f"{cloud_model}; {chapter.names[top['gss_code']]} has the highest, {top['share']:.0%}."
    )
    source = overview.survey_source(chapter.processed_dir, ["systems", "authorities"])
    return Section(figure=figure, alt=alt, source=source)
