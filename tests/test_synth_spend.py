"""The synthetic payment files: every layout read back to the truth, the same bytes for the
same seed, and the survey's other outputs untouched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from citytools_analysis.core.paths import TRUTH_DIR
from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest.spend import SpendRules, read_spend
from citytools_analysis.ingest.spend_rules import classify_payment
from citytools_analysis.synth.spend import LAYOUTS, generate_spend

SNAPSHOT = dt.date(2019, 9, 30)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    base = tmp_path_factory.mktemp("synth_spend")
    reference = load_reference()
    london = pd.read_csv(TRUTH_DIR / "london.csv", dtype=str, keep_default_na=False)
    summary = generate_spend(
        london,
        reference,
        seed=7,
        snapshot=SNAPSHOT,
        out_dir=base / "spend",
        truth_dir=base / "truth",
    )
    return base, reference, summary


def test_every_authority_publishes_in_every_layout(written):
    base, reference, summary = written
    manifest = pd.read_csv(base / "spend" / "sources.csv", dtype=str)
    assert manifest["authority"].nunique() == len(reference.authorities)
    suffixes = {Path(f).suffix for f in manifest["file"]}
    assert suffixes == {".csv", ".xlsx"}
    assert any(f.endswith("_q4.csv") for f in manifest["file"])  # quarterly files
    assert "payment files" in summary and len(LAYOUTS) == 4


def test_files_read_back_to_the_truth(written):
    base, reference, _summary = written
    rules = SpendRules.from_reference(reference)
    rows, _corrections, rejections = read_spend(base / "spend", reference, rules=rules)
    truth = pd.read_csv(base / "truth" / "payment_rows.csv", dtype=str, keep_default_na=False)
    kept = truth[truth.outcome == "kept"]
    got = {(r["source_file"], r["source_row"]): r for r in rows}
    assert set(got) == set(zip(kept.source_file, kept.source_row.astype(int)))
    for file, row, amount, date, _is_it in zip(
        kept.source_file,
        kept.source_row.astype(int),
        kept.amount_gbp,
        kept.payment_date,
        kept.is_it,
    ):
        payment = got[(file, row)]
        assert payment["amount_gbp"] == pytest.approx(float(amount), abs=0.001)
        assert payment["payment_date"].isoformat() == date
    wanted = truth[truth.outcome == "rejected"]
    assert sorted((r["source_file"], r["source_row"], r["reason"]) for r in rejections) == sorted(
        zip(wanted.source_file, wanted.source_row.astype(int), wanted.reason)
    )
    # the truth's IT payments include systems' instalments, and the rules find most of them
    said = {k: classify_payment(r, rules.payments)[0] for k, r in got.items()}
    is_it = dict(zip(zip(kept.source_file, kept.source_row.astype(int)), kept.is_it == "true"))
    hits = sum(1 for k, y in is_it.items() if y and said[k])
    assert hits / sum(is_it.values()) >= 0.9
    assert (
        sum(1 for k, y in is_it.items() if not y and said[k]) / max(1, sum(said.values())) <= 0.03
    )


def test_system_instalments_add_up_to_the_annual_cost(written):
    base, _reference, _summary = written
    truth = pd.read_csv(base / "truth" / "payment_rows.csv", dtype=str, keep_default_na=False)
    london = pd.read_csv(TRUTH_DIR / "london.csv", dtype=str, keep_default_na=False)
    paid = truth[truth.kind == "system"]
    paid = paid.assign(amount=paid.amount_gbp.astype(float))
    paid = paid[paid.amount > 0].groupby("system_id")["amount"].sum().round(2)  # credits aside
    cost = london.set_index("system_id")["annual_cost_gbp"]
    assert len(paid) == ((london.annual_cost_gbp != "") & (london.supplier != "")).sum()
    for system_id, total in paid.items():
        assert total == pytest.approx(float(cost[system_id]), abs=0.01)


def test_same_seed_same_bytes(written, tmp_path):
    base, reference, _summary = written
    london = pd.read_csv(TRUTH_DIR / "london.csv", dtype=str, keep_default_na=False)
    generate_spend(
        london,
        reference,
        seed=7,
        snapshot=SNAPSHOT,
        out_dir=tmp_path / "spend",
        truth_dir=tmp_path / "truth",
    )
    for path in sorted((base / "spend").iterdir()):
        assert (tmp_path / "spend" / path.name).read_bytes() == path.read_bytes(), path.name
