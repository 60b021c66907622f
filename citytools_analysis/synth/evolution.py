"""Two years on: a later survey round evolved from the same true London, and every change.

The first round's world (:func:`.world.build_london`, seed 2019) is rebuilt exactly and
moved on to the later round's snapshot date with its own random stream. What happens is
set by ``data/raw/synthetic/evolution.json`` (the shares are justified in the methodology,
"The second synthetic round"):

- A contract that ended before the new snapshot (or a rolling or unknown one, with the
  chance ``rolling_relet``) is *due*. A due contract is renewed or extended, re-let to
  another supplier of the same product, replaced by another product in the same place, or
  retired, in the ``due_outcomes`` shares; a system its authority planned to replace is
  replaced with the chance ``planned_replacement_switch``. Systems sharing one contract
  (modules of one product bought together) share its fate, and a shared arrangement
  (``shared_arrangements.csv``) is renewed by all its members together.
- The first round's joint-procurement opportunities (at least ``min_authorities``
  responding authorities whose contracts in one service area end within ``window_months``
  of each other, before the new snapshot) are realised with the chance ``realised``: every
  member moves to one product, supplier and contract together. The others run their course
  one authority at a time.
- New systems appear (``new_system_share``), a few of them, and a few replacements, go to
  *new entrants* (products no authority ran in the first round, with the chance
  ``new_entrant_chance`` where the service area has one); a few functions are renamed.
- Satisfaction moves a little; it falls where a system was kept against a replacement
  plan. A few authorities answer one round and not the other.

The truth of every change is written to ``changes.csv`` (and the opportunities'
outcomes to ``opportunities.csv``) beside the later round's truth.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from citytools_analysis.core.paths import REFERENCE_DIR
from citytools_analysis.core.reference import Reference, load_reference
from citytools_analysis.synth.generator import write_round
from citytools_analysis.synth.scenario import SCENARIO_DIR, Scenario, load_scenario
from citytools_analysis.synth.world import (
    RESPONDING_AUTHORITIES,
    SNAPSHOT_DATE,
    SYSTEMS_MAPPED,
    TrueAuthority,
    TrueLondon,
    TrueSystem,
    WorldBuilder,
    build_london,
)

EVOLUTION_FILE = "evolution.json"

CHANGE_TRUTH_COLUMNS = [
    "system_id_before",
    "system_id_after",
    "gss_code",
    "responded_before",
    "responded_after",
    "service_area",
    "function_before",
    "function_after",
    "change",
    "observed_change",
    "product_before",
    "product_after",
    "manufacturer_before",
    "manufacturer_after",
    "supplier_before",
    "supplier_after",
    "contract_end_before",
    "contract_end_after",
    "satisfaction_before",
    "satisfaction_after",
    "replacement_planned_before",
    "kept_against_plan",
    "new_entrant",
    "function_renamed",
    "opportunity_id",
]
OPPORTUNITY_COLUMNS = [
    "opportunity_id",
    "service_area",
    "gss_codes",
    "first_end",
    "last_end",
    "outcome",
    "product_after",
    "supplier_after",
]


@dataclass(frozen=True)
class Evolution:
    """The settings of ``evolution.json``."""

    round_name: str
    snapshot: dt.date
    due_outcomes: dict[str, float]
    extension_share: float
    rolling_relet: float
    planned_replacement_switch: float
    retired_mid_contract: float
    new_system_share: float
    new_entrant_chance: float
    window_months: int
    min_authorities: int
    realised: float
    dropped: int
    joined: int
    function_renamed: float
    kept_against_plan_drop: float
    drift: float
    new_system_mean: float


def load_evolution(scenario_dir: Path = SCENARIO_DIR) -> Evolution:
    """Read ``evolution.json``; a clear error naming the file and key when it is incomplete."""
    path = Path(scenario_dir) / EVOLUTION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        outcomes = {
            k: float(data["due_outcomes"][k])
            for k in ("renewed", "switched_supplier", "switched_product", "retired")
        }
        joint, respondents, satisfaction = (
            data["joint_opportunity"],
            data["respondents"],
            data["satisfaction"],
        )
        evolution = Evolution(
            round_name=str(data["round"]),
            snapshot=dt.date.fromisoformat(data["snapshot_date"]),
            due_outcomes=outcomes,
            extension_share=float(data["extension_share"]),
            rolling_relet=float(data["rolling_relet"]),
            planned_replacement_switch=float(data["planned_replacement_switch"]),
            retired_mid_contract=float(data["retired_mid_contract"]),
            new_system_share=float(data["new_system_share"]),
            new_entrant_chance=float(data["new_entrant_chance"]),
            window_months=int(joint["window_months"]),
            min_authorities=int(joint["min_authorities"]),
            realised=float(joint["realised"]),
            dropped=int(respondents["dropped"]),
            joined=int(respondents["joined"]),
            function_renamed=float(data["function_renamed"]),
            kept_against_plan_drop=float(satisfaction["kept_against_plan_drop"]),
            drift=float(satisfaction["drift"]),
            new_system_mean=float(satisfaction["new_system_mean"]),
        )
    except FileNotFoundError:
        raise ValueError(f"{path}: the later round's settings are missing") from None
    except KeyError as error:
        raise ValueError(f"{path}: missing key {error}") from None
    except (ValueError, TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: {error}") from None
    if abs(sum(outcomes.values()) - 1.0) > 1e-9:
        raise ValueError(f"{path}: due_outcomes must add up to 1, not {sum(outcomes.values())}")
    if evolution.snapshot <= SNAPSHOT_DATE:
        raise ValueError(f"{path}: snapshot_date must be after the first round's ({SNAPSHOT_DATE})")
    return evolution


def _add_years(day: dt.date, years: int) -> dt.date:
    return dt.date(day.year + years, day.month, 1)


class _Evolver:
    def __init__(
        self,
        reference: Reference,
        scenario: Scenario,
        builder: WorldBuilder,
        rng: np.random.Generator,
        evolution: Evolution,
        entrants: set[str],
    ) -> None:
        self.ref = reference
        self.scenario = scenario
        self.builder = builder
        self.rng = rng
        self.evo = evolution
        self.entrants = entrants
        self.changes: list[dict] = []
        self._authorities: dict[str, TrueAuthority] = {}

    # --- contracts --------------------------------------------------------------------
    def term(self, area: str) -> tuple[int, str]:
        terms = (
            self.scenario.long_contract_terms
            if area in self.scenario.long_contract_areas
            else self.scenario.contract_terms
        )
        weights = np.array([t.weight for t in terms])
        chosen = terms[int(self.rng.choice(len(terms), p=weights / weights.sum()))]
        return chosen.years, chosen.term

    def relet_start(self, system: TrueSystem) -> dt.date:
        """When the next contract starts: the day after the old one, or (rolling) in the two years."""
        if system.contract_end is not None:
            return system.contract_end + dt.timedelta(days=1)
        return self.start_between_rounds()

    def start_between_rounds(self) -> dt.date:
        """The first of a month between the two snapshots."""
        first = SNAPSHOT_DATE.year * 12 + SNAPSHOT_DATE.month  # the month after the first snapshot
        last = self.evo.snapshot.year * 12 + self.evo.snapshot.month - 1
        index = int(self.rng.integers(first, last + 1))
        return dt.date(index // 12, index % 12 + 1, 1)

    def new_contract(self, area: str, start: dt.date) -> tuple[dt.date, dt.date, str]:
        years, label = self.term(area)
        end = _add_years(start, years) - dt.timedelta(days=1)
        while end < self.evo.snapshot:  # a short term already over: let again on the same terms
            end = _add_years(end + dt.timedelta(days=1), years) - dt.timedelta(days=1)
        return start, end, label

    # --- products and suppliers ---------------------------------------------------------
    def other_product(self, authority: TrueAuthority, area: str, current: str) -> str | None:
        entrants = sorted(
            p
            for p in self.builder.products_by_area.get(area, [])
            if p in self.entrants and p != current
        )
        if entrants and self.rng.random() < self.evo.new_entrant_chance:
            return entrants[int(self.rng.integers(len(entrants)))]
        candidates = sorted(p for p in self.builder.products_by_area.get(area, []) if p != current)
        if not candidates:
            return None
        weights = np.array([self.builder.market_weight[p] for p in candidates])
        return candidates[int(self.rng.choice(len(candidates), p=weights / weights.sum()))]

    def other_supplier(self, product: str, current: str) -> str | None:
        maker = self.builder.manufacturer[product]
        options = sorted({maker, *self.builder.partners.get(maker, [])} - {current})
        if not options:  # no reseller of this maker: an outsourcer takes the whole service on
            options = sorted(set(self.builder.outsourcers) - {current})
        if not options:
            return None
        return options[int(self.rng.integers(len(options)))]

    # --- recording ------------------------------------------------------------------------
    def record(
        self,
        authority_before: TrueAuthority | None,
        authority_after: TrueAuthority | None,
        before: TrueSystem | None,
        after: TrueSystem | None,
        change: str,
        **flags,
    ) -> None:
        responded_before = bool(authority_before and authority_before.responded)
        responded_after = bool(authority_after and authority_after.responded)
        if responded_before and responded_after:
            observed = change
        elif (before is not None and responded_before) or (after is not None and responded_after):
            observed = "not_observed"
        else:
            observed = ""  # nothing of it is in either round's returns
        row = {
            "system_id_before": before.system_id if before else "",
            "system_id_after": after.system_id if after else "",
            "gss_code": (before or after).gss_code,
            "responded_before": "true" if responded_before else "false",
            "responded_after": "true" if responded_after else "false",
            "service_area": (before or after).service_area,
            "function_before": before.function if before else "",
            "function_after": after.function if after else "",
            "change": change,
            "observed_change": observed,
            "replacement_planned_before": (before.replacement_planned or "") if before else "",
            "kept_against_plan": "true" if flags.get("kept_against_plan") else "false",
            "new_entrant": "true" if flags.get("new_entrant") else "false",
            "function_renamed": "true" if flags.get("function_renamed") else "false",
            "opportunity_id": flags.get("opportunity_id", ""),
        }
        for side, system in (("before", before), ("after", after)):
            for column in ("product", "manufacturer", "supplier", "contract_end", "satisfaction"):
                value = getattr(system, column) if system is not None else None
                row[f"{column}_{side}"] = (
                    ""
                    if value is None
                    else (value.isoformat() if isinstance(value, dt.date) else str(value))
                )
        self.changes.append(row)

    # --- satisfaction and plans -----------------------------------------------------------
    def rate_kept(self, system: TrueSystem, against_plan: bool) -> None:
        if system.satisfaction is None:
            return
        if against_plan and self.rng.random() < self.evo.kept_against_plan_drop:
            system.satisfaction = max(1, system.satisfaction - 1)
        elif self.rng.random() < self.evo.drift:
            system.satisfaction = int(
                np.clip(system.satisfaction + int(self.rng.choice([-1, 1])), 1, 5)
            )
        if system.value_for_money is not None:
            system.value_for_money = int(
                np.clip(round(system.satisfaction + float(self.rng.normal(-0.2, 0.7))), 1, 5)
            )

    def rate_new(self, system: TrueSystem) -> None:
        system.satisfaction = int(
            np.clip(round(float(self.rng.normal(self.evo.new_system_mean, 0.6))), 2, 5)
        )
        system.value_for_money = int(
            np.clip(round(system.satisfaction + float(self.rng.normal(-0.2, 0.7))), 1, 5)
        )

    def plan(self, system: TrueSystem, against_plan: bool, fresh: bool) -> None:
        """The replacement plan as the later round reports it."""
        year = self.evo.snapshot.year
        ending_soon = (
            system.contract_end is not None
            and system.contract_end <= self.evo.snapshot + dt.timedelta(days=730)
        )
        unhappy = system.satisfaction is not None and system.satisfaction <= 2
        p_yes = (0.03 if fresh else 0.1) + 0.25 * ending_soon + 0.25 * unhappy + 0.3 * against_plan
        roll = self.rng.random()
        system.replacement_year = None
        if roll < p_yes:
            system.replacement_planned = "Yes"
            if system.contract_end is not None and system.contract_end.year >= year:
                system.replacement_year = system.contract_end.year
            else:
                system.replacement_year = year + int(self.rng.integers(1, 4))
        elif roll < p_yes + 0.12:
            system.replacement_planned = "Considering"
        else:
            system.replacement_planned = "No"

    # --- one authority ----------------------------------------------------------------------
    def evolve(self, before: TrueAuthority, after: TrueAuthority, joint: dict[str, dict]) -> None:
        """Move ``after`` (a copy of ``before``) on two years; record every change."""
        evo, rng = self.evo, self.rng
        old = {s.system_id: s for s in before.systems}
        kept: list[TrueSystem] = []
        fates: dict[tuple, tuple[str, dict]] = {}  # one contract's fate, shared by its modules

        def contract_of(system: TrueSystem) -> tuple:
            return (
                system.service_area,
                system.product,
                system.supplier,
                system.contract_start,
                system.contract_end,
                system.contract_end_status,
            )

        joint_contracts = {
            contract_of(s): joint[s.system_id] for s in before.systems if s.system_id in joint
        }
        for system in after.systems:
            original = old[system.system_id]
            area = system.service_area
            contract = contract_of(system)
            deal = joint_contracts.get(contract)
            if deal is not None:
                change = self.join(system, deal)
                self.rate_new(system) if change == "switched_product" else self.rate_kept(
                    system, False
                )
                self.plan(system, False, fresh=True)
                self.record(
                    before,
                    after,
                    original,
                    system,
                    change,
                    opportunity_id=deal["opportunity_id"],
                    new_entrant=system.product in self.entrants and change == "switched_product",
                )
                kept.append(system)
                continue
            if contract not in fates:
                fates[contract] = self.fate(system)
            change, new = fates[contract]
            if change == "retired":
                self.record(before, after, original, None, "retired")
                continue
            against_plan = original.replacement_planned == "Yes" and change in (
                "continued",
                "renewed",
                "switched_supplier",
            )
            renamed = False
            if change != "switched_product" and rng.random() < evo.function_renamed:
                renamed = self.rename(after, system)
            if change != "continued":
                system.product = new["product"]
                system.manufacturer = self.builder.manufacturer[new["product"]]
                system.supplier = new["supplier"]
                system.contract_start, system.contract_end = new["start"], new["end"]
                system.contract_end_status, system.term = "date", new["term"]
                if change == "switched_product":
                    system.hosting = new["hosting"]
                    system.annual_cost_gbp = self.builder.cost(after, area, secondary=False)
                elif system.annual_cost_gbp is not None:
                    system.annual_cost_gbp = float(
                        round(system.annual_cost_gbp * float(rng.lognormal(0.03, 0.08)), -2)
                    )
            if change == "switched_product":
                self.rate_new(system)
            else:
                self.rate_kept(system, against_plan)
            self.plan(system, against_plan, fresh=change == "switched_product")
            self.record(
                before,
                after,
                original,
                system,
                change,
                kept_against_plan=against_plan,
                new_entrant=change == "switched_product" and system.product in self.entrants,
                function_renamed=renamed,
            )
            kept.append(system)
        after.systems = kept
        self.add_new_systems(before, after)
        present = {s.system_id for s in after.systems}
        for system in after.systems:
            system.links = [target for target in system.links if target in present]
        self.skills_and_maturity(after)

    def fate(self, system: TrueSystem) -> tuple[str, dict]:
        """What happens to one contract in the two years: the change and the new terms."""
        evo, rng = self.evo, self.rng
        area = system.service_area
        arrangement = self.scenario.arrangement(system.arrangement) if system.arrangement else None
        if system.contract_end is not None:
            due = system.contract_end < evo.snapshot
        else:
            due = rng.random() < evo.rolling_relet
        if not due:
            if arrangement is None and rng.random() < evo.retired_mid_contract:
                return "retired", {}
            return "continued", {}
        if arrangement is not None:  # the members renew together, on aligned dates
            years = (
                max(1, system.contract_end.year - system.contract_start.year)
                if (system.contract_end and system.contract_start)
                else 4
            )
            start = self.relet_start(system)
            end = _add_years(start, years) - dt.timedelta(days=1)
            return "renewed", {
                "product": system.product,
                "supplier": system.supplier,
                "start": start,
                "end": end,
                "term": system.term,
            }
        names = list(evo.due_outcomes)
        weights = np.array([evo.due_outcomes[n] for n in names])
        change = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        if system.replacement_planned == "Yes" and rng.random() < evo.planned_replacement_switch:
            change = "switched_product"
        product, supplier = system.product, system.supplier
        if change == "switched_product":
            other = self.other_product(self._authority_of(system), area, system.product)
            if other is None:
                change = "renewed"
            else:
                product = other
                supplier = self.builder.supplier_for(self._authority_of(system), other)
        elif change == "switched_supplier":
            other_supplier = self.other_supplier(system.product, system.supplier)
            if other_supplier is None:
                change = "renewed"
            else:
                supplier = other_supplier
        if change == "retired":
            return "retired", {}
        if (
            change == "renewed"
            and system.contract_end is not None
            and rng.random() < evo.extension_share
        ):
            start = system.contract_start
            end = system.contract_end
            while end < evo.snapshot:
                end = _add_years(
                    end + dt.timedelta(days=1), int(rng.integers(1, 3))
                ) - dt.timedelta(days=1)
            return change, {
                "product": product,
                "supplier": supplier,
                "start": start,
                "end": end,
                "term": system.term,
            }
        start, end, term = self.new_contract(area, self.relet_start(system))
        return change, {
            "product": product,
            "supplier": supplier,
            "start": start,
            "end": end,
            "term": term,
            "hosting": self.builder.hosting(product)
            if product != system.product
            else system.hosting,
        }

    def join(self, system: TrueSystem, deal: dict) -> str:
        """Move a system onto a realised joint contract; the change it makes."""
        if system.product != deal["product"]:
            change = "switched_product"
            system.hosting = deal["hosting"]
        elif system.supplier != deal["supplier"]:
            change = "switched_supplier"
        else:
            change = "renewed"
        system.product, system.supplier = deal["product"], deal["supplier"]
        system.manufacturer = self.builder.manufacturer[deal["product"]]
        system.contract_start, system.contract_end = deal["start"], deal["end"]
        system.contract_end_status, system.term = "date", deal["term"]
        return change

    def rename(self, authority: TrueAuthority, system: TrueSystem) -> bool:
        taken = {s.function for s in authority.systems if s.service_area == system.service_area}
        options = [f for f in self.scenario.words["generic_function"] if f not in taken]
        if not options:
            return False
        system.function = options[int(self.rng.integers(len(options)))]
        return True

    def add_new_systems(self, before: TrueAuthority, after: TrueAuthority) -> None:
        rng = self.rng
        count = int(rng.binomial(len(before.systems), self.evo.new_system_share))
        areas = self.builder.areas_of(after)
        number = max([int(s.system_id.rsplit("-S", 1)[1]) for s in before.systems] + [0])
        for _ in range(count):
            area = areas[int(rng.integers(len(areas)))]
            taken = {s.function for s in after.systems if s.service_area == area}
            options = [f for f in self.scenario.words["generic_function"] if f not in taken]
            function = (
                options[int(rng.integers(len(options)))] if options else f"{area} {len(taken) + 1}"
            )
            product = self.other_product(after, area, "") or self.builder.pick_product(
                after, area, set(), {}
            )
            number += 1
            start, end, term = self.new_contract(area, self.start_between_rounds())
            system = TrueSystem(
                system_id=f"{after.gss_code}-S{number:03d}",
                gss_code=after.gss_code,
                service_area=area,
                function=function,
                product=product,
                manufacturer=self.builder.manufacturer[product],
                supplier=self.builder.supplier_for(after, product),
                system_type=self.builder.default_type[area],
                hosting=self.builder.hosting(product),
                contract_start=start,
                contract_end=end,
                contract_end_status="date",
                term=term,
                annual_cost_gbp=self.builder.cost(after, area, secondary=True),
            )
            self.rate_new(system)
            self.plan(system, False, fresh=True)
            after.systems.append(system)
            self.record(before, after, None, system, "new", new_entrant=product in self.entrants)

    def skills_and_maturity(self, authority: TrueAuthority) -> None:
        rng = self.rng
        for area, (level, fte, support) in sorted(authority.skills.items()):
            if rng.random() < 0.2:
                level = int(np.clip(level + int(rng.choice([-1, 1, 1])), 0, 4))
                fte = 0.0 if level == 0 else max(fte, 0.5)
                support = support and level >= 2
            authority.skills[area] = (level, fte, support)
        for dimension, score in sorted(authority.maturity.items()):
            if rng.random() < 0.25:
                authority.maturity[dimension] = int(np.clip(score + 1, 1, 5))

    def _authority_of(self, system: TrueSystem) -> TrueAuthority:
        return self._authorities[system.gss_code]


def _opportunities(london: TrueLondon, evolution: Evolution) -> list[dict]:
    """The first round's joint-procurement opportunities among its respondents.

    Per service area, each responding authority's first system there with a dated contract
    ending after the first snapshot and before the later one; windows of ``window_months``
    from an end date holding at least ``min_authorities`` authorities, the fullest first,
    not overlapping (the rule the report's collaboration chapter applies to a release).
    """
    found = []
    by_area: dict[str, list[TrueSystem]] = {}
    for authority in london.authorities:
        if not authority.responded:
            continue
        seen: set[str] = set()
        for system in authority.systems:
            if system.service_area in seen:
                continue
            seen.add(system.service_area)
            if (
                not system.arrangement
                and system.contract_end is not None
                and SNAPSHOT_DATE < system.contract_end < evolution.snapshot
            ):
                by_area.setdefault(system.service_area, []).append(system)
    for area in sorted(by_area):
        remaining = sorted(by_area[area], key=lambda s: (s.contract_end, s.gss_code))
        while True:
            best: list[TrueSystem] = []
            for first in remaining:
                month = (
                    first.contract_end.year * 12
                    + first.contract_end.month
                    - 1
                    + evolution.window_months
                )
                stop = dt.date(month // 12, month % 12 + 1, 1)
                window = [s for s in remaining if first.contract_end <= s.contract_end < stop]
                if len({s.gss_code for s in window}) > len({s.gss_code for s in best}):
                    best = window
            if len({s.gss_code for s in best}) < evolution.min_authorities:
                break
            found.append({"service_area": area, "systems": best})
            remaining = [s for s in remaining if s not in best]
    for number, opportunity in enumerate(found, start=1):
        opportunity["opportunity_id"] = f"J{number:02d}"
    return found


def evolve_london(
    london: TrueLondon,
    reference: Reference,
    scenario: Scenario,
    builder: WorldBuilder,
    rng: np.random.Generator,
    evolution: Evolution,
) -> tuple[TrueLondon, pd.DataFrame, pd.DataFrame]:
    """The later round's true London, the true changes and the opportunities' outcomes.

    ``london`` is left as it was; ``builder`` must be the one that built it (for its market
    weights), its random stream replaced by ``rng``.
    """
    builder.rng = rng
    later = copy.deepcopy(london)
    used = {s.product for a in london.authorities for s in a.systems}
    entrants = {p for p in builder.manufacturer if p not in used}
    evolver = _Evolver(reference, scenario, builder, rng, evolution, entrants)
    evolver._authorities = {a.gss_code: a for a in later.authorities}
    # Who answers the later round: a few drop out, a few join (the GLA always answers).
    eligible = sorted(a.gss_code for a in later.authorities if a.responded and a.kind != "gla")
    absent = sorted(a.gss_code for a in later.authorities if not a.responded)
    dropped = set(rng.choice(eligible, size=min(evolution.dropped, len(eligible)), replace=False))
    joined = set(rng.choice(absent, size=min(evolution.joined, len(absent)), replace=False))
    for authority in later.authorities:
        if authority.gss_code in dropped:
            authority.responded = False
        elif authority.gss_code in joined:
            authority.responded = True
    # Joint-procurement opportunities of the first round: realised together, or not.
    joint: dict[str, dict] = {}
    outcomes = []
    authorities = {a.gss_code: a for a in later.authorities}
    for opportunity in _opportunities(london, evolution):
        area = opportunity["service_area"]
        members = opportunity["systems"]
        realised = rng.random() < evolution.realised
        row = {
            "opportunity_id": opportunity["opportunity_id"],
            "service_area": area,
            "gss_codes": "|".join(sorted({s.gss_code for s in members})),
            "first_end": min(s.contract_end for s in members).isoformat(),
            "last_end": max(s.contract_end for s in members).isoformat(),
            "outcome": "realised" if realised else "not_realised",
            "product_after": "",
            "supplier_after": "",
        }
        if realised:
            lead = authorities[members[0].gss_code]
            product = (
                evolver.other_product(lead, area, "") if rng.random() < 0.5 else members[0].product
            )
            product = product or members[0].product
            supplier = builder.supplier_for(lead, product)
            start = max(s.contract_end for s in members) + dt.timedelta(days=1)
            start, end, term = evolver.new_contract(area, start)
            deal = {
                "opportunity_id": opportunity["opportunity_id"],
                "product": product,
                "supplier": supplier,
                "start": start,
                "end": end,
                "term": term,
                "hosting": builder.hosting(product),
            }
            for system in members:
                joint[system.system_id] = deal
            row.update(product_after=product, supplier_after=supplier)
        outcomes.append(row)
    before_by_code = {a.gss_code: a for a in london.authorities}
    for authority in later.authorities:
        evolver.evolve(before_by_code[authority.gss_code], authority, joint)
    changes = pd.DataFrame(evolver.changes, columns=CHANGE_TRUTH_COLUMNS)
    changes = changes.sort_values(
        ["gss_code", "system_id_before", "system_id_after"], kind="stable"
    )
    opportunities = pd.DataFrame(outcomes, columns=OPPORTUNITY_COLUMNS)
    later.scenario = dict(later.scenario, snapshot_date=evolution.snapshot.isoformat())
    return later, changes.reset_index(drop=True), opportunities


def generate_later_round(
    seed: int,
    out_dir: Path,
    truth_dir: Path,
    reference_dir: Path = REFERENCE_DIR,
    *,
    contracts_dir: Path | None = None,
    spend_dir: Path | None = None,
    scenario_dir: Path = SCENARIO_DIR,
) -> str:
    """Generate the later synthetic round (``evolution.json``) from the first round's world.

    Parameters
    ----------
    seed
        The first round's seed: its true London is rebuilt exactly, then evolved with a
        stream derived from the seed and the later round's name.
    out_dir
        Folder for the later round's returns and ``round.json``.
    truth_dir
        Folder for its truth, with ``changes.csv`` and ``opportunities.csv``.
    contracts_dir
        Folder for its contract registers; ``None`` is ``contracts`` beside ``out_dir``.
    spend_dir
        Folder for its payment files (the financial year holding its snapshot); ``None`` is
        ``spend`` beside ``out_dir``.

    Returns
    -------
    str
        The round's summary and a count of the true changes by class.
    """
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    reference = load_reference(reference_dir)
    scenario = load_scenario(reference, scenario_dir)
    evolution = load_evolution(scenario_dir)
    london = build_london(
        reference,
        np.random.default_rng(seed),
        n_respondents=RESPONDING_AUTHORITIES,
        systems_per_respondent=SYSTEMS_MAPPED / RESPONDING_AUTHORITIES,
        scenario=scenario,
    )
    # The builder's market (weights, cloud propensities) is the first thing a seed draws.
    builder = WorldBuilder(reference, np.random.default_rng(seed), scenario)
    year = int(evolution.snapshot.year)
    later, changes, opportunities = evolve_london(
        london, reference, scenario, builder, np.random.default_rng([seed, year]), evolution
    )
    summary = write_round(
        later,
        reference,
        scenario,
        np.random.default_rng([seed, year, 1]),
        seed=seed,
        round_name=evolution.round_name,
        snapshot=evolution.snapshot,
        out_dir=out_dir,
        truth_dir=truth_dir,
        contracts_dir=contracts_dir,
        register_seed=seed * 10_000 + year,
        spend_dir=out_dir.parent / "spend" if spend_dir is None else Path(spend_dir),
        scenario_dir=scenario_dir,
    )
    changes.to_csv(truth_dir / "changes.csv", index=False, encoding="utf-8", lineterminator="\n")
    opportunities.to_csv(
        truth_dir / "opportunities.csv", index=False, encoding="utf-8", lineterminator="\n"
    )
    counts = changes["change"].value_counts()
    told = ", ".join(
        f"{counts.get(c, 0)} {c}"
        for c in ("continued", "renewed", "switched_supplier", "switched_product", "new", "retired")
    )
    realised = int((opportunities["outcome"] == "realised").sum())
    return (
        f"{summary} True changes since round 1: {told}; {realised} of {len(opportunities)} "
        f"joint-procurement opportunities realised."
    )
