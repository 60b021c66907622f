"""Collaboration: shared systems, joint procurement opportunities and replacement intentions."""

from __future__ import annotations

from datetime import date

import pandas as pd
from dateutil.relativedelta import relativedelta

from citytools_analysis.metrics.contracts import horizon_end, to_timestamp

OPPORTUNITY_KINDS = ("product", "service_area")


def _mode(values: pd.Series) -> object:
    """The most frequent non-missing value; ties go to the alphabetically first."""
    counts = values.dropna().value_counts()
    if counts.empty:
        return pd.NA
    top = counts.max()
    return sorted(str(v) for v in counts[counts == top].index)[0]


def shared_systems(systems: pd.DataFrame, min_authorities: int = 2) -> pd.DataFrame:
    """Which authorities use each product.

    Metric: for each canonical product, the distinct authorities with at least one system
    of it. The manufacturer and service area shown are the product's most frequent ones.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    min_authorities
        Keep products used by at least this many authorities (1 keeps every product).

    Returns
    -------
    pandas.DataFrame
        Columns ``product, manufacturer, service_area, authorities, systems, gss_codes``
        (``gss_codes`` a sorted tuple). Sorted by authorities descending, then product.
    """
    rows = [
        {
            "product": product,
            "manufacturer": _mode(group["manufacturer"]),
            "service_area": _mode(group["service_area"]),
            "authorities": int(group["gss_code"].nunique()),
            "systems": len(group),
            "gss_codes": tuple(sorted(group["gss_code"].unique())),
        }
        for product, group in systems.groupby("product", sort=True)
    ]
    out = pd.DataFrame(
        rows,
        columns=["product", "manufacturer", "service_area", "authorities", "systems", "gss_codes"],
    )
    out = out[out["authorities"] >= min_authorities]
    return out.sort_values(
        ["authorities", "product"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def authority_product_matrix(systems: pd.DataFrame) -> pd.DataFrame:
    """The authority × product view: how many systems of each product each authority runs.

    Returns
    -------
    pandas.DataFrame
        Index ``gss_code`` (sorted), one column per product (sorted), integer counts with 0
        where the authority does not use the product.
    """
    table = pd.crosstab(systems["gss_code"], systems["product"])
    return table.sort_index(axis=0).sort_index(axis=1).astype(int)


def joint_procurement(
    systems: pd.DataFrame,
    as_of: date | str | pd.Timestamp,
    *,
    window_months: int = 12,
    min_authorities: int = 3,
    horizon_years: int | None = None,
    kinds: tuple[str, ...] = OPPORTUNITY_KINDS,
) -> pd.DataFrame:
    """Joint procurement opportunities: contracts of many authorities ending close together.

    Metric: for each product (and each service area), take the systems whose contract
    ends on or after ``as_of`` (and, with ``horizon_years``, before the horizon's end).
    A *window* starts at one of those end dates and lasts ``window_months`` calendar
    months (end dates in ``[start, start + window_months)``). The window covering the most
    distinct authorities (ties: the earliest) is an opportunity when it covers at least
    ``min_authorities``; its systems are then set aside and the search repeats, so one
    product can give several opportunities, none sharing a system.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    as_of
        The snapshot date: contracts that ended before it are not opportunities.
    window_months
        Length of the window in months.
    min_authorities
        Fewest distinct authorities for an opportunity.
    horizon_years
        Optional upper bound: only contracts ending before ``as_of + horizon_years``.
    kinds
        ``"product"``, ``"service_area"`` or both.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind, name, service_area, authorities, gss_codes, record_ids, first_end,
        last_end, systems, costed_systems, annual_cost_gbp``: ``name`` is the product or
        the service area; ``service_area`` the product's (most frequent) service area;
        ``gss_codes`` and ``record_ids`` sorted tuples; ``first_end``/``last_end`` the
        earliest and latest end date in the window; ``annual_cost_gbp`` the sum of the known
        costs of its systems (``costed_systems`` of them). Sorted by kind (products first),
        authorities descending, first end, name.
    """
    columns = [
        "kind",
        "name",
        "service_area",
        "authorities",
        "gss_codes",
        "record_ids",
        "first_end",
        "last_end",
        "systems",
        "costed_systems",
        "annual_cost_gbp",
    ]
    start = to_timestamp(as_of)
    dated = systems[
        (systems["contract_end_status"] == "date")
        & systems["contract_end"].notna()
        & (systems["contract_end"] >= start)
    ]
    if horizon_years is not None:
        dated = dated[dated["contract_end"] < horizon_end(as_of, horizon_years)]
    rows = []
    for kind in kinds:
        if kind not in OPPORTUNITY_KINDS:
            raise ValueError(f"kind must be one of {OPPORTUNITY_KINDS}, not {kind!r}")
        for name, group in dated.groupby(kind, sort=True):
            area = _mode(group["service_area"]) if kind == "product" else name
            for window in _windows(group, window_months, min_authorities):
                cost = window["annual_cost_gbp"]
                rows.append(
                    {
                        "kind": kind,
                        "name": name,
                        "service_area": area,
                        "authorities": int(window["gss_code"].nunique()),
                        "gss_codes": tuple(sorted(window["gss_code"].unique())),
                        "record_ids": tuple(sorted(window["record_id"])),
                        "first_end": window["contract_end"].min(),
                        "last_end": window["contract_end"].max(),
                        "systems": len(window),
                        "costed_systems": int(cost.notna().sum()),
                        "annual_cost_gbp": float(cost.sum(skipna=True)),
                    }
                )
    out = pd.DataFrame(rows, columns=columns)
    out["kind_order"] = out["kind"].map({k: i for i, k in enumerate(OPPORTUNITY_KINDS)})
    out = out.sort_values(
        ["kind_order", "authorities", "first_end", "name"],
        ascending=[True, False, True, True],
        kind="mergesort",
    )
    return out.drop(columns="kind_order").reset_index(drop=True)


def _windows(group: pd.DataFrame, window_months: int, min_authorities: int):
    """Yield the non-overlapping best windows of one product or service area.

    The rows are sorted by end date, so the window starting at an end date is the run of
    rows from its first row with that date up to the first row at or past the window's
    end: found by binary search, its authorities counted from a slice.
    """
    remaining = group.sort_values(["contract_end", "gss_code", "record_id"], kind="mergesort")
    stops: dict[pd.Timestamp, pd.Timestamp] = {}
    while not remaining.empty:
        ends = remaining["contract_end"].to_numpy()
        codes = remaining["gss_code"].to_numpy()
        best = None
        for start in pd.unique(ends):
            if start not in stops:
                stops[start] = to_timestamp(
                    pd.Timestamp(start).date() + relativedelta(months=window_months)
                ).to_datetime64()
            first = ends.searchsorted(start, side="left")
            last = ends.searchsorted(stops[start], side="left")
            count = len({code for code in codes[first:last] if not pd.isna(code)})
            if best is None or count > best[0]:
                best = (count, first, last)
        if best is None or best[0] < min_authorities:
            return
        window = remaining.iloc[best[1] : best[2]]
        yield window
        remaining = remaining.drop(index=window.index)


def replacement_intentions(
    systems: pd.DataFrame, *, by: str = "service_area", until_year: int | None = None
) -> pd.DataFrame:
    """How many authorities plan to replace a system, per service area (or product).

    Metric: ``planning`` counts distinct authorities with a system answered
    ``replacement_planned = Yes`` (and, with ``until_year``, a ``replacement_year`` no
    later than it; a Yes without a year then does not count); ``considering`` counts the
    other authorities answering ``Considering``. Read: "``planning`` authorities plan to
    replace their finance system by ``until_year``".

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    by
        ``"service_area"`` or ``"product"``.
    until_year
        Latest replacement year to count, or ``None`` for any year (or none given).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], planning, considering, first_year, last_year, gss_codes``: the
        years span the counted Yes answers (``<NA>`` when none gave a year), ``gss_codes``
        the planning authorities (sorted tuple). Groups with neither are left out. Sorted
        by planning descending, considering descending, then name.
    """
    answer = systems["replacement_planned"]
    year = systems["replacement_year"]
    planning = answer == "Yes"
    if until_year is not None:
        planning = planning & year.notna() & (year <= until_year)
    planning = planning.fillna(False).astype(bool)
    considering = (answer == "Considering").fillna(False).astype(bool)
    rows = []
    for name, group in systems.groupby(by, sort=True):
        planners = set(group.loc[planning[group.index], "gss_code"])
        others = set(group.loc[considering[group.index], "gss_code"]) - planners
        if not planners and not others:
            continue
        years = group.loc[planning[group.index], "replacement_year"].dropna()
        rows.append(
            {
                by: name,
                "planning": len(planners),
                "considering": len(others),
                "first_year": int(years.min()) if len(years) else pd.NA,
                "last_year": int(years.max()) if len(years) else pd.NA,
                "gss_codes": tuple(sorted(planners)),
            }
        )
    out = pd.DataFrame(
        rows, columns=[by, "planning", "considering", "first_year", "last_year", "gss_codes"]
    )
    out["first_year"] = out["first_year"].astype("Int64")
    out["last_year"] = out["last_year"].astype("Int64")
    return out.sort_values(
        ["planning", "considering", by], ascending=[False, False, True], kind="mergesort"
    ).reset_index(drop=True)
