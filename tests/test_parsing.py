"""Tests for citytools_analysis.ingest.parsing: every accepted form of survey-format.md, by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from citytools_analysis.core.reference import Reference, Vocabulary, load_reference
from citytools_analysis.ingest.parsing import (
    Parsed,
    parse_answer,
    parse_choice,
    parse_contract_end,
    parse_date,
    parse_fte,
    parse_level,
    parse_money,
    parse_rating,
    parse_replacement,
    parse_text,
    split_integrations,
)

D = dt.date


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


# --- Parsed -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parsed", "logged"),
    [
        (Parsed(None, "blank"), False),
        (Parsed(1, "ok"), False),
        (Parsed(1, "changed", "whitespace"), True),
        (Parsed(None, "missing", "missing_term"), True),
        (Parsed(None, "invalid", "unreadable_date"), True),
    ],
)
def test_parsed_logged(parsed: Parsed, logged: bool) -> None:
    assert parsed.logged is logged


@pytest.mark.parametrize(
    ("value", "outcome", "rule"),
    [
        (1, "fine", ""),  # unknown outcome
        (1, "changed", ""),  # a change needs its rule
        (1, "ok", "whitespace"),  # ok takes no rule
        (1, "invalid", "unreadable_date"),  # an invalid cell has no value
        (None, "ok", ""),  # ok needs a value
    ],
)
def test_parsed_rejects_inconsistent_results(value: object, outcome: str, rule: str) -> None:
    with pytest.raises(ValueError):
        Parsed(value, outcome, rule)


def test_parsed_is_frozen() -> None:
    parsed = Parsed(1, "ok")
    with pytest.raises(AttributeError):
        parsed.value = 2  # type: ignore[misc]


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "role", "value", "outcome", "rule"),
    [
        # native Excel dates
        (dt.datetime(2021, 3, 31), "end", D(2021, 3, 31), "ok", ""),
        (D(2021, 3, 31), "start", D(2021, 3, 31), "ok", ""),
        (dt.datetime(2021, 3, 31, 14, 30), "end", D(2021, 3, 31), "changed", "date_time_dropped"),
        # UK day first
        ("31/03/2021", "end", D(2021, 3, 31), "changed", "date_day_first"),
        ("31-03-2021", "end", D(2021, 3, 31), "changed", "date_day_first"),
        ("31.03.2021", "end", D(2021, 3, 31), "changed", "date_day_first"),
        ("31/03/21", "end", D(2021, 3, 31), "changed", "date_day_first"),
        ("01/04/2020", "start", D(2020, 4, 1), "changed", "date_day_first"),  # not 4 January
        ("1/4/98", "start", D(1998, 4, 1), "changed", "date_day_first"),  # 98 → 1998
        ("29/02/2020", "end", D(2020, 2, 29), "changed", "date_day_first"),
        # ISO
        ("2021-03-31", "end", D(2021, 3, 31), "ok", ""),
        (" 2021-03-31 ", "end", D(2021, 3, 31), "changed", "whitespace"),
        ("2021-3-31", "end", D(2021, 3, 31), "changed", "date_iso"),
        ("2021-03-31 00:00:00", "end", D(2021, 3, 31), "changed", "date_iso"),
        ("2021/03/31", "end", D(2021, 3, 31), "changed", "date_iso"),
        # month and year: last day for an end, first day for a start
        ("March 2021", "end", D(2021, 3, 31), "changed", "date_month_year_end"),
        ("March 2021", "start", D(2021, 3, 1), "changed", "date_month_year_start"),
        ("Mar 2021", "end", D(2021, 3, 31), "changed", "date_month_year_end"),
        ("Mar-21", "end", D(2021, 3, 31), "changed", "date_month_year_end"),
        ("Mar-21", "start", D(2021, 3, 1), "changed", "date_month_year_start"),
        ("Sept 2020", "end", D(2020, 9, 30), "changed", "date_month_year_end"),
        ("Feb 2024", "end", D(2024, 2, 29), "changed", "date_month_year_end"),  # leap year
        ("Feb 2023", "end", D(2023, 2, 28), "changed", "date_month_year_end"),
        ("December 2022", "end", D(2022, 12, 31), "changed", "date_month_year_end"),
        ("03/2021", "end", D(2021, 3, 31), "changed", "date_month_year_end"),
        ("2021-04", "start", D(2021, 4, 1), "changed", "date_month_year_start"),
        ("2021 March", "end", D(2021, 3, 31), "changed", "date_month_year_end"),
        # a year alone
        ("2021", "end", D(2021, 12, 31), "changed", "date_year_only_end"),
        ("2021", "start", D(2021, 1, 1), "changed", "date_year_only_start"),
        (2021, "end", D(2021, 12, 31), "changed", "date_year_only_end"),
        (2021.0, "start", D(2021, 1, 1), "changed", "date_year_only_start"),
        # Excel serial numbers (day 0 = 1899-12-30): 44286 = 2021-03-31, 43831 = 2020-01-01
        (44286, "end", D(2021, 3, 31), "changed", "date_excel_serial"),
        (44286.0, "start", D(2021, 3, 31), "changed", "date_excel_serial"),
        (44286.75, "end", D(2021, 3, 31), "changed", "date_excel_serial"),
        ("44286", "end", D(2021, 3, 31), "changed", "date_excel_serial"),
        (43831, "start", D(2020, 1, 1), "changed", "date_excel_serial"),
        # any whole number outside 1900–2100 is a serial: plausibility is the cleaner's call
        ("5", "end", D(1900, 1, 4), "changed", "date_excel_serial"),
        # day, month name, year
        ("1st April 2020", "start", D(2020, 4, 1), "changed", "date_text"),
        ("1 April 2020", "start", D(2020, 4, 1), "changed", "date_text"),
        ("31 Mar 2021", "end", D(2021, 3, 31), "changed", "date_text"),
        ("22nd September 2019", "end", D(2019, 9, 22), "changed", "date_text"),
        ("Tuesday 31 March 2021", "end", D(2021, 3, 31), "changed", "date_text"),
        ("April 1, 2020", "start", D(2020, 4, 1), "changed", "date_text"),
    ],
)
def test_parse_date_accepts(
    raw: object, role: str, value: dt.date, outcome: str, rule: str
) -> None:
    assert parse_date(raw, role=role) == Parsed(value, outcome, rule)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    [
        "03/31/2021",  # month first: not a UK date
        "31/02/2021",  # no such day
        "31/13/2021",
        "March",  # no year: dateutil would take this year
        "31 March",  # no year
        "Q1 2021",
        "end of March 2021",
        "2021/22",  # a financial year, not a date
        "Sep 2020 - Aug 2021",
        "Summer 2021",
        "ASAP",
        "13/2021",
        dt.time(10, 30),
        True,
        80_000,  # beyond the serial range
        -5,
    ],
)
def test_parse_date_rejects_unreadable(raw: object) -> None:
    assert parse_date(raw, role="end") == Parsed(None, "invalid", "unreadable_date")


@pytest.mark.parametrize("raw", [None, "", "   ", "\n", float("nan")])
def test_parse_date_blank(raw: object) -> None:
    assert parse_date(raw, role="start") == Parsed(None, "blank")


def test_parse_date_missing_words_only_when_given(ref: Reference) -> None:
    assert parse_date("N/A", role="start", missing_terms=ref.missing_terms) == Parsed(
        None, "missing", "missing_term"
    )
    assert parse_date("N/A", role="start").outcome == "invalid"


def test_parse_date_does_not_judge_plausibility() -> None:
    assert parse_date("01/01/1985", role="start").value == D(1985, 1, 1)
    assert parse_date("31/12/2099", role="end").value == D(2099, 12, 31)


def test_parse_date_role_is_checked() -> None:
    with pytest.raises(ValueError):
        parse_date("2021", role="middle")  # type: ignore[arg-type]


# --- contract end -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parsed", "status"),
    [
        ("31/03/2022", Parsed(D(2022, 3, 31), "changed", "date_day_first"), "date"),
        (dt.datetime(2022, 3, 31), Parsed(D(2022, 3, 31), "ok"), "date"),
        ("March 2022", Parsed(D(2022, 3, 31), "changed", "date_month_year_end"), "date"),
        ("2022", Parsed(D(2022, 12, 31), "changed", "date_year_only_end"), "date"),
        ("rolling", Parsed(None, "missing", "contract_end_rolling"), "rolling"),
        ("Rolling", Parsed(None, "missing", "contract_end_rolling"), "rolling"),
        ("Evergreen", Parsed(None, "missing", "contract_end_rolling"), "rolling"),
        ("Annual rolling", Parsed(None, "missing", "contract_end_rolling"), "rolling"),
        ("TBC", Parsed(None, "missing", "contract_end_unknown"), "unknown"),
        ("unknown", Parsed(None, "missing", "contract_end_unknown"), "unknown"),
        ("n/a", Parsed(None, "missing", "contract_end_unknown"), "unknown"),
        ("N/A", Parsed(None, "missing", "contract_end_unknown"), "unknown"),
        ("-", Parsed(None, "missing", "contract_end_unknown"), "unknown"),
        (None, Parsed(None, "blank"), "unknown"),
        ("  ", Parsed(None, "blank"), "unknown"),
        ("next year", Parsed(None, "invalid", "unreadable_date"), "unknown"),
    ],
)
def test_parse_contract_end(ref: Reference, raw: object, parsed: Parsed, status: str) -> None:
    assert parse_contract_end(raw, end_terms=ref.contract_end_terms) == (parsed, status)


# --- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "outcome", "rule"),
    [
        (120000, 120_000.0, "ok", ""),
        (120000.0, 120_000.0, "ok", ""),
        (0, 0.0, "ok", ""),
        (1234.5, 1_234.5, "ok", ""),
        (1234.567, 1_234.57, "changed", "money_rounded"),
        ("120000", 120_000.0, "ok", ""),
        (" 120000 ", 120_000.0, "changed", "whitespace"),
        ("£120,000", 120_000.0, "changed", "money_currency_format"),
        ("120,000.00", 120_000.0, "changed", "money_currency_format"),
        ("£120,000 pa", 120_000.0, "changed", "money_currency_format"),
        ("£120,000 p.a.", 120_000.0, "changed", "money_currency_format"),
        ("£120,000 per annum", 120_000.0, "changed", "money_currency_format"),
        ("£ 2,500.50", 2_500.5, "changed", "money_currency_format"),
        ("120000 GBP", 120_000.0, "changed", "money_currency_format"),
        ("120k", 120_000.0, "changed", "money_thousands_suffix"),
        ("£120K", 120_000.0, "changed", "money_thousands_suffix"),
        ("£12.5k", 12_500.0, "changed", "money_thousands_suffix"),
        ("£1.2m", 1_200_000.0, "changed", "money_millions_suffix"),
        ("1.2 million", 1_200_000.0, "changed", "money_millions_suffix"),
        ("£1.69M", 1_690_000.0, "changed", "money_millions_suffix"),
        ("£0.1m pa", 100_000.0, "changed", "money_millions_suffix"),
        ("c. 50,000", 50_000.0, "changed", "money_approximate"),
        ("c50k", 50_000.0, "changed", "money_approximate"),
        ("approx £50,000", 50_000.0, "changed", "money_approximate"),
        ("circa 50000", 50_000.0, "changed", "money_approximate"),
        ("approx. £1.2m", 1_200_000.0, "changed", "money_approximate"),
        ("~£30k", 30_000.0, "changed", "money_approximate"),
    ],
)
def test_parse_money_accepts(
    ref: Reference, raw: object, value: float, outcome: str, rule: str
) -> None:
    assert parse_money(raw, missing_terms=ref.missing_terms) == Parsed(value, outcome, rule)


@pytest.mark.parametrize("raw", ["N/A", "n/a", "unknown", "Unknown", "-", "nil", "?", " TBC "])
def test_parse_money_missing_words(ref: Reference, raw: str) -> None:
    assert parse_money(raw, missing_terms=ref.missing_terms) == Parsed(
        None, "missing", "missing_term"
    )


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (-500, "negative_cost"),
        (-0.5, "negative_cost"),
        ("-500", "negative_cost"),
        ("-£500", "negative_cost"),
        ("£-500", "negative_cost"),
        ("(500)", "negative_cost"),
        ("(£1.2m)", "negative_cost"),
        ("50-60k", "unreadable_cost"),
        ("£50,000 - £60,000", "unreadable_cost"),
        ("included in contract", "unreadable_cost"),
        ("free", "unreadable_cost"),
        ("£12,00", "unreadable_cost"),  # misplaced comma: cannot tell what was meant
        ("1.2.3", "unreadable_cost"),
        (True, "unreadable_cost"),
        (dt.datetime(2021, 3, 31), "unreadable_cost"),
        (float("inf"), "unreadable_cost"),
    ],
)
def test_parse_money_rejects(ref: Reference, raw: object, rule: str) -> None:
    assert parse_money(raw, missing_terms=ref.missing_terms) == Parsed(None, "invalid", rule)


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_parse_money_blank(ref: Reference, raw: object) -> None:
    assert parse_money(raw, missing_terms=ref.missing_terms) == Parsed(None, "blank")


# --- ratings and levels -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "outcome", "rule"),
    [
        (4, 4, "ok", ""),
        (4.0, 4, "ok", ""),
        (1, 1, "ok", ""),
        (5, 5, "ok", ""),
        ("4", 4, "ok", ""),
        (" 4 ", 4, "changed", "whitespace"),
        ("4.0", 4, "changed", "rating_number"),
        ("4 - Good", 4, "changed", "rating_number_label"),
        ("4-Good", 4, "changed", "rating_number_label"),
        ("4 (Good)", 4, "changed", "rating_number_label"),
        ("4: good", 4, "changed", "rating_number_label"),
        ("Good (4)", 4, "changed", "rating_number_label"),
        ("5 - Very good", 5, "changed", "rating_number_label"),
        ("Good", 4, "changed", "rating_label"),
        ("good", 4, "changed", "rating_label"),
        ("very good", 5, "changed", "rating_label"),
        ("VERY GOOD", 5, "changed", "rating_label"),
        ("Very  poor", 1, "changed", "rating_label"),
        ("Adequate", 3, "changed", "rating_label"),
        ("Poor", 2, "changed", "rating_label"),
        ("4/5", 4, "changed", "rating_fraction"),
        ("2 / 5", 2, "changed", "rating_fraction"),
    ],
)
def test_parse_rating_accepts(
    ref: Reference, raw: object, value: int, outcome: str, rule: str
) -> None:
    assert parse_rating(raw, scale=ref.rating_scale) == Parsed(value, outcome, rule)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (0, "rating_out_of_range"),
        (6, "rating_out_of_range"),
        (7, "rating_out_of_range"),
        ("0", "rating_out_of_range"),
        ("6", "rating_out_of_range"),
        ("6 - Very good", "rating_out_of_range"),
        ("6/5", "rating_out_of_range"),
        (4.5, "unreadable_rating"),
        ("4.5", "unreadable_rating"),
        ("8/10", "unreadable_rating"),
        ("Excellent", "unreadable_rating"),
        ("4 - Excellent", "unreadable_rating"),
        ("2 - Good", "rating_conflict"),
        ("Very good (4)", "rating_conflict"),
        ("4 - Very good", "rating_conflict"),
        (True, "unreadable_rating"),
        (dt.datetime(2021, 1, 4), "unreadable_rating"),
    ],
)
def test_parse_rating_rejects(ref: Reference, raw: object, rule: str) -> None:
    assert parse_rating(raw, scale=ref.rating_scale) == Parsed(None, "invalid", rule)


def test_parse_rating_blank_and_missing(ref: Reference) -> None:
    assert parse_rating(None, scale=ref.rating_scale) == Parsed(None, "blank")
    assert parse_rating("N/A", scale=ref.rating_scale, missing_terms=ref.missing_terms) == (
        Parsed(None, "missing", "missing_term")
    )


@pytest.mark.parametrize(
    ("raw", "value", "outcome", "rule"),
    [
        (0, 0, "ok", ""),
        (3, 3, "ok", ""),
        (4.0, 4, "ok", ""),
        ("2", 2, "ok", ""),
        ("None", 0, "changed", "level_label"),  # a level, not a missing value
        ("none", 0, "changed", "level_label"),
        ("Awareness", 1, "changed", "level_label"),
        ("working", 2, "changed", "level_label"),
        ("PRACTITIONER", 3, "changed", "level_label"),
        ("Expert", 4, "changed", "level_label"),
        ("3 - Practitioner", 3, "changed", "level_number_label"),
        ("0 (None)", 0, "changed", "level_number_label"),
        ("Expert (4)", 4, "changed", "level_number_label"),
    ],
)
def test_parse_level_accepts(
    ref: Reference, raw: object, value: int, outcome: str, rule: str
) -> None:
    parsed = parse_level(raw, levels=ref.skill_levels, missing_terms=ref.missing_terms)
    assert parsed == Parsed(value, outcome, rule)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (5, "level_out_of_range"),
        ("5", "level_out_of_range"),
        (2.5, "unreadable_level"),
        ("Guru", "unreadable_level"),
        ("1 - Expert", "level_conflict"),
    ],
)
def test_parse_level_rejects(ref: Reference, raw: object, rule: str) -> None:
    assert parse_level(raw, levels=ref.skill_levels) == Parsed(None, "invalid", rule)


# --- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("Yes", Parsed("Yes", "ok")),
        ("No", Parsed("No", "ok")),
        ("Considering", Parsed("Considering", "ok")),
        ("Yes ", Parsed("Yes", "changed", "whitespace")),
        ("yes", Parsed("Yes", "changed", "answer_term")),
        ("Y", Parsed("Yes", "changed", "answer_term")),
        ("n", Parsed("No", "changed", "answer_term")),
        ("Maybe", Parsed("Considering", "changed", "answer_term")),
        ("Under review", Parsed("Considering", "changed", "answer_term")),
        (True, Parsed("Yes", "changed", "answer_term")),
        (False, Parsed("No", "changed", "answer_term")),
        (None, Parsed(None, "blank")),
        ("Definitely", Parsed(None, "invalid", "unreadable_answer")),
        (1, Parsed(None, "invalid", "unreadable_answer")),
        ("N/A", Parsed(None, "missing", "missing_term")),
    ],
)
def test_parse_answer(ref: Reference, raw: object, parsed: Parsed) -> None:
    assert (
        parse_answer(raw, answer_terms=ref.answer_terms, missing_terms=ref.missing_terms) == parsed
    )


@pytest.mark.parametrize(
    ("raw", "answer", "year"),
    [
        ("Yes", Parsed("Yes", "ok"), Parsed(None, "blank")),
        ("No", Parsed("No", "ok"), Parsed(None, "blank")),
        ("considering", Parsed("Considering", "changed", "answer_term"), Parsed(None, "blank")),
        ("Yes - 2021", Parsed("Yes", "changed", "replacement_with_year"), Parsed(2021, "ok")),
        ("Yes (2021)", Parsed("Yes", "changed", "replacement_with_year"), Parsed(2021, "ok")),
        ("Yes, 2022", Parsed("Yes", "changed", "replacement_with_year"), Parsed(2022, "ok")),
        ("Yes – 2022", Parsed("Yes", "changed", "replacement_with_year"), Parsed(2022, "ok")),
        ("yes, in 2022", Parsed("Yes", "changed", "replacement_with_year"), Parsed(2022, "ok")),
        (
            "Considering 2023",
            Parsed("Considering", "changed", "replacement_with_year"),
            Parsed(2023, "ok"),
        ),
        (
            "Yes - 2021/22",
            Parsed("Yes", "changed", "replacement_with_year"),
            Parsed(2021, "changed", "replacement_financial_year"),
        ),
        ("2021", Parsed("Yes", "changed", "replacement_year_only"), Parsed(2021, "ok")),
        (2021, Parsed("Yes", "changed", "replacement_year_only"), Parsed(2021, "ok")),
        (2021.0, Parsed("Yes", "changed", "replacement_year_only"), Parsed(2021, "ok")),
        (
            "Yes - 1850",
            Parsed("Yes", "changed", "replacement_with_year"),
            Parsed(None, "invalid", "replacement_year_out_of_range"),
        ),
        (
            "Yes - 2150",
            Parsed("Yes", "changed", "replacement_with_year"),
            Parsed(None, "invalid", "replacement_year_out_of_range"),
        ),
        (
            "No - 2021",
            Parsed("No", "changed", "replacement_with_year"),
            Parsed(None, "invalid", "replacement_year_conflict"),
        ),
        (
            "Yes - next March",
            Parsed("Yes", "changed", "replacement_with_year"),
            Parsed(None, "invalid", "unreadable_replacement_year"),
        ),
        ("1850", Parsed(None, "invalid", "unreadable_answer"), Parsed(None, "blank")),
        (3, Parsed(None, "invalid", "unreadable_answer"), Parsed(None, "blank")),
        ("Soon - 2021", Parsed(None, "invalid", "unreadable_answer"), Parsed(None, "blank")),
        ("Probably", Parsed(None, "invalid", "unreadable_answer"), Parsed(None, "blank")),
        (None, Parsed(None, "blank"), Parsed(None, "blank")),
    ],
)
def test_parse_replacement(ref: Reference, raw: object, answer: Parsed, year: Parsed) -> None:
    assert parse_replacement(raw, answer_terms=ref.answer_terms) == (answer, year)


# --- staff --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (3, Parsed(3.0, "ok")),
        (0, Parsed(0.0, "ok")),
        (2.5, Parsed(2.5, "ok")),
        ("3.5", Parsed(3.5, "ok")),
        ("0", Parsed(0.0, "ok")),
        ("2 FTE", Parsed(2.0, "changed", "fte_unit")),
        ("2FTE", Parsed(2.0, "changed", "fte_unit")),
        ("1.5 ftes", Parsed(1.5, "changed", "fte_unit")),
        ("4 staff", Parsed(4.0, "changed", "fte_unit")),
        ("none", Parsed(0.0, "changed", "fte_zero_word")),
        ("None", Parsed(0.0, "changed", "fte_zero_word")),
        ("nil", Parsed(0.0, "changed", "fte_zero_word")),
        (0.333333, Parsed(0.33, "changed", "fte_rounded")),
        (" 3 ", Parsed(3.0, "changed", "whitespace")),
        (-1, Parsed(None, "invalid", "negative_fte")),
        ("-2", Parsed(None, "invalid", "negative_fte")),
        ("2-3", Parsed(None, "invalid", "unreadable_fte")),
        ("a few", Parsed(None, "invalid", "unreadable_fte")),
        (True, Parsed(None, "invalid", "unreadable_fte")),
        ("N/A", Parsed(None, "missing", "missing_term")),
        (None, Parsed(None, "blank")),
    ],
)
def test_parse_fte(ref: Reference, raw: object, parsed: Parsed) -> None:
    assert parse_fte(raw, missing_terms=ref.missing_terms) == parsed


# --- controlled lists ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vocabulary", "raw", "parsed"),
    [
        ("service_area_names", "Housing", Parsed("Housing", "ok")),
        ("service_area_names", "Revenues & Benefits", Parsed("Revenues & Benefits", "ok")),
        ("service_area_names", "Revs & Bens", Parsed("Revenues & Benefits", "changed", "synonym")),
        (
            "service_area_names",
            "Revenues and Benefits",
            Parsed("Revenues & Benefits", "changed", "synonym"),
        ),
        ("service_area_names", "housing ", Parsed("Housing", "changed", "synonym")),
        (
            "service_area_names",
            "Childrens Social Care",
            Parsed("Children's Social Care", "changed", "synonym"),
        ),
        ("service_area_names", "Astrology", Parsed(None, "invalid", "unknown_service_area")),
        ("hosting_names", "on prem", Parsed("On-premises", "changed", "synonym")),
        ("hosting_names", "SaaS", Parsed("Cloud (SaaS)", "changed", "synonym")),
        ("hosting_names", "In house", Parsed("On-premises", "changed", "synonym")),
        ("hosting_names", "Hybrid", Parsed("Hybrid", "ok")),
        ("hosting_names", "Mainframe", Parsed(None, "invalid", "unknown_hosting")),
        ("system_type_names", "Back office", Parsed("Corporate", "changed", "synonym")),
        ("system_type_names", "Frontline", Parsed("Frontline", "ok")),
        ("system_type_names", "Middle", Parsed(None, "invalid", "unknown_system_type")),
        (
            "skill_area_names",
            "UCD",
            Parsed("User research and service design", "changed", "synonym"),
        ),
        ("skill_area_names", "Juggling", Parsed(None, "invalid", "unknown_skill_area")),
        ("maturity_dimension_names", "Data", Parsed("Data", "ok")),
        (
            "maturity_dimension_names",
            "Fixing the plumbing",
            Parsed("Technology foundations", "changed", "synonym"),
        ),
        (
            "maturity_dimension_names",
            "Vibes",
            Parsed(None, "invalid", "unknown_maturity_dimension"),
        ),
        ("hosting_names", None, Parsed(None, "blank")),
        ("hosting_names", "N/A", Parsed(None, "missing", "missing_term")),
        ("hosting_names", 3, Parsed(None, "invalid", "unknown_hosting")),
    ],
)
def test_parse_choice(ref: Reference, vocabulary: str, raw: object, parsed: Parsed) -> None:
    vocab: Vocabulary = getattr(ref, vocabulary)
    assert parse_choice(raw, vocabulary=vocab, missing_terms=ref.missing_terms) == parsed


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("Council tax billing", Parsed("Council tax billing", "ok")),
        ("  Council tax  billing ", Parsed("Council tax billing", "changed", "whitespace")),
        ("Council tax\nbilling", Parsed("Council tax billing", "changed", "whitespace")),
        ("Council\u00a0tax", Parsed("Council tax", "changed", "whitespace")),
        (365, Parsed("365", "ok")),
        (365.0, Parsed("365", "ok")),
        (2.5, Parsed("2.5", "ok")),
        (dt.datetime(2021, 3, 31), Parsed("2021-03-31", "ok")),
        (None, Parsed(None, "blank")),
        (" \t ", Parsed(None, "blank")),
    ],
)
def test_parse_text(raw: object, parsed: Parsed) -> None:
    assert parse_text(raw) == parsed


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Uniform; Confirm", ["Uniform", "Confirm"]),
        ("Uniform, Confirm ,Whitespace", ["Uniform", "Confirm", "Whitespace"]),
        ("Uniform\nConfirm\r\nWhitespace", ["Uniform", "Confirm", "Whitespace"]),
        ("• Uniform\n• Confirm", ["Uniform", "Confirm"]),
        ("- Uniform\n- Confirm", ["Uniform", "Confirm"]),
        ("Uniform;; ;Confirm;", ["Uniform", "Confirm"]),
        ("Uniform; uniform; UNIFORM ; Confirm", ["Uniform", "Confirm"]),
        ("Confirm; Uniform", ["Confirm", "Uniform"]),  # order kept
        ("SAP S/4HANA; Information@Work", ["SAP S/4HANA", "Information@Work"]),
        ("Dynamics  365", ["Dynamics 365"]),
        ("N/A", []),
        ("-", []),
        ("", []),
        (None, []),
    ],
)
def test_split_integrations(ref: Reference, raw: object, names: list[str]) -> None:
    assert split_integrations(raw, missing_terms=ref.missing_terms) == names


def test_one_set_of_date_bounds_for_returns_and_registers():
    from citytools_analysis.ingest import cleaning, parsing

    snapshot = dt.date(2021, 9, 30)
    assert parsing.plausible_date(dt.date(1990, 1, 1), snapshot, 5)
    assert not parsing.plausible_date(dt.date(1989, 12, 31), snapshot, 50)
    assert parsing.plausible_date(dt.date(2026, 12, 31), snapshot, 5)
    assert not parsing.plausible_date(dt.date(2027, 1, 1), snapshot, 5)
    assert parsing.plausible_date(dt.date(2071, 12, 31), snapshot, 50)
    # the cleaner, the validator and the template read the same bounds
    assert cleaning.EARLIEST_DATE is parsing.EARLIEST_DATE
    assert cleaning.MAX_ANNUAL_COST_GBP == parsing.MAX_ANNUAL_COST_GBP


@pytest.mark.parametrize(
    "answer, flag", [("Yes", True), ("No", False), ("Considering", None), ("", None), (None, None)]
)
def test_a_yes_or_no_answer_becomes_a_flag(answer, flag):
    from citytools_analysis.ingest.parsing import answer_flag

    assert answer_flag(answer) is flag
