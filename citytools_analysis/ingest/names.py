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
short names resolve through the alias table only. A fuzzy match must also agree on the
first distinctive word (the first word that is neither a legal-form nor a generic word)
within one edit (optimal string alignment: an insertion, deletion, substitution or swap of
two neighbours): "Capitol Software" scores 90.3 against the alias "Capita Software", but
"capitol" is two edits from "capita", so a new entrant is never merged into an incumbent.

Generic words: the ``rule`` method
----------------------------------
People type a known name with generic words around it: an edition or deployment word
("Uniform Cloud", "Dynamics 365 Online"), a contract word ("Uniform licence and
support"), a descriptor of what the product does ("Mosaic Case Management System",
"Unit4 ERP Cloud"), a version or year ("Spydus 11", "Academy 2019", "SIMS v7"), the
manufacturer's name in front or behind ("MRI Orchard Housing", "Cx (Civica)") and
trademark signs. The vocabulary is ``data/raw/reference/name_generic_words.csv``. When the
alias tables do not know a name, the rule removes first the edition, deployment, contract,
marketing and version words; then, one at a time from the end, the descriptors; then every
descriptor (an "and" left dangling at either end goes too). Each of these forms is tried
first with and then without its free-standing numbers, and looked up in the alias table
and in the aliases with their own generic words removed. A manufacturer's name is
removed only when it names the maker of the product found (an alias of that organisation,
ownership history included): "Capita Uniform" stays unresolved. Numbers are dropped only
as versions: if the product's canonical name or the matched alias holds digits, the
dropped numbers must be among them ("Dynamics 356" is not "Dynamics 365"); years
(1980–2049) are always versions. What is left must be a whole alias: a name that shares a
word with an alias is not matched, and an alias core that is only an organisation's name
is never used, so "Capita Cloud" is no product.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from citytools_analysis.core.reference import Reference, fold

#: Minimum ``fuzz.ratio`` score for a fuzzy organisation match (see the module docstring).
ORGANISATION_THRESHOLD = 90.0
#: Minimum ``fuzz.ratio`` score for a fuzzy product match (see the module docstring).
PRODUCT_THRESHOLD = 90.0

_DIGITS = re.compile(r"\d+")
#: A free-standing number that can be a version ("11", "v7", "r12"), and a year.
_NUMBER = re.compile(r"^[vr]?\d+$")
#: Trademark signs, which Unicode folding would otherwise turn into letters ("CXM™" → "CXMTM").
_TRADEMARKS = re.compile(r"[\u2122\u00ae\u00a9\u2120]")
_YEAR = re.compile(r"^(?:19[89]\d|20[0-4]\d)$")
#: Kinds of generic word removed in the first pass; the second also removes descriptors.
LIGHT_KINDS = ("deployment", "edition", "contract", "marketing", "version")
#: Most edits forgiven in the first distinctive word of a fuzzy match.
FIRST_WORD_EDITS = 1
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
        ``"rule"`` (found after removing generic words, versions or the maker's name),
        ``"fuzzy"``, ``"unresolved"`` or ``"blank"``.
    score
        100 for exact, alias and rule matches, the ``fuzz.ratio`` score for fuzzy ones,
        else 0.
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
    generic_words
        Folded generic phrases removed by the ``rule`` method in its first pass.
    descriptor_words
        Folded generic phrases removed in the second pass too (descriptors).
    drop_versions
        Whether the rule may drop free-standing numbers (versions, years).
    owners
        Folded organisation alias → canonical organisation, and ``makers``: canonical name
        → its maker; with both, the maker's name in front of or behind a name is removed.

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
        generic_words: Iterable[str] = (),
        descriptor_words: Iterable[str] = (),
        drop_versions: bool = False,
        owners: Mapping[str, str] | None = None,
        makers: Mapping[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.threshold = float(threshold)
        self.strip_words = frozenset(part for word in strip_words for part in fold(word).split())
        light = {tuple(fold(word).split()) for word in generic_words if fold(word)}
        heavy = light | {tuple(fold(word).split()) for word in descriptor_words if fold(word)}
        self._passes = (
            [sorted(words, key=lambda phrase: (-len(phrase), phrase)) for words in (light, heavy)]
            if light or heavy
            else []
        )
        self._generic_tokens = frozenset(phrase[0] for phrase in heavy if len(phrase) == 1)
        self.drop_versions = drop_versions
        self._owners = dict(owners or {})
        self._makers = dict(makers or {})
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
        # Every alias with its generic words removed (its "core"): a core that two names
        # share, that is another name's alias, or that is only an organisation's name is
        # not used.
        cores: dict[str, tuple[str, str]] = {}
        ambiguous = set()
        for key, (name, alias) in sorted(folded.items()):
            if not self._passes:
                break
            core = " ".join(_remove_phrases(self._strip(key).split(), self._passes[-1]))
            if not core or core in self._owners:
                continue
            if core in cores and cores[core][0] != name:
                ambiguous.add(core)
            cores.setdefault(core, (name, alias))
        for core in list(cores):
            known = folded.get(core) or stripped.get(core)
            if core in ambiguous or (known is not None and known[0] != cores[core][0]):
                del cores[core]
        self._folded = folded
        self._stripped = stripped
        self._cores = cores
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
            generic_words=reference.generic_words("organisation"),
        )

    @classmethod
    def products(cls, reference: Reference, threshold: float = PRODUCT_THRESHOLD) -> NameResolver:
        """The resolver for system names (product aliases, generic words, versions, makers).

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
        organisations = cls.organisations(reference)
        owners = {key: name for key, (name, _alias) in organisations._folded.items()}
        owners.update(
            {
                key: name
                for key, (name, _alias) in organisations._stripped.items()
                if key not in owners
            }
        )
        return cls(
            aliases,
            kind="product",
            threshold=threshold,
            generic_words=reference.generic_words("product", LIGHT_KINDS),
            descriptor_words=reference.generic_words("product"),
            drop_versions=True,
            owners=owners,
            makers=dict(zip(reference.products["product"], reference.products["manufacturer"])),
        )

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
            text = _TRADEMARKS.sub(" ", str(raw))
            self._cache[cache_key] = self._resolve(" ".join(text.split()))
        return self._cache[cache_key]

    def resolve_listed(self, raw: object) -> Resolution:
        """Resolve a raw name only if it is a canonical name or in the alias table.

        Used where a name of the other kind is read as a fallback (a product's name typed
        as a supplier is read as its maker): there a generic-word or fuzzy match would let
        a firm such as "Echo Solutions" pass for the maker of the product Echo.

        Returns
        -------
        Resolution
            As :meth:`resolve` for ``exact`` and ``alias`` matches, else unresolved (or
            blank).
        """
        found = self.resolve(raw)
        if found.method in ("exact", "alias", "blank"):
            return found
        return _UNRESOLVED

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
        found = self._rule(fold(text))
        if found is not None:
            return found
        if len(parts) > 1:
            hits = [hit for part in parts if (hit := self._lookup(part) or self._rule(fold(part)))]
            if hits and len({hit.canonical for hit in hits}) == 1:
                return Resolution(hits[0].canonical, "rule", 100.0, hits[0].matched)
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

    def _index(self, key: str) -> tuple[str, str] | None:
        return self._folded.get(key) or self._stripped.get(self._strip(key)) or self._cores.get(key)

    def _rule(self, key: str) -> Resolution | None:
        """Resolve after removing generic words, versions and the maker's name, or None."""
        if not self._passes or not key:
            return None
        base = self._strip(key).split()
        light = _remove_phrases(base, self._passes[0])
        # The name without its light words; then without its descriptors one at a time
        # from the end ("Idox Document Management System" is "Idox Document Management");
        # then without any descriptor.
        candidates = [light]
        trimmed = light
        while trimmed:
            shorter = _remove_trailing(trimmed, self._passes[-1])
            if shorter == trimmed:
                break
            candidates.append(shorter)
            trimmed = shorter
        candidates.append(_remove_phrases(light, self._passes[-1]))
        for tokens in dict.fromkeys(map(tuple, candidates)):
            tokens = list(tokens)
            variants = [(tokens, ())]
            if self.drop_versions:
                kept = _trim_and([token for token in tokens if not _NUMBER.match(token)])
                dropped = tuple(t for t in tokens if _NUMBER.match(t) and not _YEAR.match(t))
                if dropped or len(kept) < len(tokens):
                    variants.append((kept, dropped))
            for words, dropped in variants:
                for remainder, maker in self._without_maker(words):
                    hit = self._index(" ".join(remainder))
                    if hit is None or (maker is not None and self._makers.get(hit[0]) != maker):
                        continue
                    if dropped and not self._versions_only(dropped, hit):
                        continue
                    if (" ".join(remainder), maker) == (key, None):
                        continue  # nothing was removed: not a rule match
                    return Resolution(hit[0], "rule", 100.0, hit[1])
        return None

    def _without_maker(self, words: list[str]) -> list[tuple[list[str], str | None]]:
        """The words as they are, then without an organisation's name in front or behind."""
        found: list[tuple[list[str], str | None]] = [(words, None)] if words else []
        if not self._owners or not self._makers:
            return found
        for size in range(len(words) - 1, 0, -1):
            for head, rest in ((words[:size], words[size:]), (words[-size:], words[:-size])):
                maker = self._owners.get(" ".join(head))
                if maker is not None:
                    found.append((rest, maker))
        return found

    def _versions_only(self, dropped: tuple[str, ...], hit: tuple[str, str]) -> bool:
        """Whether dropped numbers are versions of the name found (not a different name).

        The digits of the maker's own name ("Unit4" in "Unit4 ERP") do not count.
        """
        digits = set(_DIGITS.findall(fold(hit[0]))) | set(_DIGITS.findall(fold(hit[1])))
        digits -= set(_DIGITS.findall(fold(self._makers.get(hit[0], ""))))
        numbers = {d for token in dropped for d in _DIGITS.findall(token)}
        return not digits or numbers <= digits

    def nearest(self, raw: object, limit: int = 3) -> list[tuple[str, str, float]]:
        """The ``limit`` canonical names closest to a raw name, for a steward to review.

        Parameters
        ----------
        raw
            The raw name.
        limit
            How many names to give.

        Returns
        -------
        list of (canonical, alias, score)
            One entry per canonical name (its closest alias), best ``fuzz.ratio`` first
            (ties alphabetical); no threshold and no guard is applied.
        """
        key = fold(raw)
        if not key:
            return []
        best: dict[str, tuple[float, str]] = {}
        for query in dict.fromkeys((key, self._strip(key))):
            for choice, score, _ in process.extract(
                query, self._choice_keys, scorer=fuzz.ratio, processor=None, limit=None
            ):
                name, alias = self._choices[choice]
                if name not in best or (-score, alias) < (-best[name][0], best[name][1]):
                    best[name] = (float(score), alias)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
        return [(name, alias, round(score, 1)) for name, (score, alias) in ranked[:limit]]

    def _distinctive(self, key: str) -> list[str]:
        return [
            w for w in key.split() if w not in self.strip_words and w not in self._generic_tokens
        ]

    def _first_words_agree(self, query: str, choice: str) -> bool:
        """Whether the first distinctive words are within one edit (or one begins the other
        once spaces are ignored: "office365" and "office 365")."""
        words, others = self._distinctive(query), self._distinctive(choice)
        if not words or not others:
            return True
        if OSA.distance(words[0], others[0]) <= FIRST_WORD_EDITS:
            return True
        joined, other_joined = "".join(words), "".join(others)
        return joined.startswith(others[0]) or other_joined.startswith(words[0])

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
                if not self._first_words_agree(query, choice):
                    continue
                name, alias = self._choices[choice]
                candidate = (-float(score), name, alias)
                if best is None or candidate < best:
                    best = candidate
        if best is None:
            return _UNRESOLVED
        return Resolution(best[1], "fuzzy", round(-best[0], 1), best[2])


def _trim_and(tokens: list[str]) -> list[str]:
    """``tokens`` without an "and" left dangling at either end once generic words are gone
    ("Virtual Apps and Desktops" → "virtual apps")."""
    start, end = 0, len(tokens)
    while start < end and tokens[start] == "and":
        start += 1
    while end > start and tokens[end - 1] == "and":
        end -= 1
    return tokens[start:end]


def _remove_phrases(tokens: list[str], phrases: list[tuple[str, ...]]) -> list[str]:
    """``tokens`` without any of ``phrases`` (token tuples, longest first), left to right."""
    kept: list[str] = []
    index = 0
    while index < len(tokens):
        for phrase in phrases:
            if tuple(tokens[index : index + len(phrase)]) == phrase:
                index += len(phrase)
                break
        else:
            kept.append(tokens[index])
            index += 1
    return _trim_and(kept) if len(kept) < len(tokens) else kept


def _remove_trailing(tokens: list[str], phrases: list[tuple[str, ...]]) -> list[str]:
    """``tokens`` without the shortest of ``phrases`` that ends them (unchanged if none)."""
    for phrase in sorted(phrases, key=lambda phrase: (len(phrase), phrase)):
        if len(phrase) <= len(tokens) and tuple(tokens[-len(phrase) :]) == phrase:
            return _trim_and(tokens[: -len(phrase)])
    return tokens


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
    "FIRST_WORD_EDITS",
    "LIGHT_KINDS",
    "ORGANISATION_THRESHOLD",
    "PRODUCT_THRESHOLD",
    "NameResolver",
    "Resolution",
    "resolve_authority",
]
