"""Resolving names typed in returns to canonical organisations, products and authorities.

Organisation and product names go through the alias tables of ``data/raw/reference/``
first (after ``fold``, and for organisations also with legal-form words such as Ltd,
Limited, plc and UK removed), then through a conservative fuzzy match (rapidfuzz) that
catches typing errors without letting two different organisations or products collapse.
Authorities are resolved by name and synonym only: an unknown authority is an error for
the cleaner to raise, never a guess.

Fuzzy matching, and why its thresholds are what they are
---------------------------------------------------------
The score is rapidfuzz's ``fuzz.ratio`` (normalised Indel similarity, 0–100) between the
folded raw name and each folded alias, both with and without legal-form words. Partial
and token-set scorers (``WRatio``, ``token_set_ratio``) were rejected: they score any name
that *contains* an alias at 90–100 ("Civica Pay", "Oracle Consulting Ltd", "NEC Housing"
→ the organisation), which is exactly the collapse to avoid.

A candidate must also agree with the raw name on its *distinguishing tokens*: the runs of
digits ("Unit4" vs "Unit 5") and the short words of one to three letters that are not
legal-form words ("LCS" vs "LAS", "HR" vs "HCM"). One typing error in such a token makes
a different name, so it is never forgiven.

On the reference alias tables, the closest pair of aliases of two *different*
organisations scores 85.7 ("Northgate" / "Northgate HR"); for products it is 85.7 ("NEC
Housing" / "Cx Housing") once the token rule has excluded "Liquidlogic LCS" /
"Liquidlogic LAS" (93.3). Typical typing errors in names of ten letters or more score
92–99 ("Northgate Public Servics" 98.0, "Civca UK Ltd" 96.0, "Microsfot Ltd" 92.3). Both
thresholds are therefore 90: above every cross-name pair in the tables with a margin, and
below single typos. One edit in a name shorter than ten characters scores below 90, so
short names resolve through the alias table only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from citytools_analysis.core.reference import Reference, fold

#: Minimum ``fuzz.ratio`` score for a fuzzy organisation match (see the module docstring).
ORGANISATION_THRESHOLD = 90.0
#: Minimum ``fuzz.ratio`` score for a fuzzy product match (see the module docstring).
PRODUCT_THRESHOLD = 90.0

_DIGITS = re.compile(r"\d+")
#: Separators between the parts of a name like "Civica Xpress - Civica UK Ltd".
_PART_SEPARATORS = re.compile(r"\s+[-–—]\s+|[–—()/|]")


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one name.

    Parameters
    ----------
    canonical
        The canonical name, or ``None`` when unresolved or blank.
    method
        ``"exact"`` (the raw text is a canonical name), ``"alias"`` (found in the alias
        table after folding, removing legal-form words, or in one part of a compound name),
        ``"fuzzy"``, ``"unresolved"`` or ``"blank"``.
    score
        100 for exact and alias matches, the ``fuzz.ratio`` score for fuzzy ones, else 0.
    matched
        The alias (as written in the reference table) that was matched.
    """

    canonical: str | None
    method: str
    score: float
    matched: str | None


_BLANK = Resolution(None, "blank", 0.0, None)
_UNRESOLVED = Resolution(None, "unresolved", 0.0, None)


class NameResolver:
    """Resolve raw names to canonical names through an alias table and fuzzy matching.

    Parameters
    ----------
    aliases
        Raw alias → canonical name. Canonical names are added as their own aliases.
    kind
        What the names are (``"organisation"``, ``"product"``), for messages.
    threshold
        Minimum ``fuzz.ratio`` score (0–100) for a fuzzy match; above 100 disables it.
    strip_words
        Words (compared after ``fold``) ignored in a second alias look-up and in fuzzy
        matching, e.g. legal-form words for organisations.

    Raises
    ------
    ValueError
        When two aliases fold to the same text but name different canonical names.
    """

    def __init__(
        self,
        aliases: Mapping[str, str],
        *,
        kind: str,
        threshold: float = 90.0,
        strip_words: Iterable[str] = (),
    ) -> None:
        self.kind = kind
        self.threshold = float(threshold)
        self.strip_words = frozenset(part for word in strip_words for part in fold(word).split())
        pairs = sorted({(str(alias), str(name)) for alias, name in aliases.items()})
        pairs += sorted({(name, name) for _, name in pairs} - set(pairs))
        self.canonical_names = frozenset(name for _, name in pairs)

        folded: dict[str, tuple[str, str]] = {}
        for alias, name in sorted(pairs, key=lambda pair: (pair[1] != pair[0], pair)):
            key = fold(alias)
            if not key:
                continue
            if key in folded and folded[key][0] != name:
                raise ValueError(
                    f"{kind} alias {alias!r} folds like {folded[key][1]!r} but names "
                    f"{name!r}, not {folded[key][0]!r}"
                )
            folded.setdefault(key, (name, alias))
        stripped: dict[str, tuple[str, str]] = {}
        ambiguous: set[str] = set()
        for key, (name, alias) in sorted(folded.items()):
            short = self._strip(key)
            if short in stripped and stripped[short][0] != name:
                ambiguous.add(short)
            stripped.setdefault(short, (name, alias))
        for short in ambiguous:
            del stripped[short]
        self._folded = folded
        self._stripped = stripped
        choices = dict(stripped)
        choices.update(folded)
        self._choice_keys = sorted(choices)
        self._choices = choices
        self._cache: dict[tuple[type, object], Resolution] = {}

    # --- construction from the reference ---------------------------------------------------
    @classmethod
    def organisations(
        cls, reference: Reference, threshold: float = ORGANISATION_THRESHOLD
    ) -> NameResolver:
        """The resolver for manufacturers and suppliers (organisation aliases, legal words).

        Parameters
        ----------
        reference
            The reference data.
        threshold
            Minimum fuzzy score; the default is explained in the module docstring.
        """
        table = reference.organisation_aliases
        aliases = dict(zip(table["alias"], table["organisation"]))
        for name in reference.organisations["organisation"]:
            aliases.setdefault(name, name)
        return cls(
            aliases,
            kind="organisation",
            threshold=threshold,
            strip_words=reference.organisation_legal_words,
        )

    @classmethod
    def products(cls, reference: Reference, threshold: float = PRODUCT_THRESHOLD) -> NameResolver:
        """The resolver for system names (product aliases; no words are stripped).

        Parameters
        ----------
        reference
            The reference data.
        threshold
            Minimum fuzzy score; the default is explained in the module docstring.
        """
        table = reference.product_aliases
        aliases = dict(zip(table["alias"], table["product"]))
        for name in reference.products["product"]:
            aliases.setdefault(name, name)
        return cls(aliases, kind="product", threshold=threshold)

    # --- resolution ------------------------------------------------------------------------
    def resolve(self, raw: object) -> Resolution:
        """Resolve one raw name (results are cached per raw value).

        Parameters
        ----------
        raw
            The cell: text, or a number that is read as text.

        Returns
        -------
        Resolution
            Tried in order: exact canonical name, folded alias, alias without legal-form
            words, each part of a compound name ("Civica Xpress - Civica UK Ltd", "System C
            (Liquidlogic)": resolved when every part that is an alias names the same
            canonical), fuzzy match. Ties in fuzzy score go to the first canonical name,
            then alias, in alphabetical order.
        """
        if raw is None or (isinstance(raw, float) and raw != raw):
            return _BLANK
        cache_key = (type(raw), raw)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._resolve(" ".join(str(raw).split()))
        return self._cache[cache_key]

    def __call__(self, raw: object) -> Resolution:
        return self.resolve(raw)

    def _resolve(self, text: str) -> Resolution:
        if not text:
            return _BLANK
        if text in self.canonical_names:
            return Resolution(text, "exact", 100.0, text)
        found = self._lookup(text)
        if found is not None:
            return found
        parts = [part for part in _PART_SEPARATORS.split(text) if fold(part)]
        if len(parts) > 1:
            hits = [hit for hit in map(self._lookup, parts) if hit is not None]
            if hits and len({hit.canonical for hit in hits}) == 1:
                return hits[0]
        return self._fuzzy(text)

    def _strip(self, key: str) -> str:
        words = [word for word in key.split() if word not in self.strip_words]
        return " ".join(words) if words else key

    def _lookup(self, text: str) -> Resolution | None:
        key = fold(text)
        if not key:
            return None
        hit = self._folded.get(key) or self._stripped.get(self._strip(key))
        if hit is None:
            return None
        return Resolution(hit[0], "alias", 100.0, hit[1])

    def _tokens(self, key: str) -> tuple[tuple[str, ...], frozenset[str]]:
        short = frozenset(
            word
            for word in key.split()
            if len(word) <= 3 and word.isalpha() and word not in self.strip_words
        )
        return tuple(_DIGITS.findall(key)), short

    def _fuzzy(self, text: str) -> Resolution:
        if self.threshold > 100:
            return _UNRESOLVED
        key = fold(text)
        best: tuple[float, str, str] | None = None
        for query in dict.fromkeys((key, self._strip(key))):
            if not query:
                continue
            tokens = self._tokens(query)
            for choice, score, _ in process.extract(
                query,
                self._choice_keys,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=self.threshold,
                limit=None,
            ):
                if self._tokens(choice) != tokens:
                    continue
                name, alias = self._choices[choice]
                candidate = (-float(score), name, alias)
                if best is None or candidate < best:
                    best = candidate
        if best is None:
            return _UNRESOLVED
        return Resolution(best[1], "fuzzy", round(-best[0], 1), best[2])


def resolve_authority(raw: object, reference: Reference) -> str | None:
    """Return the GSS code of an authority named in any common form, or ``None``.

    Names, short names, GSS codes and the synonyms in ``authorities.csv`` are compared
    after ``fold`` ("London Borough of Camden", "LB Camden", "Camden Council", "Camden",
    "GLA"); a leading "The" is ignored. There is no fuzzy matching: an unknown authority is
    an error for the caller.

    Parameters
    ----------
    raw
        The Authority cell of the Respondent sheet.
    reference
        The reference data.

    Returns
    -------
    str or None
        The GSS code, e.g. ``"E09000007"`` for Camden.
    """
    names = reference.authority_names
    code = names.lookup(raw)
    if code is None:
        key = fold(raw)
        if key.startswith("the "):  # "The Royal Borough of Kensington and Chelsea"
            code = names.lookup(key.removeprefix("the "))
    return code


__all__ = [
    "ORGANISATION_THRESHOLD",
    "PRODUCT_THRESHOLD",
    "NameResolver",
    "Resolution",
    "resolve_authority",
]
