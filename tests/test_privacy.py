"""Spotting personal data: e-mail addresses and UK telephone numbers in cell text."""

from __future__ import annotations

from datetime import date

import pytest

from citytools_analysis.ingest.privacy import REMOVED, looks_personal


@pytest.mark.parametrize(
    "text",
    [
        "jo.bloggs@camden.example",
        "ask jo.bloggs@camden.example",
        "Contract managed by Quinn Oakenshaw-Rye (quinn.oakenshawrye@bromley.example)",
        "o'brien@council.gov.uk",
        "020 7946 0000",  # London, spaced
        "02079460000",  # London, unspaced
        "Call Jo Bloggs on 07700 900123",  # mobile inside a sentence
        "07700-900-123",  # hyphens
        "(020) 7946 0000",  # bracketed area code
        "+44 20 7946 0000",  # international
        "+44 (0)20 7946 0000",  # international with the (0)
        "+447700900123",
        "01632 960001",  # five-digit area code
        "016977 2345",  # ten-digit number (0 + 9 digits)
        "tel:07700900123",
    ],
)
def test_personal_text_is_spotted(text: str) -> None:
    assert looks_personal(text)


@pytest.mark.parametrize(
    "text",
    [
        "@Risk Ltd",  # an @ alone is not an address
        "user@localhost",  # no dot in the domain: not an address we can mean
        "Revs & Bens",
        "01/04/2015",  # dates are not telephone numbers
        "2021-03-31",
        "£120,000",
        "c. 50,000",
        "9999999999",  # ten digits without the leading 0
        "7700900123",  # a mobile typed into a number cell loses its 0: not spotted (known limit)
        "020 7946",  # too short
        "0207946000012",  # too long: part of a longer number
        "ISO 27001:2013",
        "Windows 10 21H2",
        "E09000007",
        "Version 10.2.3",
        "",
    ],
)
def test_ordinary_text_is_not_personal(text: str) -> None:
    assert not looks_personal(text)


@pytest.mark.parametrize("value", [None, 7700900123, 2.5, date(2020, 1, 1), True])
def test_non_text_is_never_personal(value: object) -> None:
    assert not looks_personal(value)


def test_removed_marker_is_not_itself_personal() -> None:
    assert REMOVED == "[removed]"
    assert not looks_personal(REMOVED)
