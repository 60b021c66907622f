"""Name resolution measured on a hand-labelled corpus the synthetic generator never wrote.

``tests/corpora/names.csv`` holds names as council documents and contract registers write
them, each with its correct canonical name or ``new entrant``: canonical names and alias
forms, names with generic words (editions, deployment words, descriptors, versions, the
maker's name, trademark signs), typing errors, former owners' names, near misses of known
names, and real UK local-government software vendors and products that are not in the
reference tables. It was written by hand, not produced by the generator, in three batches
(column ``batch``): batch 1 first, while the generic vocabulary
(``data/raw/reference/name_generic_words.csv``) was being written; batch 2 next, after
which the vocabulary was extended once more; batch 3 last, never used to change a rule or
a word list (a held-out set). The thresholds are asserted on the whole corpus; the held-out
batch's own figures are in the cleaning chapter.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from citytools_analysis.core.reference import Reference, fold, load_reference
from citytools_analysis.ingest.name_review import (
    NEW_ENTRANT,
    corpus_scores_text,
    load_corpus,
    score_corpus,
)

CORPUS = Path(__file__).parent / "corpora" / "names.csv"
#: The levels the cleaning chapter reports and the issue asks for.
MIN_PRECISION = 0.99
MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def scored(corpus: pd.DataFrame, ref: Reference) -> tuple[pd.DataFrame, dict]:
    return score_corpus(corpus, ref)


def _reference_keys(ref: Reference) -> set[str]:
    keys: set[str] = set()
    for table, columns in (
        (ref.products, ["product", "manufacturer"]),
        (ref.product_aliases, ["alias", "product"]),
        (ref.organisations, ["organisation"]),
        (ref.organisation_aliases, ["alias", "organisation"]),
    ):
        for column in columns:
            keys |= {fold(value) for value in table[column]}
    return keys


def test_the_corpus_has_the_forms_the_issue_asks_for(corpus: pd.DataFrame) -> None:
    assert len(corpus) >= 300
    assert not corpus["raw_name"].duplicated().any()
    forms = corpus["form"].value_counts()
    assert forms["generic"] >= 100 and forms["version"] >= 10 and forms["maker"] >= 5
    assert forms["typo"] >= 30 and forms["ownership"] >= 20 and forms["trademark"] >= 3
    assert forms["new_entrant"] >= 40
    assert set(corpus["kind"]) == {"product", "organisation"}


def test_new_entrants_are_not_in_the_reference_tables(corpus: pd.DataFrame, ref: Reference) -> None:
    """No new entrant, nor any word of its name, is a known name or alias (legal words aside)."""
    keys = _reference_keys(ref)
    legal = ref.organisation_legal_words
    for raw in corpus.loc[corpus["form"] == "new_entrant", "raw_name"]:
        assert fold(raw) not in keys, raw
        words = [word for word in fold(raw).split() if word not in legal]
        assert " ".join(words) not in keys, raw
        assert not [word for word in words if word in keys], raw


def test_every_expected_name_is_canonical(corpus: pd.DataFrame, ref: Reference) -> None:
    products, organisations = set(ref.products["product"]), set(ref.organisations["organisation"])
    for row in corpus.itertuples():
        if row.expected != NEW_ENTRANT:
            assert row.expected in (products if row.kind == "product" else organisations), row


def test_precision_and_recall_on_the_corpus(scored: tuple[pd.DataFrame, dict]) -> None:
    results, summary = scored
    wrong = results[~results["right"]]
    assert summary["precision"] >= MIN_PRECISION, wrong.to_string()
    assert summary["recall"] >= MIN_RECALL, wrong.to_string()
    assert summary["correct"] <= summary["resolved"] and summary["correct"] <= summary["known"]


def test_no_new_entrant_is_merged_into_an_incumbent(scored: tuple[pd.DataFrame, dict]) -> None:
    results, _summary = scored
    entrants = results[results["form"] == "new_entrant"]
    merged = entrants[entrants["canonical"] != NEW_ENTRANT]
    assert merged.empty, merged[["raw_name", "canonical", "method"]].to_string()
    # near misses of known names (a word or most letters shared) mostly stay apart too; the
    # held-out batch's "Capital Software Ltd" is one edit from "Capita Software" and is the
    # known exception (it counts against precision)
    near = results[results["form"] == "near_miss"]
    assert (near["canonical"] == NEW_ENTRANT).mean() >= 0.9, near.to_string()


@pytest.mark.parametrize(
    ("form", "least"),
    [
        ("generic", 0.9),
        ("version", 0.85),
        ("maker", 0.9),
        ("trademark", 1.0),
        ("ownership", 0.95),
        ("compound", 0.95),
        ("alias_form", 0.95),
        ("typo", 0.9),
    ],
)
def test_each_form_mostly_resolves(
    scored: tuple[pd.DataFrame, dict], form: str, least: float
) -> None:
    results, _summary = scored
    rows = results[results["form"] == form]
    assert len(rows) and rows["right"].mean() >= least, rows[~rows["right"]].to_string()


def test_the_held_out_batch_is_scored_like_the_rest(corpus: pd.DataFrame, ref: Reference) -> None:
    held_out = corpus[corpus["batch"] == "3"]
    assert len(held_out) >= 100
    _results, summary = score_corpus(held_out, ref)
    # lower than on the batches the vocabulary was written against, and stated as such
    assert summary["precision"] >= 0.98 and summary["recall"] >= 0.85


def test_the_score_is_counted_as_its_sentence_says(ref: Reference) -> None:
    corpus = pd.DataFrame(
        {
            "raw_name": ["Uniform Cloud", "Capitol Software", "Acadamy", "Netcall Liberty Create"],
            "kind": ["product", "organisation", "product", "product"],
            "expected": ["Uniform", NEW_ENTRANT, "Academy", NEW_ENTRANT],
            "form": ["generic", "near_miss", "typo", "new_entrant"],
        }
    )
    results, summary = score_corpus(corpus, ref)
    assert list(results["canonical"]) == ["Uniform", NEW_ENTRANT, NEW_ENTRANT, NEW_ENTRANT]
    assert (summary["resolved"], summary["correct"], summary["known"]) == (1, 1, 2)
    assert (summary["precision"], summary["recall"]) == (1.0, 0.5)
    assert (summary["new_entrants_kept"], summary["merged"]) == (2, 0)
    assert "precision of 100.0%" in corpus_scores_text(summary)
    assert "recall of 50.0%" in corpus_scores_text(summary)


def test_a_corpus_naming_an_unknown_canonical_is_refused(ref: Reference) -> None:
    corpus = pd.DataFrame(
        {"raw_name": ["x"], "kind": ["product"], "expected": ["Nonesuch"], "form": ["exact"]}
    )
    with pytest.raises(ValueError, match="not a canonical product"):
        score_corpus(corpus, ref)


def test_a_corpus_without_its_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("raw_name,kind\nUniform,product\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing columns"):
        load_corpus(path)


def test_the_benchmark_reports_the_corpus_scores(tmp_path: Path) -> None:
    from citytools_analysis.build.benchmark import (
        NAME_CORPUS,
        name_resolution_report,
        run_benchmark,
    )

    assert NAME_CORPUS == CORPUS
    report = name_resolution_report()
    assert report is not None and "Name resolution (labelled corpus)" in report
    assert "precision of" in report and "recall of" in report
    assert name_resolution_report(tmp_path / "none.csv") is None
    lines: list[str] = []
    assert run_benchmark(names_only=True, echo=lines.append) == []
    assert len(lines) == 1  # --names-only: no build is run
    assert lines[0].split(" resolved in ")[0] == report.split(" resolved in ")[0]


def test_scores_by_form_add_up(scored: tuple[pd.DataFrame, dict]) -> None:
    from citytools_analysis.ingest.name_review import corpus_by_form

    results, summary = scored
    table = corpus_by_form(results)
    assert table["names"].sum() == summary["names"]
    assert list(table["form"]) == sorted(table["form"])
    assert (table["share"] == table["right"] / table["names"]).all()
    new = table.set_index("form").loc["new_entrant"]
    assert new["right"] == new["names"]


def test_scores_by_batch_add_up(scored: tuple[pd.DataFrame, dict]) -> None:
    from citytools_analysis.ingest.name_review import corpus_scores_by_batch

    results, summary = scored
    table = corpus_scores_by_batch(results)
    assert list(table["batch"]) == ["1", "2", "3"]
    for column in ("names", "known", "resolved", "correct", "merged"):
        assert table[column].sum() == summary[column], column
    assert (table["precision"] == table["correct"] / table["resolved"]).all()
