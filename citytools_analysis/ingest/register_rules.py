"""What reading, classifying and matching contract registers need from the reference data.

:class:`RegisterRules` is prepared once per run from ``data/raw/reference/``: the register
column synonyms (``register_columns.csv``), the CPV families and keywords that say a contract
is IT (``cpv_it.csv``, ``it_keywords.csv``), and the products, aliases and service-area names
a contract's title can name. The reader (:mod:`.register_reader`), the IT classifier
(:mod:`.register_classifier`) and the matcher (:mod:`.register_matching`) all use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from citytools_analysis.core.reference import Reference, Vocabulary, fold
from citytools_analysis.ingest.names import NameResolver


def _phrase(text: str) -> re.Pattern:
    return re.compile(r"(?<![0-9a-z])" + re.escape(text) + r"(?![0-9a-z])")


def _cased(text: str) -> re.Pattern:
    return re.compile(r"(?<![0-9A-Za-z])" + re.escape(text) + r"(?![0-9A-Za-z])")


@dataclass
class RegisterRules:
    """What reading and classifying registers needs from the reference data, prepared once.

    Build it with :meth:`from_reference`.
    """

    reference: Reference
    columns: Vocabulary
    required: list[str]
    cpv_families: list[tuple[str, str]]  # (prefix, family), longest prefix first
    keywords: list[tuple[str, str, re.Pattern, bool]]  # (kind, keyword, pattern, cased)
    products: list[tuple[str, str, re.Pattern]]  # (alias, product, pattern), longest first
    areas: list[tuple[str, str, re.Pattern]]  # (label, service area, pattern), longest first
    organisations: NameResolver
    product_names: NameResolver
    catalogue: dict[str, tuple[str, str]]  # product → (manufacturer, service area)
    products_of: dict[str, list[str]]  # manufacturer → its products
    known_organisations: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_reference(cls, reference: Reference) -> RegisterRules:
        """Prepare the rules from a reference folder.

        Parameters
        ----------
        reference
            The reference data: ``register_columns.csv``, ``cpv_it.csv``,
            ``it_keywords.csv``, products, aliases and service areas.
        """
        table = reference.table("register_columns")
        columns = Vocabulary(
            "register column",
            {
                row.field: [row.header, *[s for s in row.synonyms.split("|") if s.strip()]]
                for row in table.itertuples()
            },
        )
        required = list(table[table.required == "yes"].field)
        cpv = reference.table("cpv_it")
        families = sorted(zip(cpv.prefix, cpv.family), key=lambda p: (-len(p[0]), p[0]))
        keywords = []
        for row in reference.table("it_keywords").itertuples():
            word = row.keyword.strip()
            cased = word.isupper()
            pattern = _cased(word) if cased else _phrase(fold(word))
            keywords.append((row.kind, word, pattern, cased))
        catalogue = {
            p: (m, a)
            for p, m, a in zip(
                reference.products["product"],
                reference.products["manufacturer"],
                reference.products["service_area"],
            )
        }
        aliases = dict(
            zip(reference.product_aliases["alias"], reference.product_aliases["product"])
        )
        for product in catalogue:
            aliases.setdefault(product, product)
        # Product names are matched as written (case counts): "Uniform" the product is not
        # "staff uniforms", and "ONE" is not "one". Two-letter aliases are too ambiguous.
        products = sorted(
            ((a, p, _cased(a)) for a, p in aliases.items() if len(a) >= 3),
            key=lambda t: (-len(t[0]), t[0]),
        )
        areas = []
        for area, synonyms in reference.service_area_names.canonical_to_synonyms.items():
            for label in {area, *synonyms}:
                if fold(label):
                    areas.append((fold(label), area, _phrase(fold(label))))
        areas.sort(key=lambda t: (-len(t[0]), t[0]))
        products_of: dict[str, list[str]] = {}
        for product, (maker, _area) in sorted(catalogue.items()):
            products_of.setdefault(maker, []).append(product)
        return cls(
            reference=reference,
            columns=columns,
            required=required,
            cpv_families=families,
            keywords=keywords,
            products=products,
            areas=areas,
            organisations=NameResolver.organisations(reference),
            product_names=NameResolver.products(reference),
            catalogue=catalogue,
            products_of=products_of,
            known_organisations=frozenset(reference.organisations["organisation"]),
        )

    # --- what a text names -------------------------------------------------------------------
    def product_named(self, text: str) -> str | None:
        """The canonical product a text names (longest alias first, case as written), or None."""
        for _alias, product, pattern in self.products:
            if pattern.search(text):
                return product
        return None

    def area_named(self, text: str) -> str | None:
        """The service area a text names (its name or a synonym, longest first), or None."""
        folded = fold(text)
        for _label, area, pattern in self.areas:
            if pattern.search(folded):
                return area
        return None


__all__ = ["RegisterRules"]
