"""A tiny hand-written survey: two returns whose every cell is written out here.

The expected processed tables for it are hand-written CSVs in ``tests/fixtures/expected/``,
worked out from the survey format's rules, not copied from the code's output.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook

CAMDEN_SYSTEMS = [
    ["City Tools: London survey 2019 — systems"],  # row 1: title row
    [
        "Service",
        "System name",
        "Vendor",
        "Contract with",
        "Type",
        "Deployment",
        "Start date",
        "Expiry",
        "Annual cost (£)",
        "VfM",
        "Satisfaction",
        "Interfaces",
        "Replacing",
        "Comments",
    ],  # row 2: header with synonyms
    [
        "Revs & Bens",
        "Northgate iWorld",
        "Northgate Public Services",
        None,
        None,
        "on prem",
        "01/04/2015",
        "31/03/2021",
        "£120,000",
        "4 - Good",
        3,
        "Uniform; Civica Pay",
        "Yes - 2021",
        "Call Jo Bloggs on 07700 900123",
    ],  # row 3
    [None] * 14,  # row 4: blank
    [
        "Planning",
        "Uniform",
        "Idox Software Ltd",
        "Idox",
        "Frontline",
        "Hosted",
        "2016",
        "March 2022",
        "85k",
        "Good",
        "Good",
        None,
        "No",
        None,
    ],  # row 5
    [
        "Planning",
        "Uniform",
        "Idox Software Ltd",
        "Idox",
        "Frontline",
        "Hosted",
        "2016",
        "March 2022",
        "85k",
        "Good",
        "Good",
        None,
        "No",
        None,
    ],  # row 6: duplicate of 5
    [
        "Misc",
        "Something",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ],  # row 7: unknown service area
    [
        "Finance",
        None,
        "Oracle",
        None,
        None,
        None,
        None,
        None,
        "£1.2m",
        None,
        None,
        None,
        None,
        "ask jo.bloggs@camden.example",
    ],  # row 8: System blank
    [
        "Payments",
        "ICON",
        "Civica UK Limmited",
        "Civica UK Ltd",
        None,
        "SaaS",
        datetime(2017, 6, 1),
        "rolling",
        "ask finance",
        7,
        2,
        None,
        "Considering",
        None,
    ],  # row 9
]

CAMDEN_SKILLS = [
    ["Skill area", "Level", "In-house staff", "Can support others"],  # row 1
    ["Data analysis", "Practitioner", 2, "Yes"],  # row 2
    ["Cyber security", 1, 0.5, "No"],  # row 3
    ["Cloud", "Expert", 3, "yes"],  # row 4
    ["Data analysis", 2, None, None],  # row 5: second Data analysis row
]

CAMDEN_MATURITY = [
    ["Dimension", "Score"],
    ["Leadership", 3],  # row 2
    ["Data", "4 - Good"],  # row 3
    ["Culture", 0],  # row 4: out of range
]

CAMDEN_RESPONDENT = [
    ["City Tools: London survey 2019"],
    ["Authority", "LB Camden"],
    ["Completed by", "Jo Bloggs"],
    ["Email", "jo.bloggs@camden.example"],
    ["Phone", "020 7946 0000"],
    ["Role", "Head of Applications"],
    ["Date completed", date(2019, 9, 15)],
]

GLA_RESPONDENT = [
    ["Authority", "Greater London Authority"],
    ["Completed by", "Sam Example"],
    ["Email", "sam.example@gla.example"],
    ["Date completed", "20/09/2019"],
]

GLA_SYSTEMS = [
    [
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
    ],
    [
        "GIS",
        "Mapping for planning",
        "ArcGIS",
        "Esri UK Ltd",
        None,
        "Corporate",
        "Cloud",
        datetime(2018, 4, 1),
        datetime(2021, 3, 31),
        89667,
        3,
        4,
        None,
        "No",
        None,
    ],
]

PERSONAL_VALUES = [
    "Jo Bloggs",
    "jo.bloggs@camden.example",
    "020 7946 0000",
    "07700 900123",
    "Head of Applications",
    "Sam Example",
    "sam.example@gla.example",
]


def _sheet(workbook: Workbook, title: str, rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(row)


def write_fixture_survey(directory: Path) -> Path:
    """Write the two hand-written returns (and a round.json) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    camden = Workbook()
    camden.remove(camden.active)
    _sheet(camden, "Instructions", [["Fill in one row per system."]])
    _sheet(camden, "respondent", CAMDEN_RESPONDENT)
    _sheet(camden, "SYSTEMS", CAMDEN_SYSTEMS)
    _sheet(camden, "Skills", CAMDEN_SKILLS)
    _sheet(camden, "Maturity", CAMDEN_MATURITY)
    camden.save(directory / "camden return v2.xlsx")
    gla = Workbook()
    gla.remove(gla.active)
    _sheet(gla, "Respondent", GLA_RESPONDENT)
    _sheet(gla, "Systems", GLA_SYSTEMS)
    gla.save(directory / "gla.xlsx")
    (directory / "round.json").write_text(
        json.dumps({"round": "fixture", "snapshot_date": "2019-09-30", "synthetic": True}),
        encoding="utf-8",
    )
    return directory


# --- hostile names: the fixture returns plus HTML and formula text (tests/test_leaks.py) -----

SCRIPT_SUPPLIER = "<script>alert(1)</script>"
IMAGE_PRODUCT = "<img src=x onerror=alert(2)>"
FORMULA_FUNCTION = '=HYPERLINK("http://example.org","x")'
FORMULA_MANUFACTURER = "@SUM(1+1)"
MINUS_FUNCTION = "-2+3+cmd|' /C calc'!A0"
# Added to Camden's Systems sheet (after row 9). The supplier is on three systems, so that
# it is the fixture's largest supplier and any chapter that names suppliers names it.
HOSTILE_ROWS = [
    [
        "Revs & Bens",
        IMAGE_PRODUCT,
        FORMULA_MANUFACTURER,
        SCRIPT_SUPPLIER,
        "Frontline",
        "on prem",
        "01/04/2015",
        "31/03/2021",
        1000,
        3,
        3,
        None,
        "No",
        None,
    ],
    [
        "Planning",
        "Uniform",
        "Idox Software Ltd",
        SCRIPT_SUPPLIER,
        "Frontline",
        "Hosted",
        "2016",
        "March 2022",
        85000,
        4,
        4,
        None,
        "No",
        None,
    ],
    [
        "Payments",
        "ICON",
        "Civica",
        SCRIPT_SUPPLIER,
        "Corporate",
        "SaaS",
        "2017",
        "2023",
        2000,
        3,
        3,
        None,
        "No",
        None,
    ],
]
HOSTILE_FUNCTIONS = [FORMULA_FUNCTION, MINUS_FUNCTION, None]


def write_hostile_survey(directory: Path) -> Path:
    """The fixture returns, with Camden's Systems sheet extended by :data:`HOSTILE_ROWS`.

    Cells are written as text (a cell typed ``=…`` is otherwise stored as a formula, whose
    value a reader never sees); the Systems sheet's 14 columns have no Function column, so
    the formula-like functions are written into a 15th column headed ``Function``.
    """
    survey = write_fixture_survey(directory)
    path = survey / "camden return v2.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["SYSTEMS"]
    sheet.cell(row=2, column=15, value="Function")
    for row, function in zip(HOSTILE_ROWS, HOSTILE_FUNCTIONS):
        sheet.append([*row, function])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    workbook.save(path)
    return survey
