"""Contract end dates: the expiry pipeline, open-ended contracts and the cost up for renewal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from dateutil.relativedelta import relativedelta

FREQUENCIES = {"quarter": "Q", "year": "Y"}

EXPIRY_CLASSES = ("ended", "within horizon", "after horizon", "rolling", "unknown")
"""How :func:`classify_expiry` labels each system, in report order."""


def to_timestamp(value: date | str | pd.Timestamp) -> pd.Timestamp:
    """A date given as ``date``, ISO text or ``Timestamp``, as a midnight ``Timestamp``."""
    return pd.Timestamp(value).normalize()


def horizon_end(as_of: date | str | pd.Timestamp, horizon_years: int) -> pd.Timestamp:
    """The first day after a horizon of ``horizon_years`` calendar years from ``as_of``.

    Calendar arithmetic (``dateutil.relativedelta``): 2019-10-01 plus 3 years is
    2022-10-01; 29 February plus one year is 28 February.
    """
    return to_timestamp(to_timestamp(as_of).date() + relativedelta(years=horizon_years))


def classify_expiry(
    systems: pd.DataFrame, as_of: date | str | pd.Timestamp, horizon_years: int = 3
) -> pd.Series:
    """Label each system by where its contract end falls.

    Metric: ``within horizon`` when ``contract_end`` is in ``[as_of, as_of + horizon)``;
    ``ended`` before ``as_of``; ``after horizon`` on or after its end; ``rolling`` and
    ``unknown`` from ``contract_end_status`` (a row with status ``date`` but no date counts
    as ``unknown``).

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    as_of
        The snapshot date.
    horizon_years
        Length of the horizon in calendar years.

    Returns
    -------
    pandas.Series
        One label from ``EXPIRY_CLASSES`` per row, aligned with ``systems``.
    """
    start, stop = to_timestamp(as_of), horizon_end(as_of, horizon_years)
    end = systems["contract_end"]
    status = systems["contract_end_status"]
    labels = pd.Series("unknown", index=systems.index, dtype="str", name="expiry")
    dated = (status == "date") & end.notna()
    labels[dated & (end < start)] = "ended"
    labels[dated & (end >= start) & (end < stop)] = "within horizon"
    labels[dated & (end >= stop)] = "after horizon"
    labels[status == "rolling"] = "rolling"
    return labels


def expiring(
    systems: pd.DataFrame, as_of: date | str | pd.Timestamp, horizon_years: int = 3
) -> pd.DataFrame:
    """The systems whose contracts end within the horizon.

    Metric: ``contract_end`` in ``[as_of, as_of + horizon_years)``, status ``date``.

    Returns
    -------
    pandas.DataFrame
        The matching rows of ``systems`` (all columns), sorted by ``contract_end``, then
        ``record_id``.
    """
    mask = classify_expiry(systems, as_of, horizon_years) == "within horizon"
    return (
        systems[mask]
        .sort_values(["contract_end", "record_id"], kind="mergesort")
        .reset_index(drop=True)
    )


def expiry_pipeline(
    systems: pd.DataFrame,
    as_of: date | str | pd.Timestamp,
    horizon_years: int = 3,
    *,
    by: str | None = "service_area",
    freq: str = "quarter",
) -> pd.DataFrame:
    """Systems whose contracts end within the horizon, per calendar quarter (or year).

    Metric: the systems of :func:`expiring`, counted per period of their ``contract_end``
    (calendar quarters or years) and, optionally, per service area or supplier; with the
    number of distinct authorities and the combined known annual cost.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    as_of, horizon_years
        The horizon, as in :func:`expiring`.
    by
        ``"service_area"``, ``"supplier"``, another column, or ``None`` for periods only.
        Rows whose ``by`` is missing are grouped under an empty label.
    freq
        ``"quarter"`` (labels like ``2020 Q1``) or ``"year"`` (``2020``).

    Returns
    -------
    pandas.DataFrame
        Columns ``period, period_start, [by,] systems, authorities, annual_cost_gbp``;
        ``annual_cost_gbp`` sums known costs (0 when none is known). Sorted by period, then
        ``by``.
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of {sorted(FREQUENCIES)}, not {freq!r}")
    rows = expiring(systems, as_of, horizon_years).copy()
    periods = rows["contract_end"].dt.to_period(FREQUENCIES[freq])
    rows["period_start"] = periods.dt.start_time
    if freq == "quarter":
        rows["period"] = periods.dt.year.astype(str) + " Q" + periods.dt.quarter.astype(str)
    else:
        rows["period"] = periods.dt.year.astype(str)
    keys = ["period", "period_start"] + ([by] if by else [])
    if by:
        rows[by] = rows[by].fillna("")
    columns = keys + ["systems", "authorities", "annual_cost_gbp"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    table = (
        rows.groupby(keys, sort=True)
        .agg(
            systems=("record_id", "size"),
            authorities=("gss_code", "nunique"),
            annual_cost_gbp=("annual_cost_gbp", lambda s: float(s.sum(skipna=True))),
        )
        .reset_index()
    )
    table["systems"] = table["systems"].astype(int)
    table["authorities"] = table["authorities"].astype(int)
    return table.sort_values(keys, kind="mergesort").reset_index(drop=True)[columns]


def open_ended(systems: pd.DataFrame, by: str | None = "service_area") -> pd.DataFrame:
    """Contracts without an end date, reported apart: rolling and unknown, per group.

    Metric: ``rolling`` counts status ``rolling``; ``unknown`` counts status ``unknown``
    and rows with status ``date`` but no date.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    by
        Grouping column, or ``None`` for one row of totals.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] systems, rolling, unknown``; groups with neither are left out
        (except the single totals row). Sorted by ``by``.
    """
    status = systems["contract_end_status"]
    flags = pd.DataFrame(
        {
            "systems": 1,
            "rolling": (status == "rolling").astype(int),
            "unknown": (
                (status == "unknown") | ((status == "date") & systems["contract_end"].isna())
            ).astype(int),
        },
        index=systems.index,
    )
    if by is None:
        return pd.DataFrame(
            [flags.sum().astype(int).to_dict()], columns=["systems", "rolling", "unknown"]
        )
    flags[by] = systems[by].fillna("")
    table = flags.groupby(by, sort=True)[["systems", "rolling", "unknown"]].sum().reset_index()
    table = table[(table["rolling"] + table["unknown"]) > 0]
    return table.astype({"systems": int, "rolling": int, "unknown": int}).reset_index(drop=True)


@dataclass(frozen=True)
class RenewalCost:
    """The combined annual cost of the contracts coming up for renewal within a horizon."""

    as_of: date
    horizon_end: date
    systems: int
    costed_systems: int
    annual_cost_gbp: float


def renewal_cost(
    systems: pd.DataFrame, as_of: date | str | pd.Timestamp, horizon_years: int = 3
) -> RenewalCost:
    """Combined annual cost of the systems whose contracts end within the horizon.

    Metric: the sum of the known ``annual_cost_gbp`` of the systems of :func:`expiring`;
    ``costed_systems`` says how many of them gave a cost (the sum understates the total
    when some did not). ``horizon_end`` is the first day after the horizon.
    """
    rows = expiring(systems, as_of, horizon_years)
    cost = rows["annual_cost_gbp"]
    return RenewalCost(
        as_of=to_timestamp(as_of).date(),
        horizon_end=horizon_end(as_of, horizon_years).date(),
        systems=len(rows),
        costed_systems=int(cost.notna().sum()),
        annual_cost_gbp=float(cost.sum(skipna=True)),
    )
