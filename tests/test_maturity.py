"""Tests for the digital maturity scores against the London median."""

from __future__ import annotations

import pytest
from fixtures_processed import BARNET, BRENT, CAMDEN, load_fixture

from citytools_analysis.metrics import maturity


def score(code: str, dimension: str, value: int) -> dict:
    return {
        "gss_code": code,
        "dimension": dimension,
        "score": str(value),
        "source_file": f"{code}.xlsx",
        "source_row": "2",
    }


ROWS = [
    score(BARNET, "Leadership", 2),
    score(BRENT, "Leadership", 4),
    score(CAMDEN, "Leadership", 3),
    score(BARNET, "Data", 1),
    score(BRENT, "Data", 4),
]


@pytest.fixture()
def table(tmp_path):
    return load_fixture(tmp_path, maturity=ROWS).maturity


def test_medians_odd_and_even(table):
    medians = maturity.maturity_medians(table).set_index("dimension")
    assert list(medians.index) == ["Data", "Leadership"]
    assert medians.loc["Leadership", "median"] == 3.0
    assert medians.loc["Data", "median"] == 2.5  # mean of the two middle scores
    assert (medians.loc["Data", "min"], medians.loc["Data", "max"]) == (1, 4)
    assert medians.loc["Leadership", "authorities"] == 3


def test_each_authority_against_the_median(table):
    rows = maturity.maturity_vs_median(table)
    got = list(zip(rows["gss_code"], rows["dimension"], rows["score"], rows["difference"]))
    assert got == [
        (BARNET, "Data", 1, -1.5),
        (BARNET, "Leadership", 2, -1.0),
        (BRENT, "Data", 4, 1.5),
        (BRENT, "Leadership", 4, 1.0),
        (CAMDEN, "Leadership", 3, 0.0),
    ]


def test_a_new_score_moves_the_median(tmp_path):
    table = load_fixture(tmp_path, maturity=ROWS + [score(CAMDEN, "Data", 5)]).maturity
    medians = maturity.maturity_medians(table).set_index("dimension")
    assert medians.loc["Data", "median"] == 4.0
