"""The synthetic survey: reproducible from its seed, calibrated, and with a truth that fits."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from rapidfuzz.distance import DamerauLevenshtein
from scipy.stats import spearmanr

from citytools_analysis.core.paths import ROUNDS_RAW_DIR, TRUTH_ROUNDS_DIR
from citytools_analysis.core.reference import fold, load_reference
from citytools_analysis.synth.generator import generate_survey
from citytools_analysis.synth.mess import Typist

GLA = "E61000001"
# The generator's first round (2019), kept beside the current round as an earlier round.
SURVEY_DIR = ROUNDS_RAW_DIR / "2019" / "survey"
TRUTH_DIR = TRUTH_ROUNDS_DIR / "2019"


def _read_truth(directory: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(directory / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> tuple[Path, Path, str]:
    """The committed round regenerated from its committed seed."""
    seed = json.loads((SURVEY_DIR / "round.json").read_text(encoding="utf-8"))["seed"]
    root = tmp_path_factory.mktemp("synth")
    summary = generate_survey(seed=seed, out_dir=root / "survey", truth_dir=root / "truth")
    return root / "survey", root / "truth", summary


def _sheet_values(path: Path) -> dict[str, list[tuple]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}
    finally:
        workbook.close()


# --- reproducibility ---------------------------------------------------------------------


def test_committed_seed_regenerates_the_committed_survey(regenerated):
    survey, _truth, _ = regenerated
    committed = sorted(p.name for p in SURVEY_DIR.glob("*.xlsx"))
    assert committed, "the committed survey is missing"
    assert sorted(p.name for p in survey.glob("*.xlsx")) == committed
    for name in committed:
        assert _sheet_values(survey / name) == _sheet_values(SURVEY_DIR / name), name
    assert (survey / "round.json").read_text() == (SURVEY_DIR / "round.json").read_text()


def test_committed_seed_regenerates_the_committed_truth(regenerated):
    _survey, truth, _ = regenerated
    committed = sorted(p.name for p in TRUTH_DIR.iterdir() if p.is_file())
    assert sorted(p.name for p in truth.iterdir()) == committed
    for name in committed:
        assert (truth / name).read_bytes() == (TRUTH_DIR / name).read_bytes(), name


def test_another_seed_gives_another_survey(regenerated, tmp_path):
    _survey, truth, _ = regenerated
    generate_survey(
        seed=7, out_dir=tmp_path / "survey", truth_dir=tmp_path / "truth", n_authorities=3
    )
    assert (tmp_path / "truth" / "systems.csv").read_text() != (truth / "systems.csv").read_text()


def test_round_file_says_synthetic_2019_snapshot(regenerated):
    survey, _, _ = regenerated
    info = json.loads((survey / "round.json").read_text())
    assert info == {
        "round": "2019",
        "snapshot_date": "2019-09-30",
        "seed": info["seed"],
        "synthetic": True,
        "generator": "citytools synth",
    }


# --- calibration to the 2019 release ------------------------------------------------------


def test_22_authorities_respond_including_the_gla(regenerated):
    survey, truth, _ = regenerated
    returns = _read_truth(truth, "returns.csv")
    assert len(returns) == 22
    assert returns.gss_code.is_unique and GLA in set(returns.gss_code)
    assert len(list(survey.glob("*.xlsx"))) == 22
    london = _read_truth(truth, "london.csv")
    assert london.gss_code.nunique() == 34  # non-responders have systems too
    assert set(london[london.responded == "true"].gss_code) == set(returns.gss_code)


def test_responding_authorities_hold_about_809_systems(regenerated):
    _, truth, _ = regenerated
    systems = _read_truth(truth, "systems.csv")
    assert 760 <= len(systems) <= 860
    per_authority = systems.groupby("gss_code").size()
    assert per_authority.drop(GLA).between(20, 70).all()


def test_ten_largest_suppliers_hold_more_than_half_of_the_systems(regenerated):
    _, truth, _ = regenerated
    systems = _read_truth(truth, "systems.csv")
    assert (systems.supplier != "").all()  # a blank Supplier means the manufacturer
    counts = systems.supplier.value_counts()
    assert counts.head(10).sum() / counts.sum() > 0.5


def test_more_suppliers_go_with_lower_satisfaction(regenerated):
    _, truth, _ = regenerated
    systems = _read_truth(truth, "systems.csv")
    systems["sat"] = pd.to_numeric(systems.satisfaction.replace("", None))
    per = systems.groupby("gss_code").agg(suppliers=("supplier", "nunique"), sat=("sat", "mean"))
    rho, _p = spearmanr(per.suppliers, per.sat)
    assert rho < 0


def test_athena_is_shared_with_aligned_end_dates(regenerated):
    _, truth, _ = regenerated
    systems = _read_truth(truth, "systems.csv")
    athena = systems[systems["product"] == "Oracle E-Business Suite"]
    ends = athena.groupby("gss_code").contract_end.first()
    # at least four of the six Athena boroughs respond, all ending on the same day
    assert (ends == "2020-03-31").sum() >= 4
    scenario = json.loads((truth / "scenario.json").read_text())
    shared = {a["product"]: a for a in scenario["shared_arrangements"]}
    assert len(shared["Oracle E-Business Suite"]["authorities"]) == 6
    itrent = systems[(systems["product"] == "iTrent") & (systems.contract_end == "2022-03-31")]
    assert itrent.gss_code.nunique() == 3  # Sutton, Merton and Kingston


def test_housing_is_an_underperformance_cluster(regenerated):
    _, truth, _ = regenerated
    systems = _read_truth(truth, "systems.csv")
    low = systems[(systems.service_area == "Housing") & systems.satisfaction.isin(["1", "2"])]
    assert low.gss_code.nunique() >= 4


# --- the workbooks -----------------------------------------------------------------------


def test_every_workbook_has_the_required_sheets_and_personal_data(regenerated):
    survey, truth, _ = regenerated
    required = {fold(s) for s in load_reference().survey_sheets.query("required == 'yes'").sheet}
    returns = _read_truth(truth, "returns.csv").set_index("source_file")
    email = re.compile(r"^[a-z\-]+\.[a-z\-]+@[a-z]+\.example$")
    phone = re.compile(r"^(020 7946 0\d{3}|07700 900\d{3})$")
    for path in sorted(survey.glob("*.xlsx")):
        sheets = _sheet_values(path)
        assert required <= {fold(name) for name in sheets}, path.name
        respondent = next(rows for name, rows in sheets.items() if fold(name) == "respondent")
        values = [str(v) for row in respondent for v in row if v is not None]
        assert any(email.match(v) for v in values), path.name
        assert any(phone.match(v) for v in values), path.name
        assert returns.loc[path.name, "completed_by"] in values
        # the authority as written resolves to the authority the truth names
        written = returns.loc[path.name, "authority_written"]
        assert (
            load_reference().authority_names.lookup(written) == returns.loc[path.name, "gss_code"]
        )


def test_some_notes_name_a_person(regenerated):
    survey, _, _ = regenerated
    found = 0
    for path in sorted(survey.glob("*.xlsx")):
        for name, rows in _sheet_values(path).items():
            if fold(name) == "systems":
                found += sum(
                    1
                    for row in rows
                    for v in row
                    if isinstance(v, str) and ("@" in v or " is system owner" in v)
                )
    assert found >= 10


def test_truth_rows_are_exactly_the_non_blank_data_rows(regenerated):
    """Every non-blank row below a data sheet's header is in truth_rows, at its Excel row."""
    survey, truth, _ = regenerated
    rows = _read_truth(truth, "truth_rows.csv")
    rows["source_row"] = rows.source_row.astype(int)
    headers = {"systems": "service area", "skills": "skill area", "maturity": "dimension"}
    headers_alt = {"service", "area"}
    for path in sorted(survey.glob("*.xlsx")):
        for name, values in _sheet_values(path).items():
            if fold(name) not in headers:
                continue
            header_at = next(
                i
                for i, row in enumerate(values, start=1)
                if any(fold(v) in {headers[fold(name)], *headers_alt} for v in row if v is not None)
            )
            seen = [
                i
                for i, row in enumerate(values, start=1)
                if i > header_at and any(v is not None and str(v).strip() for v in row)
            ]
            listed = rows[(rows.source_file == path.name) & (rows.sheet == name)]
            assert sorted(listed.source_row) == seen, (path.name, name)


def test_kept_rows_match_the_truth_tables(regenerated):
    _, truth, _ = regenerated
    rows = _read_truth(truth, "truth_rows.csv")
    kept = rows[rows.outcome == "kept"]
    tables = sum(len(_read_truth(truth, f"{n}.csv")) for n in ("systems", "skills", "maturity"))
    assert len(kept) == tables
    rejected = rows[rows.outcome == "rejected"]
    assert set(rejected.reason) <= {
        "duplicate",
        "missing_required",
        "unknown_service_area",
        "unknown_skill_area",
        "invalid_required_value",
    }
    assert {"duplicate", "missing_required", "unknown_service_area"} <= set(rejected.reason)


def test_a_realistic_minority_of_rows_carries_mess(regenerated):
    _, _, summary = regenerated
    share = int(re.search(r"\((\d+)%\) carry mess", summary).group(1))
    assert 10 <= share <= 20


def test_truth_names_follow_the_reference(regenerated):
    _, truth, _ = regenerated
    reference = load_reference()
    systems = _read_truth(truth, "systems.csv")
    maker = dict(zip(reference.products["product"], reference.products["manufacturer"]))
    assert (systems["manufacturer"] == systems["product"].map(maker)).all()
    assert set(systems.supplier) <= set(reference.organisations.organisation)
    assert set(systems.service_area) <= set(reference.service_areas.service_area)


# --- scale and errors --------------------------------------------------------------------


def test_smaller_round_and_too_many_authorities(tmp_path):
    summary = generate_survey(
        seed=3,
        out_dir=tmp_path / "s",
        truth_dir=tmp_path / "t",
        n_authorities=4,
        systems_per_authority=10,
    )
    assert "4 of 34 authorities responded" in summary
    assert len(list((tmp_path / "s").glob("*.xlsx"))) == 4
    assert len(_read_truth(tmp_path / "t", "systems.csv")) == 40
    with pytest.raises(ValueError, match="only 34"):
        generate_survey(
            seed=3, out_dir=tmp_path / "s2", truth_dir=tmp_path / "t2", n_authorities=35
        )


# --- the typing layer: every form means what the survey format says ------------------------


def test_date_forms_mean_what_the_format_says():
    typist = Typist(np.random.default_rng(0), load_reference())
    end = dt.date(2021, 3, 15)
    allowed = {  # worked out by hand from the survey format's date rules
        "15/03/2021": end,
        "15/03/21": end,
        "2021-03-15": end,
        44270: end,
        "March 2021": dt.date(2021, 3, 31),
        "Mar-21": dt.date(2021, 3, 31),
        "2021": dt.date(2021, 12, 31),
        2021: dt.date(2021, 12, 31),
    }
    seen = set()
    for _ in range(300):
        cell, meant = typist.date(end, "end", messy=True)
        assert allowed[cell] == meant, cell
        seen.add(cell)
    assert seen == set(allowed)
    cell, meant = typist.date(end, "start", messy=False)
    assert cell == dt.datetime(2021, 3, 15) and meant == end


def test_money_forms_mean_what_the_format_says():
    typist = Typist(np.random.default_rng(1), load_reference())
    allowed = {
        "£123,456": 123456.0,
        "123456": 123456.0,
        "£123,456 pa": 123456.0,
        "123k": 123000.0,
        "£123K": 123000.0,
        "c. 123,000": 123000.0,
    }
    for _ in range(300):
        cell, meant = typist.money(123456.0, messy=True)
        assert allowed[cell] == meant, cell
    allowed_m = {"£1.23m": 1_230_000.0}
    for _ in range(200):
        cell, meant = typist.money(1_234_567.0, messy=True)
        if isinstance(cell, str) and cell.endswith("m"):
            assert allowed_m[cell] == meant


def test_contract_end_words_carry_their_status():
    typist = Typist(np.random.default_rng(2), load_reference())
    terms = load_reference().contract_end_terms
    for _ in range(100):
        cell, meant, status = typist.contract_end(None, "rolling", messy=True)
        assert meant is None and status == "rolling" and terms[fold(cell)] == "rolling"
        cell, meant, status = typist.contract_end(None, "unknown", messy=True)
        assert meant is None and status == "unknown" and terms.get(fold(cell)) == "unknown"


def test_typos_are_one_slip_in_a_long_word():
    typist = Typist(np.random.default_rng(3), load_reference())
    original = ["Northgate", "Public", "Services"]
    for _ in range(50):
        typo = typist.typo(["Northgate Public Services"]).split()
        changed = [i for i, (a, b) in enumerate(zip(original, typo)) if a != b]
        assert len(typo) == 3 and len(changed) == 1
        word, slip = original[changed[0]], typo[changed[0]]
        # one letter dropped or doubled, or two neighbours swapped; the first letter stays
        assert DamerauLevenshtein.distance(word, slip) == 1 and slip[0] == word[0]
    assert typist.typo(["BT plc"]) is None  # too short to mistype safely
