"""Systems matched across two rounds and classified, on hand-made releases with hand-worked answers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.metrics.changes import (
    CHANGE_COLUMNS,
    change_classes,
    change_counts,
    changes_between,
    new_entrant_wins,
    opportunity_outcome,
    opportunity_outcomes,
    relet_contracts,
    satisfaction_change,
    supplier_flows,
    supplier_gains,
    switching_by_area,
)

A, B, C, D, E = "E09000002", "E09000003", "E09000004", "E09000005", "E09000006"
SYSTEM_COLUMNS = [
    "record_id",
    "gss_code",
    "service_area",
    "function",
    "product",
    "manufacturer",
    "supplier",
    "contract_start",
    "contract_end",
    "contract_end_status",
    "satisfaction",
    "replacement_planned",
    "source",
]


def _system(
    record_id,
    gss,
    area,
    function,
    product,
    maker,
    supplier,
    start,
    end,
    status="date",
    satisfaction="",
    replacement="",
    source="survey",
):
    return dict(
        zip(
            SYSTEM_COLUMNS,
            (
                record_id,
                gss,
                area,
                function,
                product,
                maker,
                supplier,
                start,
                end,
                status,
                satisfaction,
                replacement,
                source,
            ),
        )
    )


def _release(folder: Path, round_name: str, responded: set[str], systems: list[dict]) -> Path:
    folder.mkdir(parents=True)
    (folder / "datapackage.json").write_text(json.dumps({"round": round_name}), encoding="utf-8")
    authorities = pd.DataFrame({"gss_code": [A, B, C, D, E]})
    authorities["responded"] = [
        "true" if code in responded else "false" for code in authorities["gss_code"]
    ]
    authorities.to_csv(folder / "authorities.csv", index=False)
    pd.DataFrame(systems, columns=SYSTEM_COLUMNS).to_csv(folder / "systems.csv", index=False)
    return folder


BEFORE = [
    # A answered both rounds
    _system(
        "A-01",
        A,
        "Revenues & Benefits",
        "Council Tax",
        "Academy",
        "Capita",
        "Capita",
        "2017-04-01",
        "2022-03-31",
        satisfaction=4,
    ),
    _system(
        "A-02",
        A,
        "Revenues & Benefits",
        "Business Rates",
        "Academy",
        "Capita",
        "Capita",
        "2014-04-01",
        "2019-03-31",
        "rolling",
    ),
    _system(
        "A-03",
        A,
        "Housing",
        "Repairs",
        "NEC Housing",
        "NEC",
        "NEC",
        "2015-04-01",
        "2020-03-31",
        satisfaction=3,
        replacement="Yes",
    ),
    _system(
        "A-04",
        A,
        "Finance",
        "General Ledger",
        "Oracle E-Business Suite",
        "Oracle",
        "Mastek",
        "2016-04-01",
        "2021-03-31",
    ),
    _system(
        "A-05",
        A,
        "HR & Payroll",
        "Payroll",
        "ResourceLink",
        "Zellis",
        "Zellis",
        "2016-04-01",
        "2020-03-31",
        satisfaction=2,
        replacement="Yes",
    ),
    _system(
        "A-06",
        A,
        "Libraries",
        "Library Management",
        "Spydus",
        "Civica",
        "Civica",
        "2012-04-01",
        "2020-03-31",
    ),
    _system(
        "A-07",
        A,
        "Planning & Building Control",
        "Development Management",
        "Uniform",
        "Idox",
        "Idox",
        "2018-04-01",
        "2023-03-31",
    ),
    _system(
        "A-08",
        A,
        "Customer Contact",
        "CRM",
        "Lagan",
        "Verint",
        "Verint",
        "2013-04-01",
        "2019-03-31",
    ),
    _system(
        "A-09",
        A,
        "Waste & Street Services",
        "Collections",
        "Bartec Collective",
        "Bartec",
        "Bartec",
        "2018-04-01",
        "2023-03-31",
    ),
    _system(
        "A-10", A, "GIS & Address", "Mapping", "ArcGIS", "Esri", "Esri", "2018-04-01", "2021-03-31"
    ),
    _system(
        "A-11",
        A,
        "GIS & Address",
        "Gazetteer",
        "Aligned Assets Symphony",
        "Aligned Assets",
        "Aligned Assets",
        "2018-04-01",
        "2021-03-31",
    ),
    _system(
        "A-R1",
        A,
        "Parking",
        "",
        "Imperial",
        "Imperial",
        "Imperial",
        "2015-04-01",
        "2025-03-31",
        source="register",
    ),
    # B answered both, without a Function column: two modules of one product
    _system(
        "B-01", B, "Revenues & Benefits", "", "iWorld", "NEC", "NEC", "2016-04-01", "2021-03-31"
    ),
    _system(
        "B-02", B, "Revenues & Benefits", "", "iWorld", "NEC", "NEC", "2016-04-01", "2024-03-31"
    ),
    _system(
        "B-03",
        B,
        "Electoral Services",
        "Registration",
        "Xpress",
        "Xpress",
        "Xpress",
        "2016-04-01",
        "2020-03-31",
        satisfaction=3,
    ),
    _system(
        "B-04",
        B,
        "Electoral Services",
        "Elections",
        "Xpress",
        "Xpress",
        "Xpress",
        "2016-04-01",
        "2020-03-31",
    ),
    # C answered 2019 only
    _system(
        "C-01", C, "Housing", "Allocations", "Cx", "Civica", "Civica", "2016-04-01", "2020-03-31"
    ),
    # E answered neither: its register is not compared
    _system(
        "E-R1",
        E,
        "Finance",
        "",
        "SAP ECC",
        "SAP",
        "SAP",
        "2015-04-01",
        "2025-03-31",
        source="register",
    ),
]
AFTER = [
    _system(
        "A-01",
        A,
        "Revenues & Benefits",
        "Council Tax",
        "Academy",
        "Capita",
        "Capita",
        "",
        "2022-03-31",
        satisfaction=4,
    ),
    _system(
        "A-02",
        A,
        "Revenues & Benefits",
        "Business Rates",
        "Academy",
        "Capita",
        "Capita",
        "2020-04-01",
        "2025-03-31",
    ),
    _system(
        "A-03",
        A,
        "Housing",
        "Repairs",
        "NEC Housing",
        "NEC",
        "NEC",
        "2020-04-01",
        "2025-03-31",
        satisfaction=2,
    ),
    _system(
        "A-04",
        A,
        "Finance",
        "General Ledger",
        "Oracle E-Business Suite",
        "Oracle",
        "Evosys",
        "2021-04-01",
        "2024-03-31",
    ),
    _system(
        "A-05", A, "HR & Payroll", "Payroll", "iTrent", "MHR", "MHR", "2020-04-01", "2024-03-31"
    ),
    _system(
        "A-06",
        A,
        "Parking",
        "Permits",
        "Chipside",
        "Chipside",
        "Chipside",
        "2021-04-01",
        "2026-03-31",
    ),
    _system(
        "A-07",
        A,
        "Planning & Building Control",
        "Planning Applications",
        "Uniform",
        "Idox",
        "Idox",
        "2018-04-01",
        "2023-03-31",
    ),
    _system(
        "A-08",
        A,
        "Customer Contact",
        "",
        "Dynamics 365",
        "Microsoft",
        "Microsoft",
        "2019-04-01",
        "2024-03-31",
    ),
    _system(
        "A-09",
        A,
        "Waste & Street Services",
        "Collections",
        "Bartec Collective",
        "Bartec",
        "Bartec",
        "2018-04-01",
        "",
        "unknown",
    ),
    _system(
        "A-10",
        A,
        "GIS & Address",
        "Web mapping",
        "Cadcorp SIS",
        "Cadcorp",
        "Cadcorp",
        "2021-04-01",
        "2024-03-31",
    ),
    _system(
        "A-11",
        A,
        "GIS & Address",
        "Address register",
        "Uniform Gazetteer",
        "Idox",
        "Idox",
        "2021-04-01",
        "2024-03-31",
    ),
    _system(
        "B-01", B, "Revenues & Benefits", "", "iWorld", "NEC", "NEC", "2016-04-01", "2024-03-31"
    ),
    _system(
        "B-02", B, "Revenues & Benefits", "", "iWorld", "NEC", "NEC", "2021-04-01", "2026-03-31"
    ),
    _system(
        "B-03",
        B,
        "Electoral Services",
        "",
        "EROS",
        "Idox",
        "Idox",
        "2020-04-01",
        "2024-03-31",
        satisfaction=4,
    ),
    _system(
        "B-04", B, "Electoral Services", "", "EROS", "Idox", "Idox", "2020-04-01", "2024-03-31"
    ),
    # D answered 2021 only
    _system(
        "D-01",
        D,
        "Libraries",
        "Library Management",
        "Koha",
        "PTFS Europe",
        "PTFS Europe",
        "2021-04-01",
        "2031-03-31",
    ),
    _system(
        "E-R1",
        E,
        "Finance",
        "",
        "SAP ECC",
        "SAP",
        "SAP",
        "2015-04-01",
        "2025-03-31",
        source="register",
    ),
]

# Hand-worked: (record before, record after) -> change
EXPECTED = {
    ("A-01", "A-01"): "continued",  # same product, supplier and contract end (start not given)
    ("A-02", "A-02"): "renewed",  # rolling contract re-let: same product and supplier
    ("A-03", "A-03"): "renewed",  # new contract dates
    ("A-04", "A-04"): "switched_supplier",  # Oracle through another integrator
    ("A-05", "A-05"): "switched_product",  # same function, another product
    ("", "A-06"): "new",  # Parking appears
    ("A-06", ""): "retired",  # Libraries gone, at an authority that answered both rounds
    ("A-07", "A-07"): "continued",  # function renamed: matched by product
    ("A-08", "A-08"): "switched_product",  # one left on each side, the later without a function
    ("A-09", "A-09"): "continued",  # end date unknown in 2021: unknown is not a change
    ("A-10", ""): "retired",  # two systems in one area, both renamed and replaced:
    ("A-11", ""): "retired",  #   no shared function or product, so not paired
    ("", "A-10"): "new",
    ("", "A-11"): "new",
    ("B-01", "B-02"): "renewed",  # no functions: the module whose end date matches pairs first
    ("B-02", "B-01"): "continued",
    ("B-03", "B-03"): "switched_product",  # as many left on each side, the later without functions:
    ("B-04", "B-04"): "switched_product",  #   paired in record order
    ("C-01", ""): "not_observed",  # C did not answer 2021: never "retired"
    ("", "D-01"): "not_observed",  # D did not answer 2019: never "new"
}


@pytest.fixture()
def releases(tmp_path: Path) -> tuple[Path, Path]:
    return (
        _release(tmp_path / "2019", "2019", {A, B, C}, BEFORE),
        _release(tmp_path / "2021", "2021", {A, B, D}, AFTER),
    )


def test_every_class_and_ambiguous_case_is_classified_as_worked_by_hand(releases) -> None:
    changes = changes_between(*releases)
    assert list(changes.columns) == CHANGE_COLUMNS
    got = {
        (b, a): c
        for b, a, c in zip(
            changes["record_id_before"], changes["record_id_after"], changes["change"]
        )
    }
    assert got == EXPECTED
    assert set(changes["change"]) == set(change_classes()["change"])  # every class exercised
    assert "A-R1" not in set(changes["record_id_before"]) and "E-R1" not in set(
        changes["record_id_before"]
    )


def test_records_carry_both_sides(releases) -> None:
    changes = changes_between(*releases).set_index(["record_id_before", "record_id_after"])
    payroll = changes.loc[("A-05", "A-05")]
    assert (payroll["product_before"], payroll["product_after"]) == ("ResourceLink", "iTrent")
    assert (payroll["manufacturer_before"], payroll["manufacturer_after"]) == ("Zellis", "MHR")
    assert (payroll["supplier_before"], payroll["supplier_after"]) == ("Zellis", "MHR")
    assert (payroll["contract_end_before"], payroll["contract_end_after"]) == (
        "2020-03-31",
        "2024-03-31",
    )
    assert payroll["replacement_planned_before"] == "Yes" and payroll["satisfaction_before"] == "2"
    renamed = changes.loc[("A-07", "A-07")]
    assert renamed["function"] == "Planning Applications"  # the later round's name
    crm = changes.loc[("A-08", "A-08")]
    assert crm["function"] == "CRM"  # the later round has none: the earlier one's
    retired = changes.loc[("A-06", "")]
    assert retired["product_after"] == "" and retired["contract_end_before"] == "2020-03-31"


def test_order_is_deterministic_and_independent_of_row_order(releases, tmp_path: Path) -> None:
    first = changes_between(*releases)
    shuffled = _release(tmp_path / "shuffled", "2021", {A, B, D}, list(reversed(AFTER)))
    second = changes_between(releases[0], shuffled)
    pd.testing.assert_frame_equal(first, second)
    keys = list(zip(first["gss_code"], first["service_area"], first["function"]))
    assert keys == sorted(keys)


def test_change_counts_list_every_class(releases) -> None:
    counts = change_counts(changes_between(*releases))
    assert counts.to_dict() == {
        "continued": 4,
        "renewed": 3,
        "switched_supplier": 1,
        "switched_product": 4,
        "new": 3,
        "retired": 3,
        "not_observed": 2,
    }


def test_command_prints_csv_and_json(releases) -> None:
    runner = CliRunner()
    before, after = (str(p) for p in releases)
    result = runner.invoke(
        app, ["changes", "--from-dir", before, "--to-dir", after, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert len(records) == len(EXPECTED) and set(records[0]) == set(CHANGE_COLUMNS)
    result = runner.invoke(app, ["changes", "--from-dir", before, "--to-dir", after])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == ",".join(CHANGE_COLUMNS) and len(lines) == len(EXPECTED) + 1


def test_command_names_a_folder_that_is_not_a_release(releases, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["changes", "--from-dir", str(tmp_path / "nowhere"), "--to-dir", str(releases[1])]
    )
    assert result.exit_code == 2
    assert "not a release" in result.output and "nowhere" in result.output


# --- the chapter's figures, worked by hand on the same releases --------------------------


def test_switching_rates_by_service_area(releases) -> None:
    table = switching_by_area(changes_between(*releases))
    assert list(table["service_area"]) == [
        "Customer Contact",
        "Electoral Services",
        "Finance",
        "HR & Payroll",  # every pair switched
        "Housing",
        "Planning & Building Control",
        "Revenues & Benefits",
        "Waste & Street Services",
    ]
    revenues = table.set_index("service_area").loc["Revenues & Benefits"]
    assert (revenues["matched"], revenues["continued"], revenues["renewed"]) == (4, 2, 2)
    assert revenues["switch_rate"] == 0.0 and revenues["share_renewed"] == 0.5
    assert table.set_index("service_area").loc["Electoral Services", "switched_product"] == 2


def test_who_won_from_whom(releases) -> None:
    changes = changes_between(*releases)
    flows = supplier_flows(changes)
    assert list(flows.itertuples(index=False, name=None)) == [
        ("Xpress", "Idox", 2),
        ("Mastek", "Evosys", 1),
        ("Verint", "Microsoft", 1),
        ("Zellis", "MHR", 1),
    ]
    gains = supplier_gains(changes)
    assert list(zip(gains["supplier"], gains["net"])) == [
        ("Idox", 2),
        ("Evosys", 1),
        ("MHR", 1),
        ("Microsoft", 1),
        ("Mastek", -1),
        ("Verint", -1),
        ("Zellis", -1),
        ("Xpress", -2),
    ]


def test_renewals_against_reprocurements(releases) -> None:
    table = relet_contracts(changes_between(*releases))
    assert list(zip(table["change"], table["systems"])) == [
        ("renewed", 3),
        ("switched_supplier", 1),
        ("switched_product", 4),
    ]
    assert table["share"].tolist() == [0.375, 0.125, 0.5]


def test_new_entrants_are_manufacturers_nobody_ran_before(releases) -> None:
    before = pd.read_csv(releases[0] / "systems.csv", dtype=str, keep_default_na=False)
    wins = new_entrant_wins(changes_between(*releases), before)
    # MHR, Chipside, Microsoft and Cadcorp are new; Idox ran Uniform before; Koha's authority
    # did not answer the earlier round (not observed), so it is no win.
    assert sorted(wins["manufacturer_after"]) == ["Cadcorp", "Chipside", "MHR", "Microsoft"]


def test_satisfaction_change_for_kept_and_replaced_systems(releases) -> None:
    table = satisfaction_change(changes_between(*releases)).set_index("group")
    assert table.loc[
        "kept against a replacement plan", ["systems", "mean_before", "mean_after", "mean_change"]
    ].tolist() == [1, 3.0, 2.0, -1.0]
    assert table.loc["kept", ["systems", "mean_change"]].tolist() == [1, 0.0]  # A-01, 4 then 4
    assert table.loc["replaced", ["systems", "mean_change"]].tolist() == [1, 1.0]  # B-03, 3 then 4


def _members(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=["gss_code", "change", "product_after", "supplier_after", "contract_end_after"],
    )


@pytest.mark.parametrize(
    ("members", "outcome"),
    [
        (
            _members(
                (A, "switched_product", "iTrent", "MHR", "2025-03-31"),
                (B, "renewed", "iTrent", "MHR", "2025-03-31"),
                (C, "switched_product", "iTrent", "MHR", "2025-03-31"),
                (D, "continued", "SAP", "SAP", "2023-03-31"),
            ),
            "realised together",
        ),
        (
            _members(
                (A, "renewed", "iTrent", "MHR", "2025-03-31"),
                (B, "renewed", "iTrent", "MHR", "2025-03-31"),
                (C, "switched_product", "Oracle HCM", "Oracle", "2024-03-31"),
                (D, "continued", "SAP", "SAP", ""),
            ),
            "switched apart",
        ),  # two renewals ending the same day are not three authorities together
        (
            _members(
                (A, "continued", "iTrent", "MHR", "2022-03-31"),
                (B, "continued", "SAP", "SAP", "2022-06-30"),
                (C, "renewed", "iTrent", "MHR", "2025-03-31"),
            ),
            "still to come",
        ),
        (
            _members(
                (A, "switched_product", "iTrent", "MHR", "2025-03-31"),
                (B, "switched_product", "Oracle HCM", "Oracle", "2024-03-31"),
                (C, "continued", "SAP", "SAP", ""),
            ),
            "switched apart",
        ),
        (
            _members(
                (A, "renewed", "iTrent", "MHR", "2025-03-31"),
                (B, "switched_supplier", "SAP", "Agilisys", "2024-03-31"),
                (C, "renewed", "Oracle HCM", "Oracle", "2026-03-31"),
            ),
            "renewed separately",
        ),
        (
            _members((A, "not_observed", "", "", ""), (B, "not_observed", "", "", "")),
            "not observed",
        ),
        (
            _members(
                (A, "renewed", "iTrent", "MHR", "2025-03-31"),
                (B, "renewed", "iTrent", "MHR", "2025-03-31"),
                (C, "not_observed", "", "", ""),
            ),
            "realised together",
        ),  # both observed moved together
    ],
)
def test_what_became_of_an_opportunity(members: pd.DataFrame, outcome: str) -> None:
    assert opportunity_outcome(members) == outcome


def test_opportunity_outcomes_follow_their_records(releases) -> None:
    changes = changes_between(*releases)
    opportunities = pd.DataFrame(
        {
            "kind": ["service_area", "product"],
            "name": ["Revenues & Benefits", "Xpress"],
            "service_area": ["Revenues & Benefits", "Electoral Services"],
            "authorities": [2, 1],
            "first_end": ["2019-03-31", "2020-03-31"],
            "last_end": ["2021-03-31", "2020-03-31"],
            "record_ids": [("A-02", "B-01"), ("B-03", "B-04")],
        }
    )
    table = opportunity_outcomes(opportunities, changes)
    assert table["outcome"].tolist() == ["renewed separately", "switched apart"]
    assert table["observed"].tolist() == [2, 1]
    assert table["products_after"].tolist() == ["Academy|iWorld", "EROS"]
