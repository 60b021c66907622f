"""The synthetic spend data: a year of payment files for every authority, from the true London.

Every English council publishes its payments over £500 (the GLA over £250). For the
financial year of the survey's snapshot, :func:`generate_spend` writes each authority's
payments: every system of the true London with an annual cost and a supplier is paid in
instalments (once, quarterly or monthly, the annual cost split to the penny), plus other IT
payments (hardware, telephony, hosting), payments that are not IT, and the traps the IT rules
must get right (licences that are rent or levies, "(not ICT)", schools and housing
associations named like products, non-IT arms of IT companies, names withheld). Each
authority publishes in one of four layouts a real publisher uses: quarterly UTF-8 files with a
BOM and quoted £ amounts; a finance system's report in Windows-1252 with a preamble, a totals
line and a footer; a file mis-decoded once on its way to the web ("Â" before non-breaking
spaces); or a workbook with a title block and Excel dates.

The templates of payments that are not a system's are data (``spend_payments.csv`` in
``data/raw/synthetic/``). The truth (``payment_rows.csv``) says for every row whether it is a
payment, whether it is IT and which true system it pays for. The files draw on their own
random stream, so the survey and the registers are unchanged by them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from citytools_analysis.core.reference import Reference, fold
from citytools_analysis.synth.scenario import SCENARIO_DIR

MANIFEST = "sources.csv"
TRUTH_FILE = "payment_rows.csv"
TEMPLATES = "spend_payments.csv"
TRUTH_COLUMNS = [
    "source_file",
    "source_row",
    "gss_code",
    "outcome",
    "reason",
    "kind",
    "is_it",
    "system_id",
    "supplier",
    "payment_date",
    "amount_gbp",
]
LAYOUTS = ("quarterly_bom", "finance_report", "mis_decoded", "workbook")
#: Instalments a system's annual cost is paid in, and their chances.
INSTALMENTS = ((1, 0.35), (4, 0.4), (12, 0.25))
IT_EXPENSE = (
    "ICT Software",
    "Software Licences",
    "Computer Software",
    "IT Services",
    "Software Maintenance",
)
IT_PURPOSE = (
    "{product} annual licence",
    "{product} support and maintenance",
    "Licence and support - {product}",
    "{product} hosting and support",
    "{product} subscription",
)


def first_financial_year(snapshot: dt.date) -> dt.date:
    """The first day of the financial year (April to March) that holds ``snapshot``.

    >>> first_financial_year(dt.date(2019, 9, 30)), first_financial_year(dt.date(2020, 3, 1))
    (datetime.date(2019, 4, 1), datetime.date(2019, 4, 1))
    """
    return dt.date(snapshot.year if snapshot.month >= 4 else snapshot.year - 1, 4, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, min(day.day, 28))


def _aliases(reference: Reference) -> dict[str, list[str]]:
    table = reference.organisation_aliases
    names: dict[str, list[str]] = {}
    for alias, organisation in zip(table.alias, table.organisation):
        names.setdefault(organisation, []).append(alias)
    return {k: sorted(set(v)) for k, v in names.items()}


class _SpendWriter:
    """Payments of one authority, and how its publisher writes them."""

    def __init__(self, rng: np.random.Generator, reference: Reference, start: dt.date) -> None:
        self.rng = rng
        self.aliases = _aliases(reference)
        self.start = start

    def pick(self, items):
        return items[int(self.rng.integers(len(items)))]

    def day(self, month: int) -> dt.date:
        return _add_months(self.start, month) + dt.timedelta(days=int(self.rng.integers(0, 27)))

    def published_name(self, organisation: str) -> str:
        name = self.pick(self.aliases.get(organisation, [organisation]))
        return name.upper() if self.rng.random() < 0.35 else name

    def system_payments(self, system: pd.Series) -> list[dict]:
        annual = float(system["annual_cost_gbp"])
        count = int(self.rng.choice([n for n, _ in INSTALMENTS], p=[p for _, p in INSTALMENTS]))
        share = round(annual / count, 2)
        amounts = [share] * (count - 1) + [round(annual - share * (count - 1), 2)]
        first = int(self.rng.integers(0, 12 // count))
        expense = self.pick(IT_EXPENSE)
        purpose = self.pick(IT_PURPOSE).format(product=system["product"])
        name = self.published_name(system["supplier"])
        return [
            {
                "kind": "system",
                "is_it": True,
                "system_id": system["system_id"],
                "supplier": system["supplier"],
                "published": name,
                "expense": expense,
                "purpose": purpose,
                "amount": amount,
                "date": self.day(first + index * (12 // count)),
            }
            for index, amount in enumerate(amounts)
        ]

    def other_payment(self, template: pd.Series) -> dict:
        low, high = float(template["low"]), float(template["high"])
        amount = round(float(np.exp(self.rng.uniform(np.log(low), np.log(high)))), 2)
        return {
            "kind": template["kind"],
            "is_it": template["is_it"] == "true",
            "system_id": "",
            "supplier": "",
            "published": template["supplier"],
            "expense": template["expense_type"],
            "purpose": template["description"],
            "amount": amount,
            "date": self.day(int(self.rng.integers(0, 12))),
        }


def _money(amount: float, layout: str) -> str | float:
    if layout == "workbook":
        return amount
    if layout == "quarterly_bom":
        text = f"£{abs(amount):,.2f}"
        return f"({text})" if amount < 0 else text
    if layout == "mis_decoded":
        return f"{amount:,.2f}"
    return f"{amount:.2f}"


def _date(day: dt.date, layout: str) -> str | dt.datetime:
    if layout == "workbook":
        return dt.datetime(day.year, day.month, day.day)
    if layout == "finance_report":
        return day.strftime("%d-%b-%Y").upper()
    if layout == "mis_decoded":
        return f"{day.day} {day.strftime('%b %Y')}"
    return day.strftime("%d/%m/%Y")


def _mis_decode(text: str) -> str:
    """Text as it reads after UTF-8 was decoded once as Windows-1252: a non-breaking space
    between words becomes "Â" and a non-breaking space."""
    return text.replace(" ", "\u00a0", 1).encode("utf-8").decode("cp1252", errors="replace")


def _write(
    path: Path,
    layout: str,
    title: str,
    header: list[str],
    lines: list[list],
    preamble: list[list],
    footer: list[list],
) -> None:
    if layout == "workbook":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Payments"
        for line in [*preamble, header, *lines, *footer]:
            sheet.append(line)
        buffer = io.BytesIO()
        workbook.save(buffer)
        path.write_bytes(_fixed_zip_times(buffer.getvalue()))
        return
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([*preamble, header, *lines, *footer])
    encoding = {"quarterly_bom": "utf-8-sig", "finance_report": "cp1252"}.get(layout, "utf-8")
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))


def _fixed_zip_times(data: bytes) -> bytes:
    """A workbook's bytes with every zip entry's time and the document dates fixed, so the
    same seed writes the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    r"\g<1>2019-01-01T00:00:00Z\g<2>",
                    text,
                )
                content = text.encode("utf-8")
            info = zipfile.ZipInfo(item.filename, date_time=(2019, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


def generate_spend(
    london: pd.DataFrame,
    reference: Reference,
    *,
    seed: int,
    snapshot: dt.date,
    out_dir: Path,
    truth_dir: Path,
    scenario_dir: Path = SCENARIO_DIR,
) -> str:
    """Write a year of payment files for every authority, the manifest, and their truth.

    Parameters
    ----------
    london
        The true London's systems, as written to ``london.csv`` (text cells).
    reference
        The reference data (authorities, organisation aliases).
    seed
        The survey's seed; the payments use their own stream derived from it.
    snapshot
        The round's snapshot date: the year paid is the financial year that holds it.
    out_dir
        Folder for the payment files and ``sources.csv``; existing payment files there are
        removed first.
    truth_dir
        Folder for ``payment_rows.csv``.
    scenario_dir
        Folder holding ``spend_payments.csv``.

    Returns
    -------
    str
        One sentence: files, rows, IT rows, rows paying for a system.
    """
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted([*out_dir.glob("*.csv"), *out_dir.glob("*.xlsx")]):
        old.unlink()
    rng = np.random.default_rng([int(seed), 2])
    start = first_financial_year(snapshot)
    year = f"{start.year}-{(start.year + 1) % 100:02d}"
    writer = _SpendWriter(rng, reference, start)
    templates = pd.read_csv(Path(scenario_dir) / TEMPLATES, dtype=str, keep_default_na=False)
    by_kind = {
        kind: [row for _, row in frame.iterrows()]
        for kind, frame in templates.groupby("kind", sort=True)
    }
    systems_by_authority = {code: frame for code, frame in london.groupby("gss_code", sort=True)}
    truth: list[dict] = []
    manifest: list[dict] = []
    for authority in reference.authorities.itertuples():
        layout = LAYOUTS[int(rng.integers(len(LAYOUTS)))]
        payments: list[dict] = []
        systems = systems_by_authority.get(authority.gss_code)
        if systems is not None:
            for _, system in systems.sort_values("system_id").iterrows():
                if system["annual_cost_gbp"] and system["supplier"]:
                    payments.extend(writer.system_payments(system))
        for kind, low, high in (("it_other", 8, 20), ("not_it", 120, 220), ("trap", 8, 16)):
            for _ in range(int(rng.integers(low, high))):
                payments.append(writer.other_payment(writer.pick(by_kind[kind])))
        for payment in payments[: int(rng.integers(1, 4))]:  # a credit note or two
            credit = dict(
                payment,
                amount=-round(payment["amount"] * 0.1, 2),
                purpose=f"Credit note - {payment['purpose']}",
            )
            payments.append(credit)
        payments.sort(key=lambda p: (p["date"], p["published"], p["amount"]))
        short = authority.abbreviation or fold(authority.short_name)[:4]
        quarters = [[p for p in payments if (p["date"].month - 4) % 12 // 3 == q] for q in range(4)]
        parts = (
            [(f"{short}_spend_{year}_q{q + 1}.csv", quarter) for q, quarter in enumerate(quarters)]
            if layout == "quarterly_bom"
            else [(f"{short}_spend_{year}.{'xlsx' if layout == 'workbook' else 'csv'}", payments)]
        )
        for file_name, part in parts:
            rows_truth = _write_file(out_dir / file_name, layout, authority, part, year)
            for entry in rows_truth:
                entry.update(source_file=file_name, gss_code=authority.gss_code)
            truth.extend(rows_truth)
            manifest.append({"file": file_name, "authority": authority.name})
    pd.DataFrame(manifest, columns=["file", "authority"]).to_csv(
        out_dir / MANIFEST, index=False, encoding="utf-8", lineterminator="\n"
    )
    frame = pd.DataFrame(truth, columns=TRUTH_COLUMNS).sort_values(["source_file", "source_row"])
    truth_dir.mkdir(parents=True, exist_ok=True)
    frame.to_csv(truth_dir / TRUTH_FILE, index=False, encoding="utf-8", lineterminator="\n")
    kept = frame[frame.outcome == "kept"]
    return (
        f"Wrote {len(manifest)} payment files to {out_dir} with {len(frame)} rows "
        f"({(kept.is_it == 'true').sum()} IT payments, {(kept.kind == 'system').sum()} "
        f"paying for a system, {len(frame) - len(kept)} totals or notes)."
    )


def _write_file(path: Path, layout: str, authority, payments: list[dict], year: str) -> list[dict]:
    """Write one payment file in its publisher's layout; return the truth of its rows."""
    body = "Greater London Authority" if authority.kind == "gla" else authority.name
    if layout == "quarterly_bom":
        header = [
            "Organisation name",
            "Directorate",
            "Supplier name",
            "Payment date",
            "Transaction number",
            "Net amount",
            "Expense type",
            "Description",
        ]
        preamble: list[list] = []
    elif layout == "finance_report":
        header = [
            "Body",
            "Vendor Name",
            "Clearing Date",
            "Document No",
            "Invoice Nett Amount",
            "Expenditure Account Code Description",
            "Purpose",
        ]
        preamble = [
            [f"{body}: payments over £500"],
            [f"Financial year {year}"],
            ["Parameters: Org ALL, Supplier ALL"],
            [],
        ]
    elif layout == "mis_decoded":
        header = ["Beneficiary", "Date paid", "Value (£)", "Category", "Purpose"]
        preamble = []
    else:
        header = [
            "Vendor Name",
            "Invoice date",
            "Amount",
            "Subjective description",
            "Narrative",
            "Service division",
        ]
        preamble = [
            [
                f"{body}: expenditure over £250"
                if authority.kind == "gla"
                else f"{body}: expenditure over £500"
            ],
            [f"Financial year {year}"],
            [],
        ]
    if layout == "mis_decoded":
        header = [_mis_decode(h) if "£" in h else h for h in header]
    lines: list[list] = []
    truth: list[dict] = []
    row_number = len(preamble) + 1
    for index, payment in enumerate(payments, start=1):
        name = payment["published"]
        amount, date = _money(payment["amount"], layout), _date(payment["date"], layout)
        if layout == "quarterly_bom":
            line = [
                body,
                "Corporate",
                name,
                date,
                f"{5100000 + index}",
                amount,
                payment["expense"],
                payment["purpose"],
            ]
        elif layout == "finance_report":
            line = [
                body,
                name,
                date,
                f"{1900000 + index}",
                amount,
                payment["expense"],
                payment["purpose"],
            ]
        elif layout == "mis_decoded":
            line = [
                _mis_decode(name) if " " in name and index % 3 == 0 else name,
                date,
                amount,
                payment["expense"],
                payment["purpose"],
            ]
        else:
            line = [name, date, amount, payment["expense"], payment["purpose"], "Corporate"]
        lines.append(line)
        row_number += 1
        truth.append(
            {
                "source_row": row_number,
                "outcome": "kept",
                "reason": "",
                "kind": payment["kind"],
                "is_it": "true" if payment["is_it"] else "false",
                "system_id": payment["system_id"],
                "supplier": payment["supplier"],
                "payment_date": payment["date"].isoformat(),
                "amount_gbp": f"{payment['amount']:.2f}",
            }
        )
        if layout == "quarterly_bom" and index == len(payments) // 2:
            lines.append([])  # a blank line: skipped, still counted by a spreadsheet
            row_number += 1
    footer: list[list] = []
    total = round(sum(p["amount"] for p in payments), 2)
    if layout == "finance_report":
        footer = [["Total", "", "", "", f"{total:.2f}", "", ""], ["End of report"]]
    elif layout == "workbook":
        footer = [[], [None, None, total, "Grand Total", None, None]]
    elif layout == "quarterly_bom":
        footer = [["", "", "", "", "", _money(total, layout), "", ""]]
    offsets = {"finance_report": [1, 2], "workbook": [2], "quarterly_bom": [1]}.get(layout, [])
    reasons = {
        "finance_report": ["total_row", "not_a_payment"],
        "workbook": ["total_row"],
        "quarterly_bom": ["total_row"],
    }.get(layout, [])
    for offset, reason in zip(offsets, reasons):
        truth.append(
            {
                "source_row": row_number + offset,
                "outcome": "rejected",
                "reason": reason,
                "kind": "",
                "is_it": "",
                "system_id": "",
                "supplier": "",
                "payment_date": "",
                "amount_gbp": "",
            }
        )
    _write(path, layout, body, header, lines, preamble, footer)
    return truth


__all__ = ["TRUTH_FILE", "first_financial_year", "generate_spend"]
