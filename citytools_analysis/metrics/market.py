"""The market view: supplier and manufacturer shares, concentration, and resellers."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def shares(systems: pd.DataFrame, by: str = "supplier", within: str | None = None) -> pd.DataFrame:
    """Share of systems held by each supplier (or manufacturer, or product).

    Metric: a supplier's share is its number of rows divided by the number of rows that
    name a supplier (rows without one are left out of numerator and denominator). With
    ``within`` (e.g. ``"system_type"`` for frontline versus corporate, or
    ``"service_area"``), shares are taken within each group.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    by
        Column holding the name: ``"supplier"``, ``"manufacturer"`` or ``"product"``.
    within
        Optional grouping column.

    Returns
    -------
    pandas.DataFrame
        Columns ``[within,] <by>, systems, authorities, share, rank``; ``share`` in 0–1,
        ``rank`` 1 for the largest (ties share a rank, ``min`` method). Sorted by group,
        then systems descending, then name.
    """
    named = systems[systems[by].notna()]
    keys = [within, by] if within else [by]
    table = (
        named.groupby(keys)
        .agg(systems=("record_id", "size"), authorities=("gss_code", "nunique"))
        .reset_index()
    )
    totals = table.groupby(within)["systems"].transform("sum") if within else table["systems"].sum()
    table["share"] = table["systems"] / totals
    order = ([within] if within else []) + ["systems", by]
    ascending = ([True] if within else []) + [False, True]
    table = table.sort_values(order, ascending=ascending, kind="mergesort").reset_index(drop=True)
    ranked = table.groupby(within)["systems"] if within else table["systems"]
    table["rank"] = ranked.rank(method="min", ascending=False).astype(int)
    table["systems"] = table["systems"].astype(int)
    table["authorities"] = table["authorities"].astype(int)
    return table[keys + ["systems", "authorities", "share", "rank"]]


def top_n_share(systems: pd.DataFrame, n: int = 10, by: str = "supplier") -> float:
    """Combined share of the ``n`` largest suppliers (or manufacturers).

    Metric: the sum of the ``n`` largest shares as defined in :func:`shares` (the 2019
    report's headline was that ten vendors held more than half of the contracts). Ties at
    the cut-off do not matter: the sum of the ``n`` largest values is the same whichever
    tied name is taken.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    n
        How many of the largest to add up.
    by
        ``"supplier"`` or ``"manufacturer"``.

    Returns
    -------
    float
        A share in 0–1; ``nan`` when no row names a ``by``.
    """
    table = shares(systems, by=by)
    if table.empty:
        return float("nan")
    return float(table["share"].head(n).sum())


def concentration(systems: pd.DataFrame, by: str = "supplier") -> pd.DataFrame:
    """Herfindahl–Hirschman index of suppliers per service area.

    Metric: within each service area, each supplier's share of the rows naming a supplier,
    in percent; the index is the sum of the squared shares (0–10,000: 10,000 is a single
    supplier). Reported with the number of suppliers and the largest one.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    by
        ``"supplier"`` or ``"manufacturer"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``service_area, systems, suppliers, hhi, top, top_share``; ``suppliers``
        counts distinct ``by`` names, ``top`` is the largest (ties: alphabetical first),
        ``top_share`` in 0–1. Sorted by HHI descending, then service area.
    """
    table = shares(systems, by=by, within="service_area")
    rows = []
    for area, group in table.groupby("service_area", sort=True):
        first = group.iloc[0]
        rows.append(
            {
                "service_area": area,
                "systems": int(group["systems"].sum()),
                "suppliers": len(group),
                "hhi": float(((group["share"] * 100) ** 2).sum()),
                "top": first[by],
                "top_share": float(first["share"]),
            }
        )
    out = pd.DataFrame(
        rows, columns=["service_area", "systems", "suppliers", "hhi", "top", "top_share"]
    )
    return out.sort_values(
        ["hhi", "service_area"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def reseller_reach(systems: pd.DataFrame) -> pd.DataFrame:
    """Manufacturers whose products reach authorities through other suppliers (resellers).

    Metric: a system is *through a reseller* when it names both a manufacturer and a
    supplier and they differ. Per manufacturer with at least one such system: its systems,
    those through resellers and their share, the resellers, and the authorities reached
    through them.

    Parameters
    ----------
    systems
        The processed ``systems`` table.

    Returns
    -------
    pandas.DataFrame
        Columns ``manufacturer, systems, via_resellers, reseller_share, resellers,
        authorities`` where ``resellers`` is a tuple of supplier names (alphabetical) and
        ``authorities`` the number of distinct authorities reached through them. Sorted by
        ``via_resellers`` descending, then manufacturer.
    """
    named = systems[systems["manufacturer"].notna()]
    via = named[named["supplier"].notna() & (named["supplier"] != named["manufacturer"])]
    rows = []
    for maker, group in via.groupby("manufacturer", sort=True):
        total = int((named["manufacturer"] == maker).sum())
        rows.append(
            {
                "manufacturer": maker,
                "systems": total,
                "via_resellers": len(group),
                "reseller_share": len(group) / total,
                "resellers": tuple(sorted(group["supplier"].unique())),
                "authorities": int(group["gss_code"].nunique()),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "manufacturer",
            "systems",
            "via_resellers",
            "reseller_share",
            "resellers",
            "authorities",
        ],
    )
    return out.sort_values(
        ["via_resellers", "manufacturer"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def new_entrants(systems: pd.DataFrame, known: Iterable[str], by: str = "supplier") -> pd.DataFrame:
    """Suppliers (or manufacturers) that are not in the reference list of organisations.

    Metric: a name in ``by`` that is not a canonical organisation of the reference tables
    is a name cleaning kept as typed: a new entrant, a small local firm, or an incumbent
    whose alias is missing. Each is listed under its own name, never grouped into "other",
    with its systems, the authorities it serves, and the service areas and products.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    known
        The canonical organisation names (``organisations.csv``).
    by
        ``"supplier"`` or ``"manufacturer"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``<by>, systems, authorities, service_areas, products``; the last two are
        ``"; "``-joined, alphabetical. Sorted by systems descending, then name.
    """
    known = set(known)
    named = systems[systems[by].notna() & ~systems[by].isin(known)]
    rows = [
        {
            by: name,
            "systems": len(group),
            "authorities": int(group["gss_code"].nunique()),
            "service_areas": "; ".join(sorted(group["service_area"].dropna().unique())),
            "products": "; ".join(sorted(group["product"].dropna().unique())),
        }
        for name, group in named.groupby(by, sort=True)
    ]
    out = pd.DataFrame(rows, columns=[by, "systems", "authorities", "service_areas", "products"])
    return out.sort_values(["systems", by], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )
