"""Hosting: how systems are run (on-premises, hosted, cloud, hybrid), by service area."""

from __future__ import annotations

import pandas as pd

from citytools_analysis.release.processed import has_column

NOT_STATED = "Not stated"
"""Hosting label for systems whose return did not say how they are hosted."""


def hosting_by(systems: pd.DataFrame, by: str | None = "service_area") -> pd.DataFrame:
    """Systems by hosting model, overall or per service area (or system type).

    Metric: the number of systems with each ``hosting`` value and their share of all the
    group's systems; systems without a hosting value are counted as ``Not stated`` so the
    shares of a group add up to 1. Systems known only from a contract register (``source``
    ``register``) are left out: registers never say how a system is hosted.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    by
        Grouping column, or ``None`` for London as a whole.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] hosting, systems, share`` (share in 0–1 within the group), sorted by
        group then systems descending then hosting.
    """
    if has_column(systems, "source"):
        systems = systems[systems["source"].astype("string").fillna("") != "register"]
    frame = pd.DataFrame(
        {"hosting": systems["hosting"].fillna(NOT_STATED), "record_id": systems["record_id"]}
    )
    keys = ["hosting"]
    if by:
        frame[by] = systems[by].fillna("")
        keys = [by, "hosting"]
    table = frame.groupby(keys).size().rename("systems").reset_index()
    totals = table.groupby(by)["systems"].transform("sum") if by else table["systems"].sum()
    table["share"] = table["systems"] / totals
    table["systems"] = table["systems"].astype(int)
    order = ([by] if by else []) + ["systems", "hosting"]
    ascending = ([True] if by else []) + [False, True]
    return table.sort_values(order, ascending=ascending, kind="mergesort").reset_index(drop=True)
