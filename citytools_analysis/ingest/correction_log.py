"""The one correction log of every source: survey returns, contract registers, payment files.

Cleaning keeps a raw row or value it changed, cleared or refused in two tables of the
release: ``corrections.csv`` (a value changed or cleared, with the rule that did it) and
``rejected.csv`` (a row not carried, with its reason). Every source writes them through this
module, so that each row has one shape and is written one way:

- a raw value, or a rejection's detail quoting one, that looks personal (an e-mail address or
  a telephone number, :func:`.privacy.looks_personal`) is written as :data:`.privacy.REMOVED`;
- a clean value is written as the release writes values: dates in ISO form, floats by
  :func:`number_text`, ``None`` (or a cleared value) as an empty cell.

What counts as a source's raw value is the source's to say: a survey return's is the cell as
typed (trimmed), a register's or payment file's is the published text with its white space
tidied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citytools_analysis.ingest.privacy import REMOVED, looks_personal


def number_text(value: float) -> str:
    """A number as the release writes it: no decimals when whole, else pence.

    >>> number_text(1200.0), number_text(0.5), number_text(10.004)
    ('1200', '0.5', '10')
    """
    number = round(float(value), 2)
    return str(int(number)) if number.is_integer() else f"{number:.2f}".rstrip("0")


def clean_text(value: Any) -> str:
    """A clean value as the log writes it: ``""`` for None, dates in ISO form, floats by
    :func:`number_text`, anything else as its text.

    >>> import datetime as dt
    >>> clean_text(None), clean_text(dt.date(2024, 3, 31)), clean_text(1500.0), clean_text("Civica")
    ('', '2024-03-31', '1500', 'Civica')
    """
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return number_text(value)
    return str(value)


def raw_text(value: Any) -> str:
    """A raw value as the log writes it: :data:`.privacy.REMOVED` when it looks personal, else
    its text (trimmed; a whole float without its ``.0``, a date or time in ISO form).

    >>> raw_text("  call 020 7946 0000 "), raw_text(" 1,200 pa "), raw_text(3.0)
    ('[removed]', '1,200 pa', '3')
    """
    if looks_personal(value):
        return REMOVED
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Rejection:
    """A raw row not carried into a table: one row of ``rejected.csv``."""

    source_file: str
    sheet: str
    source_row: int
    reason: str
    column: str = ""
    detail: str = ""

    def row(self) -> dict[str, Any]:
        """The row of ``rejected.csv``."""
        return {
            "source_file": self.source_file,
            "sheet": self.sheet,
            "source_row": self.source_row,
            "reason": self.reason,
            "column": self.column,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Correction:
    """A raw value cleaning changed or cleared: one row of ``corrections.csv``.

    ``cleared`` (the value was cleared, not changed) is not written; the return validator
    reads it.
    """

    source_file: str
    sheet: str
    source_row: int
    column: str
    raw_value: str
    clean_value: str
    rule: str
    cleared: bool = False

    def row(self) -> dict[str, Any]:
        """The row of ``corrections.csv``."""
        return {
            "source_file": self.source_file,
            "sheet": self.sheet,
            "source_row": self.source_row,
            "column": self.column,
            "raw_value": self.raw_value,
            "clean_value": self.clean_value,
            "rule": self.rule,
        }


def correction(
    file: str,
    sheet: str,
    row: int,
    column: str,
    raw: Any,
    clean: Any,
    rule: str,
    *,
    cleared: bool | None = None,
) -> Correction:
    """A correction with its raw value redacted and both values written as the log writes them.

    Parameters
    ----------
    file, sheet, row, column
        Where the value was: the file's name, the sheet (a register's or CSV payment file's
        fixed name), the row as a spreadsheet shows it, the column's field.
    raw
        The value as the source gave it (see :func:`raw_text`).
    clean
        The value written, or None when it was cleared (see :func:`clean_text`).
    rule
        The rule that changed or cleared it.
    cleared
        Whether the value was cleared; by default, when ``clean`` is None. A cleared value's
        clean cell is empty.
    """
    if cleared is None:
        cleared = clean is None
    return Correction(
        file,
        sheet,
        row,
        column,
        raw_text(raw),
        "" if cleared else clean_text(clean),
        rule,
        cleared,
    )


def rejection(
    file: str, sheet: str, row: int, reason: str, column: str = "", detail: str = ""
) -> Rejection:
    """A rejection whose detail is :data:`.privacy.REMOVED` when it quotes a personal value."""
    return Rejection(
        file, sheet, row, reason, column, REMOVED if looks_personal(detail) else detail
    )


@dataclass
class CorrectionLog:
    """The corrections and rejections of one reading, in the order they were made."""

    corrections: list[Correction] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def correct(
        self,
        file: str,
        sheet: str,
        row: int,
        column: str,
        raw: Any,
        clean: Any,
        rule: str,
        *,
        cleared: bool | None = None,
    ) -> Correction:
        """Log a value changed or cleared (see :func:`correction`)."""
        entry = correction(file, sheet, row, column, raw, clean, rule, cleared=cleared)
        self.corrections.append(entry)
        return entry

    def reject(
        self, file: str, sheet: str, row: int, reason: str, column: str = "", detail: str = ""
    ) -> Rejection:
        """Log a row not carried (see :func:`rejection`)."""
        entry = rejection(file, sheet, row, reason, column, detail)
        self.rejections.append(entry)
        return entry

    def extend(self, other: CorrectionLog) -> None:
        """Add another log's entries after this one's."""
        self.corrections.extend(other.corrections)
        self.rejections.extend(other.rejections)

    def correction_rows(self) -> list[dict[str, Any]]:
        """The corrections as rows of ``corrections.csv``."""
        return [entry.row() for entry in self.corrections]

    def rejection_rows(self) -> list[dict[str, Any]]:
        """The rejections as rows of ``rejected.csv``."""
        return [entry.row() for entry in self.rejections]


__all__ = [
    "Correction",
    "CorrectionLog",
    "Rejection",
    "clean_text",
    "correction",
    "number_text",
    "raw_text",
    "rejection",
]
