"""The synthetic world: a seeded "true London" as it really is, before anyone types a return.

:func:`build_london` builds it from the reference data and the scenario in
``data/raw/synthetic/`` (:mod:`.scenario`: shared arrangements, 2019 company names, typical
costs, the patterns it plants): which authorities respond, which product runs in which
service area, contracts, costs, suppliers, ratings, integrations, skills, maturity. The world
is calibrated to what the 2019 release published (about 22 respondents and 809 systems; ten
suppliers hold more than half of the systems; authorities with more suppliers are less
satisfied). :mod:`.returns` types it into workbooks; :mod:`.evolution` moves it on to a later
round.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from citytools_analysis.core.reference import Reference, fold
from citytools_analysis.synth.scenario import Arrangement, Scenario, load_scenario

#: The survey round and its snapshot date (the "as of" date of every chapter).
ROUND = "2019"
SNAPSHOT_DATE = dt.date(2019, 9, 30)

#: Calibration to what the 2019 release published: respondents and systems mapped.
RESPONDING_AUTHORITIES = 22
SYSTEMS_MAPPED = 809

SYSTEMS_COLUMNS = [
    "system_id",
    "gss_code",
    "responded",
    "service_area",
    "function",
    "product",
    "manufacturer",
    "supplier",
    "system_type",
    "hosting",
    "contract_start",
    "contract_end",
    "contract_end_status",
    "term",
    "annual_cost_gbp",
    "value_for_money",
    "satisfaction",
    "replacement_planned",
    "replacement_year",
    "arrangement",
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


class WorldBuilder:
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
            o
            for o in reference.organisations["organisation"]
            if o not in set(self.manufacturer.values())
            and o not in {org for orgs in self.partners.values() for org in orgs}
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
    def authorities(
        self, n_respondents: int, arrangements: list[Arrangement]
    ) -> list[TrueAuthority]:
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
            need = min(arrangement.min_respondents, len(members)) - sum(
                m in forced for m in members
            )
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
            result.append(
                TrueAuthority(
                    gss_code=row.gss_code,
                    name=row.name,
                    short_name=row.short_name,
                    kind=row.kind,
                    abbreviation=row.abbreviation,
                    synonyms=[s for s in str(row.synonyms).split("|") if s],
                    responded=row.gss_code in responding,
                    size=size,
                    consolidation=float(self.rng.beta(2.0, 2.0)),
                    reseller_use=float(self.rng.uniform(0.02, 0.3)),
                    capability=float(self.rng.normal()),
                )
            )
        return result

    @staticmethod
    def _member_codes(arrangement: Arrangement) -> list[str]:
        return list(arrangement.members)

    # --- systems ------------------------------------------------------------------------
    def areas_of(self, authority: TrueAuthority) -> list[str]:
        areas = list(self.ref.service_areas["service_area"])
        if authority.kind == "gla":
            return [
                a
                for a in areas
                if self.default_type[a] == "Corporate" or a in self.scenario.gla_frontline_areas
            ]
        return areas

    def system_counts(self, authority: TrueAuthority, total: int) -> dict[str, int]:
        areas = self.areas_of(authority)
        breadth = np.array(
            [
                1.0
                + 0.5 * len(self.products_by_area.get(a, []))
                + 0.4 * len(self.ref.service_area_names.canonical_to_synonyms[a])
                for a in areas
            ]
        )
        if total <= len(areas):
            chosen = self.rng.choice(
                len(areas), size=total, replace=False, p=breadth / breadth.sum()
            )
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

        candidates = [
            s for s in self.ref.service_area_names.canonical_to_synonyms[area] if not variant(s)
        ]
        generic = self.scenario.words["generic_function"]
        order = list(self.rng.permutation(len(candidates))) if candidates else []
        chosen = [candidates[i] for i in order] + [
            generic[i] for i in self.rng.permutation(len(generic))
        ]
        names = chosen[:k]
        while len(names) < k:
            names.append(f"{area} {len(names) + 1}")
        return names

    def pick_product(
        self, authority: TrueAuthority, area: str, preferred: set[str], used: dict[str, str]
    ) -> str:
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
        terms = (
            self.scenario.long_contract_terms
            if area in self.scenario.long_contract_areas
            else self.scenario.contract_terms
        )
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
            area, self.scenario.default_cost_median_gbp[self.default_type[area]]
        )
        value = median * authority.size**0.7 * float(self.rng.lognormal(0.0, 0.45))
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
        weights = np.array(
            [cloud if w == "cloud" else 1.0 - cloud if w == "not_cloud" else w for _, w in hosting]
        )
        return hosting[int(self.rng.choice(len(hosting), p=weights / weights.sum()))][0]

    def build_systems(
        self,
        authority: TrueAuthority,
        total: int,
        arrangements: list[tuple[Arrangement, list[str]]],
    ) -> None:
        counts = self.system_counts(authority, total)
        makers = sorted(set(self.manufacturer.values()))
        weights = np.array(
            [
                sum(self.market_weight[p] for p, m in self.manufacturer.items() if m == mk)
                for mk in makers
            ]
        )
        preferred = {
            makers[i]
            for i in self.rng.choice(len(makers), size=3, replace=False, p=weights / weights.sum())
        }
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
                        start, end, status, term = (
                            primary.contract_start,
                            primary.contract_end,
                            primary.contract_end_status,
                            primary.term,
                        )
                    cost = self.cost(authority, area, secondary=True)
                else:
                    product = self.pick_product(authority, area, preferred, used)
                    supplier = self.supplier_for(authority, product)
                    start, end, status, term = self.contract(area)
                    cost = self.cost(authority, area, secondary=index > 0)
                default = self.default_type[area]
                flip = "Corporate" if default == "Frontline" else "Frontline"
                system = TrueSystem(
                    system_id=system_id,
                    gss_code=authority.gss_code,
                    service_area=area,
                    function=functions[index],
                    product=product,
                    manufacturer=self.manufacturer[product],
                    supplier=supplier,
                    system_type=flip if self.rng.random() < 0.05 else default,
                    hosting=(
                        primary.hosting
                        if primary is not None
                        and primary.product == product
                        and self.rng.random() < 0.85
                        else self.hosting(product)
                    ),
                    contract_start=start,
                    contract_end=end,
                    contract_end_status=status,
                    term=term,
                    annual_cost_gbp=cost,
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
        ending_soon = (
            system.contract_end is not None
            and system.contract_end <= SNAPSHOT_DATE + dt.timedelta(days=730)
        )
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
        hubs = [
            s
            for s in authority.systems
            if s.service_area in self.scenario.integration_hub_areas
            and product_count[s.product] == 1
        ]
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
            level = int(
                np.clip(
                    round(2 + 0.8 * authority.capability + float(self.rng.normal(0, 0.9))), 0, 4
                )
            )
            fte = (
                0.0
                if level == 0
                else float(
                    round(self.rng.lognormal(math.log(0.8 + level * authority.size), 0.5) * 2) / 2
                )
            )
            support = bool(self.rng.random() < {0: 0.0, 1: 0.0, 2: 0.15, 3: 0.7, 4: 0.85}[level])
            authority.skills[area] = (level, fte, support)
        for dimension in self.ref.maturity_dimension_names.canonical:
            authority.maturity[dimension] = int(
                np.clip(
                    round(3 + 0.7 * authority.capability + float(self.rng.normal(0, 0.7))), 1, 5
                )
            )


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
        The planted patterns (:func:`.scenario.load_scenario`); ``None`` reads
        ``data/raw/synthetic/``.

    Returns
    -------
    TrueLondon
    """
    scenario = load_scenario(reference) if scenario is None else scenario
    builder = WorldBuilder(reference, rng, scenario)
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
    frontline = sorted(
        a
        for a, t in builder.default_type.items()
        if t == "Frontline" and a not in scenario.underperforming_areas
    )
    cluster_areas = list(scenario.underperforming_areas)
    cluster_areas.append(frontline[int(rng.integers(len(frontline)))])
    clusters: dict[str, list[str]] = {}
    for area in cluster_areas:
        having = sorted(
            a.gss_code for a in responding if any(s.service_area == area for s in a.systems)
        )
        size = min(len(having), int(rng.integers(5, 8)))
        clusters[area] = sorted(str(c) for c in rng.choice(having, size=size, replace=False))
    builder.ratings(authorities, clusters)
    for authority in authorities:
        builder.integrations(authority)
        builder.skills_and_maturity(authority)
    planted = {
        "snapshot_date": SNAPSHOT_DATE.isoformat(),
        "shared_arrangements": [
            {
                "name": a.name,
                "product": a.product,
                "service_area": a.service_area,
                "supplier": a.supplier,
                "contract_start": a.start.isoformat(),
                "contract_end": a.end.isoformat(),
                "annual_cost_gbp": a.annual_cost_gbp,
                "authorities": sorted(m),
            }
            for a, m in members
        ],
        "underperformance_clusters": [
            {"service_area": area, "authorities": codes, "satisfaction_at_most": 2}
            for area, codes in clusters.items()
        ],
    }
    return TrueLondon(authorities, planted)


def iso_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def london_frame(london: TrueLondon) -> pd.DataFrame:
    records = []
    for authority in london.authorities:
        for s in authority.systems:
            records.append(
                {
                    "system_id": s.system_id,
                    "gss_code": s.gss_code,
                    "responded": "true" if authority.responded else "false",
                    "service_area": s.service_area,
                    "function": s.function,
                    "product": s.product,
                    "manufacturer": s.manufacturer,
                    "supplier": s.supplier,
                    "system_type": s.system_type,
                    "hosting": iso_text(s.hosting),
                    "contract_start": iso_text(s.contract_start),
                    "contract_end": iso_text(s.contract_end),
                    "contract_end_status": s.contract_end_status,
                    "term": s.term,
                    "annual_cost_gbp": iso_text(s.annual_cost_gbp),
                    "value_for_money": iso_text(s.value_for_money),
                    "satisfaction": iso_text(s.satisfaction),
                    "replacement_planned": iso_text(s.replacement_planned),
                    "replacement_year": iso_text(s.replacement_year),
                    "arrangement": s.arrangement,
                }
            )
    return pd.DataFrame(records, columns=SYSTEMS_COLUMNS)
