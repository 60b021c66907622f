"""The steward's review of a round's names (``citytools names``), on the hand-written fixture
returns and on the committed round."""

from __future__ import annotations

from pathlib import Path

import fixture_returns
import pandas as pd
import pytest
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.core.paths import SURVEY_DIR
from citytools_analysis.ingest.name_review import (
    METHODS,
    REVIEW_COLUMNS,
    method_counts,
    review_names,
    top_unresolved,
)


@pytest.fixture(scope="module")
def fixture_review(tmp_path_factory) -> pd.DataFrame:
    survey = fixture_returns.write_fixture_survey(tmp_path_factory.mktemp("names") / "survey")
    return review_names(survey)


def _row(review: pd.DataFrame, kind: str, name: str) -> dict:
    rows = review[(review["kind"] == kind) & (review["raw_name"] == name)]
    assert len(rows) == 1, (kind, name)
    return rows.iloc[0].to_dict()


def test_every_name_of_the_fixture_returns_is_listed_once(fixture_review: pd.DataFrame) -> None:
    assert list(fixture_review.columns) == REVIEW_COLUMNS
    assert not fixture_review.duplicated(["kind", "raw_name"]).any()
    # worked out from fixture_returns.py: Camden's System cells "Northgate iWorld", "Uniform"
    # (rows 5 and 6), "Something", "ICON"; its Interfaces cell "Uniform; Civica Pay"; the
    # GLA's System cell "ArcGIS"
    products = fixture_review[fixture_review["kind"] == "product"].set_index("raw_name")
    assert products["rows"].to_dict() == {
        "Uniform": 3,
        "ArcGIS": 1,
        "Civica Pay": 1,
        "ICON": 1,
        "Northgate iWorld": 1,
        "Something": 1,
    }
    assert _row(fixture_review, "product", "Uniform")["typed_in"] == "integrates_with;product"
    assert _row(fixture_review, "product", "Uniform")["files"] == "camden return v2.xlsx"


def test_how_each_name_resolved(fixture_review: pd.DataFrame) -> None:
    icon = _row(fixture_review, "product", "ICON")
    assert (icon["method"], icon["canonical"], icon["score"], icon["nearest"]) == (
        "alias",
        "Civica Pay",
        100.0,
        "",
    )
    civica = _row(fixture_review, "organisation", "Civica UK Limmited")
    assert (civica["method"], civica["canonical"]) == ("alias", "Civica")
    northgate = _row(fixture_review, "organisation", "Northgate Public Services")
    assert northgate["canonical"] == "NEC Software Solutions"
    assert set(fixture_review["method"]) <= set(METHODS)


def test_an_unresolved_name_comes_with_its_three_nearest_known_names(fixture_review) -> None:
    something = _row(fixture_review, "product", "Something")
    assert (something["method"], something["canonical"], something["score"]) == (
        "unresolved",
        "",
        0.0,
    )
    nearest = something["nearest"].split("; ")
    assert len(nearest) == 3
    scores = [float(part.rsplit("(", 1)[1].rstrip(")")) for part in nearest]
    assert scores == sorted(scores, reverse=True)
    assert top_unresolved(fixture_review)["raw_name"].tolist() == ["Something"]


def test_method_counts_add_up(fixture_review: pd.DataFrame) -> None:
    counts = method_counts(fixture_review)
    assert counts["names"].sum() == len(fixture_review)
    assert counts["rows"].sum() == fixture_review["rows"].sum()
    product = counts[counts["kind"] == "product"].set_index("method")
    assert product["names"].to_dict() == {"exact": 3, "alias": 2, "unresolved": 1}


def test_the_committed_round_lists_survey_and_register_names() -> None:
    review = review_names(SURVEY_DIR, SURVEY_DIR.parent / "contracts")
    typed_in = {part for cell in review["typed_in"] for part in cell.split(";")}
    assert {
        "product",
        "manufacturer",
        "supplier",
        "integrates_with",
        "register supplier (IT)",
        "register supplier",
    } <= typed_in
    # names only on registers' non-IT rows (cleaners, builders) are not offered for aliases
    top = top_unresolved(review, limit=50)
    typed = review.set_index(["kind", "raw_name"])["typed_in"]
    assert all(
        typed[(kind, name)] != "register supplier"
        for kind, name in zip(top["kind"], top["raw_name"])
    )


def test_the_command_writes_the_review(tmp_path: Path) -> None:
    survey = fixture_returns.write_fixture_survey(tmp_path / "survey")
    out = tmp_path / "review" / "names.csv"
    result = CliRunner().invoke(app, ["names", "--survey-dir", str(survey), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "13 distinct names written" in result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == REVIEW_COLUMNS and len(written) == 13
    to_stdout = CliRunner().invoke(app, ["names", "--survey-dir", str(survey)])
    assert to_stdout.exit_code == 0
    assert to_stdout.output == out.read_text(encoding="utf-8")


def test_the_command_names_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["names", "--survey-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "survey folder not found" in result.output


def test_a_cleaning_run_gives_the_same_review_without_reading_again(tmp_path: Path) -> None:
    from citytools_analysis.ingest.cleaning import clean_survey

    survey = fixture_returns.write_fixture_survey(tmp_path / "survey")
    result = clean_survey(survey, tmp_path / "processed", contracts_dir=False)
    from_run = review_names(None, returns=result.returns)
    pd.testing.assert_frame_equal(from_run, review_names(survey))
