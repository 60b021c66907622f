"""The synthetic scenario: data in data/raw/synthetic/, every name in it checked against the reference."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from citytools_analysis.core.reference import load_reference
from citytools_analysis.synth.generator import generate_survey
from citytools_analysis.synth.mess import Typist
from citytools_analysis.synth.scenario import SCENARIO_DIR, ScenarioError, load_scenario


@pytest.fixture(scope="module")
def reference():
    return load_reference()


def _rows(name: str) -> list[dict[str, str]]:
    with open(SCENARIO_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _split(cell: str) -> list[str]:
    return [part for part in cell.split("|") if part]


# --- the committed scenario ----------------------------------------------------------------


def test_committed_scenario_resolves_authorities_to_their_gss_codes(reference):
    scenario = load_scenario(reference)
    athena = scenario.arrangement("Athena shared Oracle ERP")
    # Barking and Dagenham, Brent, Lambeth, Lewisham, Havering, Croydon (authorities.csv)
    assert athena.members == (
        "E09000002",
        "E09000005",
        "E09000022",
        "E09000023",
        "E09000016",
        "E09000008",
    )
    assert (athena.product, athena.supplier, athena.known_as) == (
        "Oracle E-Business Suite",
        "Oracle",
        "Athena",
    )
    assert (athena.start, athena.end) == (dt.date(2015, 4, 1), dt.date(2020, 3, 31))
    itrent = scenario.arrangement("Sutton, Merton and Kingston HR and payroll")
    assert itrent.members == ("E09000029", "E09000024", "E09000021")  # Sutton, Merton, Kingston
    assert scenario.arrangement("no such arrangement") is None
    assert scenario.names_2019["NEC Software Solutions"] == "Northgate Public Services"
    assert scenario.cost_median_gbp["Registration & Bereavement"] == 18_000.0
    assert scenario.underperforming_areas == ("Housing",)
    assert scenario.borrowed_areas["Land Charges"] == (
        ("Planning & Building Control", "Regulatory Services"),
        0.6,
    )


def test_every_name_in_the_scenario_files_is_in_the_reference(reference):
    """Read the files as text, without the loader, and look every name up in the reference."""
    short_names = set(reference.authorities["short_name"])
    products = set(reference.products["product"])
    organisations = set(reference.organisations["organisation"])
    areas = set(reference.service_areas["service_area"])
    org_aliases = set(
        zip(reference.organisation_aliases["alias"], reference.organisation_aliases["organisation"])
    )
    product_aliases = set(
        zip(reference.product_aliases["alias"], reference.product_aliases["product"])
    )
    for row in _rows("shared_arrangements.csv"):
        assert set(_split(row["authorities"])) <= short_names, row["arrangement"]
        assert row["product"] in products and row["supplier"] in organisations
        assert row["service_area"] in areas
        assert not row["known_as"] or (row["known_as"], row["product"]) in product_aliases
    for row in _rows("names_2019.csv"):
        assert (row["name_2019"], row["organisation"]) in org_aliases
    assert {row["service_area"] for row in _rows("cost_medians.csv")} <= areas
    for row in _rows("register_contracts.csv"):
        assert set(_split(row["organisations"])) <= organisations, row["title"]
        assert not set(_split(row["invented_suppliers"])) & set(org_aliases), row["title"]
    patterns = json.loads((SCENARIO_DIR / "patterns.json").read_text(encoding="utf-8"))
    named = [
        a
        for key in (
            "gla_frontline_areas",
            "integration_hub_areas",
            "long_contract_areas",
            "underperforming_areas",
        )
        for a in patterns[key]
    ]
    named += [
        a
        for entry in patterns["borrowed_areas"]
        for a in [entry["service_area"], *entry["lenders"]]
    ]
    assert set(named) <= areas
    assert {e["hosting"] for e in patterns["hosting_weights"]} == set(
        reference.hosting_names.canonical
    )


# --- a scenario that names what the reference lacks fails loudly ---------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "shared_arrangements.csv",
            "Sutton|Merton|Kingston upon Thames",
            "Sutton|Merton|Kingston",
            "authority 'Kingston' is not a short_name",
        ),
        ("shared_arrangements.csv", ",Unit4 ERP,", ",Unit 4 ERP,", "product 'Unit 4 ERP'"),
        ("shared_arrangements.csv", ",SirsiDynix,", ",Sirsi Dynix,", "organisation 'Sirsi Dynix'"),
        ("shared_arrangements.csv", ",Athena,", ",Athene,", "'Athene' is not a reference alias"),
        (
            "shared_arrangements.csv",
            ",Libraries,",
            ",Library Services,",
            "service area 'Library Services'",
        ),
        ("names_2019.csv", "Zellis,", "Zelis,", "organisation 'Zelis'"),
        ("names_2019.csv", ",Servelec", ",Servelek", "'Servelek' is not a reference alias"),
        ("cost_medians.csv", "Parking,", "Car Parks,", "service area 'Car Parks'"),
        ("patterns.json", '["Housing"]', '["Housing Services"]', "service area 'Housing Services'"),
        ("patterns.json", '"Hybrid"', '"Mixed"', "hosting_weights must weigh"),
        (
            "patterns.json",
            '"Corporate": 100000',
            '"Back office": 100000',
            "one median per system type",
        ),
        ("register_contracts.csv", "Softcat|", "Softcat Ltd|", "organisation 'Softcat Ltd'"),
        ("register_contracts.csv", "Larkspurr Devices Ltd", "Civica", "invented supplier 'Civica'"),
        (
            "word_lists.csv",
            "external_system,GOV.UK Notify",
            "external_system,iTrent",
            "external system 'iTrent' is a reference product",
        ),
        (
            "word_lists.csv",
            "unknown_service_area,Misc",
            "unknown_service_area,Revs & Bens",
            "'Revs & Bens' is a service area",
        ),
        ("word_lists.csv", "system_cpv,48000000-8", "system_cpv,79400000-8", "not in an IT family"),
    ],
)
def test_a_name_the_reference_lacks_fails_loudly(reference, tmp_path, file, old, new, message):
    folder = tmp_path / "synthetic"
    shutil.copytree(SCENARIO_DIR, folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert text.count(old) == 1, "the edit must hit exactly one place"
    (folder / file).write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ScenarioError, match=message) as raised:
        load_scenario(reference, folder)
    assert str(raised.value).startswith(f"{file}: ")


def test_a_missing_scenario_file_fails_loudly(reference, tmp_path):
    folder = tmp_path / "synthetic"
    shutil.copytree(SCENARIO_DIR, folder)
    (folder / "names_2019.csv").unlink()
    with pytest.raises(ScenarioError, match="names_2019.csv: scenario file missing"):
        load_scenario(reference, folder)


def test_generator_stops_before_writing_when_the_scenario_is_wrong(tmp_path):
    folder = tmp_path / "synthetic"
    shutil.copytree(SCENARIO_DIR, folder)
    path = folder / "shared_arrangements.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("|Brent|", "|Brentford|"), encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match="'Brentford'"):
        generate_survey(
            seed=1,
            out_dir=tmp_path / "survey",
            truth_dir=tmp_path / "truth",
            scenario_dir=folder,
            n_authorities=2,
            systems_per_authority=5,
        )
    assert not (tmp_path / "survey").exists() and not (tmp_path / "truth").exists()


# --- the generator takes its words from the scenario --------------------------------------


def test_typist_draws_people_from_the_word_lists_it_is_given(reference):
    words = {"first_name": ("Ada",), "surname": ("Quillfeather-Nye",), "role": ("Clerk",)}
    person = Typist(np.random.default_rng(0), reference, words).person("sutton.example")
    assert (person.name, person.role) == ("Ada Quillfeather-Nye", "Clerk")
    assert person.email == "ada.quillfeathernye@sutton.example"


def test_generated_respondents_come_from_the_scenario_folder(tmp_path):
    folder = tmp_path / "synthetic"
    shutil.copytree(SCENARIO_DIR, folder)
    rows = [row for row in _rows("word_lists.csv") if row["list"] not in ("first_name", "surname")]
    rows += [{"list": "first_name", "value": "Ada"}, {"list": "surname", "value": "Quillfeather"}]
    pd.DataFrame(rows, columns=["list", "value"]).to_csv(folder / "word_lists.csv", index=False)
    generate_survey(
        seed=5,
        out_dir=tmp_path / "survey",
        truth_dir=tmp_path / "truth",
        scenario_dir=folder,
        n_authorities=3,
        systems_per_authority=6,
        contracts_dir=tmp_path / "contracts",
    )
    returns = pd.read_csv(tmp_path / "truth" / "returns.csv", dtype=str)
    assert len(returns) == 3
    assert set(returns.completed_by) == {"Ada Quillfeather"}
    assert returns.email.str.startswith("ada.quillfeather@").all()
