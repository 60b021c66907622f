"""Tests for citytools_analysis.ingest.names on the real reference tables in data/raw/reference/."""

from __future__ import annotations

import pytest

from citytools_analysis.core.reference import Reference, load_reference
from citytools_analysis.ingest.names import (
    ORGANISATION_THRESHOLD,
    PRODUCT_THRESHOLD,
    NameResolver,
    Resolution,
    resolve_authority,
)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


@pytest.fixture(scope="module")
def organisations(ref: Reference) -> NameResolver:
    return NameResolver.organisations(ref)


@pytest.fixture(scope="module")
def products(ref: Reference) -> NameResolver:
    return NameResolver.products(ref)


# --- the legal-form words -----------------------------------------------------------------


def test_legal_words_are_read_folded(ref: Reference) -> None:
    words = ref.organisation_legal_words
    assert {"ltd", "limited", "plc", "uk", "group", "inc", "corporation", "company", "co"} <= words
    assert "(uk)" not in words  # "(UK)" folds to "uk"
    assert all(word == word.lower().strip() and " " not in word for word in words)


# --- organisations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical", "method"),
    [
        # canonical names as typed
        ("Civica", "Civica", "exact"),
        ("Capita", "Capita", "exact"),
        ("NEC Software Solutions", "NEC Software Solutions", "exact"),
        # alias table, after fold
        ("CIVICA UK LIMITED", "Civica", "alias"),
        ("Civica UK Ltd.", "Civica", "alias"),
        ("civica uk ltd", "Civica", "alias"),
        ("NORTHGATE PUBLIC SERVICES LIMITED", "NEC Software Solutions", "alias"),
        ("Northgate Public Services (UK) Ltd", "NEC Software Solutions", "alias"),
        ("Northgate Information Solutions UK Ltd", "NEC Software Solutions", "alias"),
        ("NPS", "NEC Software Solutions", "alias"),
        ("System C (Liquidlogic)", "System C", "alias"),
        ("Liquid Logic", "System C", "alias"),
        ("Civica Xpress - Civica UK Ltd", "Civica", "alias"),
        ("Agresso", "Unit4", "alias"),
        ("Unit 4 Business Software Limited", "Unit4", "alias"),
        ("Servelec Social Care Ltd", "Access Group", "alias"),
        ("The Access Group", "Access Group", "alias"),
        ("Granicus-Firmstep Limited", "Granicus", "alias"),
        ("ESRI (UK) Limited", "Esri", "alias"),
        ("NorthgateArinso", "Zellis", "alias"),
        ("Pitney Bowes", "Brightly Software", "alias"),
        ("Tascomi", "Idox", "alias"),
        ("British Telecommunications PLC", "BT", "alias"),
        ("Total Mobile Ltd", "Totalmobile", "alias"),
        # alias table with legal-form words removed
        ("Civica UK", "Civica", "alias"),
        ("Civica Limited", "Civica", "alias"),
        ("Idox Software Limited", "Idox", "alias"),
        ("IDOX Group plc", "Idox", "alias"),
        ("Liquidlogic Ltd.", "System C", "alias"),
        ("Microsoft Corporation UK Ltd", "Microsoft", "alias"),
        ("Jadu Group", "Jadu", "alias"),
        # one part of a compound name is an alias, and no part names anyone else
        ("Civica Spydus - Civica UK Ltd", "Civica", "alias"),
        ("Agilisys (reseller)", "Agilisys", "alias"),
        # typing errors: fuzzy
        ("Civica UK Limmitted", "Civica", "fuzzy"),
        ("Civca UK Ltd", "Civica", "fuzzy"),
        ("Northgate Public Servics", "NEC Software Solutions", "fuzzy"),
        ("Northgate Informaton Solutions", "NEC Software Solutions", "fuzzy"),
        ("Unit4 Buisness Software Limited", "Unit4", "fuzzy"),
        ("Liquidlogic Lmited", "System C", "fuzzy"),
        ("Capita Busines Services", "Capita", "fuzzy"),
        ("Bartec Municipal Technolgies", "Bartec Municipal Technologies", "fuzzy"),
        ("Imperial Civil Enforcment Solutions", "Imperial Civil Enforcement Solutions", "fuzzy"),
        ("Democracy Count", "Democracy Counts", "fuzzy"),
        ("Oracel Corporation", "Oracle", "fuzzy"),
    ],
)
def test_organisations_resolve(
    organisations: NameResolver, raw: str, canonical: str, method: str
) -> None:
    result = organisations.resolve(raw)
    assert (result.canonical, result.method) == (canonical, method)


def test_organisation_resolution_details(organisations: NameResolver) -> None:
    assert organisations.resolve("Civica") == Resolution("Civica", "exact", 100.0, "Civica")
    assert organisations.resolve("CIVICA UK LIMITED") == Resolution(
        "Civica", "alias", 100.0, "CIVICA UK LIMITED"
    )
    assert organisations.resolve("Civica UK Ltd.") == Resolution(
        "Civica", "alias", 100.0, "Civica UK Ltd"
    )
    # "northgate public servics" (24 letters) against "northgate public services" (25):
    # 24 in common, so ratio = 2 × 24 / 49 = 97.96 → 98.0
    assert organisations.resolve("Northgate Public Servics") == Resolution(
        "NEC Software Solutions", "fuzzy", 98.0, "Northgate Public Services"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "Acme Widgets Ltd",  # an unknown supplier
        "Iken",  # not Idox
        "Iken Business Ltd",
        "Capgemini",  # not Capita
        "CGI",
        "Capitol Software",  # 90.3 against "Capita Software", but "capitol" is 2 edits from "capita"
        "Capita Civica",  # two organisations in one name
        "Capita - Civica",
        "Oracle / Mastek",
        "Agilisys (NEC)",
        "Unit 5 Business Software",  # the digit differs from Unit4
        "Civica Pay",  # a product, not a division name in the table
        "Oracle Consulting Ltd",
        "Microsoft Reseller",
        "Northgate Housing",  # a product: NEC or Zellis? Not guessed
        "Servest",
        "SAS",  # not SAP
        "Sage",
        "Arcadis",  # not Arcus
        "Symantec",  # not System C
        "Bartec Auto",
        "Ltd",
        "N/A",
    ],
)
def test_organisations_hard_negatives_stay_unresolved(
    organisations: NameResolver, raw: str
) -> None:
    assert organisations.resolve(raw) == Resolution(None, "unresolved", 0.0, None)


def test_capita_and_civica_never_collapse(organisations: NameResolver) -> None:
    assert organisations.resolve("Capita").canonical == "Capita"
    assert organisations.resolve("CAPITA PLC").canonical == "Capita"
    assert organisations.resolve("Civica").canonical == "Civica"
    assert organisations.resolve("Idox").canonical == "Idox"


@pytest.mark.parametrize("raw", [None, "", "   ", float("nan")])
def test_blank_names(organisations: NameResolver, raw: object) -> None:
    assert organisations.resolve(raw) == Resolution(None, "blank", 0.0, None)


def test_no_alias_is_fuzzily_taken_for_another_organisation(ref: Reference) -> None:
    """Leave each organisation out of the table: none of its aliases may resolve to another."""
    table = ref.organisation_aliases
    pairs = list(zip(table["alias"], table["organisation"]))
    for left_out in sorted({name for _, name in pairs}):
        resolver = NameResolver(
            {alias: name for alias, name in pairs if name != left_out},
            kind="organisation",
            threshold=ORGANISATION_THRESHOLD,
            strip_words=ref.organisation_legal_words,
        )
        for alias, name in pairs:
            if name == left_out:
                assert resolver.resolve(alias).canonical is None, (alias, left_out)


# --- products -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical", "method"),
    [
        ("Uniform", "Uniform", "exact"),
        ("Information@Work", "Information@Work", "exact"),
        ("Idox Uniform", "Uniform", "alias"),
        ("Agresso", "Unit4 ERP", "alias"),
        ("Frameworki", "Mosaic", "alias"),
        ("Liquidlogic LCS", "LCS", "alias"),
        ("Liquidlogic LAS", "LAS", "alias"),
        ("Northgate Revenues & Benefits", "iWorld", "alias"),
        ("I Trent", "iTrent", "alias"),
        ("office 365", "Microsoft 365", "alias"),
        ("Athena", "Oracle E-Business Suite", "alias"),
        ("Uniform (Idox)", "Uniform", "alias"),
        ("Symphony (SirsiDynix)", "Symphony", "alias"),
        ("AA Symphony", "Aligned Assets Symphony", "alias"),
        ("Liquidlogic Childrens Sytem", "LCS", "fuzzy"),
        ("Informaton@Work", "Information@Work", "fuzzy"),
        ("Capita Revenue and Benefits", "Academy", "fuzzy"),
        ("OpenRevenue", "OpenRevenues", "fuzzy"),
    ],
)
def test_products_resolve(products: NameResolver, raw: str, canonical: str, method: str) -> None:
    result = products.resolve(raw)
    assert (result.canonical, result.method) == (canonical, method)


@pytest.mark.parametrize(
    "raw",
    [
        "Liquidlogic LSC",  # a one-letter change in an acronym is another product
        "Dynamics 356",  # digits must agree
        "Capita Uniform",  # a maker's name is removed only when it is the product's maker
        "Capita Housing",  # an organisation's name plus a word is no product
        "Capita Cloud",
        "Office 2016",  # the number of "Office 365" is no version
        "Confirm / Symology",  # two products
        "Bespoke in-house system",
        "Excel spreadsheet",
        "Unifrom",  # short names resolve through the alias table only
    ],
)
def test_products_hard_negatives_stay_unresolved(products: NameResolver, raw: str) -> None:
    assert products.resolve(raw).canonical is None


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        # editions, deployment and contract words
        ("Uniform Cloud", "Uniform"),
        ("Idox Uniform Cloud", "Uniform"),
        ("Dynamics 365 Online", "Dynamics 365"),
        ("iTrent SaaS", "iTrent"),
        ("Uniform licence and support", "Uniform"),
        ("Qlik Sense Enterprise", "Qlik Sense"),
        # descriptors of the function, removed from the end one at a time
        ("Mosaic Case Management System", "Mosaic"),
        ("Unit4 ERP Cloud", "Unit4 ERP"),
        ("Oracle Fusion Cloud ERP", "Oracle Fusion"),
        ("Idox Document Management System", "Idox DMS"),
        ("Capita Open Housing Management System", "OpenHousing"),
        # versions and years, unless the number is part of the name
        ("Spydus 11", "Spydus"),
        ("Oracle EBS R12.2", "Oracle E-Business Suite"),
        ("SAP ECC 6.0", "SAP ECC"),
        ("Capita Academy Revenues and Benefits 2019", "Academy"),
        ("Agresso Business World v7", "Unit4 ERP"),  # the 4 of "Unit4 ERP" is the maker's
        # the maker's name in front or behind, former owners included
        ("MRI Orchard Housing", "Orchard Housing"),
        ("Cx Housing Management System (Civica)", "Cx"),
        ("Pay360 by Capita", "Pay360"),
        ("Midland HR iTrent", "iTrent"),
        ("Servelec Social Care Mosaic", "Mosaic"),
        # trademark signs
        ("Uniform\u00ae", "Uniform"),
        ("iTrent\u2122 Cloud", "iTrent"),
        ("Alloy (TM)", "Alloy"),
    ],
)
def test_products_with_generic_words_resolve(
    products: NameResolver, raw: str, canonical: str
) -> None:
    assert products.resolve(raw).canonical == canonical


def test_generic_word_matches_are_reported_as_rule(products: NameResolver) -> None:
    assert products.resolve("Mosaic Case Management System") == Resolution(
        "Mosaic", "rule", 100.0, "Mosaic"
    )
    assert products.resolve("Spydus 11") == Resolution("Spydus", "rule", 100.0, "Spydus")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Civica Software", "Civica"),
        ("Civica Cloud", "Civica"),
        ("Idox Software Solutions", "Idox"),
        ("Astun Technologies Ltd", "Astun Technology"),
        ("KANA Software", "Verint"),
    ],
)
def test_organisations_with_generic_words_resolve(
    organisations: NameResolver, raw: str, canonical: str
) -> None:
    result = organisations.resolve(raw)
    assert (result.canonical, result.method) == (canonical, "rule")


def test_distinguishing_tokens_still_block_rule_matches(products: NameResolver) -> None:
    assert products.resolve("Liquidlogic LCS Cloud").canonical == "LCS"
    assert products.resolve("Liquidlogic LAS Cloud").canonical == "LAS"
    assert products.resolve("Liquidlogic LSC Cloud").canonical is None
    assert products.resolve("Dynamics 365 Finance Cloud").canonical == "Dynamics 365 Finance"
    assert products.resolve("Dynamics 356 Cloud").canonical is None


def test_generic_words_are_reference_data(ref: Reference) -> None:
    table = ref.name_generic_words
    assert {"word", "kind", "applies_to"} <= set(table.columns)
    assert set(table.applies_to) <= {"product", "organisation", "both"}
    product_words = ref.generic_words("product")
    assert {
        "cloud",
        "case management",
        "erp",
        "system",
        "suite",
        "platform",
        "module",
        "saas",
        "on premises",
        "online",
        "hosted",
    } <= set(product_words)
    assert "cloud" in ref.generic_words("organisation")
    assert "erp" not in ref.generic_words("organisation")
    # longest phrases first, so "case management system" is removed before "system"
    lengths = [len(phrase.split()) for phrase in product_words]
    assert lengths == sorted(lengths, reverse=True)


def test_a_rule_without_generic_words_changes_nothing() -> None:
    resolver = NameResolver({"Alpha": "Alpha"}, kind="test")
    assert resolver.resolve("Alpha Cloud").canonical is None


def test_nearest_names_for_the_steward(products: NameResolver) -> None:
    nearest = products.nearest("Dynamics 356")
    assert len(nearest) == 3
    assert nearest[0] == ("Dynamics 365", "Dynamics 365", 91.7)
    assert [score for *_rest, score in nearest] == sorted(
        (score for *_rest, score in nearest), reverse=True
    )
    assert len({name for name, *_rest in nearest}) == 3
    assert products.nearest("") == []


def test_product_thresholds_are_documented_values() -> None:
    assert ORGANISATION_THRESHOLD == 90.0
    assert PRODUCT_THRESHOLD == 90.0


# --- the resolver itself ------------------------------------------------------------------


def test_resolver_is_cached(organisations: NameResolver) -> None:
    first = organisations.resolve("Civca UK Ltd")
    assert organisations.resolve("Civca UK Ltd") is first


def test_fuzzy_ties_go_to_the_first_name_in_order() -> None:
    resolver = NameResolver({"Alpha Systema": "Zeta", "Alpha Systemb": "Beta"}, kind="test")
    # "alpha systemx" differs from both aliases in its last letter: 12 of 13 letters in
    # common with each, ratio 2 × 12 / 26 = 92.3 for both; "Beta" comes first
    assert resolver.resolve("Alpha Systemx") == Resolution("Beta", "fuzzy", 92.3, "Alpha Systemb")


def test_threshold_above_100_disables_fuzzy_matching(ref: Reference) -> None:
    resolver = NameResolver.organisations(ref, threshold=101)
    assert resolver.resolve("Civca UK Ltd").method == "unresolved"
    assert resolver.resolve("CIVICA UK LIMITED").method == "alias"


def test_conflicting_aliases_are_refused() -> None:
    with pytest.raises(ValueError, match="folds like"):
        NameResolver({"Acme Ltd": "Acme", "ACME LTD": "Other"}, kind="test")


def test_ambiguous_stripped_alias_is_not_used() -> None:
    resolver = NameResolver(
        {"Acme Ltd": "Acme One", "Acme plc": "Acme Two"}, kind="test", strip_words=["Ltd", "plc"]
    )
    assert resolver.resolve("Acme plc").canonical == "Acme Two"
    assert resolver.resolve("Acme Limited").canonical is None


# --- authorities --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "gss_code"),
    [
        ("London Borough of Camden", "E09000007"),
        ("LB Camden", "E09000007"),
        ("LB of Camden", "E09000007"),
        ("Camden Council", "E09000007"),
        ("Camden", "E09000007"),
        ("camden  council", "E09000007"),
        ("London Borough of Camden Council", "E09000007"),
        ("The London Borough of Camden", "E09000007"),
        ("E09000007", "E09000007"),
        ("Royal Borough of Greenwich", "E09000011"),
        ("London Borough of Greenwich", "E09000011"),
        ("RB Greenwich", "E09000011"),
        ("Royal Borough of Kensington & Chelsea", "E09000020"),
        ("The Royal Borough of Kensington and Chelsea", "E09000020"),
        ("RBKC", "E09000020"),
        ("Kingston-upon-Thames", "E09000021"),
        ("London Borough of Richmond", "E09000027"),
        ("LB Barking & Dagenham", "E09000002"),
        ("Hammersmith & Fulham", "E09000013"),
        ("City of London Corporation", "E09000001"),
        ("City of London", "E09000001"),
        ("Corporation of London", "E09000001"),
        ("City of Westminster", "E09000033"),
        ("Westminster City Council", "E09000033"),
        ("Greater London Authority", "E61000001"),
        ("GLA", "E61000001"),
        ("Greater London Authority (GLA)", "E61000001"),
        ("Tower Hamlets", "E09000030"),
    ],
)
def test_resolve_authority(ref: Reference, raw: str, gss_code: str) -> None:
    assert resolve_authority(raw, ref) == gss_code


@pytest.mark.parametrize(
    "raw", ["Camdn", "Surrey County Council", "London", "Borough of Nowhere", "", None]
)
def test_unknown_authority_is_not_guessed(ref: Reference, raw: object) -> None:
    assert resolve_authority(raw, ref) is None


def test_every_authority_resolves_by_its_name_and_short_name(ref: Reference) -> None:
    for row in ref.authorities.itertuples():
        assert resolve_authority(row.name, ref) == row.gss_code
        assert resolve_authority(row.short_name, ref) == row.gss_code


def test_resolve_listed_takes_only_listed_names(products: NameResolver) -> None:
    assert products.resolve_listed("Northgate Housing") == Resolution(
        "NEC Housing", "alias", 100.0, "Northgate Housing"
    )
    assert products.resolve("Echo Solutions").canonical == "Echo"  # a product name plus a word
    assert products.resolve_listed("Echo Solutions").canonical is None  # but not as a firm
    assert products.resolve_listed("Liquidlogic Childrens Sytem").method == "unresolved"
    assert products.resolve_listed(None).method == "blank"
