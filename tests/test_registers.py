"""Contract registers: hand-made registers read, classed, matched and merged as worked out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from fixture_returns import write_fixture_survey

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest.cleaning import clean_survey
from citytools_analysis.ingest.register_classifier import classify_it
from citytools_analysis.ingest.register_matching import annual_cost, match_to_systems
from citytools_analysis.ingest.register_reader import read_registers
from citytools_analysis.ingest.register_rules import RegisterRules

CAMDEN, BARNET = "E09000007", "E09000003"

# Camden's register: a title line, its own headers, day-first dates, pounds with commas,
# saved by Excel as Windows-1252 (the £ is one byte). Spreadsheet rows 3-9.
CAMDEN_REGISTER = (
    "Camden contracts register (over £5,000)\r\n"
    "Contract Ref,Contract Title,Supplier Name,Company Reg No,Commencement Date,Expiry Date,"
    "Total Contract Value (£),CPV\r\n"
    "C1,iWorld revenues and benefits system support,Northgate Public Services (UK) Ltd,3407020,"
    '01/04/2015,31/03/2021,"£600,000.00",72267000-4\r\n'  # row 3: IT by CPV, matches iWorld
    'C2,Civica Pay income management,CIVICA UK LIMITED,,01/06/2017,31/05/2020,"£150,000.00",\r\n'
    "C3,Refuse and recycling collection,Brackenfold Waste Services Ltd,,01/04/2016,31/03/2024,"
    '"£12,000,000.00",90511000-2\r\n'  # row 5: not IT (CPV)
    "C4,Fire alarm system maintenance,Sallowfield Fire Ltd,,01/04/2018,31/03/2021,£45000,\r\n"
    "C3,Refuse and recycling collection,Brackenfold Waste Services Ltd,,01/04/2016,31/03/2024,"
    '"£12,000,000.00",90511000-2\r\n'  # row 7: a duplicate of row 5
    "C5,Planning system hosting,,,01/04/2019,31/03/2022,£30000,\r\n"  # row 8: no supplier
    "C6,IT suite furniture,Fenwright Furniture Ltd,,01/05/2019,31/07/2019,£12000,39100000\r\n"
)
# Barnet did not respond. UTF-8 with a byte-order mark, ISO dates, plain numbers. Rows 2-4.
BARNET_REGISTER = (
    "\ufeffTitle,Supplier,Start Date,End Date,Value\n"
    "Uniform planning system support,Idox Software Ltd,2016-04-01,2021-03-31,500000\n"
    "Staff Uniforms,Fenwright Workwear Ltd,2018-01-01,2019-12-31,20000\n"
    "Laptop refresh,Metro Devices Ltd,2019-01-01,2019-12-31,90000\n"
)


def write_registers(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cmd.csv").write_bytes(CAMDEN_REGISTER.encode("cp1252"))
    (folder / "brn.csv").write_bytes(BARNET_REGISTER.encode("utf-8"))
    (folder / "sources.csv").write_text(
        "file,authority\ncmd.csv,LB Camden\nbrn.csv,Barnet\n", encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def rules() -> RegisterRules:
    return RegisterRules.from_reference(load_reference())


# --- reading ------------------------------------------------------------------------------


def test_read_registers_rows_rejections_and_values(tmp_path, rules):
    rows, corrections, rejections = read_registers(
        write_registers(tmp_path / "contracts"), load_reference(), rules=rules
    )
    by_key = {(r["source_file"], r["source_row"]): r for r in rows}
    assert sorted(by_key) == [
        ("brn.csv", 2),
        ("brn.csv", 3),
        ("brn.csv", 4),
        ("cmd.csv", 3),
        ("cmd.csv", 4),
        ("cmd.csv", 5),
        ("cmd.csv", 6),
        ("cmd.csv", 9),
    ]
    assert {(r["source_file"], r["source_row"], r["reason"]) for r in rejections} == {
        ("cmd.csv", 7, "duplicate"),
        ("cmd.csv", 8, "missing_required"),
    }
    iworld = by_key[("cmd.csv", 3)]
    assert iworld["gss_code"] == CAMDEN
    assert iworld["supplier"] == "NEC Software Solutions"  # the 2019 legal name, mapped
    assert iworld["company_number"] == "03407020"  # leading zero restored
    assert iworld["contract_start"] == dt.date(2015, 4, 1)
    assert iworld["contract_end"] == dt.date(2021, 3, 31)
    assert iworld["value_gbp"] == 600_000.0
    assert iworld["cpv"] == "72267000"
    assert by_key[("cmd.csv", 4)]["supplier"] == "Civica"
    assert by_key[("brn.csv", 2)]["gss_code"] == BARNET
    assert by_key[("brn.csv", 2)]["value_gbp"] == 500_000.0
    logged = {(c["source_file"], c["source_row"], c["column"]): c["rule"] for c in corrections}
    assert logged[("cmd.csv", 3, "company_number")] == "company_number_zero_padded"
    assert logged[("cmd.csv", 3, "supplier")] == "organisation_alias"
    # a council's own date and money formats are read, not logged
    assert ("cmd.csv", 3, "contract_start") not in logged
    assert ("cmd.csv", 3, "value_gbp") not in logged


def test_a_register_missing_from_the_manifest_is_an_error(tmp_path):
    folder = write_registers(tmp_path / "contracts")
    (folder / "hck.csv").write_text("Title,Supplier\nx,y\n", encoding="utf-8")
    with pytest.raises(SurveyInputError, match="not listed in sources.csv"):
        read_registers(folder, load_reference())


# --- classifying ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "supplier", "cpv", "expected"),
    [
        ("Revenues system support", "Capita", "48000000", (True, "cpv:48")),
        ("Refuse collection", "Brackenfold Waste Services Ltd", "90511000", (False, "cpv_not_it")),
        # an IT contract coded under the service's own CPV: the keyword wins
        (
            "Waste round optimisation software",
            "Bartec Municipal Technologies",
            "90511000",
            (True, "keyword:software"),
        ),
        (
            "Fire alarm system maintenance",
            "Sallowfield Fire Ltd",
            "",
            (False, "exclude:fire alarm"),
        ),
        ("Building management system upgrade", "Capita", "72000000", (True, "cpv:72")),
        (
            "Building management system upgrade",
            "Capita",
            "",
            (False, "exclude:building management system"),
        ),
        ("Academy annual support", "Capita", "", (True, "product:Academy")),
        ("Academy conversion - legal advice", "Rookwhistle Legal LLP", "", (False, "no_it_signal")),
        ("Staff Uniforms", "Fenwright Workwear Ltd", "", (False, "no_it_signal")),
        (
            "Parking system replacement",
            "Imperial Civil Enforcement Solutions",
            "",
            (True, "supplier_and_system"),
        ),
        ("Is it working? Advice", "Rookwhistle Legal LLP", "", (False, "no_it_signal")),
        # a known false positive, kept to show the keyword rule's limit
        ("IT suite furniture", "Fenwright Furniture Ltd", "39100000", (True, "keyword:IT")),
    ],
)
def test_classify_it(rules, title, supplier, cpv, expected):
    row = {"title": title, "description": "", "supplier": supplier, "cpv": cpv}
    assert classify_it(row, rules) == expected


# --- matching --------------------------------------------------------------------------------


def _system(record_id, product, function, start, end, supplier="Civica"):
    return {
        "record_id": record_id,
        "gss_code": CAMDEN,
        "supplier": supplier,
        "manufacturer": supplier,
        "product": product,
        "function": function,
        "service_area": "Libraries",
        "contract_start": start,
        "contract_end": end,
    }


def _row(number, title, start, end, supplier="Civica"):
    return {
        "source_file": "cmd.csv",
        "source_row": number,
        "gss_code": CAMDEN,
        "is_it": True,
        "title": title,
        "description": "",
        "supplier": supplier,
        "contract_start": start,
        "contract_end": end,
    }


def test_one_row_overlapping_two_systems_goes_to_the_one_it_names(rules):
    spydus = _system(
        "S1", "Spydus", "Library management", dt.date(2016, 4, 1), dt.date(2021, 3, 31)
    )
    pay = _system("S2", "Civica Pay", "Payments", dt.date(2017, 6, 1), None)  # rolling: open end
    rows = [
        _row(3, "Spydus library management", dt.date(2016, 4, 1), dt.date(2021, 3, 31)),
        _row(4, "Civica annual support", dt.date(2017, 6, 1), dt.date(2020, 5, 31)),
    ]
    # Row 3 overlaps both, but names Spydus; row 4 names no product and overlaps both, and
    # takes the one left.
    assert match_to_systems(rows, [spydus, pay], rules) == {
        ("cmd.csv", 3): "S1",
        ("cmd.csv", 4): "S2",
    }


def test_no_system_is_matched_twice_and_dates_must_overlap(rules):
    spydus = _system("S1", "Spydus", "", dt.date(2016, 4, 1), dt.date(2021, 3, 31))
    rows = [
        _row(3, "Spydus licences", dt.date(2016, 4, 1), dt.date(2021, 3, 31)),
        _row(4, "Spydus licences", dt.date(2016, 6, 1), dt.date(2021, 3, 31)),
        _row(5, "Spydus licences", dt.date(2022, 4, 1), dt.date(2025, 3, 31)),
    ]
    # Row 3 has the closer dates; row 4 finds the system taken; row 5 starts after it ends.
    assert match_to_systems(rows, [spydus], rules) == {("cmd.csv", 3): "S1"}


def test_another_supplier_or_authority_is_no_match(rules):
    spydus = _system("S1", "Spydus", "", dt.date(2016, 4, 1), dt.date(2021, 3, 31))
    other_supplier = _row(
        3, "Spydus licences", dt.date(2016, 4, 1), dt.date(2021, 3, 31), supplier="Softcat"
    )
    other_authority = dict(
        _row(4, "Spydus licences", dt.date(2016, 4, 1), dt.date(2021, 3, 31)), gss_code=BARNET
    )
    assert match_to_systems([other_supplier, other_authority], [spydus], rules) == {}


def test_annual_cost_is_value_over_the_years():
    assert annual_cost(150_000.0, dt.date(2017, 6, 1), dt.date(2020, 5, 31)) == 50_000.0
    # not from a 1st to a month's end: 1,461 days from 15 January 2019 are 4 years of 365.25
    assert annual_cost(200_000.0, dt.date(2019, 1, 15), dt.date(2023, 1, 14)) == 50_000.0
    assert annual_cost(None, dt.date(2017, 6, 1), dt.date(2020, 5, 31)) is None


# --- merged into the release ---------------------------------------------------------------


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("registers")
    survey = write_fixture_survey(root / "survey")
    write_registers(root / "contracts")  # beside the survey: found without being named
    clean_survey(survey, root / "processed")
    return root / "processed"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_every_register_row_is_accounted_for(merged):
    contracts = _csv(merged / "contracts.csv")
    rejected = _csv(merged / "rejected.csv")
    register_rejected = rejected[rejected.sheet == "Contract register"]
    assert len(contracts) == 8 and len(register_rejected) == 2  # 10 data rows read
    outcome = dict(zip(contracts.source_file + ":" + contracts.source_row, contracts.outcome))
    assert outcome == {
        "brn.csv:2": "added",
        "brn.csv:3": "not_it",
        "brn.csv:4": "unplaced",
        "cmd.csv:3": "matched",
        "cmd.csv:4": "matched",
        "cmd.csv:5": "not_it",
        "cmd.csv:6": "not_it",
        "cmd.csv:9": "ended_before_snapshot",  # May-July 2019
    }


def test_systems_carry_their_source_and_what_the_register_adds(merged):
    systems = _csv(merged / "systems.csv").set_index("record_id")
    assert systems.source.to_dict() == {
        "E09000003-R00002": "register",
        "E09000007-00003": "both",
        "E09000007-00005": "survey",
        "E09000007-00009": "both",
        "E61000001-00002": "survey",
    }
    # iWorld: the survey gave its cost, so only the register's total value is added
    assert systems.loc["E09000007-00003", ["annual_cost_gbp", "contract_value_gbp"]].tolist() == [
        "120000",
        "600000",
    ]
    # Civica Pay: "ask finance" in the survey; £150,000 over three years in the register
    assert systems.loc[
        "E09000007-00009", ["annual_cost_gbp", "contract_value_gbp", "contract_end_status"]
    ].tolist() == ["50000", "150000", "rolling"]
    barnet = systems.loc["E09000003-R00002"]
    assert (barnet["product"], barnet["service_area"], barnet["supplier"]) == (
        "Uniform",
        "Planning & Building Control",
        "Idox",
    )
    assert (barnet["annual_cost_gbp"], barnet["source_file"], barnet["source_row"]) == (
        "100000",
        "brn.csv",
        "2",
    )


def test_a_fill_is_logged_once_with_the_survey_rule_kept(merged):
    corrections = _csv(merged / "corrections.csv")
    cost = corrections[(corrections.source_row == "9") & (corrections.column == "annual_cost_gbp")]
    assert cost[["raw_value", "clean_value", "rule"]].values.tolist() == [
        ["ask finance", "50000", "unreadable_cost+from_register"]
    ]


def test_decision_counts_by_outcome_then_rows():
    from citytools_analysis.ingest.registers import decision_counts

    contracts = pd.DataFrame(
        {
            "outcome": ["not_it", "matched", "not_it", "matched", "added", "not_it"],
            "it_rule": [
                "no_it_signal",
                "cpv:48",
                "cpv_not_it",
                "keyword:software",
                "cpv:72",
                "no_it_signal",
            ],
        }
    )
    assert decision_counts(contracts).to_dict("records") == [
        {"outcome": "matched", "rule": "cpv", "rows": 1},
        {"outcome": "matched", "rule": "keyword", "rows": 1},
        {"outcome": "added", "rule": "cpv", "rows": 1},
        {"outcome": "not_it", "rule": "no_it_signal", "rows": 2},
        {"outcome": "not_it", "rule": "cpv_not_it", "rows": 1},
    ]


# --- a contract is not a system: ended contracts, renewals, extensions, second listings ------

# Barnet did not respond; snapshot 30 September 2019. Rows 2-10 as a spreadsheet shows them.
BARNET_HISTORY = (
    "Reference,Title,Supplier,Start Date,End Date,Value\n"
    "B1,Uniform planning system support,Idox Software Ltd,2011-04-01,2016-03-31,400000\n"  # 2
    "B2,Uniform planning system support,Idox Software Ltd,2016-04-01,2021-03-31,500000\n"  # 3
    "B3,iTrent payroll licences,MHR International,2014-04-01,2019-03-31,250000\n"  # 4
    "B4,Extension - iTrent payroll licences,MHR International,2019-04-01,2020-03-31,60000\n"
    "B5,Spydus library management,Civica UK Ltd,2012-04-01,2018-03-31,300000\n"  # 6: ended
    "B6,QL housing management system,Aareon UK Ltd,2017-04-01,2022-03-31,750000\n"  # 7
    "B7,QL housing management system,Aareon UK Ltd,2017-04-01,2022-03-31,750000\n"  # 8
    "B8,Mosaic adult social care,Servelec Social Care Ltd,2014-04-01,2019-03-31,900000\n"  # 9
    "B9,Mosaic adult social care,Servelec Social Care Ltd,2020-04-01,2025-03-31,1000000\n"  # 10
)
# Camden responded: row 3 is iWorld's contract (the survey's row 3), row 4 its extension,
# row 5 iWorld's previous contract, row 6 a contract for a product Camden no longer runs.
CAMDEN_HISTORY = (
    "Contract Title,Supplier Name,Commencement Date,Expiry Date,Total Contract Value\n"
    "iWorld revenues and benefits system support,Northgate Public Services (UK) Ltd,"
    "01/04/2015,31/03/2021,600000\n"
    "iWorld revenues and benefits system support - extension,NEC Software Solutions UK Ltd,"
    "01/04/2021,31/03/2022,110000\n"
    "iWorld revenues and benefits system support,Northgate Public Services (UK) Ltd,"
    "01/04/2010,31/03/2015,550000\n"
    "Academy revenues and benefits system support,Capita Business Services Ltd,"
    "01/04/2008,31/03/2013,400000\n"
)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("history")
    survey = write_fixture_survey(root / "survey")
    contracts = root / "contracts"
    contracts.mkdir()
    (contracts / "brn.csv").write_text(BARNET_HISTORY, encoding="utf-8")
    (contracts / "cmd.csv").write_text(CAMDEN_HISTORY, encoding="utf-8")
    (contracts / "sources.csv").write_text(
        "file,authority\nbrn.csv,Barnet\ncmd.csv,Camden\n", encoding="utf-8"
    )
    clean_survey(survey, root / "processed")
    return root / "processed"


def test_each_register_row_gets_its_place_in_a_contract_history(history):
    contracts = _csv(history / "contracts.csv")
    placed = {
        f"{f}:{r}": (o, i)
        for f, r, o, i in zip(
            contracts.source_file, contracts.source_row, contracts.outcome, contracts.record_id
        )
    }
    assert placed == {
        # Uniform: the renewal in force is the system, the first let its history
        "brn.csv:2": ("same_system", "E09000003-R00003"),
        "brn.csv:3": ("added", "E09000003-R00003"),
        # iTrent: the contract as let ended in March 2019; the extension continues it
        "brn.csv:4": ("same_system", "E09000003-R00005"),
        "brn.csv:5": ("added", "E09000003-R00005"),
        # Spydus ended in 2018 and nothing continues it: history, not a system
        "brn.csv:6": ("ended_before_snapshot", ""),
        # QL listed twice under two references: one system
        "brn.csv:7": ("added", "E09000003-R00007"),
        "brn.csv:8": ("same_system", "E09000003-R00007"),
        # Mosaic: no contract in force on the snapshot date, so the latest one
        "brn.csv:9": ("same_system", "E09000003-R00010"),
        "brn.csv:10": ("added", "E09000003-R00010"),
        # Camden's iWorld: matched, its extension and its earlier let are the same system
        "cmd.csv:2": ("matched", "E09000007-00003"),
        "cmd.csv:3": ("same_system", "E09000007-00003"),
        "cmd.csv:4": ("same_system", "E09000007-00003"),
        # Academy, which Camden's return does not list, ended in 2013
        "cmd.csv:5": ("ended_before_snapshot", ""),
    }


def test_a_system_from_a_register_takes_the_dates_and_cost_of_its_contract_in_force(history):
    systems = _csv(history / "systems.csv").set_index("record_id")
    barnet = systems[systems.source == "register"]
    assert sorted(barnet["product"]) == ["Mosaic", "QL", "Uniform", "iTrent"]
    columns = ["contract_start", "contract_end", "annual_cost_gbp", "contract_value_gbp"]
    assert barnet.loc["E09000003-R00005", columns].tolist() == [
        "2019-04-01",
        "2020-03-31",
        "60000",
        "60000",
    ]  # the extension's year
    assert barnet.loc["E09000003-R00003", columns].tolist() == [
        "2016-04-01",
        "2021-03-31",
        "100000",
        "500000",
    ]
    assert barnet.loc["E09000003-R00010", columns].tolist() == [
        "2020-04-01",
        "2025-03-31",
        "200000",
        "1000000",
    ]
    # no register-only system rests on a contract that ended before the snapshot date
    assert (barnet["contract_end"] >= "2019-09-30").all()
    # iWorld keeps the values of the contract it was matched to, not its extension's
    assert systems.loc["E09000007-00003", "contract_value_gbp"] == "600000"


def test_current_contract_prefers_the_one_in_force_then_the_latest():
    from citytools_analysis.ingest.register_matching import current_contract

    def row(number, start, end):
        return {
            "source_file": "r.csv",
            "source_row": number,
            "contract_start": start,
            "contract_end": end,
        }

    snapshot = dt.date(2019, 9, 30)
    old, rolling, later = (
        row(2, dt.date(2012, 4, 1), dt.date(2017, 3, 31)),
        row(3, dt.date(2017, 4, 1), None),
        row(4, dt.date(2020, 4, 1), dt.date(2025, 3, 31)),
    )
    assert current_contract([old, rolling, later], snapshot) is rolling  # open end: in force
    assert current_contract([old, later], snapshot) is later
    assert current_contract([old, dict(old, source_row=5)], snapshot)["source_row"] == 2
    assert current_contract([old, later], None) is later


def test_the_synthetic_registers_carry_contract_histories_in_realistic_shares():
    """The committed registers hold what real ones do: systems listed with their earlier
    contracts, extensions, second listings, ended contracts of replaced products and exact
    repeats, so that the register measures cover them."""
    from citytools_analysis.core.paths import RELEASES_DIR, TRUTH_ROUNDS_DIR

    # The generator's own round (2019); the later round's registers are evolved from it.
    PROCESSED_DIR, TRUTH_DIR = RELEASES_DIR / "2019", TRUTH_ROUNDS_DIR / "2019"
    truth = _csv(TRUTH_DIR / "register_rows.csv")
    kept = truth[truth.outcome == "kept"]
    systems = kept[kept.kind == "system"]
    current = (systems.contract_role == "current").sum()
    roles = systems.contract_role.value_counts()
    # about one earlier contract for every two systems listed, a few second listings and
    # lapsed contracts, and one replaced product for every ten systems
    assert 0.35 <= roles["earlier"] / current <= 0.75
    assert 0.01 <= roles["relisted"] / current <= 0.06
    assert 0.03 <= roles["lapsed"] / current <= 0.15
    assert 0.05 <= (kept.kind == "replaced").sum() / current <= 0.15
    assert (truth.reason == "duplicate").sum() >= 10
    # lapsed contracts and those of replaced products ended before the snapshot date
    assert (systems[systems.contract_role == "lapsed"].contract_end < "2019-09-30").all()
    assert (kept[kept.kind == "replaced"].contract_end < "2019-09-30").all()
    # and the cleaning reads them so: no replaced product is a system, no row of a system
    # in force is taken as ended
    contracts = _csv(PROCESSED_DIR / "contracts.csv").merge(
        kept, on=["source_file", "source_row"], suffixes=("", "_true")
    )
    replaced = contracts[contracts.kind == "replaced"]
    assert set(replaced.outcome) == {"ended_before_snapshot"}
    in_force = contracts[(contracts.kind == "system") & (contracts.contract_role == "current")]
    assert "ended_before_snapshot" not in set(in_force.outcome)
