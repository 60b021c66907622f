"""The synthetic survey round: a true London (:mod:`.world`), its typed returns (:mod:`.returns`),
its contract registers (:mod:`.registers`) and the truth.

The real 2019 City Tools: London returns are not public, so the pipeline is built and tested
on a synthetic round. :func:`generate_survey` builds the true London from a seed and writes
one workbook per responding authority, ``round.json``, every authority's contract register
and the truth (what a perfect cleaning must give), which lives outside ``data/raw/``.
:func:`write_round` writes any round's files from a true London, the first round's or a later
one's (:mod:`.evolution`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from citytools_analysis.core.paths import REFERENCE_DIR
from citytools_analysis.core.reference import Reference, load_reference
from citytools_analysis.synth.mess import Typist
from citytools_analysis.synth.registers import generate_registers
from citytools_analysis.synth.returns import TRUTH_COLUMNS, ReturnWriter, write_return
from citytools_analysis.synth.scenario import SCENARIO_DIR, Scenario, load_scenario
from citytools_analysis.synth.spend import generate_spend
from citytools_analysis.synth.world import (
    RESPONDING_AUTHORITIES,
    ROUND,
    SNAPSHOT_DATE,
    SYSTEMS_MAPPED,
    TrueLondon,
    build_london,
    london_frame,
)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def generate_survey(
    seed: int,
    out_dir: Path,
    truth_dir: Path,
    reference_dir: Path = REFERENCE_DIR,
    *,
    n_authorities: int | None = None,
    systems_per_authority: float | None = None,
    contracts_dir: Path | None = None,
    scenario_dir: Path = SCENARIO_DIR,
    spend_dir: Path | None = None,
) -> str:
    """Generate the synthetic survey round: the returns, ``round.json``, the registers and the truth.

    Parameters
    ----------
    seed
        Random seed; the same seed (and reference data) gives the same workbook content
        and the same truth.
    out_dir
        Folder for the returns (one ``.xlsx`` per responding authority) and ``round.json``.
        Existing ``.xlsx`` files there are removed first.
    truth_dir
        Folder for the truth CSVs and ``scenario.json`` (keep it outside ``data/raw/``).
    reference_dir
        Reference folder the world is built from.
    n_authorities
        Responding authorities; ``None`` is the calibrated 2019 London round (22, the GLA
        included). At most the number of authorities in the reference.
    systems_per_authority
        Mean systems per responding authority; ``None`` calibrates the round to 809 systems.
    contracts_dir
        Folder for every authority's contract register (:mod:`.synth_registers`); ``None``
        is the ``contracts`` folder beside ``out_dir``.
    scenario_dir
        Folder of the planted patterns and word lists (:mod:`.synth_scenario`); every name
        in it must be in the reference.
    spend_dir
        Folder for every authority's payment files (:mod:`.spend`); ``None`` is the
        ``spend`` folder beside ``out_dir``.

    Returns
    -------
    str
        A one-paragraph summary: authorities, systems, rows written, rows with mess.
    """
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    reference = load_reference(reference_dir)
    scenario = load_scenario(reference, scenario_dir)
    rng = np.random.default_rng(seed)
    n_respondents = RESPONDING_AUTHORITIES if n_authorities is None else int(n_authorities)
    per_authority = (
        SYSTEMS_MAPPED / RESPONDING_AUTHORITIES
        if systems_per_authority is None
        else float(systems_per_authority)
    )
    london = build_london(
        reference,
        rng,
        n_respondents=n_respondents,
        systems_per_respondent=per_authority,
        scenario=scenario,
    )
    return write_round(
        london,
        reference,
        scenario,
        rng,
        seed=seed,
        round_name=ROUND,
        snapshot=SNAPSHOT_DATE,
        out_dir=out_dir,
        truth_dir=truth_dir,
        contracts_dir=contracts_dir,
        register_seed=seed,
        spend_dir=out_dir.parent / "spend" if spend_dir is None else Path(spend_dir),
        scenario_dir=scenario_dir,
    )


def write_round(
    london: TrueLondon,
    reference: Reference,
    scenario: Scenario,
    rng: np.random.Generator,
    *,
    seed: int,
    round_name: str,
    snapshot: dt.date,
    out_dir: Path,
    truth_dir: Path,
    contracts_dir: Path | None,
    register_seed: int,
    document_time: dt.datetime | None = None,
    spend_dir: Path | None = None,
    scenario_dir: Path = SCENARIO_DIR,
) -> str:
    """Write a true London's returns, ``round.json``, registers and truth for one round.

    ``rng`` types the returns (it continues the stream that built the world in the first
    round); ``register_seed`` seeds the registers. Payment files are written to ``spend_dir``
    when it is given. Returns the one-paragraph summary.
    """
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    typist = Typist(rng, reference, scenario.words)
    writer = ReturnWriter(reference, rng, typist, scenario)
    writer.round_name, writer.snapshot = round_name, snapshot
    writer.document_time = document_time or dt.datetime(
        snapshot.year, snapshot.month, snapshot.day, 12
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob("*.xlsx")):
        old.unlink()
    truth: dict[str, list[dict]] = {name: [] for name in TRUTH_COLUMNS}
    taken: set[str] = set()
    data_rows = messy_rows = 0
    responding = [a for a in london.authorities if a.responded]
    for authority in responding:
        file_name = typist.file_name(authority.short_name, authority.abbreviation, taken)
        if round_name != ROUND:  # file patterns name the first round's year
            file_name = file_name.replace(ROUND, round_name)
        rows, messy = write_return(authority, writer, typist, out_dir, file_name, truth)
        data_rows, messy_rows = data_rows + rows, messy_rows + messy
    round_info = {
        "round": round_name,
        "snapshot_date": snapshot.isoformat(),
        "seed": seed,
        "synthetic": True,
        "generator": "citytools synth",
    }
    (out_dir / "round.json").write_text(json.dumps(round_info, indent=2) + "\n", encoding="utf-8")
    sort_keys = {
        "truth_rows": ["source_file", "sheet", "source_row"],
        "systems": ["source_file", "source_row"],
        "skills": ["source_file", "source_row"],
        "maturity": ["source_file", "source_row"],
        "integrations": ["source_file", "source_row", "linked_name"],
        "returns": ["gss_code"],
    }
    for name, columns in TRUTH_COLUMNS.items():
        frame = pd.DataFrame(truth[name], columns=columns)
        frame = frame.sort_values(sort_keys[name], kind="stable")
        file = "truth_rows.csv" if name == "truth_rows" else f"{name}.csv"
        _write_csv(frame, truth_dir / file)
    systems = london_frame(london).sort_values("system_id")
    _write_csv(systems, truth_dir / "london.csv")
    registers = generate_registers(
        systems,
        reference,
        seed=register_seed,
        snapshot=snapshot,
        out_dir=out_dir.parent / "contracts" if contracts_dir is None else Path(contracts_dir),
        truth_dir=truth_dir,
        scenario=scenario,
    )
    spend = (
        ""
        if spend_dir is None
        else generate_spend(
            systems,
            reference,
            seed=seed,
            snapshot=snapshot,
            out_dir=Path(spend_dir),
            truth_dir=truth_dir,
            scenario_dir=scenario_dir,
        )
        + " "
    )
    planted = dict(london.scenario, seed=seed, round=round_name)
    (truth_dir / "scenario.json").write_text(json.dumps(planted, indent=2) + "\n", encoding="utf-8")
    kept = sum(1 for r in truth["truth_rows"] if r["outcome"] == "kept")
    rejected = len(truth["truth_rows"]) - kept
    total = sum(len(a.systems) for a in london.authorities)
    return (
        f"Synthetic round {round_name} (seed {seed}, snapshot {snapshot.isoformat()}): "
        f"{len(responding)} of {len(london.authorities)} authorities responded; the true London "
        f"has {total} systems, {len(truth['systems'])} of them in the returns. Wrote "
        f"{len(responding)} workbooks to {out_dir} with {data_rows} data rows ({kept} to keep, "
        f"{rejected} to reject); {messy_rows} rows ({messy_rows / max(data_rows, 1):.0%}) carry "
        f"mess, {typist.typos_made} name typos. {registers} {spend}Truth in {truth_dir}."
    )
