"""The headline findings, assembled from the metric functions, as an object and as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from citytools_analysis.core.parameters import ReportParameters, report_parameters
from citytools_analysis.metrics import (
    collaboration,
    contracts,
    coverage,
    market,
    overview,
    satisfaction,
    skills,
)
from citytools_analysis.release.processed import ProcessedData


@dataclass(frozen=True)
class FindingsParameters:
    """The parameters findings are computed with, as :class:`Findings` holds them (the
    snapshot date resolved): what a chapter that reads no finding still shows."""

    as_of: date
    horizon_years: int
    window_months: int
    min_authorities: int
    top_n: int


def findings_arguments(parameters: ReportParameters) -> dict:
    """The keywords :func:`collect_findings` and :func:`findings_parameters` take from the
    report's parameters."""
    return {name: getattr(parameters, name) for name in FindingsParameters.__dataclass_fields__}


def findings_parameters(
    data: ProcessedData,
    *,
    as_of: date | str | None = None,
    horizon_years: int | None = None,
    window_months: int | None = None,
    min_authorities: int | None = None,
    top_n: int | None = None,
) -> FindingsParameters:
    """The parameters :func:`collect_findings` computes with, for the same arguments."""
    configured = report_parameters(
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
        top_n=top_n,
    )
    return FindingsParameters(
        as_of=resolve_as_of(data, as_of or configured.as_of),
        horizon_years=configured.horizon_years,
        window_months=configured.window_months,
        min_authorities=configured.min_authorities,
        top_n=configured.top_n,
    )


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
    horizon_years: int | None = None,
    window_months: int | None = None,
    min_authorities: int | None = None,
    top_n: int | None = None,
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
    top_n
        The headline share is the ``top_n`` largest suppliers' share.

    Each of these left as ``None`` takes its value in the report's parameters
    (``data/raw/reference/report_parameters.csv``, :mod:`citytools_analysis.core.parameters`).

    Returns
    -------
    Findings
    """
    chosen = findings_parameters(
        data,
        as_of=as_of,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
        top_n=top_n,
    )
    horizon_years, window_months = chosen.horizon_years, chosen.window_months
    min_authorities, top_n = chosen.min_authorities, chosen.top_n
    day = chosen.as_of
    systems = data.systems
    until_year = contracts.horizon_end(day, horizon_years).year
    return Findings(
        as_of=day,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
        authorities=data.authorities,
        counts={
            **overview.headline_counts(systems),
            **coverage.source_counts(systems),
            "authorities": int(systems["gss_code"].nunique()),
        },
        supplier_shares=market.shares(systems, by="supplier"),
        top_n=top_n,
        top_n_supplier_share=market.top_n_share(systems, n=top_n, by="supplier"),
        concentration=market.concentration(systems),
        renewal=contracts.renewal_cost(systems, day, horizon_years),
        open_ended=contracts.open_ended(systems, by=None),
        joint_procurement=collaboration.joint_procurement(
            systems,
            day,
            window_months=window_months,
            min_authorities=min_authorities,
            horizon_years=horizon_years,
        ),
        replacement_until_year=until_year,
        replacement=collaboration.replacement_intentions(systems, until_year=until_year),
        supplier_ratings=satisfaction.ratings_by(systems, by="supplier"),
        supplier_satisfaction=satisfaction.supplier_count_satisfaction(systems, data.authorities),
        clusters=satisfaction.underperformance_clusters(systems, min_authorities=min_authorities),
        peer_support=skills.peer_support_matches(data.skills),
    )


__all__ = [
    "Findings",
    "FindingsParameters",
    "collect_findings",
    "findings_arguments",
    "findings_parameters",
    "resolve_as_of",
]
