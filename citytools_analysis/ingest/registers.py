"""Contract registers merged into the survey's tables: what each register row is decided to be.

The pipeline reads every row (:func:`.register_reader.read_registers`), decides whether it is
an IT contract (:func:`.register_classifier.classify_it`: the CPV family first, then words,
with the rule that decided logged), matches IT rows to the survey's systems of the same
authority (:func:`.register_matching.match_to_systems`: the same canonical supplier and
overlapping dates; one register row matches at most one system and one system at most one
register row), and adds what the survey lacks (:func:`add_registers`): contract values and
dates where the survey has none, and the systems of authorities that did not respond.

A contract is not a system. A contract that ended before the snapshot date is history
(``ended_before_snapshot``), unless a later contract for the same product continues it; the
contracts of one authority for one product in one service area are one system with a
contract history (``same_system``), whose dates and cost come from the contract in force on
the snapshot date, else the latest. Unmatched IT rows of a responding authority are not
added: the survey is that authority's own list of its systems, and adding a row the matcher
missed would count one contract twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import Reference, fold
from citytools_analysis.ingest.correction_log import clean_text, correction
from citytools_analysis.ingest.register_classifier import classify_it
from citytools_analysis.ingest.register_matching import (
    annual_cost,
    candidate_pairs,
    contract_chains,
    current_contract,
    ended_before,
    match_to_systems,
    place_system,
    same_system_key,
)
from citytools_analysis.ingest.register_reader import MANIFEST, read_registers
from citytools_analysis.ingest.register_rules import RegisterRules
from citytools_analysis.release.schema import CONTRACT_OUTCOMES, TABLES

# ------------------------------------------------------------------------------------------
# adding the registers to the survey's tables
# ------------------------------------------------------------------------------------------


def contracts_folder(
    survey_dir: Path | str, contracts_dir: Path | str | None | bool
) -> Path | None:
    """The contracts folder a cleaning run reads.

    Parameters
    ----------
    survey_dir
        The survey folder.
    contracts_dir
        A folder; ``None`` for the ``contracts`` folder beside ``survey_dir`` if it holds a
        ``sources.csv``; ``False`` for none.

    Raises
    ------
    SurveyInputError
        When a folder is given that does not exist.
    """
    if contracts_dir is False:
        return None
    if contracts_dir is None or contracts_dir is True:
        beside = Path(survey_dir).parent / "contracts"
        return beside if (beside / MANIFEST).is_file() else None
    path = Path(contracts_dir)
    if not path.is_dir():
        raise SurveyInputError(f"contracts folder not found: {path}")
    return path


def _systems_sheets(returns: list) -> dict[str, str]:
    sheets = {}
    for clean_return in returns:
        for account in clean_return.accounts:
            if fold(account.sheet) == "systems":
                sheets[clean_return.source_file] = account.sheet
    return sheets


def add_registers(
    tables: dict[str, pd.DataFrame],
    returns: list,
    contracts_dir: Path | str | None,
    reference: Reference,
    snapshot: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """Merge the contract registers into the survey's processed tables.

    Every survey system gets ``source`` ``survey``; a system matched to a register row
    becomes ``both`` and takes the register's total value (``contract_value_gbp``) and, where
    the survey gave none, its start, end (status ``date``) and annual cost (the value over
    the contract's years), each fill logged in ``corrections.csv`` with rule
    ``from_register``. IT rows of authorities that did not respond become systems with
    ``source`` ``register`` where a product can be named and a contract for it has not
    ended before the snapshot date: one system per product and service area
    (:func:`.register_matching.same_system_key`), its dates and cost from the contract in
    force on the snapshot date, else the latest (:func:`.register_matching.current_contract`).
    Every register row is written to ``contracts`` with what was decided (``is_it``,
    ``it_rule``, ``outcome``, ``record_id``); rejected rows go to ``rejected``. The outcomes:

    - ``matched``: the contract of a survey system (``record_id``);
    - ``added``: the contract a register-only system was made from (``record_id``);
    - ``same_system``: another contract of a system already counted, matched or added
      (``record_id``): an earlier let, an extension, a renewal or re-let to the same product,
      a row listed twice. At a responding authority, the rows of a matched row's contract
      chain (:func:`.register_matching.contract_chains`) are its system's, and so are other
      rows for a product and service area the return lists;
    - ``ended_before_snapshot``: an IT contract that ended before the snapshot date and that
      no later contract for the same product continues;
    - ``unplaced``: an IT contract that is none of these;
    - ``not_it``.

    Parameters
    ----------
    tables
        The survey's tables as assembled by the cleaner.
    returns
        The cleaned returns (their Systems sheet names label the fills' corrections).
    contracts_dir
        Folder of registers, or None for none (``contracts`` is then empty).
    reference
        The reference data.
    snapshot
        The round's snapshot date.

    Returns
    -------
    dict of DataFrame
        The same tables, with ``systems``, ``rejected`` and ``corrections`` extended and a
        ``contracts`` table.
    """
    systems = [dict(r) for r in tables["systems"].to_dict("records")]
    for system in systems:
        system["source"] = "survey"
        system.setdefault("contract_value_gbp", None)
    contracts: list[dict] = []
    corrections = tables["corrections"].to_dict("records")
    rejected = tables["rejected"].to_dict("records")
    if contracts_dir is not None:
        rules = RegisterRules.from_reference(reference)
        rows, register_corrections, rejections = read_registers(
            contracts_dir, reference, snapshot=snapshot, rules=rules
        )
        corrections.extend(register_corrections)
        rejected.extend(rejections)
        for row in rows:
            row["is_it"], row["it_rule"] = classify_it(row, rules)
        responded = set(
            tables["authorities"].loc[tables["authorities"]["responded"].astype(bool), "gss_code"]
        )
        answering = [r for r in rows if r["gss_code"] in responded]
        matches = match_to_systems(answering, systems, rules, snapshot)
        candidates = Counter(
            key for _rank, key, _id in candidate_pairs(answering, systems, rules, snapshot)
        )
        chain_of = contract_chains(answering, rules)
        chain_system = {chain_of[key]: record_id for key, record_id in matches.items()}
        by_id = {s["record_id"]: s for s in systems}
        sheets = _systems_sheets(returns)
        logged = {
            (c["source_file"], c["sheet"], int(c["source_row"]), c["column"]): c
            for c in corrections
        }
        histories: dict[tuple, list[dict]] = {}
        for row in rows:
            key = (row["source_file"], row["source_row"])
            if not row["is_it"]:
                row["outcome"], row["record_id"] = "not_it", None
            elif key in matches:
                system = by_id[matches[key]]
                _fill(
                    system,
                    row,
                    sheets.get(system["source_file"], "Systems"),
                    logged,
                    corrections,
                    alone=candidates[key] == 1,
                )
                row["outcome"], row["record_id"] = "matched", system["record_id"]
            elif chain_of.get(key) in chain_system:  # an extension, renewal or relisting
                row["outcome"], row["record_id"] = "same_system", chain_system[chain_of[key]]
            elif (same := same_system_key(row, rules)) is not None:
                histories.setdefault(same, []).append(row)
            else:
                _ended_or_unplaced(row, snapshot)
        survey_systems = _survey_systems_by_key(systems, rows)
        for same, members in sorted(histories.items()):
            if same[0] in responded:
                system = survey_systems.get(same)
                if system is None:
                    for row in members:
                        _ended_or_unplaced(row, snapshot)
                else:
                    for row in members:
                        row["outcome"], row["record_id"] = "same_system", system
            elif all(ended_before(row, snapshot) for row in members):
                for row in members:
                    _ended_or_unplaced(row, snapshot)
            else:
                current = current_contract(members, snapshot)
                placed = place_system(current, rules)
                systems.append(placed)
                for row in members:
                    row["outcome"] = "added" if row is current else "same_system"
                    row["record_id"] = placed["record_id"]
        contracts.extend(rows)
        _check_register_accounting(rows, rejections)
    frames = dict(tables)
    frames["systems"] = pd.DataFrame(systems)
    frames["corrections"] = pd.DataFrame(corrections)
    frames["rejected"] = pd.DataFrame(rejected)
    frames["contracts"] = pd.DataFrame(contracts)
    for name in ("systems", "corrections", "rejected", "contracts"):
        frame = frames[name]
        for column in TABLES[name].columns:
            if column not in frame:
                frame[column] = pd.Series([None] * len(frame), dtype=object)
        frames[name] = frame[TABLES[name].columns]
    return frames


def _ended_or_unplaced(row: dict, snapshot: dt.date | None) -> None:
    """The outcome of an IT row that is no system's contract: ended, or unplaced."""
    ended = ended_before(row, snapshot)
    row["outcome"], row["record_id"] = ("ended_before_snapshot" if ended else "unplaced"), None


def _survey_systems_by_key(systems: list[dict], rows: list[dict]) -> dict[tuple, str]:
    """Survey systems by (authority, product, service area): the system a contract continues.

    Of several survey systems with one product in one area (modules), the one a register row
    matched wins, then the first by record id.
    """
    matched = {r["record_id"] for r in rows if r.get("outcome") == "matched"}
    found: dict[tuple, str] = {}
    ranked = sorted(
        (s for s in systems if s.get("source") in ("survey", "both")),
        key=lambda s: (s["record_id"] not in matched, s["record_id"]),
    )
    for system in ranked:
        if is_blank(system.get("product")) or is_blank(system.get("service_area")):
            continue
        found.setdefault(
            (system["gss_code"], system["product"], system["service_area"]), system["record_id"]
        )
    return found


def _fill(
    system: dict, row: dict, sheet: str, logged: dict, corrections: list[dict], alone: bool
) -> None:
    """Take from a matched register row what the survey row lacks; log each fill.

    Values are filled only when the row could be the contract of this system ``alone``: a
    row that also fits another system (modules bought on one contract) gives its total value
    to ``contract_value_gbp`` and nothing else.
    """
    system["source"] = "both"
    system["contract_value_gbp"] = row.get("value_gbp")
    if not alone:
        return
    fills = {}
    if is_blank(system.get("contract_start")) and row.get("contract_start") is not None:
        fills["contract_start"] = row["contract_start"]
    if (
        is_blank(system.get("contract_end"))
        and system.get("contract_end_status") == "unknown"
        and row.get("contract_end") is not None
    ):
        fills["contract_end"] = row["contract_end"]
    if is_blank(system.get("annual_cost_gbp")):
        cost = annual_cost(row.get("value_gbp"), row.get("contract_start"), row.get("contract_end"))
        if cost is not None:
            fills["annual_cost_gbp"] = cost
    for column, value in fills.items():
        system[column] = value
        if column == "contract_end":
            system["contract_end_status"] = "date"
        key = (system["source_file"], sheet, int(system["source_row"]), column)
        if key in logged:  # the survey's own value was cleared: one line says both
            logged[key]["clean_value"] = clean_text(value)
            logged[key]["rule"] = f"{logged[key]['rule']}+from_register"
        else:
            entry = correction(
                system["source_file"],
                sheet,
                system["source_row"],
                column,
                None,
                value,
                "from_register",
            ).row()
            corrections.append(entry)
            logged[key] = entry


def _check_register_accounting(rows: list[dict], rejections: list[dict]) -> None:
    """Row accounting for registers: every kept row has an outcome, no system has two contracts
    it was matched to or made from."""
    if any(r.get("outcome") not in OUTCOMES for r in rows):
        raise AssertionError("a register row has no outcome")
    ids = Counter(r["record_id"] for r in rows if r.get("outcome") in ("matched", "added"))
    twice = [record_id for record_id, n in ids.items() if n > 1]
    if twice:
        raise AssertionError(f"a system is matched to two register rows: {twice[0]}")
    keys = Counter((r["source_file"], r["source_row"]) for r in rows)
    keys.update((r["source_file"], r["source_row"]) for r in rejections)
    if any(n > 1 for n in keys.values()):
        raise AssertionError("a register row is both kept and rejected")


#: The outcomes of a register row, in the order the report lists them.
OUTCOMES = CONTRACT_OUTCOMES


def decision_counts(contracts: pd.DataFrame) -> pd.DataFrame:
    """Register rows counted by outcome and by the kind of rule that classed them.

    Parameters
    ----------
    contracts
        The processed ``contracts`` table (``outcome``, ``it_rule``).

    Returns
    -------
    DataFrame
        ``outcome``, ``rule`` (the rule's kind: ``cpv``, ``keyword``, ``product``,
        ``supplier_and_system``, ``exclude``, ``cpv_not_it``, ``no_it_signal``), ``rows``;
        outcomes in the order of :data:`OUTCOMES`, then most rows first.
    """
    frame = pd.DataFrame(
        {
            "outcome": contracts["outcome"].astype(str),
            "rule": contracts["it_rule"].astype(str).str.split(":").str[0],
        }
    )
    table = frame.groupby(["outcome", "rule"]).size().rename("rows").reset_index()
    table["order"] = (
        table["outcome"].map({o: i for i, o in enumerate(OUTCOMES)}).fillna(len(OUTCOMES))
    )
    table = table.sort_values(
        ["order", "rows", "rule"], ascending=[True, False, True], kind="stable"
    )
    return table.drop(columns="order").reset_index(drop=True)


__all__ = ["OUTCOMES", "add_registers", "contracts_folder", "decision_counts"]
