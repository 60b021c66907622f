"""The synthetic 2019 survey: a seeded "true London", the returns it would produce, and the truth.

The real 2019 City Tools: London returns are not public, so the pipeline is built and tested
on a synthetic round. :func:`generate_survey` builds a true London from the reference data
and the scenario in ``data/raw/synthetic/`` (:mod:`.synth_scenario`: shared arrangements,
2019 company names, typical costs, the patterns it plants): which authorities respond, which
product runs in which service area, contracts, costs, suppliers, ratings, integrations,
skills, maturity. The world is calibrated to what the 2019 release published (about 22
respondents and 809 systems; ten suppliers hold more than half of the systems; authorities
with more suppliers are less satisfied). It then writes one workbook per responding
authority, typed the way people type (see :mod:`.synth_mess`), and writes the truth: what a
perfect cleaning of those workbooks must give, so that recovery can be measured
(:mod:`.recovery`). The truth lives outside ``data/raw/``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from citytools_analysis.core.paths import REFERENCE_DIR
from citytools_analysis.core.reference import Reference, fold, load_reference
from citytools_analysis.synth.mess import Typist
from citytools_analysis.synth.registers import generate_registers
from citytools_analysis.synth.spend import generate_spend
from citytools_analysis.synth.scenario import SCENARIO_DIR, Arrangement, Scenario, load_scenario

#: The survey round and its snapshot date (the "as of" date of every chapter).
ROUND = "2019"
SNAPSHOT_DATE = dt.date(2019, 9, 30)
#: Fixed document times, so the same seed writes the same workbook content.
DOCUMENT_TIME = dt.datetime(2019, 9, 30, 12, 0, 0)

#: Calibration to what the 2019 release published: respondents and systems mapped.
RESPONDING_AUTHORITIES = 22
SYSTEMS_MAPPED = 809

#: Share of data rows a person types untidily (one to three cells of the row).
MESSY_ROW_SHARE = 0.11
#: Per workbook, the chance of each kind of row that the format rejects.
DUPLICATE_ROW_CHANCE = 0.45
INVALID_ROW_CHANCE = 0.5

# The scenario (shared arrangements, 2019 names, cost medians, planted patterns, word lists)
# is data: data/raw/synthetic/, read and checked against the reference by .synth_scenario.

SYSTEMS_COLUMNS = [
    "system_id", "gss_code", "responded", "service_area", "function", "product", "manufacturer",
    "supplier", "system_type", "hosting", "contract_start", "contract_end", "contract_end_status",
    "term", "annual_cost_gbp", "value_for_money", "satisfaction", "replacement_planned",
    "replacement_year", "arrangement",
]
TRUTH_SYSTEM_COLUMNS = [
    "source_file", "source_row", "system_id", "gss_code", "service_area", "function", "product",
    "manufacturer", "supplier", "system_type", "hosting", "contract_start", "contract_end",
    "contract_end_status", "annual_cost_gbp", "value_for_money", "satisfaction",
    "replacement_planned", "replacement_year",
]


@dataclass
class TrueSystem:
    """One system in use at an authority, as it really is."""

    system_id: str
    gss_code: str
    service_area: str
    function: str
    product: str
    manufacturer: str
    supplier: str
    system_type: str
    hosting: str | None
    contract_start: dt.date | None
    contract_end: dt.date | None
    contract_end_status: str
    term: str
    annual_cost_gbp: float | None
    value_for_money: int | None = None
    satisfaction: int | None = None
    replacement_planned: str | None = None
    replacement_year: int | None = None
    arrangement: str = ""
    links: list[str] = field(default_factory=list)  # system_ids this system names
    external_links: list[str] = field(default_factory=list)


@dataclass
class TrueAuthority:
    """An authority of the true London, with what it would say in a return."""

    gss_code: str
    name: str
    short_name: str
    kind: str
    abbreviation: str
    synonyms: list[str]
    responded: bool
    size: float
    consolidation: float
    reseller_use: float
    capability: float
    systems: list[TrueSystem] = field(default_factory=list)
    skills: dict[str, tuple[int, float, bool]] = field(default_factory=dict)
    maturity: dict[str, int] = field(default_factory=dict)


@dataclass
class TrueLondon:
    """The whole synthetic world: authorities, their systems and the planted patterns."""

    authorities: list[TrueAuthority]
    scenario: dict


# ------------------------------------------------------------------------------------------
# building the true London
# ------------------------------------------------------------------------------------------


class _WorldBuilder:
    def __init__(self, reference: Reference, rng: np.random.Generator, scenario: Scenario) -> None:
        self.ref = reference
        self.rng = rng
        self.scenario = scenario
        products = reference.products
        self.manufacturer = dict(zip(products["product"], products["manufacturer"]))
        self.products_by_area: dict[str, list[str]] = {}
        for product, area in zip(products["product"], products["service_area"]):
            self.products_by_area.setdefault(area, []).append(product)
        maker_size = Counter(products["manufacturer"])
        # A London-wide market: bigger catalogues sell more, with a seeded share per product.
        self.market_weight = {
            p: maker_size[m] ** 0.9 * float(rng.lognormal(0.0, 0.6))
            for p, m in sorted(self.manufacturer.items())
        }
        self.cloud_propensity = {p: float(rng.beta(1.5, 3.0)) for p in sorted(self.manufacturer)}
        self.partners = self._partners()
        self.outsourcers = sorted(
            o for o in reference.organisations["organisation"]
            if o not in set(self.manufacturer.values()) and o not in {
                org for orgs in self.partners.values() for org in orgs}
        )
        self.default_type = reference.default_system_type

    def _partners(self) -> dict[str, list[str]]:
        """Manufacturer → resellers and integrators named in the organisations' history."""
        orgs = self.ref.organisations
        makers = set(self.manufacturer.values())
        partners: dict[str, list[str]] = {}
        for organisation, history in zip(orgs["organisation"], orgs["history"]):
            if organisation in makers or not history:
                continue
            words = f" {fold(history)} "
            for product, maker in sorted(self.manufacturer.items()):
                if f" {fold(maker)} " in words or f" {fold(product)} " in words:
                    if organisation not in partners.setdefault(maker, []):
                        partners[maker].append(organisation)
        return partners

    # --- authorities --------------------------------------------------------------------
    def authorities(self, n_respondents: int, arrangements: list[Arrangement]) -> list[TrueAuthority]:
        frame = self.ref.authorities
        if n_respondents > len(frame):
            raise ValueError(
                f"{n_respondents} responding authorities asked for, but the reference lists "
                f"only {len(frame)}: a larger survey needs a reference folder with more authorities"
            )
        codes = list(frame["gss_code"])
        forced: list[str] = [c for c, k in zip(codes, frame["kind"]) if k == "gla"][:1]
        for arrangement in arrangements:
            members = self._member_codes(arrangement)
            need = min(arrangement.min_respondents, len(members)) - sum(m in forced for m in members)
            free = sorted(m for m in members if m not in forced)
            if need > 0:
                forced.extend(str(c) for c in self.rng.choice(free, size=need, replace=False))
        forced = forced[:n_respondents]
        others = sorted(set(codes) - set(forced))
        extra = self.rng.choice(others, size=max(0, n_respondents - len(forced)), replace=False)
        responding = set(forced) | {str(c) for c in extra}
        result = []
        for row in frame.itertuples():
            size = 0.55 if row.kind == "gla" else float(self.rng.lognormal(0.0, 0.18))
            result.append(TrueAuthority(
                gss_code=row.gss_code, name=row.name, short_name=row.short_name, kind=row.kind,
                abbreviation=row.abbreviation,
                synonyms=[s for s in str(row.synonyms).split("|") if s],
                responded=row.gss_code in responding, size=size,
                consolidation=float(self.rng.beta(2.0, 2.0)),
                reseller_use=float(self.rng.uniform(0.02, 0.3)),
                capability=float(self.rng.normal()),
            ))
        return result

    @staticmethod
    def _member_codes(arrangement: Arrangement) -> list[str]:
        return list(arrangement.members)

    # --- systems ------------------------------------------------------------------------
    def areas_of(self, authority: TrueAuthority) -> list[str]:
        areas = list(self.ref.service_areas["service_area"])
        if authority.kind == "gla":
            return [a for a in areas if self.default_type[a] == "Corporate"
                    or a in self.scenario.gla_frontline_areas]
        return areas

    def system_counts(self, authority: TrueAuthority, total: int) -> dict[str, int]:
        areas = self.areas_of(authority)
        breadth = np.array([
            1.0 + 0.5 * len(self.products_by_area.get(a, [])) + 0.4 * len(
                self.ref.service_area_names.canonical_to_synonyms[a]) for a in areas])
        if total <= len(areas):
            chosen = self.rng.choice(len(areas), size=total, replace=False, p=breadth / breadth.sum())
            return {areas[i]: 1 for i in sorted(chosen)}
        counts = dict.fromkeys(areas, 1)
        extra = self.rng.multinomial(total - len(areas), breadth / breadth.sum())
        for area, more in zip(areas, extra):
            counts[area] += int(more)
        return counts

    def functions(self, area: str, k: int) -> list[str]:
        stems = {word[:3] for word in fold(area).split() if word != "and"}

        def variant(name: str) -> bool:  # "Revs and Bens" is a name of the area, not a function
            words = [word for word in fold(name).split() if word != "and"]
            return any(word[:3] in stems for word in words) or (name.isupper() and len(name) <= 5)

        candidates = [s for s in self.ref.service_area_names.canonical_to_synonyms[area]
                      if not variant(s)]
        generic = self.scenario.words["generic_function"]
        order = list(self.rng.permutation(len(candidates))) if candidates else []
        chosen = [candidates[i] for i in order] + [
            generic[i] for i in self.rng.permutation(len(generic))]
        names = chosen[:k]
        while len(names) < k:
            names.append(f"{area} {len(names) + 1}")
        return names

    def pick_product(self, authority: TrueAuthority, area: str, preferred: set[str],
                     used: dict[str, str]) -> str:
        lender_rule = self.scenario.borrowed_areas.get(area)
        if lender_rule is not None:
            lenders, chance = lender_rule
            borrowed = [used[a] for a in lenders if a in used]
            if borrowed and self.rng.random() < chance:
                return borrowed[0]
        candidates = sorted(self.products_by_area.get(area, []))
        if not candidates:
            candidates = sorted(self.manufacturer)
        loyal = [p for p in candidates if self.manufacturer[p] in preferred]
        if loyal and self.rng.random() < authority.consolidation:
            candidates = loyal
        weights = np.array([self.market_weight[p] for p in candidates])
        return candidates[int(self.rng.choice(len(candidates), p=weights / weights.sum()))]

    def supplier_for(self, authority: TrueAuthority, product: str) -> str:
        maker = self.manufacturer[product]
        if self.rng.random() >= authority.reseller_use:
            return maker
        partners = self.partners.get(maker, [])
        if partners and self.rng.random() < 0.8:
            return partners[int(self.rng.integers(len(partners)))]
        if self.outsourcers and self.rng.random() < 0.4:
            return self.outsourcers[int(self.rng.integers(len(self.outsourcers)))]
        return maker

    def contract(self, area: str) -> tuple[dt.date | None, dt.date | None, str, str]:
        terms = (self.scenario.long_contract_terms if area in self.scenario.long_contract_areas
                 else self.scenario.contract_terms)
        weights = np.array([t.weight for t in terms])
        chosen = terms[int(self.rng.choice(len(terms), p=weights / weights.sum()))]
        years, label = chosen.years, chosen.term
        months_ago = int(self.rng.integers(0, years * 12 + 18))
        month_index = SNAPSHOT_DATE.year * 12 + SNAPSHOT_DATE.month - 1 - months_ago
        if self.rng.random() < 0.45:  # many contracts start with the financial year
            month_index -= (month_index % 12 - 3) % 12
        start = dt.date(month_index // 12, month_index % 12 + 1, 1)
        end = dt.date(start.year + years, start.month, 1) - dt.timedelta(days=1)
        status = "date"
        if end < SNAPSHOT_DATE and self.rng.random() < 0.45:
            status, end = "rolling", None
        roll = self.rng.random()
        if status == "date" and roll < 0.04:
            status, end = "rolling", None
        elif status == "date" and roll < 0.09:
            status, end = "unknown", None
        if self.rng.random() < 0.06:
            start = None
        return start, end, status, label

    def cost(self, authority: TrueAuthority, area: str, secondary: bool) -> float | None:
        if self.rng.random() < 0.07:
            return None
        median = self.scenario.cost_median_gbp.get(
            area, self.scenario.default_cost_median_gbp[self.default_type[area]])
        value = median * authority.size ** 0.7 * float(self.rng.lognormal(0.0, 0.45))
        if secondary:
            value *= 0.35
        roll = self.rng.random()
        if roll < 0.8:
            return float(round(value, -3 if value >= 20_000 else -2))
        if roll < 0.95:
            return float(round(value))
        return round(value, 2)

    def hosting(self, product: str) -> str | None:
        if self.rng.random() < 0.04:
            return None
        cloud = self.cloud_propensity[product]
        hosting = self.scenario.hosting_weights
        weights = np.array([cloud if w == "cloud" else 1.0 - cloud if w == "not_cloud" else w
                            for _, w in hosting])
        return hosting[int(self.rng.choice(len(hosting), p=weights / weights.sum()))][0]

    def build_systems(self, authority: TrueAuthority, total: int,
                      arrangements: list[tuple[Arrangement, list[str]]]) -> None:
        counts = self.system_counts(authority, total)
        makers = sorted(set(self.manufacturer.values()))
        weights = np.array([sum(self.market_weight[p] for p, m in self.manufacturer.items() if m == mk)
                            for mk in makers])
        preferred = {makers[i] for i in self.rng.choice(len(makers), size=3, replace=False,
                                                          p=weights / weights.sum())}
        shared = {a.service_area: a for a, members in arrangements if authority.gss_code in members}
        used: dict[str, str] = {}
        number = 0
        for area, k in counts.items():
            functions = self.functions(area, k)
            primary: TrueSystem | None = None
            for index in range(k):
                number += 1
                system_id = f"{authority.gss_code}-S{number:03d}"
                arrangement = shared.get(area) if index == 0 else None
                if arrangement is not None:
                    product, supplier = arrangement.product, arrangement.supplier
                    start, end, status, term = arrangement.start, arrangement.end, "date", "shared"
                    cost = arrangement.annual_cost_gbp
                elif primary is not None and self.rng.random() < 0.5:
                    # another module of the same product (e.g. Council Tax and Benefits)
                    product, supplier = primary.product, primary.supplier
                    start, end, status, term = self.contract(area)
                    if self.rng.random() < 0.7:
                        start, end, status, term = (primary.contract_start, primary.contract_end,
                                                    primary.contract_end_status, primary.term)
                    cost = self.cost(authority, area, secondary=True)
                else:
                    product = self.pick_product(authority, area, preferred, used)
                    supplier = self.supplier_for(authority, product)
                    start, end, status, term = self.contract(area)
                    cost = self.cost(authority, area, secondary=index > 0)
                default = self.default_type[area]
                flip = "Corporate" if default == "Frontline" else "Frontline"
                system = TrueSystem(
                    system_id=system_id, gss_code=authority.gss_code, service_area=area,
                    function=functions[index], product=product,
                    manufacturer=self.manufacturer[product], supplier=supplier,
                    system_type=flip if self.rng.random() < 0.05 else default,
                    hosting=(primary.hosting if primary is not None and primary.product == product
                             and self.rng.random() < 0.85 else self.hosting(product)),
                    contract_start=start, contract_end=end,
                    contract_end_status=status, term=term, annual_cost_gbp=cost,
                    arrangement=arrangement.name if arrangement else "",
                )
                if primary is None:
                    primary = system
                    used.setdefault(area, product)
                authority.systems.append(system)

    def ratings(self, authorities: list[TrueAuthority], clusters: dict[str, list[str]]) -> None:
        """Satisfaction falls with the number of suppliers; planted clusters rate ≤ 2."""
        counts = np.array([len({s.supplier for s in a.systems}) for a in authorities], dtype=float)
        centre, spread = counts.mean(), counts.std() or 1.0
        for authority, count in zip(authorities, counts):
            base = 3.9 - 0.25 * (count - centre) / spread + float(self.rng.normal(0.0, 0.15))
            low_areas = {area for area, codes in clusters.items() if authority.gss_code in codes}
            for system in authority.systems:
                if system.service_area in low_areas:
                    sat = int(self.rng.choice([1, 2, 2]))
                elif self.rng.random() < 0.012:  # the odd system nobody likes
                    sat = int(self.rng.choice([1, 2]))
                else:  # otherwise poor ratings are rare: clusters stand out
                    sat = int(np.clip(round(base + float(self.rng.normal(0.0, 0.6))), 3, 5))
                vfm = int(np.clip(round(sat + float(self.rng.normal(-0.2, 0.7))), 1, 5))
                if self.rng.random() < 0.05:
                    sat = None  # type: ignore[assignment]
                if self.rng.random() < 0.06:
                    vfm = None  # type: ignore[assignment]
                system.satisfaction, system.value_for_money = sat, vfm
                self.replacement(system)

    def replacement(self, system: TrueSystem) -> None:
        if self.rng.random() < 0.08:
            return
        ending_soon = (system.contract_end is not None
                       and system.contract_end <= SNAPSHOT_DATE + dt.timedelta(days=730))
        unhappy = system.satisfaction is not None and system.satisfaction <= 2
        p_yes = 0.12 + 0.3 * ending_soon + 0.25 * unhappy
        roll = self.rng.random()
        if roll < p_yes:
            system.replacement_planned = "Yes"
            if system.contract_end is not None and system.contract_end.year >= SNAPSHOT_DATE.year:
                system.replacement_year = system.contract_end.year
            elif self.rng.random() < 0.8:
                system.replacement_year = SNAPSHOT_DATE.year + int(self.rng.integers(1, 4))
        elif roll < p_yes + 0.15:
            system.replacement_planned = "Considering"
            if self.rng.random() < 0.3:
                system.replacement_year = SNAPSHOT_DATE.year + int(self.rng.integers(1, 4))
        else:
            system.replacement_planned = "No"

    def integrations(self, authority: TrueAuthority) -> None:
        product_count = Counter(s.product for s in authority.systems)
        hubs = [s for s in authority.systems
                if s.service_area in self.scenario.integration_hub_areas
                and product_count[s.product] == 1]
        for system in authority.systems:
            targets = [h for h in hubs if h.product != system.product]
            if not targets or self.rng.random() > 0.45:
                continue
            k = int(min(len(targets), self.rng.integers(1, 4)))
            chosen = self.rng.choice(len(targets), size=k, replace=False)
            system.links = [targets[i].system_id for i in sorted(chosen)]
            if self.rng.random() < 0.08:
                external = self.scenario.words["external_system"]
                system.external_links = [external[int(self.rng.integers(len(external)))]]

    def skills_and_maturity(self, authority: TrueAuthority) -> None:
        for area in self.ref.skill_area_names.canonical:
            level = int(np.clip(round(2 + 0.8 * authority.capability + float(self.rng.normal(0, 0.9))), 0, 4))
            fte = 0.0 if level == 0 else float(round(
                self.rng.lognormal(math.log(0.8 + level * authority.size), 0.5) * 2) / 2)
            support = bool(self.rng.random() < {0: 0.0, 1: 0.0, 2: 0.15, 3: 0.7, 4: 0.85}[level])
            authority.skills[area] = (level, fte, support)
        for dimension in self.ref.maturity_dimension_names.canonical:
            authority.maturity[dimension] = int(np.clip(
                round(3 + 0.7 * authority.capability + float(self.rng.normal(0, 0.7))), 1, 5))


def build_london(
    reference: Reference,
    rng: np.random.Generator,
    *,
    n_respondents: int = RESPONDING_AUTHORITIES,
    systems_per_respondent: float = SYSTEMS_MAPPED / RESPONDING_AUTHORITIES,
    scenario: Scenario | None = None,
) -> TrueLondon:
    """Build the true London: authorities, systems, ratings, integrations, skills, maturity.

    Parameters
    ----------
    reference
        The reference data.
    rng
        The seeded random state.
    n_respondents
        How many authorities return the survey (the GLA, if listed, always does).
    systems_per_respondent
        Mean number of systems per authority; the responding ones together hold
        ``round(n_respondents * systems_per_respondent)`` systems.
    scenario
        The planted patterns (:func:`.synth_scenario.load_scenario`); ``None`` reads
        ``data/raw/synthetic/``.

    Returns
    -------
    TrueLondon
    """
    scenario = load_scenario(reference) if scenario is None else scenario
    builder = _WorldBuilder(reference, rng, scenario)
    arrangements = list(scenario.arrangements)  # every name checked against the reference
    authorities = builder.authorities(n_respondents, arrangements)
    codes = [a.gss_code for a in authorities if a.kind != "gla"]
    members: list[tuple[Arrangement, list[str]]] = []
    for arrangement in arrangements:
        fixed = builder._member_codes(arrangement)
        pool = sorted(set(codes) - set(fixed))
        drawn = rng.choice(pool, size=min(arrangement.random_members, len(pool)), replace=False)
        members.append((arrangement, fixed + [str(c) for c in drawn]))
    # Systems per authority: scaled so that the respondents hold the calibrated total.
    responding = [a for a in authorities if a.responded]
    target = round(len(responding) * systems_per_respondent)
    sizes = np.array([a.size for a in responding])
    shares = sizes / sizes.sum() * target
    counts = np.floor(shares).astype(int)
    for i in np.argsort(-(shares - counts))[: target - counts.sum()]:
        counts[i] += 1
    per_authority = dict(zip([a.gss_code for a in responding], counts))
    mean_size = sizes.mean()
    for authority in authorities:
        total = per_authority.get(authority.gss_code)
        if total is None:
            total = max(5, round(systems_per_respondent * authority.size / mean_size))
        builder.build_systems(authority, int(total), members)
    frontline = sorted(a for a, t in builder.default_type.items() if t == "Frontline"
                       and a not in scenario.underperforming_areas)
    cluster_areas = list(scenario.underperforming_areas)
    cluster_areas.append(frontline[int(rng.integers(len(frontline)))])
    clusters: dict[str, list[str]] = {}
    for area in cluster_areas:
        having = sorted(a.gss_code for a in responding if any(s.service_area == area for s in a.systems))
        size = min(len(having), int(rng.integers(5, 8)))
        clusters[area] = sorted(str(c) for c in rng.choice(having, size=size, replace=False))
    builder.ratings(authorities, clusters)
    for authority in authorities:
        builder.integrations(authority)
        builder.skills_and_maturity(authority)
    planted = {
        "snapshot_date": SNAPSHOT_DATE.isoformat(),
        "shared_arrangements": [
            {"name": a.name, "product": a.product, "service_area": a.service_area,
             "supplier": a.supplier, "contract_start": a.start.isoformat(),
             "contract_end": a.end.isoformat(), "annual_cost_gbp": a.annual_cost_gbp,
             "authorities": sorted(m)}
            for a, m in members
        ],
        "underperformance_clusters": [
            {"service_area": area, "authorities": codes, "satisfaction_at_most": 2}
            for area, codes in clusters.items()
        ],
    }
    return TrueLondon(authorities, planted)


# ------------------------------------------------------------------------------------------
# writing the returns
# ------------------------------------------------------------------------------------------


@dataclass
class _Row:
    """One data row to write: raw cells by field, and what it must become."""

    cells: dict[str, object]
    outcome: str  # kept / rejected
    reason: str = ""
    truth: dict | None = None
    messy: bool = False
    links: list[tuple[str, str]] = field(default_factory=list)  # (name written, system_id or "")


class _ReturnWriter:
    def __init__(self, reference: Reference, rng: np.random.Generator, typist: Typist,
                 scenario: Scenario) -> None:
        self.ref = reference
        self.rng = rng
        self.typist = typist
        self.scenario = scenario
        self.default_type = reference.default_system_type
        self.area_synonyms = reference.service_area_names.canonical_to_synonyms
        self.hosting_synonyms = reference.hosting_names.canonical_to_synonyms
        self.type_synonyms = reference.system_type_names.canonical_to_synonyms
        self.skill_synonyms = reference.skill_area_names.canonical_to_synonyms
        self.dimension_synonyms = reference.maturity_dimension_names.canonical_to_synonyms
        self.rating_labels = reference.rating_scale
        self.domain = "example"
        self.level_labels = reference.skill_levels
        self.names_2019 = scenario.names_2019  # each an alias of its organisation (checked)

    def usual_name(self, organisation: str) -> str:
        return self.names_2019.get(organisation, organisation)

    # --- one Systems row ----------------------------------------------------------------
    def system_row(self, system: TrueSystem, written_as: dict[str, str], columns: set[str]) -> _Row:
        t, rng = self.typist, self.rng
        messy = t.chance(MESSY_ROW_SHARE)
        ops: set[str] = set()
        if messy:
            menu = ["service_area", "contract_start", "contract_end", "annual_cost", "ratings",
                    "manufacturer", "supplier", "product", "hosting", "system_type",
                    "replacement", "integrates_with", "whitespace", "unreadable"]
            weights = np.array([1.2, 1.0, 1.2, 1.4, 1.0, 1.0, 1.4, 1.0, 0.8, 0.8, 0.8, 0.5, 0.5, 0.35])
            k = int(rng.choice([1, 2, 3, 4], p=[0.35, 0.35, 0.2, 0.1]))
            ops = {menu[i] for i in rng.choice(len(menu), size=k, replace=False, p=weights / weights.sum())}
        truth: dict = {}
        cells: dict[str, object] = {}
        area = system.service_area
        cells["service_area"] = (t.choice(area, self.area_synonyms[area]) if "service_area" in ops
                                 else area)
        truth["service_area"] = area
        cells["function"] = system.function if "function" in columns else None
        truth["function"] = system.function if "function" in columns else ""
        product_text = written_as[system.system_id]
        if "whitespace" in ops:
            product_text = t.whitespace(product_text)
        cells["product"] = product_text
        truth["product"] = system.product
        cells["manufacturer"] = t.organisation(system.manufacturer, self.usual_name(system.manufacturer),
                                               "manufacturer" in ops)
        truth["manufacturer"] = system.manufacturer
        if "supplier" in ops and system.supplier == system.manufacturer and t.chance(0.6):
            cells["supplier"] = None
        else:
            cells["supplier"] = t.organisation(system.supplier, self.usual_name(system.supplier),
                                               "supplier" in ops)
        truth["supplier"] = system.supplier
        default = self.default_type[area]
        if "system_type" not in columns:
            cells["system_type"], truth["system_type"] = None, default
        elif "system_type" in ops and system.system_type == default and t.chance(0.6):
            cells["system_type"], truth["system_type"] = None, default
        elif "system_type" in ops:
            cells["system_type"] = t.choice(system.system_type, self.type_synonyms[system.system_type])
            truth["system_type"] = system.system_type
        else:
            cells["system_type"], truth["system_type"] = system.system_type, system.system_type
        if "hosting" not in columns or system.hosting is None:
            cells["hosting"], truth["hosting"] = None, None
        else:
            cells["hosting"] = (t.choice(system.hosting, self.hosting_synonyms[system.hosting])
                                if "hosting" in ops else system.hosting)
            truth["hosting"] = system.hosting
        unreadable = t.pick(("cost", "start", "end", "rating")) if "unreadable" in ops else ""
        if unreadable == "start" and system.contract_start is not None:
            cells["contract_start"], truth["contract_start"] = t.unreadable_date(), None
        else:
            cells["contract_start"], truth["contract_start"] = t.date(
                system.contract_start, "start", "contract_start" in ops)
        if unreadable == "end" and system.contract_end_status == "date":
            cells["contract_end"] = t.unreadable_date()
            truth["contract_end"], truth["contract_end_status"] = None, "unknown"
        else:
            cell, meant, status = t.contract_end(system.contract_end, system.contract_end_status,
                                                 "contract_end" in ops)
            cells["contract_end"], truth["contract_end"], truth["contract_end_status"] = cell, meant, status
        if unreadable == "cost":
            cells["annual_cost_gbp"], truth["annual_cost_gbp"] = t.unreadable_cost(), None
        else:
            cells["annual_cost_gbp"], truth["annual_cost_gbp"] = t.money(
                system.annual_cost_gbp, "annual_cost" in ops)
        for column in ("value_for_money", "satisfaction"):
            value = getattr(system, column)
            cells[column] = t.scale(value, self.rating_labels, "ratings" in ops)
            truth[column] = value
        if unreadable == "rating":
            cells["satisfaction"], truth["satisfaction"] = t.unreadable_rating(), None
        cells["replacement_planned"] = t.replacement(system.replacement_planned, system.replacement_year,
                                                     "replacement" in ops)
        truth["replacement_planned"] = system.replacement_planned
        truth["replacement_year"] = system.replacement_year
        links = [(written_as[target], target) for target in system.links]
        links += [(name, "") for name in system.external_links]
        if "integrates_with" in columns:
            cells["integrates_with"] = t.links([name for name, _ in links], "integrates_with" in ops)
        else:
            links = []
        if "notes" in columns and t.chance(0.09):
            cells["notes"] = self.note()
        elif system.arrangement and "notes" in columns:
            cells["notes"] = f"Shared arrangement: {system.arrangement}"
        else:
            cells["notes"] = None
        renamed = product_text != system.product
        return _Row(cells, "kept", truth=truth, messy=bool(ops) or renamed, links=links)

    def note(self) -> str:
        """A free-text note; most name a (fictional) person, as real notes do."""
        person = self.typist.person(self.domain)
        first = person.name.split()[0]
        templates = (
            f"Contract managed by {person.name} ({person.email})",
            f"Call {person.name} on {person.phone} for details",
            f"Renewal under review - speak to {first}",
            f"{person.name} is system owner",
            "Due for re-procurement; options appraisal under way",
            "Licences reduced last year",
        )
        return self.typist.pick(templates)

    def invalid_row(self, columns: set[str]) -> _Row:
        """A row the format rejects: blank System or Service area, or an unknown area."""
        t = self.typist
        area = t.pick(sorted(self.area_synonyms))
        product = t.pick(sorted(self.ref.products["product"]))
        kind = t.pick(("missing_system", "missing_area", "unknown_area"))
        cells: dict[str, object] = {c: None for c in columns}
        cells.update({"service_area": area, "product": product,
                      "annual_cost_gbp": int(t.rng.integers(5, 90)) * 1000})
        if kind == "missing_system":
            cells["product"] = None
            cells["notes"] = "System name to follow" if "notes" in columns else None
            return _Row(cells, "rejected", "missing_required")
        if kind == "missing_area":
            cells["service_area"] = None
            return _Row(cells, "rejected", "missing_required")
        # not in the taxonomy (checked when the scenario is read)
        cells["service_area"] = t.pick(self.scenario.words["unknown_service_area"])
        return _Row(cells, "rejected", "unknown_service_area")

    # --- signature: rows the cleaner must keep apart ---------------------------------------
    @staticmethod
    def signature(row: _Row) -> tuple:
        truth = dict(row.truth or {})
        return tuple(sorted((k, str(v)) for k, v in truth.items())) + (
            tuple(fold(name) for name, _ in row.links),)


def _layout_systems(reference: Reference, typist: Typist) -> tuple[list[str], dict[str, str], set[str]]:
    """Choose this return's Systems columns: order, header text, optional columns dropped."""
    columns = reference.survey_columns[reference.survey_columns.sheet == "Systems"]
    fields = list(columns["field"])
    dropped = set()
    for optional, chance in (("function", 0.12), ("notes", 0.15), ("hosting", 0.05),
                             ("system_type", 0.06)):
        if typist.chance(chance):
            dropped.add(optional)
    fields = [f for f in fields if f not in dropped]
    if typist.chance(0.3):  # someone moved a few columns about
        for _ in range(int(typist.rng.integers(1, 4))):
            i, j = (int(x) for x in typist.rng.choice(len(fields), size=2, replace=False))
            fields[i], fields[j] = fields[j], fields[i]
    messy_headers = typist.chance(0.45)
    headers = {}
    for row in columns.itertuples():
        synonyms = [s for s in str(row.synonyms).split("|") if s]
        headers[row.field] = typist.header(row.header, synonyms, messy_headers and typist.chance(0.35))
    return fields, headers, set(fields)


def _sheet_title(typist: Typist, canonical: str) -> str:
    if typist.chance(0.15):
        return typist.pick((canonical.upper(), canonical.lower(), f"{canonical} "))
    return canonical


def _write_sheet(workbook: Workbook, title: str, rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    for values in rows:
        sheet.append(values)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/mm/yyyy"


def _blank_rows(typist: Typist, rows: list[list], width: int) -> list[list]:
    """Sprinkle a few blank rows (not data rows) between the data rows."""
    out = []
    for values in rows:
        if typist.chance(0.025):
            out.append([None] * width)
        out.append(values)
    return out


def _iso(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _write_return(
    authority: TrueAuthority,
    writer: _ReturnWriter,
    typist: Typist,
    out_dir: Path,
    file_name: str,
    truth: dict[str, list[dict]],
) -> tuple[int, int]:
    """Write one authority's workbook; append its truth rows. Return (data rows, messy rows)."""
    reference = writer.ref
    rng = typist.rng
    domain = fold(authority.short_name).replace(" ", "") + ".example"
    writer.domain = domain
    respondent = typist.person(domain)
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.created = DOCUMENT_TIME
    workbook.properties.modified = DOCUMENT_TIME
    workbook.properties.creator = "City Tools survey"
    workbook.properties.lastModifiedBy = "City Tools survey"
    if typist.chance(0.35):
        _write_sheet(workbook, "Instructions", [
            ["City Tools: London survey 2019"],
            ["Please fill in one row per IT system in use, one workbook per authority."],
            ["Sheets: Respondent, Systems, Skills, Maturity."],
        ])
    # --- Respondent ---
    labels = {row.field: [row.label, *[s for s in str(row.synonyms).split("|") if s]]
              for row in reference.respondent_items.itertuples()}

    def label(field_name: str) -> str:
        return typist.pick(labels[field_name]) if typist.chance(0.3) else labels[field_name][0]

    forms = [authority.name, authority.short_name, *authority.synonyms]
    authority_text = typist.pick(forms)
    completed = SNAPSHOT_DATE - dt.timedelta(days=int(rng.integers(3, 80)))
    completed_cell = typist.pick((dt.datetime(completed.year, completed.month, completed.day),
                                  completed.strftime("%d/%m/%Y"), completed.isoformat()))
    respondent_rows: list[list] = []
    if typist.chance(0.6):
        respondent_rows += [[typist.pick(writer.scenario.words["title"])], [None]]
    respondent_rows += [
        [label("authority"), authority_text],
        [label("completed_by"), respondent.name],
        [label("role"), respondent.role],
        [label("email"), respondent.email],
        [label("phone"), respondent.phone],
        [label("date_completed"), completed_cell],
    ]
    _write_sheet(workbook, _sheet_title(typist, "Respondent"), respondent_rows)
    truth["returns"].append({
        "gss_code": authority.gss_code, "source_file": file_name, "authority_written": authority_text,
        "completed_by": respondent.name, "email": respondent.email, "phone": respondent.phone,
        "date_completed": completed.isoformat(),
    })
    # --- Systems ---
    fields, headers, columns = _layout_systems(reference, typist)
    extra_headers: list[str] = []
    if typist.chance(0.15):
        extra_headers.append("Business owner")
    if typist.chance(0.15):
        extra_headers.append("Contract reference")
    order = sorted(authority.systems, key=lambda s: (list(writer.default_type).index(s.service_area),
                                                     s.system_id))
    product_count = Counter(s.product for s in authority.systems)
    written_as: dict[str, str] = {}
    for system in order:
        aliases = typist.product_aliases.get(system.product, [])
        arrangement = writer.scenario.arrangement(system.arrangement)
        if arrangement is not None and arrangement.known_as:
            written_as[system.system_id] = arrangement.known_as
        elif aliases and product_count[system.product] == 1 and typist.chance(0.12):
            written_as[system.system_id] = typist.pick(sorted(aliases))
        else:
            written_as[system.system_id] = system.product
    rows: list[_Row] = []
    seen: set[tuple] = set()
    for system in order:
        row = writer.system_row(system, written_as, columns)
        if writer.signature(row) in seen:  # two rows the cleaner could not tell apart
            system.annual_cost_gbp = (system.annual_cost_gbp or 0.0) + 1000.0
            row = writer.system_row(system, written_as, columns)
        seen.add(writer.signature(row))
        row.truth["system_id"] = system.system_id
        for extra in extra_headers:  # columns the format ignores (one holds a person's name)
            if extra == "Business owner":
                row.cells[extra] = typist.person(domain).name if typist.chance(0.6) else None
            else:
                row.cells[extra] = f"CT-{int(rng.integers(2012, 2020))}-{int(rng.integers(1, 999)):03d}"
        rows.append(row)
    if typist.chance(DUPLICATE_ROW_CHANCE):
        for _ in range(int(rng.integers(1, 3))):
            index = int(rng.integers(len(rows)))
            original = rows[index]
            if original.outcome != "kept":
                continue
            rows.insert(index + 1 + int(rng.integers(0, 3)),
                        _Row(dict(original.cells), "rejected", "duplicate", messy=True))
    if typist.chance(INVALID_ROW_CHANCE):
        for _ in range(int(rng.integers(1, 3))):
            rows.insert(int(rng.integers(len(rows) + 1)), writer.invalid_row(columns))
    title_rows: list[list] = []
    n_titles = int(rng.choice([0, 1, 2], p=[0.45, 0.35, 0.2]))
    for i in range(n_titles):
        title_rows.append([typist.pick(writer.scenario.words["title"]) if i == 0 else None])
    header_line = [headers[f] for f in fields] + extra_headers
    sheet_rows: list[list] = [*title_rows, header_line]
    body = []
    for row in rows:
        body.append([row.cells.get(f) for f in [*fields, *extra_headers]])
    body_with_blanks = _blank_rows(typist, body, len(header_line))
    sheet_rows.extend(body_with_blanks)
    systems_title = _sheet_title(typist, "Systems")
    _write_sheet(workbook, systems_title, sheet_rows)
    # Excel row numbers of the data rows (title rows, header, blanks counted).
    excel_rows = []
    number = len(title_rows) + 1
    body_ids = {id(v) for v in body}
    for values in body_with_blanks:
        number += 1
        if id(values) in body_ids:
            excel_rows.append(number)
    row_of_system: dict[str, int] = {}
    for row, excel_row in zip(rows, excel_rows):
        truth["truth_rows"].append({"source_file": file_name, "sheet": systems_title, "source_row": excel_row,
                              "outcome": row.outcome, "reason": row.reason})
        if row.outcome == "kept":
            row_of_system[row.truth["system_id"]] = excel_row
    for row, excel_row in zip(rows, excel_rows):
        if row.outcome != "kept":
            continue
        record = {"source_file": file_name, "source_row": excel_row, "gss_code": authority.gss_code}
        record.update({k: _iso(v) for k, v in row.truth.items()})
        record["replacement_year"] = _iso(row.truth["replacement_year"])
        truth["systems"].append(record)
        for name, target in row.links:
            truth["integrations"].append({
                "gss_code": authority.gss_code, "source_file": file_name, "source_row": excel_row,
                "linked_name": " ".join(name.split()),
                "linked_source_row": row_of_system.get(target, "") if target else "",
                "linked_system_id": target,
            })
    data_rows = len(rows)
    messy_rows = sum(r.messy or r.outcome == "rejected" for r in rows)
    # --- Skills and Maturity ---
    if typist.chance(0.9):
        n, m = _write_keyed_sheet(workbook, writer, typist, authority, file_name, truth, "Skills")
        data_rows, messy_rows = data_rows + n, messy_rows + m
    if typist.chance(0.88):
        n, m = _write_keyed_sheet(workbook, writer, typist, authority, file_name, truth, "Maturity")
        data_rows, messy_rows = data_rows + n, messy_rows + m
    workbook.save(out_dir / file_name)
    return data_rows, messy_rows


def _write_keyed_sheet(workbook, writer: _ReturnWriter, typist: Typist, authority: TrueAuthority,
                       file_name: str, truth: dict[str, list[dict]], sheet: str) -> tuple[int, int]:
    rng = typist.rng
    columns = writer.ref.survey_columns[writer.ref.survey_columns.sheet == sheet]
    messy_headers = typist.chance(0.25)
    header = [typist.header(h, [], messy_headers) for h in columns["header"]]
    rows: list[tuple[list, str, str, dict | None, bool]] = []  # values, outcome, reason, truth, messy
    if sheet == "Skills":
        for area, (level, fte, support) in authority.skills.items():
            messy = typist.chance(MESSY_ROW_SHARE)
            kinds = ["area", "level", "fte", "support"]
            ops = set(typist.rng.choice(kinds, size=2, replace=False)) if messy else set()
            area_text = typist.choice(area, writer.skill_synonyms[area]) if "area" in ops else area
            level_cell = typist.scale(level, writer.level_labels, "level" in ops)
            if "fte" in ops:
                fte_cell, fte_true = ((typist.pick(("none", "nil")), 0.0) if fte == 0
                                      else (f"{fte:g} FTE", fte))
            else:
                fte_cell, fte_true = fte, fte
            if "support" in ops:
                support_cell = typist.pick(("Y", "yes", "YES")) if support else typist.pick(("N", "no"))
            else:
                support_cell = "Yes" if support else "No"
            if "support" in ops and typist.chance(0.25):
                support_cell, support_true = None, None
            else:
                support_true = support
            rows.append(([area_text, level_cell, fte_cell, support_cell], "kept", "",
                         {"skill_area": area, "level": level, "staff_fte": fte_true,
                          "can_support": support_true}, messy))
        if typist.chance(0.12):
            rows.append((["Blockchain", 1, 0, "No"], "rejected", "unknown_skill_area", None, True))
        if typist.chance(0.08):
            index = int(rng.integers(len(rows)))
            values = list(rows[index][0])
            values[1] = "some"
            rows[index] = (values, "rejected", "invalid_required_value", None, True)
    else:
        for dimension, score in authority.maturity.items():
            messy = typist.chance(MESSY_ROW_SHARE)
            text = (typist.choice(dimension, writer.dimension_synonyms[dimension])
                    if messy and typist.chance(0.5) else dimension)
            cell = typist.scale(score, writer.rating_labels, messy)
            rows.append(([text, cell], "kept", "", {"dimension": dimension, "score": score}, messy))
    if typist.chance(0.1):
        index = int(rng.integers(len(rows)))
        if rows[index][1] == "kept":
            rows.insert(index + 1, (list(rows[index][0]), "rejected", "duplicate", None, True))
    title = _sheet_title(typist, sheet)
    sheet_rows: list[list] = []
    if typist.chance(0.3):
        sheet_rows.append([f"{sheet} self-assessment"])
    sheet_rows.append(header)
    first = len(sheet_rows) + 1
    for values, *_ in rows:
        sheet_rows.append(values)
    _write_sheet(workbook, title, sheet_rows)
    table = "skills" if sheet == "Skills" else "maturity"
    for offset, (values, outcome, reason, true_values, _messy) in enumerate(rows):
        excel_row = first + offset
        truth["truth_rows"].append({"source_file": file_name, "sheet": title, "source_row": excel_row,
                              "outcome": outcome, "reason": reason})
        if outcome == "kept":
            record = {"source_file": file_name, "source_row": excel_row, "gss_code": authority.gss_code}
            record.update({k: _iso(v) for k, v in true_values.items()})
            truth[table].append(record)
    return len(rows), sum(r[4] for r in rows)


# ------------------------------------------------------------------------------------------
# the public entry point
# ------------------------------------------------------------------------------------------


TRUTH_COLUMNS = {
    "truth_rows": ["source_file", "sheet", "source_row", "outcome", "reason"],
    "systems": TRUTH_SYSTEM_COLUMNS,
    "skills": ["source_file", "source_row", "gss_code", "skill_area", "level", "staff_fte",
               "can_support"],
    "maturity": ["source_file", "source_row", "gss_code", "dimension", "score"],
    "integrations": ["gss_code", "source_file", "source_row", "linked_name", "linked_source_row",
                     "linked_system_id"],
    "returns": ["gss_code", "source_file", "authority_written", "completed_by", "email", "phone",
                "date_completed"],
}


def _london_frame(london: TrueLondon) -> pd.DataFrame:
    records = []
    for authority in london.authorities:
        for s in authority.systems:
            records.append({
                "system_id": s.system_id, "gss_code": s.gss_code,
                "responded": "true" if authority.responded else "false",
                "service_area": s.service_area, "function": s.function, "product": s.product,
                "manufacturer": s.manufacturer, "supplier": s.supplier, "system_type": s.system_type,
                "hosting": _iso(s.hosting), "contract_start": _iso(s.contract_start),
                "contract_end": _iso(s.contract_end), "contract_end_status": s.contract_end_status,
                "term": s.term, "annual_cost_gbp": _iso(s.annual_cost_gbp),
                "value_for_money": _iso(s.value_for_money), "satisfaction": _iso(s.satisfaction),
                "replacement_planned": _iso(s.replacement_planned),
                "replacement_year": _iso(s.replacement_year), "arrangement": s.arrangement,
            })
    return pd.DataFrame(records, columns=SYSTEMS_COLUMNS)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def generate_survey(
    seed: int,
    out_dir: Path,
    truth_dir: Path,
    reference_dir: Path = REFERENCE_DIR,
    *,
    n_authorities: int | None = None,
    systems_per_authority: float | None = None,
    contracts_dir: Path | None = None,
    scenario_dir: Path = SCENARIO_DIR,
    spend_dir: Path | None = None,
) -> str:
    """Generate the synthetic survey round: the returns, ``round.json``, the registers and the truth.

    Parameters
    ----------
    seed
        Random seed; the same seed (and reference data) gives the same workbook content
        and the same truth.
    out_dir
        Folder for the returns (one ``.xlsx`` per responding authority) and ``round.json``.
        Existing ``.xlsx`` files there are removed first.
    truth_dir
        Folder for the truth CSVs and ``scenario.json`` (keep it outside ``data/raw/``).
    reference_dir
        Reference folder the world is built from.
    n_authorities
        Responding authorities; ``None`` is the calibrated 2019 London round (22, the GLA
        included). At most the number of authorities in the reference.
    systems_per_authority
        Mean systems per responding authority; ``None`` calibrates the round to 809 systems.
    contracts_dir
        Folder for every authority's contract register (:mod:`.synth_registers`); ``None``
        is the ``contracts`` folder beside ``out_dir``.
    scenario_dir
        Folder of the planted patterns and word lists (:mod:`.synth_scenario`); every name
        in it must be in the reference.
    spend_dir
        Folder for every authority's payment files (:mod:`.spend`); ``None`` is the
        ``spend`` folder beside ``out_dir``.

    Returns
    -------
    str
        A one-paragraph summary: authorities, systems, rows written, rows with mess.
    """
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    reference = load_reference(reference_dir)
    scenario = load_scenario(reference, scenario_dir)
    rng = np.random.default_rng(seed)
    n_respondents = RESPONDING_AUTHORITIES if n_authorities is None else int(n_authorities)
    per_authority = (SYSTEMS_MAPPED / RESPONDING_AUTHORITIES if systems_per_authority is None
                     else float(systems_per_authority))
    london = build_london(reference, rng, n_respondents=n_respondents,
                          systems_per_respondent=per_authority, scenario=scenario)
    typist = Typist(rng, reference, scenario.words)
    writer = _ReturnWriter(reference, rng, typist, scenario)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    for old in sorted(out_dir.glob("*.xlsx")):
        old.unlink()
    truth: dict[str, list[dict]] = {name: [] for name in TRUTH_COLUMNS}
    taken: set[str] = set()
    data_rows = messy_rows = 0
    responding = [a for a in london.authorities if a.responded]
    for authority in responding:
        file_name = typist.file_name(authority.short_name, authority.abbreviation, taken)
        rows, messy = _write_return(authority, writer, typist, out_dir, file_name, truth)
        data_rows, messy_rows = data_rows + rows, messy_rows + messy
    round_info = {"round": ROUND, "snapshot_date": SNAPSHOT_DATE.isoformat(), "seed": seed,
                  "synthetic": True, "generator": "citytools synth"}
    (out_dir / "round.json").write_text(json.dumps(round_info, indent=2) + "\n", encoding="utf-8")
    sort_keys = {"truth_rows": ["source_file", "sheet", "source_row"],
                 "systems": ["source_file", "source_row"], "skills": ["source_file", "source_row"],
                 "maturity": ["source_file", "source_row"],
                 "integrations": ["source_file", "source_row", "linked_name"],
                 "returns": ["gss_code"]}
    for name, columns in TRUTH_COLUMNS.items():
        frame = pd.DataFrame(truth[name], columns=columns)
        frame = frame.sort_values(sort_keys[name], kind="stable")
        file = "truth_rows.csv" if name == "truth_rows" else f"{name}.csv"
        _write_csv(frame, truth_dir / file)
    london_frame = _london_frame(london).sort_values("system_id")
    _write_csv(london_frame, truth_dir / "london.csv")
    registers = generate_registers(
        london_frame, reference, seed=seed, snapshot=SNAPSHOT_DATE,
        out_dir=out_dir.parent / "contracts" if contracts_dir is None else Path(contracts_dir),
        truth_dir=truth_dir, scenario=scenario,
    )
    spend = generate_spend(
        london_frame, reference, seed=seed, snapshot=SNAPSHOT_DATE,
        out_dir=out_dir.parent / "spend" if spend_dir is None else Path(spend_dir),
        truth_dir=truth_dir, scenario_dir=scenario_dir,
    )
    scenario = dict(london.scenario, seed=seed, round=ROUND)
    (truth_dir / "scenario.json").write_text(json.dumps(scenario, indent=2) + "\n", encoding="utf-8")
    kept = sum(1 for r in truth["truth_rows"] if r["outcome"] == "kept")
    rejected = len(truth["truth_rows"]) - kept
    total = sum(len(a.systems) for a in london.authorities)
    return (
        f"Synthetic round {ROUND} (seed {seed}, snapshot {SNAPSHOT_DATE.isoformat()}): "
        f"{len(responding)} of {len(london.authorities)} authorities responded; the true London "
        f"has {total} systems, {len(truth['systems'])} of them in the returns. Wrote "
        f"{len(responding)} workbooks to {out_dir} with {data_rows} data rows ({kept} to keep, "
        f"{rejected} to reject); {messy_rows} rows ({messy_rows / max(data_rows, 1):.0%}) carry "
        f"mess, {typist.typos_made} name typos. {registers} {spend} Truth in {truth_dir}."
    )
