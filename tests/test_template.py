"""The survey template: its layout, drop-downs and checks, a filled copy that cleans, LibreOffice."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.core.paths import REFERENCE_DIR
from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest.cleaning import clean_survey
from citytools_analysis.ingest.parsing import parse_level, parse_rating
from citytools_analysis.ingest.template import write_template
from citytools_analysis.ingest.validation import validate_returns

SYSTEMS_HEADERS = [
    "Service area",
    "Function",
    "System",
    "Manufacturer",
    "Supplier",
    "Type",
    "Hosting",
    "Contract start",
    "Contract end",
    "Annual cost",
    "Value for money",
    "Satisfaction",
    "Integrates with",
    "Replacement planned",
    "Notes",
]
# Header → kind of check on its cells, worked out from the survey format.
EXPECTED_CHECKS = {
    "Systems": {
        "Service area": "list",
        "Type": "list",
        "Hosting": "list",
        "Contract start": "date",
        "Contract end": "date",
        "Annual cost": "decimal",
        "Value for money": "list",
        "Satisfaction": "list",
        "Replacement planned": "list",
    },
    "Skills": {
        "Skill area": "list",
        "Level": "list",
        "In-house staff": "decimal",
        "Can support others": "list",
    },
    "Maturity": {"Dimension": "list", "Score": "list"},
}


def _csv_rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("template") / "survey template.xlsx")


def _headers(sheet) -> list[str]:
    return [cell.value for cell in sheet[1] if cell.value is not None]


def _checks(sheet) -> dict[str, object]:
    """Header → the data validation covering its column's first data cell."""
    headers = {cell.column_letter: cell.value for cell in sheet[1] if cell.value is not None}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            letter = re.match(r"[A-Z]+", cell_range.coord).group()
            found[headers.get(letter, letter)] = validation
    return found


def _choices(workbook, formula: str) -> list:
    """The values a list validation offers: the cells of its range on the Lists sheet."""
    sheet_name, cells = formula.split("!")
    sheet = workbook[sheet_name.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    return [sheet.cell(r, min_col).value for r in range(min_row, max_row + 1)]


# --- layout ----------------------------------------------------------------------------------
def test_sheets_columns_and_labels_come_from_the_reference(template: Path) -> None:
    workbook = load_workbook(template)
    assert workbook.sheetnames == [
        "Instructions",
        "Respondent",
        "Systems",
        "Skills",
        "Maturity",
        "Lists",
    ]
    assert _headers(workbook["Systems"]) == SYSTEMS_HEADERS
    for sheet in ("Skills", "Maturity"):
        assert _headers(workbook[sheet]) == [
            r["header"] for r in _csv_rows("survey_columns") if r["sheet"] == sheet
        ]
    respondent = workbook["Respondent"]
    assert [c.value for c in respondent["A"]] == [
        "Authority",
        "Completed by",
        "Email",
        "Phone",
        "Role",
        "Date completed",
    ]
    assert all(c.value is None for c in respondent["B"])
    # no data yet: every sheet but the header is empty
    for sheet in ("Systems", "Skills", "Maturity"):
        assert all(
            v is None for row in workbook[sheet].iter_rows(min_row=2, values_only=True) for v in row
        )


def test_instructions_name_every_column_and_what_it_takes(template: Path) -> None:
    rows = list(load_workbook(template)["Instructions"].iter_rows(values_only=True))
    described = {(r[0], r[1]): r[3] for r in rows if r[0] and r[1] and r[3]}
    for column in _csv_rows("survey_columns"):
        assert (column["sheet"], column["header"]) in described, column
    assert described[("Systems", "Hosting")] == (
        "Choose from the list: On-premises, Cloud (SaaS), Hosted (supplier's data centre) or Hybrid"
    )
    assert described[("Systems", "Value for money")] == (
        "Choose from the list: 1 - Very poor, 2 - Poor, 3 - Adequate, 4 - Good or 5 - Very good"
    )
    assert "rolling" in described[("Systems", "Contract end")]
    assert ("Respondent", "Authority") in described


def test_every_check_is_where_the_format_says(template: Path) -> None:
    workbook = load_workbook(template)
    for sheet_name, expected in EXPECTED_CHECKS.items():
        checks = _checks(workbook[sheet_name])
        assert {header: v.type for header, v in checks.items()} == expected, sheet_name
        for validation in checks.values():
            assert re.fullmatch(r"(?P<c>[A-Z]+)2:(?P=c)501", str(validation.sqref)), (
                validation.sqref
            )
            assert len(validation.prompt) <= 255 and len(validation.promptTitle) <= 32
    systems = _checks(workbook["Systems"])
    assert systems["Annual cost"].operator == "between"
    assert (systems["Annual cost"].formula1, systems["Annual cost"].formula2) == ("0", "50000000")
    assert systems["Contract start"].formula1 == "32874"  # 1 January 1990 as an Excel serial
    assert systems["Contract start"].errorStyle == "stop"
    # "rolling" and "Yes - 2021" are valid answers: those cells warn instead of refusing
    assert systems["Contract end"].errorStyle == "warning"
    assert systems["Replacement planned"].errorStyle == "warning"
    respondent = {
        str(c.sqref): c.type for c in workbook["Respondent"].data_validations.dataValidation
    }
    assert respondent == {"B1": "list", "B6": "date"}


def test_drop_down_lists_hold_the_reference_values_on_the_hidden_lists_sheet(
    template: Path,
) -> None:
    workbook = load_workbook(template)
    assert workbook["Lists"].sheet_state == "hidden"
    systems, skills, maturity = (_checks(workbook[s]) for s in ("Systems", "Skills", "Maturity"))
    lists = {
        "service areas": systems["Service area"],
        "types": systems["Type"],
        "hosting": systems["Hosting"],
        "ratings": systems["Value for money"],
        "answers": systems["Replacement planned"],
        "skill areas": skills["Skill area"],
        "levels": skills["Level"],
        "yes/no": skills["Can support others"],
        "dimensions": maturity["Dimension"],
        "scores": maturity["Score"],
    }
    for validation in lists.values():
        assert validation.formula1.startswith("'Lists'!$"), validation.formula1  # never inline
        assert not validation.showDropDown  # (in the file format, True hides the arrow)
    service_areas = [r["service_area"] for r in _csv_rows("service_areas")]
    assert len(",".join(service_areas)) > 255  # too long for an inline list
    assert _choices(workbook, lists["service areas"].formula1) == service_areas
    assert _choices(workbook, lists["types"].formula1) == ["Frontline", "Corporate"]
    assert _choices(workbook, lists["hosting"].formula1) == [
        r["hosting"] for r in _csv_rows("hosting_types")
    ]
    assert _choices(workbook, lists["ratings"].formula1) == [
        "1 - Very poor",
        "2 - Poor",
        "3 - Adequate",
        "4 - Good",
        "5 - Very good",
    ]
    assert systems["Satisfaction"].formula1 == lists["ratings"].formula1
    assert _choices(workbook, lists["answers"].formula1) == ["Yes", "No", "Considering"]
    assert _choices(workbook, lists["skill areas"].formula1) == [
        r["skill_area"] for r in _csv_rows("skill_areas")
    ]
    assert _choices(workbook, lists["levels"].formula1) == [
        "0 - None",
        "1 - Awareness",
        "2 - Working",
        "3 - Practitioner",
        "4 - Expert",
    ]
    assert _choices(workbook, lists["yes/no"].formula1) == ["Yes", "No"]
    assert _choices(workbook, lists["dimensions"].formula1) == [
        "Leadership",
        "Culture",
        "Data",
        "Technology foundations",
        "Service redesign",
    ]
    assert _choices(workbook, lists["scores"].formula1) == [1, 2, 3, 4, 5]
    authority = workbook["Respondent"].data_validations.dataValidation[0]
    assert _choices(workbook, authority.formula1) == [r["name"] for r in _csv_rows("authorities")]


def test_the_cleaner_reads_every_labelled_choice_as_its_number() -> None:
    reference = load_reference()
    for text, score in [("1 - Very poor", 1), ("3 - Adequate", 3), ("5 - Very good", 5)]:
        assert parse_rating(text, scale=reference.rating_scale).value == score
    for text, level in [("0 - None", 0), ("2 - Working", 2), ("4 - Expert", 4)]:
        assert parse_level(text, levels=reference.skill_levels).value == level


def test_same_reference_gives_the_same_bytes(tmp_path: Path, template: Path) -> None:
    again = write_template(tmp_path / "again.xlsx")
    assert again.read_bytes() == template.read_bytes()


def test_template_command_writes_the_workbook(tmp_path: Path, template: Path) -> None:
    out = tmp_path / "nested" / "blank.xlsx"
    outcome = CliRunner().invoke(app, ["template", str(out)])
    assert outcome.exit_code == 0, outcome.output
    assert out.read_bytes() == template.read_bytes()


def test_a_blank_template_is_not_a_return(template: Path) -> None:
    report = validate_returns([template])
    assert report.exit_code == 2
    assert "Authority" in report.checks[0].error.message


# --- a filled template -----------------------------------------------------------------------
def fill_template(source: Path, target: Path) -> Path:
    """Fill a template as an authority would, choosing from the drop-downs where there is one."""
    workbook = load_workbook(source)

    def pick(sheet_name: str, header: str, value):
        checks = (
            _checks(workbook[sheet_name])
            if sheet_name != "Respondent"
            else {"Authority": workbook["Respondent"].data_validations.dataValidation[0]}
        )
        offered = _choices(workbook, checks[header].formula1)
        assert value in offered, (header, value, offered)
        return value

    respondent = workbook["Respondent"]
    respondent["B1"] = pick("Respondent", "Authority", "London Borough of Camden")
    respondent["B2"] = "Jo Bloggs"
    respondent["B6"] = datetime(2019, 9, 16)
    systems = workbook["Systems"]
    rows = [
        [
            pick("Systems", "Service area", "Planning & Building Control"),
            "Planning applications",
            "Uniform",
            "Idox",
            None,
            pick("Systems", "Type", "Frontline"),
            pick("Systems", "Hosting", "Hosted (supplier's data centre)"),
            datetime(2016, 4, 1),
            datetime(2022, 3, 31),
            85000,
            pick("Systems", "Value for money", "4 - Good"),
            pick("Systems", "Satisfaction", "3 - Adequate"),
            "Unit4 ERP",
            pick("Systems", "Replacement planned", "No"),
            "renewal due",
        ],
        [
            pick("Systems", "Service area", "Finance"),
            None,
            "Unit4 ERP",
            None,
            None,
            None,
            pick("Systems", "Hosting", "On-premises"),
            None,
            "rolling",
            250000,
            pick("Systems", "Value for money", "2 - Poor"),
            pick("Systems", "Satisfaction", "5 - Very good"),
            None,
            pick("Systems", "Replacement planned", "Considering"),
            None,
        ],
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            systems.cell(r, c, value)
    skills = workbook["Skills"]
    for c, value in enumerate(
        [
            pick("Skills", "Skill area", "Data analysis"),
            pick("Skills", "Level", "3 - Practitioner"),
            2.5,
            pick("Skills", "Can support others", "Yes"),
        ],
        start=1,
    ):
        skills.cell(2, c, value)
    maturity = workbook["Maturity"]
    maturity["A2"] = pick("Maturity", "Dimension", "Leadership")
    maturity["B2"] = pick("Maturity", "Score", 3)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    (target.parent / "round.json").write_text(
        json.dumps({"snapshot_date": "2019-09-30"}), encoding="utf-8"
    )
    return target


EXPECTED_SYSTEMS = pd.DataFrame(
    [
        [
            "E09000007-00002",
            "E09000007",
            "Planning & Building Control",
            "Planning applications",
            "Uniform",
            "Idox",
            "Idox",
            "Frontline",
            "Hosted (supplier's data centre)",
            "2016-04-01",
            "2022-03-31",
            "date",
            "85000",
            "4",
            "3",
            "No",
            "",
            "filled.xlsx",
            "2",
        ],
        [
            "E09000007-00003",
            "E09000007",
            "Finance",
            "",
            "Unit4 ERP",
            "Unit4",
            "Unit4",
            "Corporate",
            "On-premises",
            "",
            "",
            "rolling",
            "250000",
            "2",
            "5",
            "Considering",
            "",
            "filled.xlsx",
            "3",
        ],
    ],
    columns=[
        "record_id",
        "gss_code",
        "service_area",
        "function",
        "product",
        "manufacturer",
        "supplier",
        "system_type",
        "hosting",
        "contract_start",
        "contract_end",
        "contract_end_status",
        "annual_cost_gbp",
        "value_for_money",
        "satisfaction",
        "replacement_planned",
        "replacement_year",
        "source_file",
        "source_row",
    ],
)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_a_filled_template_validates_and_cleans(tmp_path: Path, template: Path) -> None:
    filled = fill_template(template, tmp_path / "survey" / "filled.xlsx")
    report = validate_returns([filled])
    assert report.exit_code == 0, report.to_text()
    assert report.checks[0].gss_code == "E09000007"
    outcome = CliRunner().invoke(app, ["validate", str(filled)])
    assert outcome.exit_code == 0 and "filled.xlsx: no problems" in outcome.output
    clean_survey(tmp_path / "survey", tmp_path / "processed")
    systems = _read(tmp_path / "processed" / "systems.csv")
    pdt.assert_frame_equal(systems[list(EXPECTED_SYSTEMS.columns)], EXPECTED_SYSTEMS)
    skills = _read(tmp_path / "processed" / "skills.csv")
    assert skills[["skill_area", "level", "staff_fte", "can_support"]].values.tolist() == [
        ["Data analysis", "3", "2.5", "true"]
    ]
    maturity = _read(tmp_path / "processed" / "maturity.csv")
    assert maturity[["dimension", "score"]].values.tolist() == [["Leadership", "3"]]
    integrations = _read(tmp_path / "processed" / "integrations.csv")
    assert integrations[["record_id", "linked_record_id"]].values.tolist() == [
        ["E09000007-00002", "E09000007-00003"]
    ]
    assert len(_read(tmp_path / "processed" / "rejected.csv")) == 0


# --- LibreOffice -----------------------------------------------------------------------------
def _office() -> str:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        message = (
            "LibreOffice is not installed (no soffice or libreoffice on PATH): the check that "
            "the template's drop-downs survive LibreOffice is skipped; "
            "apt-get install libreoffice-calc-nogui to run it"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


def _convert(binary: str, source: Path, to: str, out_dir: Path, profile: Path) -> Path:
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out_dir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = out_dir / f"{source.stem}.{to}"
    assert converted.exists(), f"LibreOffice wrote no {converted.name}"
    return converted


def test_drop_downs_survive_libreoffice(tmp_path: Path, template: Path) -> None:
    binary = _office()
    profile = tmp_path / "profile"
    xlsx = _convert(binary, template, "xlsx", tmp_path / "xlsx", profile)
    ods = _convert(binary, template, "ods", tmp_path / "ods", profile)

    original, converted = load_workbook(template), load_workbook(xlsx)
    assert converted["Lists"].sheet_state == "hidden"
    for sheet_name in ("Respondent", "Systems", "Skills", "Maturity"):
        before = {str(v.sqref): v for v in original[sheet_name].data_validations.dataValidation}
        after = {str(v.sqref): v for v in converted[sheet_name].data_validations.dataValidation}
        assert sorted(after) == sorted(before), sheet_name
        for where, validation in before.items():
            kept = after[where]
            assert kept.type == validation.type, (sheet_name, where)
            assert not kept.showDropDown
            if validation.type == "list":
                assert _choices(converted, kept.formula1) == _choices(original, validation.formula1)
            else:
                assert kept.formula1 == validation.formula1

    content = zipfile.ZipFile(ods).read("content.xml").decode("utf-8")
    conditions = re.findall(
        r'<table:content-validation [^>]*table:condition="([^"]*)"[^>]*>', content
    )
    in_list = [c for c in conditions if "cell-content-is-in-list([$Lists." in c]
    assert len(in_list) == 12  # Authority; 6 on Systems; 3 on Skills; 2 on Maturity
    displayed = re.findall(r"<table:content-validation [^>]*cell-content-is-in-list[^>]*>", content)
    assert all('table:display-list="none"' not in v for v in displayed)
    assert sum("cell-content-is-date()" in c for c in conditions) == 3  # completed, start, end
    assert sum("cell-content-is-decimal-number()" in c for c in conditions) == 2  # cost, staff

    # The file LibreOffice saved is still a return once filled in.
    filled = fill_template(xlsx, tmp_path / "survey" / "filled.xlsx")
    assert validate_returns([filled]).exit_code == 0
