"""The chapters' charts: ranked bars, expiry timeline, heatmaps, scatter, dot grid, network.

Every function takes a finding table (computed elsewhere in the package), draws it in the
report's theme (:mod:`citytools_analysis.report.plots`) and returns a matplotlib ``Figure`` with a
title and labelled axes; the notebook adds alt text and the source line with
:func:`citytools_analysis.report.plots.show_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from citytools_analysis.release.processed import has_column
from citytools_analysis.report.plots import (
    CATEGORICAL,
    FIGURE_WIDTH,
    HIGHLIGHT_COLOUR,
    NO_DATA_COLOUR,
    SERIES_HATCHES,
    TEXT_COLOUR,
    TWO_SERIES,
    _text_colour,
    ranked_bar_chart,
    sequential_colormap,
    tile_positions,
)

NETWORK_SEED = 2019
"""Seed of the network layout: the same data gives the same drawing."""

FIT_LINE_GID = "fit"
"""``gid`` of the least-squares line in :func:`scatter_with_fit` (tests find it by this)."""

ABOVE, AT, BELOW = "above", "at", "below"


def _bar_height(rows: int) -> float:
    """Figure height for horizontal bars: about a third of an inch a bar."""
    return max(2.6, 0.3 * rows + 1.3)


def ranked_value_bars(
    table: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    xlabel: str,
    ylabel: str,
    value_format: str = "{:.1%}",
    percent: bool = False,
    reference: float | None = None,
    reference_label: str = "",
    xmax: float | None = None,
) -> Figure:
    """Horizontal bars in the table's own row order (first row at the top), each labelled.

    The caller ranks the table (e.g. :func:`citytools_analysis.metrics.market.shares` is largest
    first), so the chart shows exactly the order the finding has.

    Parameters
    ----------
    table
        One row per bar.
    category
        Column naming the bars.
    value
        Column with the bar lengths.
    title, xlabel, ylabel
        Title and axis labels (with units).
    value_format
        Format of the label written at the end of each bar.
    percent
        Show the value axis in percent (values are shares in 0–1).
    reference
        Optional value drawn as a dashed vertical line (e.g. a threshold or an average).
    reference_label
        Text written beside the reference line.
    xmax
        Right end of the value axis (default: a little beyond the longest bar).

    Returns
    -------
    Figure
    """
    frame = table.reset_index(drop=True)
    values = frame[value].astype(float)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, _bar_height(len(frame))))
    positions = np.arange(len(frame))
    ax.barh(positions, values, color=CATEGORICAL[0], edgecolor="white", linewidth=0.5)
    for position, number in zip(positions, values):
        if not math.isnan(number):
            ax.text(
                number,
                position,
                " " + value_format.format(number),
                va="center",
                ha="left",
                fontsize=9,
                color=TEXT_COLOUR,
            )
    ax.set_yticks(positions, frame[category].astype(str).tolist())
    ax.invert_yaxis()
    top = float(values.max()) if len(values) and values.notna().any() else 1.0
    if reference is not None and not math.isnan(reference):
        top = max(top, float(reference))
        ax.axvline(reference, color=CATEGORICAL[3], linestyle="--", linewidth=1.5)
        if reference_label:
            ax.text(
                reference,
                -0.75,
                f" {reference_label}",
                color=CATEGORICAL[3],
                fontsize=9,
                ha="left",
                va="bottom",
            )
    ax.set_xlim(0, xmax if xmax is not None else (top * 1.18 if top > 0 else 1.0))
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def share_bars(
    shares: pd.DataFrame, *, by: str = "supplier", top: int = 15, title: str, ylabel: str
) -> Figure:
    """The ``top`` largest shares as ranked bars, each labelled with its percentage.

    Parameters
    ----------
    shares
        From :func:`citytools_analysis.metrics.market.shares` (largest first).
    by
        The name column (``supplier`` or ``manufacturer``).
    top
        How many bars.
    title, ylabel
        Title and the category axis label.

    Returns
    -------
    Figure
    """
    return ranked_value_bars(
        shares.head(top),
        category=by,
        value="share",
        title=title,
        xlabel="Share of systems (%)",
        ylabel=ylabel,
        percent=True,
    )


def concentration_bars(
    concentration: pd.DataFrame, *, threshold: float = 2500.0, title: str
) -> Figure:
    """Herfindahl–Hirschman index per service area, highest first, with the threshold line.

    Parameters
    ----------
    concentration
        From :func:`citytools_analysis.metrics.market.concentration`.
    threshold
        HHI drawn as a dashed line (2,500: highly concentrated).
    title
        Chart title.

    Returns
    -------
    Figure
    """
    fig = ranked_bar_chart(
        concentration,
        category="service_area",
        series=["hhi"],
        title=title,
        xlabel="Herfindahl–Hirschman index (0–10,000)",
        ylabel="Service area",
    )
    ax = fig.axes[0]
    ax.axvline(threshold, color=CATEGORICAL[3], linestyle="--", linewidth=1.5)
    ax.text(
        threshold,
        -0.75,
        f" {threshold:,.0f}: highly concentrated",
        color=CATEGORICAL[3],
        fontsize=9,
        ha="left",
        va="bottom",
    )
    ax.set_xlim(0, max(ax.get_xlim()[1], threshold * 1.1))
    return fig


def quarters_between(start: date | pd.Timestamp, stop: date | pd.Timestamp) -> list[str]:
    """Labels (``2019 Q4``) of every calendar quarter from ``start``'s to the one before ``stop``.

    ``stop`` is the first day after the horizon, so its quarter is included only when the
    horizon reaches into it.
    """
    first = pd.Timestamp(start).to_period("Q")
    last = (pd.Timestamp(stop) - pd.Timedelta(days=1)).to_period("Q")
    if last < first:
        return []
    return [f"{p.year} Q{p.quarter}" for p in pd.period_range(first, last, freq="Q")]


def expiry_timeline(
    pipeline: pd.DataFrame,
    *,
    as_of: date | pd.Timestamp,
    horizon_end: date | pd.Timestamp,
    by: str | None = "system_type",
    series: Sequence[str] | None = None,
    title: str,
) -> Figure:
    """Contracts ending in each quarter of the horizon, as vertical (stacked) bars.

    Every quarter of the horizon gets a slot, empty quarters included, so gaps show.

    Parameters
    ----------
    pipeline
        From :func:`citytools_analysis.metrics.contracts.expiry_pipeline` with ``freq="quarter"``
        and ``by`` as given here.
    as_of, horizon_end
        The horizon (``horizon_end`` is its first day after).
    by
        The stacking column of ``pipeline`` (or ``None`` for one series).
    series
        Order of the stacked values (default: alphabetical).
    title
        Chart title.

    Returns
    -------
    Figure
    """
    quarters = quarters_between(as_of, horizon_end)
    if by:
        wide = pipeline.pivot_table(
            index="period", columns=by, values="systems", aggfunc="sum", fill_value=0
        )
        names = list(series) if series is not None else sorted(wide.columns)
        wide = wide.reindex(index=quarters, columns=names, fill_value=0)
    else:
        wide = (
            pipeline.groupby("period")["systems"]
            .sum()
            .reindex(quarters, fill_value=0)
            .to_frame("Systems")
        )
        names = ["Systems"]
    wide = wide.fillna(0)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, FIGURE_WIDTH * 0.55))
    positions = np.arange(len(quarters))
    bottom = np.zeros(len(quarters))
    colours = TWO_SERIES if len(names) == 2 else CATEGORICAL
    for number, name in enumerate(names):
        values = wide[name].to_numpy(dtype=float)
        ax.bar(
            positions,
            values,
            bottom=bottom,
            color=colours[number % len(colours)],
            hatch=SERIES_HATCHES[number % len(SERIES_HATCHES)],
            edgecolor="white",
            linewidth=0.5,
            label=str(name),
        )
        bottom = bottom + values
    for position, total in zip(positions, bottom):
        if total:
            ax.text(position, total, f"{total:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(
        positions,
        quarters,
        rotation=90 if len(quarters) > 14 else 45,
        ha="center" if len(quarters) > 14 else "right",
    )
    ax.set_xlim(-0.6, max(len(quarters), 1) - 0.4)
    ax.set_ylim(0, max(float(bottom.max()) if len(bottom) else 0.0, 1.0) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="x", visible=False)
    ax.set_title(title)
    ax.set_xlabel("Quarter in which the contract ends")
    ax.set_ylabel("Contracts ending (count)")
    if len(names) > 1:
        ax.legend(frameon=False, loc="upper right")
    fig.tight_layout()
    return fig


def _heatmap(
    matrix: pd.DataFrame,
    *,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    title: str,
    xlabel: str,
    ylabel: str,
    value_label: str,
    cmap: mcolors.Colormap,
    norm: mcolors.Normalize,
    annotate: bool,
    value_format: str = "{:.0f}",
    colorbar_ticks: Mapping[float, str] | None = None,
    missing_colour: str = NO_DATA_COLOUR,
) -> Figure:
    """A heatmap of a numeric matrix (missing cells ``missing_colour``), rows as given."""
    values = matrix.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    n_rows, n_cols = values.shape
    longest = max((len(str(label)) for label in column_labels), default=4)
    width = FIGURE_WIDTH
    height = max(3.0, 0.32 * n_rows + 0.1 * longest + 1.6)
    fig, ax = plt.subplots(figsize=(width, height))
    colours = cmap.with_extremes(bad=missing_colour)
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(values), cmap=colours, norm=norm, edgecolors="white", linewidth=0.5
    )
    if annotate:
        for row in range(n_rows):
            for col in range(n_cols):
                number = values[row, col]
                if math.isnan(number):
                    continue
                fill = colours(norm(number))
                ax.text(
                    col + 0.5,
                    row + 0.5,
                    value_format.format(number),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color=_text_colour(fill),
                )
    ax.set_xticks(
        np.arange(n_cols) + 0.5, [str(label) for label in column_labels], rotation=90, fontsize=10
    )
    ax.set_yticks(np.arange(n_rows) + 0.5, [str(label) for label in row_labels], fontsize=10)
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.grid(False)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    bar = fig.colorbar(mesh, ax=ax, fraction=0.03, pad=0.02)
    bar.set_label(value_label)
    bar.outline.set_visible(False)
    if colorbar_ticks:
        bar.set_ticks(list(colorbar_ticks), labels=list(colorbar_ticks.values()))
    fig.tight_layout()
    return fig


def authority_product_heatmap(
    matrix: pd.DataFrame, *, names: Mapping[str, str], title: str
) -> Figure:
    """Which authority runs which product: authorities as rows, products as columns.

    Parameters
    ----------
    matrix
        From :func:`citytools_analysis.metrics.collaboration.authority_product_matrix` (index GSS
        code, a column per product, systems counted), already narrowed to the products
        to show.
    names
        GSS code → short name for the row labels.
    title
        Chart title.

    Returns
    -------
    Figure
        One cell per authority × product (cells with 0 systems are left white).
    """
    shown = matrix.astype(float).where(matrix > 0)
    top = float(np.nanmax(shown.to_numpy(dtype=float))) if shown.notna().any().any() else 1.0
    cmap = sequential_colormap()
    norm = mcolors.Normalize(vmin=0, vmax=max(top, 1.0))
    fig = _heatmap(
        shown,
        row_labels=[names.get(code, code) for code in matrix.index],
        column_labels=list(matrix.columns),
        title=title,
        xlabel="Product",
        ylabel="Authority",
        value_label="Systems (count)",
        cmap=cmap,
        norm=norm,
        annotate=top > 1,
        missing_colour="white",
    )
    return fig


def skills_heatmap(
    matrix: pd.DataFrame, *, names: Mapping[str, str], levels: Mapping[int, str], title: str
) -> Figure:
    """Each authority's self-assessed level in each skill area, the level written in the cell.

    Parameters
    ----------
    matrix
        From :func:`citytools_analysis.metrics.skills.skills_matrix` (index GSS code, a column per
        skill area, levels 0–4, ``<NA>`` where not assessed).
    names
        GSS code → short name for the row labels.
    levels
        Level → label (the reference ``skill_levels``), for the colour bar.
    title
        Chart title.

    Returns
    -------
    Figure
    """
    lowest, highest = min(levels), max(levels)
    steps = highest - lowest + 1
    cmap = mcolors.ListedColormap(
        [sequential_colormap()(i / max(steps - 1, 1)) for i in range(steps)]
    )
    norm = mcolors.BoundaryNorm(np.arange(lowest - 0.5, highest + 1.0, 1.0), steps)
    return _heatmap(
        matrix,
        row_labels=[names.get(code, code) for code in matrix.index],
        column_labels=list(matrix.columns),
        title=title,
        xlabel="Skill area",
        ylabel="Authority",
        value_label="Level (0–4)",
        cmap=cmap,
        norm=norm,
        annotate=True,
        colorbar_ticks={float(k): f"{k} {v}" for k, v in sorted(levels.items())},
    )


def least_squares(x: Sequence[float], y: Sequence[float]) -> tuple[float, float] | None:
    """Slope and intercept of the least-squares line; ``None`` with under two distinct x."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(np.unique(xs)) < 2:
        return None
    slope, intercept = np.polyfit(xs, ys, 1)
    return float(slope), float(intercept)


def scatter_with_fit(
    table: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    xlabel: str,
    ylabel: str,
    labels: str | None = None,
    note: str = "",
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """A scatter of two columns with the least-squares line (``gid`` ``"fit"``).

    Parameters
    ----------
    table
        One row per point.
    x, y
        The columns plotted.
    title, xlabel, ylabel
        Title and axis labels (with units).
    labels
        Optional column written beside each point (e.g. the authority's abbreviation).
    note
        Text written in the top right corner (e.g. the rank correlation).
    ylim
        Limits of the y axis (e.g. the rating scale).

    Returns
    -------
    Figure
        Without a line when fewer than two distinct x values exist.
    """
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, FIGURE_WIDTH * 0.6))
    xs, ys = table[x].astype(float), table[y].astype(float)
    ax.scatter(xs, ys, s=45, color=CATEGORICAL[0], edgecolor="white", linewidth=0.8, zorder=3)
    if labels:
        for px, py, text in zip(xs, ys, table[labels].fillna("").astype(str)):
            ax.annotate(
                text.upper(),
                (px, py),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=8,
                color="#505A5F",
            )
    fit = least_squares(xs, ys)
    if fit is not None:
        slope, intercept = fit
        line_x = np.array([xs.min(), xs.max()])
        ax.plot(
            line_x,
            intercept + slope * line_x,
            color=CATEGORICAL[3],
            linewidth=2,
            gid=FIT_LINE_GID,
            label="Least-squares line",
            zorder=2,
        )
        ax.legend(frameon=False, loc="lower left")
    if note:
        ax.text(0.99, 0.97, note, transform=ax.transAxes, ha="right", va="top", fontsize=9)
    if ylim:
        ax.set_ylim(*ylim)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def maturity_dot_grid(vs_median: pd.DataFrame, *, names: Mapping[str, str], title: str) -> Figure:
    """Each authority's score per dimension, marked above, at or below the London median.

    Authorities are rows (highest total difference from the median first), dimensions
    columns; a marker's shape and colour say above (▲), at (●) or below (▼) the median and
    the score is written beside it, so colour is never the only carrier.

    Parameters
    ----------
    vs_median
        From :func:`citytools_analysis.metrics.maturity.maturity_vs_median`.
    names
        GSS code → short name.
    title
        Chart title.

    Returns
    -------
    Figure
    """
    frame = vs_median.copy()
    order = (
        frame.groupby("gss_code")["difference"].sum().sort_values(ascending=False, kind="mergesort")
    )
    rows = {code: number for number, code in enumerate(order.index)}
    dimensions = sorted(frame["dimension"].unique())
    cols = {name: number for number, name in enumerate(dimensions)}
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, max(3.0, 0.3 * len(rows) + 1.8)))
    styles = {
        ABOVE: ("^", CATEGORICAL[0], "Above the London median"),
        AT: ("o", "#6F777B", "At the median"),
        BELOW: ("v", TWO_SERIES[1], "Below the median"),
    }
    side = np.select([frame["difference"] > 0, frame["difference"] < 0], [ABOVE, BELOW], AT)
    for key, (marker, colour, label) in styles.items():
        part = frame[side == key]
        ax.scatter(
            part["dimension"].map(cols),
            part["gss_code"].map(rows),
            marker=marker,
            s=70,
            color=colour,
            label=label,
            zorder=3,
        )
    for row in frame.itertuples(index=False):
        ax.text(
            cols[row.dimension] + 0.12, rows[row.gss_code], str(row.score), va="center", fontsize=8
        )
    ax.set_xticks(range(len(dimensions)), [_wrap(name) for name in dimensions], fontsize=9)
    ax.set_yticks(range(len(rows)), [names.get(code, code) for code in order.index], fontsize=8)
    ax.set_xlim(-0.5, len(dimensions) - 0.4)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_title(title)
    ax.set_xlabel("Dimension (score 1–5 beside each marker)")
    ax.set_ylabel("Authority")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int = 12) -> str:
    """Break a label over lines of about ``width`` characters."""
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def network_subgraph(graph: nx.Graph, *, min_links: int = 1) -> nx.Graph:
    """The product network to draw: edges with at least ``min_links`` links, no self-loops.

    Nodes left without an edge are dropped.
    """
    kept = nx.Graph()
    for left, right, data in sorted(graph.edges(data=True)):
        if left != right and data.get("weight", 1) >= min_links:
            kept.add_edge(left, right, **data)
    return kept


def integration_network(
    graph: nx.Graph, *, min_links: int = 1, labelled: int = 12, title: str, seed: int = NETWORK_SEED
) -> Figure:
    """Which products exchange data: a network drawing with a seeded spring layout.

    Node size grows with the number of links touching the product; edge width with the
    links between two products; the ``labelled`` best-connected products are named.

    Parameters
    ----------
    graph
        From :func:`citytools_analysis.metrics.interoperability.product_graph` (edge ``weight`` =
        system links).
    min_links
        Draw only product pairs with at least this many links.
    labelled
        How many products to name (by weighted degree, then name).
    title
        Chart title.
    seed
        Layout seed.

    Returns
    -------
    Figure
        ``fig.axes[0].collections[0]`` holds one marker per drawn product.
    """
    shown = network_subgraph(graph, min_links=min_links)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, FIGURE_WIDTH * 0.75))
    ax.set_title(title)
    ax.axis("off")
    if shown.number_of_nodes() == 0:
        ax.text(
            0.5, 0.5, "No integrations to draw", ha="center", va="center", transform=ax.transAxes
        )
        return fig
    nodes = sorted(shown.nodes())
    ordered = nx.Graph()
    ordered.add_nodes_from(nodes)
    ordered.add_edges_from(sorted(shown.edges(data=True)))
    position = nx.spring_layout(
        ordered, seed=seed, weight="weight", k=1.6 / math.sqrt(len(nodes)), iterations=200
    )
    strength = dict(ordered.degree(weight="weight"))
    top = max(strength.values()) or 1
    weights = [data.get("weight", 1) for _, _, data in ordered.edges(data=True)]
    heaviest = max(weights) if weights else 1
    nx.draw_networkx_nodes(
        ordered,
        position,
        nodelist=nodes,
        ax=ax,
        node_size=[40 + 460 * strength[n] / top for n in nodes],
        node_color=CATEGORICAL[0],
        edgecolors="white",
        linewidths=0.8,
    )
    nx.draw_networkx_edges(
        ordered,
        position,
        ax=ax,
        edge_color="#6F777B",
        alpha=0.6,
        width=[0.5 + 3.5 * w / heaviest for w in weights],
    )
    named = sorted(nodes, key=lambda n: (-strength[n], n))[:labelled]
    for node in named:
        px, py = position[node]
        ax.text(
            px,
            py + 0.05,
            node,
            ha="center",
            va="bottom",
            fontsize=8,
            color=TEXT_COLOUR,
            fontweight="bold",
            bbox={
                "boxstyle": "round,pad=0.15",
                "facecolor": "white",
                "alpha": 0.75,
                "edgecolor": "none",
            },
        )
    ax.legend(
        handles=[
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color=CATEGORICAL[0],
                label="Product (size: links)",
            ),
            Line2D([], [], color="#6F777B", linewidth=2, label="Systems linked (width: count)"),
        ],
        frameon=False,
        loc="lower left",
        fontsize=8,
    )
    return fig


def hosting_bars(
    hosting: pd.DataFrame,
    *,
    by: str = "service_area",
    models: Sequence[str],
    title: str,
    ylabel: str,
) -> Figure:
    """Hosting models as 100% stacked bars per group, the first model's share largest first.

    Parameters
    ----------
    hosting
        From :func:`citytools_analysis.metrics.hosting.hosting_by` with the same ``by``.
    by
        The group column.
    models
        Hosting models in stacking order (the first also orders the bars); models absent
        from the data are skipped.
    title, ylabel
        Title and the group axis label.

    Returns
    -------
    Figure
    """
    wide = hosting.pivot_table(
        index=by, columns="hosting", values="share", aggfunc="sum", fill_value=0.0
    )
    present = [m for m in models if m in wide.columns]
    present += sorted(c for c in wide.columns if c not in present)
    wide = wide.reindex(columns=present, fill_value=0.0)
    wide = (
        wide.sort_values([present[0], *present[1:2]], ascending=False, kind="mergesort")
        if present
        else wide
    )
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, _bar_height(len(wide)) + 0.6))
    positions = np.arange(len(wide))
    left = np.zeros(len(wide))
    for number, model in enumerate(present):
        values = wide[model].to_numpy(dtype=float)
        colour = CATEGORICAL[number % len(CATEGORICAL)]
        ax.barh(
            positions,
            values,
            left=left,
            color=colour,
            hatch=SERIES_HATCHES[number % len(SERIES_HATCHES)],
            edgecolor="white",
            linewidth=0.5,
            label=model,
        )
        for position, start, share in zip(positions, left, values):
            if share >= 0.08:
                ax.text(
                    start + share / 2,
                    position,
                    f"{share:.0%}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=_text_colour(colour),
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": colour, "edgecolor": "none"},
                )
        left = left + values
    ax.set_yticks(positions, wide.index.astype(str).tolist())
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    ax.set_xlabel("Share of the group's systems (%)")
    ax.set_ylabel(ylabel)
    ax.legend(
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.4, -0.09),
        ncol=min(3, max(len(present), 1)),
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def readable_min_links(graph: nx.Graph, *, max_products: int = 40) -> int:
    """The smallest ``min_links`` whose drawing (see :func:`network_subgraph`) shows at most
    ``max_products`` products, so the network stays legible at book width.

    Returns
    -------
    int
        At least 1.
    """
    weights = sorted({int(data.get("weight", 1)) for _, _, data in graph.edges(data=True)})
    for threshold in [1, *weights]:
        if network_subgraph(graph, min_links=threshold).number_of_nodes() <= max_products:
            return threshold
    return max(weights, default=1)


def share_pairs(compared: pd.DataFrame, *, title: str, ylabel: str, top: int = 12) -> Figure:
    """Each supplier's share of systems beside its share of money paid, as paired bars.

    Parameters
    ----------
    compared
        From :func:`citytools_analysis.metrics.spend.shares_compared` (``supplier``,
        ``share_systems``, ``share_money``; most money first).
    title, ylabel
        Title and the category axis label.
    top
        How many suppliers.

    Returns
    -------
    Figure
    """
    table = compared.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, _bar_height(len(table) * 2)))
    positions = np.arange(len(table))
    height = 0.4
    ax.barh(
        positions + height / 2,
        table["share_systems"] * 100,
        height=height,
        color=TWO_SERIES[0],
        label="Share of systems (survey and registers)",
    )
    ax.barh(
        positions - height / 2,
        table["share_money"] * 100,
        height=height,
        color=TWO_SERIES[1],
        hatch=SERIES_HATCHES[1],
        label="Share of IT money paid (spend)",
    )
    ax.set_yticks(positions, table["supplier"].tolist())
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_title(title)
    ax.set_xlabel("Share (%)")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def reported_against_paid(check: pd.DataFrame, *, title: str) -> Figure:
    """Annual costs reported in the survey against what was paid, one point per authority
    and supplier, on logarithmic axes with the line where the two are equal.

    Parameters
    ----------
    check
        From :func:`citytools_analysis.metrics.spend.cost_check` (``reported_gbp``,
        ``paid_gbp``). Pairs with nothing paid are drawn on the bottom edge.
    title
        The title.

    Returns
    -------
    Figure
    """
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, FIGURE_WIDTH * 0.7))
    reported = check["reported_gbp"].astype(float).clip(lower=1)
    paid = check["paid_gbp"].astype(float)
    floor = max(1.0, float(reported.min()) / 4) if len(check) else 1.0
    unpaid = paid <= 0
    ax.scatter(
        reported[~unpaid],
        paid[~unpaid],
        s=30,
        color=CATEGORICAL[0],
        edgecolor="white",
        linewidth=0.6,
        zorder=3,
        label="Paid that supplier that year",
    )
    if unpaid.any():
        ax.scatter(
            reported[unpaid],
            [floor] * int(unpaid.sum()),
            s=30,
            marker="v",
            color=CATEGORICAL[3],
            zorder=3,
            label="Nothing paid that year (drawn at the bottom)",
        )
    low = min(floor, float(reported.min()) if len(check) else 1.0)
    high = max(
        float(reported.max()) if len(check) else 10.0, float(paid.max()) if len(check) else 10.0
    )
    ax.plot(
        [low, high],
        [low, high],
        color=TEXT_COLOUR,
        linewidth=1,
        linestyle="--",
        label="Paid equals reported",
        zorder=2,
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("Annual cost reported in the survey (£, log scale)")
    ax.set_ylabel("Net IT payments that year (£, log scale)")
    ax.legend(frameon=False, loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def category_tile_map(
    categories: pd.DataFrame,
    *,
    authorities: pd.DataFrame,
    category_column: str,
    legend: Sequence[str],
    title: str,
    legend_title: str,
    highlight: str | None = None,
    label_column: str = "abbreviation",
) -> Figure:
    """The London tile map with each square in a category, and a categorical legend.

    For a yes/no or few-valued fact (returned the survey / did not / known from registers)
    a colour bar from 0 to 1 would suggest a quantity: here each category has its own
    colour (and hatching, so colour is not the only carrier), and the legend names them.
    Each square also writes a short form of its category under the authority's label.

    Parameters
    ----------
    categories
        ``gss_code`` and ``category_column``; an authority absent or missing gets the last
        category of ``legend``.
    authorities
        The authorities reference table (``gss_code``, ``short_name``, ``tile_row``,
        ``tile_col`` and ``label_column``).
    category_column
        Column of ``categories`` naming each authority's category.
    legend
        The categories in legend order; each gets a palette colour in turn, except that the
        last, the default, is grey and hatched like "no data".
    title, legend_title
        Chart title and legend heading.
    highlight
        GSS code of an authority to outline thickly.
    label_column
        Column of ``authorities`` written in each square (``short_name`` where empty).

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
        If a category is not in ``legend``, or ``legend`` is empty.

    Notes
    -----
    The legend lists each category present with its count of authorities; a category no
    authority is in is left out of it.
    """
    if not legend:
        raise ValueError("a categorical tile map needs at least one category in its legend")
    table = authorities.merge(categories[["gss_code", category_column]], on="gss_code", how="left")
    table[category_column] = table[category_column].where(
        table[category_column].notna(), legend[-1]
    )
    unknown = sorted(set(table[category_column].astype(str)) - set(legend))
    if unknown:
        raise ValueError(f"categories {unknown} are not in the legend {list(legend)}")
    styles = {
        name: (CATEGORICAL[number % len(CATEGORICAL)], None)
        for number, name in enumerate(legend[:-1])
    }
    styles[legend[-1]] = (NO_DATA_COLOUR, "///")
    rows, cols, on_grid = tile_positions(table)
    max_col = int(cols[on_grid].max())
    min_row = int(rows[on_grid].min())
    n_rows = int(rows[on_grid].max()) - min_row + 1
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, FIGURE_WIDTH * (n_rows + 1.6) / (max_col + 3.5)))
    gap = 0.06
    for index in table.index:
        category = str(table.at[index, category_column])
        fill, hatch = styles[category]
        is_highlight = highlight is not None and table.at[index, "gss_code"] == highlight
        square = Rectangle(
            (cols[index] + gap / 2, rows[index] + gap / 2),
            1 - gap,
            1 - gap,
            facecolor=fill,
            hatch=hatch,
            edgecolor=HIGHLIGHT_COLOUR if is_highlight else "white",
            linewidth=3.0 if is_highlight else 0.5,
            linestyle="-" if on_grid[index] else "--",
            zorder=3 if is_highlight else 2,
        )
        square.set_gid(table.at[index, "gss_code"])
        ax.add_patch(square)
        label = table.at[index, label_column] if has_column(table, label_column) else pd.NA
        if pd.isna(label) or not str(label).strip():
            label = table.at[index, "short_name"]
        colour = _text_colour(fill)
        ax.text(
            cols[index] + 0.5,
            rows[index] + 0.5,
            str(label).upper(),
            ha="center",
            va="center",
            fontsize=8,
            fontweight="bold",
            color=colour,
            zorder=4,
        )
    ax.set_xlim(-0.1, max_col + 2.6)
    ax.set_ylim(min_row + n_rows + 0.1, min_row - 0.1)  # row 0 at the top
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    counts = table[category_column].astype(str).value_counts()
    handles = [
        Patch(
            facecolor=styles[name][0],
            hatch=styles[name][1],
            edgecolor="#505A5F",
            linewidth=0.5,
            label=f"{name} ({int(counts[name])})",
        )
        for name in legend
        if counts.get(name, 0)
    ]  # an empty category is not listed
    ax.legend(
        handles=handles,
        title=legend_title,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        frameon=False,
        fontsize=9,
        title_fontsize=9,
    )
    fig.tight_layout()
    return fig
