"""Reference data: the authorities, taxonomies, survey layout and aliases in data/raw/reference/.

Every fact about London's authorities, the service-area and skills taxonomies, the survey's
columns and the organisation/product aliases is read from CSV here; nothing is repeated in code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from citytools_analysis.core.paths import REFERENCE_DIR

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """Fold a label for matching: case, accents, punctuation and white space are ignored.

    ``&`` reads as ``and`` and an apostrophe joins its word, so ``"Children's Services"``,
    ``"childrens  services"`` and ``"CHILDRENS-SERVICES"`` all fold to ``"childrens services"``.

    Parameters
    ----------
    text
        Any cell value; ``None`` and NaN fold to ``""``.

    Returns
    -------
    str
        Lower-case words separated by single spaces.
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return _NON_ALNUM.sub(" ", value).strip()


def _split_synonyms(cell: object) -> list[str]:
    if cell is None or (isinstance(cell, float) and cell != cell) or str(cell).strip() == "":
        return []
    return [part.strip() for part in str(cell).split("|") if part.strip()]


@dataclass(frozen=True)
class Vocabulary:
    """A controlled list: canonical names, each with synonyms, looked up by folded text.

    Parameters
    ----------
    name
        What the list is (used in messages), e.g. ``"service area"``.
    canonical_to_synonyms
        Canonical name → its synonyms, in the reference file's order.
    """

    name: str
    canonical_to_synonyms: dict[str, list[str]]
    _index: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for canonical, synonyms in self.canonical_to_synonyms.items():
            for label in [canonical, *synonyms]:
                key = fold(label)
                if key in index and index[key] != canonical:
                    raise ValueError(
                        f"{self.name}: {label!r} is a synonym of both {index[key]!r} and {canonical!r}"
                    )
                index[key] = canonical
        object.__setattr__(self, "_index", index)

    @property
    def canonical(self) -> list[str]:
        """The canonical names in reference order."""
        return list(self.canonical_to_synonyms)

    def lookup(self, text: object) -> str | None:
        """Return the canonical name for ``text`` (a name or synonym), or ``None``."""
        return self._index.get(fold(text))

    def __contains__(self, text: object) -> bool:
        return self.lookup(text) is not None


def _vocabulary(frame: pd.DataFrame, name: str, key: str, synonyms: str = "synonyms") -> Vocabulary:
    mapping = {
        str(row[key]): _split_synonyms(row[synonyms]) if synonyms in frame else []
        for _, row in frame.iterrows()
    }
    return Vocabulary(name, mapping)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"reference file missing: {path}")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@dataclass(frozen=True)
class Reference:
    """All reference tables of one reference folder, loaded lazily.

    Parameters
    ----------
    directory
        A folder laid out like ``data/raw/reference/``.
    """

    directory: Path = REFERENCE_DIR

    def table(self, name: str) -> pd.DataFrame:
        """Read ``<name>.csv`` as text (empty cells are ``""``)."""
        return _read_csv(Path(self.directory) / f"{name}.csv")

    # --- authorities -----------------------------------------------------------------------
    @cached_property
    def authorities(self) -> pd.DataFrame:
        """The 33 London authorities and the GLA: GSS code, names, inner/outer, tile position."""
        frame = self.table("authorities")
        for column in ("tile_row", "tile_col"):
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce").astype(
                "Int64"
            )
        return frame

    @cached_property
    def authority_names(self) -> Vocabulary:
        """GSS code ← official name, short name, GSS code itself and every synonym."""
        mapping = {
            row.gss_code: [row.name, row.short_name, *_split_synonyms(row.synonyms)]
            for row in self.authorities.itertuples()
        }
        return Vocabulary("authority", mapping)

    # --- taxonomies ------------------------------------------------------------------------
    @cached_property
    def service_areas(self) -> pd.DataFrame:
        """Service-area taxonomy: ``service_area``, ``default_type``, ``synonyms``."""
        return self.table("service_areas")

    @cached_property
    def service_area_names(self) -> Vocabulary:
        return _vocabulary(self.service_areas, "service area", "service_area")

    @cached_property
    def default_system_type(self) -> dict[str, str]:
        """Service area → its default Frontline/Corporate type."""
        return dict(zip(self.service_areas.service_area, self.service_areas.default_type))

    @cached_property
    def skill_area_names(self) -> Vocabulary:
        return _vocabulary(self.table("skill_areas"), "skill area", "skill_area")

    @cached_property
    def skill_levels(self) -> dict[int, str]:
        """Skill level (0–4) → label (None … Expert)."""
        frame = self.table("skill_levels")
        return {int(level): label for level, label in zip(frame.level, frame.label)}

    @cached_property
    def rating_scale(self) -> dict[int, str]:
        """Rating score (1–5) → label (Very poor … Very good)."""
        frame = self.table("rating_scale")
        return {int(score): label for score, label in zip(frame.score, frame.label)}

    @cached_property
    def maturity_dimension_names(self) -> Vocabulary:
        return _vocabulary(self.table("maturity_dimensions"), "maturity dimension", "dimension")

    @cached_property
    def hosting_names(self) -> Vocabulary:
        return _vocabulary(self.table("hosting_types"), "hosting", "hosting")

    @cached_property
    def system_type_names(self) -> Vocabulary:
        return _vocabulary(self.table("system_types"), "system type", "system_type")

    @cached_property
    def contract_end_terms(self) -> dict[str, str]:
        """Folded word that stands for "no end date" → ``rolling`` or ``unknown``."""
        frame = self.table("contract_end_terms")
        return {fold(term): status for term, status in zip(frame.term, frame.contract_end_status)}

    @cached_property
    def answer_terms(self) -> dict[str, str]:
        """Folded yes/no/considering word → ``Yes``, ``No`` or ``Considering``."""
        frame = self.table("answer_terms")
        return {fold(term): meaning for term, meaning in zip(frame.term, frame.meaning)}

    @cached_property
    def missing_terms(self) -> frozenset[str]:
        """Raw words meaning "no value" (N/A, unknown, -, …), as typed (lower case)."""
        return frozenset(term.strip().lower() for term in self.table("missing_terms").term)

    # --- the survey layout -----------------------------------------------------------------
    @cached_property
    def survey_sheets(self) -> pd.DataFrame:
        """The workbook's sheets: ``sheet``, ``required`` (yes/no), ``description``."""
        return self.table("survey_sheets")

    @cached_property
    def survey_columns(self) -> pd.DataFrame:
        """Columns of each data sheet: ``sheet``, ``field``, ``header``, ``synonyms``,
        ``required``, ``personal``."""
        return self.table("survey_columns")

    def column_names(self, sheet: str) -> Vocabulary:
        """Field ← header and synonyms, for one sheet of the survey."""
        rows = self.survey_columns[self.survey_columns.sheet == sheet]
        mapping = {
            row.field: [row.header, *_split_synonyms(row.synonyms)] for row in rows.itertuples()
        }
        return Vocabulary(f"{sheet} column", mapping)

    def required_fields(self, sheet: str) -> list[str]:
        rows = self.survey_columns[(self.survey_columns.sheet == sheet)]
        return list(rows[rows.required == "yes"].field)

    @cached_property
    def respondent_items(self) -> pd.DataFrame:
        """Labels of the Respondent sheet: ``field``, ``label``, ``synonyms``, ``required``,
        ``personal``."""
        return self.table("respondent_items")

    @cached_property
    def respondent_labels(self) -> Vocabulary:
        mapping = {
            row.field: [row.label, *_split_synonyms(row.synonyms)]
            for row in self.respondent_items.itertuples()
        }
        return Vocabulary("Respondent label", mapping)

    # --- contract registers ----------------------------------------------------------------
    @cached_property
    def register_personal_columns(self) -> pd.DataFrame:
        """Register columns that hold personal data (a contract manager's name, an officer's
        e-mail or telephone): ``field``, ``header``, ``synonyms``, ``note``. Cleaning never
        reads them; the leak tests look for their values in everything published."""
        return self.table("register_personal_columns")

    @cached_property
    def register_personal_names(self) -> Vocabulary:
        """Field ← header and synonyms of the personal register columns."""
        return _vocabulary(self.register_personal_columns, "personal register column", "field")

    # --- organisations and products --------------------------------------------------------
    @cached_property
    def organisations(self) -> pd.DataFrame:
        """Canonical organisations (today's owners) with the ownership history behind them."""
        return self.table("organisations")

    @cached_property
    def organisation_aliases(self) -> pd.DataFrame:
        """Raw organisation name → canonical ``organisation``."""
        return self.table("organisation_aliases")

    @cached_property
    def organisation_legal_words(self) -> frozenset[str]:
        """Folded legal-form words (Ltd, Limited, plc, UK, Group …) that organisation-name
        matching ignores, so "CIVICA UK LIMITED" meets the alias "Civica"."""
        words = self.table("organisation_legal_words").word
        return frozenset(part for word in words for part in fold(word).split())

    @cached_property
    def products(self) -> pd.DataFrame:
        """Canonical products: ``product``, ``manufacturer`` (canonical organisation),
        ``service_area`` (where it is usually used)."""
        return self.table("products")

    @cached_property
    def product_aliases(self) -> pd.DataFrame:
        """Raw product name → canonical ``product``."""
        return self.table("product_aliases")

    @cached_property
    def name_generic_words(self) -> pd.DataFrame:
        """Generic words typed around a product or organisation name: ``word``, ``kind``
        (deployment, edition, contract, marketing, version, descriptor), ``applies_to``
        (product, organisation, both), ``note``."""
        return self.table("name_generic_words")

    def generic_words(self, applies_to: str, kinds: tuple[str, ...] | None = None) -> list[str]:
        """The folded generic words and phrases for ``"product"`` or ``"organisation"`` names.

        Parameters
        ----------
        applies_to
            ``"product"`` or ``"organisation"`` (rows marked ``both`` are included).
        kinds
            Only these kinds (all kinds when ``None``).

        Returns
        -------
        list of str
            Folded phrases, longest (most words) first, then alphabetical.
        """
        table = self.name_generic_words
        rows = table[table.applies_to.isin((applies_to, "both"))]
        if kinds is not None:
            rows = rows[rows.kind.isin(kinds)]
        phrases = {fold(word) for word in rows.word if fold(word)}
        return sorted(phrases, key=lambda phrase: (-len(phrase.split()), phrase))


def authority_names(authorities: pd.DataFrame) -> dict[str, str]:
    """GSS code → short name, from a table of authorities (the reference list's, or a
    release's ``authorities`` table, which carries the same columns)."""
    return dict(zip(authorities["gss_code"], authorities["short_name"]))


def load_reference(directory: Path | str | None = None) -> Reference:
    """Load the reference folder (``data/raw/reference/`` by default)."""
    return Reference(Path(directory) if directory is not None else REFERENCE_DIR)


def validate_authority_code(code: object, reference: Reference) -> str:
    """Check that ``code`` is exactly the GSS code of an authority in the reference list.

    Used wherever an authority is given as a parameter (a borough profile, a file name), so
    that nothing else (a path such as ``"../../etc"``, an empty string, a name) gets through.

    Parameters
    ----------
    code
        The value given, e.g. ``"E09000007"``.
    reference
        The reference data whose ``authorities`` table lists the valid codes.

    Returns
    -------
    str
        ``code`` itself, unchanged.

    Raises
    ------
    ValueError
        When ``code`` is not a string equal to one of the GSS codes (no case folding, no
        trimming: ``"e09000007 "`` is refused, with a hint at the code it resembles).
    """
    codes = set(reference.authorities.gss_code)
    if isinstance(code, str) and code in codes:
        return code
    example = sorted(codes)[0]
    message = (
        f"authority code {code!r} is not the GSS code of a London authority in the "
        f"reference list authorities.csv (expected e.g. {example!r})"
    )
    if isinstance(code, str) and code.strip().upper() in codes:
        message += f"; did you mean {code.strip().upper()!r}?"
    raise ValueError(message)
