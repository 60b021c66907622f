"""The headline findings: the findings and the recommendations drawn from them, as one JSON.

This module sits above :mod:`citytools_analysis.metrics.findings` and
:mod:`citytools_analysis.metrics.recommendations`, so that neither imports the other's
consumer (the recommendations read the findings; the headline reads both).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pandas as pd

from citytools_analysis.core.parameters import report_parameters
from citytools_analysis.core.rounds import list_rounds, previous_round
from citytools_analysis.metrics.findings import Findings, collect_findings, findings_arguments
from citytools_analysis.metrics.recommendations import Thresholds, recommend
from citytools_analysis.metrics.round_comparison import (
    ChangeEvidence,
    change_evidence,
    compare_releases,
)
from citytools_analysis.release.processed import ProcessedData, load_processed


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
    horizon_years: int | None = None,
    window_months: int | None = None,
    min_authorities: int | None = None,
    thresholds: Thresholds | None = None,
    evidence: ChangeEvidence | None = None,
    found: Findings | None = None,
) -> dict:
    """The headline findings as a JSON-ready dict, in the documented key order.

    Keys: ``as_of`` (ISO date), ``horizon_years``, ``window_months``, ``min_authorities``,
    ``systems``, ``authorities`` (distinct authorities with systems), ``products``,
    ``manufacturers``, ``suppliers``, ``top10_supplier_share`` (0–1),
    ``supplier_count_satisfaction`` (``rho``, ``p``, ``n``), ``expiring`` (systems whose
    contracts end within the horizon), ``expiring_annual_cost_gbp`` (their known costs
    added up), ``horizon_end`` (first day after the horizon), ``rolling_contracts``,
    ``unknown_contract_end``, ``joint_procurement`` (``kind, name, authorities, first_end,
    last_end, annual_cost_gbp``), ``peer_support`` (``skill_area, mentor, learner``),
    ``changes_since_previous_round`` (the fields of
    :class:`~citytools_analysis.metrics.round_comparison.ChangeEvidence` and ``switch_rate``,
    or ``None`` when ``evidence`` is not given) and ``recommendations`` (``audience, text, evidence``; the evidence holds the numbers and
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
    found
        The findings of ``data`` under these parameters, when already computed (the build's
        store, :func:`.findings_store.chapter_findings`); computed here otherwise.
    """
    configured = report_parameters(
        as_of=as_of,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
    )
    if found is None:
        found = collect_findings(data, **findings_arguments(configured))
    if thresholds is None:
        thresholds = Thresholds.from_parameters(configured)
    total = found.counts
    correlation = found.supplier_satisfaction.correlation
    undated = found.open_ended.iloc[0]
    return {
        "as_of": found.as_of.isoformat(),
        "horizon_years": found.horizon_years,
        "window_months": found.window_months,
        "min_authorities": found.min_authorities,
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
        "changes_since_previous_round": (
            None if evidence is None else {**asdict(evidence), "switch_rate": evidence.switch_rate}
        ),
        "recommendations": [item.as_dict() for item in recommend(found, thresholds, evidence)],
    }


def _previous_release(processed_dir: Path | str) -> Path | str:
    """The release of the round before the release's own round (its data package's
    ``round``), when the project holds that round and an earlier one; else ``""``."""
    package = Path(processed_dir) / "datapackage.json"
    try:
        round_name = json.loads(package.read_text(encoding="utf-8")).get("round")
    except (OSError, ValueError):
        return ""
    held = {one.name for one in list_rounds()}
    if not round_name or round_name not in held:
        return ""
    earlier = previous_round(round_name)
    if earlier is None or not (earlier.release_dir / "systems.csv").is_file():
        return ""
    return earlier.release_dir


def headline_findings_json(
    processed_dir: Path | str,
    *,
    as_of: date | str | None = None,
    horizon_years: int | None = None,
    window_months: int | None = None,
    min_authorities: int | None = None,
    previous_dir: Path | str | None = None,
) -> str:
    """The headline findings of a processed folder as indented JSON (stable byte for byte).

    See :func:`headline_findings` for the keys. ``previous_dir`` is the release of the round
    before (``None``: the round before the release's own round, as its data package names
    it, when the project holds both; ``""``: none); its change figures are ``changes_since_previous_round`` and feed the rules.
    """
    data = load_processed(processed_dir)
    if previous_dir is None:
        previous_dir = _previous_release(processed_dir)
    evidence = None
    if str(previous_dir):
        parameters = report_parameters(
            window_months=window_months,
            min_authorities=min_authorities,
            horizon_years=horizon_years,
        )
        evidence = change_evidence(
            compare_releases(
                previous_dir,
                processed_dir,
                window_months=parameters.window_months,
                min_authorities=parameters.min_authorities,
                horizon_years=parameters.horizon_years,
            )
        )
    found = headline_findings(
        data,
        as_of=as_of,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
        evidence=evidence,
    )
    return json.dumps(found, indent=2, ensure_ascii=False, allow_nan=False)


__all__ = ["headline_findings", "headline_findings_json"]
