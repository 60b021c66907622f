"""What counts as a blank value, everywhere: one test for the survey, registers, payments
and the report.

A value is blank when it says nothing: no value at all (``None``, a cell never filled), a
string of white space only, or pandas' and NumPy's markers of a missing value (``pd.NA``,
``NaN``, ``NaT``). Zero, ``False`` and a word such as "n/a" are values (a word that means
"not known" is the reference's ``missing_terms``, read by the cell parsers).
"""

from __future__ import annotations

import pandas as pd


def is_blank(value: object) -> bool:
    """Whether ``value`` is blank (see the module); a list-like value never is."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):  # NumPy's floats too
        return value != value
    if isinstance(value, int):  # bool too
        return False
    if pd.api.types.is_list_like(value):  # pd.isna would answer element by element
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
