"""Which payments are IT: rules held as reference data, applied in a fixed order.

The rules are in ``data/raw/reference/``: ``spend_it_suppliers.csv`` (suppliers, matched by
a phrase of the name as published or by canonical organisation) and ``spend_it_terms.csv``
(phrases of the description: ``not_it`` traps and ``it`` words). :func:`classify_payment`
applies them in this order, and says which rule decided:

1. a supplier whose published name holds a ``not_it`` phrase (a school, a housing
   association, a non-IT arm of an IT company such as Capita's property consultancy) → not
   IT (``supplier_not_it:<phrase>``);
2. a ``not_it`` phrase of the description ("temporary accommodation", "licences and
   levies", "(not ICT)", "building maintenance", "vehicle hire", "CCTV") → not IT
   (``exclude:<phrase>``);
3. a supplier that is an IT company (a published-name phrase ruled ``it``, or a canonical
   organisation of ``organisations.csv`` not ruled otherwise) → IT (``supplier:<name>``);
   companies that also sell other things (Capita, Serco, Google) are ruled
   ``description``, so step 4 decides for them;
4. an ``it`` word of the description (software, licences, hardware, network, hosting, "IT"
   in capitals, …) → IT (``keyword:<word>``);
5. otherwise not IT (``no_it_signal``).

Words are matched whole (``"monitoring"`` does not hold ``"IT"``); ``cased`` terms
("IT", "ICT", "PC", "WAN") only as written in capitals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from citytools_analysis.core.reference import Reference, fold


def _phrase(text: str) -> re.Pattern:
    return re.compile(r"(?<![0-9a-z])" + re.escape(fold(text)) + r"(?![0-9a-z])")


def _cased(text: str) -> re.Pattern:
    return re.compile(r"(?<![0-9A-Za-z])" + re.escape(text) + r"(?![0-9A-Za-z])")


@dataclass(frozen=True)
class PaymentRules:
    """The IT rules for payments, prepared once from the reference data
    (:meth:`from_reference`)."""

    name_rules: tuple[tuple[str, str, re.Pattern], ...]  # (phrase, decision, pattern)
    organisation_rules: dict[str, str]  # canonical organisation → decision
    known_organisations: frozenset[str]
    exclusions: tuple[tuple[str, re.Pattern, bool], ...]  # (term, pattern, cased)
    it_terms: tuple[tuple[str, re.Pattern, bool], ...]

    @classmethod
    def from_reference(cls, reference: Reference) -> PaymentRules:
        suppliers = reference.table("spend_it_suppliers")
        names = [
            (fold(s), d, _phrase(s))
            for s, m, d in zip(suppliers.supplier, suppliers.match, suppliers.decision)
            if m == "name"
        ]
        names.sort(key=lambda t: (-len(t[0]), t[0]))  # the longest phrase first
        organisations = {
            s: d
            for s, m, d in zip(suppliers.supplier, suppliers.match, suppliers.decision)
            if m == "organisation"
        }
        terms = reference.table("spend_it_terms")
        prepared: dict[str, list] = {"it": [], "not_it": []}
        for term, kind, match in zip(terms.term, terms.kind, terms.match):
            cased = match == "cased"
            prepared[kind].append((term, _cased(term) if cased else _phrase(term), cased))
        return cls(
            name_rules=tuple(names),
            organisation_rules=organisations,
            known_organisations=frozenset(reference.organisations["organisation"]),
            exclusions=tuple(prepared["not_it"]),
            it_terms=tuple(prepared["it"]),
        )

    def name_rule(self, published: str) -> tuple[str, str] | None:
        """(phrase, decision) of the first (longest) supplier-name rule the name holds."""
        folded = fold(published)
        for phrase, decision, pattern in self.name_rules:
            if pattern.search(folded):
                return phrase, decision
        return None

    def is_other_company(self, published: str) -> bool:
        """Whether a published name is a different company that resembles an IT organisation
        (NEC Group, Northgate Vehicle Hire): it is kept as published, never resolved."""
        found = self.name_rule(published)
        return found is not None and found[1] == "other_company"


def _term(text: str, terms) -> str | None:
    folded = fold(text)
    for term, pattern, cased in terms:
        if pattern.search(text if cased else folded):
            return term
    return None


def classify_payment(row: dict, rules: PaymentRules) -> tuple[bool, str]:
    """Decide whether a payment is IT, and say which rule decided (see the module's order).

    Parameters
    ----------
    row
        A payment (``supplier`` canonical or as published, ``supplier_as_published``,
        ``description``; ``withheld`` for a name withheld).
    rules
        The prepared rules.

    Returns
    -------
    tuple of (bool, str)

    Examples
    --------
    >>> from citytools_analysis.core.reference import load_reference
    >>> rules = PaymentRules.from_reference(load_reference())
    >>> classify_payment({"supplier": "Harris Academy Peckham",
    ...                   "supplier_as_published": "Harris Academy Peckham",
    ...                   "description": "ICT equipment grant"}, rules)
    (False, 'supplier_not_it:academy')
    >>> classify_payment({"supplier": "", "withheld": True,
    ...                   "description": "Temporary accommodation licence"}, rules)
    (False, 'exclude:temporary accommodation')
    """
    published = str(row.get("supplier_as_published") or "")
    description = str(row.get("description") or "")
    name = None if row.get("withheld") else rules.name_rule(published)
    if name is not None and name[1] == "not_it":
        return False, f"supplier_not_it:{name[0]}"
    excluded = _term(description, rules.exclusions)
    if excluded is not None:
        return False, f"exclude:{excluded}"
    if name is not None and name[1] == "it":
        return True, f"supplier:{name[0]}"
    supplier = str(row.get("supplier") or "")
    if name is None and supplier in rules.known_organisations:
        decision = rules.organisation_rules.get(supplier, "it")
        if decision == "it":
            return True, f"supplier:{supplier}"
        if decision == "not_it":
            return False, f"supplier_not_it:{supplier}"
    word = _term(description, rules.it_terms)
    if word is not None:
        return True, f"keyword:{word}"
    return False, "no_it_signal"


#: The outcomes of a payment row, in the order the report lists them.
OUTCOMES = ("it", "withheld", "not_it")


def payment_decisions(payments: pd.DataFrame) -> pd.DataFrame:
    """Payment rows and amounts counted by outcome and by the kind of rule that decided.

    Parameters
    ----------
    payments
        The processed ``payments`` table (``outcome``, ``it_rule``, ``amount_gbp``).

    Returns
    -------
    DataFrame
        ``outcome``, ``rule`` (the rule's kind: ``supplier``, ``keyword``, ``exclude``,
        ``supplier_not_it``, ``no_it_signal``), ``rows``, ``amount_gbp``; outcomes in the
        order it, withheld, not_it, then most rows first.
    """

    frame = pd.DataFrame(
        {
            "outcome": payments["outcome"].astype(str),
            "rule": payments["it_rule"].astype(str).str.split(":").str[0],
            "amount_gbp": pd.to_numeric(payments["amount_gbp"]).astype(float),
        }
    )
    table = (
        frame.groupby(["outcome", "rule"])
        .agg(rows=("amount_gbp", "size"), amount_gbp=("amount_gbp", "sum"))
        .reset_index()
    )
    table["amount_gbp"] = table["amount_gbp"].round(0)
    table["order"] = (
        table["outcome"].map({o: i for i, o in enumerate(OUTCOMES)}).fillna(len(OUTCOMES))
    )
    table = table.sort_values(
        ["order", "rows", "rule"], ascending=[True, False, True], kind="stable"
    )
    return table.drop(columns="order").reset_index(drop=True)


__all__ = ["OUTCOMES", "PaymentRules", "classify_payment", "payment_decisions"]
