"""Headline counts of the survey: what was returned and kept, and who runs how many systems."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from citytools_analysis.core.reference import fold, load_reference
from citytools_analysis.metrics import coverage
from citytools_analysis.release.processed import (
    ProcessedData,
    has_column,
    read_table,
    responded_mask,
)

# Which processed table holds the kept rows of each survey sheet (the output contract).
SHEET_TABLES = {"Systems": "systems", "Skills": "skills", "Maturity": "maturity"}
#: The line of the row accounting that counts the payment (spend) files' rows.
PAYMENT_SHEET = "Payment files"
# Contract-register rows carry this sheet name; their kept rows are in ``contracts``.
REGISTER_SHEET, REGISTER_TABLE = "Contract register", "contracts"


def survey_source(
    processed_dir: Path | str,
    tables: Sequence[str] = ("systems",),
    systems: pd.DataFrame | None = None,
    columns: Sequence[str] | None = None,
) -> str:
    """The source line for a figure: the survey, the contract registers or both, whether they
    are synthetic, and the tables used.

    Which sources a figure names follows from the data it shows. Without ``systems`` the
    figure draws on the survey, and on the registers too when ``tables`` names
    ``contracts`` (``contracts`` alone: the registers only). With ``systems``, the rows the
    figure actually draws on, the ``source`` of those rows decides (see
    :func:`citytools_analysis.metrics.coverage.register_derived`): a register-only system, or a
    value a register filled in one of ``columns``, makes the registers a source.

    Parameters
    ----------
    processed_dir
        Folder of processed tables; its ``datapackage.json`` says whether the data are
        synthetic, and its ``corrections.csv`` which values a register filled.
    tables
        Processed tables the figure draws on, named as in the open data release.
    systems
        The rows of ``systems`` the figure draws on (e.g. ``data.systems``, or the systems
        of responding authorities only).
    columns
        The columns of ``systems`` the figure shows values of (e.g. ``["satisfaction"]``);
        ``None`` when it counts systems.

    Returns
    -------
    str
        E.g. ``"City Tools: London survey (synthetic), data/processed/systems.csv"`` or
        ``"City Tools: London survey and councils' contract registers (both synthetic),
        data/processed/systems.csv"``.
    """
    processed_dir = Path(processed_dir)
    package = json.loads((processed_dir / "datapackage.json").read_text(encoding="utf-8"))
    synthetic = bool(package.get("synthetic"))
    files = " and ".join(f"data/processed/{name}.csv" for name in tables)
    if systems is None:
        registers = REGISTER_TABLE in tables
        survey = any(name != REGISTER_TABLE for name in tables)
    else:
        corrections = None
        if columns is not None and (processed_dir / "corrections.csv").exists():
            corrections = read_table("corrections", processed_dir)
        registers = REGISTER_TABLE in tables or bool(
            coverage.register_derived(systems, columns, corrections).any()
        )
        survey = bool(coverage.survey_derived(systems, columns).any()) or not registers
    if survey and registers:
        kind = " (both synthetic)" if synthetic else ""
        return f"City Tools: London survey and councils' contract registers{kind}, {files}"
    kind = " (synthetic)" if synthetic else ""
    if registers:
        return f"Councils' contract registers{kind}, {files}"
    return f"City Tools: London survey{kind}, {files}"


def _system_types(system_types: Sequence[str] | None) -> list[str]:
    if system_types is not None:
        return list(system_types)
    return list(load_reference().system_type_names.canonical)


def _distinct(column: pd.Series) -> int:
    return int(column.dropna().astype(str).str.strip().replace("", pd.NA).dropna().nunique())


def headline_counts(
    systems: pd.DataFrame, system_types: Sequence[str] | None = None
) -> dict[str, int]:
    """Count systems (rows) and distinct products, manufacturers and suppliers; split by type.

    Parameters
    ----------
    systems
        The processed ``systems`` table (``product``, ``manufacturer``, ``supplier``,
        ``system_type``).
    system_types
        Canonical system types (default: read from the reference data). Each gives a key,
        lower-cased, counting the rows of that type (``frontline``, ``corporate``).

    Returns
    -------
    dict
        ``systems``, ``products``, ``manufacturers``, ``suppliers`` and one count per type.
    """
    counts = {
        "systems": int(len(systems)),
        "products": _distinct(systems["product"]),
        "manufacturers": _distinct(systems["manufacturer"]),
        "suppliers": _distinct(systems["supplier"]),
    }
    kinds = systems["system_type"].astype("string")
    for system_type in _system_types(system_types):
        counts[system_type.lower()] = int((kinds == system_type).sum())
    return counts


def response_counts(authorities: pd.DataFrame) -> dict[str, int]:
    """Count the authorities in the table and those that returned the survey.

    Parameters
    ----------
    authorities
        The processed ``authorities`` table (``responded`` boolean).

    Returns
    -------
    dict
        ``authorities`` (all rows) and ``responded``.
    """
    responded = authorities["responded"].astype("boolean").fillna(False)
    return {"authorities": int(len(authorities)), "responded": int(responded.sum())}


def systems_per_authority(systems: pd.DataFrame, authorities: pd.DataFrame) -> pd.DataFrame:
    """Number of systems each authority runs; 0 for authorities without a return.

    Parameters
    ----------
    systems
        The processed ``systems`` table (``gss_code``).
    authorities
        The processed ``authorities`` table (``gss_code``, ``short_name``, ``responded``;
        ``abbreviation`` is carried through when present).

    Returns
    -------
    DataFrame
        One row per authority, in GSS code order: ``gss_code``, ``short_name``,
        [``abbreviation``], ``responded``, ``systems``.
    """
    columns = ["gss_code", "short_name"]
    if has_column(authorities, "abbreviation"):
        columns.append("abbreviation")
    columns.append("responded")
    table = authorities[columns].copy()
    table["responded"] = responded_mask(table)
    counts = systems.groupby("gss_code").size()
    table["systems"] = table["gss_code"].map(counts).fillna(0).astype(int)
    return table.sort_values("gss_code", kind="stable").reset_index(drop=True)


def systems_by_service_area(
    systems: pd.DataFrame, system_types: Sequence[str] | None = None
) -> pd.DataFrame:
    """Systems per service area, one column per system type, largest total first.

    Parameters
    ----------
    systems
        The processed ``systems`` table (``service_area``, ``system_type``).
    system_types
        Canonical system types, in column order (default: from the reference data).

    Returns
    -------
    DataFrame
        ``service_area``, one count column per type, ``total``; sorted by ``total``
        descending, then by name.
    """
    types = _system_types(system_types)
    table = pd.crosstab(systems["service_area"].astype(str), systems["system_type"].astype(str))
    table = table.reindex(columns=types, fill_value=0)
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    table = table.rename_axis("service_area").reset_index()
    table = table.sort_values(["total", "service_area"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def sheet_names(sheets: pd.Series) -> pd.Series:
    """Sheet names as the survey defines them ("SYSTEMS " is ``Systems``); others unchanged.

    Parameters
    ----------
    sheets
        Sheet names as written in the workbooks.

    Returns
    -------
    Series
        The canonical names, same index.
    """
    canonical = {fold(sheet): sheet for sheet in SHEET_TABLES}
    return sheets.astype(str).map(lambda name: canonical.get(fold(name), name.strip()))


def row_accounting(data: ProcessedData) -> pd.DataFrame:
    """Rows read, kept and rejected for each survey sheet (read = kept + rejected).

    Parameters
    ----------
    data
        The processed tables (``systems``, ``skills``, ``maturity``, ``rejected``).

    Returns
    -------
    DataFrame
        ``sheet``, ``read``, ``kept``, ``rejected``; the data sheets in survey order, then
        ``Contract register`` when registers were read (kept rows are in ``contracts``),
        then ``Payment files`` when payment files were read (kept rows are in ``payments``;
        rejected rows are those of its files, whatever their sheet), then any other sheet
        named in ``rejected`` alphabetically. Sheet names are matched as the survey matches
        them (case and spacing do not matter).
    """
    payments = getattr(data, "payments", None)
    spend_files = set(payments["source_file"]) if payments is not None else set()
    of_payments = data.rejected["source_file"].isin(spend_files)
    data_rejected = data.rejected[~of_payments]
    names = sheet_names(data_rejected["sheet"])
    rejected = names.groupby(names).size()
    tables = dict(SHEET_TABLES)
    contracts = getattr(data, REGISTER_TABLE, None)
    if (contracts is not None and len(contracts)) or REGISTER_SHEET in rejected.index:
        tables[REGISTER_SHEET] = REGISTER_TABLE  # registers read: one more line
    sheets = list(tables) + sorted(set(map(str, rejected.index)) - set(tables))
    rows = []
    for sheet in sheets:
        table = tables.get(sheet)
        frame = getattr(data, table, None) if table else None
        if frame is not None and table == "systems" and "source" in frame:
            frame = frame[frame["source"].astype("string").fillna("survey") != "register"]
        kept = len(frame) if frame is not None else 0
        dropped = int(rejected.get(sheet, 0))
        rows.append({"sheet": sheet, "read": kept + dropped, "kept": kept, "rejected": dropped})
    if payments is not None and len(payments):
        dropped = int(of_payments.sum())
        rows.append(
            {
                "sheet": PAYMENT_SHEET,
                "read": len(payments) + dropped,
                "kept": len(payments),
                "rejected": dropped,
            }
        )
    return pd.DataFrame(rows, columns=["sheet", "read", "kept", "rejected"])


def rejections_by_reason(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted by sheet and reason, most frequent first.

    Parameters
    ----------
    rejected
        The processed ``rejected`` table (``sheet``, ``reason``).

    Returns
    -------
    DataFrame
        ``sheet``, ``reason``, ``rows``.
    """
    rejected = rejected.assign(sheet=sheet_names(rejected["sheet"]))
    table = rejected.groupby(["sheet", "reason"]).size().rename("rows").reset_index()
    table = table.sort_values(["rows", "sheet", "reason"], ascending=[False, True, True])
    return table.reset_index(drop=True)


def corrections_by_rule(corrections: pd.DataFrame) -> pd.DataFrame:
    """Values that cleaning changed or cleared, counted by rule, sheet and column.

    Parameters
    ----------
    corrections
        The processed ``corrections`` table (``rule``, ``sheet``, ``column``).

    Returns
    -------
    DataFrame
        ``rule``, ``sheet``, ``column``, ``values``; most frequent first.
    """
    keys = ["rule", "sheet", "column"]
    corrections = corrections.assign(sheet=sheet_names(corrections["sheet"]))
    table = corrections.groupby(keys).size().rename("values").reset_index()
    table = table.sort_values(["values", *keys], ascending=[False, True, True, True])
    return table.reset_index(drop=True)
