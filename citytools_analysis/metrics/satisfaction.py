"""Satisfaction and value for money: by group, against supplier count, and weak clusters."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from citytools_analysis.release.processed import of_responding


def ratings_by(systems: pd.DataFrame, by: str = "service_area") -> pd.DataFrame:
    """Mean satisfaction and value for money per service area, supplier or product.

    Metric: the mean of the 1–5 ratings given, each over the systems that gave one
    (missing ratings are left out, not counted as zero).

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    by
        ``"service_area"``, ``"supplier"``, ``"product"`` or another column.

    Returns
    -------
    pandas.DataFrame
        Columns ``<by>, systems, authorities, rated_satisfaction, mean_satisfaction,
        rated_value_for_money, mean_value_for_money`` (means ``nan`` when no system gave a
        rating). Rows whose ``by`` is missing are left out. Sorted by ``by``.
    """
    named = systems[systems[by].notna()]
    rows = []
    for name, group in named.groupby(by, sort=True):
        satisfaction = group["satisfaction"].dropna().astype(float)
        value = group["value_for_money"].dropna().astype(float)
        rows.append(
            {
                by: name,
                "systems": len(group),
                "authorities": int(group["gss_code"].nunique()),
                "rated_satisfaction": len(satisfaction),
                "mean_satisfaction": float(satisfaction.mean()) if len(satisfaction) else math.nan,
                "rated_value_for_money": len(value),
                "mean_value_for_money": float(value.mean()) if len(value) else math.nan,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            by,
            "systems",
            "authorities",
            "rated_satisfaction",
            "mean_satisfaction",
            "rated_value_for_money",
            "mean_value_for_money",
        ],
    )


@dataclass(frozen=True)
class Correlation:
    """Spearman's rank correlation with its two-sided p-value and the number of pairs."""

    rho: float
    p: float
    n: int


@dataclass(frozen=True)
class SupplierSatisfaction:
    """Per authority: distinct suppliers and mean satisfaction; and their rank correlation."""

    table: pd.DataFrame
    correlation: Correlation


def supplier_count_satisfaction(
    systems: pd.DataFrame, authorities: pd.DataFrame | None = None
) -> SupplierSatisfaction:
    """Does an authority with more suppliers report lower satisfaction?

    Metric: per responding authority (``responded`` true in ``authorities``; every
    authority in ``systems`` when ``authorities`` is not given), the number of distinct
    suppliers among its systems and the mean satisfaction of its rated systems; Spearman's
    rank correlation across the authorities with at least one rating (two-sided p). With
    fewer than three authorities, or no variation in either variable, ``rho`` and ``p``
    are ``nan``.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    authorities
        The processed ``authorities`` table, to keep responding authorities only.

    Returns
    -------
    SupplierSatisfaction
        ``table`` with columns ``gss_code, systems, suppliers, rated, mean_satisfaction``
        (sorted by GSS code, authorities without a rating left out), and ``correlation``.
    """
    rows = of_responding(systems, authorities)
    table_rows = []
    for code, group in rows.groupby("gss_code", sort=True):
        rated = group["satisfaction"].dropna().astype(float)
        if rated.empty:
            continue
        table_rows.append(
            {
                "gss_code": code,
                "systems": len(group),
                "suppliers": int(group["supplier"].nunique()),
                "rated": len(rated),
                "mean_satisfaction": float(rated.mean()),
            }
        )
    table = pd.DataFrame(
        table_rows, columns=["gss_code", "systems", "suppliers", "rated", "mean_satisfaction"]
    )
    return SupplierSatisfaction(table, spearman(table["suppliers"], table["mean_satisfaction"]))


def import_statistics() -> None:
    """Import scipy.stats now rather than at the first :func:`spearman` (about 1 s of CPU):
    the build makes this import while the cleaning notebook runs, not on the way to the
    findings."""
    from scipy import stats  # noqa: F401


def spearman(x: pd.Series, y: pd.Series) -> Correlation:
    """Spearman's rho and two-sided p of two aligned series (``nan`` when undefined)."""
    n = len(x)
    if n < 3 or x.nunique() < 2 or y.nunique() < 2:
        return Correlation(math.nan, math.nan, n)
    from scipy import stats  # here, not at the top: only this needs it (1 s of import)

    result = stats.spearmanr(x.astype(float).to_numpy(), y.astype(float).to_numpy())
    return Correlation(float(result.statistic), float(result.pvalue), n)


def underperformance_clusters(
    systems: pd.DataFrame,
    *,
    min_authorities: int = 3,
    max_rating: int = 2,
    rating: str = "satisfaction",
) -> pd.DataFrame:
    """Service areas where many authorities rate their systems poorly.

    Metric: an authority *rates a service area poorly* when the mean of its ratings of the
    systems in that area is at most ``max_rating`` (2 = Poor on the 1–5 scale). A cluster is
    a service area where at least ``min_authorities`` authorities do.

    Parameters
    ----------
    systems
        The processed ``systems`` table.
    min_authorities
        Fewest authorities for a cluster.
    max_rating
        Highest mean rating that counts as poor.
    rating
        ``"satisfaction"`` or ``"value_for_money"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``service_area, authorities, rated_authorities, gss_codes, products``:
        ``authorities`` rating it poorly (their GSS codes and the products they rate, sorted
        tuples), ``rated_authorities`` all that rated it. Sorted by authorities descending,
        then service area.
    """
    rated = systems[systems[rating].notna()]
    rows = []
    for area, group in rated.groupby("service_area", sort=True):
        means = group.groupby("gss_code")[rating].mean()
        poor = sorted(means[means <= max_rating].index)
        if len(poor) < min_authorities:
            continue
        rows.append(
            {
                "service_area": area,
                "authorities": len(poor),
                "rated_authorities": len(means),
                "gss_codes": tuple(poor),
                "products": tuple(
                    sorted(group.loc[group["gss_code"].isin(poor), "product"].unique())
                ),
            }
        )
    out = pd.DataFrame(
        rows, columns=["service_area", "authorities", "rated_authorities", "gss_codes", "products"]
    )
    return out.sort_values(
        ["authorities", "service_area"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
