"""The synthetic returns: a true London typed into workbooks the way people type, and the truth.

:func:`write_return` writes one authority's workbook from its true systems, skills and
maturity, with the untidiness of real returns (see :mod:`.mess`), and records what a perfect
cleaning of it must give (the truth rows, systems, skills, maturity, integrations and the
respondent), so that recovery can be measured (:mod:`.recovery`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from citytools_analysis.core.reference import Reference, fold
from citytools_analysis.synth.mess import Typist
from citytools_analysis.synth.scenario import Scenario
from citytools_analysis.synth.world import ROUND, SNAPSHOT_DATE, TrueAuthority, TrueSystem, iso_text

#: Fixed document times, so the same seed writes the same workbook content.
DOCUMENT_TIME = dt.datetime(2019, 9, 30, 12, 0, 0)

#: Share of data rows a person types untidily (one to three cells of the row).
MESSY_ROW_SHARE = 0.11
#: Per workbook, the chance of each kind of row that the format rejects.
DUPLICATE_ROW_CHANCE = 0.45
INVALID_ROW_CHANCE = 0.5

TRUTH_SYSTEM_COLUMNS = [
    "source_file",
    "source_row",
    "system_id",
    "gss_code",
    "service_area",
    "function",
    "product",
    "manufacturer",
    "supplier",
    "system_type",
    "hosting",
    "contract_start",
    "contract_end",
    "contract_end_status",
    "annual_cost_gbp",
    "value_for_money",
    "satisfaction",
    "replacement_planned",
    "replacement_year",
]


@dataclass
class _Row:
    """One data row to write: raw cells by field, and what it must become."""

    cells: dict[str, object]
    outcome: str  # kept / rejected
    reason: str = ""
    truth: dict | None = None
    messy: bool = False
    links: list[tuple[str, str]] = field(default_factory=list)  # (name written, system_id or "")


class ReturnWriter:
    def __init__(
        self, reference: Reference, rng: np.random.Generator, typist: Typist, scenario: Scenario
    ) -> None:
        self.ref = reference
        self.rng = rng
        self.typist = typist
        self.scenario = scenario
        self.default_type = reference.default_system_type
        self.area_synonyms = reference.service_area_names.canonical_to_synonyms
        self.hosting_synonyms = reference.hosting_names.canonical_to_synonyms
        self.type_synonyms = reference.system_type_names.canonical_to_synonyms
        self.skill_synonyms = reference.skill_area_names.canonical_to_synonyms
        self.dimension_synonyms = reference.maturity_dimension_names.canonical_to_synonyms
        self.rating_labels = reference.rating_scale
        self.domain = "example"
        self.level_labels = reference.skill_levels
        self.names_2019 = scenario.names_2019  # each an alias of its organisation (checked)
        # The round the returns are written for (a later round sets its own).
        self.round_name = ROUND
        self.snapshot = SNAPSHOT_DATE
        self.document_time = DOCUMENT_TIME

    def usual_name(self, organisation: str) -> str:
        return self.names_2019.get(organisation, organisation)

    # --- one Systems row ----------------------------------------------------------------
    def system_row(self, system: TrueSystem, written_as: dict[str, str], columns: set[str]) -> _Row:
        t, rng = self.typist, self.rng
        messy = t.chance(MESSY_ROW_SHARE)
        ops: set[str] = set()
        if messy:
            menu = [
                "service_area",
                "contract_start",
                "contract_end",
                "annual_cost",
                "ratings",
                "manufacturer",
                "supplier",
                "product",
                "hosting",
                "system_type",
                "replacement",
                "integrates_with",
                "whitespace",
                "unreadable",
            ]
            weights = np.array(
                [1.2, 1.0, 1.2, 1.4, 1.0, 1.0, 1.4, 1.0, 0.8, 0.8, 0.8, 0.5, 0.5, 0.35]
            )
            k = int(rng.choice([1, 2, 3, 4], p=[0.35, 0.35, 0.2, 0.1]))
            ops = {
                menu[i]
                for i in rng.choice(len(menu), size=k, replace=False, p=weights / weights.sum())
            }
        truth: dict = {}
        cells: dict[str, object] = {}
        area = system.service_area
        cells["service_area"] = (
            t.choice(area, self.area_synonyms[area]) if "service_area" in ops else area
        )
        truth["service_area"] = area
        cells["function"] = system.function if "function" in columns else None
        truth["function"] = system.function if "function" in columns else ""
        product_text = written_as[system.system_id]
        if "whitespace" in ops:
            product_text = t.whitespace(product_text)
        cells["product"] = product_text
        truth["product"] = system.product
        cells["manufacturer"] = t.organisation(
            system.manufacturer, self.usual_name(system.manufacturer), "manufacturer" in ops
        )
        truth["manufacturer"] = system.manufacturer
        if "supplier" in ops and system.supplier == system.manufacturer and t.chance(0.6):
            cells["supplier"] = None
        else:
            cells["supplier"] = t.organisation(
                system.supplier, self.usual_name(system.supplier), "supplier" in ops
            )
        truth["supplier"] = system.supplier
        default = self.default_type[area]
        if (
            "system_type" not in columns
            or "system_type" in ops
            and system.system_type == default
            and t.chance(0.6)
        ):
            cells["system_type"], truth["system_type"] = None, default
        elif "system_type" in ops:
            cells["system_type"] = t.choice(
                system.system_type, self.type_synonyms[system.system_type]
            )
            truth["system_type"] = system.system_type
        else:
            cells["system_type"], truth["system_type"] = system.system_type, system.system_type
        if "hosting" not in columns or system.hosting is None:
            cells["hosting"], truth["hosting"] = None, None
        else:
            cells["hosting"] = (
                t.choice(system.hosting, self.hosting_synonyms[system.hosting])
                if "hosting" in ops
                else system.hosting
            )
            truth["hosting"] = system.hosting
        unreadable = t.pick(("cost", "start", "end", "rating")) if "unreadable" in ops else ""
        if unreadable == "start" and system.contract_start is not None:
            cells["contract_start"], truth["contract_start"] = t.unreadable_date(), None
        else:
            cells["contract_start"], truth["contract_start"] = t.date(
                system.contract_start, "start", "contract_start" in ops
            )
        if unreadable == "end" and system.contract_end_status == "date":
            cells["contract_end"] = t.unreadable_date()
            truth["contract_end"], truth["contract_end_status"] = None, "unknown"
        else:
            cell, meant, status = t.contract_end(
                system.contract_end, system.contract_end_status, "contract_end" in ops
            )
            cells["contract_end"], truth["contract_end"], truth["contract_end_status"] = (
                cell,
                meant,
                status,
            )
        if unreadable == "cost":
            cells["annual_cost_gbp"], truth["annual_cost_gbp"] = t.unreadable_cost(), None
        else:
            cells["annual_cost_gbp"], truth["annual_cost_gbp"] = t.money(
                system.annual_cost_gbp, "annual_cost" in ops
            )
        for column in ("value_for_money", "satisfaction"):
            value = getattr(system, column)
            cells[column] = t.scale(value, self.rating_labels, "ratings" in ops)
            truth[column] = value
        if unreadable == "rating":
            cells["satisfaction"], truth["satisfaction"] = t.unreadable_rating(), None
        cells["replacement_planned"] = t.replacement(
            system.replacement_planned, system.replacement_year, "replacement" in ops
        )
        truth["replacement_planned"] = system.replacement_planned
        truth["replacement_year"] = system.replacement_year
        links = [(written_as[target], target) for target in system.links]
        links += [(name, "") for name in system.external_links]
        if "integrates_with" in columns:
            cells["integrates_with"] = t.links(
                [name for name, _ in links], "integrates_with" in ops
            )
        else:
            links = []
        if "notes" in columns and t.chance(0.09):
            cells["notes"] = self.note()
        elif system.arrangement and "notes" in columns:
            cells["notes"] = f"Shared arrangement: {system.arrangement}"
        else:
            cells["notes"] = None
        renamed = product_text != system.product
        return _Row(cells, "kept", truth=truth, messy=bool(ops) or renamed, links=links)

    def note(self) -> str:
        """A free-text note; most name a (fictional) person, as real notes do."""
        person = self.typist.person(self.domain)
        first = person.name.split()[0]
        templates = (
            f"Contract managed by {person.name} ({person.email})",
            f"Call {person.name} on {person.phone} for details",
            f"Renewal under review - speak to {first}",
            f"{person.name} is system owner",
            "Due for re-procurement; options appraisal under way",
            "Licences reduced last year",
        )
        return self.typist.pick(templates)

    def invalid_row(self, columns: set[str]) -> _Row:
        """A row the format rejects: blank System or Service area, or an unknown area."""
        t = self.typist
        area = t.pick(sorted(self.area_synonyms))
        product = t.pick(sorted(self.ref.products["product"]))
        kind = t.pick(("missing_system", "missing_area", "unknown_area"))
        cells: dict[str, object] = {c: None for c in columns}
        cells.update(
            {
                "service_area": area,
                "product": product,
                "annual_cost_gbp": int(t.rng.integers(5, 90)) * 1000,
            }
        )
        if kind == "missing_system":
            cells["product"] = None
            cells["notes"] = "System name to follow" if "notes" in columns else None
            return _Row(cells, "rejected", "missing_required")
        if kind == "missing_area":
            cells["service_area"] = None
            return _Row(cells, "rejected", "missing_required")
        # not in the taxonomy (checked when the scenario is read)
        cells["service_area"] = t.pick(self.scenario.words["unknown_service_area"])
        return _Row(cells, "rejected", "unknown_service_area")

    # --- signature: rows the cleaner must keep apart ---------------------------------------
    @staticmethod
    def signature(row: _Row) -> tuple:
        truth = dict(row.truth or {})
        return tuple(sorted((k, str(v)) for k, v in truth.items())) + (
            tuple(fold(name) for name, _ in row.links),
        )


def _layout_systems(
    reference: Reference, typist: Typist
) -> tuple[list[str], dict[str, str], set[str]]:
    """Choose this return's Systems columns: order, header text, optional columns dropped."""
    columns = reference.survey_columns[reference.survey_columns.sheet == "Systems"]
    fields = list(columns["field"])
    dropped = set()
    for optional, chance in (
        ("function", 0.12),
        ("notes", 0.15),
        ("hosting", 0.05),
        ("system_type", 0.06),
    ):
        if typist.chance(chance):
            dropped.add(optional)
    fields = [f for f in fields if f not in dropped]
    if typist.chance(0.3):  # someone moved a few columns about
        for _ in range(int(typist.rng.integers(1, 4))):
            i, j = (int(x) for x in typist.rng.choice(len(fields), size=2, replace=False))
            fields[i], fields[j] = fields[j], fields[i]
    messy_headers = typist.chance(0.45)
    headers = {}
    for row in columns.itertuples():
        synonyms = [s for s in str(row.synonyms).split("|") if s]
        headers[row.field] = typist.header(
            row.header, synonyms, messy_headers and typist.chance(0.35)
        )
    return fields, headers, set(fields)


def _sheet_title(typist: Typist, canonical: str) -> str:
    if typist.chance(0.15):
        return typist.pick((canonical.upper(), canonical.lower(), f"{canonical} "))
    return canonical


def _write_sheet(workbook: Workbook, title: str, rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    for values in rows:
        sheet.append(values)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/mm/yyyy"


def _blank_rows(typist: Typist, rows: list[list], width: int) -> list[list]:
    """Sprinkle a few blank rows (not data rows) between the data rows."""
    out = []
    for values in rows:
        if typist.chance(0.025):
            out.append([None] * width)
        out.append(values)
    return out


def write_return(
    authority: TrueAuthority,
    writer: ReturnWriter,
    typist: Typist,
    out_dir: Path,
    file_name: str,
    truth: dict[str, list[dict]],
) -> tuple[int, int]:
    """Write one authority's workbook; append its truth rows. Return (data rows, messy rows)."""
    reference = writer.ref
    rng = typist.rng
    domain = fold(authority.short_name).replace(" ", "") + ".example"
    writer.domain = domain
    respondent = typist.person(domain)
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.created = writer.document_time
    workbook.properties.modified = writer.document_time
    workbook.properties.creator = "City Tools survey"
    workbook.properties.lastModifiedBy = "City Tools survey"
    if typist.chance(0.35):
        _write_sheet(
            workbook,
            "Instructions",
            [
                [f"City Tools: London survey {writer.round_name}"],
                ["Please fill in one row per IT system in use, one workbook per authority."],
                ["Sheets: Respondent, Systems, Skills, Maturity."],
            ],
        )
    # --- Respondent ---
    labels = {
        row.field: [row.label, *[s for s in str(row.synonyms).split("|") if s]]
        for row in reference.respondent_items.itertuples()
    }

    def label(field_name: str) -> str:
        return typist.pick(labels[field_name]) if typist.chance(0.3) else labels[field_name][0]

    forms = [authority.name, authority.short_name, *authority.synonyms]
    authority_text = typist.pick(forms)
    completed = writer.snapshot - dt.timedelta(days=int(rng.integers(3, 80)))
    completed_cell = typist.pick(
        (
            dt.datetime(completed.year, completed.month, completed.day),
            completed.strftime("%d/%m/%Y"),
            completed.isoformat(),
        )
    )
    respondent_rows: list[list] = []
    if typist.chance(0.6):
        respondent_rows += [[typist.pick(writer.scenario.words["title"])], [None]]
    respondent_rows += [
        [label("authority"), authority_text],
        [label("completed_by"), respondent.name],
        [label("role"), respondent.role],
        [label("email"), respondent.email],
        [label("phone"), respondent.phone],
        [label("date_completed"), completed_cell],
    ]
    _write_sheet(workbook, _sheet_title(typist, "Respondent"), respondent_rows)
    truth["returns"].append(
        {
            "gss_code": authority.gss_code,
            "source_file": file_name,
            "authority_written": authority_text,
            "completed_by": respondent.name,
            "email": respondent.email,
            "phone": respondent.phone,
            "date_completed": completed.isoformat(),
        }
    )
    # --- Systems ---
    fields, headers, columns = _layout_systems(reference, typist)
    extra_headers: list[str] = []
    if typist.chance(0.15):
        extra_headers.append("Business owner")
    if typist.chance(0.15):
        extra_headers.append("Contract reference")
    order = sorted(
        authority.systems,
        key=lambda s: (list(writer.default_type).index(s.service_area), s.system_id),
    )
    product_count = Counter(s.product for s in authority.systems)
    written_as: dict[str, str] = {}
    for system in order:
        aliases = typist.product_aliases.get(system.product, [])
        arrangement = writer.scenario.arrangement(system.arrangement)
        if arrangement is not None and arrangement.known_as:
            written_as[system.system_id] = arrangement.known_as
        elif aliases and product_count[system.product] == 1 and typist.chance(0.12):
            written_as[system.system_id] = typist.pick(sorted(aliases))
        else:
            written_as[system.system_id] = system.product
    rows: list[_Row] = []
    seen: set[tuple] = set()
    for system in order:
        row = writer.system_row(system, written_as, columns)
        if writer.signature(row) in seen:  # two rows the cleaner could not tell apart
            system.annual_cost_gbp = (system.annual_cost_gbp or 0.0) + 1000.0
            row = writer.system_row(system, written_as, columns)
        seen.add(writer.signature(row))
        row.truth["system_id"] = system.system_id
        for extra in extra_headers:  # columns the format ignores (one holds a person's name)
            if extra == "Business owner":
                row.cells[extra] = typist.person(domain).name if typist.chance(0.6) else None
            else:
                row.cells[extra] = (
                    f"CT-{int(rng.integers(2012, 2020))}-{int(rng.integers(1, 999)):03d}"
                )
        rows.append(row)
    if typist.chance(DUPLICATE_ROW_CHANCE):
        for _ in range(int(rng.integers(1, 3))):
            index = int(rng.integers(len(rows)))
            original = rows[index]
            if original.outcome != "kept":
                continue
            rows.insert(
                index + 1 + int(rng.integers(0, 3)),
                _Row(dict(original.cells), "rejected", "duplicate", messy=True),
            )
    if typist.chance(INVALID_ROW_CHANCE):
        for _ in range(int(rng.integers(1, 3))):
            rows.insert(int(rng.integers(len(rows) + 1)), writer.invalid_row(columns))
    title_rows: list[list] = []
    n_titles = int(rng.choice([0, 1, 2], p=[0.45, 0.35, 0.2]))
    for i in range(n_titles):
        title_rows.append([typist.pick(writer.scenario.words["title"]) if i == 0 else None])
    header_line = [headers[f] for f in fields] + extra_headers
    sheet_rows: list[list] = [*title_rows, header_line]
    body = []
    for row in rows:
        body.append([row.cells.get(f) for f in [*fields, *extra_headers]])
    body_with_blanks = _blank_rows(typist, body, len(header_line))
    sheet_rows.extend(body_with_blanks)
    systems_title = _sheet_title(typist, "Systems")
    _write_sheet(workbook, systems_title, sheet_rows)
    # Excel row numbers of the data rows (title rows, header, blanks counted).
    excel_rows = []
    number = len(title_rows) + 1
    body_ids = {id(v) for v in body}
    for values in body_with_blanks:
        number += 1
        if id(values) in body_ids:
            excel_rows.append(number)
    row_of_system: dict[str, int] = {}
    for row, excel_row in zip(rows, excel_rows):
        truth["truth_rows"].append(
            {
                "source_file": file_name,
                "sheet": systems_title,
                "source_row": excel_row,
                "outcome": row.outcome,
                "reason": row.reason,
            }
        )
        if row.outcome == "kept":
            row_of_system[row.truth["system_id"]] = excel_row
    for row, excel_row in zip(rows, excel_rows):
        if row.outcome != "kept":
            continue
        record = {"source_file": file_name, "source_row": excel_row, "gss_code": authority.gss_code}
        record.update({k: iso_text(v) for k, v in row.truth.items()})
        record["replacement_year"] = iso_text(row.truth["replacement_year"])
        truth["systems"].append(record)
        for name, target in row.links:
            truth["integrations"].append(
                {
                    "gss_code": authority.gss_code,
                    "source_file": file_name,
                    "source_row": excel_row,
                    "linked_name": " ".join(name.split()),
                    "linked_source_row": row_of_system.get(target, "") if target else "",
                    "linked_system_id": target,
                }
            )
    data_rows = len(rows)
    messy_rows = sum(r.messy or r.outcome == "rejected" for r in rows)
    # --- Skills and Maturity ---
    if typist.chance(0.9):
        n, m = _write_keyed_sheet(workbook, writer, typist, authority, file_name, truth, "Skills")
        data_rows, messy_rows = data_rows + n, messy_rows + m
    if typist.chance(0.88):
        n, m = _write_keyed_sheet(workbook, writer, typist, authority, file_name, truth, "Maturity")
        data_rows, messy_rows = data_rows + n, messy_rows + m
    workbook.save(out_dir / file_name)
    return data_rows, messy_rows


def _write_keyed_sheet(
    workbook,
    writer: ReturnWriter,
    typist: Typist,
    authority: TrueAuthority,
    file_name: str,
    truth: dict[str, list[dict]],
    sheet: str,
) -> tuple[int, int]:
    rng = typist.rng
    columns = writer.ref.survey_columns[writer.ref.survey_columns.sheet == sheet]
    messy_headers = typist.chance(0.25)
    header = [typist.header(h, [], messy_headers) for h in columns["header"]]
    rows: list[
        tuple[list, str, str, dict | None, bool]
    ] = []  # values, outcome, reason, truth, messy
    if sheet == "Skills":
        for area, (level, fte, support) in authority.skills.items():
            messy = typist.chance(MESSY_ROW_SHARE)
            kinds = ["area", "level", "fte", "support"]
            ops = set(typist.rng.choice(kinds, size=2, replace=False)) if messy else set()
            area_text = typist.choice(area, writer.skill_synonyms[area]) if "area" in ops else area
            level_cell = typist.scale(level, writer.level_labels, "level" in ops)
            if "fte" in ops:
                fte_cell, fte_true = (
                    (typist.pick(("none", "nil")), 0.0) if fte == 0 else (f"{fte:g} FTE", fte)
                )
            else:
                fte_cell, fte_true = fte, fte
            if "support" in ops:
                support_cell = (
                    typist.pick(("Y", "yes", "YES")) if support else typist.pick(("N", "no"))
                )
            else:
                support_cell = "Yes" if support else "No"
            if "support" in ops and typist.chance(0.25):
                support_cell, support_true = None, None
            else:
                support_true = support
            rows.append(
                (
                    [area_text, level_cell, fte_cell, support_cell],
                    "kept",
                    "",
                    {
                        "skill_area": area,
                        "level": level,
                        "staff_fte": fte_true,
                        "can_support": support_true,
                    },
                    messy,
                )
            )
        if typist.chance(0.12):
            rows.append((["Blockchain", 1, 0, "No"], "rejected", "unknown_skill_area", None, True))
        if typist.chance(0.08):
            index = int(rng.integers(len(rows)))
            values = list(rows[index][0])
            values[1] = "some"
            rows[index] = (values, "rejected", "invalid_required_value", None, True)
    else:
        for dimension, score in authority.maturity.items():
            messy = typist.chance(MESSY_ROW_SHARE)
            text = (
                typist.choice(dimension, writer.dimension_synonyms[dimension])
                if messy and typist.chance(0.5)
                else dimension
            )
            cell = typist.scale(score, writer.rating_labels, messy)
            rows.append(([text, cell], "kept", "", {"dimension": dimension, "score": score}, messy))
    if typist.chance(0.1):
        index = int(rng.integers(len(rows)))
        if rows[index][1] == "kept":
            rows.insert(index + 1, (list(rows[index][0]), "rejected", "duplicate", None, True))
    title = _sheet_title(typist, sheet)
    sheet_rows: list[list] = []
    if typist.chance(0.3):
        sheet_rows.append([f"{sheet} self-assessment"])
    sheet_rows.append(header)
    first = len(sheet_rows) + 1
    for values, *_ in rows:
        sheet_rows.append(values)
    _write_sheet(workbook, title, sheet_rows)
    table = "skills" if sheet == "Skills" else "maturity"
    for offset, (_values, outcome, reason, true_values, _messy) in enumerate(rows):
        excel_row = first + offset
        truth["truth_rows"].append(
            {
                "source_file": file_name,
                "sheet": title,
                "source_row": excel_row,
                "outcome": outcome,
                "reason": reason,
            }
        )
        if outcome == "kept":
            record = {
                "source_file": file_name,
                "source_row": excel_row,
                "gss_code": authority.gss_code,
            }
            record.update({k: iso_text(v) for k, v in true_values.items()})
            truth[table].append(record)
    return len(rows), sum(r[4] for r in rows)


TRUTH_COLUMNS = {
    "truth_rows": ["source_file", "sheet", "source_row", "outcome", "reason"],
    "systems": TRUTH_SYSTEM_COLUMNS,
    "skills": [
        "source_file",
        "source_row",
        "gss_code",
        "skill_area",
        "level",
        "staff_fte",
        "can_support",
    ],
    "maturity": ["source_file", "source_row", "gss_code", "dimension", "score"],
    "integrations": [
        "gss_code",
        "source_file",
        "source_row",
        "linked_name",
        "linked_source_row",
        "linked_system_id",
    ],
    "returns": [
        "gss_code",
        "source_file",
        "authority_written",
        "completed_by",
        "email",
        "phone",
        "date_completed",
    ],
}
