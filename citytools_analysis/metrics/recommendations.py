"""Recommendations: rules over the findings, each stating its numbers and where to see them.

Every rule is a function of finding tables and thresholds; its text is composed from the
numbers, so changing the data or a threshold changes what is recommended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from citytools_analysis.core.parameters import ReportParameters, load_report_parameters
from citytools_analysis.core.reference import authority_names

if TYPE_CHECKING:  # pragma: no cover
    from citytools_analysis.metrics.contracts import RenewalCost
    from citytools_analysis.metrics.findings import Findings
    from citytools_analysis.metrics.round_comparison import ChangeEvidence
    from citytools_analysis.metrics.satisfaction import Correlation

BOROUGHS, LOTI, SUPPLIERS, GOVERNMENT = "boroughs", "LOTI", "suppliers", "central government"
AUDIENCES = (BOROUGHS, LOTI, SUPPLIERS, GOVERNMENT)
"""The four audiences, in the order the report addresses them."""

LINKS = {
    "supplier_shares": "03_market_and_suppliers.html#supplier-shares",
    "concentration": "03_market_and_suppliers.html#concentration",
    "expiry_pipeline": "04_contracts_and_expiry.html#expiry-pipeline",
    "open_ended": "04_contracts_and_expiry.html#rolling-and-unknown-end-dates",
    "joint_procurement": "05_collaboration.html#joint-procurement",
    "replacement_intentions": "05_collaboration.html#replacement-intentions",
    "supplier_satisfaction": "06_satisfaction.html#satisfaction-by-supplier",
    "supplier_count_satisfaction": "06_satisfaction.html#supplier-count-and-satisfaction",
    "underperformance": "06_satisfaction.html#under-performance-clusters",
    "peer_support": "07_skills_and_peer_support.html#peer-support",
    "opportunity_outcomes": (
        "13_changes_since_last_round.html"
        "#what-became-of-the-last-round-s-joint-procurement-opportunities"
    ),
    "relets": "13_changes_since_last_round.html#renewals-against-re-procurements",
}
"""Where each finding is shown in the book: chapter page and anchor (the one place)."""


def _configured(name: str):
    """A threshold's value in the report's parameters (``report_parameters.csv``)."""
    return getattr(load_report_parameters(), name)


NAMES_SHOWN = 8
"""Authorities named in a sentence before the rest are counted ("and 3 more")."""


@dataclass(frozen=True)
class Recommendation:
    """One recommendation: who it is for, what it says, its numbers and where to see them."""

    audience: str
    text: str
    evidence: dict = field(default_factory=dict)
    link: str = ""

    def as_dict(self) -> dict:
        """The recommendation for JSON: ``audience, text, evidence`` (link inside evidence)."""
        return {
            "audience": self.audience,
            "text": self.text,
            "evidence": {**self.evidence, "link": self.link},
        }


@dataclass(frozen=True)
class Thresholds:
    """Every threshold the rules use, with the report's defaults.

    ``min_authorities``: fewest authorities for a joint procurement, a shared replacement
    plan or an under-performance cluster. ``min_hhi``: HHI at or above which a service
    area is highly concentrated (2,500, the usual competition-authority line), in areas
    with at least ``min_area_systems`` systems. ``max_supplier_satisfaction`` and
    ``min_rated_systems``: a supplier whose mean satisfaction is at most this over at
    least that many rated systems. ``max_unknown_share``: share of systems with no known
    contract end above which suppliers are asked to keep data up to date.
    ``min_pipeline_systems``: systems expiring within the horizon for the pipeline rule.
    ``min_peer_matches``: matches for LOTI to broker. ``top_share``: top-N supplier share
    above which central government is asked to scale the approach. ``alpha``: significance
    level for the supplier-count correlation. Every default is read from the report's
    parameters (``data/raw/reference/report_parameters.csv``).
    """

    min_authorities: int = field(default_factory=lambda: _configured("min_authorities"))
    min_hhi: float = field(default_factory=lambda: _configured("min_hhi"))
    min_area_systems: int = field(default_factory=lambda: _configured("min_area_systems"))
    max_supplier_satisfaction: float = field(
        default_factory=lambda: _configured("max_supplier_satisfaction")
    )
    min_rated_systems: int = field(default_factory=lambda: _configured("min_rated_systems"))
    max_unknown_share: float = field(default_factory=lambda: _configured("max_unknown_share"))
    min_pipeline_systems: int = field(default_factory=lambda: _configured("min_pipeline_systems"))
    min_peer_matches: int = field(default_factory=lambda: _configured("min_peer_matches"))
    top_share: float = field(default_factory=lambda: _configured("top_share"))
    alpha: float = field(default_factory=lambda: _configured("alpha"))

    @classmethod
    def from_parameters(cls, parameters: ReportParameters) -> Thresholds:
        """The thresholds of a set of report parameters."""
        return cls(**{name: getattr(parameters, name) for name in cls.__dataclass_fields__})


# ---------------------------------------------------------------------------- formatting


def format_gbp(amount: float) -> str:
    """Pounds for a sentence: ``£1.2m``, ``£450k``, ``£900``."""
    if amount >= 1_000_000:
        return f"£{amount / 1_000_000:.1f}m"
    if amount >= 1_000:
        return f"£{amount / 1_000:.0f}k"
    return f"£{amount:.0f}"


def _list_names(codes, names: dict[str, str]) -> str:
    """Authorities' short names, alphabetical, the first ``NAMES_SHOWN`` of them."""
    labels = sorted(names.get(code, code) for code in codes)
    if len(labels) > NAMES_SHOWN:
        return ", ".join(labels[:NAMES_SHOWN]) + f" and {len(labels) - NAMES_SHOWN} more"
    return ", ".join(labels)


def _iso(value: date | pd.Timestamp) -> str:
    """An ISO date (no time) from a ``date`` or ``Timestamp``."""
    return pd.Timestamp(value).date().isoformat()


def _count(number: int, singular: str, plural: str) -> str:
    """``1 authority``, ``3 authorities``."""
    return f"{number} {singular if number == 1 else plural}"


def _round(value: float, digits: int) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), digits)


# ---------------------------------------------------------------------------- boroughs


def procure_together(
    opportunities: pd.DataFrame, names: dict[str, str], *, min_authorities: int = 3
) -> list[Recommendation]:
    """Boroughs: buy together where several contracts end within one window.

    One recommendation per joint procurement opportunity (see
    :func:`citytools_analysis.metrics.collaboration.joint_procurement`) covering at least
    ``min_authorities`` authorities; a service-area opportunity made of exactly the same
    contracts as a product opportunity is not repeated.
    """
    out = []
    product_sets = set(opportunities.loc[opportunities["kind"] == "product", "record_ids"])
    for row in opportunities.itertuples(index=False):
        if row.authorities < min_authorities:
            continue
        if row.kind == "service_area" and row.record_ids in product_sets:
            continue  # the same contracts as a product opportunity: said once
        what = f"contracts for {row.name}" if row.kind == "product" else f"{row.name} contracts"
        cost = ""
        if row.costed_systems:
            cost = f", combined annual cost {format_gbp(row.annual_cost_gbp)}"
            if row.costed_systems < row.systems:
                cost += f" (known for {row.costed_systems} of {row.systems} systems)"
        first, last = _iso(row.first_end), _iso(row.last_end)
        when = f"on {first}" if first == last else f"between {first} and {last}"
        text = (
            f"{row.service_area}: {_count(row.authorities, 'authority', 'authorities')} "
            f"({_list_names(row.gss_codes, names)}) have {what} ending {when}{cost}: "
            f"procure together."
        )
        out.append(
            Recommendation(
                BOROUGHS,
                text,
                {
                    "kind": row.kind,
                    "name": row.name,
                    "authorities": list(row.gss_codes),
                    "systems": int(row.systems),
                    "first_end": _iso(row.first_end),
                    "last_end": _iso(row.last_end),
                    "annual_cost_gbp": round(row.annual_cost_gbp) if row.costed_systems else None,
                },
                LINKS["joint_procurement"],
            )
        )
    return out


def plan_replacements_together(
    replacement: pd.DataFrame, names: dict[str, str], *, until_year: int, min_authorities: int = 3
) -> list[Recommendation]:
    """Boroughs: share requirements where several authorities plan the same replacement.

    One recommendation per service area where at least ``min_authorities`` authorities plan
    to replace a system by ``until_year`` (``replacement`` from
    :func:`citytools_analysis.metrics.collaboration.replacement_intentions` with that year).
    """
    out = []
    for row in replacement.itertuples(index=False):
        if row.planning < min_authorities:
            continue
        text = (
            f"{row.service_area}: {_count(row.planning, 'authority', 'authorities')} "
            f"({_list_names(row.gss_codes, names)}) plan to replace their system by "
            f"{until_year}: share requirements and talk to the market together."
        )
        out.append(
            Recommendation(
                BOROUGHS,
                text,
                {
                    "service_area": row.service_area,
                    "authorities": list(row.gss_codes),
                    "planning": int(row.planning),
                    "considering": int(row.considering),
                    "until_year": until_year,
                },
                LINKS["replacement_intentions"],
            )
        )
    return out


def ask_peers(peer_support: pd.DataFrame, names: dict[str, str]) -> list[Recommendation]:
    """Boroughs: in each skill area with matches, learn from a peer before buying training."""
    out = []
    for area, group in peer_support.groupby("skill_area", sort=True):
        mentors, learners = sorted(group["mentor"].unique()), sorted(group["learner"].unique())
        text = (
            f"{area}: {_count(len(mentors), 'authority', 'authorities')} able and "
            f"willing to support others ({_list_names(mentors, names)}) and "
            f"{len(learners)} with little or no capability "
            f"({_list_names(learners, names)}): pair up for peer training."
        )
        out.append(
            Recommendation(
                BOROUGHS,
                text,
                {
                    "skill_area": area,
                    "mentors": mentors,
                    "learners": learners,
                    "matches": len(group),
                },
                LINKS["peer_support"],
            )
        )
    return out


# ---------------------------------------------------------------------------- LOTI


def publish_pipeline(
    renewal: RenewalCost, open_ended: pd.DataFrame, *, min_systems: int = 1
) -> list[Recommendation]:
    """LOTI: publish and maintain the expiry pipeline when contracts are coming up.

    Fires when at least ``min_systems`` systems end within the horizon. ``open_ended`` is
    the one-row total of :func:`citytools_analysis.metrics.contracts.open_ended`.
    """
    if renewal.systems < min_systems:
        return []
    totals = open_ended.iloc[0]
    cost = format_gbp(renewal.annual_cost_gbp)
    if renewal.costed_systems < renewal.systems:
        cost += f" a year, known for {renewal.costed_systems} of them"
    else:
        cost += " a year"
    text = (
        f"{_count(renewal.systems, 'system', 'systems')} ({cost}) have contracts ending "
        f"between {renewal.as_of.isoformat()} and {renewal.horizon_end.isoformat()} "
        f"(besides, rolling contracts: {int(totals['rolling'])}; no known end: "
        f"{int(totals['unknown'])}): publish and maintain this pipeline, with an API, "
        f"so boroughs can plan "
        f"procurements together."
    )
    return [
        Recommendation(
            LOTI,
            text,
            {
                "systems": renewal.systems,
                "costed_systems": renewal.costed_systems,
                "annual_cost_gbp": round(renewal.annual_cost_gbp),
                "from": renewal.as_of.isoformat(),
                "until": renewal.horizon_end.isoformat(),
                "rolling": int(totals["rolling"]),
                "unknown": int(totals["unknown"]),
            },
            LINKS["expiry_pipeline"],
        )
    ]


def broker_peer_support(
    peer_support: pd.DataFrame, *, min_matches: int = 1
) -> list[Recommendation]:
    """LOTI: broker peer support where at least ``min_matches`` mentor–learner pairs exist."""
    if len(peer_support) < min_matches or peer_support.empty:
        return []
    areas = sorted(peer_support["skill_area"].unique())
    mentors, learners = peer_support["mentor"].nunique(), peer_support["learner"].nunique()
    text = (
        f"Peer-support matches: {len(peer_support)} in "
        f"{_count(len(areas), 'skill area', 'skill areas')} ({', '.join(areas)}), between "
        f"{_count(int(mentors), 'authority', 'authorities')} willing to help and "
        f"{int(learners)} that need it: broker them."
    )
    return [
        Recommendation(
            LOTI,
            text,
            {
                "matches": len(peer_support),
                "skill_areas": areas,
                "mentors": int(mentors),
                "learners": int(learners),
            },
            LINKS["peer_support"],
        )
    ]


def act_on_underperformance(
    clusters: pd.DataFrame, names: dict[str, str], *, min_authorities: int = 3
) -> list[Recommendation]:
    """LOTI: make the case for collective investment where many rate a service area poorly."""
    out = []
    for row in clusters.itertuples(index=False):
        if row.authorities < min_authorities:
            continue
        text = (
            f"{row.service_area}: {row.authorities} of the "
            f"{_count(row.rated_authorities, 'authority', 'authorities')} rating their "
            f"systems give them poor or very poor satisfaction "
            f"({_list_names(row.gss_codes, names)}): make the case for collective "
            f"investment."
        )
        out.append(
            Recommendation(
                LOTI,
                text,
                {
                    "service_area": row.service_area,
                    "authorities": list(row.gss_codes),
                    "rated_authorities": int(row.rated_authorities),
                    "products": list(row.products),
                },
                LINKS["underperformance"],
            )
        )
    return out


# ---------------------------------------------------------------------------- suppliers


def openings_for_entrants(
    concentration: pd.DataFrame, *, min_hhi: float = 2500.0, min_systems: int = 5
) -> list[Recommendation]:
    """Suppliers: highly concentrated service areas are openings for new entrants.

    Fires when a service area with at least ``min_systems`` systems has an HHI of at least
    ``min_hhi``; one recommendation lists them all, most concentrated first.
    """
    areas = concentration[
        (concentration["hhi"] >= min_hhi) & (concentration["systems"] >= min_systems)
    ]
    if areas.empty:
        return []
    parts = [
        f"{row.service_area} (HHI {row.hhi:,.0f}, {row.suppliers} suppliers)"
        for row in areas.itertuples(index=False)
    ]
    text = (
        f"{_count(len(parts), 'service area is', 'service areas are')} highly "
        f"concentrated (HHI at least "
        f"{min_hhi:,.0f}): {'; '.join(parts)}: openings for new entrants with open, "
        f"interoperable products."
    )
    return [
        Recommendation(
            SUPPLIERS,
            text,
            {
                "service_areas": {
                    row.service_area: {
                        "hhi": round(row.hhi, 1),
                        "suppliers": int(row.suppliers),
                        "systems": int(row.systems),
                    }
                    for row in areas.itertuples(index=False)
                },
                "min_hhi": min_hhi,
            },
            LINKS["concentration"],
        )
    ]


def improve_satisfaction(
    supplier_ratings: pd.DataFrame, *, max_mean: float = 2.5, min_rated: int = 3
) -> list[Recommendation]:
    """Suppliers: those rated poorly on average over enough systems should act on it."""
    rated = supplier_ratings[
        (supplier_ratings["rated_satisfaction"] >= min_rated)
        & (supplier_ratings["mean_satisfaction"] <= max_mean)
    ]
    out = []
    for row in rated.sort_values(["mean_satisfaction", "supplier"], kind="mergesort").itertuples(
        index=False
    ):
        text = (
            f"{row.supplier}: mean satisfaction {row.mean_satisfaction:.1f} out of 5 over "
            f"{row.rated_satisfaction} rated systems at {row.authorities} authorities: "
            f"agree an improvement plan with these customers."
        )
        out.append(
            Recommendation(
                SUPPLIERS,
                text,
                {
                    "supplier": row.supplier,
                    "mean_satisfaction": round(row.mean_satisfaction, 2),
                    "rated_systems": int(row.rated_satisfaction),
                    "authorities": int(row.authorities),
                },
                LINKS["supplier_satisfaction"],
            )
        )
    return out


def keep_data_current(
    open_ended: pd.DataFrame, *, max_unknown_share: float = 0.1
) -> list[Recommendation]:
    """Suppliers: keep contract data up to date when too many end dates are unknown."""
    totals = open_ended.iloc[0]
    systems, unknown = int(totals["systems"]), int(totals["unknown"])
    if systems == 0 or unknown / systems <= max_unknown_share:
        return []
    text = (
        f"{unknown} of {systems} systems ({unknown / systems:.0%}) have no known contract "
        f"end date: keep contract data up to date and share it with each authority."
    )
    return [
        Recommendation(
            SUPPLIERS,
            text,
            {
                "systems": systems,
                "unknown": unknown,
                "share": round(unknown / systems, 4),
            },
            LINKS["open_ended"],
        )
    ]


# ---------------------------------------------------------------------------- government


def scale_nationally(
    top_share: float, *, n: int = 10, min_share: float = 0.5
) -> list[Recommendation]:
    """Central government: scale the approach where the top-``n`` share exceeds ``min_share``."""
    if top_share is None or pd.isna(top_share) or top_share <= min_share:
        return []
    text = (
        f"The {n} largest suppliers hold {top_share:.0%} of London's systems: scale this "
        f"open mapping of systems and contracts nationally, with councils, so buyers "
        f"everywhere can see the market."
    )
    return [
        Recommendation(
            GOVERNMENT, text, {"top_n": n, "share": round(top_share, 4)}, LINKS["supplier_shares"]
        )
    ]


def fewer_suppliers(correlation: Correlation, *, alpha: float = 0.05) -> list[Recommendation]:
    """Central government: where more suppliers go with lower satisfaction, back integration.

    Fires when Spearman's rho is negative with ``p < alpha``.
    """
    if math.isnan(correlation.rho) or correlation.rho >= 0 or correlation.p >= alpha:
        return []
    p_text = "p < 0.001" if correlation.p < 0.001 else f"p = {correlation.p:.3f}"
    text = (
        f"Authorities using more suppliers report lower satisfaction (Spearman's rho "
        f"{correlation.rho:.2f}, {p_text}, n = {correlation.n}): fund "
        f"common standards and shared platforms so that fewer, better-joined systems are "
        f"possible."
    )
    return [
        Recommendation(
            GOVERNMENT,
            text,
            {
                "rho": round(correlation.rho, 3),
                "p": float(f"{correlation.p:.3g}"),
                "n": correlation.n,
            },
            LINKS["supplier_count_satisfaction"],
        )
    ]


# ---------------------------------------------------------------------------- all rules


def learn_from_missed_opportunities(evidence: ChangeEvidence | None) -> list[Recommendation]:
    """LOTI: where the last round's joint-procurement opportunities were missed, start earlier.

    Evidence from the previous round: of the opportunities it showed, how many its
    authorities realised together and how many they let one by one (renewed separately or
    switched apart). Nothing when there is no previous round or nothing was missed.
    """
    if evidence is None or not evidence.opportunities or not evidence.missed:
        return []
    coming = f"; {evidence.still_to_come} are still to come" if evidence.still_to_come else ""
    text = (
        f"Of the {_count(evidence.opportunities, 'joint-procurement opportunity', 'joint-procurement opportunities')} "
        f"round {evidence.earlier_round} showed, {evidence.realised} "
        f"{'was' if evidence.realised == 1 else 'were'} realised together and {evidence.missed} "
        f"{'was' if evidence.missed == 1 else 'were'} missed: the authorities renewed or "
        f"switched one by one{coming}. Bring the authorities of this round's opportunities "
        "together well before their first contract ends."
    )
    return [
        Recommendation(
            LOTI,
            text,
            {
                "earlier_round": evidence.earlier_round,
                "opportunities": evidence.opportunities,
                "realised": evidence.realised,
                "missed": evidence.missed,
                "still_to_come": evidence.still_to_come,
            },
            LINKS["opportunity_outcomes"],
        )
    ]


def contest_relets(evidence: ChangeEvidence | None) -> list[Recommendation]:
    """Suppliers: contracts let again are winnable, and new entrants have won some.

    Evidence from the previous round: of the contracts let again between the rounds, how
    many went to another supplier or product, and how many systems new entrants won.
    Nothing when there is no previous round or no contract was let again.
    """
    if evidence is None or not evidence.relet:
        return []
    contested = evidence.relet - evidence.relet_to_incumbent
    entrants = (
        f"; new entrants won {_count(evidence.new_entrant_wins, 'system', 'systems')}"
        if evidence.new_entrant_wins
        else ""
    )
    text = (
        f"Since round {evidence.earlier_round}, {contested} of the "
        f"{_count(evidence.relet, 'contract', 'contracts')} let again went to another supplier "
        f"or product ({contested / evidence.relet:.0%}){entrants}. Watch the expiry pipeline: "
        "re-procurements are where the market moves."
    )
    return [
        Recommendation(
            SUPPLIERS,
            text,
            {
                "earlier_round": evidence.earlier_round,
                "relet": evidence.relet,
                "to_another_supplier_or_product": contested,
                "new_entrant_wins": evidence.new_entrant_wins,
            },
            LINKS["relets"],
        )
    ]


def recommend(
    findings: Findings,
    thresholds: Thresholds | None = None,
    evidence: ChangeEvidence | None = None,
) -> list[Recommendation]:
    """Every rule applied to the findings, grouped by audience in ``AUDIENCES`` order.

    Parameters
    ----------
    findings
        From :func:`citytools_analysis.metrics.findings.collect_findings`.
    thresholds
        The rules' thresholds (defaults: :class:`Thresholds`).
    evidence
        What changed since the previous round
        (:func:`citytools_analysis.metrics.round_comparison.change_evidence`); ``None`` when
        there is no previous round, and the rules that rest on change say nothing.

    Returns
    -------
    list of Recommendation
    """
    t = thresholds or Thresholds()
    names = authority_names(findings.authorities)
    rules = [
        *procure_together(findings.joint_procurement, names, min_authorities=t.min_authorities),
        *plan_replacements_together(
            findings.replacement,
            names,
            until_year=findings.replacement_until_year,
            min_authorities=t.min_authorities,
        ),
        *ask_peers(findings.peer_support, names),
        *publish_pipeline(
            findings.renewal, findings.open_ended, min_systems=t.min_pipeline_systems
        ),
        *broker_peer_support(findings.peer_support, min_matches=t.min_peer_matches),
        *learn_from_missed_opportunities(evidence),
        *act_on_underperformance(findings.clusters, names, min_authorities=t.min_authorities),
        *openings_for_entrants(
            findings.concentration, min_hhi=t.min_hhi, min_systems=t.min_area_systems
        ),
        *improve_satisfaction(
            findings.supplier_ratings,
            max_mean=t.max_supplier_satisfaction,
            min_rated=t.min_rated_systems,
        ),
        *keep_data_current(findings.open_ended, max_unknown_share=t.max_unknown_share),
        *contest_relets(evidence),
        *scale_nationally(findings.top_n_supplier_share, n=findings.top_n, min_share=t.top_share),
        *fewer_suppliers(findings.supplier_satisfaction.correlation, alpha=t.alpha),
    ]
    order = {audience: i for i, audience in enumerate(AUDIENCES)}
    return sorted(rules, key=lambda item: order[item.audience])


# ---------------------------------------------------------------------------- shortlist


@dataclass(frozen=True)
class RecommendationGroup:
    """The recommendations of one rule for one audience: the first few shown, the rest counted."""

    audience: str
    link: str
    shown: tuple[Recommendation, ...]
    more: int

    @property
    def total(self) -> int:
        """How many recommendations the rule made."""
        return len(self.shown) + self.more


def _reach(item: Recommendation) -> tuple[int, float]:
    """How many authorities a recommendation concerns, and its annual cost (0 if none)."""
    evidence = item.evidence
    if isinstance(evidence.get("authorities"), (list, tuple)):
        count = len(evidence["authorities"])
    else:
        count = int(evidence.get("planning") or evidence.get("matches") or 0)
    cost = evidence.get("annual_cost_gbp")
    return count, float(cost) if cost is not None and not pd.isna(cost) else 0.0


def shortlist(items: list[Recommendation], limit: int = 5) -> list[RecommendationGroup]:
    """Group recommendations by rule (audience and link) and keep the ``limit`` largest.

    Within a group, recommendations are ranked by the number of authorities they concern
    (the evidence's ``authorities``, else ``planning`` or ``matches``), then by combined
    annual cost, both descending (ties keep the rules' order). Groups keep the order in
    which their first recommendation appears, so the audiences stay in ``AUDIENCES`` order
    when ``items`` comes from :func:`recommend`.

    Parameters
    ----------
    items
        Recommendations, e.g. from :func:`recommend`.
    limit
        Most recommendations shown per group (at least 1).

    Returns
    -------
    list of RecommendationGroup
        ``more`` counts those not shown.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    groups: dict[tuple[str, str], list[Recommendation]] = {}
    for item in items:
        groups.setdefault((item.audience, item.link), []).append(item)
    out = []
    for (audience, link), members in groups.items():
        ranked = sorted(members, key=lambda item: tuple(-x for x in _reach(item)))
        out.append(
            RecommendationGroup(audience, link, tuple(ranked[:limit]), max(0, len(ranked) - limit))
        )
    return out
