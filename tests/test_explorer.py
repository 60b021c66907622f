"""Tests for the explorer tables and their interactive, offline HTML."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from fixtures_processed import BARNET, BRENT, CAMDEN, load_fixture, system

from citytools_analysis.core.parameters import report_parameters
from citytools_analysis.core.paths import PROCESSED_DIR
from citytools_analysis.release.processed import load_processed
from citytools_analysis.report import explorer

AS_OF = date(2019, 10, 1)
EBS = "Oracle E-Business Suite"


def rows() -> list[dict]:
    return [
        system(
            "E09000007-00002",
            CAMDEN,
            "Finance",
            EBS,
            "Oracle",
            contract_end="2021-01-31",
            annual_cost_gbp="500000.4",
        ),
        system(
            "E09000003-00003",
            BARNET,
            "Housing",
            "Northgate Housing",
            "Northgate",
            contract_end_status="rolling",
        ),
        system(
            "E09000003-00002",
            BARNET,
            "Finance",
            EBS,
            "Capgemini",
            manufacturer="Oracle",
            contract_end="2019-03-31",
        ),
        system("E09000005-00002", BRENT, "Finance", EBS, "Oracle", contract_end="2023-09-30"),
        system("E09000005-00003", BRENT, "Housing", "Northgate Housing", None),
    ]


@pytest.fixture()
def data(tmp_path):
    return load_fixture(tmp_path, systems=rows())


def test_systems_table_one_row_per_system_sorted_by_authority(data):
    table = explorer.systems_table(data)
    assert list(table.columns) == list(explorer.SYSTEM_COLUMNS.values())
    assert table[["Authority", "Service area", "Contract end"]].values.tolist() == [
        ["Barnet", "Finance", "2019-03-31"],
        ["Barnet", "Housing", "rolling"],
        ["Brent", "Finance", "2023-09-30"],
        ["Brent", "Housing", "unknown"],
        ["Camden", "Finance", "2021-01-31"],
    ]
    assert table["Annual cost (£)"].tolist()[-1] == 500000  # to the pound
    assert table["Supplier"].tolist()[3] == ""  # missing shown blank, not <NA>


def test_who_uses_what_names_every_authority(data):
    table = explorer.who_uses_what(data)
    assert table[["Product", "Authorities", "Systems", "Used by"]].values.tolist() == [
        [EBS, 3, 3, "Barnet, Brent, Camden"],
        ["Northgate Housing", 2, 2, "Barnet, Brent"],
    ]


def test_suppliers_table_shares_of_rows_naming_a_supplier(data):
    table = explorer.suppliers_table(data)
    # 4 rows name a supplier: Oracle 2 (50%), Capgemini 1, Northgate 1 (25% each).
    assert table[["Supplier", "Systems", "Share (%)", "Rank", "Authorities"]].values.tolist() == [
        ["Oracle", 2, 50.0, 1, 2],
        ["Capgemini", 1, 25.0, 2, 1],
        ["Northgate", 1, 25.0, 2, 1],
    ]
    assert table["Service area names"].tolist()[0] == "Finance"


def test_contracts_table_orders_by_end_with_open_ended_last(data):
    table = explorer.contracts_table(data, AS_OF, horizon_years=3)
    assert table[["Contract end", "Year", "Status", "Authority"]].values.tolist() == [
        ["2019-03-31", "2019", "ended", "Barnet"],
        ["2021-01-31", "2021", "within horizon", "Camden"],
        ["2023-09-30", "2023", "after horizon", "Brent"],
        ["rolling", "", "rolling", "Barnet"],
        ["unknown", "", "unknown", "Brent"],
    ]


def test_interactive_html_embeds_every_row_and_is_the_same_each_run(data):
    table = explorer.systems_table(data)
    html = explorer.interactive_html(
        table, "explore-systems", caption="Systems", panes=["Authority", "Service area"]
    )
    assert html == explorer.interactive_html(
        table, "explore-systems", caption="Systems", panes=["Authority", "Service area"]
    )
    assert 'id="explore-systems"' in html
    assert '"column_filters": "header"' in html and '"searchPanes"' in html
    assert '"columns": [0, 1]' in html  # the panes' column positions
    assert "Camden" in html and "downsampl" not in html.lower()
    # Nothing is fetched from the internet: no script or stylesheet with a URL.
    assert not re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="?https?:', html)


def test_interactive_html_refuses_an_unknown_column(data):
    with pytest.raises(KeyError, match="Borough"):
        explorer.interactive_html(explorer.systems_table(data), "t", panes=["Borough"])


def test_interactive_html_names_pane_boxes_renders_money_and_hides_missing_values(data):
    table = explorer.systems_table(data)
    html = explorer.interactive_html(table, "explore-systems", panes=["Authority", "Service area"])
    # Each pane's search box is given its column's name (not the heading cell's markup).
    assert '"searchPanes": {"header": "Authority"}' in html
    assert '"searchPanes": {"header": "Service area"}' in html
    # Money is rendered as pounds in the browser; no missing value is sent as "<NA>".
    assert '"keys_to_be_evaluated"' in html  # the money column's sort renderer
    rows = json.loads(json.loads(re.search(r'"data_json": ("(?:[^"\\]|\\.)*")', html).group(1)))
    costs = [row[list(table.columns).index("Annual cost (£)")] for row in rows]
    assert costs and all(cost.startswith("£") or cost == "not stated" for cost in costs)
    assert not any(cost.endswith(".0") for cost in costs)
    assert "<NA>" not in html


def test_the_who_uses_what_page_counts_the_shared_products(data):
    page = explorer.who_uses_what_page(data)
    # Oracle E-Business Suite at three authorities, Northgate Housing at two.
    assert page.text == "2 products; 2 of them are run by more than one authority."
    assert page.table.equals(explorer.who_uses_what(data))


def test_the_suppliers_page_counts_the_systems_that_name_a_supplier(data):
    page = explorer.suppliers_page(data)
    # Brent's Northgate Housing names no supplier.
    assert page.text == "3 suppliers hold the 4 systems that name one."
    assert list(page.table["Supplier"]) == ["Oracle", "Capgemini", "Northgate"]


def test_the_contracts_page_takes_the_release_date_and_the_configured_horizon(data):
    page = explorer.contracts_page(data, AS_OF, 3)
    assert page.text == "As of 2019-10-01, 1 of the 5 contracts end within 3 years."
    configured = report_parameters().horizon_years
    default = explorer.contracts_page(data)
    assert default.text.startswith(f"As of {data.snapshot_date}, ")
    assert default.text.endswith(f"contracts end within {configured} years.")


def test_an_explorer_page_shows_its_text_then_its_interactive_table(data, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    explorer.show_page(explorer.suppliers_page(data), "explore-suppliers", caption="Suppliers")
    assert shown[0].data == "3 suppliers hold the 4 systems that name one."
    assert 'id="explore-suppliers"' in shown[1].data


def test_the_release_pages_count_what_the_release_holds():
    release = load_processed(PROCESSED_DIR)
    systems = release.systems
    products = systems.groupby("product")["gss_code"].nunique()
    assert explorer.who_uses_what_page(release).text == (
        f"{len(products):,} products; {int((products > 1).sum()):,} of them "
        f"are run by more than one authority."
    )
    named = systems[systems["supplier"].notna()]
    assert explorer.suppliers_page(release).text == (
        f"{named['supplier'].nunique():,} suppliers hold the {len(named):,} systems that name one."
    )
