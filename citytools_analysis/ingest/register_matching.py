"""Matching register rows to survey systems, and placing the rows of register-only authorities.

A register row is matched to a survey system of the same authority (:func:`match_to_systems`);
at an authority that did not respond, the IT rows become systems of their own
(:func:`place_system`), several contracts for one product being one system
(:func:`same_system_groups`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.reference import fold
from citytools_analysis.ingest.register_rules import RegisterRules, _phrase

#: Date distance (days) used when a pair of contracts cannot be compared on dates.
UNKNOWN_DATE_DISTANCE = 100_000


def _date(value: Any) -> dt.date | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    return dt.date.fromisoformat(text[:10]) if text else None


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    """Whether two date ranges overlap; a missing bound is open."""
    if a_start is not None and b_end is not None and a_start > b_end:
        return False
    return not (b_start is not None and a_end is not None and b_start > a_end)


def _distance(row: dict, system: dict) -> int:
    pairs = [
        (row.get("contract_start"), _date(system.get("contract_start"))),
        (row.get("contract_end"), _date(system.get("contract_end"))),
    ]
    known = [abs((a - b).days) for a, b in pairs if a is not None and b is not None]
    return sum(known) if known else UNKNOWN_DATE_DISTANCE


def match_to_systems(
    rows: list[dict], systems: list[dict], rules: RegisterRules, snapshot: dt.date | None = None
) -> dict[tuple, str]:
    """Match IT register rows to survey systems, one to one.

    A pair is a candidate when the register row and the system belong to the same authority,
    have the same canonical supplier (the system's manufacturer when it gives none), their
    contract dates overlap (a missing date is open: a rolling contract has no end), and the
    row does not name another product than the system's. Candidates are ranked by the
    product named, the system's function named in the register text, the service area
    named, the closeness of the dates, then whether the row's contract spans the snapshot
    date (so that of a renewal and the contract it replaced, the one in force wins when the
    survey gives no dates); pairs are taken best first, each system at most once and each
    contract chain (:func:`contract_chains`: a contract, its extensions and renewals, a second
    listing) at most once, so that an extension cannot be matched to a second system.

    Parameters
    ----------
    rows
        Register rows with ``is_it`` (only IT rows are matched).
    systems
        Survey systems (``record_id``, ``gss_code``, ``supplier``, ``manufacturer``,
        ``product``, ``function``, ``service_area``, ``contract_start``, ``contract_end``).
    rules
        The prepared rules.
    snapshot
        The round's snapshot date (None: no contract is preferred for spanning it).

    Returns
    -------
    dict
        ``(source_file, source_row)`` of a register row → ``record_id`` of its system.
    """
    pairs = candidate_pairs(rows, systems, rules, snapshot)
    chain_of = contract_chains(rows, rules)
    matched: dict[tuple, str] = {}
    taken: set[str] = set()
    chains: set[tuple] = set()
    for _score, key, record_id in sorted(pairs):
        chain = chain_of.get(key, key)
        if chain in chains or record_id in taken:
            continue
        matched[key] = record_id
        taken.add(record_id)
        chains.add(chain)
    return matched


def candidate_pairs(
    rows: list[dict], systems: list[dict], rules: RegisterRules, snapshot: dt.date | None = None
) -> list[tuple[tuple, tuple, str]]:
    """Every (register row, survey system) pair that could be one contract, with its rank.

    See :func:`match_to_systems` for the conditions and the ranking.

    Returns
    -------
    list of (rank, (source_file, source_row), record_id)
        ``rank`` sorts best first.
    """
    by_key: dict[tuple, list[dict]] = {}
    for system in systems:
        supplier = system.get("supplier")
        if is_blank(supplier):
            supplier = system.get("manufacturer")
        if is_blank(supplier):
            continue
        by_key.setdefault((system["gss_code"], fold(supplier)), []).append(system)
    pairs = []
    for row in rows:
        if not row.get("is_it") or is_blank(row.get("supplier")):
            continue
        text = f"{row.get('title') or ''} {row.get('description') or ''}"
        folded = fold(text)
        named = rules.product_named(text)
        area = rules.area_named(text)
        for system in by_key.get((row["gss_code"], fold(row["supplier"])), []):
            if named is not None and named != system.get("product"):
                continue
            if not _overlap(
                row.get("contract_start"),
                row.get("contract_end"),
                _date(system.get("contract_start")),
                _date(system.get("contract_end")),
            ):
                continue
            function = fold(system.get("function") or "")
            score = (
                int(named is not None),
                int(bool(function) and _phrase(function).search(folded) is not None),
                int(area is not None and area == system.get("service_area")),
                -_distance(row, system),
                int(snapshot is not None and spans_snapshot(row, snapshot)),
            )
            pairs.append(
                (
                    tuple(-s for s in score),
                    (row["source_file"], row["source_row"]),
                    system["record_id"],
                )
            )
    return pairs


def product_and_area(row: dict, rules: RegisterRules) -> tuple[str, str] | None:
    """The product and service area a register row is the contract of, or None.

    The product is the one the text names, else the supplier's only product (in the service
    area the text names, if it names one). The service area is the one the text names, else
    the product's usual one.
    """
    text = f"{row.get('title') or ''} {row.get('description') or ''}"
    product = rules.product_named(text)
    area = rules.area_named(text)
    if product is None:
        candidates = rules.products_of.get(row.get("supplier") or "", [])
        if area is not None:
            candidates = [p for p in candidates if rules.catalogue[p][1] == area]
        if len(candidates) != 1:
            return None
        product = candidates[0]
    return product, area or rules.catalogue[product][1]


def place_system(row: dict, rules: RegisterRules) -> dict | None:
    """A register-only system from an IT register row, or None when it cannot be named.

    The product is the one the text names, else the supplier's only product (in the service
    area the text names, if it names one). The service area is the one the text names, else
    the product's usual one. Without a product the row stays a contract, not a system.

    Parameters
    ----------
    row
        A clean IT register row.
    rules
        The prepared rules.

    Returns
    -------
    dict or None
        A ``systems`` record (``source`` ``register``), or None.
    """
    named = product_and_area(row, rules)
    if named is None:
        return None
    product, area = named
    manufacturer = rules.catalogue[product][0]
    start, end, value = row.get("contract_start"), row.get("contract_end"), row.get("value_gbp")
    return {
        "record_id": f"{row['gss_code']}-R{int(row['source_row']):05d}",
        "gss_code": row["gss_code"],
        "service_area": area,
        "function": None,
        "product": product,
        "manufacturer": manufacturer,
        "supplier": row.get("supplier"),
        "system_type": rules.reference.default_system_type[area],
        "hosting": None,
        "contract_start": start,
        "contract_end": end,
        "contract_end_status": "date" if end is not None else "unknown",
        "annual_cost_gbp": annual_cost(value, start, end),
        "contract_value_gbp": value,
        "value_for_money": None,
        "satisfaction": None,
        "replacement_planned": None,
        "replacement_year": None,
        "source": "register",
        "source_file": row["source_file"],
        "source_row": row["source_row"],
    }


def annual_cost(value: float | None, start: dt.date | None, end: dt.date | None) -> float | None:
    """A contract's value per year: its total value over its length in years.

    The length is in whole months when the contract runs from the 1st of a month to the last
    day of a month (as most do), otherwise in days over 365.25. None when a bound or the
    value is missing, or the length is not positive.

    Examples
    --------
    >>> annual_cost(500_000.0, dt.date(2016, 4, 1), dt.date(2021, 3, 31))
    100000.0
    """
    if value is None or start is None or end is None:
        return None
    after = end + dt.timedelta(days=1)
    if start.day == 1 and after.day == 1:
        years = ((after.year - start.year) * 12 + after.month - start.month) / 12
    else:
        years = ((end - start).days + 1) / 365.25
    if years <= 0:
        return None
    return round(value / years, 2)


# ------------------------------------------------------------------------------------------
# a contract is not a system: ended contracts, renewals and extensions
# ------------------------------------------------------------------------------------------


def ended_before(row: dict, snapshot: dt.date | None) -> bool:
    """Whether a register row's contract ended before the snapshot date (a missing end is open)."""
    end = row.get("contract_end")
    return snapshot is not None and end is not None and end < snapshot


def spans_snapshot(row: dict, snapshot: dt.date) -> bool:
    """Whether a register row's contract is in force on the snapshot date (missing bounds open)."""
    start, end = row.get("contract_start"), row.get("contract_end")
    return (start is None or start <= snapshot) and (end is None or end >= snapshot)


def same_system_key(row: dict, rules: RegisterRules) -> tuple[str, str, str] | None:
    """What makes register rows one system: (authority, product, service area), or None.

    Contracts of one authority for the same product in the same service area are one system
    with a contract history (the first let, its extensions, a renewal or re-let to the same
    product, a row listed twice). The product and area are those of
    :func:`product_and_area`; a row that names no product has no key.
    """
    named = product_and_area(row, rules)
    return None if named is None else (row["gss_code"], *named)


def current_contract(rows: list[dict], snapshot: dt.date | None) -> dict:
    """Of a system's contracts, the one its dates and cost come from.

    The contract in force on the snapshot date (of several, the one that started last), else
    the latest one (the one that ends last, a missing end counting as latest; then the one that
    started last). Ties go to the first row of the register.

    Parameters
    ----------
    rows
        The register rows of one system (:func:`same_system_key`).
    snapshot
        The round's snapshot date; None takes the latest contract.

    Examples
    --------
    >>> old = {"contract_start": dt.date(2012, 4, 1), "contract_end": dt.date(2017, 3, 31),
    ...        "source_file": "r.csv", "source_row": 2}
    >>> new = {"contract_start": dt.date(2017, 4, 1), "contract_end": dt.date(2022, 3, 31),
    ...        "source_file": "r.csv", "source_row": 3}
    >>> current_contract([old, new], dt.date(2019, 9, 30)) is new
    True
    """
    in_force = [r for r in rows if snapshot is not None and spans_snapshot(r, snapshot)]
    if in_force:
        return min(
            in_force,
            key=lambda r: (
                -(r.get("contract_start") or dt.date.min).toordinal(),
                r["source_file"],
                int(r["source_row"]),
            ),
        )
    return min(
        rows,
        key=lambda r: (
            -(r.get("contract_end") or dt.date.max).toordinal(),
            -(r.get("contract_start") or dt.date.min).toordinal(),
            r["source_file"],
            int(r["source_row"]),
        ),
    )


#: Days between one contract's end and the next one's start within which the next continues it.
CONTINUATION_DAYS = 62


def _continues(first: dict, then: dict) -> bool:
    """Whether ``then`` continues ``first``: it starts just after ``first`` ends, or it is
    ``first`` listed again (the same dates and value; modules bought at once under separate
    contracts have values of their own)."""
    a_start, a_end = first.get("contract_start"), first.get("contract_end")
    b_start, b_end = then.get("contract_start"), then.get("contract_end")
    if a_start is not None and (a_start, a_end, first.get("value_gbp")) == (
        b_start,
        b_end,
        then.get("value_gbp"),
    ):
        return True
    return (
        a_end is not None
        and b_start is not None
        and 0 < (b_start - a_end).days <= CONTINUATION_DAYS
    )


def contract_chains(rows: list[dict], rules: RegisterRules) -> dict[tuple, tuple]:
    """Register rows that are one contract's history, each row mapped to its chain's first row.

    Two IT rows of one authority with the same canonical supplier are one chain when one
    continues the other (:func:`_continues`: it starts within :data:`CONTINUATION_DAYS` of
    the other's end, as an extension or a renewal does, or it has the same dates and value,
    as a row listed twice does) and they are for the same thing: the same product and service area
    (:func:`same_system_key`), or, when neither names a product, the one's title holds the
    other's ("Extension - Housing system replacement").

    Returns
    -------
    dict
        ``(source_file, source_row)`` → the ``(source_file, source_row)`` of its chain's
        first row in the register; rows alone are their own chain.
    """
    parent: dict[tuple, tuple] = {}

    def root(key: tuple) -> tuple:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row.get("is_it") and not is_blank(row.get("supplier")):
            groups.setdefault((row["gss_code"], fold(row["supplier"])), []).append(row)
    for members in groups.values():
        members = sorted(
            members,
            key=lambda r: (
                r.get("contract_start") or dt.date.min,
                r["source_file"],
                int(r["source_row"]),
            ),
        )
        keys = [same_system_key(r, rules) for r in members]
        titles = [fold(r.get("title") or "") for r in members]
        for i, first in enumerate(members):
            for j in range(i + 1, len(members)):
                then = members[j]
                if keys[i] is not None or keys[j] is not None:
                    same = keys[i] == keys[j]
                else:
                    same = bool(titles[i]) and (titles[i] in titles[j] or titles[j] in titles[i])
                if same and _continues(first, then):
                    a, b = (
                        root((first["source_file"], first["source_row"])),
                        root((then["source_file"], then["source_row"])),
                    )
                    if a != b:
                        parent[max(a, b, key=_order)] = min(a, b, key=_order)
    return {
        (r["source_file"], r["source_row"]): root((r["source_file"], r["source_row"])) for r in rows
    }


def _order(key: tuple) -> tuple:
    return (key[0], int(key[1]))


__all__ = [
    "annual_cost",
    "candidate_pairs",
    "contract_chains",
    "current_contract",
    "ended_before",
    "match_to_systems",
    "place_system",
    "product_and_area",
    "same_system_key",
    "spans_snapshot",
]
