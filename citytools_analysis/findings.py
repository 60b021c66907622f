"""The headline findings, assembled from the metric functions, as an object and as JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from . import collaboration, contracts, coverage, market, overview, satisfaction, skills
from .processed import ProcessedData, load_processed
from .recommendations import Recommendation, Thresholds, recommend

TOP_N = 10
"""The headline top-N share is the ten largest suppliers' (the 2019 report's figure)."""


@dataclass(frozen=True)
class Findings:
    """The findings the headline summary and the recommendations are built from.

    Every table comes from one metric function (named in brackets); the parameters it was
    computed with are kept beside it.
    """

    as_of: date
    horizon_years: int
    window_months: int
    min_authorities: int
    authorities: pd.DataFrame  # the processed authorities table (names for the text)
    counts: dict[str, int]  # overview.headline_counts, coverage.source_counts, authorities
    supplier_shares: pd.DataFrame  # market.shares(by="supplier")
    top_n: int
    top_n_supplier_share: float  # market.top_n_share
    concentration: pd.DataFrame  # market.concentration
    renewal: contracts.RenewalCost  # contracts.renewal_cost
    open_ended: pd.DataFrame  # contracts.open_ended(by=None): one row of totals
    joint_procurement: pd.DataFrame  # collaboration.joint_procurement
    replacement_until_year: int
    replacement: pd.DataFrame  # collaboration.replacement_intentions
    supplier_ratings: pd.DataFrame  # satisfaction.ratings_by(by="supplier")
    supplier_satisfaction: satisfaction.SupplierSatisfaction
    clusters: pd.DataFrame  # satisfaction.underperformance_clusters
    peer_support: pd.DataFrame  # skills.peer_support_matches


def resolve_as_of(data: ProcessedData, as_of: date | str | None) -> date:
    """``as_of`` if given, else the release's snapshot date.

    Raises
    ------
    ValueError
        When neither is known.
    """
    if as_of is not None:
        return contracts.to_timestamp(as_of).date()
    if data.snapshot_date is not None:
        return data.snapshot_date
    raise ValueError("no as_of date given and the data package records no snapshot_date")


def collect_findings(
    data: ProcessedData,
    *,
    as_of: date | str | None = None,
    horizon_years: int = 3,
    window_months: int = 12,
    min_authorities: int = 3,
) -> Findings:
    """Compute every finding the headline summary and the recommendations need.

    Parameters
    ----------
    data
        The processed release.
    as_of
        Snapshot date; defaults to ``data.snapshot_date``.
    horizon_years
        Expiry horizon in calendar years (the pipeline and the joint-procurement search
        look no further).
    window_months
        Joint-procurement window in months.
    min_authorities
        Fewest authorities for a joint-procurement opportunity, an under-performance
        cluster or a shared replacement plan.

    Returns
    -------
    Findings
    """
    day = resolve_as_of(data, as_of)
    systems = data.systems
    until_year = contracts.horizon_end(day, horizon_years).year
    return Findings(
        as_of=day,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
        authorities=data.authorities,
        counts={**overview.headline_counts(systems), **coverage.source_counts(systems),
                "authorities": int(systems["gss_code"].nunique())},
        supplier_shares=market.shares(systems, by="supplier"),
        top_n=TOP_N,
        top_n_supplier_share=market.top_n_share(systems, n=TOP_N, by="supplier"),
        concentration=market.concentration(systems),
        renewal=contracts.renewal_cost(systems, day, horizon_years),
        open_ended=contracts.open_ended(systems, by=None),
        joint_procurement=collaboration.joint_procurement(
            systems, day, window_months=window_months, min_authorities=min_authorities,
            horizon_years=horizon_years),
        replacement_until_year=until_year,
        replacement=collaboration.replacement_intentions(systems, until_year=until_year),
        supplier_ratings=satisfaction.ratings_by(systems, by="supplier"),
        supplier_satisfaction=satisfaction.supplier_count_satisfaction(systems,
                                                                       data.authorities),
        clusters=satisfaction.underperformance_clusters(systems,
                                                        min_authorities=min_authorities),
        peer_support=skills.peer_support_matches(data.skills),
    )


def _number(value: float, digits: int) -> float | None:
    """A float rounded for JSON; ``None`` for a missing or undefined value."""
    if value is None or pd.isna(value) or math.isinf(value):
        return None
    return round(float(value), digits)


def _significant(value: float, figures: int = 3) -> float | None:
    """A small number (a p-value) to ``figures`` significant figures; ``None`` if undefined."""
    if value is None or pd.isna(value):
        return None
    return float(f"{float(value):.{figures}g}")


def _pounds(value: float) -> int | None:
    """Whole pounds for JSON; ``None`` when unknown."""
    return None if value is None or pd.isna(value) else int(round(float(value)))


def headline_findings(
    data: ProcessedData,
    *,
    as_of: date | str | None = None,
    horizon_years: int = 3,
    window_months: int = 12,
    min_authorities: int = 3,
    thresholds: Thresholds | None = None,
) -> dict:
    """The headline findings as a JSON-ready dict, in the documented key order.

    Keys: ``as_of`` (ISO date), ``horizon_years``, ``window_months``, ``min_authorities``,
    ``systems``, ``authorities`` (distinct authorities with systems), ``products``,
    ``manufacturers``, ``suppliers``, ``top10_supplier_share`` (0–1),
    ``supplier_count_satisfaction`` (``rho``, ``p``, ``n``), ``expiring`` (systems whose
    contracts end within the horizon), ``expiring_annual_cost_gbp`` (their known costs
    added up), ``horizon_end`` (first day after the horizon), ``rolling_contracts``,
    ``unknown_contract_end``, ``joint_procurement`` (``kind, name, authorities, first_end,
    last_end, annual_cost_gbp``), ``peer_support`` (``skill_area, mentor, learner``) and
    ``recommendations`` (``audience, text, evidence``; the evidence holds the numbers and
    the ``link`` to the book's figure or table).

    Parameters
    ----------
    data
        The processed release.
    as_of, horizon_years, window_months, min_authorities
        As in :func:`collect_findings`.
    thresholds
        Recommendation thresholds; ``min_authorities`` is used for the collaborative rules
        unless ``thresholds`` is given.
    """
    found = collect_findings(data, as_of=as_of, horizon_years=horizon_years,
                             window_months=window_months, min_authorities=min_authorities)
    if thresholds is None:
        thresholds = Thresholds(min_authorities=min_authorities)
    total = found.counts
    correlation = found.supplier_satisfaction.correlation
    undated = found.open_ended.iloc[0]
    return {
        "as_of": found.as_of.isoformat(),
        "horizon_years": horizon_years,
        "window_months": window_months,
        "min_authorities": min_authorities,
        "systems": int(total["systems"]),
        "authorities": int(total["authorities"]),
        "products": int(total["products"]),
        "manufacturers": int(total["manufacturers"]),
        "suppliers": int(total["suppliers"]),
        "top10_supplier_share": _number(found.top_n_supplier_share, 4),
        "supplier_count_satisfaction": {
            "rho": _number(correlation.rho, 3),
            "p": _significant(correlation.p),
            "n": int(correlation.n),
        },
        "expiring": found.renewal.systems,
        "expiring_annual_cost_gbp": _pounds(found.renewal.annual_cost_gbp),
        "horizon_end": found.renewal.horizon_end.isoformat(),
        "rolling_contracts": int(undated["rolling"]),
        "unknown_contract_end": int(undated["unknown"]),
        "joint_procurement": [
            {
                "kind": row.kind,
                "name": row.name,
                "authorities": list(row.gss_codes),
                "first_end": row.first_end.date().isoformat(),
                "last_end": row.last_end.date().isoformat(),
                "annual_cost_gbp": _pounds(row.annual_cost_gbp) if row.costed_systems else None,
            }
            for row in found.joint_procurement.itertuples(index=False)
        ],
        "peer_support": [
            {"skill_area": row.skill_area, "mentor": row.mentor, "learner": row.learner}
            for row in found.peer_support.itertuples(index=False)
        ],
        "recommendations": [item.as_dict() for item in recommend(found, thresholds)],
    }


def headline_findings_json(
    processed_dir: Path | str,
    *,
    as_of: date | str | None = None,
    horizon_years: int = 3,
    window_months: int = 12,
    min_authorities: int = 3,
) -> str:
    """The headline findings of a processed folder as indented JSON (stable byte for byte).

    See :func:`headline_findings` for the keys.
    """
    found = headline_findings(load_processed(processed_dir), as_of=as_of,
                              horizon_years=horizon_years, window_months=window_months,
                              min_authorities=min_authorities)
    return json.dumps(found, indent=2, ensure_ascii=False, allow_nan=False)


__all__ = ["Findings", "Recommendation", "collect_findings", "headline_findings",
           "headline_findings_json", "resolve_as_of"]
