"""The cleaning chapter: the survey cleaned from the notebook's folders, and each section
accounting for what the cleaning read, kept, rejected, changed and recognised."""

from __future__ import annotations

import pandas as pd
import pytest
from fixture_returns import write_fixture_survey

from citytools_analysis.build.plan import CLEANING_NOTEBOOK, notebook_defaults
from citytools_analysis.core.paths import NOTEBOOKS_DIR, REFERENCE_DIR
from citytools_analysis.report import cleaning_chapter


@pytest.fixture(scope="module")
def fixture_cleaning(tmp_path_factory):
    """The two hand-written fixture returns, cleaned without truth, corpus or registers."""
    folder = tmp_path_factory.mktemp("fixture")
    survey = write_fixture_survey(folder / "survey")
    return cleaning_chapter.clean(survey, folder / "processed", REFERENCE_DIR)


@pytest.fixture(scope="module")
def round_cleaning(tmp_path_factory):
    """The committed round, cleaned with the notebook's own folders into a temporary release."""
    defaults = notebook_defaults(NOTEBOOKS_DIR / CLEANING_NOTEBOOK)
    defaults["processed_dir"] = tmp_path_factory.mktemp("round") / "processed"
    return cleaning_chapter.clean(**defaults)


def _csv(cleaning, table):
    return pd.read_csv(cleaning.processed_dir / f"{table}.csv", dtype=str)


def test_the_folders_resolve_against_the_project_and_blanks_mean_none(fixture_cleaning):
    assert fixture_cleaning.processed_dir.is_absolute()
    assert fixture_cleaning.truth_dir is None and fixture_cleaning.name_corpus_file is None
    assert fixture_cleaning.contracts_dir is None


def test_every_row_read_is_kept_or_rejected(fixture_cleaning):
    shown = cleaning_chapter.rows_read(fixture_cleaning)
    rejected = _csv(fixture_cleaning, "rejected")
    assert shown.text.startswith(f"{len(fixture_cleaning.result.returns)} authorities returned")
    assert list(shown.table.columns) == ["Sheet", "Rows read", "Rows kept", "Rows rejected"]
    assert shown.table["Rows rejected"].sum() == len(rejected)
    assert (
        shown.table["Rows read"] == shown.table["Rows kept"] + shown.table["Rows rejected"]
    ).all()
    assert f"{len(rejected):,} were rejected" in shown.text
    assert shown.text.endswith("The survey's snapshot date is 2019-09-30.")
    reasons = cleaning_chapter.rejections(fixture_cleaning).table
    assert reasons["Rows"].sum() == len(rejected)
    assert set(reasons["Reason"]) == set(rejected["reason"])


def test_the_corrections_are_counted_by_rule(fixture_cleaning):
    corrections = _csv(fixture_cleaning, "corrections")
    shown = cleaning_chapter.corrections(fixture_cleaning)
    assert shown.text == f"Cleaning changed or cleared {len(corrections):,} values."
    assert shown.table["Values"].sum() == len(corrections)
    assert set(shown.table["Rule"]) == set(corrections["rule"])


def test_a_round_without_truth_corpus_registers_or_payments_says_so(fixture_cleaning):
    said = {
        cleaning_chapter.recovery: "No synthetic truth was given for this build.",
        cleaning_chapter.name_corpus: "No labelled name corpus was given for this build.",
        cleaning_chapter.registers: "No contract registers were read for this build.",
        cleaning_chapter.register_scores: (
            "No synthetic truth for the registers was given for this build."
        ),
        cleaning_chapter.payments: "No payment files were read for this build.",
        cleaning_chapter.payment_scores: (
            "No synthetic truth for the payment files was given for this build."
        ),
    }
    for section, text in said.items():
        assert section(fixture_cleaning).text == text, section.__name__


def test_the_name_review_counts_every_distinct_name(fixture_cleaning):
    review = fixture_cleaning.review
    shown = cleaning_chapter.names(fixture_cleaning)
    unresolved = int((review["method"] == "unresolved").sum())
    assert shown.text.startswith(f"{len(review):,} distinct names were typed")
    assert f"{unresolved:,} are unresolved" in shown.text
    assert shown.table["Distinct names"].sum() == len(review)
    top = cleaning_chapter.unresolved_names(fixture_cleaning)
    if unresolved:
        assert 0 < len(top.table) <= cleaning_chapter.UNRESOLVED_SHOWN
    else:
        assert top.text == "Every name was resolved."


def test_the_round_is_measured_against_its_truth(round_cleaning):
    shown = cleaning_chapter.recovery(round_cleaning)
    assert list(shown.table.columns) == list(cleaning_chapter.SCORE_COLUMNS.values())
    assert shown.text.startswith(f"Of {len(shown.table)} measures, ")
    assert shown.table["Share (%)"].between(0, 100).all()
    assert shown.table["Right"].le(shown.table["Out of"]).all()


def test_the_round_reads_its_registers_and_payments(round_cleaning):
    contracts, payments = _csv(round_cleaning, "contracts"), _csv(round_cleaning, "payments")
    registers = cleaning_chapter.registers(round_cleaning)
    assert registers.text.startswith(f"{len(contracts):,} register rows were read from ")
    assert registers.table["Rows"].sum() == len(contracts)
    paid = cleaning_chapter.payments(round_cleaning)
    assert paid.text.startswith(f"{len(payments):,} payment rows were read from ")
    assert set(paid.table["Outcome"]) <= set(cleaning_chapter.PAYMENT_OUTCOMES.values())
    assert paid.table["Rows"].sum() == len(payments)
    for scored in (
        cleaning_chapter.register_scores(round_cleaning),
        cleaning_chapter.payment_scores(round_cleaning),
    ):
        assert list(scored.table.columns) == list(cleaning_chapter.SCORE_COLUMNS.values())


def test_the_name_corpus_is_scored_by_batch_and_by_form(round_cleaning):
    shown = cleaning_chapter.name_corpus(round_cleaning)
    corpus = pd.read_csv(round_cleaning.name_corpus_file, dtype=str)
    (by_form,) = shown.more
    assert shown.table["Names"].sum() == len(corpus)
    assert by_form["Names"].sum() == len(corpus)
    assert shown.table["Precision (%)"].between(0, 100).all()
