"""How people type a survey return: the forms and slips the survey format accepts.

The synthetic survey first decides the true value of every cell, then a :class:`Typist`
writes it the way a person at a council might: a date as an Excel date or as
"March 2021", a cost as "£120,000" or "120k", a supplier under its 2019 name or with a
typo. Every method returns what is written *and* what the survey format says that text
means, so the truth stays exact: "March 2021" as an end date means 31 March 2021 whatever
day the contract really ends, and "ask finance" means no value.

All names, e-mail addresses and telephone numbers made here are fictional: first names and
invented surnames, roles, titles, file-name patterns and unreadable answers come from
``data/raw/synthetic/word_lists.csv`` (:mod:`.synth_scenario`), e-mail domains end in
``.example`` (reserved, RFC 2606) and telephone numbers are from Ofcom's ranges set aside
for drama (020 7946 0xxx, 07700 900xxx).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from citytools_analysis.core.reference import Reference, fold
from citytools_analysis.synth.scenario import load_scenario

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: Excel's day 0 for serial dates (the 1900 date system).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Person:
    """A fictional person: name, e-mail, telephone and role."""

    name: str
    email: str
    phone: str
    role: str


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _case_variant(text: str, choice: int) -> str:
    return (text.upper(), text.lower(), text.title(), text)[choice % 4]


class Typist:
    """Writes true values the way people type them, returning what the text means.

    Parameters
    ----------
    rng
        The generator's random state (shared, so one seed fixes every choice).
    reference
        The reference data (synonyms and aliases come from it).
    words
        The scenario's word lists (first names, surnames, roles, file-name patterns,
        unreadable answers); ``None`` reads them from ``data/raw/synthetic/``.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        reference: Reference,
        words: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.rng = rng
        self.reference = reference
        self.words = load_scenario(reference).words if words is None else words
        self.typos_made = 0
        aliases = reference.organisation_aliases
        self.org_aliases: dict[str, list[str]] = {}
        for alias, organisation in zip(aliases["alias"], aliases["organisation"]):
            self.org_aliases.setdefault(organisation, []).append(alias)
        products = reference.product_aliases
        self.product_aliases: dict[str, list[str]] = {}
        for alias, product in zip(products["alias"], products["product"]):
            if alias != product:
                self.product_aliases.setdefault(product, []).append(alias)
        self.known_org_keys = {fold(a) for a in aliases["alias"]} | {
            fold(o) for o in reference.organisations["organisation"]
        }

    # --- small utilities -------------------------------------------------------------------
    def pick(self, options):
        """One of ``options``, chosen with the shared random state."""
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return bool(self.rng.random() < p)

    # --- people and files ------------------------------------------------------------------
    def person(self, domain: str) -> Person:
        """A fictional person at ``domain`` (a ``.example`` domain)."""
        first, last = self.pick(self.words["first_name"]), self.pick(self.words["surname"])
        email = f"{fold(first).replace(' ', '')}.{fold(last).replace(' ', '')}@{domain}"
        if self.chance(0.5):
            phone = f"020 7946 0{int(self.rng.integers(0, 1000)):03d}"
        else:
            phone = f"07700 900{int(self.rng.integers(0, 1000)):03d}"
        return Person(f"{first} {last}", email, phone, self.pick(self.words["role"]))

    def file_name(self, short_name: str, abbreviation: str, taken: set[str]) -> str:
        """A file name for a return; unique within ``taken`` (which it updates)."""
        abbr = abbreviation or fold(short_name).replace(" ", "")[:4]
        while True:
            pattern = self.pick(self.words["file_pattern"])
            name = pattern.format(
                short=short_name,
                abbr=abbr.lower(),
                ABBR=("LB" + abbr[:1]).upper() if abbreviation else abbr.upper(),
                n=int(self.rng.integers(1, 400)),
            )
            if name.lower() not in taken:
                taken.add(name.lower())
                return name

    def header(self, canonical: str, synonyms: list[str], messy: bool) -> str:
        """A column header: the canonical one, or (messy) a synonym or a case variant."""
        if not messy:
            return canonical
        text = self.pick(synonyms) if synonyms and self.chance(0.6) else canonical
        if self.chance(0.4):
            text = _case_variant(text, int(self.rng.integers(4)))
        if self.chance(0.15):
            text = text + " "
        return text

    # --- controlled lists ------------------------------------------------------------------
    def choice(self, canonical: str, synonyms: list[str]) -> str:
        """A controlled-list value typed as a synonym or in another case."""
        if synonyms and self.chance(0.7):
            return self.pick(synonyms)
        return _case_variant(canonical, int(self.rng.integers(3)))

    # --- dates -----------------------------------------------------------------------------
    def date(self, value: dt.date | None, role: str, messy: bool) -> tuple[object, dt.date | None]:
        """Write a date; return (cell, the date the cell means).

        Clean: an Excel date cell. Messy: "31/03/2021", "2021-03-31", "March 2021", "2021",
        an Excel serial number, or (rarely) an unreadable phrase meaning no value.
        """
        if value is None:
            return None, None
        as_cell = dt.datetime(value.year, value.month, value.day)
        if not messy:
            return as_cell, value
        form = self.pick(("dmy", "dmy", "iso", "month", "month", "year", "serial", "dmy_short"))
        if form == "dmy":
            return value.strftime("%d/%m/%Y"), value
        if form == "dmy_short":
            return value.strftime("%d/%m/%y"), value
        if form == "iso":
            return value.isoformat(), value
        if form == "serial":
            return (value - _EXCEL_EPOCH).days, value
        if form == "month":
            text = f"{_MONTHS[value.month - 1]} {value.year}"
            if self.chance(0.3):
                text = f"{_MONTHS[value.month - 1][:3]}-{value.year % 100:02d}"
            meant = (
                dt.date(value.year, value.month, 1)
                if role == "start"
                else _month_end(value.year, value.month)
            )
            return text, meant
        meant = dt.date(value.year, 1, 1) if role == "start" else dt.date(value.year, 12, 31)
        return (str(value.year) if self.chance(0.6) else value.year), meant

    def contract_end(
        self, value: dt.date | None, status: str, messy: bool
    ) -> tuple[object, dt.date | None, str]:
        """Write a contract end; return (cell, the date it means, its status)."""
        if status == "rolling":
            words = ("Rolling", "rolling", "Evergreen", "ongoing", "Annual rolling", "perpetual")
            return (self.pick(words) if messy else "Rolling"), None, "rolling"
        if status == "unknown" or value is None:
            if messy:
                return (
                    self.pick(("TBC", "unknown", "n/a", "Not known", "tbd", "-")),
                    None,
                    "unknown",
                )
            return None, None, "unknown"
        cell, meant = self.date(value, "end", messy)
        return cell, meant, "date"

    def unreadable_date(self) -> str:
        """An answer in a date cell that is not a date (cleared, row kept)."""
        return self.pick(self.words["unreadable_date"])

    # --- money -----------------------------------------------------------------------------
    def money(self, value: float | None, messy: bool) -> tuple[object, float | None]:
        """Write an annual cost; return (cell, the pounds it means)."""
        if value is None:
            if messy:
                return self.pick(("N/A", "unknown", "-", "n/a", "TBC")), None
            return None, None
        if not messy:
            return (int(value) if float(value).is_integer() else value), value
        form = self.pick(("pounds", "pounds", "k", "m", "circa", "pa", "text_number"))
        if form == "k" and value >= 1000:
            thousands = round(value / 1000, 1) if value < 100_000 else round(value / 1000)
            text = f"{thousands:g}k" if self.chance(0.6) else f"£{thousands:g}K"
            return text, thousands * 1000.0
        if form == "m" and value >= 250_000:
            millions = round(value / 1_000_000, 2)
            return f"£{millions:g}m", round(millions * 1_000_000, 2)
        if form == "circa":
            rounded = float(round(value, -3)) if value >= 1000 else value
            return f"c. {rounded:,.0f}" if rounded.is_integer() else f"c. {rounded:,.2f}", rounded
        if form == "pa":
            return f"£{value:,.0f} pa" if float(value).is_integer() else f"£{value:,.2f} pa", value
        if form == "text_number":
            return (f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"), value
        return (f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"), value

    def unreadable_cost(self) -> str:
        """An answer in a cost cell that is not an amount (cleared, row kept)."""
        return self.pick(self.words["unreadable_cost"])

    # --- ratings and levels ----------------------------------------------------------------
    def scale(self, value: int | None, labels: dict[int, str], messy: bool) -> object:
        """Write a score on a labelled scale: 4, "4 - Good", "Good", "4 (Good)"."""
        if value is None:
            return None
        if not messy:
            return int(value)
        label = labels[int(value)]
        form = self.pick(("number_label", "label", "label_lower", "text", "paren"))
        if form == "number_label":
            return f"{value} - {label}"
        if form == "label":
            return label
        if form == "label_lower":
            return label.lower()
        if form == "paren":
            return f"{value} ({label})"
        return str(value)

    def unreadable_rating(self) -> str:
        """An answer in a rating cell that is not a score (cleared, row kept)."""
        return self.pick(self.words["unreadable_rating"])

    # --- names -----------------------------------------------------------------------------
    def organisation(self, canonical: str, usual: str, messy: bool) -> str:
        """Write an organisation: its usual (2019) name, or (messy) an alias or a typo."""
        if not messy:
            return usual
        aliases = self.org_aliases.get(canonical, [])
        if self.chance(0.25):
            typo = self.typo([usual, *aliases])
            if typo is not None:
                return typo
        if aliases and self.chance(0.85):
            return self.pick(aliases)
        return _case_variant(usual, int(self.rng.integers(2)))

    def typo(self, names: list[str]) -> str | None:
        """One slip of the keyboard in a long word of a long name, or ``None``.

        The slip (a letter dropped, doubled or two letters swapped) is made inside a word of
        six letters or more, never in digits or short words, so the name stays readable.
        """
        candidates = [
            n for n in names if len(n) >= 12 and any(len(w) >= 6 and w.isalpha() for w in n.split())
        ]
        if not candidates:
            return None
        name = self.pick(sorted(candidates))
        words = name.split()
        long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        index = self.pick(long_words)
        word = words[index]
        at = int(self.rng.integers(2, len(word) - 1))
        kind = self.pick(("drop", "double", "swap"))
        if kind == "drop":
            word = word[:at] + word[at + 1 :]
        elif kind == "double":
            word = word[:at] + word[at] + word[at:]
        else:
            word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
        words[index] = word
        result = " ".join(words)
        if fold(result) in self.known_org_keys or result == name:
            return None
        self.typos_made += 1
        return result

    def whitespace(self, text: str) -> str:
        """The same text with stray spaces (trailing, leading or doubled)."""
        form = self.pick(("trail", "lead", "double"))
        if form == "trail":
            return text + "  "
        if form == "lead":
            return " " + text
        return text.replace(" ", "  ", 1) if " " in text else text + " "

    # --- answers ---------------------------------------------------------------------------
    def replacement(self, answer: str | None, year: int | None, messy: bool) -> object:
        """Write "Replacement planned": "Yes - 2021", "No", "Considering", or variants."""
        if answer is None:
            return None
        if year is None:
            if not messy:
                return answer
            variants = {
                "Yes": ("yes", "Y", "YES"),
                "No": ("no", "N", "NO"),
                "Considering": ("considering", "Maybe", "Under review", "possibly"),
            }
            return self.pick(variants[answer])
        if not messy:
            return f"{answer} - {year}"
        form = self.pick(("paren", "comma", "space", "fy", "year_only"))
        if form == "paren":
            return f"{answer} ({year})"
        if form == "comma":
            return f"{answer}, {year}"
        if form == "fy":
            return f"{answer} - {year}/{(year + 1) % 100:02d}"
        if form == "year_only" and answer == "Yes":
            return str(year) if self.chance(0.5) else year
        return f"{answer} {year}"

    def links(self, names: list[str], messy: bool) -> str | None:
        """Join names for "Integrates with": "; " normally, "," or new lines when messy."""
        if not names:
            return None
        if not messy:
            return "; ".join(names)
        separator = self.pick((", ", "\n", ";", " ; ", ",\n"))
        return separator.join(names)
