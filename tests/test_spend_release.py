"""Spend in the release: payments.csv and it_spend.csv from a cleaning run, with every row
accounted for, no personal data, and earlier outputs untouched when a file cannot be read."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fixture_returns import write_fixture_survey
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.ingest.cleaning import clean_survey
from citytools_analysis.ingest.spend import financial_year, it_spend

SPEND = Path(__file__).parent / "fixtures" / "spend"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("spend_release")
    survey = write_fixture_survey(base / "survey")
    shutil.copytree(SPEND, base / "spend")  # beside the survey folder: read by default
    clean_survey(survey, base / "processed")
    return base / "processed"


def test_every_payment_row_is_in_payments_or_rejected(release):
    payments = _csv(release / "payments.csv")
    rejected = _csv(release / "rejected.csv")
    spend_files = {
        "camden_june_2012.csv",
        "kingston_june_2012.csv",
        "southwark_june_2022.csv",
        "gla_june_2022.xlsx",
    }
    kept = payments.groupby("source_file").size().to_dict()
    dropped = (
        rejected[rejected.source_file.isin(spend_files)].groupby("source_file").size().to_dict()
    )
    # data rows under each header, blank lines aside: camden 6, kingston 6, southwark 5, gla 5
    assert {f: kept.get(f, 0) + dropped.get(f, 0) for f in spend_files} == {
        "camden_june_2012.csv": 6,
        "kingston_june_2012.csv": 6,
        "southwark_june_2022.csv": 5,
        "gla_june_2022.xlsx": 5,
    }
    assert list(payments.columns) == [
        "source_file",
        "source_row",
        "gss_code",
        "payment_date",
        "amount_gbp",
        "supplier",
        "description",
        "department",
        "is_it",
        "it_rule",
        "outcome",
    ]


def test_payments_say_what_the_rules_decided(release):
    payments = _csv(release / "payments.csv").set_index(["source_file", "source_row"])
    assert payments.loc[("camden_june_2012.csv", "2")][
        ["supplier", "is_it", "outcome"]
    ].tolist() == ["Civica", "true", "it"]
    assert payments.loc[("camden_june_2012.csv", "3")][
        ["supplier", "is_it", "outcome"]
    ].tolist() == ["", "false", "not_it"]
    assert payments.loc[("gla_june_2022.xlsx", "6")]["it_rule"] == "exclude:levies"
    assert payments.loc[("gla_june_2022.xlsx", "8")]["it_rule"] == "exclude:not ict"
    assert payments.loc[("kingston_june_2012.csv", "8")]["supplier"] == "NORTHGATE VEHICLE HIRE LTD"
    assert payments.loc[("kingston_june_2012.csv", "8")]["is_it"] == "false"
    assert payments.loc[("southwark_june_2022.csv", "6")]["it_rule"] == "supplier_not_it:academy"


def test_yearly_it_spend(release):
    table = _csv(release / "it_spend.csv")
    rows = {
        (r.gss_code, r.financial_year, r.supplier): (r.payments, r.amount_gbp)
        for r in table.itertuples()
    }
    # Camden June 2012: Civica 12,450 and a Softcat credit of 123.45
    assert rows[("E09000007", "2012-13", "Civica")] == ("1", "12450")
    assert rows[("E09000007", "2012-13", "Softcat")] == ("1", "-123.45")
    # Southwark: Microsoft's credit, ACME's laptops; the GLA: Softcat licences
    assert rows[("E09000028", "2022-23", "Microsoft")] == ("1", "-2000")
    assert rows[("E09000028", "2022-23", "ACME COMPUTERS LTD")] == ("1", "1234")
    assert rows[("E61000001", "2022-23", "Softcat")] == ("1", "18250")
    assert ("E09000021", "2012-13", "NEC Software Solutions") in rows
    assert not any(s in {"Mitie Property Services", "HM Land Registry"} for _g, _y, s in rows)


def test_no_personal_data_or_withheld_name_is_released(release):
    for name in ("payments.csv", "it_spend.csv", "corrections.csv", "rejected.csv"):
        text = (release / name).read_text(encoding="utf-8")
        assert "REDACTED" not in text and "Personal data" not in text
        assert "Personal Data" not in text


def test_datapackage_describes_the_new_tables(release):
    import json

    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in package["resources"]]
    assert "payments" in names and "it_spend" in names


def test_financial_years():
    assert financial_year(dt.date(2023, 3, 31)) == "2022-23"
    assert financial_year(dt.date(2023, 4, 1)) == "2023-24"
    assert financial_year(dt.date(1999, 12, 1)) == "1999-00"
    assert financial_year(None) is None


def test_it_spend_sums_credits_and_withheld_names():
    payments = pd.DataFrame(
        [
            {
                "gss_code": "E1",
                "payment_date": dt.date(2022, 4, 1),
                "supplier": "Civica",
                "amount_gbp": 100.0,
                "is_it": True,
            },
            {
                "gss_code": "E1",
                "payment_date": dt.date(2023, 3, 31),
                "supplier": "Civica",
                "amount_gbp": -40.0,
                "is_it": True,
            },
            {
                "gss_code": "E1",
                "payment_date": dt.date(2023, 4, 1),
                "supplier": "Civica",
                "amount_gbp": 10.0,
                "is_it": True,
            },
            {
                "gss_code": "E1",
                "payment_date": dt.date(2022, 5, 1),
                "supplier": "",
                "amount_gbp": 7.0,
                "is_it": True,
            },
            {
                "gss_code": "E1",
                "payment_date": dt.date(2022, 5, 1),
                "supplier": "Mitie",
                "amount_gbp": 9.0,
                "is_it": False,
            },
            {
                "gss_code": "E1",
                "payment_date": None,
                "supplier": "Civica",
                "amount_gbp": 5.0,
                "is_it": True,
            },
        ]
    )
    table = it_spend(payments)
    assert table.values.tolist() == [
        ["E1", "2022-23", "(withheld)", 1, 7.0],
        ["E1", "2022-23", "Civica", 2, 60.0],
        ["E1", "2023-24", "Civica", 1, 10.0],
    ]


def test_an_unreadable_payment_file_stops_the_run_and_keeps_the_release(tmp_path):
    survey = write_fixture_survey(tmp_path / "survey")
    shutil.copytree(SPEND, tmp_path / "spend")
    out = tmp_path / "processed"
    clean_survey(survey, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (tmp_path / "spend" / "bad.csv").write_text("Payee,Date,Notes\nACME,01/01/2022,x\n")
    with (tmp_path / "spend" / "sources.csv").open("a") as manifest:
        manifest.write("bad.csv,Camden\n")
    with pytest.raises(SurveyInputError, match="file bad.csv.*not a payment file"):
        clean_survey(survey, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    result = CliRunner().invoke(app, ["clean", "--survey-dir", str(survey), "--out-dir", str(out)])
    assert result.exit_code == 2 and "bad.csv" in result.output


def test_spend_dir_option_points_elsewhere(tmp_path):
    survey = write_fixture_survey(tmp_path / "survey")
    shutil.copytree(SPEND, tmp_path / "elsewhere")
    out = tmp_path / "processed"
    result = CliRunner().invoke(
        app,
        [
            "clean",
            "--survey-dir",
            str(survey),
            "--out-dir",
            str(out),
            "--spend-dir",
            str(tmp_path / "elsewhere"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(_csv(out / "payments.csv")) == 18
