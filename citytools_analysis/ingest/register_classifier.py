"""Deciding whether a contract-register row is an IT contract, and saying which rule decided."""

from __future__ import annotations

import re

from citytools_analysis.core.reference import fold
from citytools_analysis.ingest.register_rules import RegisterRules

_SYSTEM_WORD = re.compile(r"(?<![0-9a-z])systems?(?![0-9a-z])")


def classify_it(row: dict, rules: RegisterRules) -> tuple[bool, str]:
    """Decide whether a register row is an IT contract, and say which rule decided.

    The rules, in order:

    1. a CPV code in an IT family (``cpv_it.csv``) → IT (``cpv:<prefix>``);
    2. an excluded phrase ("fire alarm", "building management system") → not IT
       (``exclude:<phrase>``);
    3. an IT keyword in the title or description (``it_keywords.csv``; upper-case keywords
       such as "IT" must be written in capitals) → IT (``keyword:<keyword>``);
    4. a product of the reference named (as written) and a supplier that is a known IT
       organisation → IT (``product:<product>``): "Academy" with Capita is a system,
       "Academy conversion" with a law firm is not;
    5. the word "system" and a supplier that is a known IT organisation → IT
       (``supplier_and_system``): "Parking system replacement" from Imperial;
    6. a CPV code outside the IT families → not IT (``cpv_not_it``);
    7. otherwise not IT (``no_it_signal``).

    A keyword outweighs a non-IT CPV code, because services often code their own software
    under their own CPV division.

    Parameters
    ----------
    row
        A register row (``title``, ``description``, ``cpv``, ``supplier``).
    rules
        The prepared rules.

    Returns
    -------
    tuple of (bool, str)
    """
    codes = [c for c in str(row.get("cpv") or "").split(";") if c]
    for code in codes:
        for prefix, _family in rules.cpv_families:
            if code.startswith(prefix):
                return True, f"cpv:{prefix}"
    text = f"{row.get('title') or ''} {row.get('description') or ''}"
    folded = fold(text)
    for kind, word, pattern, cased in rules.keywords:
        if kind == "exclude" and pattern.search(text if cased else folded):
            return False, f"exclude:{word}"
    for kind, word, pattern, cased in rules.keywords:
        if kind == "it" and pattern.search(text if cased else folded):
            return True, f"keyword:{word}"
    product = rules.product_named(text)
    known = row.get("supplier") in rules.known_organisations
    if product is not None and known:
        return True, f"product:{product}"
    if known and _SYSTEM_WORD.search(folded):
        return True, "supplier_and_system"
    if codes:
        return False, "cpv_not_it"
    return False, "no_it_signal"


__all__ = ["classify_it"]
