"""The report's one chart theme, its figure checks, and the charts several chapters share."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from citytools_analysis.release.processed import has_column
from citytools_analysis.report.formatting import NOT_STATED, table_cells

# UK Government Analysis Function palette, in its prescribed order.
CATEGORICAL = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
# Two series: dark blue and orange.
TWO_SERIES = ("#12436D", "#F46A25")
# Sequential, darkest first (the Analysis Function order).
SEQUENTIAL = ("#12436D", "#2073BC", "#6BACE6")
TEXT_COLOUR = "#0B0C0C"
NO_DATA_COLOUR = "#E5E5E5"
HIGHLIGHT_COLOUR = "#0B0C0C"

# Width that fills the book's content column without being scaled down much.
FIGURE_WIDTH = 8.0  # inches
FIGURE_DPI = 150
# Hatches give each series of a bar chart a second carrier besides colour.
SERIES_HATCHES = ("", "///", "...", "xx", "\\\\", "++")

COLORBAR_LABEL = "<colorbar>"  # matplotlib's label for axes it makes for a colour bar


# scipy modules seaborn imports at once but the report never uses through seaborn: kernel
# density estimates (scipy.stats) and the clustered heat map (scipy.cluster, which brings
# scipy.spatial and scipy.linalg).
_SEABORN_UNUSED_SCIPY = ("scipy.stats", "scipy.cluster")


def _seaborn():
    """seaborn, imported for its theme, without importing ``scipy.stats`` or ``scipy.cluster``.

    Importing seaborn imports ``scipy.stats`` for kernel density estimates and
    ``scipy.cluster`` for clustered heat maps (together about 2 s of CPU in every notebook's
    kernel, most of seaborn's import time), which the report never draws: the theme is all
    it uses of seaborn. While seaborn is imported, both are marked as unavailable, so
    seaborn takes its own bundled copy of the estimator and leaves clustering out; then the
    marks are removed, and a later ``import scipy.stats`` (Spearman's rho) works as usual.
    The theme, and so every figure, is the same either way.
    """
    import sys

    if "seaborn" in sys.modules:
        return sys.modules["seaborn"]
    blocked = [name for name in _SEABORN_UNUSED_SCIPY if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import seaborn
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return seaborn


def apply_theme() -> None:
    """Set the report's seaborn theme and Analysis Function colours for every later figure."""
    _seaborn().set_theme(
        context="notebook",
        style="whitegrid",
        palette=list(CATEGORICAL),
        font="DejaVu Sans",
        rc={
            "figure.figsize": (FIGURE_WIDTH, FIGURE_WIDTH * 0.6),
            "figure.dpi": 100,
            "savefig.dpi": FIGURE_DPI,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelcolor": TEXT_COLOUR,
            "text.color": TEXT_COLOUR,
            "xtick.color": TEXT_COLOUR,
            "ytick.color": TEXT_COLOUR,
            "axes.edgecolor": "#BFC1C3",
            "grid.color": "#E5E5E5",
            "svg.hashsalt": "citytools",
        },
    )


def sequential_colormap() -> mcolors.Colormap:
    """The sequential palette as a colour map, light for low values and dark for high ones."""
    return mcolors.LinearSegmentedColormap.from_list("af_sequential", list(reversed(SEQUENTIAL)))


def add_source(fig: Figure, source_text: str) -> None:
    """Write a source line under the figure, left-aligned, for figures saved outside the book.

    Parameters
    ----------
    fig
        The figure to annotate.
    source_text
        The source, e.g. ``"City Tools: London survey (synthetic)"``; ``"Source: "`` is
        prepended unless the text already starts with it.
    """
    text = source_text if source_text.startswith("Source:") else f"Source: {source_text}"
    fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=8, color="#505A5F")


def check_figure(fig: Figure) -> None:
    """Raise ``ValueError`` unless the figure has a title and every chart axis is labelled.

    Axes drawn without axis lines (``axis("off")``, e.g. a tile map) need no axis labels; a
    colour bar needs a label on its long axis (the units).

    Parameters
    ----------
    fig
        The figure to check.

    Raises
    ------
    ValueError
        If no title is set (axes title or suptitle), or a visible axis has no label.
    """
    suptitle = fig.get_suptitle()
    titles = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    if not suptitle.strip() and not any(title.strip() for title in titles):
        raise ValueError("figure has no title: set one with ax.set_title() or fig.suptitle()")
    for ax in fig.axes:
        if not ax.axison:
            continue
        if ax.get_label() == COLORBAR_LABEL:
            if not (ax.get_xlabel().strip() or ax.get_ylabel().strip()):
                raise ValueError("colour bar has no label: say what the colours measure")
            continue
        for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())):
            if not label.strip():
                raise ValueError(f"axes {ax.get_title()!r} has no {name} label")


def figure_png(fig: Figure) -> bytes:
    """Render the figure to PNG bytes that are the same on every run (no software/date tags)."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=FIGURE_DPI,
        bbox_inches="tight",
        facecolor="white",
        metadata={"Software": None},
    )
    return buffer.getvalue()


class FigureOutput:
    """A rendered figure: HTML ``<figure>`` for the book, its alt text as the plain repr."""

    def __init__(self, png: bytes, alt: str, source: str) -> None:
        self.png = png
        self.alt = alt
        self.source = source

    def _repr_html_(self) -> str:
        encoded = base64.b64encode(self.png).decode("ascii")
        source = self.source if self.source.startswith("Source:") else f"Source: {self.source}"
        return (
            '<figure class="citytools-figure">'
            f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(self.alt, quote=True)}"'
            ' style="max-width: 100%; height: auto;">'
            f"<figcaption>{html.escape(source)}</figcaption>"
            "</figure>"
        )

    def __repr__(self) -> str:
        return f"Figure: {self.alt}"


def figure_output(fig: Figure, *, alt: str, source: str) -> FigureOutput:
    """Check the figure, render it with its alt text and source line, and close it.

    Parameters
    ----------
    fig
        The finished figure (title and axis labels set).
    alt
        Alternative text: what the figure shows, for people who cannot see it.
    source
        The data source, e.g. ``"City Tools: London survey (synthetic)"``.

    Returns
    -------
    FigureOutput
        The rendered figure (HTML for the book; its plain-text form is the alt text).

    Raises
    ------
    ValueError
        If ``alt`` or ``source`` is empty, or the figure lacks a title or axis labels.
    """
    if not alt.strip():
        raise ValueError("alt text is required")
    if not source.strip():
        raise ValueError("a source line is required")
    check_figure(fig)
    output = FigureOutput(figure_png(fig), alt.strip(), source.strip())
    plt.close(fig)
    return output


def show_figure(fig: Figure, *, alt: str, source: str) -> None:
    """Display a figure once, as an ``<img>`` with alt text and a source caption.

    In a notebook the figure is displayed as an HTML ``<figure>`` holding an ``<img>`` with
    the alt text and a ``<figcaption>`` with the source, so the built book carries both. The
    figure is closed, so the inline backend does not display it a second time, and nothing
    is returned, so a call as a cell's last line does not display it again either.

    Parameters
    ----------
    fig
        The finished figure (title and axis labels set).
    alt
        Alternative text: what the figure shows, for people who cannot see it.
    source
        The data source.

    Raises
    ------
    ValueError
        If ``alt`` or ``source`` is empty, or the figure lacks a title or axis labels.
    """
    display(figure_output(fig, alt=alt, source=source))


def table_html(frame: pd.DataFrame) -> str:
    """A table as plain HTML without its index, each cell written by what it is.

    Cells are written by :func:`citytools_analysis.report.formatting.table_cells`: money as
    ``£310,000``, years as ``2022``, whole numbers with thousands separators, and a missing
    value as "not stated".

    Parameters
    ----------
    frame
        The table to show; its column names are the headings.

    Returns
    -------
    str
        An HTML ``<table>`` (the same text on every run: no generated ids).
    """
    return table_cells(frame).to_html(
        index=False,
        border=0,
        na_rep=NOT_STATED,
        classes="dataframe citytools-table",
        justify="left",
    )


def show_table(frame: pd.DataFrame) -> None:
    """Display a table in a notebook as plain HTML without its index (see :func:`table_html`).

    Parameters
    ----------
    frame
        The table to show; its column names are the headings.
    """
    from IPython.display import HTML

    display(HTML(table_html(frame)))


def _integer_ticks(axis, values: pd.Series) -> None:
    """Whole-number ticks on an axis that counts things."""
    numbers = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if len(numbers) and (numbers == numbers.round()).all():
        axis.set_major_locator(MaxNLocator(integer=True))


def _text_colour(fill: str | tuple) -> str:
    """Dark text on light fills, white on dark ones."""
    red, green, blue = mcolors.to_rgb(fill)
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "white" if luminance < 0.5 else TEXT_COLOUR


def ranked_bar_chart(
    table: pd.DataFrame,
    *,
    category: str,
    series: Sequence[str],
    title: str,
    xlabel: str,
    ylabel: str,
    series_labels: Sequence[str] | None = None,
) -> Figure:
    """Horizontal stacked bars, largest total at the top, with each total written at its bar.

    Parameters
    ----------
    table
        One row per category; ``series`` columns hold the stacked numbers.
    category
        Column naming the bars.
    series
        Columns stacked left to right; coloured in palette order and hatched differently.
    title, xlabel, ylabel
        Chart title and axis labels (with units).
    series_labels
        Legend labels for ``series`` (default: the column names).

    Returns
    -------
    Figure
    """
    labels = list(series_labels) if series_labels is not None else list(series)
    frame = table.copy()
    frame["_total"] = frame[list(series)].sum(axis=1)
    frame = frame.sort_values(["_total", category], ascending=[False, True], kind="stable")
    height = max(3.0, 0.32 * len(frame) + 1.2)
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, height))
    positions = range(len(frame))
    left = pd.Series(0.0, index=frame.index)
    colours = TWO_SERIES if len(series) == 2 else CATEGORICAL
    for number, (column, label) in enumerate(zip(series, labels)):
        values = frame[column].astype(float)
        ax.barh(
            list(positions),
            values,
            left=left,
            color=colours[number % len(colours)],
            hatch=SERIES_HATCHES[number % len(SERIES_HATCHES)],
            edgecolor="white",
            linewidth=0.5,
            label=label,
        )
        left = left + values
    for position, total in zip(positions, frame["_total"]):
        ax.text(total, position, f" {total:,.0f}", va="center", ha="left", fontsize=9)
    ax.set_yticks(list(positions), frame[category].astype(str).tolist())
    ax.invert_yaxis()
    ax.set_xlim(0, float(frame["_total"].max()) * 1.12 if len(frame) else 1)
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _integer_ticks(ax.xaxis, frame[list(series)].stack())
    if len(series) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def tile_positions(table: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each authority's square on the tile map: row, column, and whether it is on the grid.

    Authorities without a ``tile_row``/``tile_col`` (the GLA) are placed beside the grid, to
    its right, one under another.
    """
    rows = pd.to_numeric(table["tile_row"], errors="coerce").astype(float)
    cols = pd.to_numeric(table["tile_col"], errors="coerce").astype(float)
    on_grid = rows.notna() & cols.notna()
    max_col = int(cols[on_grid].max())
    min_row = int(rows[on_grid].min())
    for offset, index in enumerate(table.index[~on_grid]):
        rows[index] = min_row + offset
        cols[index] = max_col + 1.5
    return rows, cols, on_grid


def tile_map(
    values: pd.DataFrame,
    *,
    authorities: pd.DataFrame,
    value_column: str,
    title: str,
    value_label: str,
    label_column: str = "abbreviation",
    highlight: str | None = None,
    value_format: str = "{:,.0f}",
    no_data_label: str = "No data",
    note_column: str | None = None,
) -> Figure:
    """The London squared tile map: one square per authority, coloured and labelled by a value.

    Each square sits at the authority's ``tile_row``/``tile_col`` (row 0 at the top) and
    shows its abbreviation and value, so colour is not the only carrier of meaning.
    Authorities without a tile position (the GLA) are drawn beside the grid, to its right.
    Authorities absent from ``values`` or with a missing value are drawn grey and hatched.
    Each square patch has the authority's GSS code as its ``gid``.

    Parameters
    ----------
    values
        ``gss_code`` and ``value_column``.
    authorities
        The authorities reference table (``gss_code``, ``short_name``, ``tile_row``,
        ``tile_col`` and ``label_column``).
    value_column
        Column of ``values`` that colours the squares.
    title
        Chart title.
    value_label
        Colour bar label, with units (e.g. ``"Systems (count)"``).
    label_column
        Column of ``authorities`` written in each square (upper-cased); ``short_name``
        stands in where it is empty.
    highlight
        GSS code of an authority to outline thickly.
    value_format
        Format of the value written in each square.
    no_data_label
        Legend label for squares without a value.
    note_column
        Optional column of ``values`` whose text is written in each square under the value
        (e.g. where the value comes from), so that a category is read, not only coloured.

    Returns
    -------
    Figure
    """
    carried = ["gss_code", value_column] + ([note_column] if note_column else [])
    has_note = bool(note_column) and has_column(authorities, note_column)
    table = authorities.drop(columns=[note_column] if has_note else [])
    table = table.merge(values[carried], on="gss_code", how="left")
    numbers = pd.to_numeric(table[value_column], errors="coerce").astype(float)
    rows, cols, on_grid = tile_positions(table)
    max_col = int(cols[on_grid].max())
    min_row = int(rows[on_grid].min())
    n_rows = int(rows[on_grid].max()) - min_row + 1

    valid = numbers.dropna()
    vmin = min(0.0, float(valid.min())) if len(valid) else 0.0
    vmax = float(valid.max()) if len(valid) else 1.0
    if vmax <= vmin:
        vmax = vmin + 1.0
    norm = mcolors.Normalize(vmin=vmin, vmax=vmax)
    cmap = sequential_colormap()

    width = FIGURE_WIDTH
    fig, ax = plt.subplots(figsize=(width, width * (n_rows + 1.2) / (max_col + 3.5)))
    gap = 0.06
    for index in table.index:
        gss_code = table.at[index, "gss_code"]
        value = numbers[index]
        has_value = pd.notna(value)
        fill = cmap(norm(value)) if has_value else NO_DATA_COLOUR
        is_highlight = highlight is not None and gss_code == highlight
        square = Rectangle(
            (cols[index] + gap / 2, rows[index] + gap / 2),
            1 - gap,
            1 - gap,
            facecolor=fill,
            edgecolor=HIGHLIGHT_COLOUR if is_highlight else "white",
            linewidth=3.0 if is_highlight else 0.5,
            linestyle="-" if on_grid[index] else "--",
            hatch=None if has_value else "///",
            zorder=3 if is_highlight else 2,
        )
        square.set_gid(gss_code)
        ax.add_patch(square)
        label = table.at[index, label_column] if has_column(table, label_column) else pd.NA
        if pd.isna(label) or not str(label).strip():
            label = table.at[index, "short_name"]
        text = str(label).upper()
        shown = value_format.format(value) if has_value else "–"
        colour = _text_colour(fill) if has_value else TEXT_COLOUR
        centre_x, centre_y = cols[index] + 0.5, rows[index] + 0.5
        note = table.at[index, note_column] if note_column else pd.NA
        has_note = pd.notna(note) and bool(str(note).strip())
        label_y, value_y = (-0.22, 0.02) if note_column else (-0.14, 0.18)
        ax.text(
            centre_x,
            centre_y + label_y,
            text,
            ha="center",
            va="center",
            fontsize=8,
            fontweight="bold",
            color=colour,
            zorder=4,
        )
        ax.text(
            centre_x,
            centre_y + value_y,
            shown,
            ha="center",
            va="center",
            fontsize=8,
            color=colour,
            zorder=4,
        )
        if has_note:
            ax.text(
                centre_x,
                centre_y + 0.25,
                str(note),
                ha="center",
                va="center",
                fontsize=6.5,
                color=colour,
                zorder=4,
            )

    ax.set_xlim(-0.1, max_col + 2.6)
    ax.set_ylim(min_row + n_rows + 0.1, min_row - 0.1)  # row 0 at the top
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    colorbar = fig.colorbar(
        mappable, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02, shrink=0.6, aspect=30
    )
    colorbar.set_label(value_label)
    _integer_ticks(colorbar.ax.xaxis, valid)
    colorbar.outline.set_visible(False)
    if table.index[numbers.isna()].size:
        ax.legend(
            handles=[
                Patch(facecolor=NO_DATA_COLOUR, hatch="///", edgecolor="white", label=no_data_label)
            ],
            loc="lower left",
            frameon=False,
            fontsize=8,
        )
    return fig
