"""The cleaning chapter: the survey returns cleaned into the release, and every row accounted
for (rows read, kept and rejected, the values cleaning changed, the names it recognised, the
contract registers and payment files it read, and, for the synthetic survey, how much of
the truth it recovers).

Unlike the other chapters this one makes the release: :func:`clean` runs the cleaning from
the notebook's folders and returns a :class:`Cleaning`; every other function takes it and
returns one :class:`~citytools_analysis.report.section.Section` for the notebook to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from citytools_analysis.core.paths import PROJECT_ROOT, RETURNS_STORE
from citytools_analysis.core.reference import Reference, load_reference
from citytools_analysis.ingest import name_review
from citytools_analysis.ingest.cleaning import CleanResult, clean_survey
from citytools_analysis.ingest.registers import contracts_folder, decision_counts
from citytools_analysis.ingest.spend_rules import payment_decisions
from citytools_analysis.metrics import overview
from citytools_analysis.metrics.coverage import OUTCOME_LABELS
from citytools_analysis.release.processed import ProcessedData, load_processed
from citytools_analysis.report.section import Section
from citytools_analysis.synth.recovery import (
    measure_recovery,
    measure_registers,
    measure_spend,
    register_scores_text,
)

SHARE_DECIMALS = 1
"""Shares in the chapter's tables are percentages to this many decimals."""

UNRESOLVED_SHOWN = 10
"""Unresolved names listed, those typed in the most cells first."""

PAYMENT_OUTCOMES = {
    "it": "IT, supplier named",
    "withheld": "IT, name withheld",
    "not_it": "Not IT",
}
"""How the payment decisions table names each outcome."""

SCORE_COLUMNS = {
    "measure": "Measure",
    "numerator": "Right",
    "denominator": "Out of",
    "share": "Share (%)",
}
"""The columns of a table of measures against the synthetic truth, and their headings."""


def _percent(column: pd.Series) -> pd.Series:
    return (column * 100).round(SHARE_DECIMALS)


def _scores_table(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.assign(share=_percent(scores["share"])).rename(columns=SCORE_COLUMNS)


@dataclass(frozen=True)
class Cleaning:
    """A cleaning run: its folders (absolute; ``None`` where not given) and what it made."""

    survey_dir: Path
    processed_dir: Path
    reference_dir: Path
    truth_dir: Path | None
    contracts_dir: Path | None
    name_corpus_file: Path | None
    result: CleanResult
    data: ProcessedData

    @cached_property
    def reference(self) -> Reference:
        return load_reference(self.reference_dir)

    @cached_property
    def review(self) -> pd.DataFrame:
        """The review of every distinct name typed (see :mod:`.ingest.name_review`)."""
        return name_review.review_names(
            self.survey_dir,
            contracts_folder(self.survey_dir, self.contracts_dir),
            self.reference,
            returns=self.result.returns,
        )


def _folder(path: Path | str) -> Path:
    return PROJECT_ROOT / path


def clean(
    survey_dir: Path | str,
    processed_dir: Path | str,
    reference_dir: Path | str,
    truth_dir: Path | str = "",
    contracts_dir: Path | str = "",
    name_corpus_file: Path | str = "",
) -> Cleaning:
    """Clean the survey returns (and registers, and payment files) into ``processed_dir``.

    Parameters
    ----------
    survey_dir, processed_dir, reference_dir
        Folders, relative to the project root (absolute paths work too).
    truth_dir
        The synthetic survey's known truth; ``""`` for none.
    contracts_dir
        Contract registers; ``""`` for the ``contracts/`` folder beside the survey folder,
        if it has one.
    name_corpus_file
        Hand-labelled names scoring name resolution; ``""`` for none.
    """
    survey, processed = _folder(survey_dir), _folder(processed_dir)
    reference = _folder(reference_dir)
    contracts = _folder(contracts_dir) if contracts_dir else None
    result = clean_survey(
        survey_dir=survey,
        out_dir=processed,
        reference_dir=reference,
        contracts_dir=contracts,
        store=RETURNS_STORE,
    )
    return Cleaning(
        survey_dir=survey,
        processed_dir=processed,
        reference_dir=reference,
        truth_dir=_folder(truth_dir) if truth_dir else None,
        contracts_dir=contracts,
        name_corpus_file=_folder(name_corpus_file) if name_corpus_file else None,
        result=result,
        data=load_processed(processed),
    )


def rows_read(cleaning: Cleaning) -> Section:
    """How many rows were read, kept and rejected, in all and sheet by sheet."""
    data = cleaning.data
    accounting = overview.row_accounting(data)
    totals = accounting[["read", "kept", "rejected"]].sum()
    snapshot = data.snapshot_date.isoformat() if data.snapshot_date else "not recorded"
    text = (
        f"{len(cleaning.result.returns)} authorities returned the survey. Across their workbooks "
        f"(and the authorities' contract registers and payment files, where read), "
        f"{totals['read']:,} data rows were read: {totals['kept']:,} were kept in the processed "
        f"tables and {totals['rejected']:,} were rejected, each with its reason. "
        f"The survey's snapshot date is {snapshot}."
    )
    table = accounting.rename(
        columns={
            "sheet": "Sheet",
            "read": "Rows read",
            "kept": "Rows kept",
            "rejected": "Rows rejected",
        }
    )
    return Section(text, table)


def rejections(cleaning: Cleaning) -> Section:
    """Rejected rows by sheet and reason."""
    reasons = overview.rejections_by_reason(cleaning.data.rejected)
    if reasons.empty:
        return Section("No row was rejected.")
    return Section(
        table=reasons.rename(columns={"sheet": "Sheet", "reason": "Reason", "rows": "Rows"})
    )


def corrections(cleaning: Cleaning) -> Section:
    """How many values cleaning changed or cleared, by rule, sheet and column."""
    corrected = cleaning.data.corrections
    rules = overview.corrections_by_rule(corrected)
    text = f"Cleaning changed or cleared {len(corrected):,} values."
    if rules.empty:
        return Section(text)
    table = rules.rename(
        columns={"rule": "Rule", "sheet": "Sheet", "column": "Column", "values": "Values"}
    )
    return Section(text, table)


def recovery(cleaning: Cleaning) -> Section:
    """How much of the synthetic truth the cleaned tables recover, measure by measure."""
    truth = cleaning.truth_dir
    if truth is None or not truth.is_dir():
        return Section("No synthetic truth was given for this build.")
    measures = measure_recovery(cleaning.processed_dir, truth)
    worst = measures.sort_values(["share", "measure"]).iloc[0]
    exact = measures[measures["share"] == 1]["measure"].tolist()
    text = (
        f"Of {len(measures)} measures, {len(exact)} are exactly 100%"
        + (
            " (all of them)"
            if len(exact) == len(measures)
            else f"; the lowest share is {worst['share']:.1%} ({worst['measure']})"
        )
        + ". A measure is exactly 100% when the cleaning rules undo every form of mess the "
        "generator writes into that column: the synthetic returns are made by this project's "
        "own generator, from a finite list of typing habits that the cleaner was written to "
        "read. These figures show that the rules do what they say on the round they were "
        "built for; they are not an accuracy on real returns. The names section below "
        "measures name resolution on names the generator never wrote."
    )
    return Section(text, _scores_table(measures))


def names(cleaning: Cleaning) -> Section:
    """How many distinct names were typed and how each kind was resolved."""
    review = cleaning.review
    text = (
        f"{len(review):,} distinct names were typed ({int(review['rows'].sum()):,} cells); "
        f"{int((review['method'] == 'unresolved').sum()):,} are unresolved and kept as typed."
    )
    table = name_review.method_counts(review).rename(
        columns={"kind": "Kind", "method": "Method", "names": "Distinct names", "rows": "Cells"}
    )
    return Section(text, table)


def unresolved_names(cleaning: Cleaning) -> Section:
    """The unresolved names typed in the most cells, with their nearest known names."""
    top = name_review.top_unresolved(cleaning.review, limit=UNRESOLVED_SHOWN)
    if top.empty:
        return Section("Every name was resolved.")
    table = top.rename(
        columns={
            "kind": "Kind",
            "raw_name": "Name as typed",
            "rows": "Cells",
            "files": "Files",
            "nearest": "Nearest known names (score)",
        }
    )
    return Section(table=table)


def name_corpus(cleaning: Cleaning) -> Section:
    """Name resolution scored on the hand-labelled corpus: in all, by batch and by form."""
    corpus = cleaning.name_corpus_file
    if corpus is None or not corpus.is_file():
        return Section("No labelled name corpus was given for this build.")
    results, summary = name_review.score_corpus(name_review.load_corpus(corpus), cleaning.reference)
    batches = name_review.corpus_scores_by_batch(results)
    by_batch = batches.assign(
        precision=_percent(batches["precision"]), recall=_percent(batches["recall"])
    ).rename(
        columns={
            "batch": "Batch",
            "names": "Names",
            "known": "Known names",
            "resolved": "Resolved",
            "correct": "Resolved rightly",
            "precision": "Precision (%)",
            "recall": "Recall (%)",
            "merged": "Unknown names merged",
        }
    )
    forms = name_review.corpus_by_form(results)
    by_form = forms.assign(share=_percent(forms["share"])).rename(
        columns={
            "form": "Form of the name",
            "names": "Names",
            "right": "Resolved rightly",
            "share": "Share (%)",
        }
    )
    return Section(name_review.corpus_scores_text(summary), by_batch, more=(by_form,))


def registers(cleaning: Cleaning) -> Section:
    """The contract-register rows read and classed as IT, by outcome and deciding rule."""
    contracts = cleaning.data.contracts
    if contracts is None or not len(contracts):
        return Section("No contract registers were read for this build.")
    counts = decision_counts(contracts)
    text = (
        f"{len(contracts):,} register rows were read from "
        f"{contracts['source_file'].nunique()} registers; "
        f"{int(contracts['is_it'].sum()):,} were classed as IT."
    )
    table = counts.assign(outcome=counts["outcome"].map(OUTCOME_LABELS)).rename(
        columns={"outcome": "Outcome", "rule": "Deciding rule", "rows": "Rows"}
    )
    return Section(text, table)


def register_scores(cleaning: Cleaning) -> Section:
    """How well the registers were read, measured against the synthetic truth."""
    truth = cleaning.truth_dir
    if (
        truth is None
        or not (truth / "register_rows.csv").is_file()
        or cleaning.data.contracts is None
    ):
        return Section("No synthetic truth for the registers was given for this build.")
    scores = measure_registers(cleaning.processed_dir, truth)
    return Section(register_scores_text(scores), _scores_table(scores))


def payments(cleaning: Cleaning) -> Section:
    """The payment rows read and which are IT, by outcome and deciding rule."""
    paid = cleaning.data.payments
    if paid is None or not len(paid):
        return Section("No payment files were read for this build.")
    decisions = payment_decisions(paid)
    it_rows = decisions.loc[decisions["outcome"] != "not_it", "rows"].sum()
    text = (
        f"{len(paid):,} payment rows were read from "
        f"{paid['source_file'].nunique():,} files of "
        f"{paid['gss_code'].nunique():,} authorities; {it_rows:,} are IT payments."
    )
    table = decisions.assign(outcome=decisions["outcome"].map(PAYMENT_OUTCOMES)).rename(
        columns={
            "outcome": "Outcome",
            "rule": "Deciding rule",
            "rows": "Rows",
            "amount_gbp": "Amount (£)",
        }
    )
    return Section(text, table)


def payment_scores(cleaning: Cleaning) -> Section:
    """How well the payment files were read, measured against the synthetic truth."""
    truth = cleaning.truth_dir
    if (
        truth is None
        or not (truth / "payment_rows.csv").is_file()
        or cleaning.data.payments is None
    ):
        return Section("No synthetic truth for the payment files was given for this build.")
    return Section(table=_scores_table(measure_spend(cleaning.processed_dir, truth)))
