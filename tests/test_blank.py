"""One test of a blank value for every layer: the survey's cells, the registers' and
payment files' fields, the cell parsers and the report's "not stated"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from citytools_analysis.core.blank import is_blank


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "\t\n",
        "\xa0",
        float("nan"),
        np.float64("nan"),
        pd.NA,
        pd.NaT,
        np.datetime64("NaT"),
        Decimal("NaN"),
    ],
)
def test_what_says_nothing_is_blank(value):
    assert is_blank(value)


@pytest.mark.parametrize(
    "value",
    [
        0,
        0.0,
        False,
        "x",
        "n/a",
        "0",
        dt.date(2019, 9, 30),
        pd.Timestamp("2019-09-30"),
        np.int64(0),
        [],
        [None],
        ("",),
    ],
)
def test_a_value_even_zero_or_a_word_for_unknown_is_not_blank(value):
    assert not is_blank(value)


def test_the_layers_share_the_one_test():
    from citytools_analysis.ingest import parsing, register_matching, registers, workbook
    from citytools_analysis.metrics import changes
    from citytools_analysis.report import formatting

    for module in (parsing, register_matching, registers, workbook, changes, formatting):
        assert module.is_blank is is_blank
