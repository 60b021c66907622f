"""Checking survey returns before they are sent, with the cleaner's own rules.

``validate_returns`` cleans each workbook with :meth:`Cleaner.read_return` (the code
``clean_survey`` runs) and turns what the cleaner did into a report a person can act on:
every row the cleaner would reject and every value it would clear is a *problem*, named by
file, sheet, Excel row, column letter and header as written, with the value typed and what
was expected instead. Values the cleaner only normalises (a synonym, an alias, a date form,
a word for "no value") are *notes*. Because both come from the same code, ``validate`` and
``clean`` cannot disagree about a return.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl.utils import column_index_from_string

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import Reference, Vocabulary, load_reference
from citytools_analysis.ingest.cleaning import (
    EARLIEST_DATE,
    LATEST_END_YEARS_AFTER_SNAPSHOT,
    LATEST_START_YEARS_AFTER_SNAPSHOT,
    MAX_ANNUAL_COST_GBP,
    UNREADABLE_SUFFIXES,
    Cleaner,
    CleanReturn,
    read_round,
    second_return_error,
    survey_files,
    table_name,
    unreadable_files,
    unreadable_format_error,
)
from citytools_analysis.ingest.correction_log import Correction, Rejection
from citytools_analysis.ingest.parsing import REPLACEMENT_YEAR_RANGE
from citytools_analysis.ingest.privacy import REMOVED, looks_personal
from citytools_analysis.ingest.workbook import SheetTable

#: What the validator says will happen to a problem's row or value.
ROW_REJECTED = "row rejected"
VALUE_CLEARED = "value cleared"
#: What happens to a note's value.
VALUE_NORMALISED = "value normalised"
READ_AS_NO_VALUE = "read as no value"

#: The parser's rule for a word meaning "no value" (N/A, unknown, -): an answer, not a problem.
MISSING_TERM_RULE = "missing_term"

#: Correction columns that are not sheet columns → the sheet column their value was typed in.
CELL_OF_COLUMN = {"replacement_year": "replacement_planned", "linked_name": "integrates_with"}

# Examples of forms the parser reads (formats, not reference lists).
DATE_EXAMPLES = "31/03/2021, 2021-03-31, March 2021 or 2021"
MONEY_EXAMPLES = "120000, £120,000, 120k or £1.2m"


# --- what each column accepts ----------------------------------------------------------------
def one_of(names: list, *, limit: int = 6, last: str = "or") -> str:
    """A list in words: ``"A, B or C"`` when short, ``"A, B … Z (n in all)"`` when long.

    Parameters
    ----------
    names
        The items, in order (written with ``str``).
    limit
        The longest list written out in full.
    last
        The word before the last item of a short list (``"or"``, ``"and"``).

    Returns
    -------
    str
    """
    names = [str(n) for n in names]
    if len(names) == 1:
        return names[0]
    if len(names) <= limit:
        return ", ".join(names[:-1]) + f" {last} " + names[-1]
    return f"{names[0]}, {names[1]} … {names[-1]} ({len(names)} in all)"


def _taxonomy(vocabulary: Vocabulary) -> str:
    names = vocabulary.canonical
    if len(names) <= 6:
        return one_of(names)
    return (
        f"a {vocabulary.name} from the taxonomy (e.g. {names[0]}, {names[1]} … {len(names)} in all)"
    )


def scale_choices(scale: dict[int, str]) -> list[str]:
    """The labelled forms of a scale, as offered in the template: ``"4 - Good"``.

    Parameters
    ----------
    scale
        Score → label (``Reference.rating_scale`` or ``Reference.skill_levels``).

    Returns
    -------
    list of str
        One ``"<score> - <label>"`` per score, lowest first; the cleaner reads each.
    """
    return [f"{score} - {label}" for score, label in sorted(scale.items())]


def _scale(scale: dict[int, str]) -> str:
    scores = sorted(scale)
    example = scores[-2] if len(scores) > 1 else scores[0]
    return (
        f"{scores[0]}–{scores[-1]} or {scale[scores[0]]} … {scale[scores[-1]]} "
        f"(e.g. {example} - {scale[example]})"
    )


def answer_choices(reference: Reference) -> list[str]:
    """The answers a Yes/No/Considering question takes, in reference order."""
    return list(dict.fromkeys(reference.answer_terms.values()))


def no_end_date_words(reference: Reference) -> list[str]:
    """One word per contract-end status that stands for "no end date" (``rolling``, ``tbc``)."""
    table = reference.table("contract_end_terms")
    first: dict[str, str] = {}
    for term, status in zip(table.term, table.contract_end_status):
        first.setdefault(status, term)
    return list(first.values())


def accepted_values(reference: Reference, field_name: str) -> str:
    """What a survey column (or Respondent item) accepts, in words, from the reference data.

    Parameters
    ----------
    reference
        The reference data.
    field_name
        A field of ``survey_columns.csv`` or ``respondent_items.csv``, e.g. ``"hosting"``.

    Returns
    -------
    str
        E.g. ``"On-premises, Cloud (SaaS), Hosted (supplier's data centre) or Hybrid"``; a
        general phrase for a field this function does not know.
    """
    ratings = _scale(reference.rating_scale)
    answers = answer_choices(reference)
    yes_no = [a for a in answers if a in ("Yes", "No")]
    year_low, year_high = REPLACEMENT_YEAR_RANGE
    texts = {
        "authority": "the authority's name, e.g. " + one_of(list(reference.authorities.name)),
        "date_completed": f"a date, e.g. {DATE_EXAMPLES}",
        "service_area": _taxonomy(reference.service_area_names),
        "function": "free text: what the system is used for",
        "product": "the system's name, as you know it",
        "manufacturer": "the organisation that makes the system",
        "supplier": "the organisation you contract with (blank: the manufacturer)",
        "system_type": one_of(reference.system_type_names.canonical)
        + " (blank: the service area's usual type)",
        "hosting": one_of(reference.hosting_names.canonical),
        "contract_start": f"a date, e.g. {DATE_EXAMPLES}",
        "contract_end": f"a date, e.g. {DATE_EXAMPLES}; or "
        + one_of(no_end_date_words(reference))
        + " when there is no end date",
        "annual_cost_gbp": f"an amount in pounds, 0 or more, e.g. {MONEY_EXAMPLES}",
        "value_for_money": ratings,
        "satisfaction": ratings,
        "integrates_with": "names of other systems in this return, separated by ; or new lines",
        "replacement_planned": one_of(answers)
        + f", optionally with a year ({year_low}–{year_high}), e.g. {answers[0]} - 2021",
        "notes": "free text (never published)",
        "skill_area": _taxonomy(reference.skill_area_names),
        "level": _scale(reference.skill_levels),
        "staff_fte": "a number of full-time equivalents, 0 or more, e.g. 2.5",
        "can_support": one_of(yes_no),
        "dimension": _taxonomy(reference.maturity_dimension_names),
        "score": ratings,
    }
    if field_name in texts:
        return texts[field_name]
    items = reference.respondent_items
    if field_name in set(items[items.personal == "yes"].field):
        return "optional; used only to contact you, never published"
    return "as the survey format describes"  # a column added to the reference without a text here


def expected_text(
    reference: Reference,
    rule: str,
    field_name: str,
    *,
    required_headers: list[str] | None = None,
    snapshot_date: date | None = None,
) -> str:
    """What was expected instead of a value the cleaner rejected or cleared.

    Parameters
    ----------
    reference
        The reference data.
    rule
        The cleaner's rule or rejection reason, e.g. ``"rating_out_of_range"``.
    field_name
        The column the cleaner names (``"value_for_money"``, ``"replacement_year"``).
    required_headers
        Headers of the sheet's required columns (for ``missing_required``).
    snapshot_date
        The survey's snapshot date (bounds of a plausible date); today when ``None``.

    Returns
    -------
    str
    """
    anchor = snapshot_date or date.today()
    year_low, year_high = REPLACEMENT_YEAR_RANGE
    cell = CELL_OF_COLUMN.get(field_name, field_name)
    if rule == "missing_required":
        columns = one_of(required_headers or [field_name], last="and")
        return f"a value in every required column ({columns})"
    if rule == "duplicate":
        return "each row given once"
    if rule in ("personal_data", "personal_data_removed"):
        return "no e-mail address or telephone number (personal data is never published)"
    if rule == "end_before_start":
        return "an end date on or after the contract start"
    if rule == "implausible_date":
        years = (
            LATEST_START_YEARS_AFTER_SNAPSHOT
            if field_name == "contract_start"
            else (LATEST_END_YEARS_AFTER_SNAPSHOT)
        )
        return f"a date from {EARLIEST_DATE.strftime('%d/%m/%Y')} to 31/12/{anchor.year + years}"
    if rule == "implausible_cost":
        return f"an annual amount up to £{MAX_ANNUAL_COST_GBP:,} (check the units)"
    if rule == "replacement_year_conflict":
        return "no year after No (a year only with a planned or considered replacement)"
    if field_name == "replacement_year":
        return f"a year {year_low}–{year_high} after the answer, e.g. Yes - 2021"
    if rule.endswith("_conflict"):
        return "a number and a label that agree: " + accepted_values(reference, cell)
    if rule == "not_yes_or_no":
        return accepted_values(reference, "can_support")
    return accepted_values(reference, cell)


# --- findings --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One problem (or note) in a return, placed as a person finds it in Excel.

    Attributes
    ----------
    file, sheet, row
        The workbook's file name, the sheet's title as written, the Excel row number.
    column, header
        The column letter and its header as written (``""`` for a whole-row problem).
    field
        The column as the cleaner names it (``corrections.csv`` / ``rejected.csv``).
    value
        The value as typed (personal data masked).
    expected
        What the cell should hold.
    action
        ``"row rejected"`` or ``"value cleared"`` for problems; ``"value normalised"`` or
        ``"read as no value"`` for notes.
    rule
        The cleaner's rejection reason or correction rule.
    detail
        The cleaner's detail (rejections) or the clean value (notes).
    """

    file: str
    sheet: str
    row: int
    column: str
    header: str
    field: str
    value: str
    expected: str
    action: str
    rule: str
    detail: str = ""

    @property
    def is_problem(self) -> bool:
        return self.action in (ROW_REJECTED, VALUE_CLEARED)


@dataclass
class ReturnCheck:
    """The check of one file: its problems and notes, or the error that stops it being read."""

    path: Path
    gss_code: str | None = None
    authority_row: int | None = None
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    error: SurveyInputError | None = None

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def status(self) -> str:
        """``"unreadable"``, ``"problems"`` or ``"ok"``."""
        if self.error is not None:
            return "unreadable"
        return "problems" if self.problems else "ok"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if looks_personal(value):
        return REMOVED
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def no_value_rules(reference: Reference) -> frozenset[str]:
    """Correction rules that record an accepted "no value" answer, not a problem.

    ``missing_term`` (N/A, unknown, -) and ``contract_end_<status>`` (rolling, TBC): the
    cleaner clears the value, but the person gave an answer the survey format accepts.
    """
    statuses = set(reference.contract_end_terms.values())
    return frozenset({MISSING_TERM_RULE, *(f"contract_end_{s}" for s in statuses)})


def findings_of(
    clean: CleanReturn, reference: Reference, snapshot_date: date | None = None
) -> tuple[list[Finding], list[Finding]]:
    """Turn a cleaned return's rejections and corrections into problems and notes.

    Parameters
    ----------
    clean
        What :meth:`Cleaner.read_return` gave for one workbook.
    reference
        The reference data it was cleaned with.
    snapshot_date
        The snapshot date it was cleaned with (for the plausible-date bounds).

    Returns
    -------
    tuple of (list of Finding, list of Finding)
        Problems (every rejection; every cleared value except accepted "no value" words)
        and notes (everything else the cleaner changed), each sorted by sheet, row, column.
    """
    silent = no_value_rules(reference)
    problems: list[Finding] = []
    notes: list[Finding] = []
    for rejection in clean.rejected:
        problems.append(_finding(clean, reference, rejection, snapshot_date))
    for correction in clean.corrections:
        finding = _finding(clean, reference, correction, snapshot_date)
        if correction.cleared and correction.rule not in silent:
            problems.append(finding)
        else:
            notes.append(finding)
    sheets = list(clean.layouts)

    def order(finding: Finding) -> tuple:
        return _order(finding, sheets)

    return sorted(problems, key=order), sorted(notes, key=order)


def _order(finding: Finding, sheets: list[str]) -> tuple:
    column = column_index_from_string(finding.column) if finding.column else 0
    sheet = sheets.index(finding.sheet) if finding.sheet in sheets else len(sheets)
    return (sheet, finding.row, column, finding.field, finding.rule)


def _finding(
    clean: CleanReturn,
    reference: Reference,
    item: Rejection | Correction,
    snapshot_date: date | None,
) -> Finding:
    layout: SheetTable | None = clean.layouts.get(item.sheet)
    field_name = item.column
    cell = CELL_OF_COLUMN.get(field_name, field_name)
    letter = header = ""
    if layout is not None and cell:
        letter = layout.column_letters.get(cell, "")
        header = layout.headers.get(cell, "")
    if isinstance(item, Rejection):
        raw = None
        if layout is not None and cell:
            row = next((r for r in layout.rows if r.excel_row == item.source_row), None)
            raw = row.cells.get(cell) if row is not None else None
        required = []
        if layout is not None:
            fields = reference.required_fields(table_name(layout))
            required = [layout.headers.get(f, f) for f in fields]
        return Finding(
            item.source_file,
            item.sheet,
            item.source_row,
            letter,
            header,
            field_name,
            _cell_text(raw),
            expected_text(
                reference,
                item.reason,
                field_name,
                required_headers=required,
                snapshot_date=snapshot_date,
            ),
            ROW_REJECTED,
            item.reason,
            item.detail,
        )
    if item.cleared:
        action = READ_AS_NO_VALUE if item.rule in no_value_rules(reference) else VALUE_CLEARED
    else:
        action = VALUE_NORMALISED
    return Finding(
        item.source_file,
        item.sheet,
        item.source_row,
        letter,
        header,
        field_name,
        item.raw_value,
        expected_text(reference, item.rule, field_name, snapshot_date=snapshot_date),
        action,
        item.rule,
        item.clean_value,
    )


# --- checking files --------------------------------------------------------------------------
@dataclass
class ValidationReport:
    """The checks of several files, with the exit status the command returns."""

    checks: list[ReturnCheck]

    @property
    def exit_code(self) -> int:
        """0 when every file is clean, 1 when any has problems, 2 when any cannot be read."""
        if any(c.error is not None for c in self.checks):
            return 2
        return 1 if any(c.problems for c in self.checks) else 0

    def counts(self) -> dict[str, int]:
        """Files checked, ready, with problems, unreadable; rows rejected, values cleared."""
        problems = [p for c in self.checks for p in c.problems]
        return {
            "files": len(self.checks),
            "ready": sum(c.status == "ok" for c in self.checks),
            "with_problems": sum(c.status == "problems" for c in self.checks),
            "unreadable": sum(c.status == "unreadable" for c in self.checks),
            "rows_rejected": sum(p.action == ROW_REJECTED for p in problems),
            "values_cleared": sum(p.action == VALUE_CLEARED for p in problems),
        }

    def summary(self) -> str:
        """One line: how many files are ready to send, and what is wrong with the others."""
        n = self.counts()
        return (
            f"Checked {n['files']} file{'s' * (n['files'] != 1)}: {n['ready']} ready to send, "
            f"{n['with_problems']} with problems ({n['rows_rejected']} row"
            f"{'s' * (n['rows_rejected'] != 1)} would be rejected, {n['values_cleared']} value"
            f"{'s' * (n['values_cleared'] != 1)} cleared), {n['unreadable']} could not be read."
        )

    def to_text(self, *, verbose: bool = False) -> str:
        """The report for people: each file's problems (and with ``verbose`` its notes)."""
        lines: list[str] = []
        for check in self.checks:
            lines.append(
                f"{check.file}: "
                + {
                    "ok": "no problems",
                    "problems": f"{len(check.problems)} problem{'s' * (len(check.problems) != 1)}",
                    "unreadable": "cannot be read",
                }[check.status]
            )
            if check.error is not None:
                lines.append(f"  error: {check.error}")
            for finding in check.problems:
                lines.extend(_finding_lines(finding))
            if verbose and check.notes:
                lines.append(f"  notes ({len(check.notes)} values read in another form):")
                for finding in check.notes:
                    lines.extend(_finding_lines(finding, note=True))
        lines.append(self.summary())
        return "\n".join(lines)

    def to_json(self, *, verbose: bool = False) -> str:
        """The report for tools: files, problems (and notes with ``verbose``), summary."""
        files = []
        for check in self.checks:
            entry: dict[str, Any] = {
                "file": check.file,
                "path": str(check.path),
                "status": check.status,
                "gss_code": check.gss_code,
                "error": None
                if check.error is None
                else {
                    "message": check.error.message,
                    "file": check.error.file,
                    "sheet": check.error.sheet,
                    "row": check.error.row,
                    "column": check.error.column,
                },
                "problems": [asdict(p) for p in check.problems],
            }
            if verbose:
                entry["notes"] = [asdict(n) for n in check.notes]
            files.append(entry)
        return json.dumps(
            {"files": files, "summary": self.counts(), "exit_code": self.exit_code},
            ensure_ascii=False,
            indent=2,
        )


def _finding_lines(finding: Finding, *, note: bool = False) -> list[str]:
    place = f"sheet {finding.sheet}, row {finding.row}"
    if finding.column:
        place += f", column {finding.column} ({finding.header})"
    value = f": {finding.value!r}" if finding.value else ": (blank)" if finding.column else ""
    indent = "    " if note else "  "
    if note:
        clean = repr(finding.detail) if finding.detail else "no value"
        return [f"{indent}{place}{value} → {clean} ({finding.rule})"]
    what = f"{finding.action} ({finding.rule})" + (f": {finding.detail}" if finding.detail else "")
    return [
        f"{indent}{place}{value}",
        f"{indent}  → {what}",
        f"{indent}  expected: {finding.expected}",
    ]


def expand_paths(paths: list[Path | str]) -> list[Path]:
    """Files to check: each file as given; a folder stands for the returns in it.

    In a folder, the ``.xlsx`` and ``.xlsm`` returns are taken as ``clean_survey`` takes
    them, and so are files saved in a spreadsheet format that cannot be read (``.xls``,
    ``.ods`` …), which ``clean_survey`` refuses; a folder with neither stands for itself.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted([*survey_files(path), *unreadable_files(path)])
        files.extend(found or [path])
    return files


def _readable(path: Path) -> None:
    """Raise the error ``clean_survey`` would give for a folder or a file it cannot read."""
    if path.is_dir():
        raise SurveyInputError(f"no .xlsx returns in {path}")
    if path.suffix.lower() in UNREADABLE_SUFFIXES:
        raise unreadable_format_error(path)


def validate_returns(
    paths: list[Path | str],
    reference_dir: Path | str | None = None,
    snapshot_date: date | None = None,
) -> ValidationReport:
    """Check returns with the cleaner's rules; nothing is written.

    Parameters
    ----------
    paths
        Workbooks (``.xlsx``), or folders of them.
    reference_dir
        Reference folder (``data/raw/reference/`` by default).
    snapshot_date
        The survey's snapshot date (plausible-date bounds). By default the one in
        ``round.json`` beside each file, as ``clean_survey`` reads it, else none.

    Returns
    -------
    ValidationReport
        One check per file, in the order given. A file that cannot be cleaned at all (not a
        workbook, a required sheet or column missing, an unknown authority) carries the
        :class:`SurveyInputError`; so does a second return for an authority already seen.
    """
    reference = load_reference(reference_dir)
    cleaners: dict[date | None, Cleaner] = {}
    checks: list[ReturnCheck] = []
    for path in expand_paths(paths):
        check = ReturnCheck(path)
        checks.append(check)
        try:
            _readable(path)
            snapshot = snapshot_date
            if snapshot is None:
                settings = read_round(path.parent)
                if settings.get("snapshot_date"):
                    snapshot = date.fromisoformat(settings["snapshot_date"])
            if snapshot not in cleaners:
                cleaners[snapshot] = Cleaner(reference, snapshot)
            clean = cleaners[snapshot].read_return(path)
        except SurveyInputError as error:
            check.error = error
            continue
        check.gss_code = clean.gss_code
        check.problems, check.notes = findings_of(clean, reference, snapshot)
        check.authority_row = clean.authority_row
    by_authority: dict[str, list[ReturnCheck]] = defaultdict(list)
    for check in checks:
        if check.gss_code is not None:
            by_authority[check.gss_code].append(check)
    for gss_code, group in by_authority.items():
        for later in group[1:]:
            later.error = second_return_error(
                gss_code, group[0].file, later.file, later.authority_row
            )
    return ValidationReport(checks)
