"""Small processed folders written by hand, for the findings and recommendation tests.

``write_processed`` writes the seven processed tables (every column of the output contract,
cells left empty where a row does not give them) and a ``datapackage.json`` with the
snapshot date, so that tests read their fixtures through ``load_processed`` exactly as the
report reads the real release.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from citytools_analysis.release.processed import ProcessedData, load_processed
from citytools_analysis.release.schema import TABLES

# Five authorities: four boroughs and the GLA (real GSS codes and short names).
BARNET, BRENT, CAMDEN, EALING, GLA = "E09000003", "E09000005", "E09000007", "E09000009", "E61000001"

AUTHORITIES = [
    {
        "gss_code": BARNET,
        "name": "London Borough of Barnet",
        "short_name": "Barnet",
        "kind": "borough",
        "inner_outer": "Outer",
        "responded": "true",
    },
    {
        "gss_code": BRENT,
        "name": "London Borough of Brent",
        "short_name": "Brent",
        "kind": "borough",
        "inner_outer": "Outer",
        "responded": "true",
    },
    {
        "gss_code": CAMDEN,
        "name": "London Borough of Camden",
        "short_name": "Camden",
        "kind": "borough",
        "inner_outer": "Inner",
        "responded": "true",
    },
    {
        "gss_code": EALING,
        "name": "London Borough of Ealing",
        "short_name": "Ealing",
        "kind": "borough",
        "inner_outer": "Outer",
        "responded": "true",
    },
    {
        "gss_code": GLA,
        "name": "Greater London Authority",
        "short_name": "GLA",
        "kind": "gla",
        "inner_outer": "",
        "responded": "false",
    },
]


def system(
    record_id: str,
    gss_code: str,
    service_area: str,
    product: str,
    supplier: str | None,
    *,
    manufacturer: str | None = None,
    system_type: str = "Frontline",
    hosting: str = "",
    contract_end: str = "",
    contract_end_status: str | None = None,
    annual_cost_gbp: str = "",
    value_for_money: str = "",
    satisfaction: str = "",
    replacement_planned: str = "",
    replacement_year: str = "",
) -> dict[str, str]:
    """One ``systems.csv`` row; the end status follows from the end date unless given."""
    return {
        "record_id": record_id,
        "gss_code": gss_code,
        "service_area": service_area,
        "product": product,
        "manufacturer": manufacturer if manufacturer is not None else (supplier or ""),
        "supplier": supplier or "",
        "system_type": system_type,
        "hosting": hosting,
        "contract_end": contract_end,
        "contract_end_status": contract_end_status or ("date" if contract_end else "unknown"),
        "annual_cost_gbp": annual_cost_gbp,
        "value_for_money": value_for_money,
        "satisfaction": satisfaction,
        "replacement_planned": replacement_planned,
        "replacement_year": replacement_year,
        "source_file": f"{gss_code}.xlsx",
        "source_row": record_id.rsplit("-", 1)[-1].lstrip("0") or "1",
    }


def write_processed(
    directory: Path,
    *,
    systems: list[dict] = (),
    authorities: list[dict] = tuple(AUTHORITIES),
    integrations: list[dict] = (),
    skills: list[dict] = (),
    maturity: list[dict] = (),
    snapshot_date: date | None = date(2019, 10, 1),
) -> Path:
    """Write a processed folder: every table with the contract's columns, and its package.

    Parameters
    ----------
    directory
        Folder to write into (created if missing).
    systems, authorities, integrations, skills, maturity
        Rows as dicts of column → text; columns not given are written empty.
    snapshot_date
        Recorded in ``datapackage.json`` as ``snapshot_date``.

    Returns
    -------
    Path
        ``directory``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rows = {
        "authorities": authorities,
        "systems": systems,
        "integrations": integrations,
        "skills": skills,
        "maturity": maturity,
        "rejected": [],
        "corrections": [],
    }
    for name, table_rows in rows.items():
        columns = TABLES[name].columns
        with (directory / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, restval="", extrasaction="raise")
            writer.writeheader()
            for row in table_rows:
                writer.writerow(row)
    package = {
        "name": "fixture",
        "snapshot_date": snapshot_date.isoformat() if snapshot_date else None,
        "resources": [],
    }
    (directory / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    return directory


def surveyed_system(record_id, code, product, supplier, end, function="Finance system") -> dict:
    """A finance system as a survey return gives it (source ``survey``)."""
    row = system(record_id, code, "Finance", product, supplier, contract_end=end)
    return dict(row, source="survey", function=function)


def write_round_release(folder: Path, round_name: str, snapshot: date, systems, responded) -> Path:
    """A release of one (synthetic) survey round: ``responded`` are the GSS codes that answered."""
    authorities = [
        dict(row, responded="true" if row["gss_code"] in responded else "false")
        for row in AUTHORITIES
    ]
    write_processed(folder, systems=systems, authorities=authorities, snapshot_date=snapshot)
    package_file = folder / "datapackage.json"
    package = json.loads(package_file.read_text(encoding="utf-8"))
    package.update(round=round_name, synthetic=True)
    package_file.write_text(json.dumps(package), encoding="utf-8")
    return folder


def load_fixture(directory: Path, **tables) -> ProcessedData:
    """Write a processed folder with ``write_processed`` and read it back."""
    write_processed(directory, **tables)
    return load_processed(directory)
