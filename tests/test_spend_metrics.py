"""Spend findings: sources per authority, shares by money, the cost cross-check, profiles."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from citytools_analysis.metrics import spend
from citytools_analysis.report import charts


@pytest.fixture()
def release():
    authorities = pd.DataFrame(
        {
            "gss_code": ["A", "B", "C"],
            "short_name": ["Alpha", "Beta", "Gamma"],
            "responded": [True, False, False],
        }
    )
    systems = pd.DataFrame(
        {
            "record_id": ["A-1", "A-2", "A-3", "B-R1"],
            "gss_code": ["A", "A", "A", "B"],
            "supplier": ["Civica", "Civica", "Idox", "Idox"],
            "annual_cost_gbp": [100_000.0, 20_000.0, 50_000.0, 9_000.0],
            "source": ["survey", "both", "survey", "register"],
            "source_file": ["a.xlsx", "a.xlsx", "a.xlsx", "b_contracts.csv"],
            "source_row": [2, 3, 4, 9],
        }
    )
    contracts = pd.DataFrame({"gss_code": ["A", "B"]})
    it_spend = pd.DataFrame(
        [
            ("A", "2019-20", "Civica", 4, 118_000.0),
            ("A", "2019-20", "Microsoft", 2, 30_000.0),
            ("A", "2018-19", "Idox", 1, 50_000.0),
            ("A", "2019-20", "(withheld)", 1, 700.0),
            ("B", "2019-20", "Idox", 12, 9_500.0),
            ("B", "2019-20", "Softcat", 3, 4_000.0),
        ],
        columns=["gss_code", "financial_year", "supplier", "payments", "amount_gbp"],
    )
    return authorities, systems, contracts, it_spend


def test_sources_by_authority_and_what_spend_adds(release):
    authorities, systems, contracts, it_spend = release
    sources = spend.sources_by_authority(authorities, systems, contracts, it_spend)
    assert sources[
        ["gss_code", "survey", "register", "spend", "it_suppliers_paid"]
    ].values.tolist() == [
        ["A", True, True, True, 3],
        ["B", False, True, True, 2],
        ["C", False, False, False, 0],
    ]
    assert spend.coverage_summary(sources) == {
        "authorities": 3,
        "survey": 1,
        "register": 2,
        "spend": 2,
        "all_three": 1,
        "spend_only_non_responders": 1,
        "non_responder_suppliers": 2,
    }


def test_shares_by_money_leave_withheld_names_out(release):
    *_rest, it_spend = release
    table = spend.shares_by_money(it_spend, "2019-20")
    assert table["supplier"].tolist() == ["Civica", "Microsoft", "Idox", "Softcat"]
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.loc[0, "share"] == pytest.approx(118_000 / 161_500)


def test_shares_compared(release):
    _a, systems, _c, it_spend = release
    table = spend.shares_compared(systems, it_spend, year="2019-20")
    row = table.set_index("supplier").loc["Idox"]
    assert row["systems"] == 2 and row["share_systems"] == pytest.approx(0.5)
    assert row["share_money"] == pytest.approx(9_500 / 161_500)
    assert table.set_index("supplier").loc["Softcat", "systems"] == 0


def test_cost_check_sums_a_suppliers_systems_and_skips_register_systems(release):
    _a, systems, _c, it_spend = release
    check = spend.cost_check(systems, it_spend, "2019-20")
    rows = {(r.gss_code, r.supplier): r for r in check.itertuples()}
    assert set(rows) == {("A", "Civica"), ("A", "Idox")}  # B's system came from a register
    assert rows[("A", "Civica")].systems == 2
    assert (
        rows[("A", "Civica")].reported_gbp == 120_000 and rows[("A", "Civica")].paid_gbp == 118_000
    )
    assert rows[("A", "Idox")].paid_gbp == 0  # paid the year before, not in 2019-20
    assert check.iloc[0]["supplier"] == "Idox"  # the largest difference first
    summary = spend.cost_check_summary(check)
    assert summary["pairs"] == 2 and summary["within"] == 1 and summary["unpaid"] == 1
    # a cost a contract register filled in is not the survey's
    corrections = pd.DataFrame(
        {
            "source_file": ["a.xlsx"],
            "source_row": [3],
            "column": ["annual_cost_gbp"],
            "rule": ["from_register"],
        }
    )
    check = spend.cost_check(systems, it_spend, "2019-20", corrections)
    civica = check.set_index("supplier").loc["Civica"]
    assert civica["systems"] == 1 and civica["reported_gbp"] == 100_000


def test_suppliers_paid_per_year(release):
    *_rest, it_spend = release
    table = spend.suppliers_paid(it_spend, "A")
    assert table.values.tolist() == [
        ["2019-20", "Civica", 4, 118_000.0],
        ["2019-20", "Microsoft", 2, 30_000.0],
        ["2019-20", "(withheld)", 1, 700.0],
        ["2018-19", "Idox", 1, 50_000.0],
    ]


def test_charts_have_titles_and_labelled_axes(release):
    _a, systems, _c, it_spend = release
    fig = charts.share_pairs(
        spend.shares_compared(systems, it_spend), title="Shares", ylabel="Supplier"
    )
    ax = fig.axes[0]
    assert "Shares" in (ax.get_title(), ax.get_title(loc="left"))  # the theme may put titles left
    assert ax.get_xlabel() == "Share (%)"
    assert len(ax.patches) == 2 * len(spend.shares_compared(systems, it_spend))
    fig = charts.reported_against_paid(
        spend.cost_check(systems, it_spend, "2019-20"), title="Costs"
    )
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "reported" in ax.get_xlabel()
    assert "Nothing paid" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
