"""Spotting personal data (e-mail addresses, UK telephone numbers) typed into a public column.

The survey's personal items (respondent's name, e-mail, telephone, role, notes) are never
read out. But people also type contact details into columns that are published ("ask
jo.bloggs@council.example", "call 020 7946 0000" as a function or supplier). The cleaner asks
:func:`looks_personal` of every text it would write, and clears what it flags.
"""

from __future__ import annotations

import re

#: What the corrections log shows instead of a raw value that looked personal.
REMOVED = "[removed]"

# An e-mail address: a local part, "@", and a domain with at least one dot. The look-behind
# makes a match start only where a local part can start, so a 100,000-letter cell without
# an "@" is scanned once, not once per letter.
_EMAIL = re.compile(r"(?<![\w.%+'-])[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")

# A UK telephone number: "+44" (optionally "(0)") or a leading 0, then 9 or 10 more digits,
# which may be grouped by spaces, hyphens, dots or brackets ("020 7946 0000",
# "(01632) 960 001", "+44 (0)20-7946-0000", "07700900123"). Not part of a longer number.
_UK_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:\+\s?44[\s.-]?(?:\(0\)[\s.-]?)?\(?|\(?0)"
    r"\d(?:[\s.()-]{0,2}\d){8,9}"
    r"(?![\w])"
)


def looks_personal(text: object) -> bool:
    """Whether a cell's text holds an e-mail address or a UK telephone number.

    Parameters
    ----------
    text
        A cell value; anything but a string (numbers, dates, ``None``) is never personal
        here: a telephone number typed into a number cell has lost its leading zero.

    Returns
    -------
    bool
        ``True`` when the text contains an e-mail address or a UK telephone number.

    Examples
    --------
    >>> looks_personal("ask jo.bloggs@camden.example")
    True
    >>> looks_personal("Call Jo on 07700 900123")
    True
    >>> looks_personal("Revenues & Benefits 2019-2021")
    False
    """
    if not isinstance(text, str):
        return False
    return bool(_EMAIL.search(text) or _UK_PHONE.search(text))
