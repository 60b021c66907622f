"""The JSON Schemas of the API's documents, and the OpenAPI description of the whole API.

One schema per kind of document (:data:`.api.DOCUMENT_KINDS`), JSON Schema draft 2020-12,
strict: every key is listed, required, and typed (``null`` where a value may be unknown),
and no other key is allowed (except in a recommendation's evidence, whose numbers depend
on its rule). They are published beside the documents as ``schemas/<kind>.schema.json``,
and ``openapi.json`` (OpenAPI 3.1) describes every path and refers to them.
"""

from __future__ import annotations

from citytools_analysis.metrics.changes import change_classes
from citytools_analysis.report.api import API_VERSION

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FOLDER = "schemas"

STRING = {"type": "string"}
TEXT = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
OPTIONAL_DATE = {"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
GSS_CODE = {"type": "string", "pattern": "^E[0-9]{8}$"}
SLUG = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}
COUNT = {"type": "integer", "minimum": 0}
POUNDS = {"type": ["number", "null"], "minimum": 0}
PATH = {"type": "string", "pattern": r"^[A-Za-z0-9/_.-]+\.(json|csv)$"}


def _object(properties: dict, *, description: str | None = None, extra: bool = False) -> dict:
    """An object whose listed keys are all required (and, unless ``extra``, the only ones)."""
    schema: dict = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = properties
    schema["required"] = list(properties)
    schema["additionalProperties"] = extra
    return schema


def _list(items: dict) -> dict:
    return {"type": "array", "items": items}


PARAMETERS = _object(
    {
        "as_of": DATE,
        "horizon_years": COUNT,
        "window_months": COUNT,
        "min_authorities": COUNT,
    },
    description="The parameters the document was computed with (as for `citytools findings`).",
)

SYSTEM = _object(
    {
        "record_id": STRING,
        "service_area": TEXT,
        "function": TEXT,
        "product": TEXT,
        "product_slug": {"type": ["string", "null"]},
        "manufacturer": TEXT,
        "supplier": TEXT,
        "system_type": TEXT,
        "hosting": TEXT,
        "contract_start": OPTIONAL_DATE,
        "contract_end": OPTIONAL_DATE,
        "contract_end_status": {"enum": ["date", "rolling", "unknown"]},
        "annual_cost_gbp": POUNDS,
        "source": {"enum": ["survey", "register", "both"]},
    }
)

USE = {
    "gss_code": GSS_CODE,
    "authority_slug": SLUG,
    "record_id": STRING,
    "service_area": TEXT,
    "function": TEXT,
    "product": TEXT,
    "manufacturer": TEXT,
    "supplier": TEXT,
    "contract_end": OPTIONAL_DATE,
    "contract_end_status": {"enum": ["date", "rolling", "unknown"]},
}

MATCH = _object({"skill_area": STRING, "authority": GSS_CODE})


def document_schemas() -> dict[str, dict]:
    """Schema name → JSON Schema, for every kind of document."""
    change_names = list(change_classes()["change"])  # data/raw/reference/change_classes.csv
    bodies = {
        "index": _object(
            {
                "api_version": {"const": API_VERSION},
                "title": TEXT,
                "licence": STRING,
                "synthetic": {"type": "boolean"},
                "round": TEXT,
                "snapshot_date": OPTIONAL_DATE,
                "parameters": PARAMETERS,
                "documents": _object({"findings": PATH, "opportunities": PATH, "openapi": PATH}),
                "authorities": _list(
                    _object(
                        {"gss_code": GSS_CODE, "short_name": STRING, "slug": SLUG, "path": PATH}
                    )
                ),
                "products": _list(_object({"name": STRING, "slug": SLUG, "path": PATH})),
                "organisations": _list(_object({"name": STRING, "slug": SLUG, "path": PATH})),
            },
            description="What the API holds, and the path of every document.",
        ),
        "authority": _object(
            {
                "gss_code": GSS_CODE,
                "slug": SLUG,
                "name": STRING,
                "short_name": STRING,
                "kind": {"enum": ["borough", "city", "gla"]},
                "inner_outer": {"enum": ["Inner", "Outer", None]},
                "responded": {"type": "boolean"},
                "parameters": PARAMETERS,
                "rows_csv": {
                    "type": "object",
                    "additionalProperties": PATH,
                    "description": "Table → this authority's rows as CSV, from the book's root.",
                },
                "systems": _list(SYSTEM),
                "contracts_ending": _list(
                    _object(
                        {
                            "record_id": STRING,
                            "contract_end": DATE,
                            "service_area": TEXT,
                            "product": TEXT,
                            "supplier": TEXT,
                            "annual_cost_gbp": POUNDS,
                        },
                        description="A contract ending within the horizon.",
                    )
                ),
                "peers": _list(
                    _object(
                        {
                            "product": STRING,
                            "product_slug": SLUG,
                            "service_area": TEXT,
                            "authorities": _list(GSS_CODE),
                        },
                        description="A product this authority runs and the other authorities running "
                        "it.",
                    )
                ),
                "opportunities": _list(
                    _object(
                        {
                            "kind": {"enum": ["product", "service_area"]},
                            "name": STRING,
                            "service_area": TEXT,
                            "first_end": DATE,
                            "last_end": DATE,
                            "own_contract_ends": _list(DATE),
                            "partners": _list(GSS_CODE),
                            "annual_cost_gbp": POUNDS,
                        },
                        description="A joint-procurement opportunity this authority is in.",
                    )
                ),
                "skills": _list(
                    _object(
                        {
                            "skill_area": STRING,
                            "level": {"type": "integer", "minimum": 0, "maximum": 4},
                            "level_label": STRING,
                            "can_support": {"type": "boolean"},
                            "assessment": {"enum": ["strength", "gap", None]},
                        }
                    )
                ),
                "peer_support": _object(
                    {
                        "could_support_this_authority": _list(MATCH),
                        "this_authority_could_support": _list(MATCH),
                    }
                ),
                "maturity": _list(
                    _object(
                        {
                            "dimension": STRING,
                            "score": {"type": "integer", "minimum": 1, "maximum": 5},
                            "london_median": {"type": ["number", "null"]},
                            "difference": {"type": ["number", "null"]},
                        }
                    )
                ),
                "changes_since_previous_round": {
                    "oneOf": [
                        {"type": "null"},
                        _object(
                            {
                                "previous_round": STRING,
                                "answered_previous_round": {"type": "boolean"},
                                "changes": _list(
                                    _object(
                                        {
                                            "service_area": STRING,
                                            "function": {"type": ["string", "null"]},
                                            "change": {"enum": change_names},
                                            "product_before": {"type": ["string", "null"]},
                                            "product_after": {"type": ["string", "null"]},
                                            "supplier_before": {"type": ["string", "null"]},
                                            "supplier_after": {"type": ["string", "null"]},
                                        }
                                    )
                                ),
                            }
                        ),
                    ]
                },
            },
            description="One authority: its systems, contracts ending within the horizon, "
            "peers and opportunities, skills and maturity, and its changes since the previous "
            "survey round (null when the release is compared with none).",
        ),
        "product": _object(
            {
                "name": STRING,
                "slug": SLUG,
                "parameters": PARAMETERS,
                "manufacturers": _list(STRING),
                "service_areas": _list(STRING),
                "authorities": _list(GSS_CODE),
                "systems": _list(_object(USE)),
            },
            description="Who runs one product, where, and when each contract ends.",
        ),
        "organisation": _object(
            {
                "name": STRING,
                "slug": SLUG,
                "parameters": PARAMETERS,
                "products_made": _list(STRING),
                "products_supplied": _list(STRING),
                "authorities": _list(GSS_CODE),
                "systems": _list(
                    _object(
                        {
                            **USE,
                            "role": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"enum": ["manufacturer", "supplier"]},
                            },
                        }
                    )
                ),
            },
            description="The systems an organisation makes or holds the contract for.",
        ),
        "opportunities": _object(
            {
                "parameters": PARAMETERS,
                "opportunities": _list(
                    _object(
                        {
                            "kind": {"enum": ["product", "service_area"]},
                            "name": STRING,
                            "service_area": TEXT,
                            "authorities": _list(GSS_CODE),
                            "record_ids": _list(STRING),
                            "first_end": DATE,
                            "last_end": DATE,
                            "systems": COUNT,
                            "costed_systems": COUNT,
                            "annual_cost_gbp": POUNDS,
                        }
                    )
                ),
            },
            description="Every joint-procurement opportunity: contracts of at least "
            "min_authorities authorities ending within window_months.",
        ),
        "findings": _object(
            {
                "as_of": DATE,
                "horizon_years": COUNT,
                "window_months": COUNT,
                "min_authorities": COUNT,
                "systems": COUNT,
                "authorities": COUNT,
                "products": COUNT,
                "manufacturers": COUNT,
                "suppliers": COUNT,
                "top10_supplier_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "supplier_count_satisfaction": _object(
                    {
                        "rho": {"type": ["number", "null"]},
                        "p": {"type": ["number", "null"]},
                        "n": COUNT,
                    }
                ),
                "expiring": COUNT,
                "expiring_annual_cost_gbp": {"type": ["integer", "null"]},
                "horizon_end": DATE,
                "rolling_contracts": COUNT,
                "unknown_contract_end": COUNT,
                "joint_procurement": _list(
                    _object(
                        {
                            "kind": {"enum": ["product", "service_area"]},
                            "name": STRING,
                            "authorities": _list(GSS_CODE),
                            "first_end": DATE,
                            "last_end": DATE,
                            "annual_cost_gbp": {"type": ["integer", "null"]},
                        }
                    )
                ),
                "peer_support": _list(
                    _object({"skill_area": STRING, "mentor": GSS_CODE, "learner": GSS_CODE})
                ),
                # The change figures since the round before (metrics.round_comparison), or
                # null when the release is compared with none.
                "changes_since_previous_round": {"type": ["object", "null"]},
                "recommendations": _list(
                    _object(
                        {
                            "audience": STRING,
                            "text": STRING,
                            "evidence": {
                                "type": "object",
                                "required": ["link"],
                                "properties": {"link": STRING},
                            },
                        }
                    )
                ),
            },
            description="The headline findings: the same JSON as `citytools findings`.",
        ),
    }
    return {
        name: {
            "$schema": SCHEMA_DIALECT,
            "$id": f"{SCHEMA_FOLDER}/{name}.schema.json",
            "title": f"City Tools: London API {API_VERSION}: {name}",
            **body,
        }
        for name, body in sorted(bodies.items())
    }


def schema_path(name: str) -> str:
    """Where a schema is published, under ``api/v1/``."""
    return f"{SCHEMA_FOLDER}/{name}.schema.json"


AUTHORITY_SLUG = "An authority's slug, from its short name (see index.json)."
PRODUCT_SLUG = "A product's slug (see index.json)."
ORGANISATION_SLUG = "An organisation's slug (see index.json)."
PATHS = {
    "/index.json": ("index", "What the API holds and every document's path.", None),
    "/findings.json": ("findings", "The headline findings (as `citytools findings`).", None),
    "/opportunities.json": ("opportunities", "Every joint-procurement opportunity.", None),
    "/authorities/{slug}.json": ("authority", "One authority.", AUTHORITY_SLUG),
    "/products/{slug}.json": ("product", "Who runs one product.", PRODUCT_SLUG),
    "/organisations/{slug}.json": (
        "organisation",
        "What one organisation makes or supplies.",
        ORGANISATION_SLUG,
    ),
}


def openapi_document(licence: str) -> dict:
    """The OpenAPI 3.1 description of the API (paths relative to ``api/v1/``)."""
    paths = {}
    for path, (schema, summary, slug_text) in PATHS.items():
        operation: dict = {
            "summary": summary,
            "operationId": "get_" + schema,
            "responses": {
                "200": {
                    "description": summary,
                    "content": {"application/json": {"schema": {"$ref": schema_path(schema)}}},
                },
                "404": {"description": "No such document."},
            },
        }
        if slug_text:
            operation["parameters"] = [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "description": slug_text,
                    "schema": {"type": "string", "pattern": SLUG["pattern"]},
                }
            ]
        paths[path] = {"get": operation}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "City Tools: London open data API",
            "version": API_VERSION,
            "description": "A read-only, static JSON API published with the City Tools: "
            "London web book: each document is a file, computed from the "
            "open data release when the book is built. Names become slugs "
            "as the book's 'Using the data' page describes.",
            "license": {"name": licence},
        },
        "servers": [{"url": ".", "description": "The folder holding this file (api/v1/)."}],
        "paths": paths,
    }


__all__ = ["document_schemas", "openapi_document", "schema_path"]
