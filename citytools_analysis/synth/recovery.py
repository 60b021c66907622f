"""How much of the synthetic truth the cleaning recovers: one share per measure.

The synthetic survey (:mod:`.synth`) writes the truth beside its returns: every data row
with the outcome it must get (kept, or rejected with a reason), and the true clean values
of every kept row. :func:`measure_recovery` joins the processed tables to that truth on
``source_file`` and ``source_row`` (the row a person sees in Excel) and counts, per measure,
how many of the true rows or values the cleaning got right.

Values are compared as the processed-data contract writes them: dates as ISO strings,
costs within one penny, ratings and years as whole numbers, booleans as ``true``/``false``;
an empty truth cell (a value the return does not give, or one made unreadable on purpose)
is right only when the processed cell is empty too.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from citytools_analysis.core.reference import fold
from citytools_analysis.release.writer import FORMULA_TRIGGERS

#: Tolerance for annual costs, in pounds.
COST_TOLERANCE_GBP = 0.01
KEY = ["source_file", "source_row"]

#: Systems fields compared, with how: text, date, money, integer; tuples are compared together.
SYSTEM_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "gss_code": (("gss_code", "text"),),
    "service_area": (("service_area", "text"),),
    "product": (("product", "text"),),
    "manufacturer": (("manufacturer", "text"),),
    "supplier": (("supplier", "text"),),
    "system_type": (("system_type", "text"),),
    "hosting": (("hosting", "text"),),
    "contract_start": (("contract_start", "date"),),
    "contract_end": (("contract_end", "date"), ("contract_end_status", "text")),
    "annual_cost_gbp": (("annual_cost_gbp", "money"),),
    "value_for_money": (("value_for_money", "integer"),),
    "satisfaction": (("satisfaction", "integer"),),
    "replacement_planned": (("replacement_planned", "text"), ("replacement_year", "integer")),
}
SKILL_FIELDS = {
    "skill_area": (("skill_area", "text"),),
    "level": (("level", "integer"),),
    "staff_fte": (("staff_fte", "money"),),
    "can_support": (("can_support", "boolean"),),
}
MATURITY_FIELDS = {"dimension": (("dimension", "text"),), "score": (("score", "integer"),)}


def _read(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for column in frame.columns:
        frame[column] = frame[column].map(_restore_text)
    return frame


def _restore_text(text: str) -> str:
    """Undo the release's formula neutralising (a leading apostrophe before =, +, -, @)."""
    return text[1:] if text.startswith("'") and text[1:2].startswith(FORMULA_TRIGGERS) else text


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def same_value(truth: str, found: str, kind: str) -> bool:
    """Whether a processed cell holds the true value.

    Parameters
    ----------
    truth, found
        The two cells as text (empty for no value).
    kind
        ``text`` (exact, surrounding white space ignored), ``date`` (the ISO date),
        ``money`` (within :data:`COST_TOLERANCE_GBP`), ``integer`` (the same whole number)
        or ``boolean`` (``true``/``false``, any case).

    Returns
    -------
    bool
    """
    truth, found = str(truth).strip(), str(found).strip()
    if not truth or not found:
        return truth == found
    if kind == "date":
        return truth[:10] == found[:10]
    if kind in ("money", "integer"):
        a, b = _number(truth), _number(found)
        if a is None or b is None:
            return False
        if kind == "integer":
            return a == b
        return abs(a - b) <= COST_TOLERANCE_GBP + 1e-9
    if kind == "boolean":
        return truth.lower() == found.lower()
    return truth == found


def _key_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["source_row"] = frame["source_row"].map(
        lambda v: str(int(float(v))) if str(v).strip() else ""
    )
    return frame


def _share(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def compare_rows(
    truth: pd.DataFrame, processed: pd.DataFrame, fields: dict[str, tuple[tuple[str, str], ...]]
) -> pd.DataFrame:
    """Join true rows to processed rows on (source_file, source_row) and mark each field.

    Parameters
    ----------
    truth
        True kept rows (text cells) with ``source_file``, ``source_row`` and the fields.
    processed
        The processed table (text cells).
    fields
        Measure name → the (column, kind) pairs that must all be right.

    Returns
    -------
    pandas.DataFrame
        One row per true row: the key, ``found`` (bool), and one bool column per measure
        (False when the row was not found).
    """
    truth, processed = _key_frame(truth), _key_frame(processed)
    processed = processed.drop_duplicates(KEY)
    joined = truth.merge(
        processed, on=KEY, how="left", suffixes=("_true", "_found"), indicator=True
    )
    out = joined[KEY].copy()
    out["found"] = (joined["_merge"] == "both").to_numpy()
    for measure, pairs in fields.items():
        ok = out["found"].copy()
        for column, kind in pairs:
            true_col = joined[f"{column}_true"] if f"{column}_true" in joined else joined[column]
            found_col = (
                joined[f"{column}_found"]
                if f"{column}_found" in joined
                else pd.Series([""] * len(joined), index=joined.index)
            )
            same = [
                same_value(t, "" if pd.isna(f) else f, kind)
                for t, f in zip(true_col.fillna(""), found_col)
            ]
            ok &= pd.Series(same, index=joined.index).to_numpy()
        out[measure] = ok
    return out


def _row_measures(prefix: str, comparison: pd.DataFrame, fields) -> list[dict]:
    found = int(comparison["found"].sum())
    rows = [{"measure": f"{prefix}_found", "numerator": found, "denominator": len(comparison)}]
    for measure in fields:
        rows.append(
            {
                "measure": f"{prefix}.{measure}",
                "numerator": int(comparison[measure].sum()),
                "denominator": found,
            }
        )
    return rows


#: The sheet name that marks contract-register rows in ``rejected.csv`` and ``corrections.csv``.
REGISTER_SHEET = "Contract register"
#: Tolerance for a yearly cost derived from a register's total value, in pounds.
DERIVED_COST_TOLERANCE_GBP = 1.0


def survey_view(systems: pd.DataFrame, corrections: pd.DataFrame | None) -> pd.DataFrame:
    """The systems a cleaning of the returns alone would give: register rows and fills undone.

    Rows with ``source`` ``register`` are dropped, and every value filled from a register
    (a correction whose rule ends in ``from_register``) is emptied again (an end date's status
    back to ``unknown``), so that the survey's cleaning is measured on its own.

    Parameters
    ----------
    systems, corrections
        The processed tables as text.

    Returns
    -------
    pandas.DataFrame
    """
    if "source" in systems:
        systems = systems[systems["source"].isin(["survey", "both", ""])]
    systems = _key_frame(systems).reset_index(drop=True)
    if corrections is None or "rule" not in corrections or systems.empty:
        return systems
    fills = _key_frame(corrections[corrections["rule"].str.endswith("from_register")])
    where = {key: i for i, key in enumerate(zip(systems["source_file"], systems["source_row"]))}
    for file, row, column in zip(fills["source_file"], fills["source_row"], fills["column"]):
        index = where.get((file, row))
        if index is None or column not in systems:
            continue
        systems.loc[index, column] = ""
        if column == "contract_end":
            systems.loc[index, "contract_end_status"] = "unknown"
    return systems


def measure_recovery(processed_dir: Path, truth_dir: Path) -> pd.DataFrame:
    """Measure how much of the synthetic truth a cleaning run recovered.

    Parameters
    ----------
    processed_dir
        A release folder laid out as the processed-data contract says (``systems.csv``,
        ``skills.csv``, ``maturity.csv``, ``rejected.csv``, ``integrations.csv``,
        ``authorities.csv``; missing tables are skipped).
    truth_dir
        The synthetic truth (``truth_rows.csv``, ``systems.csv``, ``skills.csv``,
        ``maturity.csv``, ``integrations.csv``, ``returns.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``measure``, ``numerator``, ``denominator``, ``share``. Row
        measures (``systems_found``: true kept rows present in the output) count rows; field
        measures (``systems.supplier``) count rows found with that field right, over the
        rows found. ``systems_precision`` is the share of output rows that the truth keeps;
        ``rejected_found`` the true rejections present, ``rejected_reason`` those with the
        right reason, ``rejected_precision`` the output rejections the truth rejects.
    """
    processed_dir, truth_dir = Path(processed_dir), Path(truth_dir)
    measures: list[dict] = []
    returns, authorities = (
        _read(truth_dir / "returns.csv"),
        _read(processed_dir / "authorities.csv"),
    )
    if returns is not None and authorities is not None and "source_file" in authorities:
        by_file = dict(zip(authorities["source_file"], authorities["gss_code"]))
        right = sum(
            by_file.get(f) == g for f, g in zip(returns["source_file"], returns["gss_code"])
        )
        measures.append(
            {"measure": "returns_identified", "numerator": int(right), "denominator": len(returns)}
        )
    rows = _read(truth_dir / "truth_rows.csv")
    if rows is not None:
        rows = _key_frame(rows)
    tables = (("systems", SYSTEM_FIELDS), ("skills", SKILL_FIELDS), ("maturity", MATURITY_FIELDS))
    for name, fields in tables:
        truth, processed = _read(truth_dir / f"{name}.csv"), _read(processed_dir / f"{name}.csv")
        if truth is None or processed is None:
            continue
        if name == "systems":  # the survey's own rows and values (see survey_view)
            processed = survey_view(processed, _read(processed_dir / "corrections.csv"))
        comparison = compare_rows(truth, processed, fields)
        found = _row_measures(name, comparison, fields)
        if name == "systems":
            true_keys = set(map(tuple, _key_frame(truth)[KEY].to_numpy()))
            out_keys = list(map(tuple, _key_frame(processed)[KEY].to_numpy()))
            found.insert(
                1,
                {
                    "measure": "systems_precision",
                    "numerator": sum(k in true_keys for k in out_keys),
                    "denominator": len(out_keys),
                },
            )
        measures.extend(found)
    rejected = _read(processed_dir / "rejected.csv")
    if rows is not None and rejected is not None:
        rejected = rejected[~rejected["source_file"].isin(_payment_files(processed_dir, truth_dir))]
        rejected = _key_frame(rejected[rejected["sheet"] != REGISTER_SHEET])
        true_rejected = rows[rows["outcome"] == "rejected"]
        got = {
            (f, fold(s), r): reason
            for f, s, r, reason in zip(
                rejected["source_file"],
                rejected["sheet"],
                rejected["source_row"],
                rejected["reason"],
            )
        }
        want = {
            (f, fold(s), r): reason
            for f, s, r, reason in zip(
                true_rejected["source_file"],
                true_rejected["sheet"],
                true_rejected["source_row"],
                true_rejected["reason"],
            )
        }
        measures.append(
            {
                "measure": "rejected_found",
                "numerator": sum(k in got for k in want),
                "denominator": len(want),
            }
        )
        measures.append(
            {
                "measure": "rejected_reason",
                "numerator": sum(got.get(k) == v for k, v in want.items()),
                "denominator": len(want),
            }
        )
        measures.append(
            {
                "measure": "rejected_precision",
                "numerator": sum(k in want for k in got),
                "denominator": len(got),
            }
        )
    measures.extend(_integration_measures(processed_dir, truth_dir))
    frame = pd.DataFrame(measures, columns=["measure", "numerator", "denominator"])
    frame["numerator"] = frame["numerator"].astype(int)
    frame["denominator"] = frame["denominator"].astype(int)
    frame["share"] = [_share(n, d) for n, d in zip(frame["numerator"], frame["denominator"])]
    return frame


def _integration_measures(processed_dir: Path, truth_dir: Path) -> list[dict]:
    truth = _read(truth_dir / "integrations.csv")
    links, systems = _read(processed_dir / "integrations.csv"), _read(processed_dir / "systems.csv")
    if truth is None or links is None or systems is None:
        return []
    systems = survey_view(systems, None)
    where = {
        rid: (f, r)
        for rid, f, r in zip(systems["record_id"], systems["source_file"], systems["source_row"])
    }
    found: dict[tuple, str] = {}
    for record_id, linked_id, name in zip(
        links["record_id"], links["linked_record_id"], links["linked_name"]
    ):
        if record_id not in where:
            continue
        file, row = where[record_id]
        linked_row = where.get(linked_id, ("", ""))[1] if linked_id else ""
        found[(file, row, fold(name))] = linked_row
    # A name that links to no system of its return is not stored: it is logged instead.
    logged: set[tuple] = set()
    corrections = _read(processed_dir / "corrections.csv")
    if corrections is not None and len(corrections):
        unlinked = corrections[corrections["column"] == "integrates_with"]
        logged = {
            (f, str(r), fold(n))
            for f, r, n in zip(
                unlinked["source_file"], unlinked["source_row"], unlinked["raw_value"]
            )
        }
    truth = _key_frame(truth)
    right = 0
    for file, row, name, linked_row in zip(
        truth["source_file"], truth["source_row"], truth["linked_name"], truth["linked_source_row"]
    ):
        key = (file, row, fold(name))
        linked = str(int(float(linked_row))) if str(linked_row).strip() else ""
        if linked:
            right += key in found and found[key] == linked
        else:
            right += key not in found and (file, str(row), fold(name)) in logged
    return [{"measure": "integrations_found", "numerator": right, "denominator": len(truth)}]


def _payment_files(processed_dir: Path, truth_dir: Path) -> set[str]:
    """The payment files of a release and its truth (their rejections are not the survey's)."""
    files: set[str] = set()
    for frame in (
        _read(Path(truth_dir) / "payment_rows.csv"),
        _read(Path(processed_dir) / "payments.csv"),
    ):
        if frame is not None:
            files.update(frame["source_file"])
    return files


def _measure(measure: str, numerator: int, denominator: int) -> dict:
    return {"measure": measure, "numerator": int(numerator), "denominator": int(denominator)}


def measure_registers(processed_dir: Path, truth_dir: Path) -> pd.DataFrame:
    """Measure the reading, IT classification and matching of the contract registers.

    Parameters
    ----------
    processed_dir
        A release with ``contracts.csv``, ``systems.csv``, ``rejected.csv`` and
        ``corrections.csv``.
    truth_dir
        The synthetic truth: ``register_rows.csv`` (each register row: kept or rejected with
        its reason, ``is_it``, the ``system_ids`` it is the contract of, separated by ``|``,
        and its true product, service area, dates and values), ``systems.csv`` (the survey
        rows' system ids) and ``london.csv`` (who responded).

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``numerator``, ``denominator``, ``share``; empty when either side has
        no registers. The measures:

        - ``registers_found``: true kept rows present in ``contracts.csv``;
          ``registers_rejected``: true rejections in ``rejected.csv`` with the right reason;
        - ``it_precision``: rows classed IT that are IT; ``it_recall``: IT rows classed IT;
        - ``match_precision``: matched rows whose system is one the row is the contract of;
          ``match_recall``: contracts of survey systems (counted once with their history:
          the rows with one set of true ``system_ids``) with a row matched to one of them;
        - ``added_precision``: register-only systems made from a true system's contract,
          each true contract counted once (a second system from another contract of the
          same system is wrong); ``added_recall``: the products in use at non-responding
          authorities, by service area, whose contract in force (true ``contract_role``
          ``current``) is in their register, that are added as a system;
          ``added.product``, ``added.service_area``: added systems with it right;
        - ``history_precision``: rows given ``same_system`` that are a contract of a true
          system of the product their system names; ``history_recall``: the earlier lets and
          second listings of systems (``contract_role`` ``earlier``, ``relisted``) given
          ``same_system`` or ``matched`` with a system of their product;
        - ``ended_precision``: rows given ``ended_before_snapshot`` that are not the contract
          in force of a system; ``ended_recall``: contracts of products the authority had
          replaced (``kind`` ``replaced``) given ``ended_before_snapshot``;
        - ``added_on_ended``: register-only systems whose contract ended before the snapshot
          date (the measure counts those that did not: it must be all);
        - ``fills``: values filled from a register (``from_register``) that equal the true
          value (dates exact, yearly costs within £1).
    """
    processed_dir, truth_dir = Path(processed_dir), Path(truth_dir)
    truth = _read(truth_dir / "register_rows.csv")
    contracts = _read(processed_dir / "contracts.csv")
    columns = ["measure", "numerator", "denominator", "share"]
    if truth is None or contracts is None:
        return pd.DataFrame(columns=columns)
    truth, contracts = _key_frame(truth), _key_frame(contracts)
    kept = truth[truth["outcome"] == "kept"]
    kept = kept.rename(columns={c: f"{c}_true" for c in kept.columns if c not in KEY})
    joined = kept.merge(contracts, on=KEY, how="left", indicator=True)
    found = joined[joined["_merge"] == "both"]
    measures = [_measure("registers_found", len(found), len(kept))]
    rejected = _read(processed_dir / "rejected.csv")
    if rejected is not None:
        rejected = _key_frame(rejected[rejected["sheet"] == REGISTER_SHEET])
        got = dict(zip(zip(rejected["source_file"], rejected["source_row"]), rejected["reason"]))
        want = truth[truth["outcome"] == "rejected"]
        right = sum(
            got.get(k) == r
            for k, r in zip(zip(want["source_file"], want["source_row"]), want["reason"])
        )
        measures.append(_measure("registers_rejected", right, len(want)))
    is_it, said_it = found["is_it_true"] == "true", found["is_it"] == "true"
    measures.append(_measure("it_precision", (is_it & said_it).sum(), said_it.sum()))
    measures.append(_measure("it_recall", (is_it & said_it).sum(), is_it.sum()))
    # what each processed record is, in the truth's terms
    systems = _read(processed_dir / "systems.csv")
    survey_truth = _read(truth_dir / "systems.csv")
    london = _read(truth_dir / "london.csv")
    if systems is None or survey_truth is None or london is None:
        return _frame(measures, columns)
    systems = _key_frame(systems)
    survey_truth = _key_frame(survey_truth)
    true_id = dict(
        zip(zip(survey_truth["source_file"], survey_truth["source_row"]), survey_truth["system_id"])
    )
    record_system = {
        rid: true_id.get((f, r), "")
        for rid, f, r in zip(systems["record_id"], systems["source_file"], systems["source_row"])
    }
    in_survey = set(survey_truth["system_id"])
    responded = set(london.loc[london["responded"] == "true", "gss_code"])
    ids = found["system_ids_true"].map(lambda text: set(filter(None, str(text).split("|"))))
    matched = found["outcome"] == "matched"
    right = [record_system.get(rid, "") in want for rid, want in zip(found["record_id"], ids)]
    right = pd.Series(right, index=found.index)
    matchable = ids.map(lambda group: bool(group & in_survey))
    measures.append(_measure("match_precision", (matched & right).sum(), matched.sum()))
    groups = found.loc[matchable, "system_ids_true"]
    hit = set(found.loc[matchable & matched & right, "system_ids_true"])
    measures.append(_measure("match_recall", len(hit & set(groups)), groups.nunique()))
    added = found["outcome"] == "added"
    is_system = found["kind_true"] == "system"
    role = found.get("contract_role_true", pd.Series("current", index=found.index))
    twice = found[added & is_system]["system_ids_true"].duplicated()
    right_added = added & is_system & ~twice.reindex(found.index, fill_value=False)
    measures.append(_measure("added_precision", right_added.sum(), added.sum()))
    by_id = systems.set_index("record_id")
    register_systems = systems[systems["source"] == "register"]
    placed = set(
        zip(
            register_systems["gss_code"],
            register_systems["product"],
            register_systems["service_area"],
        )
    )
    silent = is_system & (role == "current") & ~found["gss_code_true"].isin(responded)
    wanted = set(
        zip(
            found.loc[silent, "gss_code_true"],
            found.loc[silent, "product_true"],
            found.loc[silent, "service_area_true"],
        )
    )
    measures.append(_measure("added_recall", len(wanted & placed), len(wanted)))
    good = found[added & is_system]
    for column in ("product", "service_area"):
        same = [
            by_id.at[rid, column] == value if rid in by_id.index else False
            for rid, value in zip(good["record_id"], good[f"{column}_true"])
        ]
        measures.append(_measure(f"added.{column}", sum(same), len(good)))
    product_of = dict(zip(systems["record_id"], systems["product"]))
    same_product = pd.Series(
        [
            product_of.get(rid) == product
            for rid, product in zip(found["record_id"], found["product_true"])
        ],
        index=found.index,
    )
    history = found["outcome"] == "same_system"
    measures.append(
        _measure("history_precision", (history & is_system & same_product).sum(), history.sum())
    )
    earlier = is_system & role.isin(["earlier", "relisted"])
    kept_with = (history | matched) & same_product
    measures.append(_measure("history_recall", (earlier & kept_with).sum(), earlier.sum()))
    ended = found["outcome"] == "ended_before_snapshot"
    in_force = is_system & (role == "current")
    measures.append(_measure("ended_precision", (ended & ~in_force).sum(), ended.sum()))
    replaced = found["kind_true"] == "replaced"
    measures.append(_measure("ended_recall", (ended & replaced).sum(), replaced.sum()))
    snapshot = _snapshot(truth_dir)
    if snapshot:
        ends = register_systems["contract_end"]
        measures.append(
            _measure(
                "added_on_ended",
                int((~((ends != "") & (ends < snapshot))).sum()),
                len(register_systems),
            )
        )
    measures.append(_fill_measure(processed_dir, systems, found))
    return _frame(measures, columns)


def _snapshot(truth_dir: Path) -> str:
    """The round's snapshot date (ISO) from the truth's ``scenario.json``, or ''."""
    import json

    path = Path(truth_dir) / "scenario.json"
    if not path.exists():
        return ""
    scenario = json.loads(path.read_text(encoding="utf-8"))
    return str(scenario.get("snapshot_date") or scenario.get("snapshot") or "")


def _fill_measure(processed_dir: Path, systems: pd.DataFrame, found: pd.DataFrame) -> dict:
    corrections = _read(processed_dir / "corrections.csv")
    if corrections is None:
        return _measure("fills", 0, 0)
    fills = _key_frame(corrections[corrections["rule"].str.endswith("from_register")])
    record_of = dict(zip(zip(systems["source_file"], systems["source_row"]), systems["record_id"]))
    matched = found[found["outcome"] == "matched"]  # the row a fill came from
    truth_of = {
        rid: row for rid, row in zip(matched["record_id"], matched.to_dict("records")) if rid
    }
    right = 0
    for file, row, column, value in zip(
        fills["source_file"], fills["source_row"], fills["column"], fills["clean_value"]
    ):
        register_row = truth_of.get(record_of.get((file, row), ""))
        if register_row is None:
            continue
        if column == "annual_cost_gbp":
            a, b = _number(value), _number(register_row.get("annual_cost_gbp_true", ""))
            right += a is not None and b is not None and abs(a - b) <= DERIVED_COST_TOLERANCE_GBP
        else:
            right += same_value(register_row.get(f"{column}_true", ""), value, "date")
    return _measure("fills", right, len(fills))


def _frame(measures: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(measures, columns=columns[:3])
    frame["numerator"] = frame["numerator"].astype(int)
    frame["denominator"] = frame["denominator"].astype(int)
    frame["share"] = [_share(n, d) for n, d in zip(frame["numerator"], frame["denominator"])]
    return frame


def register_scores_text(scores: pd.DataFrame) -> str:
    """The closing sentence on the registers: classification and matching precision and recall.

    Parameters
    ----------
    scores
        The result of :func:`measure_registers`.

    Returns
    -------
    str
        Shares as percentages with one decimal and their counts, e.g. "IT classification:
        precision 98.8% (1,010 of 1,022 rows classed IT), recall 93.8% (…)".
    """
    table = scores.set_index("measure")

    def part(measure: str, what: str) -> str:
        row = table.loc[measure]
        share = "n/a" if pd.isna(row["share"]) else f"{row['share']:.1%}"
        return f"{share} ({int(row['numerator']):,} of {int(row['denominator']):,} {what})"

    return (
        f"IT classification: precision {part('it_precision', 'rows classed IT')}, recall "
        f"{part('it_recall', 'IT rows')}. Matching to survey systems: precision "
        f"{part('match_precision', 'matches made')}, recall "
        f"{part('match_recall', 'contracts of survey systems')}. Systems "
        f"added for authorities that did not respond: precision "
        f"{part('added_precision', 'added')}, recall "
        f"{part('added_recall', 'products in force in their registers')}."
        + _history_text(table, part)
    )


def _history_text(table: pd.DataFrame, part) -> str:
    """The sentence on contract histories and ended contracts, when they were measured."""
    wanted = ("history_precision", "history_recall", "ended_precision", "ended_recall")
    if not set(wanted) <= set(table.index):
        return ""
    return (
        f" Other contracts of a system counted (earlier lets, extensions, second listings): "
        f"precision {part('history_precision', 'rows so placed')}, recall "
        f"{part('history_recall', 'such rows')}. Contracts ended before the snapshot: "
        f"precision {part('ended_precision', 'rows taken as ended')}, recall "
        f"{part('ended_recall', 'contracts of products since replaced')}."
    )


__all__ = [
    "COST_TOLERANCE_GBP",
    "compare_rows",
    "measure_recovery",
    "measure_registers",
    "measure_spend",
    "register_scores_text",
    "same_value",
    "survey_view",
]


def measure_spend(processed_dir: Path, truth_dir: Path) -> pd.DataFrame:
    """Measure the reading and IT classification of the payment files against the truth.

    Parameters
    ----------
    processed_dir
        A release with ``payments.csv`` and ``rejected.csv``.
    truth_dir
        The synthetic truth with ``payment_rows.csv`` (each row: kept or rejected with its
        reason, ``is_it``, its date and amount).

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``numerator``, ``denominator``, ``share``; empty when either side has no
        spend. The measures: ``payments_found`` (true payments in ``payments.csv``),
        ``payments_rejected`` (totals and notes in ``rejected.csv`` with the right reason),
        ``payments.amount_gbp`` and ``payments.payment_date`` (found payments with the true
        value), ``it_precision`` and ``it_recall`` (of the IT rules).
    """
    processed_dir, truth_dir = Path(processed_dir), Path(truth_dir)
    truth = _read(truth_dir / "payment_rows.csv")
    payments = _read(processed_dir / "payments.csv")
    columns = ["measure", "numerator", "denominator", "share"]
    if truth is None or payments is None:
        return pd.DataFrame(columns=columns)
    truth, payments = _key_frame(truth), _key_frame(payments)
    kept = truth[truth["outcome"] == "kept"]
    kept = kept.rename(columns={c: f"{c}_true" for c in kept.columns if c not in KEY})
    joined = kept.merge(payments, on=KEY, how="left", indicator=True)
    found = joined[joined["_merge"] == "both"]
    measures = [_measure("payments_found", len(found), len(kept))]
    rejected = _read(processed_dir / "rejected.csv")
    want = truth[truth["outcome"] == "rejected"]
    if rejected is not None:
        rejected = _key_frame(rejected)
        got = dict(zip(zip(rejected["source_file"], rejected["source_row"]), rejected["reason"]))
        right = sum(
            got.get(k) == r
            for k, r in zip(zip(want["source_file"], want["source_row"]), want["reason"])
        )
        measures.append(_measure("payments_rejected", right, len(want)))
    amounts = sum(
        _number(a) is not None
        and _number(b) is not None
        and abs(_number(a) - _number(b)) < 0.005  # to the penny
        for a, b in zip(found["amount_gbp_true"], found["amount_gbp"])
    )
    measures.append(_measure("payments.amount_gbp", amounts, len(found)))
    dates = sum(
        same_value(a, b, "date") for a, b in zip(found["payment_date_true"], found["payment_date"])
    )
    measures.append(_measure("payments.payment_date", dates, len(found)))
    is_it, said_it = found["is_it_true"] == "true", found["is_it"] == "true"
    measures.append(_measure("it_precision", (is_it & said_it).sum(), said_it.sum()))
    measures.append(_measure("it_recall", (is_it & said_it).sum(), is_it.sum()))
    return _frame(measures, columns)
