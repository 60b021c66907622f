"""The explorer pages' tables, and their interactive (searchable, filterable) HTML form.

Each table function returns a plain DataFrame with reader-facing column names, built from
the metric functions; :func:`interactive_html` turns one into an ITables/DataTables table
that sorts, searches and filters in the browser. ITables runs in offline mode: its
JavaScript and CSS are embedded in the page by :func:`init_offline`, so the built book
needs no network. Table ids are fixed, so the executed notebooks are the same on every run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.parameters import report_parameters
from citytools_analysis.core.reference import authority_names
from citytools_analysis.metrics import collaboration, contracts, market
from citytools_analysis.release.processed import ProcessedData
from citytools_analysis.report import formatting
from citytools_analysis.report.reads import AUTHORITY_NAMES, ChapterReads
from citytools_analysis.report.section import Section

# What each explorer page reads of the release (the build keys the page on these alone).
SYSTEMS_READS = ChapterReads(
    {
        "authorities": AUTHORITY_NAMES,
        "systems": (
            "record_id",
            "gss_code",
            "service_area",
            "function",
            "product",
            "manufacturer",
            "supplier",
            "system_type",
            "hosting",
            "contract_end",
            "contract_end_status",
            "annual_cost_gbp",
        ),
    }
)
WHO_USES_WHAT_READS = ChapterReads(
    {
        "authorities": AUTHORITY_NAMES,
        "systems": ("gss_code", "service_area", "product", "manufacturer"),
    }
)
SUPPLIERS_READS = ChapterReads(
    {"systems": ("record_id", "gss_code", "service_area", "product", "supplier")}
)
CONTRACTS_READS = ChapterReads(
    {
        "authorities": AUTHORITY_NAMES,
        "systems": (
            "record_id",
            "gss_code",
            "service_area",
            "product",
            "supplier",
            "contract_end",
            "contract_end_status",
            "annual_cost_gbp",
        ),
    }
)

ROLLING, UNKNOWN = "rolling", "unknown"

SYSTEM_COLUMNS = {
    "authority": "Authority",
    "service_area": "Service area",
    "function": "Function",
    "product": "Product",
    "manufacturer": "Manufacturer",
    "supplier": "Supplier",
    "system_type": "Type",
    "hosting": "Hosting",
    "contract_end": "Contract end",
    "annual_cost_gbp": "Annual cost (£)",
}
"""Processed column (or derived one) → heading in the explorer's systems table."""


def _end_labels(systems: pd.DataFrame) -> pd.Series:
    """ISO end date, or ``rolling`` / ``unknown`` (a date status without a date is unknown)."""
    dated = (systems["contract_end_status"] == "date") & systems["contract_end"].notna()
    labels = pd.Series(UNKNOWN, index=systems.index, dtype="string")
    labels[dated] = systems.loc[dated, "contract_end"].dt.strftime("%Y-%m-%d")
    labels[systems["contract_end_status"] == "rolling"] = ROLLING
    return labels


def _pounds(column: pd.Series) -> pd.Series:
    """Costs to the nearest pound (missing stays missing)."""
    return column.astype("Float64").round().astype("Int64")


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("")


def systems_table(data: ProcessedData) -> pd.DataFrame:
    """Every system at every authority, one row each, for the 'all systems' explorer.

    Parameters
    ----------
    data
        The processed release.

    Returns
    -------
    DataFrame
        Columns as in :data:`SYSTEM_COLUMNS`: the authority's short name, the system's
        names, its contract end (ISO date, ``rolling`` or ``unknown``) and known annual cost
        (to the pound).
        Sorted by authority, service area, function, product, then record id.
    """
    systems = data.systems.copy()
    systems["authority"] = (
        systems["gss_code"].map(authority_names(data.authorities)).fillna(systems["gss_code"])
    )
    systems["contract_end_label"] = _end_labels(systems)
    systems = systems.sort_values(
        ["authority", "service_area", "function", "product", "record_id"],
        kind="mergesort",
        na_position="last",
    )
    out = pd.DataFrame(
        {
            heading: (
                systems["contract_end_label"]
                if column == "contract_end"
                else _pounds(systems[column])
                if column == "annual_cost_gbp"
                else _text(systems[column])
            )
            for column, heading in SYSTEM_COLUMNS.items()
        }
    )
    return out.reset_index(drop=True)


def who_uses_what(data: ProcessedData) -> pd.DataFrame:
    """Product → the authorities that run it (the 'who uses what' explorer).

    Built on :func:`citytools_analysis.metrics.collaboration.shared_systems` with every product kept.

    Parameters
    ----------
    data
        The processed release.

    Returns
    -------
    DataFrame
        ``Product``, ``Manufacturer``, ``Service area`` (the product's most frequent ones),
        ``Authorities`` (count), ``Systems`` (count), ``Used by`` (every authority's short
        name, alphabetical). Most widely used first, then by product.
    """
    names = authority_names(data.authorities)
    shared = collaboration.shared_systems(data.systems, min_authorities=1)
    return pd.DataFrame(
        {
            "Product": _text(shared["product"]),
            "Manufacturer": _text(shared["manufacturer"]),
            "Service area": _text(shared["service_area"]),
            "Authorities": shared["authorities"].astype(int),
            "Systems": shared["systems"].astype(int),
            "Used by": [
                ", ".join(sorted(names.get(c, c) for c in codes)) for codes in shared["gss_codes"]
            ],
        }
    ).reset_index(drop=True)


def suppliers_table(data: ProcessedData) -> pd.DataFrame:
    """Each supplier's systems, authorities, service areas and share (the suppliers explorer).

    Shares are :func:`citytools_analysis.metrics.market.shares` (rows naming a supplier).

    Parameters
    ----------
    data
        The processed release.

    Returns
    -------
    DataFrame
        ``Supplier``, ``Systems``, ``Share (%)`` (one decimal), ``Rank``, ``Authorities``,
        ``Service areas`` (count), ``Service area names`` and ``Products`` (alphabetical).
        Largest first.
    """
    shares = market.shares(data.systems, by="supplier")
    named = data.systems[data.systems["supplier"].notna()]
    grouped = named.groupby("supplier")
    areas = grouped["service_area"].agg(lambda s: sorted(set(s.dropna())))
    products = grouped["product"].agg(lambda s: sorted(set(s.dropna())))
    return pd.DataFrame(
        {
            "Supplier": _text(shares["supplier"]),
            "Systems": shares["systems"].astype(int),
            "Share (%)": (shares["share"] * 100).round(1),
            "Rank": shares["rank"].astype(int),
            "Authorities": shares["authorities"].astype(int),
            "Service areas": shares["supplier"].map(areas.map(len)).astype(int),
            "Service area names": shares["supplier"].map(areas.map(", ".join)),
            "Products": shares["supplier"].map(products.map(", ".join)),
        }
    ).reset_index(drop=True)


def contracts_table(
    data: ProcessedData, as_of: date | str | pd.Timestamp, horizon_years: int = 3
) -> pd.DataFrame:
    """Every contract by its end date (the contracts explorer).

    ``Status`` is :func:`citytools_analysis.metrics.contracts.classify_expiry` (ended, within
    horizon, after horizon, rolling, unknown).

    Parameters
    ----------
    data
        The processed release.
    as_of, horizon_years
        The snapshot date and the horizon that ``Status`` refers to.

    Returns
    -------
    DataFrame
        ``Contract end`` (ISO date, ``rolling`` or ``unknown``), ``Year`` (empty when no
        date), ``Status``, ``Authority``, ``Service area``, ``Product``, ``Supplier``,
        ``Annual cost (£)``. Dated contracts first by date, then rolling, then unknown;
        ties by authority and product.
    """
    systems = data.systems.copy()
    systems["authority"] = (
        systems["gss_code"].map(authority_names(data.authorities)).fillna(systems["gss_code"])
    )
    systems["end_label"] = _end_labels(systems)
    systems["status"] = contracts.classify_expiry(systems, as_of, horizon_years)
    dated = systems["end_label"].str.match(r"\d{4}-")
    systems["order"] = 0
    systems.loc[systems["end_label"] == ROLLING, "order"] = 1
    systems.loc[systems["end_label"] == UNKNOWN, "order"] = 2
    systems = systems.sort_values(
        ["order", "end_label", "authority", "product", "record_id"],
        kind="mergesort",
        na_position="last",
    )
    dated = dated[systems.index]
    years = systems["end_label"].str.slice(0, 4).where(dated, "")
    return pd.DataFrame(
        {
            "Contract end": systems["end_label"].astype("string"),
            "Year": years.astype("string"),
            "Status": systems["status"].astype("string"),
            "Authority": _text(systems["authority"]),
            "Service area": _text(systems["service_area"]),
            "Product": _text(systems["product"]),
            "Supplier": _text(systems["supplier"]),
            "Annual cost (£)": _pounds(systems["annual_cost_gbp"]),
        }
    ).reset_index(drop=True)


MONEY_RENDER = """
function (data, type) {
  if (type === "sort" || type === "type") {
    const text = String(data);
    const amount = Number(text.replace(/[^0-9.-]/g, ""));
    return text.includes("£") && !Number.isNaN(amount) ? amount : -1;
  }
  return data;
}
"""
"""DataTables renderer of a money column: the cell shows ``£310,000`` (or "not stated"), and
sorts by the amount (a missing one first)."""


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as the page embeds it: money as ``£310,000``, missing values "not stated".

    The embedded rows are also the page's static preview (shown before the script runs, or
    without it), so they are written as a reader reads them, not as a data frame prints.
    """
    shown = frame.reset_index(drop=True).copy()
    for column in shown.columns:
        values = shown[column]
        if formatting.is_money_column(column) and pd.api.types.is_numeric_dtype(values):
            shown[column] = pd.Series([formatting.gbp(v) for v in values], dtype=object)
        elif not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            shown[column] = pd.Series(
                [formatting.NOT_STATED if is_blank(v) else v for v in values],
                dtype=object,
            )
    return shown


def init_offline() -> None:
    """Load the DataTables library into the page, embedded (no network), once per notebook.

    Call it in the notebook before the first :func:`show_interactive`; it only affects the
    tables shown explicitly (``all_interactive=False``), not every DataFrame.
    """
    import itables

    itables.init_notebook_mode(all_interactive=False, connected=False)


def interactive_html(
    frame: pd.DataFrame,
    table_id: str,
    *,
    caption: str | None = None,
    panes: Sequence[str] = (),
    page_length: int = 25,
    order: Mapping[str, str] | None = None,
) -> str:
    """An interactive table: sort by any column, search all, filter per column and by value.

    Every row is embedded (no downsampling). A text box in each column's header filters
    that column; ``panes`` columns also get a search pane listing their values with counts,
    so a reader can tick an authority or a service area.

    Parameters
    ----------
    frame
        The table (its column names are the headings; the index is not shown).
    table_id
        A fixed HTML id (letters, digits, ``_``, ``-``), unique on the page.
    caption
        Table caption (what the table holds).
    panes
        Columns offered as search panes (categorical columns).
    page_length
        Rows per page.
    order
        Initial sort, column name → ``"asc"``/``"desc"`` (default: the frame's order).

    Returns
    -------
    str
        HTML with the table, its data and the script that starts it (it needs
        :func:`init_offline` to have run on the page).

    Raises
    ------
    KeyError
        If a pane or order column is not in ``frame``.
    """
    from itables import JavascriptFunction, to_html_datatable

    columns = list(frame.columns)
    for column in [*panes, *(order or {})]:
        if column not in columns:
            raise KeyError(f"{column!r} is not a column of the table ({columns})")
    options: dict = {
        "table_id": table_id,
        "connected": False,
        "maxBytes": 0,
        "maxRows": 0,
        "showIndex": False,
        "column_filters": "header",
        "pageLength": page_length,
        "lengthMenu": [10, 25, 50, 100, 500],
        "classes": "display compact cell-border",
        "display_logo_when_loading": False,
        "order": [[columns.index(c), way] for c, way in (order or {}).items()],
        "warn_on_unexpected_types": False,
        # Widths follow the content, and long names wrap (book/_static/citytools-explorer.css):
        # the key columns fit a 1280-pixel screen without scrolling sideways.
        "autoWidth": False,
    }
    column_defs: list[dict] = [
        {
            "targets": columns.index(c),
            "render": JavascriptFunction(MONEY_RENDER.strip()),
            "className": "dt-right",
        }
        for c in columns
        if formatting.is_money_column(c) and pd.api.types.is_numeric_dtype(frame[c])
    ]
    if panes:
        options["layout"] = {"top1": "searchPanes"}
        options["searchPanes"] = {
            "columns": [columns.index(c) for c in panes],
            "cascadePanes": True,
            "layout": f"columns-{min(len(panes), 4)}",
            "initCollapsed": False,
        }
        # A pane's search box shows its column's name as placeholder (without this it shows
        # the heading cell's markup, filter box included).
        column_defs += [
            {"targets": columns.index(c), "searchPanes": {"header": str(c)}} for c in panes
        ]
    if column_defs:
        options["columnDefs"] = column_defs
    if caption:
        options["caption"] = caption
    return to_html_datatable(_shown(frame), **options)


def show_interactive(frame: pd.DataFrame, table_id: str, **options) -> None:
    """Display :func:`interactive_html` in a notebook (after :func:`init_offline`).

    Parameters
    ----------
    frame, table_id, **options
        As for :func:`interactive_html`.
    """
    from IPython.display import HTML, display

    display(HTML(interactive_html(frame, table_id, **options)))


def who_uses_what_page(data: ProcessedData) -> Section:
    """The 'who uses what' page: how many products and how many are shared, then
    :func:`who_uses_what`."""
    table = who_uses_what(data)
    text = (
        f"{len(table):,} products; {int((table['Authorities'] > 1).sum()):,} of them "
        f"are run by more than one authority."
    )
    return Section(text, table)


def suppliers_page(data: ProcessedData) -> Section:
    """The suppliers page: how many suppliers hold how many systems, then
    :func:`suppliers_table`."""
    table = suppliers_table(data)
    text = (
        f"{len(table):,} suppliers hold the {int(table['Systems'].sum()):,} systems that name one."
    )
    return Section(text, table)


def contracts_page(
    data: ProcessedData, as_of: date | str | None = None, horizon_years: int | None = None
) -> Section:
    """The contracts page: how many contracts end within the horizon, then
    :func:`contracts_table`.

    Parameters
    ----------
    data
        The processed release.
    as_of
        The snapshot date; ``None`` or ``""`` takes the release's.
    horizon_years
        The horizon; ``None`` takes the report's configured value.
    """
    as_of = as_of or data.snapshot_date
    horizon_years = report_parameters(horizon_years=horizon_years).horizon_years
    table = contracts_table(data, as_of, horizon_years)
    within = int((table["Status"] == "within horizon").sum())
    text = (
        f"As of {as_of}, {within:,} of the {len(table):,} contracts end within "
        f"{horizon_years} years."
    )
    return Section(text, table)


def show_page(page: Section, table_id: str, **options) -> None:
    """Display an explorer page in a notebook: its text, then its table as an interactive
    table (:func:`show_interactive`, after :func:`init_offline`).

    Parameters
    ----------
    page
        From :func:`who_uses_what_page`, :func:`suppliers_page` or :func:`contracts_page`.
    table_id, **options
        As for :func:`interactive_html`.
    """
    from IPython.display import Markdown, display

    if page.text:
        display(Markdown(page.text))
    show_interactive(page.table, table_id, **options)
