"""Reading payment files: every layout, encoding, amount and date form, and clear errors."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest.spend import parse_amount, read_spend, repair_text, spend_folder

FIXTURES = Path(__file__).parent / "fixtures" / "spend"
INVALID = Path(__file__).parent / "fixtures" / "spend_invalid"


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.fixture(scope="module")
def spend(reference):
    rows, corrections, rejections = read_spend(FIXTURES, reference)
    return ({(r["source_file"], r["source_row"]): r for r in rows}, corrections, rejections)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("£1,234.56", 1234.56),
        ('"1,234.56"', 1234.56),
        ("'1234.56'", 1234.56),
        ("1234", 1234.0),
        ("-123.45", -123.45),
        ("(123.45)", -123.45),
        ("£(123.45)", -123.45),
        ("-£123.45", -123.45),
        ("£-2,000.00", -2000.0),
        ("123.45-", -123.45),
        ("123.45 CR", -123.45),
        ("1\u00a0234.00", 1234.0),
        ("1Â\u00a0234.00", 1234.0),
        (" £ 500 ", 500.0),
        (612.5, 612.5),
        (18250, 18250.0),
        ("Â£950.00", 950.0),
        ("", None),
        ("n/a", None),
        ("1,2,3", None),
        ("£12k", None),
        (None, None),
        (True, None),
    ],
)
def test_amount_forms(raw, expected):
    assert parse_amount(raw) == expected


def test_mis_decoded_text_is_repaired():
    assert repair_text("ACME COMPUTERSÂ\u00a0LTD") == "ACME COMPUTERS LTD"
    assert repair_text("CafÃ© SociÃ©tÃ©") == "Café Société"
    assert repair_text("Café Société") == "Café Société"  # Windows-1252 read right stays


def test_every_row_is_kept_or_rejected(spend):
    rows, _corrections, rejections = spend
    per_file = {}
    for file, _row in rows:
        per_file[file] = per_file.get(file, 0) + 1
    assert per_file == {
        "camden_june_2012.csv": 5,
        "kingston_june_2012.csv": 4,
        "southwark_june_2022.csv": 5,
        "gla_june_2022.xlsx": 4,
    }
    reasons = sorted((r["source_file"], r["source_row"], r["reason"]) for r in rejections)
    assert reasons == [
        ("camden_june_2012.csv", 8, "total_row"),
        ("gla_june_2022.xlsx", 10, "total_row"),
        ("kingston_june_2012.csv", 10, "total_row"),
        ("kingston_june_2012.csv", 11, "not_a_payment"),
    ]
    assert not set(rows) & {(r["source_file"], r["source_row"]) for r in rejections}


def test_rows_count_preamble_lines_like_a_spreadsheet(spend):
    rows, _c, _r = spend
    # Kingston's report has four preamble lines (title, date, parameters, blank): header on 5
    assert rows[("kingston_june_2012.csv", 6)]["amount_gbp"] == 4500.0
    assert rows[("kingston_june_2012.csv", 9)]["amount_gbp"] == 2310.77
    # the GLA workbook: title, period and a blank row above the header
    assert rows[("gla_june_2022.xlsx", 5)]["supplier"] == "Softcat"
    # Camden's blank line 5 is skipped, and counted
    assert rows[("camden_june_2012.csv", 6)]["supplier"] == "JOHN MOWLEM & CO"


def test_dates_in_every_form(spend):
    rows, _c, _r = spend
    assert rows[("camden_june_2012.csv", 2)]["payment_date"] == dt.date(2012, 6, 11)
    assert rows[("kingston_june_2012.csv", 6)]["payment_date"] == dt.date(2012, 6, 1)  # 01-JUN-2012
    assert rows[("southwark_june_2022.csv", 2)]["payment_date"] == dt.date(
        2022, 6, 15
    )  # 15 Jun 2022
    assert rows[("southwark_june_2022.csv", 5)]["payment_date"] == dt.date(2022, 6, 20)  # ISO
    assert rows[("gla_june_2022.xlsx", 6)]["payment_date"] == dt.date(2022, 6, 8)  # Excel date


def test_amounts_and_credits(spend):
    rows, _c, _r = spend
    assert rows[("camden_june_2012.csv", 2)]["amount_gbp"] == 12450.0
    assert rows[("camden_june_2012.csv", 4)]["amount_gbp"] == -123.45
    assert rows[("kingston_june_2012.csv", 8)]["amount_gbp"] == -1250.0
    assert rows[("southwark_june_2022.csv", 2)]["amount_gbp"] == 1234.0
    assert rows[("southwark_june_2022.csv", 5)]["amount_gbp"] == -2000.0
    assert rows[("gla_june_2022.xlsx", 8)]["amount_gbp"] == -450.0


def test_encodings_and_names(spend):
    rows, corrections, _r = spend
    assert rows[("kingston_june_2012.csv", 7)]["supplier"] == "Café Société Ltd"  # Windows-1252
    assert rows[("kingston_june_2012.csv", 6)]["supplier"] == "NEC Software Solutions"
    assert rows[("southwark_june_2022.csv", 2)]["supplier"] == "ACME COMPUTERS LTD"
    assert rows[("camden_june_2012.csv", 2)]["supplier"] == "Civica"  # BOM file, upper case
    logged = {(c["source_file"], c["source_row"], c["column"]): c for c in corrections}
    assert (
        logged[("southwark_june_2022.csv", 2, "supplier")]["rule"] == "text_mis_decoding_repaired"
    )
    assert logged[("camden_june_2012.csv", 2, "supplier")]["clean_value"] == "Civica"
    keys = [(c["source_file"], c["sheet"], c["source_row"], c["column"]) for c in corrections]
    assert len(keys) == len(set(keys))


def test_withheld_names_are_counted_without_a_name(spend):
    rows, corrections, _r = spend
    withheld = [r for r in rows.values() if r["withheld"]]
    assert sorted(r["amount_gbp"] for r in withheld) == [500.0, 640.0, 1180.0]
    assert all(r["supplier"] == "" and r["supplier_as_published"] == "" for r in withheld)
    for entry in corrections:
        assert "REDACTED" not in entry["raw_value"] and "Personal" not in entry["raw_value"]


def test_text_columns_join_department_and_description(spend):
    rows, _c, _r = spend
    row = rows[("camden_june_2012.csv", 2)]
    assert row["department"] == "Corporate Services | Digital and Data"
    assert row["description"] == "ICT Software | Annual licence and support - revenues system"


def _folder(tmp_path: Path, files: dict[str, bytes], manifest: str) -> Path:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "sources.csv").write_text(manifest, encoding="utf-8")
    return tmp_path


def test_a_file_without_an_amount_column_is_named(tmp_path, reference):
    folder = tmp_path / "spend"
    folder.mkdir()
    shutil.copy(INVALID / "no_amount.csv", folder)
    (folder / "sources.csv").write_text("file,authority\nno_amount.csv,Camden\n", encoding="utf-8")
    with pytest.raises(SurveyInputError) as caught:
        read_spend(folder, reference)
    message = str(caught.value)
    assert "no_amount.csv" in message and "not a payment file" in message
    assert "Amount" in message


@pytest.mark.parametrize(
    "files, manifest, expected",
    [
        (
            {"a.csv": b"Supplier,Date,Amount\nX,01/01/2022,5\n"},
            "file,authority\na.csv,Atlantis\n",
            "unknown authority 'Atlantis'",
        ),
        (
            {"a.csv": b"Supplier,Date,Amount\nX,01/01/2022,5\n"},
            "file,authority\nb.csv,Camden\n",
            "'b.csv' is listed but not in the folder",
        ),
        (
            {"a.csv": b"Supplier,Date,Amount\n", "c.csv": b"x"},
            "file,authority\na.csv,Camden\n",
            "not listed in sources.csv",
        ),
        ({"a.csv": b"PK\x03\x04\x00\x00binary"}, "file,authority\na.csv,Camden\n", "NUL bytes"),
        (
            {"a.xlsx": b"not a zip"},
            "file,authority\na.xlsx,Camden\n",
            "cannot be read as an Excel workbook",
        ),
        (
            {"a.csv": b"Supplier,Date,Amount\nX,01/01/2022,5\n"},
            "file\na.csv\n",
            "needs the columns 'file' and 'authority'",
        ),
    ],
)
def test_folder_errors_are_clear(tmp_path, reference, files, manifest, expected):
    with pytest.raises(SurveyInputError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        read_spend(_folder(tmp_path, files, manifest), reference)


def test_an_authority_may_publish_many_files(tmp_path, reference):
    files = {
        f"m{m}.csv": f"Supplier,Date,Amount\nACME,01/{m:02d}/2022,5\n".encode() for m in (1, 2)
    }
    rows, _c, _r = read_spend(
        _folder(tmp_path, files, "file,authority\nm1.csv,Camden\nm2.csv,Camden\n"), reference
    )
    assert [r["payment_date"].month for r in rows] == [1, 2]


def test_invoice_date_and_total_stand_in(tmp_path, reference):
    files = {
        "a.csv": b"Creditor,Invoice Date,Gross Amount,Net Amount\nACME,03/04/2022,120,100\n"
        b"BETA,04/04/2022,60,\n"
    }
    rows, _c, rejected = read_spend(
        _folder(tmp_path, files, "file,authority\na.csv,Camden\n"), reference
    )
    assert [(r["payment_date"], r["amount_gbp"]) for r in rows] == [(dt.date(2022, 4, 3), 100.0)]
    assert [(r["source_row"], r["reason"]) for r in rejected] == [(3, "unreadable_amount")]


def test_spend_folder_beside_the_survey(tmp_path):
    (tmp_path / "survey").mkdir()
    assert spend_folder(tmp_path / "survey", None) is None
    (tmp_path / "spend").mkdir()
    (tmp_path / "spend" / "sources.csv").write_text("file,authority\n")
    assert spend_folder(tmp_path / "survey", None) == tmp_path / "spend"
    assert spend_folder(tmp_path / "survey", False) is None
    with pytest.raises(SurveyInputError, match="spend folder not found"):
        spend_folder(tmp_path / "survey", tmp_path / "nowhere")


def test_personal_details_in_text_are_cleared_once(tmp_path, reference):
    text = (
        "Supplier,Date,Amount,Description\n"
        "ACME\u00a0LTD,01/04/2022,50,ask jo.bloggs@acme.example\u00a0now\n"
    )
    mis_decoded = text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    rows, corrections, _r = read_spend(
        _folder(tmp_path, {"a.csv": mis_decoded}, "file,authority\na.csv,Camden\n"), reference
    )
    assert rows[0]["description"] == "" and rows[0]["supplier"] == "ACME LTD"
    described = [c for c in corrections if c["column"] == "description"]
    assert [(c["rule"], c["raw_value"]) for c in described] == [
        ("personal_data_removed", "[removed]")
    ]
    assert "jo.bloggs" not in str(corrections)


def test_a_rejection_never_quotes_a_personal_amount(tmp_path, reference):
    files = {"a.csv": b"Supplier,Date,Amount\nACME,01/04/2022,ring 020 7946 0000\n"}
    _rows, _c, rejected = read_spend(
        _folder(tmp_path, files, "file,authority\na.csv,Camden\n"), reference
    )
    assert [(r["reason"], r["detail"]) for r in rejected] == [("unreadable_amount", "[removed]")]
