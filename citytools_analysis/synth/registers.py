"""The synthetic contract registers: one CSV per authority, from the same true London as the survey.

Every London authority publishes a contract register under the Local Government Transparency
Code (contracts over £5,000). :func:`generate_registers` writes one for each authority of the
true London (responding or not): a row for most of its IT systems' contracts, a few other IT
contracts that are not systems (laptops, networks, telephony), and many contracts that are
not IT at all (waste, construction, care, consultancy, facilities), some with an IT-sounding
word in them. Each council has its own header names, column order, date and money formats
and file encoding; supplier names come as people and finance systems write them (legal
names, old names, capitals, typos). The truth (``register_rows.csv``) says for every row
whether it is IT, which true system it is the contract of, and what it must be read as.

Registers are cumulative: a council lists every contract it let, and rarely removes one when
it ends. So a system's contract comes with its history, in proportions set below: the
previous contract for the same product (a renewal with the incumbent, often through a
national framework, as Hillingdon renewed NEC for 2025-2030), an extension row when the
contract as let ended before the snapshot date (the "+1" of a 2+1+1 term exercised), the
same contract listed twice under a second reference, and the ended contract of a product
the authority has since replaced (as the Libraries Consortium moved from Axiell to
SirsiDynix in 2019). The truth's ``contract_role`` says which a system's row is:
``current`` (the contract in force on the snapshot date, or the system's latest),
``earlier`` (an earlier let or the term an extension continues), ``relisted``, or
``lapsed`` (the system's only listed contract ended before the snapshot: it runs on out of
contract, which a register cannot show).

The kinds of contract that are not systems (titles, CPV codes, value ranges, suppliers),
departments, procurement routes and places are data: ``data/raw/synthetic/`` (read by
:mod:`.synth_scenario`). All supplier names other than the organisations of the reference
data are invented, and so are all company numbers and contract references. The registers
draw on their own random stream, so adding them leaves the survey workbooks unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from citytools_analysis.core.reference import Reference, fold
from citytools_analysis.synth.mess import Typist
from citytools_analysis.synth.scenario import ContractTemplate, Scenario, load_scenario

#: The register threshold of the Transparency Code (contracts over this value are listed).
REGISTER_THRESHOLD_GBP = 5_000
#: Chance that a system's contract is in its authority's register, by contract-end status
#: (rolling contracts have often dropped out of the register).
LISTED_CHANCE = {"date": 0.88, "unknown": 0.8, "rolling": 0.6}
#: Share of IT system rows written with a vague title (no product, no IT word).
VAGUE_TITLE_SHARE = 0.05
#: Share of IT rows given a CPV code outside the IT families (coded by the service).
MISCODED_CPV_SHARE = 0.12
#: Share of listed system contracts whose previous contract for the same product is listed too
#: (a renewal or re-let to the incumbent; most systems outlive one contract).
RENEWAL_SHARE = 0.3
#: Share of listed system contracts that ended before the snapshot date (as let) that have an
#: extension row continuing them; the rest run on out of contract, unlisted.
EXTENSION_SHARE = 0.75
#: Share of listed system contracts listed a second time under another reference.
RELISTED_SHARE = 0.03
#: Share of listed system contracts preceded by the ended contract of a product the authority
#: replaced (another product of the same service area, not in use there at the snapshot).
REPLACED_SHARE = 0.1
#: Length of an extension, in years (repeated until it reaches the snapshot date).
EXTENSION_YEARS = (1, 1, 2)
#: Length of the previous contract in a renewal, in years.
EARLIER_TERM_YEARS = (3, 4, 5, 5, 7)
#: The manifest that says which authority published which file.
MANIFEST = "sources.csv"
TRUTH_FILE = "register_rows.csv"
TRUTH_COLUMNS = [
    "source_file",
    "source_row",
    "gss_code",
    "outcome",
    "reason",
    "kind",
    "is_it",
    "system_ids",
    "product",
    "service_area",
    "supplier",
    "contract_start",
    "contract_end",
    "value_gbp",
    "annual_cost_gbp",
    "contract_role",
]
#: Chance that a council's register has each optional column.
OPTIONAL_COLUMNS = {
    "reference": 0.9,
    "description": 0.7,
    "department": 0.85,
    "company_number": 0.6,
    "review_date": 0.4,
    "sme": 0.6,
    "vcse": 0.45,
    "procurement_route": 0.5,
    "cpv": 0.55,
}
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y", "%d %B %Y", "%d.%m.%Y", "%d/%m/%y")
MONEY_FORMATS = ("pounds_pence", "pounds", "plain", "plain_pence", "commas")
ENCODINGS = (("utf-8", 0.6), ("utf-8-sig", 0.25), ("cp1252", 0.15))


def _term_years(term: str) -> int | None:
    try:
        return sum(int(part) for part in str(term).split("+"))
    except ValueError:
        return None


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def contract_years(start: dt.date, end: dt.date) -> float:
    """Length of a contract in years: whole months when it runs from a 1st to a month's end.

    Parameters
    ----------
    start, end
        First and last day of the contract.

    Returns
    -------
    float
        ``months / 12`` when ``start`` is the 1st of a month and ``end`` the last day of a
        month, otherwise ``days / 365.25``.
    """
    after = end + dt.timedelta(days=1)
    if start.day == 1 and after.day == 1:
        return ((after.year - start.year) * 12 + after.month - start.month) / 12
    return ((end - start).days + 1) / 365.25


def _company_number(name: str) -> str:
    """An invented, stable company number for an organisation (eight digits)."""
    return f"{zlib.crc32(fold(name).encode()) % 13_000_000:08d}"


def _money(value: float, style: str) -> str:
    whole = float(value).is_integer()
    if style == "pounds_pence":
        return f"£{value:,.2f}"
    if style == "pounds":
        return f"£{value:,.0f}" if whole else f"£{value:,.2f}"
    if style == "plain":
        return f"{value:.0f}" if whole else f"{value:.2f}"
    if style == "plain_pence":
        return f"{value:.2f}"
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


class _RegisterWriter:
    def __init__(
        self, reference: Reference, rng: np.random.Generator, snapshot: dt.date, scenario: Scenario
    ) -> None:
        self.ref = reference
        self.rng = rng
        self.snapshot = snapshot
        self.typist = Typist(rng, reference, scenario.words)
        self.words = scenario.words
        self.names_2019 = dict(scenario.names_2019)
        headers = reference.table("register_columns")  # every field, in a typical order
        self.headers = {
            row.field: [row.header, *[s for s in row.synonyms.split("|") if s]]
            for row in headers.itertuples()
        }
        aliases = reference.product_aliases
        self.product_aliases: dict[str, list[str]] = {}
        for alias, product in zip(aliases["alias"], aliases["product"]):
            if alias != product and len(alias) >= 4:
                self.product_aliases.setdefault(product, []).append(alias)

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    # --- one council's style ---------------------------------------------------------------
    def style(self) -> dict:
        fields = [
            f for f in self.headers if f not in OPTIONAL_COLUMNS or self.chance(OPTIONAL_COLUMNS[f])
        ]
        if self.chance(0.35):
            for _ in range(int(self.rng.integers(1, 3))):
                i, j = (int(x) for x in self.rng.choice(len(fields), size=2, replace=False))
                fields[i], fields[j] = fields[j], fields[i]
        canonical = self.chance(0.35)
        headers = {
            f: (
                self.headers[f][0]
                if canonical or len(self.headers[f]) == 1
                else self.pick(self.headers[f])
            )
            for f in fields
        }
        weights = np.array([w for _, w in ENCODINGS])
        return {
            "fields": fields,
            "headers": headers,
            "date_format": self.pick(DATE_FORMATS),
            "money": self.pick(MONEY_FORMATS),
            "encoding": ENCODINGS[int(self.rng.choice(len(ENCODINGS), p=weights / weights.sum()))][
                0
            ],
            "title_line": self.chance(0.25),
            "manager_column": self.chance(0.3),
            "prefix": "".join(self.pick("ABCDEFGHJKLMNPRSTW") for _ in range(2)),
        }

    # --- names ---------------------------------------------------------------------------------
    def supplier_name(self, organisation: str) -> str:
        usual = self.names_2019.get(organisation, organisation)
        if self.chance(0.45):
            return usual
        return self.typist.organisation(organisation, usual, messy=True)

    # --- IT systems --------------------------------------------------------------------------------
    def system_contract(self, group: list[pd.Series]) -> dict | None:
        """The register row of one contract (one system, or modules on one contract), or None.

        Several systems of an authority with the same product, supplier and contract dates are
        modules bought on one contract: one register row, its value the sum of theirs.
        """
        system = group[0]
        status = system["contract_end_status"]
        if not self.chance(LISTED_CHANCE.get(status, 0.8)):
            return None
        years = _term_years(system["term"])
        start = (
            dt.date.fromisoformat(system["contract_start"]) if system["contract_start"] else None
        )
        end = dt.date.fromisoformat(system["contract_end"]) if system["contract_end"] else None
        if years is None:
            years = 5
        if start is None:
            if end is not None:
                start = _add_months(end + dt.timedelta(days=1), -12 * years)
            else:
                start = dt.date(
                    self.snapshot.year - int(self.rng.integers(1, years + 1)),
                    int(self.pick((4, 4, 1, 7, 10))),
                    1,
                )
        if end is None:
            end = _add_months(start, 12 * years) - dt.timedelta(days=1)
        annual = 0.0
        for member in group:
            if member["annual_cost_gbp"]:
                annual += float(member["annual_cost_gbp"])
            else:  # the survey did not give it; the register does
                annual += float(round(60_000 * float(self.rng.lognormal(0.0, 0.6)), -3))
        value = round(annual * contract_years(start, end), 2)
        if value <= REGISTER_THRESHOLD_GBP:
            return None
        product, area = system["product"], system["service_area"]
        product_text = product
        aliases = self.product_aliases.get(product, [])
        if aliases and self.chance(0.2):
            product_text = self.pick(sorted(aliases))
        area_text = area.replace("&", "and")
        description = ""
        if system["arrangement"] and self.chance(0.7):
            title = f"{system['arrangement']} - {product_text}"
        elif self.chance(VAGUE_TITLE_SHARE):
            title = self.pick((f"{area_text} contract", f"Managed service - {area_text}"))
        else:
            form = int(self.rng.integers(7))
            title = (
                f"{product_text} - {area_text} system support and maintenance",
                f"Provision of {area_text} system",
                f"{product_text} licences and support",
                f"{area_text} software ({product_text})",
                f"{system['function']} - {product_text}",
                f"Hosted {product_text} service",
                f"{area_text} system replacement",
            )[form]
            if form == 1:
                description = f"Supply, support and maintenance of {product_text}"
            elif self.chance(0.4):
                description = (
                    f"Annual licence, support and maintenance for the {system['function']} system"
                )
        return {
            "kind": "system",
            "is_it": True,
            "system_id": "|".join(member["system_id"] for member in group),
            "product": product,
            "service_area": area,
            "supplier": system["supplier"],
            "title": title,
            "description": description,
            "start": start,
            "end": end,
            "value": value,
            "annual": annual,
            "cpv": (
                self.pick(self.words["miscoded_cpv"])
                if self.chance(MISCODED_CPV_SHARE)
                else self.pick(self.words["system_cpv"])
            ),
            "sme": False,
        }

    def system_contracts(self, group: list[pd.Series], in_use: set[str]) -> list[dict]:
        """The register rows of one contract and its history: earlier let, extension, relisting.

        ``in_use`` are the products the authority runs at the snapshot (a replaced product is
        chosen outside them).
        """
        main = self.system_contract(group)
        if main is None:
            return []
        rows = [main]
        main["role"] = "current"
        if main["end"] < self.snapshot:
            if self.chance(EXTENSION_SHARE):
                start = main["end"] + dt.timedelta(days=1)
                months = 12 * int(self.pick(EXTENSION_YEARS))
                end = _add_months(start.replace(day=1), months) - dt.timedelta(days=1)
                while end < self.snapshot:
                    months += 12
                    end = _add_months(start.replace(day=1), months) - dt.timedelta(days=1)
                title = self.pick(
                    (
                        f"Extension - {main['title']}",
                        f"{main['title']} (extension)",
                        f"{main['title']} - contract extension",
                        f"Variation to extend: {main['title']}",
                    )
                )
                rows.append(
                    dict(
                        main,
                        title=title,
                        start=start,
                        end=end,
                        role="current",
                        value=round(main["annual"] * contract_years(start, end), 2),
                    )
                )
                main["role"] = "earlier"
            else:
                main["role"] = "lapsed"
        if self.chance(RENEWAL_SHARE):
            end = main["start"] - dt.timedelta(days=1)
            start = _add_months(
                main["start"].replace(day=1), -12 * int(self.pick(EARLIER_TERM_YEARS))
            )
            if start.year >= 2003:
                value = round(
                    main["annual"]
                    * float(self.rng.uniform(0.8, 1.05))
                    * contract_years(start, end),
                    2,
                )
                rows.append(dict(main, start=start, end=end, value=value, role="earlier"))
        if self.chance(RELISTED_SHARE):
            rows.append(dict(main, role="relisted"))
        first = min(rows, key=lambda r: r["start"])
        if self.chance(REPLACED_SHARE) and (old := self.replaced_contract(first, in_use)):
            rows.append(old)
        return rows

    def replaced_contract(self, main: dict, in_use: set[str]) -> dict | None:
        """The ended contract of a product the authority ran before, in the same service area."""
        area = main["service_area"]
        products = self.ref.products
        options = sorted(
            p
            for p, a in zip(products["product"], products["service_area"])
            if a == area and p not in in_use and len(p) >= 4
        )
        if not options:
            return None
        product = self.pick(options)
        maker = dict(zip(products["product"], products["manufacturer"]))[product]
        # it ended the month before its successor's first contract started
        end = min(main["start"], self.snapshot).replace(day=1) - dt.timedelta(days=1)
        years = int(self.pick(EARLIER_TERM_YEARS))
        start = _add_months(end.replace(day=1), 1 - 12 * years)
        annual = float(round(40_000 * float(self.rng.lognormal(0.0, 0.6)), -3))
        area_text = area.replace("&", "and")
        title = self.pick(
            (
                f"{product} licences and support",
                f"{product} - {area_text} system support and maintenance",
                f"{area_text} software ({product})",
            )
        )
        return {
            "kind": "replaced",
            "is_it": True,
            "system_id": "",
            "product": product,
            "service_area": area,
            "supplier": maker,
            "title": title,
            "description": "",
            "start": start,
            "end": end,
            "value": round(annual * contract_years(start, end), 2),
            "annual": annual,
            "cpv": self.pick(self.words["system_cpv"]),
            "sme": False,
            "role": "",
        }

    def other_contract(self, template: ContractTemplate) -> dict:
        supplier = self.pick(template.suppliers)
        organisation = supplier if supplier in template.organisations else None
        years = int(self.pick(template.years))
        start = _add_months(
            dt.date(self.snapshot.year, self.snapshot.month, 1),
            -int(self.rng.integers(0, 12 * years + 6)),
        )
        if self.chance(0.3):
            start = dt.date(start.year, start.month, int(self.rng.integers(2, 28)))
        end = _add_months(dt.date(start.year, start.month, 1), 12 * years) - dt.timedelta(days=1)
        value = float(np.exp(self.rng.uniform(np.log(template.low), np.log(template.high))))
        value = float(round(value, -3)) if self.chance(0.6) else round(value, 2)
        title = template.title.format(place=self.pick(self.words["place"]))
        return {
            "kind": template.kind,
            "is_it": template.kind != "not_it",
            "system_id": "",
            "product": "",
            "service_area": "",
            "supplier": organisation or supplier,
            "written": None if organisation else supplier,
            "title": title,
            "description": template.description,
            "start": start,
            "end": end,
            "value": value,
            "annual": None,
            "cpv": template.cpv,
            "sme": organisation is None and self.chance(0.6),
        }

    # --- cells ----------------------------------------------------------------------------------
    def cells(self, row: dict, style: dict, number: int) -> dict:
        fmt, money = style["date_format"], style["money"]
        supplier = row.get("written") or self.supplier_name(row["supplier"])
        review = row["end"] - dt.timedelta(days=182)
        cpv = row["cpv"] if self.chance(0.85) else ""
        if cpv and self.chance(0.4):
            cpv = cpv.split("-")[0]
        company = _company_number(row["supplier"])
        if self.chance(0.2):
            company = company.lstrip("0")  # a spreadsheet ate the leading zeros
        return {
            "reference": f"{style['prefix']}{number:05d}",
            "title": row["title"],
            "description": row["description"],
            "department": self.pick(self.words["department"]),
            "supplier": supplier,
            "company_number": company if self.chance(0.85) else "",
            "contract_start": row["start"].strftime(fmt),
            "contract_end": row["end"].strftime(fmt),
            "review_date": review.strftime(fmt) if self.chance(0.7) else "",
            "value_gbp": _money(row["value"], money),
            "sme": "Y" if row["sme"] else "N",
            "vcse": "Y" if row["sme"] and self.chance(0.2) else "N",
            "procurement_route": self.pick(self.words["procurement_route"]),
            "cpv": cpv,
        }


def _contracts_of(systems: pd.DataFrame) -> list[list[pd.Series]]:
    """An authority's systems grouped into contracts: the same product, supplier and dates."""
    groups: dict[tuple, list[pd.Series]] = {}
    for _, system in systems.sort_values("system_id").iterrows():
        dated = bool(system["contract_start"]) and bool(system["contract_end"])
        key = (
            (
                system["product"],
                system["supplier"],
                system["contract_start"],
                system["contract_end"],
            )
            if dated
            else (system["system_id"],)
        )
        groups.setdefault(key, []).append(system)
    return list(groups.values())


def _write_register(path: Path, style: dict, lines: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(lines)
    path.write_bytes(buffer.getvalue().encode(style["encoding"]))


def generate_registers(
    london: pd.DataFrame,
    reference: Reference,
    *,
    seed: int,
    snapshot: dt.date,
    out_dir: Path,
    truth_dir: Path,
    scenario: Scenario | None = None,
) -> str:
    """Write one contract register per authority, the manifest, and the registers' truth.

    Parameters
    ----------
    london
        The true London's systems, as written to ``london.csv`` (text cells).
    reference
        The reference data (authorities, organisation aliases, register headers).
    seed
        The survey's seed; the registers use their own stream derived from it.
    snapshot
        The round's snapshot date (registers list contracts started by then).
    out_dir
        Folder for the registers (``<abbreviation>_contracts.csv``) and ``sources.csv``;
        existing ``.csv`` files there are removed first.
    truth_dir
        Folder for ``register_rows.csv``.
    scenario
        The scenario (:func:`.synth_scenario.load_scenario`): names used in 2019, contracts
        that are not systems, word lists; ``None`` reads ``data/raw/synthetic/``.

    Returns
    -------
    str
        One sentence: files, rows, IT rows, rows that are a system's contract.
    """
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob("*.csv")):
        old.unlink()
    rng = np.random.default_rng([int(seed), 1])
    scenario = load_scenario(reference) if scenario is None else scenario
    writer = _RegisterWriter(reference, rng, snapshot, scenario)
    truth: list[dict] = []
    manifest: list[dict] = []
    systems_by_authority = {code: frame for code, frame in london.groupby("gss_code", sort=True)}
    for authority in reference.authorities.itertuples():
        style = writer.style()
        rows: list[dict] = []
        systems = systems_by_authority.get(authority.gss_code)
        if systems is not None:
            in_use = set(systems["product"])
            for group in _contracts_of(systems):
                rows.extend(writer.system_contracts(group, in_use))
        it_templates = [t for t in scenario.register_contracts if t.kind == "it_other"]
        other_templates = [t for t in scenario.register_contracts if t.kind == "not_it"]
        for _ in range(int(rng.integers(3, 8))):
            rows.append(writer.other_contract(writer.pick(it_templates)))
        for _ in range(int(rng.integers(70, 130))):
            rows.append(writer.other_contract(writer.pick(other_templates)))
        tricky = scenario.tricky_register_contracts
        for index in rng.choice(len(tricky), size=int(rng.integers(1, 3)), replace=False):
            rows.append(writer.other_contract(tricky[int(index)]))
        order = rng.permutation(len(rows))
        rows = [rows[int(i)] for i in order]
        body = []
        for number, row in enumerate(rows, start=1):
            row["cells"] = writer.cells(row, style, number)
            row["outcome"], row["reason"] = "kept", ""
            body.append(row)
        # rejected rows: exact duplicates, and a row with its supplier left blank
        if writer.chance(0.35):
            for _ in range(int(rng.integers(1, 3))):
                at = int(rng.integers(len(body)))
                copy = dict(body[at], outcome="rejected", reason="duplicate")
                body.insert(at + 1, copy)
        if writer.chance(0.3):
            blank = writer.other_contract(writer.pick(other_templates))
            blank["cells"] = writer.cells(blank, style, len(rows) + 1)
            blank["cells"]["supplier"] = ""
            blank.update(outcome="rejected", reason="missing_required")
            body.insert(int(rng.integers(len(body) + 1)), blank)
        fields = style["fields"]
        extra = ["Contract Manager"] if style["manager_column"] else []
        lines: list[list[str]] = []
        if style["title_line"]:
            lines.append([f"{authority.name} - contracts register (over £5,000)"])
        lines.append([style["headers"][f] for f in fields] + extra)
        header_line = len(lines)
        file_name = f"{authority.abbreviation or fold(authority.short_name)[:4]}_contracts.csv"
        for offset, row in enumerate(body, start=1):
            cells = [row["cells"].get(f, "") for f in fields]
            if extra:
                cells.append(
                    f"{writer.pick(writer.words['first_name'])} "
                    f"{writer.pick(writer.words['surname'])}"
                )
            lines.append(cells)
            kept = row["outcome"] == "kept"
            truth.append(
                {
                    "source_file": file_name,
                    "source_row": header_line + offset,
                    "gss_code": authority.gss_code,
                    "outcome": row["outcome"],
                    "reason": row["reason"],
                    "kind": row["kind"],
                    "is_it": "true" if row["is_it"] else "false",
                    "system_ids": row["system_id"],
                    "product": row["product"],
                    "service_area": row["service_area"],
                    "supplier": row["supplier"] if kept else "",
                    "contract_start": row["start"].isoformat(),
                    "contract_end": row["end"].isoformat(),
                    "value_gbp": f"{row['value']:.2f}",
                    "annual_cost_gbp": f"{row['annual']:.2f}" if row["annual"] is not None else "",
                    "contract_role": row.get("role", ""),
                }
            )
        _write_register(out_dir / file_name, style, lines)
        manifest.append({"file": file_name, "authority": authority.name})
    pd.DataFrame(manifest, columns=["file", "authority"]).to_csv(
        out_dir / MANIFEST, index=False, encoding="utf-8", lineterminator="\n"
    )
    frame = pd.DataFrame(truth, columns=TRUTH_COLUMNS).sort_values(["source_file", "source_row"])
    truth_dir.mkdir(parents=True, exist_ok=True)
    frame.to_csv(truth_dir / TRUTH_FILE, index=False, encoding="utf-8", lineterminator="\n")
    kept = frame[frame.outcome == "kept"]
    return (
        f"Wrote {len(manifest)} contract registers to {out_dir} with {len(frame)} rows "
        f"({(kept.is_it == 'true').sum()} IT, {(kept.kind == 'system').sum()} the contract of a "
        f"system in use, {len(frame) - len(kept)} to reject)."
    )


__all__ = ["REGISTER_THRESHOLD_GBP", "contract_years", "generate_registers"]
