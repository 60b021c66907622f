"""The synthetic world's scenario: ``data/raw/synthetic/``, read and checked against the reference.

The synthetic survey (:mod:`.synth`) and contract registers (:mod:`.synth_registers`) plant
patterns of the 2019 London market: systems several authorities share, the names suppliers
traded under in 2019, typical costs per service area, the service areas where ratings are
low. Those facts, and the long word lists the generator types from (fictional people, titles,
contract titles), are data, not code: :func:`load_scenario` reads them and checks every
authority, product, organisation and service area they name against the reference data,
failing loudly (:class:`ScenarioError`) on a name the reference does not hold, so that the
reference stays the one source of truth.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from citytools_analysis.core.paths import RAW_DIR
from citytools_analysis.core.reference import Reference, fold

#: The scenario folder of the committed synthetic round.
SCENARIO_DIR = RAW_DIR / "synthetic"

#: The lists of ``word_lists.csv``: each must be present and non-empty.
WORD_LISTS = (
    "first_name",
    "surname",
    "role",
    "title",
    "file_pattern",
    "unreadable_cost",
    "unreadable_date",
    "unreadable_rating",
    "external_system",
    "unknown_service_area",
    "generic_function",
    "department",
    "procurement_route",
    "place",
    "system_cpv",
    "miscoded_cpv",
)
#: The hosting weights that are not numbers: the product's seeded cloud propensity and 1 − it.
HOSTING_PROPENSITY_WEIGHTS = ("cloud", "not_cloud")


class ScenarioError(ValueError):
    """A scenario file is missing, malformed, or names something the reference does not hold."""

    def __init__(self, message: str, file: Path | str | None = None) -> None:
        self.file = Path(file) if file is not None else None
        super().__init__(f"{self.file.name}: {message}" if self.file is not None else message)


@dataclass(frozen=True)
class Arrangement:
    """A system several authorities share or bought together, with aligned contract dates."""

    name: str
    product: str
    service_area: str
    members: tuple[str, ...]  # GSS codes
    supplier: str
    start: dt.date
    end: dt.date
    annual_cost_gbp: float
    known_as: str | None = None  # the name the members use for it
    random_members: int = 0  # further members drawn at random
    min_respondents: int = 0  # members that must respond (so the pattern shows)


@dataclass(frozen=True)
class ContractTemplate:
    """A kind of contract in a register that is not an IT system in use."""

    kind: str  # it_other or not_it
    title: str  # "{place}" is filled in with an invented place
    cpv: str
    low: float  # value range, pounds
    high: float
    years: tuple[int, ...]
    suppliers: tuple[str, ...]  # reference organisations first, then invented names
    organisations: frozenset[str]  # which of the suppliers are reference organisations
    description: str = ""


@dataclass(frozen=True)
class Term:
    """A contract term as written in tenders ("3+2"), its length and how common it is."""

    term: str
    years: int
    weight: float


@dataclass(frozen=True)
class Scenario:
    """Everything the synthetic world plants, with names checked against the reference.

    Attributes
    ----------
    arrangements
        Shared systems (``shared_arrangements.csv``), members as GSS codes.
    names_2019
        Canonical organisation → the name it traded under in 2019 (``names_2019.csv``).
    cost_median_gbp
        Service area → typical annual cost of its main system (``cost_medians.csv``).
    default_cost_median_gbp
        System type → typical annual cost for a service area without its own median.
    gla_frontline_areas, integration_hub_areas, long_contract_areas, underperforming_areas
        Service areas the GLA runs beside the corporate ones; that other systems link to;
        with long contracts; where several authorities rate their systems poorly.
    borrowed_areas
        Service area → (areas whose product it often runs, the chance it does).
    contract_terms, long_contract_terms
        Contract terms and weights; the long ones for ``long_contract_areas``.
    hosting_weights
        Hosting type → a weight, or ``"cloud"`` / ``"not_cloud"`` for the product's seeded
        cloud propensity and one minus it.
    words
        ``word_lists.csv``: list name → its values in file order.
    register_contracts, tricky_register_contracts
        Register contracts that are not systems; the tricky ones sound like IT but are not.
    """

    arrangements: tuple[Arrangement, ...]
    names_2019: dict[str, str]
    cost_median_gbp: dict[str, float]
    default_cost_median_gbp: dict[str, float]
    gla_frontline_areas: tuple[str, ...]
    integration_hub_areas: tuple[str, ...]
    long_contract_areas: tuple[str, ...]
    underperforming_areas: tuple[str, ...]
    borrowed_areas: dict[str, tuple[tuple[str, ...], float]]
    contract_terms: tuple[Term, ...]
    long_contract_terms: tuple[Term, ...]
    hosting_weights: tuple[tuple[str, float | str], ...]
    words: dict[str, tuple[str, ...]]
    register_contracts: tuple[ContractTemplate, ...]
    tricky_register_contracts: tuple[ContractTemplate, ...]

    def arrangement(self, name: str) -> Arrangement | None:
        """The shared arrangement called ``name``, or ``None``."""
        return next((a for a in self.arrangements if a.name == name), None)


# ------------------------------------------------------------------------------------------
# reading and checking
# ------------------------------------------------------------------------------------------


def _read(directory: Path, name: str, columns: list[str]) -> pd.DataFrame:
    path = directory / name
    if not path.exists():
        raise ScenarioError("scenario file missing", path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ScenarioError(f"missing columns {missing}", path)
    return frame


def _split(cell: str) -> list[str]:
    return [part.strip() for part in str(cell).split("|") if part.strip()]


def _number(text: object, what: str, path: Path) -> float:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ScenarioError(f"{what} is not a number: {text!r}", path) from None


def _integer(text: object, what: str, path: Path) -> int:
    value = _number(text, what, path)
    if not value.is_integer():
        raise ScenarioError(f"{what} is not a whole number: {text!r}", path)
    return int(value)


def _date(text: str, what: str, path: Path) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{what} is not an ISO date: {text!r}", path) from None


class _Checker:
    """The reference's names, for checking what a scenario file names."""

    def __init__(self, reference: Reference) -> None:
        self.ref = reference
        authorities = reference.authorities
        self.authority_code = dict(zip(authorities["short_name"], authorities["gss_code"]))
        self.areas = set(reference.service_areas["service_area"])
        self.products = set(reference.products["product"])
        self.organisations = set(reference.organisations["organisation"])
        aliases = reference.organisation_aliases
        self.organisation_aliases = set(zip(aliases["alias"], aliases["organisation"]))
        self.organisation_keys = {fold(a) for a in aliases["alias"]} | {
            fold(o) for o in self.organisations
        }
        products = reference.product_aliases
        self.product_aliases = set(zip(products["alias"], products["product"]))
        self.product_keys = {fold(a) for a in products["alias"]} | {fold(p) for p in self.products}
        self.it_prefixes = tuple(str(p) for p in reference.table("cpv_it")["prefix"])

    def authority(self, name: str, path: Path) -> str:
        code = self.authority_code.get(name)
        if code is None:
            raise ScenarioError(
                f"authority {name!r} is not a short_name in the reference authorities", path
            )
        return code

    def area(self, name: str, path: Path) -> str:
        if name not in self.areas:
            raise ScenarioError(f"service area {name!r} is not in the reference taxonomy", path)
        return name

    def product(self, name: str, path: Path) -> str:
        if name not in self.products:
            raise ScenarioError(f"product {name!r} is not in the reference products", path)
        return name

    def organisation(self, name: str, path: Path) -> str:
        if name not in self.organisations:
            raise ScenarioError(
                f"organisation {name!r} is not in the reference organisations", path
            )
        return name


def _arrangements(directory: Path, check: _Checker) -> tuple[Arrangement, ...]:
    path = directory / "shared_arrangements.csv"
    frame = _read(
        directory,
        path.name,
        [
            "arrangement",
            "product",
            "service_area",
            "supplier",
            "authorities",
            "contract_start",
            "contract_end",
            "annual_cost_gbp",
            "known_as",
            "random_members",
            "min_respondents",
        ],
    )
    result = []
    for row in frame.itertuples():
        product = check.product(row.product, path)
        if row.known_as and (row.known_as, product) not in check.product_aliases:
            raise ScenarioError(f"{row.known_as!r} is not a reference alias of {product!r}", path)
        members = tuple(check.authority(name, path) for name in _split(row.authorities))
        if not members:
            raise ScenarioError(f"arrangement {row.arrangement!r} has no authorities", path)
        start = _date(row.contract_start, "contract_start", path)
        end = _date(row.contract_end, "contract_end", path)
        if end <= start:
            raise ScenarioError(f"arrangement {row.arrangement!r} ends before it starts", path)
        result.append(
            Arrangement(
                name=row.arrangement,
                product=product,
                service_area=check.area(row.service_area, path),
                members=members,
                supplier=check.organisation(row.supplier, path),
                start=start,
                end=end,
                annual_cost_gbp=_number(row.annual_cost_gbp, "annual_cost_gbp", path),
                known_as=row.known_as or None,
                random_members=_integer(row.random_members or 0, "random_members", path),
                min_respondents=_integer(row.min_respondents or 0, "min_respondents", path),
            )
        )
    return tuple(result)


def _names_2019(directory: Path, check: _Checker) -> dict[str, str]:
    path = directory / "names_2019.csv"
    frame = _read(directory, path.name, ["organisation", "name_2019"])
    names = {}
    for organisation, name in zip(frame["organisation"], frame["name_2019"]):
        check.organisation(organisation, path)
        if (name, organisation) not in check.organisation_aliases:
            raise ScenarioError(
                f"{name!r} is not a reference alias of {organisation!r}: the cleaning could not "
                "read it back",
                path,
            )
        names[organisation] = name
    return names


def _cost_medians(directory: Path, check: _Checker) -> dict[str, float]:
    path = directory / "cost_medians.csv"
    frame = _read(directory, path.name, ["service_area", "median_annual_cost_gbp"])
    if frame["service_area"].duplicated().any():
        raise ScenarioError("a service area is listed twice", path)
    return {
        check.area(area, path): _number(value, "median_annual_cost_gbp", path)
        for area, value in zip(frame["service_area"], frame["median_annual_cost_gbp"])
    }


def _words(directory: Path, check: _Checker) -> dict[str, tuple[str, ...]]:
    path = directory / "word_lists.csv"
    frame = _read(directory, path.name, ["list", "value"])
    words: dict[str, list[str]] = {}
    for name, value in zip(frame["list"], frame["value"]):
        words.setdefault(name, []).append(value)
    unknown = sorted(set(words) - set(WORD_LISTS))
    empty = [name for name in WORD_LISTS if not words.get(name)]
    if unknown or empty:
        raise ScenarioError(f"unknown lists {unknown}, missing or empty lists {empty}", path)
    for name in words["external_system"]:
        if fold(name) in check.product_keys:
            raise ScenarioError(
                f"external system {name!r} is a reference product or alias; the truth says it "
                "links to no system in the returns",
                path,
            )
    for name in words["unknown_service_area"]:
        if check.ref.service_area_names.lookup(name) is not None:
            raise ScenarioError(
                f"{name!r} is a service area in the reference taxonomy, not an unknown one", path
            )
    for code in words["system_cpv"]:
        if not code.replace("-", "").startswith(check.it_prefixes):
            raise ScenarioError(f"system CPV code {code!r} is not in an IT family of cpv_it", path)
    for code in words["miscoded_cpv"]:
        if code.replace("-", "").startswith(check.it_prefixes):
            raise ScenarioError(f"miscoded CPV code {code!r} is in an IT family of cpv_it", path)
    return {name: tuple(values) for name, values in words.items()}


def _register_contracts(
    directory: Path, check: _Checker
) -> tuple[tuple[ContractTemplate, ...], tuple[ContractTemplate, ...]]:
    path = directory / "register_contracts.csv"
    frame = _read(
        directory,
        path.name,
        [
            "kind",
            "tricky",
            "title",
            "cpv",
            "value_low_gbp",
            "value_high_gbp",
            "years",
            "organisations",
            "invented_suppliers",
            "description",
        ],
    )
    usual, tricky = [], []
    for row in frame.itertuples():
        if row.kind not in ("it_other", "not_it") or row.tricky not in ("yes", "no"):
            raise ScenarioError(
                f"{row.title!r}: kind must be it_other or not_it, tricky yes or no", path
            )
        organisations = [check.organisation(name, path) for name in _split(row.organisations)]
        invented = _split(row.invented_suppliers)
        for name in invented:
            if fold(name) in check.organisation_keys:
                raise ScenarioError(
                    f"invented supplier {name!r} is a reference organisation; "
                    "list it under organisations",
                    path,
                )
        if not organisations and not invented:
            raise ScenarioError(f"{row.title!r} has no supplier", path)
        years = tuple(_integer(y, "years", path) for y in _split(row.years))
        if not years:
            raise ScenarioError(f"{row.title!r} has no contract length", path)
        template = ContractTemplate(
            kind=row.kind,
            title=row.title,
            cpv=row.cpv,
            low=_number(row.value_low_gbp, "value_low_gbp", path),
            high=_number(row.value_high_gbp, "value_high_gbp", path),
            years=years,
            suppliers=(*organisations, *invented),
            organisations=frozenset(organisations),
            description=row.description,
        )
        (tricky if row.tricky == "yes" else usual).append(template)
    return tuple(usual), tuple(tricky)


def _terms(entries: list[dict], what: str, path: Path) -> tuple[Term, ...]:
    if not entries:
        raise ScenarioError(f"{what} is empty", path)
    return tuple(
        Term(
            str(e["term"]),
            _integer(e["years"], f"{what} years", path),
            _number(e["weight"], f"{what} weight", path),
        )
        for e in entries
    )


def _patterns(directory: Path, check: _Checker) -> dict:
    path = directory / "patterns.json"
    if not path.exists():
        raise ScenarioError("scenario file missing", path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ScenarioError(f"not valid JSON ({error})", path) from None
    keys = (
        "gla_frontline_areas",
        "integration_hub_areas",
        "long_contract_areas",
        "underperforming_areas",
        "borrowed_areas",
        "default_cost_median_gbp",
        "contract_terms",
        "long_contract_terms",
        "hosting_weights",
    )
    missing = [k for k in keys if k not in data]
    if missing:
        raise ScenarioError(f"missing keys {missing}", path)
    areas = {key: tuple(check.area(a, path) for a in data[key]) for key in keys[:4]}
    borrowed = {
        check.area(entry["service_area"], path): (
            tuple(check.area(a, path) for a in entry["lenders"]),
            _number(entry["chance"], "borrowed_areas chance", path),
        )
        for entry in data["borrowed_areas"]
    }
    types = set(check.ref.system_type_names.canonical)
    defaults = data["default_cost_median_gbp"]
    if set(defaults) != types:
        raise ScenarioError(
            f"default_cost_median_gbp must give one median per system type "
            f"{sorted(types)}, not {sorted(defaults)}",
            path,
        )
    hosting = []
    for entry in data["hosting_weights"]:
        weight = entry["weight"]
        if weight not in HOSTING_PROPENSITY_WEIGHTS:
            weight = _number(weight, "hosting weight", path)
        hosting.append((entry["hosting"], weight))
    listed = [name for name, _ in hosting]
    if sorted(listed) != sorted(check.ref.hosting_names.canonical):
        raise ScenarioError(
            f"hosting_weights must weigh each reference hosting type once "
            f"{check.ref.hosting_names.canonical}, not {listed}",
            path,
        )
    return {
        **areas,
        "borrowed_areas": borrowed,
        "default_cost_median_gbp": {
            t: _number(v, "default cost median", path) for t, v in defaults.items()
        },
        "contract_terms": _terms(data["contract_terms"], "contract_terms", path),
        "long_contract_terms": _terms(data["long_contract_terms"], "long_contract_terms", path),
        "hosting_weights": tuple(hosting),
    }


def load_scenario(reference: Reference, directory: Path | str = SCENARIO_DIR) -> Scenario:
    """Read the scenario folder and check every name in it against the reference.

    Parameters
    ----------
    reference
        The reference data the names must be in.
    directory
        A folder laid out like ``data/raw/synthetic/``.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        When a file is missing or malformed, or names an authority (not a reference
        ``short_name``), product, organisation, service area, alias, system type or hosting
        type the reference does not hold; when an "invented" supplier or an "external"
        system is in fact in the reference; when an "unknown" service area is a known one.
    """
    directory = Path(directory)
    check = _Checker(reference)
    register_contracts, tricky = _register_contracts(directory, check)
    return Scenario(
        arrangements=_arrangements(directory, check),
        names_2019=_names_2019(directory, check),
        cost_median_gbp=_cost_medians(directory, check),
        words=_words(directory, check),
        register_contracts=register_contracts,
        tricky_register_contracts=tricky,
        **_patterns(directory, check),
    )


__all__ = [
    "SCENARIO_DIR",
    "Arrangement",
    "ContractTemplate",
    "Scenario",
    "ScenarioError",
    "Term",
    "load_scenario",
]
