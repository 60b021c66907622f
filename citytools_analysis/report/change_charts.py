"""The charts of the chapter "What changed since the last round".

Each function takes a table of :mod:`citytools_analysis.metrics.changes`, draws it in the
report's theme (:mod:`citytools_analysis.report.plots`) and returns a matplotlib ``Figure``
with a title and labelled axes; the notebook adds alt text and the source line with
:func:`citytools_analysis.report.plots.show_figure`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from citytools_analysis.report.plots import (
    CATEGORICAL,
    FIGURE_WIDTH,
    SERIES_HATCHES,
    TEXT_COLOUR,
    _text_colour,
)


def _height(rows: int) -> float:
    return max(2.4, 0.32 * rows + 1.3)


def change_share_bars(
    table: pd.DataFrame,
    *,
    classes: Sequence[str],
    labels: Mapping[str, str],
    title: str,
    ylabel: str,
) -> Figure:
    """100% stacked bars: each service area's matched systems by change, in the table's order.

    Parameters
    ----------
    table
        From :func:`citytools_analysis.metrics.changes.switching_by_area`: ``service_area`` and
        ``share_<class>`` for each class.
    classes
        The classes to stack, left to right.
    labels
        Class → the name the legend shows.
    title, ylabel
        Title and the service-area axis label.
    """
    frame = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, _height(len(frame)) + 0.6))
    positions = np.arange(len(frame))
    left = np.zeros(len(frame))
    for number, change in enumerate(classes):
        values = frame[f"share_{change}"].to_numpy(dtype=float)
        colour = CATEGORICAL[number % len(CATEGORICAL)]
        ax.barh(
            positions,
            values,
            left=left,
            color=colour,
            hatch=SERIES_HATCHES[number % len(SERIES_HATCHES)],
            edgecolor="white",
            linewidth=0.5,
            label=labels.get(change, change),
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
    ax.set_yticks(
        positions, [f"{area} ({n})" for area, n in zip(frame["service_area"], frame["matched"])]
    )
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    ax.set_xlabel("Share of the service area's systems seen in both rounds (%)")
    ax.set_ylabel(ylabel)
    ax.legend(
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.4, -0.09),
        ncol=min(4, len(classes)),
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def supplier_gain_bars(gains: pd.DataFrame, *, title: str, ylabel: str) -> Figure:
    """Systems each supplier won (right) and lost (left) to another supplier, in the table's order.

    Parameters
    ----------
    gains
        From :func:`citytools_analysis.metrics.changes.supplier_gains` (``supplier, won, lost,
        net``), already cut to the suppliers to show.
    title, ylabel
        Title and the supplier axis label.
    """
    frame = gains.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, _height(len(frame)) + 0.4))
    positions = np.arange(len(frame))
    won, lost = frame["won"].to_numpy(dtype=float), frame["lost"].to_numpy(dtype=float)
    ax.barh(positions, won, color=CATEGORICAL[1], edgecolor="white", linewidth=0.5, label="Won")
    ax.barh(
        positions,
        -lost,
        color=CATEGORICAL[2],
        hatch=SERIES_HATCHES[1],
        edgecolor="white",
        linewidth=0.5,
        label="Lost",
    )
    for position, plus, _minus, net in zip(positions, won, lost, frame["net"]):
        ax.text(
            plus, position, f" net {net:+d}", va="center", ha="left", fontsize=8, color=TEXT_COLOUR
        )
    reach = max(float(won.max()) if len(won) else 1.0, float(lost.max()) if len(lost) else 1.0, 1.0)
    ax.set_xlim(-reach * 1.15, reach * 1.45)
    ax.axvline(0, color=TEXT_COLOUR, linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{abs(value):g}"))
    ax.set_yticks(positions, frame["supplier"].astype(str).tolist())
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    ax.set_xlabel("Systems lost (left) and won (right) since the last round (count)")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
