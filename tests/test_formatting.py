"""Tests for the one formatting module: years, money, missing values and date ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd

from citytools_analysis.report import formatting, plots


def test_a_year_never_gets_a_separator_or_a_decimal():
    assert formatting.year(2022) == "2022"
    assert formatting.year(2022.0) == "2022"
    assert formatting.year(np.int64(2019)) == "2019"
    assert formatting.year(None) == "not stated"


def test_money_is_pounds_with_separators_and_no_decimal():
    assert formatting.gbp(310000.0) == "£310,000"
    assert formatting.gbp(1234.6) == "£1,235"
    assert formatting.gbp(-5) == "-£5"
    assert formatting.gbp(float("nan")) == "not stated"
    assert formatting.gbp(pd.NA) == "not stated"


def test_missing_values_read_not_stated():
    for value in (None, pd.NA, float("nan"), pd.NaT, "", "  "):
        assert formatting.count(value) == formatting.NOT_STATED
    assert formatting.count(0) == "0"
    assert formatting.long_date(pd.NaT) == "not stated"


def test_a_range_with_equal_ends_reads_as_one_date():
    assert formatting.date_range("2020-03-31", pd.Timestamp("2020-03-31")) == "on 31 March 2020"
    assert formatting.date_range("2019-09-30", "2020-03-31") == (
        "between 30 September 2019 and 31 March 2020"
    )


def test_a_table_is_written_by_what_each_column_holds():
    table = pd.DataFrame(
        {
            "Authority": ["Barnet", None],
            "Annual cost (£)": [310000.0, np.nan],
            "Satisfaction (1–5)": pd.array([4, None], dtype="Int64"),
            "until_year": [2022, 2023],
            "Systems": [1234, 7],
            "Share (%)": [98.8, 100.0],
            "Contract end": ["2020-03-31", pd.NaT],
        }
    )
    cells = formatting.table_cells(table)
    assert cells.to_dict("list") == {
        "Authority": ["Barnet", "not stated"],
        "Annual cost (£)": ["£310,000", "not stated"],
        "Satisfaction (1–5)": ["4", "not stated"],
        "until_year": ["2022", "2023"],
        "Systems": ["1,234", "7"],
        "Share (%)": ["98.8", "100.0"],
        "Contract end": ["2020-03-31", "not stated"],
    }
    page = plots.table_html(table)
    for wrong in ("&lt;NA&gt;", ">nan<", "NaT", "310000.0", "2,022"):
        assert wrong not in page
