"""Interoperability: the network of integrations between systems and between products."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from citytools_analysis.release.processed import of_responding


def _resolved_links(integrations: pd.DataFrame, systems: pd.DataFrame) -> pd.DataFrame:
    """Integrations whose both ends are known systems, with each end's product."""
    known = integrations[
        integrations["linked_record_id"].notna()
        & (integrations["record_id"] != integrations["linked_record_id"])
    ]
    products = systems.set_index("record_id")["product"]
    known = known[
        known["record_id"].isin(products.index) & known["linked_record_id"].isin(products.index)
    ]
    return pd.DataFrame(
        {
            "gss_code": known["gss_code"].to_numpy(),
            "record_id": known["record_id"].to_numpy(),
            "linked_record_id": known["linked_record_id"].to_numpy(),
            "product": products.reindex(known["record_id"]).to_numpy(),
            "linked_product": products.reindex(known["linked_record_id"]).to_numpy(),
        }
    )


def integration_graph(integrations: pd.DataFrame, systems: pd.DataFrame) -> nx.Graph:
    """The system-level integration network.

    Nodes are every system (``record_id``) with attributes ``gss_code``, ``product`` and
    ``service_area``; an undirected edge joins two systems when either names the other
    (links to a system not found in the return, and self-links, are left out).

    Returns
    -------
    networkx.Graph
    """
    graph = nx.Graph()
    for row in systems.sort_values("record_id").itertuples(index=False):
        graph.add_node(
            row.record_id, gss_code=row.gss_code, product=row.product, service_area=row.service_area
        )
    links = _resolved_links(integrations, systems)
    graph.add_edges_from(zip(links["record_id"], links["linked_record_id"]))
    return graph


def product_links(integrations: pd.DataFrame, systems: pd.DataFrame) -> pd.DataFrame:
    """Which products talk to which: system links aggregated to product pairs.

    Metric: two systems linked (either naming the other) count once; the pair of their
    products (alphabetical order; a product may link to itself at another system) is
    counted over all such system pairs, with the distinct authorities where it occurs.

    Returns
    -------
    pandas.DataFrame
        Columns ``product_a, product_b, links, authorities``, sorted by links descending,
        then the product names.
    """
    graph = integration_graph(integrations, systems)
    rows = []
    for left, right in graph.edges():
        a, b = sorted([graph.nodes[left]["product"], graph.nodes[right]["product"]])
        rows.append({"product_a": a, "product_b": b, "gss_code": graph.nodes[left]["gss_code"]})
    frame = pd.DataFrame(rows, columns=["product_a", "product_b", "gss_code"])
    out = (
        frame.groupby(["product_a", "product_b"])
        .agg(links=("gss_code", "size"), authorities=("gss_code", "nunique"))
        .reset_index()
    )
    out = out.astype({"links": int, "authorities": int})
    return out.sort_values(
        ["links", "product_a", "product_b"], ascending=[False, True, True], kind="mergesort"
    ).reset_index(drop=True)


def product_graph(integrations: pd.DataFrame, systems: pd.DataFrame) -> nx.Graph:
    """The product-level network: an edge per linked product pair, ``weight`` = links."""
    graph = nx.Graph()
    graph.add_nodes_from(sorted(systems["product"].dropna().unique()))
    for row in product_links(integrations, systems).itertuples(index=False):
        graph.add_edge(row.product_a, row.product_b, weight=row.links, authorities=row.authorities)
    return graph


def most_connected_products(integrations: pd.DataFrame, systems: pd.DataFrame) -> pd.DataFrame:
    """Products ranked by how many other products their systems are linked to.

    Metric: ``partners`` is the number of distinct other products linked to the product
    anywhere in London; ``links`` the number of system links that touch one of its systems;
    ``authorities`` the authorities where it has at least one link.

    Returns
    -------
    pandas.DataFrame
        Columns ``product, partners, links, authorities`` for products with at least one
        link; sorted by partners descending, links descending, then product.
    """
    graph = integration_graph(integrations, systems)
    rows: dict[str, dict] = {}
    for left, right in graph.edges():
        for here, there in ((left, right), (right, left)):
            product = graph.nodes[here]["product"]
            entry = rows.setdefault(
                product, {"partners": set(), "links": set(), "authorities": set()}
            )
            other = graph.nodes[there]["product"]
            if other != product:
                entry["partners"].add(other)
            entry["links"].add(frozenset((left, right)))
            entry["authorities"].add(graph.nodes[here]["gss_code"])
    out = pd.DataFrame(
        [
            {
                "product": p,
                "partners": len(e["partners"]),
                "links": len(e["links"]),
                "authorities": len(e["authorities"]),
            }
            for p, e in rows.items()
        ],
        columns=["product", "partners", "links", "authorities"],
    )
    return out.sort_values(
        ["partners", "links", "product"], ascending=[False, False, True], kind="mergesort"
    ).reset_index(drop=True)


def isolated_systems(
    integrations: pd.DataFrame, systems: pd.DataFrame, authorities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Systems that exchange data with no other system, as far as the returns say.

    Metric: a system is *isolated* when it neither names a link (even to a system that was
    not found in the return) nor is named by another system. With ``authorities``, only
    systems of responding authorities are considered (others returned no integrations).

    Returns
    -------
    pandas.DataFrame
        Columns ``record_id, gss_code, service_area, product``, sorted by ``record_id``.
    """
    rows = of_responding(systems, authorities)
    connected = set(integrations["record_id"].dropna()) | set(
        integrations["linked_record_id"].dropna()
    )
    out = rows[~rows["record_id"].isin(connected)][
        ["record_id", "gss_code", "service_area", "product"]
    ]
    return out.sort_values("record_id", kind="mergesort").reset_index(drop=True)
