"""Tests for the chapter notebooks: their parameters, their anchors, and that they follow them."""

from __future__ import annotations

import csv
import re

import nbformat
import pytest
from fixtures_processed import (
    AUTHORITIES,
    BARNET,
    BRENT,
    CAMDEN,
    EALING,
    GLA,
    system,
    write_processed,
)

from citytools_analysis.build import pipeline as build
from citytools_analysis.core.paths import BOOK_DIR, NOTEBOOKS_DIR, PROJECT_ROOT
from citytools_analysis.metrics.recommendations import LINKS
from citytools_analysis.release.schema import TABLES

CHAPTERS = (
    "00_executive_summary",
    "03_market_and_suppliers",
    "04_contracts_and_expiry",
    "05_collaboration",
    "06_satisfaction",
    "07_skills_and_peer_support",
    "08_digital_maturity",
    "09_interoperability_and_hosting",
    "10_recommendations",
    "11_case_studies",
    "12_coverage",
)
PARAMETERS = {"as_of", "horizon_years", "window_months", "min_authorities", "processed_dir"}


def _slug(heading: str) -> str:
    """The id Sphinx gives a section: lower case, runs of other characters as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_declares_the_report_parameters_first(name):
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert build.declared_parameters(NOTEBOOKS_DIR / f"{name}.ipynb") >= PARAMETERS
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")


def test_every_recommendation_link_has_a_heading_with_that_anchor():
    for target in LINKS.values():
        page, anchor = target.split(".html#")
        notebook = nbformat.read(NOTEBOOKS_DIR / f"{page}.ipynb", as_version=4)
        headings = [
            line.lstrip("#").strip()
            for cell in notebook.cells
            if cell.cell_type == "markdown"
            for line in cell.source.splitlines()
            if line.startswith("#")
        ]
        assert anchor in {_slug(heading) for heading in headings}, target


def test_toc_globs_every_generated_chapter_with_the_summary_first():
    toc = (PROJECT_ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert "glob: book/_generated/[0-9]*" in toc
    names = sorted(path.stem for path in NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
    assert names[0] == "00_executive_summary" and "10_recommendations" in names


def test_using_the_data_describes_every_column_and_how_to_load_it():
    page = (BOOK_DIR / "using-the-data.md").read_text(encoding="utf-8")
    for name, table in TABLES.items():
        assert f"`{name}.csv`" in page
        for column in table.columns:
            assert f"| `{column}` |" in page, (name, column)
    assert "load_processed" in page and "pd.read_csv" in page
    assert "frictionless validate data/processed/datapackage.json" in page


def _systems() -> list[dict]:
    """Four Uniform contracts, £100,000 a year each, ending 6, 9, 21 and 30 months after
    the fixture's snapshot date of 1 October 2019."""
    ends = ["2020-03-31", "2020-06-30", "2021-06-30", "2022-03-31"]
    return [
        system(
            f"{code}-00003",
            code,
            "Planning & Building Control",
            "Uniform",
            "Idox",
            contract_end=end,
            annual_cost_gbp="100000",
            satisfaction="4",
            system_type="Frontline",
        )
        for code, end in zip([BARNET, BRENT, CAMDEN, EALING], ends)
    ]


def _text(path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(
        output.get("data", {}).get("text/markdown", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_contracts_chapter_text_follows_its_parameters(tmp_path):
    # Tile positions (any will do) so that the chapter's tile map can be drawn.
    placed = [
        {**row, "tile_row": str(n // 3), "tile_col": str(n % 3)}
        for n, row in enumerate(AUTHORITIES)
    ]
    processed = write_processed(tmp_path / "processed", systems=_systems(), authorities=placed)
    source = NOTEBOOKS_DIR / "04_contracts_and_expiry.ipynb"
    one = build.run_notebook(
        source, tmp_path / "one.ipynb", {"processed_dir": str(processed), "horizon_years": 1}
    )
    three = build.run_notebook(
        source,
        tmp_path / "three.ipynb",
        {"processed_dir": str(processed), "horizon_years": 3, "as_of": "2020-04-01"},
    )
    first, second = _text(one), _text(three)
    # One year from 1 October 2019: the March and June 2020 ends, £200k.
    assert "**2 contracts** end between 1 October 2019 and 30 September 2020" in first
    assert "**£200k**" in first and "the expiry horizon is 1 year," in first
    # Three years from 1 April 2020: the June 2020, June 2021 and March 2022 ends, £300k.
    assert "**3 contracts** end between 1 April 2020 and 31 March 2023" in second
    assert "**£300k**" in second and "Figures are as of **1 April 2020**" in second


def _register_release(tmp_path):
    """Barnet, Brent and Ealing responded; Camden did not, and its register gave one system;
    the GLA is covered by neither. Six register rows: Barnet's matched one and one not IT;
    Camden's added one, an unplaced one and one not IT; Brent's unplaced one."""
    placed = [
        {
            **row,
            "tile_row": str(n // 3),
            "tile_col": str(n % 3),
            "responded": "false" if row["gss_code"] in (CAMDEN, GLA) else "true",
        }
        for n, row in enumerate(AUTHORITIES)
    ]
    systems = [
        {**system(f"{BARNET}-00003", BARNET, "Housing", "Cx", "Civica"), "source": "survey"},
        {
            **system(
                f"{BARNET}-00004", BARNET, "Finance", "SAP ECC", "SAP", contract_end="2021-03-31"
            ),
            "source": "both",
            "contract_value_gbp": "90000",
        },
        {**system(f"{BRENT}-00003", BRENT, "Housing", "QL", "Aareon"), "source": "survey"},
        {
            **system(
                f"{CAMDEN}-R00002", CAMDEN, "Finance", "SAP ECC", "SAP", contract_end="2022-03-31"
            ),
            "source": "register",
            "source_file": "cmd_contracts.csv",
            "source_row": "2",
            "contract_value_gbp": "80000",
        },
    ]
    processed = write_processed(tmp_path / "processed", systems=systems, authorities=placed)
    rows = [
        ("bar.csv", 2, BARNET, "matched", "true", f"{BARNET}-00004"),
        ("bar.csv", 3, BARNET, "not_it", "false", ""),
        ("brt.csv", 2, BRENT, "unplaced", "true", ""),
        ("cmd_contracts.csv", 2, CAMDEN, "added", "true", f"{CAMDEN}-R00002"),
        ("cmd_contracts.csv", 3, CAMDEN, "unplaced", "true", ""),
        ("cmd_contracts.csv", 4, CAMDEN, "not_it", "false", ""),
    ]
    columns = TABLES["contracts"].columns
    with (processed / "contracts.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        for file, row, code, outcome, is_it, record in rows:
            writer.writerow(
                {
                    "source_file": file,
                    "source_row": row,
                    "gss_code": code,
                    "supplier": "SAP",
                    "is_it": is_it,
                    "it_rule": "cpv:48",
                    "outcome": outcome,
                    "record_id": record,
                }
            )
    return processed


def test_coverage_chapter_counts_each_source_and_names_it_under_each_figure(tmp_path):
    processed = _register_release(tmp_path)
    out = build.run_notebook(
        NOTEBOOKS_DIR / "12_coverage.ipynb",
        tmp_path / "12.ipynb",
        {"processed_dir": str(processed)},
    )
    text = _text(out)
    assert "**3** of London's 5 local authorities returned the survey." in text
    assert "For 1 other authority (Camden)" in text and "**1 system**" in text
    assert "1 authority is covered by neither." in text
    # 4 systems: Barnet's Cx and Brent's QL from the survey alone, Barnet's SAP matched.
    assert (
        "Of the 4 systems in this release, the survey alone gives 2, the survey and a "
        "matching register row 1"
    ) in text
    # 6 rows, 4 of them IT: 1 matched, 1 added, 2 unplaced (Brent's and Camden's).
    assert (
        "Of the 6 contract-register rows, 4 were classed as IT: 1 matched a survey system, "
        "1 became a system of its own, and **2** could not be placed (1 at authorities "
        "that responded"
    ) in text
    assert "Figures are as of **1 October 2019**" in text
    notebook = nbformat.read(out, as_version=4)
    captions = [
        re.search(r"<figcaption>(.*?)</figcaption>", output["data"]["text/html"])
        .group(1)
        .replace("&#x27;", "'")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "<figcaption>" in output.get("data", {}).get("text/html", "")
    ]
    assert captions == [
        "Source: City Tools: London survey and councils' contract registers, "
        "data/processed/systems.csv and data/processed/authorities.csv",
        "Source: City Tools: London survey and councils' contract registers, "
        "data/processed/systems.csv",
        "Source: Councils' contract registers, data/processed/contracts.csv",
    ]
