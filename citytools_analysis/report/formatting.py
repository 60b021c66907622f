"""How the book writes a value: numbers by what they are, in sentences and in tables.

One module for every page, so a year never gets a thousands separator, money is always
pounds with separators and no ``.0``, a missing value always reads "not stated" (never
``<NA>``, ``nan`` or ``NaT``), and a range whose ends are equal reads as one date.

A table column is formatted by its heading: money when it names pounds (``(£)``) or ends
in ``_gbp``; a year when it says "year"; whole numbers get thousands separators.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from citytools_analysis.core.blank import is_blank

NOT_STATED = "not stated"
"""What a missing value reads as, in a sentence or a table cell."""

_MONEY_HEADING = re.compile(r"£|_gbp$|\bgbp\b", re.IGNORECASE)
_YEAR_HEADING = re.compile(r"(^|[\s_(])years?($|[\s_)])", re.IGNORECASE)


def count(number: object) -> str:
    """A whole number with thousands separators (``1,234``); "not stated" when missing."""
    if is_blank(number):
        return NOT_STATED
    return f"{round(float(number)):,}"


def year(value: object) -> str:
    """A year as written: ``2022``, never ``2,022`` or ``2022.0``."""
    if is_blank(value):
        return NOT_STATED
    return str(round(float(value)))


def gbp(amount: object) -> str:
    """Whole pounds with separators: ``£310,000`` (``-£5``); "not stated" when missing."""
    if is_blank(amount):
        return NOT_STATED
    pounds = round(float(amount))
    return f"-£{-pounds:,}" if pounds < 0 else f"£{pounds:,}"


def long_date(day: date | pd.Timestamp | str) -> str:
    """A date for prose: ``30 September 2019``; "not stated" when missing."""
    if is_blank(day):
        return NOT_STATED
    day = pd.Timestamp(day)
    return f"{day.day} {day.strftime('%B %Y')}"


def date_range(first: date | pd.Timestamp | str, last: date | pd.Timestamp | str) -> str:
    """``between 30 September 2019 and 31 March 2020``, or ``on 31 March 2020`` when equal."""
    start, end = long_date(first), long_date(last)
    return f"on {start}" if start == end else f"between {start} and {end}"


def is_money_column(heading: object) -> bool:
    """Whether a column heading names an amount in pounds."""
    return bool(_MONEY_HEADING.search(str(heading)))


def is_year_column(heading: object) -> bool:
    """Whether a column heading names a year (``Year``, ``until_year``, ``Replace by (year)``)."""
    return bool(_YEAR_HEADING.search(str(heading)))


def _whole(series: pd.Series) -> bool:
    numbers = pd.to_numeric(series, errors="coerce").dropna().astype(float)
    return len(numbers) > 0 and bool((numbers == numbers.round()).all())


def table_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A table with every cell written as the book shows it (strings, same shape, same headings).

    Money columns as :func:`gbp`, year columns as :func:`year`, whole-number columns with
    thousands separators, other numbers as pandas writes them, missing cells "not stated".
    """
    shown = {}
    for position, heading in enumerate(frame.columns):
        column = frame.iloc[:, position]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        if numeric and is_money_column(heading):
            shown[position] = column.map(gbp)
        elif numeric and is_year_column(heading) and _whole(column):
            shown[position] = column.map(year)
        elif numeric and (pd.api.types.is_integer_dtype(column) or _whole(column)):
            shown[position] = column.map(count)
        elif numeric:
            present = column.dropna().astype(float)
            text = present.map(_decimal(present))
            shown[position] = text.reindex(column.index).fillna(NOT_STATED)
        else:
            shown[position] = column.map(lambda v: NOT_STATED if is_blank(v) else str(v))
    table = pd.DataFrame({position: shown[position] for position in shown}, index=frame.index)
    table.columns = frame.columns
    return table


def _decimal(values: pd.Series):
    """One number of decimals for a column (1 or 2 when they suffice, else 6 significant)."""
    for places in (1, 2):
        if (values.round(places) == values).all():
            return lambda v: f"{v:,.{places}f}"
    return lambda v: f"{v:,.6g}"
