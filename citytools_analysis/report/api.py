"""The read-only JSON API: static documents published with the book under ``api/v1/``.

Every document is computed from the release by the metric functions the chapters use, so
the API and the book say the same thing:

- ``index.json``: what the API holds, the parameters it was computed with, and the list of
  authorities, products and organisations with their slugs and document paths;
- ``authorities/<slug>.json``: one authority's systems, its contracts ending within the
  horizon, the authorities running the same products, its joint-procurement
  opportunities, its skills with matched peers, and its maturity against London's median;
- ``products/<slug>.json`` and ``organisations/<slug>.json``: who runs a product (or
  holds a contract with, or makes the products of, an organisation), where, and when
  each contract ends;
- ``opportunities.json``: every joint-procurement opportunity;
- ``findings.json``: the headline findings, byte for byte what ``citytools findings``
  prints with the same parameters.

Names become URL slugs by :func:`slugify` (ASCII letters and digits, runs of anything else
turned into one ``-``); two names that would share a slug, or a name with no letter or
digit, get the first eight hex digits of the SHA-256 of the exact name appended. A slug
depends only on its name and on the other names of the same kind in the release, so it
stays the same from one build to the next.

Documents are deterministic: lists are sorted, keys are in a fixed order, numbers are
rounded, and :func:`document_bytes` serialises them the same way every time. Each kind of
document has a JSON Schema (:mod:`.api_schema`), published beside it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from citytools_analysis.core.reference import authority_names
from citytools_analysis.metrics import contracts
from citytools_analysis.metrics.headline import headline_findings
from citytools_analysis.metrics.profiles import LondonContext, authority_profile, load_london
from citytools_analysis.release.distribution import AUTHORITY_TABLES, licence_line

API_VERSION = "v1"
API_FOLDER = f"api/{API_VERSION}"
"""Where the API is published, relative to the book's root."""
AUTHORITY_DATA_FOLDER = "data/authorities"
"""Where each authority's own rows are published (``<gss_code>/<table>.csv``)."""
SLUG_HASH_DIGITS = 8


def slugify(name: str) -> str:
    """A name as URL text: ASCII lower-case letters and digits joined by ``-``.

    >>> slugify("Planning & Building Control")
    'planning-building-control'
    >>> slugify("Civica (Northgate) Öne")
    'civica-northgate-one'
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def assign_slugs(names: Iterable[str]) -> dict[str, str]:
    """Name → unique slug (see the module's description for collisions).

    >>> assign_slugs(["A&B", "A B", "Camden"])
    {'A B': 'a-b-fea4c5ce', 'A&B': 'a-b-ea99df94', 'Camden': 'camden'}
    """
    base = {name: slugify(name) for name in sorted(set(names))}
    counts = Counter(base.values())
    slugs = {}
    for name, slug in base.items():
        if not slug or counts[slug] > 1:
            digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:SLUG_HASH_DIGITS]
            slug = f"{slug or 'name'}-{digest}"
        slugs[name] = slug
    return slugs


def document_bytes(document: Any) -> bytes:
    """A document as published: indented UTF-8 JSON ending in a newline (no NaN)."""
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode(
        "utf-8"
    )


# --- values as JSON -------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _day(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _money(value: Any) -> float | None:
    """Pounds to the penny, as in the release (``None`` when unknown)."""
    if value is None or pd.isna(value):
        return None
    number = round(float(value), 2)
    return int(number) if number.is_integer() else number


def _integer(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _number(value: Any, digits: int = 2) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), digits)


def _flag(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


# --- the documents --------------------------------------------------------------------------


class ApiSlugs:
    """The slugs of every authority, product and organisation of one release."""

    def __init__(self, london: LondonContext) -> None:
        systems = london.systems
        self.authorities = assign_slugs(london.authorities["short_name"].astype(str))
        self.authority_of_code = {
            code: self.authorities[str(short)]
            for code, short in zip(london.authorities["gss_code"], london.authorities["short_name"])
        }
        self.products = assign_slugs(systems["product"].dropna().astype(str))
        organisations = pd.concat([systems["manufacturer"], systems["supplier"]]).dropna()
        self.organisations = assign_slugs(organisations.astype(str))


def _parameters(london: LondonContext) -> dict:
    return {
        "as_of": london.as_of.isoformat(),
        "horizon_years": london.horizon_years,
        "window_months": london.window_months,
        "min_authorities": london.min_authorities,
    }


def _system_row(row, slugs: ApiSlugs) -> dict:
    return {
        "record_id": row.record_id,
        "service_area": _text(row.service_area),
        "function": _text(row.function),
        "product": _text(row.product),
        "product_slug": slugs.products.get(row.product) if pd.notna(row.product) else None,
        "manufacturer": _text(row.manufacturer),
        "supplier": _text(row.supplier),
        "system_type": _text(row.system_type),
        "hosting": _text(row.hosting),
        "contract_start": _day(row.contract_start),
        "contract_end": _day(row.contract_end),
        "contract_end_status": _text(row.contract_end_status),
        "annual_cost_gbp": _money(row.annual_cost_gbp),
        "source": _text(row.source),
    }


def authority_document(london: LondonContext, gss_code: str, slugs: ApiSlugs) -> dict:
    """One authority's document (see the module's description)."""
    profile = authority_profile(london, gss_code)
    own = london.systems[london.systems["gss_code"] == gss_code].sort_values(
        "record_id", kind="mergesort"
    )
    ending = contracts.expiring(own, london.as_of, london.horizon_years)
    shared = london.shared[london.shared["gss_codes"].map(lambda codes: gss_code in codes)]
    peers = sorted(
        (
            {
                "product": row.product,
                "product_slug": slugs.products.get(row.product),
                "service_area": _text(row.service_area),
                "authorities": sorted(c for c in row.gss_codes if c != gss_code),
            }
            for row in shared.itertuples(index=False)
            if len(row.gss_codes) > 1
        ),
        key=lambda item: item["product"],
    )
    ends = dict(zip(own["record_id"], own["contract_end"]))
    opportunities = london.opportunities[
        london.opportunities["gss_codes"].map(lambda codes: gss_code in codes)
    ]
    matches = london.matches
    return {
        "gss_code": gss_code,
        "slug": slugs.authority_of_code[gss_code],
        "name": profile.name,
        "short_name": profile.short_name,
        "kind": profile.kind,
        "inner_outer": profile.inner_outer or None,
        "responded": profile.responded,
        "parameters": _parameters(london),
        "rows_csv": {
            table: f"{AUTHORITY_DATA_FOLDER}/{gss_code}/{table}.csv" for table in AUTHORITY_TABLES
        },
        "systems": [_system_row(row, slugs) for row in own.itertuples(index=False)],
        "contracts_ending": [
            {
                "record_id": row.record_id,
                "contract_end": _day(row.contract_end),
                "service_area": _text(row.service_area),
                "product": _text(row.product),
                "supplier": _text(row.supplier),
                "annual_cost_gbp": _money(row.annual_cost_gbp),
            }
            for row in ending.itertuples(index=False)
        ],
        "peers": peers,
        "opportunities": [
            {
                "kind": row.kind,
                "name": row.name,
                "service_area": _text(row.service_area),
                "first_end": _day(row.first_end),
                "last_end": _day(row.last_end),
                "own_contract_ends": sorted({_day(ends[r]) for r in row.record_ids if r in ends}),
                "partners": sorted(c for c in row.gss_codes if c != gss_code),
                "annual_cost_gbp": _money(row.annual_cost_gbp),
            }
            for row in opportunities.itertuples(index=False)
        ],
        "skills": [
            {
                "skill_area": row.skill_area,
                "level": int(row.level),
                "level_label": row.level_label,
                "can_support": bool(row.can_support),
                "assessment": row.assessment or None,
            }
            for row in profile.skills.sort_values("skill_area", kind="mergesort").itertuples(
                index=False
            )
        ],
        "peer_support": {
            "could_support_this_authority": sorted(
                (
                    {"skill_area": row.skill_area, "authority": row.mentor}
                    for row in matches[matches["learner"] == gss_code].itertuples(index=False)
                ),
                key=lambda item: (item["skill_area"], item["authority"]),
            ),
            "this_authority_could_support": sorted(
                (
                    {"skill_area": row.skill_area, "authority": row.learner}
                    for row in matches[matches["mentor"] == gss_code].itertuples(index=False)
                ),
                key=lambda item: (item["skill_area"], item["authority"]),
            ),
        },
        "maturity": [
            {
                "dimension": row.dimension,
                "score": int(row.score),
                "london_median": _number(row.london_median),
                "difference": _number(row.difference),
            }
            for row in profile.maturity.sort_values("dimension", kind="mergesort").itertuples(
                index=False
            )
        ],
        "changes_since_previous_round": _changes_document(profile),
    }


def _changes_document(profile) -> dict | None:
    """What became of the authority's systems since the previous round (``None``: no round).

    ``changes`` is empty when the authority answered only one of the two rounds: its systems
    are not observed in the other, never retired.
    """
    if not profile.earlier_round:
        return None
    both = profile.responded and profile.answered_earlier
    records = profile.changes if both else profile.changes.iloc[0:0]
    return {
        "previous_round": profile.earlier_round,
        "answered_previous_round": bool(profile.answered_earlier),
        "changes": [
            {
                "service_area": row.service_area,
                "function": row.function or None,
                "change": row.change,
                "product_before": row.product_before or None,
                "product_after": row.product_after or None,
                "supplier_before": row.supplier_before or None,
                "supplier_after": row.supplier_after or None,
            }
            for row in records.itertuples(index=False)
        ],
    }


def _use_row(row, slugs: ApiSlugs, role: list[str] | None = None) -> dict:
    item = {
        "gss_code": row.gss_code,
        "authority_slug": slugs.authority_of_code.get(row.gss_code),
        "record_id": row.record_id,
        "service_area": _text(row.service_area),
        "function": _text(row.function),
        "product": _text(row.product),
        "manufacturer": _text(row.manufacturer),
        "supplier": _text(row.supplier),
        "contract_end": _day(row.contract_end),
        "contract_end_status": _text(row.contract_end_status),
    }
    if role is not None:
        item["role"] = role
    return item


def product_document(london: LondonContext, product: str, slugs: ApiSlugs) -> dict:
    """Who runs one product, where, and when each contract ends."""
    rows = london.systems[london.systems["product"] == product].sort_values(
        ["gss_code", "record_id"], kind="mergesort"
    )
    return {
        "name": product,
        "slug": slugs.products[product],
        "parameters": _parameters(london),
        "manufacturers": sorted(rows["manufacturer"].dropna().astype(str).unique()),
        "service_areas": sorted(rows["service_area"].dropna().astype(str).unique()),
        "authorities": sorted(rows["gss_code"].unique()),
        "systems": [_use_row(row, slugs) for row in rows.itertuples(index=False)],
    }


def organisation_document(london: LondonContext, organisation: str, slugs: ApiSlugs) -> dict:
    """The systems an organisation makes (as manufacturer) or holds the contract for."""
    systems = london.systems
    makes = systems["manufacturer"] == organisation
    supplies = systems["supplier"] == organisation
    rows = systems[makes | supplies].sort_values(["gss_code", "record_id"], kind="mergesort")
    return {
        "name": organisation,
        "slug": slugs.organisations[organisation],
        "parameters": _parameters(london),
        "products_made": sorted(systems.loc[makes, "product"].dropna().astype(str).unique()),
        "products_supplied": sorted(systems.loc[supplies, "product"].dropna().astype(str).unique()),
        "authorities": sorted(rows["gss_code"].unique()),
        "systems": [
            _use_row(
                row,
                slugs,
                [
                    role
                    for role, yes in (
                        ("manufacturer", row.manufacturer == organisation),
                        ("supplier", row.supplier == organisation),
                    )
                    if yes
                ],
            )
            for row in rows.itertuples(index=False)
        ],
    }


def opportunities_document(london: LondonContext) -> dict:
    """Every joint-procurement opportunity (the metric's order: most authorities first)."""
    return {
        "parameters": _parameters(london),
        "opportunities": [
            {
                "kind": row.kind,
                "name": row.name,
                "service_area": _text(row.service_area),
                "authorities": list(row.gss_codes),
                "record_ids": sorted(row.record_ids),
                "first_end": _day(row.first_end),
                "last_end": _day(row.last_end),
                "systems": int(row.systems),
                "costed_systems": int(row.costed_systems),
                "annual_cost_gbp": _money(row.annual_cost_gbp) if row.costed_systems else None,
            }
            for row in london.opportunities.itertuples(index=False)
        ],
    }


def _index_document(london: LondonContext, slugs: ApiSlugs, package: Mapping, licence: str) -> dict:
    names = authority_names(london.authorities)
    return {
        "api_version": API_VERSION,
        "title": package.get("title"),
        "licence": licence,
        "synthetic": bool(package.get("synthetic")),
        "round": package.get("round"),
        "snapshot_date": package.get("snapshot_date"),
        "parameters": _parameters(london),
        "documents": {
            "findings": "findings.json",
            "opportunities": "opportunities.json",
            "openapi": "openapi.json",
        },
        "authorities": [
            {
                "gss_code": code,
                "short_name": names[code],
                "slug": slugs.authority_of_code[code],
                "path": f"authorities/{slugs.authority_of_code[code]}.json",
            }
            for code in sorted(names)
        ],
        "products": [
            {"name": name, "slug": slug, "path": f"products/{slug}.json"}
            for name, slug in sorted(slugs.products.items())
        ],
        "organisations": [
            {"name": name, "slug": slug, "path": f"organisations/{slug}.json"}
            for name, slug in sorted(slugs.organisations.items())
        ],
    }


def api_documents(
    processed_dir: Path | str,
    reference_dir: Path | str | None = None,
    *,
    as_of: date | str | None = None,
    horizon_years: int = 3,
    window_months: int = 12,
    min_authorities: int = 3,
    findings_store: Path | str | None = None,
) -> dict[str, dict]:
    """Every document of the API, by path under ``api/v1/`` (e.g. ``products/eros.json``).

    Parameters
    ----------
    processed_dir
        The release.
    reference_dir
        Reference data (skill level names); the project's by default.
    as_of, horizon_years, window_months, min_authorities
        As for ``citytools findings`` (the same defaults).
    findings_store
        The build's findings store: the findings are read from it when it holds those of
        this release under these parameters and code (:func:`.findings_store.chapter_findings`),
        and computed otherwise.

    Returns
    -------
    dict
        Path → document, in path order.
    """
    london = load_london(
        processed_dir,
        reference_dir,
        as_of=as_of,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
    )
    package = json.loads((Path(processed_dir) / "datapackage.json").read_text(encoding="utf-8"))
    slugs = ApiSlugs(london)
    from citytools_analysis.core.parameters import report_parameters
    from citytools_analysis.metrics.findings_store import chapter_findings
    from citytools_analysis.release.processed import load_processed

    data = load_processed(processed_dir)
    options = {
        "as_of": as_of,
        "horizon_years": horizon_years,
        "window_months": window_months,
        "min_authorities": min_authorities,
    }
    found = chapter_findings(
        data, processed_dir, report_parameters(**options), findings_store or None
    )
    documents: dict[str, dict] = {
        "index.json": _index_document(london, slugs, package, licence_line(processed_dir)),
        "findings.json": headline_findings(data, **options, found=found),
        "opportunities.json": opportunities_document(london),
    }
    for code in sorted(london.authorities["gss_code"]):
        documents[f"authorities/{slugs.authority_of_code[code]}.json"] = authority_document(
            london, code, slugs
        )
    for product, slug in slugs.products.items():
        documents[f"products/{slug}.json"] = product_document(london, product, slugs)
    for organisation, slug in slugs.organisations.items():
        documents[f"organisations/{slug}.json"] = organisation_document(london, organisation, slugs)
    return dict(sorted(documents.items()))


DOCUMENT_KINDS = {
    "index.json": "index",
    "findings.json": "findings",
    "opportunities.json": "opportunities",
    "authorities": "authority",
    "products": "product",
    "organisations": "organisation",
}
"""A document's path (file, or first folder) → the name of its schema."""


def schema_name(path: str) -> str:
    """The schema a document at ``path`` (under ``api/v1/``) follows.

    >>> schema_name("products/eros.json")
    'product'
    """
    return DOCUMENT_KINDS.get(path) or DOCUMENT_KINDS[path.split("/", 1)[0]]


__all__ = [
    "API_FOLDER",
    "API_VERSION",
    "api_documents",
    "assign_slugs",
    "document_bytes",
    "schema_name",
    "slugify",
]
