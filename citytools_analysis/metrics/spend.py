"""What authorities pay their IT suppliers: coverage, market shares by money, and the survey's
costs checked against payments.

Spend is the third source beside the survey and the contract registers: every authority
publishes its payments, so spend names the IT suppliers of authorities that never returned
the survey. The functions here read the release's ``it_spend``, ``payments``, ``systems``,
``contracts`` and ``authorities`` tables.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from citytools_analysis.release.processed import has_column

#: The name ``it_spend`` gives IT payments whose supplier name is withheld.
WITHHELD = "(withheld)"


def financial_year_of(date: dt.date | pd.Timestamp | None) -> str | None:
    """The financial year (April to March) holding a date, as ``"2019-20"``.

    >>> financial_year_of(dt.date(2019, 9, 30))
    '2019-20'
    """
    if date is None or pd.isna(date):
        return None
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def sources_by_authority(
    authorities: pd.DataFrame,
    systems: pd.DataFrame,
    contracts: pd.DataFrame | None,
    it_spend: pd.DataFrame | None,
) -> pd.DataFrame:
    """Which sources cover each authority: the survey, its contract register, its payments.

    Parameters
    ----------
    authorities
        The ``authorities`` table (``gss_code``, ``short_name``, ``responded``).
    systems
        The ``systems`` table (``gss_code``, ``source``).
    contracts, it_spend
        The ``contracts`` and ``it_spend`` tables (None when not in the release).

    Returns
    -------
    DataFrame
        One row per authority: ``gss_code``, ``short_name``, ``survey`` (returned it),
        ``register`` (published a register read), ``spend`` (IT payments read),
        ``systems`` (rows of ``systems``), ``it_suppliers_paid`` (named suppliers paid for
        IT), ``it_paid_gbp`` (IT spend, all years); sorted by name.
    """
    table = authorities[["gss_code", "short_name"]].copy()
    table["survey"] = authorities["responded"].astype(bool).to_numpy()
    registers = set(contracts["gss_code"]) if contracts is not None else set()
    table["register"] = table["gss_code"].isin(registers)
    spend = (
        it_spend
        if it_spend is not None
        else pd.DataFrame(columns=["gss_code", "supplier", "amount_gbp"])
    )
    named = spend[spend["supplier"] != WITHHELD]
    table["spend"] = table["gss_code"].isin(set(spend["gss_code"]))
    table["systems"] = (
        table["gss_code"].map(systems.groupby("gss_code").size()).fillna(0).astype(int)
    )
    table["it_suppliers_paid"] = (
        table["gss_code"].map(named.groupby("gss_code")["supplier"].nunique()).fillna(0).astype(int)
    )
    table["it_paid_gbp"] = (
        table["gss_code"]
        .map(spend.groupby("gss_code")["amount_gbp"].sum().astype(float))
        .fillna(0.0)
        .round(0)
    )
    return table.sort_values("short_name", kind="stable").reset_index(drop=True)


def coverage_summary(sources: pd.DataFrame) -> dict[str, int]:
    """Counts for the coverage sentence: authorities in each source, and what spend adds.

    Returns
    -------
    dict
        ``authorities``, ``survey``, ``register``, ``spend``, ``all_three``,
        ``spend_only_non_responders`` (non-responders spend covers),
        ``non_responder_suppliers`` (distinct IT suppliers spend names at them: a supplier
        paid by two counts twice).
    """
    absent = ~sources["survey"]
    return {
        "authorities": len(sources),
        "survey": int(sources["survey"].sum()),
        "register": int(sources["register"].sum()),
        "spend": int(sources["spend"].sum()),
        "all_three": int((sources["survey"] & sources["register"] & sources["spend"]).sum()),
        "spend_only_non_responders": int((absent & sources["spend"]).sum()),
        "non_responder_suppliers": int(sources.loc[absent, "it_suppliers_paid"].sum()),
    }


def shares_by_money(it_spend: pd.DataFrame, year: str | None = None) -> pd.DataFrame:
    """Each named supplier's share of the IT money paid (credits netted), in one year or all.

    Metric: a supplier's share is its net IT payments divided by the net IT payments to all
    named suppliers (withheld names are left out of numerator and denominator).

    Returns
    -------
    DataFrame
        ``supplier``, ``amount_gbp``, ``authorities``, ``share``, most money first.
    """
    frame = it_spend if year is None else it_spend[it_spend["financial_year"] == year]
    frame = frame[frame["supplier"] != WITHHELD]
    table = (
        frame.groupby("supplier")
        .agg(amount_gbp=("amount_gbp", "sum"), authorities=("gss_code", "nunique"))
        .reset_index()
    )
    table["amount_gbp"] = table["amount_gbp"].astype(float)
    total = table["amount_gbp"].sum()
    table["share"] = table["amount_gbp"] / total if total else 0.0
    return table.sort_values(
        ["amount_gbp", "supplier"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def shares_compared(
    systems: pd.DataFrame, it_spend: pd.DataFrame, *, year: str | None = None, top: int = 15
) -> pd.DataFrame:
    """Supplier shares by number of systems (survey and registers) beside shares by money.

    Parameters
    ----------
    systems
        The ``systems`` table (``supplier``, ``record_id``).
    it_spend
        The ``it_spend`` table.
    year
        The financial year of money compared (None: every year in the release).
    top
        Suppliers kept: the largest by either measure.

    Returns
    -------
    DataFrame
        ``supplier``, ``systems``, ``share_systems``, ``amount_gbp``, ``share_money``
        (shares in 0–1), sorted by money then systems.
    """
    named = systems[systems["supplier"].notna()]
    by_systems = named.groupby("supplier").size().rename("systems")
    money = shares_by_money(it_spend, year).set_index("supplier")
    table = pd.concat([by_systems, money["amount_gbp"]], axis=1).fillna(0.0)
    table["share_systems"] = table["systems"] / max(table["systems"].sum(), 1)
    table["share_money"] = table["amount_gbp"] / (table["amount_gbp"].sum() or 1.0)
    keep = set(table["systems"].nlargest(top).index) | set(table["amount_gbp"].nlargest(top).index)
    table = table.loc[sorted(keep)].reset_index().rename(columns={"index": "supplier"})
    table["systems"] = table["systems"].astype(int)
    table = table.sort_values(
        ["amount_gbp", "systems", "supplier"], ascending=[False, False, True], kind="mergesort"
    )
    return table[["supplier", "systems", "share_systems", "amount_gbp", "share_money"]].reset_index(
        drop=True
    )


def cost_check(
    systems: pd.DataFrame,
    it_spend: pd.DataFrame,
    year: str,
    corrections: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The survey's annual costs beside what each authority paid the same supplier that year.

    Survey systems with an annual cost and a supplier are grouped by authority and supplier
    (an authority often pays one supplier for several systems, so the costs of its systems
    are summed), and set beside the net IT payments to that supplier in ``year``.

    Parameters
    ----------
    systems
        The ``systems`` table (``source`` ``survey`` or ``both`` rows are used).
    it_spend
        The ``it_spend`` table.
    year
        The financial year compared, e.g. the survey snapshot's.
    corrections
        The ``corrections`` table: annual costs a contract register filled (rule ending
        ``from_register``) are not the survey's and are left out.

    Returns
    -------
    DataFrame
        ``gss_code``, ``supplier``, ``systems``, ``reported_gbp`` (summed annual costs),
        ``paid_gbp`` (0 when nothing was paid), ``difference_gbp`` (paid less reported),
        ``ratio`` (paid over reported); largest absolute difference first.
    """
    survey = systems
    if has_column(systems, "source"):
        survey = systems[systems["source"].astype("string").fillna("survey") != "register"]
    costed = survey[survey["annual_cost_gbp"].notna() & survey["supplier"].notna()]
    if corrections is not None and len(corrections):
        filled = corrections[
            (corrections["column"] == "annual_cost_gbp")
            & corrections["rule"].astype(str).str.endswith("from_register")
        ]
        keys = set(zip(filled["source_file"].astype(str), filled["source_row"].astype(int)))
        mine = [
            (str(f), int(r)) not in keys
            for f, r in zip(costed["source_file"], costed["source_row"])
        ]
        costed = costed[mine]
    reported = (
        costed.groupby(["gss_code", "supplier"])
        .agg(systems=("record_id", "size"), reported_gbp=("annual_cost_gbp", "sum"))
        .reset_index()
    )
    paid = (
        it_spend[it_spend["financial_year"] == year]
        .groupby(["gss_code", "supplier"])["amount_gbp"]
        .sum()
        .rename("paid_gbp")
        .reset_index()
    )
    table = reported.merge(paid, on=["gss_code", "supplier"], how="left")
    table = table[table["gss_code"].isin(set(it_spend["gss_code"]))]
    table["reported_gbp"] = table["reported_gbp"].astype(float).round(2)
    table["paid_gbp"] = table["paid_gbp"].astype(float).fillna(0.0).round(2)
    table["difference_gbp"] = (table["paid_gbp"] - table["reported_gbp"]).round(2)
    table["ratio"] = (table["paid_gbp"] / table["reported_gbp"]).where(table["reported_gbp"] > 0)
    table["systems"] = table["systems"].astype(int)
    order = table["difference_gbp"].abs()
    table = table.assign(_order=order).sort_values(
        ["_order", "gss_code", "supplier"], ascending=[False, True, True], kind="mergesort"
    )
    return table.drop(columns="_order").reset_index(drop=True)


def cost_check_summary(check: pd.DataFrame, tolerance: float = 0.1) -> dict[str, float]:
    """Counts for the cross-check sentence.

    Returns
    -------
    dict
        ``pairs`` (authority and supplier pairs compared), ``within`` (paid within
        ``tolerance`` of reported, either way), ``more``, ``less``, ``unpaid`` (nothing paid
        to the supplier that year), ``reported_gbp`` and ``paid_gbp`` (totals).
    """
    ratio = check["ratio"]
    within = (ratio - 1).abs() <= tolerance
    return {
        "pairs": len(check),
        "within": int(within.sum()),
        "more": int((ratio > 1 + tolerance).sum()),
        "less": int(((ratio < 1 - tolerance) & (check["paid_gbp"] > 0)).sum()),
        "unpaid": int((check["paid_gbp"] <= 0).sum()),
        "reported_gbp": float(check["reported_gbp"].sum()),
        "paid_gbp": float(check["paid_gbp"].sum()),
    }


def suppliers_paid(it_spend: pd.DataFrame, gss_code: str, top: int = 10) -> pd.DataFrame:
    """One authority's IT suppliers by money paid, per financial year.

    Returns
    -------
    DataFrame
        ``financial_year``, ``supplier``, ``payments``, ``amount_gbp``: the ``top`` suppliers
        of each year by money (withheld names last), latest year first.
    """
    frame = it_spend[it_spend["gss_code"] == gss_code].copy()
    frame["withheld"] = frame["supplier"] == WITHHELD
    frame = frame.sort_values(
        ["financial_year", "withheld", "amount_gbp", "supplier"],
        ascending=[False, True, False, True],
        kind="mergesort",
    )
    frame = frame.groupby("financial_year", sort=False).head(top)
    return frame[["financial_year", "supplier", "payments", "amount_gbp"]].reset_index(drop=True)


def spend_source(processed_dir: Path | str, tables: tuple[str, ...] = ("it_spend",)) -> str:
    """The source line for a figure drawn from spend: the payments, whether synthetic, the
    tables used, e.g. ``"Councils' published payments over £500 (synthetic),
    data/processed/it_spend.csv"``."""
    package = json.loads((Path(processed_dir) / "datapackage.json").read_text(encoding="utf-8"))
    synthetic = " (synthetic)" if package.get("synthetic") else ""
    files = " and ".join(f"data/processed/{name}.csv" for name in tables)
    return f"Councils' published payments over £500{synthetic}, {files}"


def top_suppliers_text(it_spend: pd.DataFrame, gss_code: str, top: int = 3) -> str:
    """The ``top`` named IT suppliers of an authority by money paid (all years), as text."""
    frame = it_spend[(it_spend["gss_code"] == gss_code) & (it_spend["supplier"] != WITHHELD)]
    totals = frame.groupby("supplier")["amount_gbp"].sum().astype(float)
    totals = totals.sort_values(ascending=False, kind="mergesort").head(top)
    return ", ".join(f"{name} (£{amount:,.0f})" for name, amount in totals.items())


__all__ = [
    "WITHHELD",
    "cost_check",
    "cost_check_summary",
    "coverage_summary",
    "financial_year_of",
    "shares_by_money",
    "shares_compared",
    "sources_by_authority",
    "spend_source",
    "suppliers_paid",
    "top_suppliers_text",
]
