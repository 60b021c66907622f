"""The processed tables' schema: every table, its key, and each field's type and meaning.

This is the output contract in code: the CSV writer orders columns by it and the Frictionless
``datapackage.json`` is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    """One column of a processed table (Frictionless Table Schema terms)."""

    name: str
    type: str  # string, integer, number, date, boolean
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None

    def descriptor(self) -> dict:
        """The field as a Frictionless descriptor."""
        out: dict = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "boolean":
            out["trueValues"] = ["true"]
            out["falseValues"] = ["false"]
        if self.type == "date":
            out["format"] = "%Y-%m-%d"
        constraints: dict = {}
        if self.required:
            constraints["required"] = True
        if self.enum is not None:
            constraints["enum"] = list(self.enum)
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if constraints:
            out["constraints"] = constraints
        if self.unit:
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class Table:
    """A processed table: its name, what one row is, its key and its fields."""

    name: str
    row_is: str
    key: tuple[str, ...]
    fields: tuple[Field, ...] = field(default_factory=tuple)
    # (column, table it refers to, that table's key column): every non-empty value of the
    # column is a key of the other table.
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


_SOURCE = (
    Field("source_file", "string", "File name of the return the row came from.", required=True),
    Field(
        "source_row",
        "integer",
        "Row number as seen in Excel (1-based, header included).",
        required=True,
        minimum=1,
    ),
)

#: The outcomes of a contract-register row (``contracts.outcome``), in the order reports list them.
CONTRACT_OUTCOMES = (
    "matched",
    "added",
    "same_system",
    "ended_before_snapshot",
    "unplaced",
    "not_it",
)

TABLES: dict[str, Table] = {
    "authorities": Table(
        "authorities",
        "London local authority (the 32 boroughs, the City of London, and the GLA)",
        ("gss_code",),
        (
            Field("gss_code", "string", "ONS GSS code of the authority.", required=True),
            Field("name", "string", "Official name.", required=True),
            Field("short_name", "string", "Short name used in the report.", required=True),
            Field(
                "kind",
                "string",
                "borough, city or gla.",
                required=True,
                enum=("borough", "city", "gla"),
            ),
            Field(
                "inner_outer",
                "string",
                "Inner or Outer London (ONS statistical definition); empty for the GLA.",
                enum=("Inner", "Outer"),
            ),
            Field(
                "responded", "boolean", "Whether the authority returned the survey.", required=True
            ),
            Field(
                "tile_row", "integer", "Row on the London squared tile map (0 = north).", minimum=0
            ),
            Field(
                "tile_col",
                "integer",
                "Column on the London squared tile map (0 = west).",
                minimum=0,
            ),
            Field("abbreviation", "string", "Three-letter label used on the tile map."),
            Field("source_file", "string", "File name of the authority's return, if any."),
        ),
    ),
    "systems": Table(
        "systems",
        "IT system in use at an authority (the unit the report calls a contract)",
        ("record_id",),
        (
            Field(
                "record_id",
                "string",
                "Stable id: GSS code and the return's row number; "
                "for a system known only from a contract register, GSS code, R and the "
                "register's row number.",
                required=True,
            ),
            Field("gss_code", "string", "Authority running the system.", required=True),
            Field("service_area", "string", "Canonical service area.", required=True),
            Field("function", "string", "What the system is used for, as returned."),
            Field("product", "string", "Canonical product name.", required=True),
            Field("manufacturer", "string", "Canonical manufacturer (today's owner)."),
            Field("supplier", "string", "Canonical organisation holding the contract."),
            Field(
                "system_type",
                "string",
                "Frontline or Corporate.",
                required=True,
                enum=("Frontline", "Corporate"),
            ),
            Field("hosting", "string", "On-premises, Cloud (SaaS), Hosted, or Hybrid."),
            Field("contract_start", "date", "Contract start date."),
            Field("contract_end", "date", "Contract end date."),
            Field(
                "contract_end_status",
                "string",
                "date, rolling or unknown.",
                required=True,
                enum=("date", "rolling", "unknown"),
            ),
            Field(
                "annual_cost_gbp",
                "number",
                "Annual cost in pounds sterling.",
                minimum=0,
                unit="GBP per year",
            ),
            Field(
                "contract_value_gbp",
                "number",
                "Total contract value from the authority's "
                "contract register, when the system was matched to a register row.",
                minimum=0,
                unit="GBP",
            ),
            Field(
                "value_for_money",
                "integer",
                "Value for money, 1 (very poor) to 5 (very good).",
                minimum=1,
                maximum=5,
            ),
            Field(
                "satisfaction",
                "integer",
                "Satisfaction, 1 (very poor) to 5 (very good).",
                minimum=1,
                maximum=5,
            ),
            Field(
                "replacement_planned",
                "string",
                "Yes, No or Considering.",
                enum=("Yes", "No", "Considering"),
            ),
            Field(
                "replacement_year",
                "integer",
                "Year the replacement is planned for.",
                minimum=1990,
                maximum=2100,
            ),
            Field(
                "source",
                "string",
                "Where the row comes from: survey (the authority's return), "
                "register (its contract register only: an authority that did not respond) or "
                "both (a survey system matched to a register row).",
                required=True,
                enum=("survey", "register", "both"),
            ),
            Field(
                "source_file",
                "string",
                "File name of the return (or, for a register-only "
                "system, of the contract register) the row came from.",
                required=True,
            ),
            Field(
                "source_row",
                "integer",
                "Row number as seen in Excel (1-based, header included).",
                required=True,
                minimum=1,
            ),
        ),
        (("gss_code", "authorities", "gss_code"),),
    ),
    "integrations": Table(
        "integrations",
        "link between two systems of one authority",
        ("gss_code", "record_id", "linked_name"),
        (
            Field("gss_code", "string", "Authority.", required=True),
            Field("record_id", "string", "The system that names the link.", required=True),
            Field(
                "linked_record_id",
                "string",
                "The linked system of the same return (a name that matches no other system "
                "of the return is logged in corrections.csv instead).",
                required=True,
            ),
            Field("linked_name", "string", "The linked system's name as returned.", required=True),
        ),
        (
            ("gss_code", "authorities", "gss_code"),
            ("record_id", "systems", "record_id"),
            ("linked_record_id", "systems", "record_id"),
        ),
    ),
    "skills": Table(
        "skills",
        "authority × skill area",
        ("gss_code", "skill_area"),
        (
            Field("gss_code", "string", "Authority.", required=True),
            Field("skill_area", "string", "Canonical skill area.", required=True),
            Field(
                "level",
                "integer",
                "0 None, 1 Awareness, 2 Working, 3 Practitioner, 4 Expert.",
                required=True,
                minimum=0,
                maximum=4,
            ),
            Field(
                "staff_fte",
                "number",
                "In-house staff, full-time equivalents.",
                minimum=0,
                unit="FTE",
            ),
            Field("can_support", "boolean", "Willing to support other authorities."),
            *_SOURCE,
        ),
        (("gss_code", "authorities", "gss_code"),),
    ),
    "maturity": Table(
        "maturity",
        "authority × digital maturity dimension",
        ("gss_code", "dimension"),
        (
            Field("gss_code", "string", "Authority.", required=True),
            Field("dimension", "string", "Maturity dimension.", required=True),
            Field(
                "score",
                "integer",
                "Self-assessed score, 1 to 5.",
                required=True,
                minimum=1,
                maximum=5,
            ),
            *_SOURCE,
        ),
        (("gss_code", "authorities", "gss_code"),),
    ),
    "contracts": Table(
        "contracts",
        "row of an authority's published contract register",
        ("source_file", "source_row"),
        (
            Field("source_file", "string", "File name of the contract register.", required=True),
            Field(
                "source_row",
                "integer",
                "Row number as a spreadsheet shows it (1-based, header included).",
                required=True,
                minimum=1,
            ),
            Field("gss_code", "string", "Authority that published the register.", required=True),
            Field("reference", "string", "The authority's contract reference."),
            Field("title", "string", "Contract title, as published."),
            Field("description", "string", "Contract description, as published."),
            Field("department", "string", "Department or directorate, as published."),
            Field(
                "supplier",
                "string",
                "Canonical supplier (as published when not a known organisation).",
                required=True,
            ),
            Field("company_number", "string", "Companies House number, eight characters."),
            Field("contract_start", "date", "Contract start date."),
            Field("contract_end", "date", "Contract end date."),
            Field(
                "value_gbp",
                "number",
                "Total contract value in pounds sterling.",
                minimum=0,
                unit="GBP",
            ),
            Field("sme", "boolean", "Supplier is a small or medium-sized enterprise."),
            Field("vcse", "boolean", "Supplier is a voluntary, community or social enterprise."),
            Field("procurement_route", "string", "Procurement route, as published."),
            Field("cpv", "string", "CPV codes (eight digits), separated by ';'."),
            Field(
                "is_it",
                "boolean",
                "Whether the pipeline classed the contract as IT.",
                required=True,
            ),
            Field(
                "it_rule",
                "string",
                "The rule that decided is_it (e.g. cpv:48, keyword:software, "
                "exclude:fire alarm, no_it_signal).",
                required=True,
            ),
            Field(
                "outcome",
                "string",
                "matched (to a survey system), added (as a register-only "
                "system), same_system (another contract of a system already counted: an "
                "earlier let, an extension, a renewal, a row listed twice), "
                "ended_before_snapshot (an IT contract that ended before the snapshot date "
                "and that no later contract for the same product continues), unplaced (IT, "
                "but none of these) or not_it.",
                required=True,
                enum=CONTRACT_OUTCOMES,
            ),
            Field(
                "record_id",
                "string",
                "The system in systems.csv the row was matched to, "
                "added as, or is another contract of (same_system).",
            ),
        ),
        (("gss_code", "authorities", "gss_code"), ("record_id", "systems", "record_id")),
    ),
    "payments": Table(
        "payments",
        "row of an authority's published payment (spend) file",
        ("source_file", "source_row"),
        (
            Field("source_file", "string", "File name of the payment file.", required=True),
            Field(
                "source_row",
                "integer",
                "Row number as a spreadsheet shows it (1-based, "
                "preamble lines and header included).",
                required=True,
                minimum=1,
            ),
            Field("gss_code", "string", "Authority that published the file.", required=True),
            Field(
                "payment_date",
                "date",
                "Payment date (the invoice date where a file gives no payment date).",
            ),
            Field(
                "amount_gbp",
                "number",
                "Amount paid in pounds sterling, as published (net "
                "where a file gives net and gross); credits are negative.",
                required=True,
                unit="GBP",
            ),
            Field(
                "supplier",
                "string",
                "Canonical supplier (as published when not a known "
                "organisation); empty when the name is withheld (payments to individuals, "
                "redacted names).",
            ),
            Field(
                "description",
                "string",
                "Expense type and description as published, joined by ' | '.",
            ),
            Field(
                "department",
                "string",
                "Directorate, department and service area as published, joined by ' | '.",
            ),
            Field(
                "is_it", "boolean", "Whether the IT rules class the payment as IT.", required=True
            ),
            Field(
                "it_rule",
                "string",
                "The rule that decided is_it (e.g. supplier:Civica, "
                "keyword:software, exclude:temporary accommodation, "
                "supplier_not_it:academy, no_it_signal).",
                required=True,
            ),
            Field(
                "outcome",
                "string",
                "it (an IT payment to a named supplier), withheld (an "
                "IT payment whose supplier name is withheld) or not_it.",
                required=True,
                enum=("it", "withheld", "not_it"),
            ),
        ),
        (("gss_code", "authorities", "gss_code"),),
    ),
    "it_spend": Table(
        "it_spend",
        "authority × financial year (April to March) × supplier of IT payments",
        ("gss_code", "financial_year", "supplier"),
        (
            Field("gss_code", "string", "Authority.", required=True),
            Field(
                "financial_year",
                "string",
                "Financial year, April to March, e.g. 2022-23.",
                required=True,
            ),
            Field(
                "supplier",
                "string",
                "Canonical supplier (as published when not a known "
                "organisation); '(withheld)' for IT payments whose supplier name is withheld.",
                required=True,
            ),
            Field(
                "payments",
                "integer",
                "Number of IT payment rows (credits included).",
                required=True,
                minimum=1,
            ),
            Field(
                "amount_gbp",
                "number",
                "Net amount paid (payments less credits).",
                required=True,
                unit="GBP",
            ),
        ),
        (("gss_code", "authorities", "gss_code"),),
    ),
    "rejected": Table(
        "rejected",
        "raw row not carried into a table",
        ("source_file", "sheet", "source_row"),
        (
            Field("source_file", "string", "File name of the return.", required=True),
            Field("sheet", "string", "Sheet name as in the workbook.", required=True),
            Field(
                "source_row", "integer", "Row number as seen in Excel.", required=True, minimum=1
            ),
            Field("reason", "string", "Why the row was not carried over.", required=True),
            Field("column", "string", "The column the reason concerns, if one."),
            Field("detail", "string", "More about the reason (e.g. the row it duplicates)."),
        ),
    ),
    "corrections": Table(
        "corrections",
        "raw value that cleaning changed or cleared",
        ("source_file", "sheet", "source_row", "column"),
        (
            Field("source_file", "string", "File name of the return.", required=True),
            Field("sheet", "string", "Sheet name as in the workbook.", required=True),
            Field(
                "source_row", "integer", "Row number as seen in Excel.", required=True, minimum=1
            ),
            Field("column", "string", "Processed column the value belongs to.", required=True),
            Field("raw_value", "string", "The value as returned."),
            Field("clean_value", "string", "The value written; empty when cleared."),
            Field("rule", "string", "The cleaning rule that changed it.", required=True),
        ),
    ),
}
