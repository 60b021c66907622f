"""The IT rules for payments, measured on a hand-labelled corpus of real publishers' forms.

``tests/fixtures/spend_labelled/`` holds 529 payment rows written by hand in two publishers'
layouts (a monthly file with a BOM; a finance-system report in Windows-1252 with a preamble),
each with a ``Hand label`` column (Y: an IT payment, N: not). The labels are a person's
judgement of what the payment bought, written before the rules were run on them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest.spend import SpendRules, decode, read_spend
from citytools_analysis.ingest.spend_rules import PaymentRules, classify_payment

CORPUS = Path(__file__).parent / "fixtures" / "spend_labelled"


def _labels() -> dict[tuple[str, int], bool]:
    labels = {}
    for path in sorted(CORPUS.glob("labelled_*.csv")):
        records = list(csv.reader(io.StringIO(decode(path.read_bytes(), path.name), newline="")))
        header = next(i for i, r in enumerate(records) if "Hand label" in r)
        column = records[header].index("Hand label")
        for number, record in enumerate(records[header + 1 :], start=header + 2):
            if record and record[column] in ("Y", "N"):
                labels[(path.name, number)] = record[column] == "Y"
    return labels


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.fixture(scope="module")
def decided(reference):
    rules = PaymentRules.from_reference(reference)
    rows, _corrections, rejections = read_spend(CORPUS, reference)
    assert not rejections
    return {(r["source_file"], r["source_row"]): (classify_payment(r, rules), r) for r in rows}


def test_corpus_is_large_and_every_row_is_read(decided):
    labels = _labels()
    assert len(labels) >= 500
    assert set(labels) == set(decided)
    assert 150 <= sum(labels.values()) <= len(labels) - 150  # both classes well represented


def test_precision_and_recall(decided):
    labels = _labels()
    tp = sum(1 for k, y in labels.items() if y and decided[k][0][0])
    fp = sum(1 for k, y in labels.items() if not y and decided[k][0][0])
    fn = sum(1 for k, y in labels.items() if y and not decided[k][0][0])
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    wrong = sorted(
        (k, decided[k][1]["supplier_as_published"], decided[k][1]["description"], decided[k][0][1])
        for k, y in labels.items()
        if y != decided[k][0][0]
    )
    assert precision >= 0.97, (precision, wrong)
    assert recall >= 0.90, (recall, wrong)


@pytest.mark.parametrize(
    "published, supplier, description, expected",
    [
        # licences that are rent for temporary accommodation
        (
            "REDACTED",
            "",
            "Temporary Accommodation | Nightly paid licence",
            "exclude:temporary accommodation",
        ),
        (
            "Crown Lodge Hotel",
            "Crown Lodge Hotel",
            "Licence to occupy - room 4",
            "exclude:licence to occupy",
        ),
        # licences and levies paid to public bodies
        ("HM Land Registry", "HM Land Registry", "Licences and Levies", "exclude:levies"),
        ("Ofcom", "Ofcom", "Licences | Wireless telegraphy licence", "supplier_not_it:ofcom"),
        ("PRS for Music", "PRS for Music", "Music licence", "supplier_not_it:prs for music"),
        # "(not ICT)" written in the description, even for an IT company
        ("Capita Business Services Ltd", "Capita", "Consultancy (not ICT)", "exclude:not ict"),
        ("Softcat plc", "Softcat", "Catering - NOT IT", "exclude:not it"),
        # words that hold the letters "IT"
        (
            "Noise Monitoring Ltd",
            "Noise Monitoring Ltd",
            "Monitoring | AUTHORITIES LIAISON",
            "no_it_signal",
        ),
        ("ACME", "ACME", "Facilities | City wide", "no_it_signal"),
        ("ACME", "ACME", "IT equipment", "keyword:IT"),
        # a school or housing association named like a product
        (
            "Harris Academy Peckham",
            "Harris Academy Peckham",
            "ICT grant",
            "supplier_not_it:academy",
        ),
        (
            "Mosaic Housing Association",
            "Mosaic Housing Association",
            "Software",
            "supplier_not_it:housing association",
        ),
        ("Orchard & Shipman", "Orchard & Shipman", "Managing agent fees", "no_it_signal"),
        # maintenance of buildings and vehicles; of software
        ("Otis", "Otis", "Lift maintenance", "exclude:lift maintenance"),
        ("Dennis Eagle", "Dennis Eagle", "Vehicle maintenance", "exclude:vehicle maintenance"),
        ("ACME", "ACME", "Annual support and maintenance", "keyword:support and maintenance"),
        # non-IT arms of IT companies; IT companies
        (
            "Capita Property and Infrastructure",
            "Capita Property and Infrastructure",
            "Survey",
            "supplier_not_it:capita property",
        ),
        ("Capita Business Services Ltd", "Capita", "Benefits processing", "no_it_signal"),
        ("Capita Business Services Ltd", "Capita", "Software licence", "keyword:software"),
        ("BT Fleet Ltd", "BT Fleet Ltd", "Van servicing", "supplier_not_it:bt fleet"),
        ("CIVICA UK LTD", "Civica", "Annual charge", "supplier:civica"),
        ("Idox Software Ltd", "Idox", "Annual charge", "supplier:Idox"),
        ("Google Ireland Ltd", "Google", "Google Ads", "no_it_signal"),
    ],
)
def test_each_trap(reference, published, supplier, description, expected):
    rules = PaymentRules.from_reference(reference)
    row = {
        "supplier_as_published": published,
        "supplier": supplier,
        "description": description,
        "withheld": published == "REDACTED",
    }
    assert classify_payment(row, rules)[1] == expected


def test_a_different_company_is_never_resolved_to_an_it_organisation(reference):
    rules = SpendRules.from_reference(reference)
    assert rules.supplier("NEC Group Ltd") == (None, "other_company")
    assert rules.supplier("NORTHGATE VEHICLE HIRE LTD") == (None, "other_company")
    # Pitney Bowes is Brightly Software's Confirm to the aliases, and rents franking machines
    franking = {
        "supplier": rules.supplier("PITNEY BOWES LTD")[0],
        "supplier_as_published": "PITNEY BOWES LTD",
        "description": "Franking machine rental",
    }
    assert franking["supplier"] == "Brightly Software"
    assert classify_payment(franking, rules.payments) == (False, "no_it_signal")
    confirm = dict(franking, description="Confirm annual licence")
    assert classify_payment(confirm, rules.payments) == (True, "keyword:licence")
    assert rules.supplier("Northgate Public Services (UK) Ltd")[0] == "NEC Software Solutions"
