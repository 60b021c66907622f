"""Every chapter's key numbers are the numbers the package computes from the same release.

The chapters of the session's book build (a copy of the project built from its real data)
are read as text and compared with ``citytools findings`` on the copy's release and, for
chapters whose figures are not headline findings, with the metric functions that define
them. A chapter that printed a stale, rounded-away or hard-coded number would fail here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from citytools_analysis.metrics import interoperability, maturity
from citytools_analysis.metrics.recommendations import format_gbp
from citytools_analysis.release.processed import load_processed

pytestmark = pytest.mark.slow


def _text(project: Path, chapter: str) -> str:
    notebook = nbformat.read(project / "book" / "_generated" / f"{chapter}.ipynb", as_version=4)
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            parts.append(data.get("text/markdown", "") + data.get("text/html", ""))
    return re.sub(r"\s+", " ", "\n".join(parts).replace("&amp;", "&"))


@pytest.fixture(scope="module")
def headline(built_project: Path) -> dict:
    """What ``citytools findings`` prints for the built copy's release."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "citytools_analysis.cli",
            "findings",
            "--processed-dir",
            str(built_project / "data" / "processed"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def release(built_project: Path):
    return load_processed(built_project / "data" / "processed")


def _percent(share: float) -> str:
    return f"{share:.0%}"


def test_executive_summary(built_project, headline):
    text = _text(built_project, "00_executive_summary")
    assert f"**{headline['systems']:,} systems**" in text
    assert (
        f"{headline['products']:,} distinct products from {headline['manufacturers']:,} "
        f"manufacturers, bought through {headline['suppliers']:,} suppliers"
    ) in text
    assert f"hold **{_percent(headline['top10_supplier_share'])}**" in text


def test_overview(built_project, headline):
    text = _text(built_project, "02_overview")
    assert f"**{headline['systems']:,} systems** in all" in text
    assert f"**{headline['products']} distinct products**" in text
    assert f"**{headline['manufacturers']} manufacturers**" in text
    assert f"**{headline['suppliers']} suppliers**" in text


def test_market(built_project, headline):
    text = _text(built_project, "03_market_and_suppliers")
    assert f"The 10 largest suppliers hold **{_percent(headline['top10_supplier_share'])}**" in text


def test_contracts_and_expiry(built_project, headline):
    text = _text(built_project, "04_contracts_and_expiry")
    assert f"**{headline['expiring']:,} contracts** end" in text
    written = re.search(r"combined known annual cost of \*\*£([0-9.]+)m\*\*", text)
    assert written, "the chapter states the expiring contracts' annual cost in £m"
    # The chapter rounds the exact cost; the JSON holds it in whole pounds.
    assert abs(float(written.group(1)) * 1e6 - headline["expiring_annual_cost_gbp"]) <= 50_001
    assert f"{headline['rolling_contracts']} contracts roll on with no end date" in text
    assert (
        f"{headline['unknown_contract_end']} of {headline['systems']:,} have no known end" in text
    )


def test_collaboration(built_project, headline):
    text = _text(built_project, "05_collaboration")
    opportunities = headline["joint_procurement"]
    products = sum(1 for row in opportunities if row["kind"] == "product")
    assert (
        f"**{len(opportunities)} joint procurement opportunities** ({products} for a "
        f"product, {len(opportunities) - products} for a service area)"
    ) in text
    assert (
        f"The widest is {opportunities[0]['name']}: {len(opportunities[0]['authorities'])} authorities"
        in text
    )


def test_satisfaction(built_project, headline):
    text = _text(built_project, "06_satisfaction")
    correlation = headline["supplier_count_satisfaction"]
    assert f"rho **{correlation['rho']:.2f}**".replace("-", "-") in text.replace("−", "-")
    assert f"n = {correlation['n']}" in text


def test_skills(built_project, headline):
    text = _text(built_project, "07_skills_and_peer_support")
    assert f"**{len(headline['peer_support'])} peer-support matches**" in text


def test_digital_maturity(built_project, release):
    text = _text(built_project, "08_digital_maturity")
    medians = maturity.maturity_medians(release.maturity)
    scored = release.maturity["gss_code"].nunique()
    assert f"{scored} authorities scored their digital maturity" in text
    high = medians.sort_values(["median", "dimension"], ascending=[False, True]).iloc[0]
    assert f"(median {high['median']:g} out of 5)" in text


def test_interoperability(built_project, release):
    text = _text(built_project, "09_interoperability_and_hosting")
    links = interoperability.product_links(release.integrations, release.systems)
    assert f"**{int(links['links'].sum()):,} links** between systems" in text
    assert f"joining {len(links):,} pairs of products" in text


def test_recommendations(built_project, headline):
    text = _text(built_project, "10_recommendations")
    assert f"**{len(headline['recommendations'])} recommendations**" in text


def test_case_studies(built_project, headline):
    """The case is the product opportunity with the most authorities, then the largest cost."""
    text = _text(built_project, "11_case_studies")
    products = [row for row in headline["joint_procurement"] if row["kind"] == "product"]
    case = sorted(
        products,
        key=lambda row: (-len(row["authorities"]), -(row["annual_cost_gbp"] or 0), row["name"]),
    )[0]
    assert f"**{case['name']}**" in text
    assert f"at {len(case['authorities'])} authorities that end" in text
    if case["annual_cost_gbp"]:
        assert f"combined known annual cost is {format_gbp(case['annual_cost_gbp'])}" in text


def test_coverage(built_project, headline):
    text = _text(built_project, "12_coverage")
    assert f"Of the {headline['systems']:,} systems in this release" in text
