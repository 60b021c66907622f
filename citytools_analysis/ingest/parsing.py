"""Reading one survey cell: dates, money, ratings, levels, answers and names typed by people.

Every function takes the raw cell as openpyxl returns it (``str``, ``int``, ``float``,
``bool``, ``datetime.datetime``, ``datetime.date``, ``datetime.time`` or ``None``) and the
reference lookup it needs, and returns a :class:`Parsed`: the clean value, what happened
(``blank``, ``ok``, ``changed``, ``missing``, ``invalid``) and the name of the rule applied,
which the cleaner writes to ``corrections.csv``. Nothing here loads reference data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from dateutil import parser as date_parser

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.reference import Vocabulary, fold

#: What can happen to a cell.
OUTCOMES = ("blank", "ok", "changed", "missing", "invalid")

#: Excel's day 0 for serial dates (the 1900 date system, leap-year bug included).
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers read as dates: 1 (1899-12-31) up to 79,999 (in 2119).
EXCEL_SERIAL_RANGE = (1, 80_000)
#: Whole numbers in this range in a date cell are years, not serial numbers: a serial of
#: 1900–2100 would be a date in 1905, while a typed "2021" is a year.
YEAR_RANGE = (1900, 2100)
#: Two-digit years below this pivot are 20xx, the others 19xx ("21" → 2021, "98" → 1998).
TWO_DIGIT_YEAR_PIVOT = 70
#: Years accepted for a planned replacement.
REPLACEMENT_YEAR_RANGE = (1990, 2100)
#: Plausibility bounds for contract dates, in returns and registers alike (a date outside
#: them is cleared and logged ``implausible_date``, the row kept): none before this day, and
#: none after the end of the year this many years after the snapshot (a start, an end).
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_START_YEARS_AFTER_SNAPSHOT = 5
LATEST_END_YEARS_AFTER_SNAPSHOT = 50
#: An annual cost above this is treated as a typing error (cleared and logged): no single
#: borough system costs more than the largest borough ICT budgets.
MAX_ANNUAL_COST_GBP = 50_000_000

_FORBIDDEN_EMPTY_RULE = frozenset({"changed", "missing", "invalid"})


@dataclass(frozen=True)
class Parsed:
    """The result of reading one cell.

    Parameters
    ----------
    value
        The clean value; ``None`` when the cell is blank, missing or invalid.
    outcome
        ``"blank"`` (empty or white space), ``"ok"`` (read; the clean form equals the raw
        form), ``"changed"`` (read, but the clean value differs from the raw text),
        ``"missing"`` (a word meaning "no value") or ``"invalid"`` (unreadable or out of
        range: cleared).
    rule
        Short snake_case name of the rule applied, ``""`` for ``ok`` and ``blank``.
    """

    value: object | None
    outcome: str
    rule: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.outcome in _FORBIDDEN_EMPTY_RULE and not self.rule:
            raise ValueError(f"a {self.outcome} result needs a rule")
        if self.outcome in ("blank", "ok") and self.rule:
            raise ValueError(f"a {self.outcome} result takes no rule")
        if self.outcome in ("blank", "missing", "invalid") and self.value is not None:
            raise ValueError(f"a {self.outcome} result has no value")
        if self.outcome in ("ok", "changed") and self.value is None:
            raise ValueError(f"a {self.outcome} result needs a value")

    @property
    def logged(self) -> bool:
        """Whether the cleaner must log this cell (changed, missing or invalid)."""
        return self.outcome in ("changed", "missing", "invalid")


BLANK = Parsed(None, "blank")


def _ok(value: object) -> Parsed:
    return Parsed(value, "ok")


def _changed(value: object, rule: str) -> Parsed:
    return Parsed(value, "changed", rule)


def _invalid(rule: str) -> Parsed:
    return Parsed(None, "invalid", rule)


def _missing(rule: str = "missing_term") -> Parsed:
    return Parsed(None, "missing", rule)


def _collapse(text: str) -> str:
    """Trim and collapse runs of white space (non-breaking spaces and new lines included)."""
    return " ".join(text.split())


def _is_missing(text: str, missing_terms: frozenset[str]) -> bool:
    return _collapse(text).lower() in missing_terms


def _finalise(raw: str, text: str, value: object, rule: str) -> Parsed:
    """``ok`` when nothing but the reading happened, else ``changed`` (white space counts)."""
    if rule:
        return _changed(value, rule)
    if raw != text:
        return _changed(value, "whitespace")
    return _ok(value)


# --- dates --------------------------------------------------------------------------------


class _UKParserInfo(date_parser.parserinfo):
    """dateutil's English words, day first, with a fixed two-digit-year pivot.

    dateutil's own rule puts a two-digit year within 50 years of today, so its answer
    would depend on the day the pipeline runs.
    """

    def __init__(self) -> None:
        super().__init__(dayfirst=True, yearfirst=False)

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        if year < 100 and not century_specified:
            return _expand_year(year)
        return year


_PARSER_INFO = _UKParserInfo()
# Two defaults that differ in every part: a part that comes out different was not typed.
_DEFAULT_A = dt.datetime(2000, 1, 1)
_DEFAULT_B = dt.datetime(2004, 2, 2)

_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_YMD_RE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_DMY_RE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})$")
_MY_NUMERIC_RE = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_YM_NUMERIC_RE = re.compile(r"^(\d{4})[/.\-](\d{1,2})$")
_MY_WORD_RE = re.compile(r"^([A-Za-z]+)\.?[\s\-/',]*(\d{4}|\d{2})$")


def _expand_year(year: int) -> int:
    return year + (2000 if year < TWO_DIGIT_YEAR_PIVOT else 1900)


def _month_bound(year: int, month: int, role: str) -> dt.date:
    first = dt.date(year, month, 1)
    if role == "start":
        return first
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _year_bound(year: int, role: str) -> dt.date:
    return dt.date(year, 1, 1) if role == "start" else dt.date(year, 12, 31)


def _from_number(number: float, role: str) -> Parsed:
    """A number in a date cell: a year (1900–2100) or an Excel serial date."""
    if number == int(number) and YEAR_RANGE[0] <= number <= YEAR_RANGE[1]:
        return _changed(_year_bound(int(number), role), f"date_year_only_{role}")
    low, high = EXCEL_SERIAL_RANGE
    if low <= number < high:
        return _changed(EXCEL_EPOCH + dt.timedelta(days=int(number)), "date_excel_serial")
    return _invalid("unreadable_date")


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_from_text(text: str, role: str) -> tuple[dt.date, str] | None:
    """Read a trimmed text date; return the date and its rule (``""`` for ISO), or None."""
    if _NUMBER_RE.match(text):
        parsed = _from_number(float(text), role)
        if not isinstance(parsed.value, dt.date):
            return None
        return parsed.value, parsed.rule
    if match := _ISO_RE.match(text):
        value = _safe_date(*(int(part) for part in match.groups()))
        if value is None:
            return None
        return value, "" if text == value.isoformat() else "date_iso"
    if match := _YMD_RE.match(text):
        value = _safe_date(*(int(part) for part in match.groups()))
        return (value, "date_iso") if value else None
    if match := _DMY_RE.match(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year = _expand_year(year)
        value = _safe_date(year, month, day)  # strictly day first: 03/31/2021 is unreadable
        return (value, "date_day_first") if value else None
    for pattern, order in ((_MY_NUMERIC_RE, "my"), (_YM_NUMERIC_RE, "ym")):
        if match := pattern.match(text):
            first, second = (int(part) for part in match.groups())
            month, year = (first, second) if order == "my" else (second, first)
            if not 1 <= month <= 12:
                return None
            return _month_bound(year, month, role), f"date_month_year_{role}"
    if match := _MY_WORD_RE.match(text):
        month = _PARSER_INFO.month(match.group(1))
        if month is None:
            return None
        year = int(match.group(2))
        if len(match.group(2)) == 2:
            year = _expand_year(year)  # "Mar-21" is March 2021, not 21 March
        return _month_bound(year, month, role), f"date_month_year_{role}"
    return _date_from_words(text, role)


def _date_from_words(text: str, role: str) -> tuple[dt.date, str] | None:
    """Dates with month names ("1st April 2020"), read by dateutil, day first.

    The text is read twice with different defaults; a part that differs between the two
    readings was invented by dateutil. A missing day gives the month's bound, a missing
    day and month the year's bound, and a missing year makes the text unreadable.
    """
    try:
        first = date_parser.parse(text, parserinfo=_PARSER_INFO, default=_DEFAULT_A)
        second = date_parser.parse(text, parserinfo=_PARSER_INFO, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.year != second.year:
        return None
    if first.month != second.month:
        if first.day != second.day:
            return _year_bound(first.year, role), f"date_year_only_{role}"
        return None  # a day and a year with no month
    if first.day != second.day:
        return _month_bound(first.year, first.month, role), f"date_month_year_{role}"
    return first.date(), "date_text"


def parse_date(
    raw: object,
    *,
    role: Literal["start", "end"],
    missing_terms: frozenset[str] = frozenset(),
) -> Parsed:
    """Read a date cell.

    Accepts Excel dates, ``31/03/2021``, ``31-03-2021``, ``31.03.2021`` and ``31/03/21``
    (day first, as in the UK), ``2021-03-31``, ``March 2021``, ``Mar 2021``, ``Mar-21``,
    ``03/2021``, ``2021``, ``1st April 2020`` and Excel serial numbers (``44286``).

    Parameters
    ----------
    raw
        The cell as openpyxl returns it.
    role
        ``"start"`` or ``"end"``: a month alone stands for its first or last day, a year
        alone for 1 January or 31 December.
    missing_terms
        Lower-case words meaning "no value" (``Reference.missing_terms``); by default none.

    Returns
    -------
    Parsed
        ``value`` is a :class:`datetime.date`. Unreadable text, a ``datetime.time`` and
        numbers outside the year and serial ranges are ``invalid`` with rule
        ``unreadable_date``. Plausibility (future or very old dates) is not judged here.
    """
    if role not in ("start", "end"):
        raise ValueError(f"role must be 'start' or 'end', not {role!r}")
    if is_blank(raw):
        return BLANK
    if isinstance(raw, dt.datetime):
        if raw.time() == dt.time(0, 0):
            return _ok(raw.date())
        return _changed(raw.date(), "date_time_dropped")
    if isinstance(raw, dt.date):
        return _ok(raw)
    if isinstance(raw, (bool, dt.time)):
        return _invalid("unreadable_date")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return _invalid("unreadable_date")
        return _from_number(float(raw), role)
    text = _collapse(str(raw))
    if _is_missing(text, missing_terms):
        return _missing()
    read = _date_from_text(text, role)
    if read is None:
        return _invalid("unreadable_date")
    value, rule = read
    return _finalise(str(raw), text, value, rule)


def parse_contract_end(
    raw: object,
    *,
    end_terms: Mapping[str, str],
    missing_terms: frozenset[str] = frozenset(),
) -> tuple[Parsed, str]:
    """Read a contract end: a date, or a word for "no end date" with its status.

    Parameters
    ----------
    raw
        The cell.
    end_terms
        Folded word → ``rolling`` or ``unknown`` (``Reference.contract_end_terms``).
    missing_terms
        Passed on to :func:`parse_date`.

    Returns
    -------
    tuple of (Parsed, str)
        The date (as :func:`parse_date` with role ``end``) and ``contract_end_status``:
        ``"date"`` when a date was read; ``"rolling"`` or ``"unknown"`` for a word in
        ``end_terms`` (outcome ``missing``, rule ``contract_end_<status>``); ``"unknown"``
        for a blank or an unreadable cell.
    """
    if is_blank(raw):
        return BLANK, "unknown"
    if isinstance(raw, str):
        status = end_terms.get(fold(raw))
        if status is not None:
            return _missing(f"contract_end_{status}"), status
    parsed = parse_date(raw, role="end", missing_terms=missing_terms)
    return parsed, "date" if parsed.value is not None else "unknown"


# --- money --------------------------------------------------------------------------------

_MONEY_RE = re.compile(
    r"""^
    (?P<approx>(?:c\.?|ca\.?|circa|approx\.?|approximately|about|around|roughly|~
                 |est\.?|estimated)\s*)?
    (?P<sign1>-\s*)?
    (?P<cur>£\s*|gbp\s*)?
    (?P<sign2>-\s*)?
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    \s*(?P<suffix>k|thousand|m|mn|mil|million|millions)?
    \s*(?P<cur2>gbp|pounds)?
    \s*(?P<period>p\.?\s?a\.?|per\s+annum|per\s+year|a\s+year|per\s+yr|/\s*(?:yr|year|annum)
                 |annually)?
    $""",
    re.VERBOSE,
)
_MULTIPLIERS = {
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "mil": 1_000_000,
    "million": 1_000_000,
    "millions": 1_000_000,
}
_PENNY = Decimal("0.01")


def _pounds(amount: Decimal) -> float:
    return float(amount.quantize(_PENNY, rounding=ROUND_HALF_UP))


def parse_money(raw: object, *, missing_terms: frozenset[str]) -> Parsed:
    """Read an annual cost in pounds.

    Accepts ``120000``, ``"£120,000"``, ``"120k"``, ``"£1.2m"``, ``"1.2 million"``,
    ``"c. 50,000"``, ``"c50k"``, ``"approx £50,000"``, ``"£120,000 pa"``, ``"£120,000 per
    annum"``, ``"120,000.00"``.

    Parameters
    ----------
    raw
        The cell.
    missing_terms
        Lower-case words meaning "no value" (``Reference.missing_terms``).

    Returns
    -------
    Parsed
        ``value`` is a float rounded to pence. A number needing no change is ``ok``; a text
        that converts is ``changed`` with one rule, the first that applies of
        ``money_approximate``, ``money_millions_suffix``, ``money_thousands_suffix``,
        ``money_currency_format`` (£, commas, "pa"), ``money_rounded``, ``whitespace``.
        Negative amounts (``-500``, ``"-£500"``, ``"(500)"``) are invalid
        ``negative_cost``; anything else unreadable (ranges, words) is invalid
        ``unreadable_cost``.
    """
    if is_blank(raw):
        return BLANK
    if isinstance(raw, (bool, dt.date, dt.time)):
        return _invalid("unreadable_cost")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return _invalid("unreadable_cost")
        if raw < 0:
            return _invalid("negative_cost")
        value = _pounds(Decimal(str(raw)))
        return _ok(value) if value == raw else _changed(value, "money_rounded")
    text = _collapse(str(raw))
    if _is_missing(text, missing_terms):
        return _missing()
    body = text.lower().replace("\u2212", "-")
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1].strip()
    match = _MONEY_RE.match(body)
    if match is None:
        return _invalid("unreadable_cost")
    if match["sign1"] or match["sign2"]:
        negative = True
    number = Decimal(match["num"].replace(",", ""))
    multiplier = _MULTIPLIERS.get(match["suffix"] or "", 1)
    amount = number * multiplier
    if negative and amount != 0:
        return _invalid("negative_cost")
    value = _pounds(amount)
    if match["approx"]:
        rule = "money_approximate"
    elif multiplier == 1_000_000:
        rule = "money_millions_suffix"
    elif multiplier == 1_000:
        rule = "money_thousands_suffix"
    elif negative or match["cur"] or match["cur2"] or match["period"] or "," in match["num"]:
        rule = "money_currency_format"
    elif Decimal(str(value)) != amount:
        rule = "money_rounded"
    else:
        rule = ""
    return _finalise(str(raw), text, value, rule)


# --- scores on a labelled scale -----------------------------------------------------------

_INT_TEXT_RE = re.compile(r"^(\d+)(\.0+)?$")
_DECIMAL_TEXT_RE = re.compile(r"^-?\d*\.\d+$|^-\d+$")
_FRACTION_RE = re.compile(r"^(\d+)\s*/\s*(\d+)$")
_NUMBER_LABEL_RE = re.compile(r"^(\d+)\s*(?:[-–—:=.,)]\s*)?\(?\s*([^\d()]+?)\s*\)?$")
_LABEL_NUMBER_RE = re.compile(r"^([^\d()]+?)\s*(?:[-–—:=,]\s*)?\(?\s*(\d+)\s*\)?$")


def _parse_scale(
    raw: object, scale: Mapping[int, str], kind: str, missing_terms: frozenset[str]
) -> Parsed:
    """Read a score on a labelled scale (``kind`` names the rules: rating, level)."""
    if is_blank(raw):
        return BLANK
    unreadable, out_of_range = f"unreadable_{kind}", f"{kind}_out_of_range"
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return _invalid(unreadable)
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw) or raw != int(raw):
            return _invalid(unreadable)
        return _ok(int(raw)) if int(raw) in scale else _invalid(out_of_range)
    labels = {fold(label): score for score, label in scale.items()}
    text = _collapse(raw)

    def checked(score: int, rule: str) -> Parsed:
        if score not in scale:
            return _invalid(out_of_range)
        return _finalise(raw, text, score, rule)

    key = fold(text)
    if key in labels:
        return _changed(labels[key], f"{kind}_label")
    if _is_missing(text, missing_terms):
        return _missing()
    if match := _INT_TEXT_RE.match(text):
        return checked(int(match[1]), f"{kind}_number" if match[2] else "")
    if _DECIMAL_TEXT_RE.match(text):
        return _invalid(unreadable)
    if match := _FRACTION_RE.match(text):
        score, top = int(match[1]), int(match[2])
        if top != max(scale):
            return _invalid(unreadable)
        return checked(score, f"{kind}_fraction")
    for pattern, number_first in ((_NUMBER_LABEL_RE, True), (_LABEL_NUMBER_RE, False)):
        if match := pattern.match(text):
            number, label = (match[1], match[2]) if number_first else (match[2], match[1])
            labelled = labels.get(fold(label))
            if labelled is None:
                return _invalid(unreadable)
            score = int(number)
            if score not in scale:
                return _invalid(out_of_range)
            if score != labelled:
                return _invalid(f"{kind}_conflict")
            return _changed(score, f"{kind}_number_label")
    return _invalid(unreadable)


def parse_rating(
    raw: object, *, scale: Mapping[int, str], missing_terms: frozenset[str] = frozenset()
) -> Parsed:
    """Read a 1–5 rating (value for money, satisfaction, maturity score).

    Accepts ``4``, ``4.0``, ``"4"``, ``"4 - Good"``, ``"4-Good"``, ``"4 (Good)"``,
    ``"Good (4)"``, ``"Good"``, ``"very good"``, ``"4/5"``.

    Parameters
    ----------
    raw
        The cell.
    scale
        Score → label (``Reference.rating_scale``); labels are compared after ``fold``.
    missing_terms
        Lower-case words meaning "no value"; by default none.

    Returns
    -------
    Parsed
        ``value`` is an int on the scale. Rules: ``rating_label``, ``rating_number_label``,
        ``rating_fraction``, ``rating_number`` ("4.0" as text), ``whitespace``; invalid
        ``rating_out_of_range`` (0, 6), ``unreadable_rating`` (4.5, words),
        ``rating_conflict`` (``"2 - Good"``).
    """
    return _parse_scale(raw, scale, "rating", missing_terms)


def parse_level(
    raw: object, *, levels: Mapping[int, str], missing_terms: frozenset[str] = frozenset()
) -> Parsed:
    """Read a 0–4 skill level: a number, a label (None … Expert) or both, as ratings.

    ``"None"`` is the label of level 0 here, not a missing value. Rules are those of
    :func:`parse_rating` with ``level`` for ``rating``.

    Parameters
    ----------
    raw
        The cell.
    levels
        Level → label (``Reference.skill_levels``).
    missing_terms
        Lower-case words meaning "no value"; checked after the labels.

    Returns
    -------
    Parsed
        ``value`` is an int level.
    """
    return _parse_scale(raw, levels, "level", missing_terms)


# --- answers ------------------------------------------------------------------------------


def parse_answer(
    raw: object, *, answer_terms: Mapping[str, str], missing_terms: frozenset[str] = frozenset()
) -> Parsed:
    """Read a Yes / No / Considering answer.

    Parameters
    ----------
    raw
        The cell; booleans read as their words (``True`` → "true").
    answer_terms
        Folded word → ``Yes``, ``No`` or ``Considering`` (``Reference.answer_terms``).
    missing_terms
        Lower-case words meaning "no value"; by default none.

    Returns
    -------
    Parsed
        ``ok`` when the cell is exactly the answer, ``changed`` with rule ``answer_term``
        for any other word that maps to one (``"y"``, ``"YES"``, ``"maybe"``), invalid
        ``unreadable_answer`` otherwise.
    """
    if is_blank(raw):
        return BLANK
    answer = answer_terms.get(fold(raw))
    text = _collapse(str(raw))
    if answer is None:
        if _is_missing(text, missing_terms):
            return _missing()
        return _invalid("unreadable_answer")
    if isinstance(raw, str) and text == answer:
        return _finalise(raw, text, answer, "")
    return _changed(answer, "answer_term")


_YEAR_ALONE_RE = re.compile(r"^(\d+)(?:\.0+)?$")
_ANSWER_YEAR_RE = re.compile(
    r"^(?P<word>[^\d]+?)[\s\-–—,:;/(]*(?:(?:in|by|during|from|for|fy)\s+)?"
    r"(?P<year>\d{4})(?P<fy>\s*[/\-–]\s*\d{2})?\s*\)?\.?$",
    re.IGNORECASE,
)
_ANSWER_HEAD_RE = re.compile(r"^(?P<word>[^\d\-–—,:;(]+?)\s*[\-–—,:;(]")


def parse_replacement(
    raw: object, *, answer_terms: Mapping[str, str], missing_terms: frozenset[str] = frozenset()
) -> tuple[Parsed, Parsed]:
    """Read "Replacement planned": an answer with an optional year.

    Accepts ``"Yes"``, ``"No"``, ``"Considering"``, ``"Yes - 2021"``, ``"Yes (2021)"``,
    ``"Yes, 2022"``, ``"Considering 2023"``, ``"Yes - 2021/22"`` (a financial year: its
    first year), and a year alone (``"2021"`` or ``2021``: a replacement is planned).

    Parameters
    ----------
    raw
        The cell.
    answer_terms
        Folded word → ``Yes``, ``No`` or ``Considering``.
    missing_terms
        Lower-case words meaning "no value"; by default none.

    Returns
    -------
    tuple of (Parsed, Parsed)
        The answer and the year (an int in 1990–2100). An answer read with a year is
        ``changed`` with rule ``replacement_with_year`` (``replacement_year_only`` for a
        year alone); the year itself is ``ok`` (``changed``, rule
        ``replacement_financial_year``, for "2021/22"). A year outside 1990–2100 is
        invalid ``replacement_year_out_of_range``; a year given with "No" is invalid
        ``replacement_year_conflict``; an answer followed by something that is not a year
        is invalid ``unreadable_replacement_year``.
    """
    if is_blank(raw):
        return BLANK, BLANK
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return parse_answer(raw, answer_terms=answer_terms), BLANK
    text = _collapse(str(raw))
    if fold(text) in answer_terms or _is_missing(text, missing_terms):
        return parse_answer(raw, answer_terms=answer_terms, missing_terms=missing_terms), BLANK
    low, high = REPLACEMENT_YEAR_RANGE
    if match := _YEAR_ALONE_RE.match(text):
        year = int(match[1])
        if len(match[1]) == 4 and low <= year <= high:
            return _changed("Yes", "replacement_year_only"), _ok(year)
        return _invalid("unreadable_answer"), BLANK
    if match := _ANSWER_YEAR_RE.match(text):
        answer = answer_terms.get(fold(match["word"]))
        if answer is not None:
            year = int(match["year"])
            if not low <= year <= high:
                year_parsed = _invalid("replacement_year_out_of_range")
            elif answer == "No":
                year_parsed = _invalid("replacement_year_conflict")
            elif match["fy"]:
                year_parsed = _changed(year, "replacement_financial_year")
            else:
                year_parsed = _ok(year)
            return _changed(answer, "replacement_with_year"), year_parsed
    if match := _ANSWER_HEAD_RE.match(text):
        answer = answer_terms.get(fold(match["word"]))
        if answer is not None:
            unreadable_year = _invalid("unreadable_replacement_year")
            return _changed(answer, "replacement_with_year"), unreadable_year
    return _invalid("unreadable_answer"), BLANK


# --- staff numbers ------------------------------------------------------------------------

#: Words that mean zero staff in a count (not a missing value).
_ZERO_WORDS = frozenset({"none", "nil", "zero", "no one", "nobody"})
_FTE_RE = re.compile(
    r"^(?P<sign>-\s*)?(?P<num>\d+(?:\.\d+)?|\.\d+)\s*"
    r"(?P<unit>ftes?|f\.t\.e\.?|full[\s-]time(?:\s+equivalents?)?|staff|people|persons?|posts?)?$",
    re.IGNORECASE,
)


def parse_fte(raw: object, *, missing_terms: frozenset[str] = frozenset()) -> Parsed:
    """Read a number of full-time-equivalent staff (≥ 0).

    Accepts ``3``, ``3.5``, ``"3.5"``, ``"2 FTE"``, ``"2 staff"``, and ``"none"``,
    ``"nil"``, ``"zero"`` for 0.

    Parameters
    ----------
    raw
        The cell.
    missing_terms
        Lower-case words meaning "no value"; checked after the words for zero.

    Returns
    -------
    Parsed
        ``value`` is a float rounded to 2 dp. Rules ``fte_unit``, ``fte_zero_word``,
        ``fte_rounded``, ``whitespace``; invalid ``negative_fte``, ``unreadable_fte``.
    """
    if is_blank(raw):
        return BLANK
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return _invalid("unreadable_fte")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return _invalid("unreadable_fte")
        if raw < 0:
            return _invalid("negative_fte")
        value = round(float(raw), 2)
        return _ok(value) if value == raw else _changed(value, "fte_rounded")
    text = _collapse(raw)
    if text.lower() in _ZERO_WORDS:
        return _changed(0.0, "fte_zero_word")
    if _is_missing(text, missing_terms):
        return _missing()
    match = _FTE_RE.match(text)
    if match is None:
        return _invalid("unreadable_fte")
    number = float(match["num"])
    if match["sign"] and number != 0:
        return _invalid("negative_fte")
    value = round(number, 2)
    if match["unit"]:
        rule = "fte_unit"
    elif value != number:
        rule = "fte_rounded"
    else:
        rule = ""
    return _finalise(raw, text, value, rule)


# --- controlled lists and free text -------------------------------------------------------


def parse_choice(
    raw: object, *, vocabulary: Vocabulary, missing_terms: frozenset[str] = frozenset()
) -> Parsed:
    """Read a name from a controlled list (service area, hosting, system type, skill area,
    maturity dimension).

    Parameters
    ----------
    raw
        The cell.
    vocabulary
        The list, with synonyms (a :class:`~citytools_analysis.core.reference.Vocabulary`).
    missing_terms
        Lower-case words meaning "no value"; checked after the list.

    Returns
    -------
    Parsed
        The canonical name: ``ok`` when typed exactly, ``changed`` with rule ``synonym``
        for a synonym or a case, spacing or punctuation difference; invalid
        ``unknown_<list name>`` (e.g. ``unknown_service_area``) otherwise.
    """
    if is_blank(raw):
        return BLANK
    canonical = vocabulary.lookup(raw)
    if canonical is None:
        if isinstance(raw, str) and _is_missing(raw, missing_terms):
            return _missing()
        return _invalid("unknown_" + vocabulary.name.replace(" ", "_"))
    if raw == canonical:
        return _ok(canonical)
    return _changed(canonical, "synonym")


def parse_text(raw: object) -> Parsed:
    """Read free text: trim and collapse white space; numbers and dates become text.

    Parameters
    ----------
    raw
        The cell.

    Returns
    -------
    Parsed
        ``ok``, or ``changed`` with rule ``whitespace`` when white space was trimmed or
        collapsed. Whole floats are written without ``.0``; dates in ISO form.
    """
    if is_blank(raw):
        return BLANK
    if isinstance(raw, str):
        text = _collapse(raw)
        return _finalise(raw, text, text, "")
    if isinstance(raw, dt.datetime):
        text = raw.date().isoformat() if raw.time() == dt.time(0, 0) else raw.isoformat(" ")
    elif isinstance(raw, (dt.date, dt.time)):
        text = raw.isoformat()
    elif isinstance(raw, float) and raw == int(raw):
        text = str(int(raw))
    else:
        text = str(raw)
    return _ok(text)


_LIST_SEPARATORS = re.compile(r"[;,\n\r]+")
_BULLET = re.compile(r"^[\u2022\u2023\u25e6\u2043*\-–—]\s+")


def split_integrations(raw: object, *, missing_terms: frozenset[str] = frozenset()) -> list[str]:
    """Split an "Integrates with" cell into system names.

    Parameters
    ----------
    raw
        The cell: names separated by ``;``, ``,`` or new lines.
    missing_terms
        Lower-case words meaning "no value" (an entry equal to one is dropped).

    Returns
    -------
    list of str
        Names trimmed, with bullets ("• ", "- ") removed; blanks, punctuation-only
        entries and later duplicates (equal after ``fold``) dropped; order kept.
    """
    if is_blank(raw):
        return []
    names: list[str] = []
    seen: set[str] = set()
    for part in _LIST_SEPARATORS.split(str(raw)):
        name = _BULLET.sub("", _collapse(part))
        key = fold(name)
        if not key or name.lower() in missing_terms or key in seen:
            continue
        seen.add(key)
        names.append(name)
    return names


def plausible_date(value: dt.date, snapshot: dt.date | None, years_after: int) -> bool:
    """Whether a contract date is within the plausibility bounds: from :data:`EARLIEST_DATE`
    to 31 December ``years_after`` years after the snapshot (today when there is none).

    >>> plausible_date(dt.date(2060, 1, 1), dt.date(2021, 9, 30), 50)
    True
    >>> plausible_date(dt.date(2060, 1, 1), dt.date(2021, 9, 30), 5)
    False
    """
    anchor = snapshot or dt.date.today()
    return EARLIEST_DATE <= value <= dt.date(anchor.year + years_after, 12, 31)


def answer_flag(answer: str | None) -> bool | None:
    """A yes/no answer (as :func:`parse_answer` reads it) as a flag: ``True`` for "Yes",
    ``False`` for "No", None for anything else or no answer.

    >>> answer_flag("Yes"), answer_flag("No"), answer_flag("Considering"), answer_flag(None)
    (True, False, None, None)
    """
    return {"Yes": True, "No": False}.get(answer) if answer else None


__all__ = [
    "EARLIEST_DATE",
    "LATEST_END_YEARS_AFTER_SNAPSHOT",
    "LATEST_START_YEARS_AFTER_SNAPSHOT",
    "MAX_ANNUAL_COST_GBP",
    "OUTCOMES",
    "Parsed",
    "answer_flag",
    "parse_answer",
    "parse_choice",
    "parse_contract_end",
    "parse_date",
    "parse_fte",
    "parse_level",
    "parse_money",
    "parse_rating",
    "parse_replacement",
    "parse_text",
    "plausible_date",
    "split_integrations",
]
