"""Errors for input that cannot be cleaned row by row, with the place they were found."""

from __future__ import annotations


class SurveyInputError(Exception):
    """A return that cannot be cleaned at all: names file, sheet, row and column.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    file, sheet, row, column
        Where: file name, sheet name, Excel row number (1-based), column header.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        place = [
            f"file {self.file}" if self.file else None,
            f"sheet {self.sheet}" if self.sheet else None,
            f"row {self.row}" if self.row is not None else None,
            f"column {self.column}" if self.column else None,
        ]
        where = ", ".join(p for p in place if p)
        return f"{where}: {self.message}" if where else self.message
