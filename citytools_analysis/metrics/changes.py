"""What changed between two survey rounds: systems matched across releases and classified.

A system of the earlier release is matched to one of the later release at the same
authority and in the same service area, by function first, then by product (the rules are
in the methodology, "Matching systems across rounds"):

1. Candidates are the pairs of the two rounds' systems at one authority and in one service
   area that share a function (compared without case or spacing; a blank function shares
   nothing) or a product.
2. Pairs are taken greedily, best first: a shared function beats a shared product, which
   beats a shared supplier, which beats an unchanged contract; ties go to the lower record
   ids. A system is paired at most once.
3. When as many systems of each round are left unpaired in an authority's service area and
   those of one round have no function (its return had no Function column), they are
   paired in record order (the order of the return's rows): the places are the same, the
   product changed.
4. Everything else is unpaired: ``retired`` in the earlier round, ``new`` in the later.

Only what an authority said in its return is compared (``source`` ``survey`` or ``both``);
systems known only from a contract register are not. An authority that answered one round
and not the other has its systems classed ``not_observed``, never ``retired`` or ``new``.

A pair is ``switched_product`` when the product differs, else ``switched_supplier`` when the
supplier differs, else ``continued`` when the contract's end is unchanged (the same end
date, or rolling in both rounds; an end unknown in either round never counts as a change),
else ``renewed``. The start date is not compared: a contract register fills in a start the
return left blank, and a new or extended contract always has a new end. The class names and their meaning are data: ``data/raw/reference/change_classes.csv``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.paths import PROJECT_ROOT, REFERENCE_DIR
from citytools_analysis.release.processed import read_table, responded_mask

CHANGE_COLUMNS = [
    "gss_code",
    "service_area",
    "function",
    "change",
    "product_before",
    "product_after",
    "manufacturer_before",
    "manufacturer_after",
    "supplier_before",
    "supplier_after",
    "contract_end_before",
    "contract_end_after",
    "contract_end_status_before",
    "contract_end_status_after",
    "satisfaction_before",
    "satisfaction_after",
    "replacement_planned_before",
    "record_id_before",
    "record_id_after",
]
#: The survey's own rows; register-only systems are not compared across rounds.
OBSERVED_SOURCES = ("survey", "both")
_SIDE_COLUMNS = (
    "product",
    "manufacturer",
    "supplier",
    "contract_end",
    "contract_end_status",
    "satisfaction",
)


def change_classes(reference_dir: Path | str = REFERENCE_DIR) -> pd.DataFrame:
    """The change classes (``change``, ``label``, ``meaning``), in the order the report uses."""
    return pd.read_csv(Path(reference_dir) / "change_classes.csv", dtype=str, keep_default_na=False)


def change_labels(reference_dir: Path | str = REFERENCE_DIR) -> dict[str, str]:
    """Change class → the label readers see (``change_classes.csv``)."""
    classes = change_classes(reference_dir)
    return dict(zip(classes["change"], classes["label"]))


@dataclass(frozen=True)
class RoundRelease:
    """What the comparison needs of one release: its round, who answered, what they said."""

    round_name: str
    responded: frozenset[str]
    systems: pd.DataFrame


def read_round_release(release_dir: Path | str) -> RoundRelease:
    """Read a release's round name, responding authorities and survey systems."""
    release_dir = Path(release_dir)
    package = release_dir / "datapackage.json"
    if not package.is_file():
        raise FileNotFoundError(f"not a release (no datapackage.json): {release_dir}")
    round_name = json.loads(package.read_text(encoding="utf-8")).get("round") or ""
    authorities = read_table("authorities", release_dir)
    systems = read_table("systems", release_dir)
    responded = frozenset(authorities.loc[responded_mask(authorities), "gss_code"])
    # Only what matching and the change records read: rows of few columns iterate quickly.
    kept = ["record_id", "gss_code", "service_area", "function", "replacement_planned"]
    systems = systems.loc[systems["source"].isin(OBSERVED_SOURCES), [*kept, *_SIDE_COLUMNS]].copy()
    return RoundRelease(
        str(round_name), responded, systems.sort_values("record_id").reset_index(drop=True)
    )


def _fold(value: object) -> str:
    return "" if is_blank(value) else " ".join(str(value).casefold().split())


def _known(value: object) -> bool:
    return not is_blank(value)


def _same_contract(before: pd.Series, after: pd.Series) -> bool:
    """The contract's end is unchanged (an end unknown in either round is not a change)."""
    status_before, status_after = before["contract_end_status"], after["contract_end_status"]
    if not (_known(status_before) and _known(status_after)) or "unknown" in (
        status_before,
        status_after,
    ):
        return True
    if status_before != status_after:
        return False
    if status_before == "date" and _known(before["contract_end"]) and _known(after["contract_end"]):
        return before["contract_end"] == after["contract_end"]
    return True


def classify_pair(before: pd.Series, after: pd.Series) -> str:
    """The change from one system to its match in the later round."""
    if before["product"] != after["product"]:
        return "switched_product"
    if (
        _known(before["supplier"])
        and _known(after["supplier"])
        and before["supplier"] != after["supplier"]
    ):
        return "switched_supplier"
    return "continued" if _same_contract(before, after) else "renewed"


def _score(before: pd.Series, after: pd.Series) -> tuple[bool, bool, bool, bool] | None:
    function = bool(_fold(before["function"])) and _fold(before["function"]) == _fold(
        after["function"]
    )
    product = before["product"] == after["product"]
    if not (function or product):
        return None
    supplier = _known(before["supplier"]) and before["supplier"] == after["supplier"]
    return (function, product, bool(supplier), _same_contract(before, after))


def match_area(before: pd.DataFrame, after: pd.DataFrame) -> list[tuple[int | None, int | None]]:
    """Pair one authority's systems in one service area across two rounds (index pairs).

    Returns pairs of row labels of ``before`` and ``after``; ``(label, None)`` is a system
    with no match in the later round, ``(None, label)`` one with none in the earlier.
    """
    candidates = []
    for i, a in before.iterrows():
        for j, b in after.iterrows():
            score = _score(a, b)
            if score is not None:
                candidates.append((score, a["record_id"], b["record_id"], i, j))
    candidates.sort(key=lambda c: (tuple(not s for s in c[0]), c[1], c[2]))
    used_before: set = set()
    used_after: set = set()
    pairs: list[tuple[int | None, int | None]] = []
    for _points, _a, _b, i, j in candidates:
        if i in used_before or j in used_after:
            continue
        used_before.add(i)
        used_after.add(j)
        pairs.append((i, j))
    left_before = [i for i in before.index if i not in used_before]
    left_after = [j for j in after.index if j not in used_after]
    if (
        left_before
        and len(left_before) == len(left_after)
        and (
            not any(_fold(before.at[i, "function"]) for i in left_before)
            or not any(_fold(after.at[j, "function"]) for j in left_after)
        )
    ):
        by_record_before = sorted(left_before, key=lambda i: before.at[i, "record_id"])
        by_record_after = sorted(left_after, key=lambda j: after.at[j, "record_id"])
        pairs += list(zip(by_record_before, by_record_after))
        left_before, left_after = [], []
    pairs += [(i, None) for i in left_before] + [(None, j) for j in left_after]
    return pairs


def _text(value: object) -> str:
    if not _known(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _record(
    gss_code: str, area: str, change: str, before: pd.Series | None, after: pd.Series | None
) -> dict:
    function = ""
    if after is not None and _known(after["function"]):
        function = after["function"]
    elif before is not None and _known(before["function"]):
        function = before["function"]
    record = {"gss_code": gss_code, "service_area": area, "function": function, "change": change}
    for side, row in (("before", before), ("after", after)):
        for column in _SIDE_COLUMNS:
            record[f"{column}_{side}"] = _text(row[column]) if row is not None else ""
        record[f"record_id_{side}"] = row["record_id"] if row is not None else ""
    record["replacement_planned_before"] = (
        _text(before["replacement_planned"]) if before is not None else ""
    )
    return record


def compare_rounds(before: RoundRelease, after: RoundRelease) -> pd.DataFrame:
    """One record per change between two rounds (columns ``CHANGE_COLUMNS``), sorted.

    Parameters
    ----------
    before, after
        The earlier and the later round (:func:`read_round_release`).
    """
    records: list[dict] = []
    both = before.responded & after.responded
    for side, release, other in (("before", before, after), ("after", after, before)):
        lone = release.systems[~release.systems["gss_code"].isin(other.responded)]
        for _, row in lone.iterrows():
            if row["gss_code"] not in release.responded:
                continue
            pair = (row, None) if side == "before" else (None, row)
            records.append(_record(row["gss_code"], row["service_area"], "not_observed", *pair))
    old = before.systems[before.systems["gss_code"].isin(both)]
    new = after.systems[after.systems["gss_code"].isin(both)]
    keys = sorted(
        set(zip(old["gss_code"], old["service_area"]))
        | set(zip(new["gss_code"], new["service_area"]))
    )
    old_groups = {key: group for key, group in old.groupby(["gss_code", "service_area"], sort=True)}
    new_groups = {key: group for key, group in new.groupby(["gss_code", "service_area"], sort=True)}
    empty_old, empty_new = old.iloc[0:0], new.iloc[0:0]
    for key in keys:
        group_old = old_groups.get(key, empty_old)
        group_new = new_groups.get(key, empty_new)
        for i, j in match_area(group_old, group_new):
            row_old = group_old.loc[i] if i is not None else None
            row_new = group_new.loc[j] if j is not None else None
            if row_old is None:
                change = "new"
            elif row_new is None:
                change = "retired"
            else:
                change = classify_pair(row_old, row_new)
            records.append(_record(key[0], key[1], change, row_old, row_new))
    frame = pd.DataFrame(records, columns=CHANGE_COLUMNS)
    return frame.sort_values(
        ["gss_code", "service_area", "function", "record_id_before", "record_id_after"],
        kind="stable",
    ).reset_index(drop=True)


def changes_between(from_dir: Path | str, to_dir: Path | str) -> pd.DataFrame:
    """The changes from the release in ``from_dir`` to the one in ``to_dir``."""
    return compare_rounds(read_round_release(from_dir), read_round_release(to_dir))


def change_counts(changes: pd.DataFrame, reference_dir: Path | str = REFERENCE_DIR) -> pd.Series:
    """How many records of each change class (every class listed, in the reference order)."""
    order = list(change_classes(reference_dir)["change"])
    return changes["change"].value_counts().reindex(order, fill_value=0).astype(int)


# ------------------------------------------------------------------------------------------
# what the changes say: the figures of the chapter "What changed since the last round"
# ------------------------------------------------------------------------------------------

#: Changes of a system kept in place (one product, one place, both rounds).
KEPT = ("continued", "renewed", "switched_supplier")
#: Changes where a contract was let again: renewed with the incumbent, or re-procured.
RELET = ("renewed", "switched_supplier", "switched_product")
#: Classes of a system seen in both rounds (matched pairs).
MATCHED = ("continued", "renewed", "switched_supplier", "switched_product")


def switching_by_area(changes: pd.DataFrame) -> pd.DataFrame:
    """Per service area, the matched systems and the share of each change among them.

    Returns columns ``service_area, matched`` and, for each class of ``MATCHED``, its count
    and ``share_<class>``, plus ``switch_rate`` (switched supplier or product over matched);
    sorted by switch rate, highest first, then service area.
    """
    matched = changes[changes["change"].isin(MATCHED)]
    counts = (
        matched.groupby(["service_area", "change"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(MATCHED), fill_value=0)
    )
    table = counts.reset_index()
    table["matched"] = counts.sum(axis=1).to_numpy()
    for change in MATCHED:
        table[f"share_{change}"] = table[change] / table["matched"]
    table["switch_rate"] = (table["switched_supplier"] + table["switched_product"]) / table[
        "matched"
    ]
    columns = ["service_area", "matched", *MATCHED, *(f"share_{c}" for c in MATCHED), "switch_rate"]
    return (
        table[columns]
        .sort_values(["switch_rate", "service_area"], ascending=[False, True], kind="mergesort")
        .reset_index(drop=True)
    )


def supplier_flows(changes: pd.DataFrame) -> pd.DataFrame:
    """Who won from whom: systems that moved from one supplier to another.

    Returns columns ``supplier_before, supplier_after, systems``, most systems first.
    """
    moved = changes[
        changes["change"].isin(("switched_supplier", "switched_product"))
        & (changes["supplier_before"] != changes["supplier_after"])
        & (changes["supplier_before"] != "")
        & (changes["supplier_after"] != "")
    ]
    flows = (
        moved.groupby(["supplier_before", "supplier_after"]).size().rename("systems").reset_index()
    )
    return flows.sort_values(
        ["systems", "supplier_before", "supplier_after"],
        ascending=[False, True, True],
        kind="mergesort",
    ).reset_index(drop=True)


def supplier_gains(changes: pd.DataFrame) -> pd.DataFrame:
    """Per supplier: systems won from another supplier, lost to one, and the net.

    Returns columns ``supplier, won, lost, net``, largest net first (ties by supplier).
    """
    flows = supplier_flows(changes)
    won = flows.groupby("supplier_after")["systems"].sum()
    lost = flows.groupby("supplier_before")["systems"].sum()
    suppliers = sorted(set(won.index) | set(lost.index))
    table = pd.DataFrame(
        {
            "supplier": suppliers,
            "won": [int(won.get(s, 0)) for s in suppliers],
            "lost": [int(lost.get(s, 0)) for s in suppliers],
        }
    )
    table["net"] = table["won"] - table["lost"]
    return table.sort_values(
        ["net", "supplier"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def relet_contracts(changes: pd.DataFrame) -> pd.DataFrame:
    """Contracts let again between the rounds: renewed with the incumbent or re-procured.

    Returns one row per class of ``RELET`` (``change, systems, share``), the share over
    all of them.
    """
    counts = changes["change"].value_counts().reindex(list(RELET), fill_value=0).astype(int)
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "change": list(RELET),
            "systems": counts.to_list(),
            "share": [c / total if total else float("nan") for c in counts],
        }
    )


def new_entrant_wins(changes: pd.DataFrame, before_systems: pd.DataFrame) -> pd.DataFrame:
    """Systems won by a manufacturer no authority ran in the earlier round.

    ``before_systems`` is the earlier release's ``systems`` table (all sources: a
    manufacturer known from a contract register is not new). Returns the change records of
    ``switched_product`` and ``new`` systems whose manufacturer is new, sorted.
    """
    known = set(before_systems["manufacturer"].dropna())
    wins = changes[
        changes["change"].isin(("switched_product", "new"))
        & (changes["manufacturer_after"] != "")
        & ~changes["manufacturer_after"].isin(known)
    ]
    return wins.reset_index(drop=True)


def satisfaction_change(changes: pd.DataFrame) -> pd.DataFrame:
    """Mean satisfaction before and after, for kept and replaced systems.

    Groups: ``kept against a replacement plan`` (kept although the earlier round planned a
    replacement: ``replacement_planned_before`` "Yes"), ``kept`` (other kept systems) and
    ``replaced`` (``switched_product``). Only systems rated in both rounds count. Returns
    columns ``group, systems, mean_before, mean_after, mean_change``.
    """
    rated = changes[
        (changes["satisfaction_before"] != "") & (changes["satisfaction_after"] != "")
    ].copy()
    rated["before"] = rated["satisfaction_before"].astype(float)
    rated["after"] = rated["satisfaction_after"].astype(float)
    kept = rated["change"].isin(KEPT)
    planned = rated["replacement_planned_before"] == "Yes"
    groups = [
        ("kept against a replacement plan", rated[kept & planned]),
        ("kept", rated[kept & ~planned]),
        ("replaced", rated[rated["change"] == "switched_product"]),
    ]
    rows = []
    for name, group in groups:
        rows.append(
            {
                "group": name,
                "systems": len(group),
                "mean_before": group["before"].mean() if len(group) else float("nan"),
                "mean_after": group["after"].mean() if len(group) else float("nan"),
                "mean_change": (group["after"] - group["before"]).mean()
                if len(group)
                else float("nan"),
            }
        )
    return pd.DataFrame(
        rows, columns=["group", "systems", "mean_before", "mean_after", "mean_change"]
    )


#: What became of a joint-procurement opportunity of the earlier round, in the order checked.
OPPORTUNITY_OUTCOMES = (
    "realised together",
    "still to come",
    "switched apart",
    "renewed separately",
    "not observed",
)


def opportunity_outcome(members: pd.DataFrame) -> str:
    """What became of one opportunity, from the change records of its systems.

    - ``not observed``: none of its authorities answered the later round;
    - ``realised together``: at least half of the authorities observed, and at least three
      (two when only two were observed), now run one product from one supplier on contracts
      ending the same day, after changing (not ``continued``);
    - ``still to come``: most observed systems ``continued`` (their contracts were not yet
      let again);
    - ``switched apart``: some moved to another product, not together;
    - ``renewed separately``: otherwise (renewed or re-let to another supplier one by one).
    """
    observed = members[members["change"] != "not_observed"]
    if observed.empty:
        return "not observed"
    changed = observed[observed["change"] != "continued"]
    if not changed.empty:
        together = changed.groupby(["product_after", "supplier_after", "contract_end_after"])[
            "gss_code"
        ].nunique()
        largest = int(together.max())
        seen = observed["gss_code"].nunique()
        if largest >= 2 and largest * 2 >= seen and largest >= min(3, seen):
            return "realised together"
    if (observed["change"] == "continued").sum() * 2 > len(observed):
        return "still to come"
    if (observed["change"] == "switched_product").any():
        return "switched apart"
    return "renewed separately"


def opportunity_outcomes(opportunities: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """For each joint-procurement opportunity of the earlier round, what happened.

    Parameters
    ----------
    opportunities
        The earlier release's opportunities
        (:func:`citytools_analysis.metrics.collaboration.joint_procurement`), with their
        ``record_ids``.
    changes
        The changes from that release to the later one (:func:`compare_rounds`).

    Returns
    -------
    pandas.DataFrame
        The opportunity's ``kind, name, service_area, authorities, first_end, last_end``, and
        ``outcome`` (one of ``OPPORTUNITY_OUTCOMES``), ``observed`` (authorities seen in both
        rounds), ``products_after`` (the products its systems run now, ``|``-separated).
    """
    by_record = changes[changes["record_id_before"] != ""].set_index("record_id_before")
    rows = []
    for opportunity in opportunities.itertuples():
        ids = [r for r in opportunity.record_ids if r in by_record.index]
        members = by_record.loc[ids].reset_index()
        observed = members[members["change"] != "not_observed"]
        rows.append(
            {
                "kind": opportunity.kind,
                "name": opportunity.name,
                "service_area": opportunity.service_area,
                "authorities": opportunity.authorities,
                "first_end": opportunity.first_end,
                "last_end": opportunity.last_end,
                "outcome": opportunity_outcome(members),
                "observed": int(observed["gss_code"].nunique()),
                "products_after": "|".join(sorted(set(observed["product_after"]) - {""})),
            }
        )
    columns = [
        "kind",
        "name",
        "service_area",
        "authorities",
        "first_end",
        "last_end",
        "outcome",
        "observed",
        "products_after",
    ]
    return pd.DataFrame(rows, columns=columns)


def changes_source(earlier_dir: Path | str, later_dir: Path | str) -> str:
    """The source line of a figure comparing two rounds: both rounds, synthetic or not, both files."""
    parts = []
    for folder in (Path(earlier_dir), Path(later_dir)):
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        try:
            where = folder.resolve().relative_to(PROJECT_ROOT).as_posix()
        except ValueError:
            where = folder.name
        synthetic = " (synthetic)" if package.get("synthetic") else ""
        parts.append((package.get("round") or "?", synthetic, f"{where}/systems.csv"))
    rounds = " and ".join(f"{name}{synthetic}" for name, synthetic, _ in parts)
    return f"City Tools: London survey rounds {rounds}, {parts[0][2]} and {parts[1][2]}"
