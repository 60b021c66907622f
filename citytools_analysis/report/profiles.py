"""Borough profiles: what one authority runs, who it could work with, and how it compares.

The London-wide metrics (shared systems, joint procurement windows, peer-support matches,
maturity medians) are computed once, by their own modules, into a :class:`LondonContext`;
:func:`authority_profile` then takes one authority's slice of them. A profile holds
everything its page shows, so :func:`profile_digest` (a hash of the profile) changes exactly
when the page would: the build uses it to decide which profiles to execute again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from citytools_analysis.core.parameters import report_parameters
from citytools_analysis.core.paths import PROJECT_ROOT
from citytools_analysis.core.reference import load_reference
from citytools_analysis.metrics import collaboration, contracts, market, maturity, skills
from citytools_analysis.metrics.overview import survey_source
from citytools_analysis.metrics.round_comparison import RoundComparison, authority_changes
from citytools_analysis.release.processed import ProcessedData, load_processed, read_table
from citytools_analysis.report import plots
from citytools_analysis.report.section import Section

NAMES_SHOWN = 8
"""Peers named in a table cell before the rest are counted ("and 12 more")."""

MAP_SHARED = "shared products"
MAP_RETURNED = "returned"
RETURNED = "Returned the survey"
FROM_REGISTERS = "Known from contract registers"
NOT_RETURNED = "Not returned"
RETURN_CATEGORIES = (RETURNED, FROM_REGISTERS, NOT_RETURNED)
"""The legend of the "who returned the survey" map, in order (the last is the default)."""


@dataclass(frozen=True)
class LondonContext:
    """The London-wide tables every profile draws on, computed once per build."""

    authorities: pd.DataFrame  # processed authorities table
    systems: pd.DataFrame
    skills: pd.DataFrame
    maturity: pd.DataFrame
    as_of: date
    horizon_years: int
    window_months: int
    min_authorities: int
    source: str  # the figure and table source line
    skill_levels: dict[int, str]
    shared: pd.DataFrame  # collaboration.shared_systems(min_authorities=1)
    opportunities: pd.DataFrame  # collaboration.joint_procurement
    matches: pd.DataFrame  # skills.peer_support_matches
    versus_median: pd.DataFrame  # maturity.maturity_vs_median
    # This round against the previous one (round_comparison); None when there is none.
    comparison: RoundComparison | None = None

    @property
    def names(self) -> dict[str, str]:
        """GSS code → short name."""
        return dict(zip(self.authorities["gss_code"], self.authorities["short_name"]))


def london_context(
    data: ProcessedData,
    *,
    source: str,
    skill_levels: Mapping[int, str],
    as_of: date | str | None = None,
    horizon_years: int | None = None,
    window_months: int | None = None,
    min_authorities: int | None = None,
    comparison: RoundComparison | None = None,
) -> LondonContext:
    """Compute the London-wide tables the profiles share.

    Parameters
    ----------
    data
        The processed release.
    source
        Source line for the profile's figures and tables.
    skill_levels
        Skill level → label (from the reference data).
    as_of
        Snapshot date; defaults to the release's.
    horizon_years
        Horizon for "contracts ending soon" and for joint procurement windows.
    window_months, min_authorities
        The joint procurement window and the fewest authorities in one
        (see :func:`citytools_analysis.metrics.collaboration.joint_procurement`).
    comparison
        This round against the previous one, for each profile's changes; ``None`` when
        there is no previous round.

    Returns
    -------
    LondonContext

    Raises
    ------
    ValueError
        When no ``as_of`` is given and the release records no snapshot date.
    """
    configured = report_parameters(
        as_of=as_of,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
    )
    as_of, horizon_years = configured.as_of, configured.horizon_years
    window_months, min_authorities = configured.window_months, configured.min_authorities
    if as_of is None or as_of == "":
        if data.snapshot_date is None:
            raise ValueError("no as_of date given and the data package records no snapshot_date")
        as_of = data.snapshot_date
    day = contracts.to_timestamp(as_of).date()
    return LondonContext(
        authorities=data.authorities,
        systems=data.systems,
        skills=data.skills,
        maturity=data.maturity,
        as_of=day,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
        source=source,
        skill_levels=dict(skill_levels),
        shared=collaboration.shared_systems(data.systems, min_authorities=1),
        opportunities=collaboration.joint_procurement(
            data.systems,
            day,
            window_months=window_months,
            min_authorities=min_authorities,
            horizon_years=horizon_years,
        ),
        matches=skills.peer_support_matches(data.skills),
        versus_median=maturity.maturity_vs_median(data.maturity),
        comparison=comparison,
    )


def load_london(
    processed_dir: Path | str,
    reference_dir: Path | str | None = None,
    previous_dir: Path | str = "",
    **options,
) -> LondonContext:
    """Read the processed release and compute its :class:`LondonContext`.

    Parameters
    ----------
    processed_dir
        Folder of processed tables.
    reference_dir
        Reference folder (for the skill level labels); the project's by default.
    previous_dir
        The previous round's release, for each profile's changes; ``""`` takes the round
        before the current one, if the project holds one.
    **options
        ``as_of``, ``horizon_years``, ``window_months``, ``min_authorities`` for
        :func:`london_context`.

    Returns
    -------
    LondonContext
    """
    data = load_processed(processed_dir)
    source = survey_source(processed_dir, ["systems", "skills", "maturity"])
    levels = load_reference(reference_dir).skill_levels
    from citytools_analysis.report.rounds_chapter import open_comparison

    comparison = open_comparison(
        processed_dir,
        previous_dir,
        window_months=options.get("window_months"),
        min_authorities=options.get("min_authorities"),
        horizon_years=options.get("horizon_years"),
    )
    return london_context(
        data, source=source, skill_levels=levels, comparison=comparison, **options
    )


def save_context(london: LondonContext, path: Path | str) -> Path:
    """Write the London-wide tables to a file, so that many profile runs need not recompute them.

    The build computes the context once, writes it here and passes the file to every
    profile notebook (parameter ``context_file``); the profile's cache key is its digest,
    not this file.

    Parameters
    ----------
    london
        The London-wide tables.
    path
        The file to write (a pickle; a build artefact, never published).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(london, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)
    return path


def read_context(path: Path | str) -> LondonContext:
    """Read the London-wide tables written by :func:`save_context` (by this build).

    Raises
    ------
    TypeError
        If the file does not hold a :class:`LondonContext`.
    """
    with Path(path).open("rb") as handle:
        london = pickle.load(handle)  # noqa: S301 - written by this build, never downloaded
    if not isinstance(london, LondonContext):
        raise TypeError(f"{path}: not a London context written by the build")
    return london


@dataclass(frozen=True)
class AuthorityProfile:
    """Everything one authority's page shows (tables use the report's column names)."""

    gss_code: str
    name: str
    short_name: str
    kind: str
    inner_outer: str
    responded: bool
    as_of: date
    horizon_years: int
    window_months: int
    source: str
    areas: pd.DataFrame  # service_area, systems, products, suppliers
    systems: pd.DataFrame  # service_area, function, product, manufacturer, supplier, contract_end
    suppliers: pd.DataFrame  # supplier, systems, share, service_areas
    expiring: pd.DataFrame  # contract_end, service_area, function, product, supplier, cost
    peers: pd.DataFrame  # product, service_area, other_authorities, peers
    partners: pd.DataFrame  # kind, name, service_area, own_end, first_end, last_end, ...
    skills: pd.DataFrame  # skill_area, level, level_label, can_support, assessment
    mentors: pd.DataFrame  # skill_area, peer, peer_level (peers who could help a gap)
    learners: pd.DataFrame  # skill_area, peer, peer_level (peers this authority could help)
    maturity: pd.DataFrame  # dimension, score, london_median, difference
    map_kind: str  # MAP_SHARED or MAP_RETURNED
    map_values: pd.DataFrame  # gss_code, value
    map_authorities: pd.DataFrame  # the authorities table the tile map is drawn from
    # Changes since the previous round: "" when there is none, else its name.
    earlier_round: str = ""
    # Whether the authority answered the previous round, and this one.
    answered_earlier: bool = False
    changes: pd.DataFrame | None = None  # CHANGE_PROFILE_COLUMNS, one record per system

    @property
    def has_systems(self) -> bool:
        """Whether any system is known: from the survey, or from a contract register."""
        return not self.areas.empty


def _names_list(codes: Iterable[str], names: Mapping[str, str], limit: int = NAMES_SHOWN) -> str:
    """Short names, alphabetical; past ``limit``, the rest are counted."""
    labels = sorted(names.get(code, code) for code in codes)
    if len(labels) > limit:
        return ", ".join(labels[:limit]) + f" and {len(labels) - limit} more"
    return ", ".join(labels)


def _end_text(row) -> str:
    """A contract end as shown to readers: the ISO date, or rolling / unknown."""
    if row.contract_end_status == "date" and pd.notna(row.contract_end):
        return pd.Timestamp(row.contract_end).date().isoformat()
    return "rolling" if row.contract_end_status == "rolling" else "unknown"


def _area_summary(own: pd.DataFrame) -> pd.DataFrame:
    columns = ["service_area", "systems", "products", "suppliers"]
    if own.empty:
        return pd.DataFrame(columns=columns)
    table = (
        own.groupby("service_area", sort=True)
        .agg(
            systems=("record_id", "size"),
            products=("product", "nunique"),
            suppliers=("supplier", "nunique"),
        )
        .reset_index()
    )
    table = table.astype({"systems": int, "products": int, "suppliers": int})
    return table.sort_values(
        ["systems", "service_area"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)[columns]


def _systems_list(own: pd.DataFrame) -> pd.DataFrame:
    columns = ["service_area", "function", "product", "manufacturer", "supplier", "contract_end"]
    table = own.sort_values(
        ["service_area", "function", "product", "record_id"], kind="mergesort", na_position="last"
    )
    ends = [_end_text(row) for row in table.itertuples(index=False)]
    out = table[columns[:-1]].astype("string").fillna("").reset_index(drop=True)
    out["contract_end"] = pd.Series(ends, dtype="string")
    return out


def _supplier_table(own: pd.DataFrame) -> pd.DataFrame:
    columns = ["supplier", "systems", "share", "service_areas"]
    if own["supplier"].notna().sum() == 0:
        return pd.DataFrame(columns=columns)
    table = market.shares(own, by="supplier")
    areas = own.dropna(subset=["supplier"]).groupby("supplier")["service_area"].nunique()
    table["service_areas"] = table["supplier"].map(areas).astype(int)
    return table[columns].reset_index(drop=True)


def _expiring(own: pd.DataFrame, london: LondonContext) -> pd.DataFrame:
    rows = contracts.expiring(own, london.as_of, london.horizon_years)
    out = pd.DataFrame(
        {
            "contract_end": [pd.Timestamp(d).date().isoformat() for d in rows["contract_end"]],
            "service_area": rows["service_area"].astype("string").fillna("").tolist(),
            "function": rows["function"].astype("string").fillna("").tolist(),
            "product": rows["product"].astype("string").fillna("").tolist(),
            "supplier": rows["supplier"].astype("string").fillna("").tolist(),
            "annual_cost_gbp": rows["annual_cost_gbp"].astype("Float64").tolist(),
        },
        columns=[
            "contract_end",
            "service_area",
            "function",
            "product",
            "supplier",
            "annual_cost_gbp",
        ],
    )
    out["annual_cost_gbp"] = out["annual_cost_gbp"].astype("Float64")
    return out


def _peers(gss_code: str, london: LondonContext) -> pd.DataFrame:
    shared = london.shared
    mine = shared[shared["gss_codes"].map(lambda codes: gss_code in codes)]
    rows = [
        {
            "product": row.product,
            "service_area": row.service_area,
            "other_authorities": len(row.gss_codes) - 1,
            "peers": _names_list([c for c in row.gss_codes if c != gss_code], london.names),
        }
        for row in mine.itertuples(index=False)
        if len(row.gss_codes) > 1
    ]
    out = pd.DataFrame(rows, columns=["product", "service_area", "other_authorities", "peers"])
    return out.sort_values(
        ["other_authorities", "product"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def _partners(gss_code: str, own: pd.DataFrame, london: LondonContext) -> pd.DataFrame:
    columns = [
        "kind",
        "name",
        "service_area",
        "own_end",
        "first_end",
        "last_end",
        "partners",
        "partner_names",
        "annual_cost_gbp",
    ]
    table = london.opportunities
    mine = table[table["gss_codes"].map(lambda codes: gss_code in codes)]
    ends = dict(zip(own["record_id"], own["contract_end"]))
    rows = []
    for row in mine.itertuples(index=False):
        own_ends = sorted(
            {pd.Timestamp(ends[r]).date().isoformat() for r in row.record_ids if r in ends}
        )
        others = [code for code in row.gss_codes if code != gss_code]
        rows.append(
            {
                "kind": row.kind,
                "name": row.name,
                "service_area": row.service_area,
                "own_end": ", ".join(own_ends),
                "first_end": pd.Timestamp(row.first_end).date().isoformat(),
                "last_end": pd.Timestamp(row.last_end).date().isoformat(),
                "partners": len(others),
                "partner_names": _names_list(others, london.names),
                "annual_cost_gbp": float(row.annual_cost_gbp),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _skills(
    gss_code: str, london: LondonContext, mentor_min_level: int, learner_max_level: int
) -> pd.DataFrame:
    columns = ["skill_area", "level", "level_label", "can_support", "assessment"]
    own = london.skills[(london.skills["gss_code"] == gss_code) & london.skills["level"].notna()]
    own = own.sort_values(["level", "skill_area"], ascending=[False, True], kind="mergesort")
    rows = []
    for row in own.itertuples(index=False):
        level = int(row.level)
        assessment = (
            "strength" if level >= mentor_min_level else "gap" if level <= learner_max_level else ""
        )
        rows.append(
            {
                "skill_area": row.skill_area,
                "level": level,
                "level_label": london.skill_levels.get(level, str(level)),
                "can_support": bool(row.can_support) if pd.notna(row.can_support) else False,
                "assessment": assessment,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _matches(gss_code: str, london: LondonContext, role: str) -> pd.DataFrame:
    """Peers paired with this authority: its mentors (``role="learner"``) or its learners."""
    other = "mentor" if role == "learner" else "learner"
    pairs = london.matches[london.matches[role] == gss_code]
    out = pd.DataFrame(
        {
            "skill_area": pairs["skill_area"].tolist(),
            "peer": [london.names.get(code, code) for code in pairs[other]],
            "peer_level": pairs[f"{other}_level"].astype(int).tolist(),
        },
        columns=["skill_area", "peer", "peer_level"],
    )
    return out.sort_values(
        ["skill_area", "peer_level", "peer"], ascending=[True, False, True], kind="mergesort"
    ).reset_index(drop=True)


def _shared_product_counts(gss_code: str, london: LondonContext) -> pd.DataFrame:
    """For every authority, how many of this authority's products it also runs."""
    mine = london.shared[london.shared["gss_codes"].map(lambda codes: gss_code in codes)]
    counts: dict[str, int] = {}
    for codes in mine["gss_codes"]:
        for code in codes:
            counts[code] = counts.get(code, 0) + 1
    return pd.DataFrame(sorted(counts.items()), columns=["gss_code", "value"])


def authority_profile(
    london: LondonContext,
    gss_code: str,
    *,
    mentor_min_level: int = 3,
    learner_max_level: int = 1,
) -> AuthorityProfile:
    """One authority's profile, sliced from the London-wide tables.

    A responding authority gets its systems by service area, its suppliers and their
    shares, its contracts ending within the horizon, the peers that run the same products,
    its joint procurement windows (partners whose contracts of the same product or service
    area end within the window), its skill strengths (level ≥ ``mentor_min_level``) and gaps
    (level ≤ ``learner_max_level``) with the peers matched to them, and its maturity
    against the London median. Its tile map counts, for every authority, the products it
    shares with this one. An authority without a return gets empty tables and the map of
    who returned the survey.

    Parameters
    ----------
    london
        The London-wide tables.
    gss_code
        The authority (a GSS code of the processed authorities table).
    mentor_min_level, learner_max_level
        Thresholds for strengths and gaps (the peer-support match defaults).

    Returns
    -------
    AuthorityProfile

    Raises
    ------
    ValueError
        If ``gss_code`` is not in the authorities table.
    """
    found = london.authorities[london.authorities["gss_code"] == gss_code]
    if found.empty:
        raise ValueError(f"authority {gss_code!r} is not in the processed authorities table")
    authority = found.iloc[0]
    responded = bool(authority["responded"]) if pd.notna(authority["responded"]) else False
    own = london.systems[london.systems["gss_code"] == gss_code]
    if responded:
        map_kind, map_values = MAP_SHARED, _shared_product_counts(gss_code, london)
    else:
        responded_flags = london.authorities["responded"].fillna(False).astype(bool)
        returned = london.authorities.loc[responded_flags, "gss_code"]
        registers = sorted(set(london.systems["gss_code"]) - set(returned))
        map_kind = MAP_RETURNED
        map_values = pd.DataFrame(
            {
                "gss_code": [*returned.tolist(), *registers],
                "value": [RETURNED] * len(returned) + [FROM_REGISTERS] * len(registers),
            }
        )
    own_maturity = london.versus_median[london.versus_median["gss_code"] == gss_code]
    map_columns = [
        c
        for c in ("gss_code", "short_name", "abbreviation", "tile_row", "tile_col")
        if c in london.authorities.columns
    ]

    def text(column: str) -> str:
        value = authority.get(column, "")
        return "" if pd.isna(value) else str(value)

    return AuthorityProfile(
        gss_code=gss_code,
        name=text("name"),
        short_name=text("short_name"),
        kind=text("kind"),
        inner_outer=text("inner_outer"),
        responded=responded,
        as_of=london.as_of,
        horizon_years=london.horizon_years,
        window_months=london.window_months,
        source=london.source,
        areas=_area_summary(own),
        systems=_systems_list(own),
        suppliers=_supplier_table(own),
        expiring=_expiring(own, london),
        peers=_peers(gss_code, london),
        partners=_partners(gss_code, own, london),
        skills=_skills(gss_code, london, mentor_min_level, learner_max_level),
        mentors=_matches(gss_code, london, "learner"),
        learners=_matches(gss_code, london, "mentor"),
        maturity=own_maturity[["dimension", "score", "london_median", "difference"]].reset_index(
            drop=True
        ),
        map_kind=map_kind,
        map_values=map_values,
        map_authorities=london.authorities[map_columns].reset_index(drop=True),
        **_changes(gss_code, london),
    )


CHANGE_PROFILE_COLUMNS = [
    "service_area",
    "function",
    "change",
    "product_before",
    "product_after",
    "supplier_before",
    "supplier_after",
]


def _changes(gss_code: str, london: LondonContext) -> dict:
    """The profile's change fields: the previous round, whether it answered, its records."""
    comparison = getattr(london, "comparison", None)
    if comparison is None:
        return {"earlier_round": "", "answered_earlier": False, "changes": None}
    own = authority_changes(comparison, gss_code)
    return {
        "earlier_round": comparison.earlier_round,
        "answered_earlier": gss_code in comparison.earlier.responded,
        "changes": own[CHANGE_PROFILE_COLUMNS].reset_index(drop=True),
    }


def profile_digest(profile: AuthorityProfile) -> str:
    """A hash of everything the profile's page shows (same profile, same digest).

    Parameters
    ----------
    profile
        The profile.

    Returns
    -------
    str
        A SHA-256 hex digest.
    """
    digest = hashlib.sha256()
    for item in dataclasses.fields(profile):
        value = getattr(profile, item.name)
        digest.update(item.name.encode())
        if isinstance(value, pd.DataFrame):
            digest.update(value.to_csv(index=False, lineterminator="\n").encode())
            digest.update(json.dumps([str(t) for t in value.dtypes]).encode())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()


def profile_digests(london: LondonContext, codes: Sequence[str] | None = None) -> dict[str, str]:
    """:func:`profile_digest` of each authority's profile (all authorities by default).

    Parameters
    ----------
    london
        The London-wide tables.
    codes
        GSS codes; the authorities table's by default.

    Returns
    -------
    dict
        GSS code → digest.
    """
    codes = list(london.authorities["gss_code"]) if codes is None else list(codes)
    return {code: profile_digest(authority_profile(london, code)) for code in codes}


# --- the page: text and tables as readers see them -------------------------------------------

NO_RETURN_TEXT = "This authority did not return the survey, so nothing is known of it here."


def _pounds(amount: float) -> str:
    return f"£{amount:,.0f}"


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number:,} {singular if number == 1 else (plural or singular + 's')}"


def summary_markdown(profile: AuthorityProfile) -> str:
    """The opening paragraph: who the authority is and what it reported.

    Parameters
    ----------
    profile
        The profile.

    Returns
    -------
    str
        Markdown.
    """
    kind = {
        "borough": "London borough",
        "city": "the City of London's local authority",
        "gla": "the strategic authority for London",
    }.get(profile.kind, profile.kind)
    where = f", in {profile.inner_outer} London" if profile.inner_outer else ""
    opening = f"**{profile.name}** ({profile.gss_code}) is a {kind}{where}."
    if profile.kind in ("city", "gla"):
        opening = f"**{profile.name}** ({profile.gss_code}) is {kind}{where}."
    if not profile.responded and not profile.has_systems:
        return (
            f"{opening} It **did not return** the survey, so its systems, contracts, skills "
            f"and maturity are not known. The map shows which authorities did."
        )
    if not profile.responded:
        systems = int(profile.areas["systems"].sum())
        return (
            f"{opening} It **did not return** the survey. Its published contract register "
            f"shows **{_count(systems, 'system')}** in "
            f"{_count(len(profile.areas), 'service area')}, from "
            f"{_count(len(profile.suppliers), 'supplier')}: suppliers, contract dates and "
            f"costs, but no ratings, hosting, skills or maturity, which only the survey "
            f"asks for. The map shows which authorities returned the survey."
        )
    systems = int(profile.areas["systems"].sum()) if not profile.areas.empty else 0
    return (
        f"{opening} It reported **{_count(systems, 'system')}** in "
        f"{_count(len(profile.areas), 'service area')}, from "
        f"{_count(len(profile.suppliers), 'supplier')}. "
        f"{_count(len(profile.expiring), 'contract')} end within {profile.horizon_years} years "
        f"of the snapshot date ({profile.as_of.isoformat()}); "
        f"{_count(len(profile.peers), 'product')} it runs are run by other authorities too."
    )


def profile_map(profile: AuthorityProfile):
    """The London tile map with this authority outlined (see :func:`.plots.tile_map`).

    A responding authority's map counts, for every authority, the products it shares with
    this one (this authority's own square counts all its products); otherwise the map shows
    who returned the survey.

    Parameters
    ----------
    profile
        The profile.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from citytools_analysis.report.charts import category_tile_map
    from citytools_analysis.report.plots import tile_map

    if profile.map_kind == MAP_SHARED:
        return tile_map(
            profile.map_values,
            authorities=profile.map_authorities,
            value_column="value",
            highlight=profile.gss_code,
            title=f"Authorities running the same products as {profile.short_name}",
            value_label="Products in common (count)",
            no_data_label="No product in common, or no return",
        )
    return category_tile_map(
        profile.map_values,
        authorities=profile.map_authorities,
        category_column="value",
        legend=RETURN_CATEGORIES,
        highlight=profile.gss_code,
        title="Authorities that returned the survey",
        legend_title="Survey return (authorities)",
    )


def map_alt_text(profile: AuthorityProfile) -> str:
    """Alternative text for :func:`profile_map`."""
    if profile.map_kind == MAP_SHARED:
        others = profile.map_values[profile.map_values["gss_code"] != profile.gss_code]
        text = (
            f"Tile map of London's authorities, one square each, {profile.short_name} "
            f"outlined. Each square shows how many of {profile.short_name}'s products the "
            f"authority also runs; {len(others)} authorities share at least one."
        )
        if not others.empty:
            top = others.sort_values(["value", "gss_code"], ascending=[False, True]).iloc[0]
            name = dict(
                zip(profile.map_authorities["gss_code"], profile.map_authorities["short_name"])
            ).get(top["gss_code"])
            text += f" {name} shares the most, {int(top['value'])}."
        return text
    counts = profile.map_values["value"].value_counts()
    returned, registers = int(counts.get(RETURNED, 0)), int(counts.get(FROM_REGISTERS, 0))
    own = (
        FROM_REGISTERS.lower()
        if profile.has_systems
        else "hatched grey: it did not return the survey"
    )
    return (
        f"Tile map of London's authorities, one square each, {profile.short_name} outlined, "
        f"{own}. Squares are coloured by category, named in the legend: {returned} "
        f"authorities returned the survey, {registers} are known from their contract "
        f"registers only, and the rest, hatched grey, neither."
    )


def display_areas(profile: AuthorityProfile) -> pd.DataFrame:
    """Systems by service area, with readers' headings."""
    return profile.areas.rename(
        columns={
            "service_area": "Service area",
            "systems": "Systems",
            "products": "Products",
            "suppliers": "Suppliers",
        }
    )


def display_systems(profile: AuthorityProfile) -> pd.DataFrame:
    """Every system, with readers' headings."""
    return profile.systems.rename(
        columns={
            "service_area": "Service area",
            "function": "Function",
            "product": "Product",
            "manufacturer": "Manufacturer",
            "supplier": "Supplier",
            "contract_end": "Contract end",
        }
    )


def display_suppliers(profile: AuthorityProfile) -> pd.DataFrame:
    """Suppliers with their share in percent, with readers' headings."""
    return pd.DataFrame(
        {
            "Supplier": profile.suppliers["supplier"],
            "Systems": profile.suppliers["systems"].astype(int),
            "Share of systems (%)": (profile.suppliers["share"].astype(float) * 100).round(1),
            "Service areas": profile.suppliers["service_areas"].astype(int),
        }
    )


def expiring_markdown(profile: AuthorityProfile) -> str:
    """One sentence on the contracts ending within the horizon."""
    if not profile.has_systems:
        return NO_RETURN_TEXT
    rows = profile.expiring
    if rows.empty:
        return (
            f"No contract ends within {profile.horizon_years} years of {profile.as_of.isoformat()}."
        )
    costed = rows["annual_cost_gbp"].dropna()
    return (
        f"{_count(len(rows), 'contract')} end within {profile.horizon_years} years of "
        f"{profile.as_of.isoformat()}, the first on {rows['contract_end'].iloc[0]}; the "
        f"{_count(len(costed), 'one', 'ones')} with a known cost come to "
        f"{_pounds(float(costed.sum()))} a year."
    )


def display_expiring(profile: AuthorityProfile) -> pd.DataFrame:
    """Contracts ending soon, with readers' headings and whole-pound costs."""
    cost = profile.expiring["annual_cost_gbp"].astype("Float64").round().astype("Int64")
    return pd.DataFrame(
        {
            "Contract end": profile.expiring["contract_end"],
            "Service area": profile.expiring["service_area"],
            "Function": profile.expiring["function"],
            "Product": profile.expiring["product"],
            "Supplier": profile.expiring["supplier"],
            "Annual cost (£)": cost,
        }
    )


def changes_markdown(profile: AuthorityProfile) -> str:
    """What became of the authority's systems since the previous round, in one paragraph.

    An authority that answered only one of the two rounds is *not observed* in the other:
    nothing is said of what changed, and none of its systems is called retired.
    """
    if not profile.earlier_round:
        return (
            "This is the first survey round the project holds, so there is no earlier round "
            "to compare with."
        )
    if not profile.responded and not profile.answered_earlier:
        return (
            f"{profile.short_name} answered neither round {profile.earlier_round} nor this "
            "round: nothing is known of what changed."
        )
    if not (profile.responded and profile.answered_earlier):
        answered = "this round" if profile.responded else f"round {profile.earlier_round}"
        return (
            f"{profile.short_name} answered only {answered}, so its systems are not observed in "
            f"the other round: nothing is said of what changed, and no system is called retired."
        )
    counts = profile.changes["change"].value_counts()
    labels = _change_labels()
    parts = [
        f"{_count(int(counts[change]), 'system')} {labels[change].lower()}"
        for change in labels
        if change in counts
    ]
    if not parts:
        return f"Neither round {profile.earlier_round} nor this one lists a system of {profile.short_name}."
    return f"Since round {profile.earlier_round}: " + "; ".join(parts) + "."


def display_changes(profile: AuthorityProfile) -> pd.DataFrame:
    """Every system that changed since the previous round (all but *continued*), readers' headings."""
    if profile.changes is None:
        return pd.DataFrame()
    labels = _change_labels()
    moved = profile.changes[~profile.changes["change"].isin(("continued", "not_observed"))]
    return pd.DataFrame(
        {
            "Service area": moved["service_area"],
            "Function": moved["function"],
            "Change": moved["change"].map(labels),
            "Product before": moved["product_before"],
            "Product now": moved["product_after"],
            "Supplier before": moved["supplier_before"],
            "Supplier now": moved["supplier_after"],
        }
    ).reset_index(drop=True)


def _change_labels() -> dict[str, str]:
    from citytools_analysis.metrics.changes import change_classes

    classes = change_classes()
    return dict(zip(classes["change"], classes["label"]))


def changes_section(profile: AuthorityProfile) -> Section:
    """The profile's changes since the previous round: the paragraph, then the changed systems."""
    table = display_changes(profile)
    return Section(changes_markdown(profile), None if table.empty else table)


def money_paid(processed_dir: Path | str, gss_code: str) -> Section:
    """What the authority paid its IT suppliers, by financial year, from its payment files."""
    folder = _project_path(processed_dir)
    if not (folder / "it_spend.csv").is_file():
        return Section("No payment files were read for this build.")
    from citytools_analysis.metrics import spend

    paid = spend.suppliers_paid(read_table("it_spend", folder), gss_code)
    if paid.empty:
        return Section("No IT payments of this authority were read.")
    table = paid.assign(amount_gbp=paid["amount_gbp"].round(0)).rename(
        columns={
            "financial_year": "Financial year",
            "supplier": "Supplier",
            "payments": "Payments",
            "amount_gbp": "Net amount (£)",
        }
    )
    return Section(table=table)


def open_london(
    context_file: Path | str,
    processed_dir: Path | str,
    reference_dir: Path | str | None = None,
    previous_dir: Path | str = "",
    as_of: str | date | None = None,
    horizon_years: int | None = None,
    window_months: int | None = None,
    min_authorities: int | None = None,
) -> LondonContext:
    """The London-wide tables: the build's precomputed file, else computed here."""
    plots.apply_theme()
    if context_file:
        return read_context(_project_path(context_file))
    return load_london(
        _project_path(processed_dir),
        _project_path(reference_dir) if reference_dir else None,
        previous_dir,
        as_of=as_of or None,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
    )


def _project_path(folder: Path | str) -> Path:
    folder = Path(folder)
    return folder if folder.is_absolute() else PROJECT_ROOT / folder


def partners_markdown(profile: AuthorityProfile) -> str:
    """One sentence on peers and joint procurement windows."""
    if not profile.has_systems:
        return NO_RETURN_TEXT
    text = (
        f"{_count(len(profile.peers), 'product')} {profile.short_name} runs "
        f"{'is' if len(profile.peers) == 1 else 'are'} run by other authorities too. "
    )
    if profile.partners.empty:
        return text + (
            f"None of its contracts falls in a joint procurement window of "
            f"{profile.window_months} months shared with other authorities."
        )
    partners = {
        name
        for cell in profile.partners["partner_names"]
        for name in cell.split(", ")
        if " more" not in name
    }
    return text + (
        f"Its contracts fall in {_count(len(profile.partners), 'joint procurement window')}"
        f" of {profile.window_months} months with other authorities' contracts; the "
        f"partners named below number {len(partners)}."
    )


def display_partners(profile: AuthorityProfile) -> pd.DataFrame:
    """Joint procurement windows this authority is in, with readers' headings."""
    rows = profile.partners
    return pd.DataFrame(
        {
            "Product or service area": rows["name"],
            "Kind": rows["kind"].str.replace("_", " "),
            "This authority's end": rows["own_end"],
            # A window whose first and last end are the same day is that one date.
            "Window": (rows["first_end"] + " to " + rows["last_end"]).where(
                rows["first_end"] != rows["last_end"], rows["first_end"]
            ),
            "Partners": rows["partners"].astype(int),
            "Partner authorities": rows["partner_names"],
            "Combined annual cost (£)": rows["annual_cost_gbp"].astype(float).round().astype(int),
        }
    )


def display_peers(profile: AuthorityProfile) -> pd.DataFrame:
    """Products shared with other authorities, with readers' headings."""
    return profile.peers.rename(
        columns={
            "product": "Product",
            "service_area": "Service area",
            "other_authorities": "Other authorities",
            "peers": "Also run by",
        }
    )


def skills_markdown(profile: AuthorityProfile) -> str:
    """One sentence on strengths, gaps and matched peers."""
    if profile.skills.empty:
        return (
            NO_RETURN_TEXT if not profile.responded else "The authority did not assess its skills."
        )
    strengths = profile.skills[profile.skills["assessment"] == "strength"]["skill_area"]
    gaps = profile.skills[profile.skills["assessment"] == "gap"]["skill_area"]
    text = (
        f"Strengths: {', '.join(sorted(strengths)) or 'none'}. "
        f"Gaps: {', '.join(sorted(gaps)) or 'none'}. "
    )
    return text + (
        f"{_count(profile.mentors['peer'].nunique(), 'peer')} could support it in a gap; "
        f"it could support {_count(profile.learners['peer'].nunique(), 'peer')}."
    )


def display_skills(profile: AuthorityProfile) -> pd.DataFrame:
    """Skill levels, with readers' headings."""
    return pd.DataFrame(
        {
            "Skill area": profile.skills["skill_area"],
            "Level": profile.skills["level"].astype(int),
            "Level name": profile.skills["level_label"],
            "Offers support": profile.skills["can_support"].map({True: "yes", False: "no"}),
            "Assessment": profile.skills["assessment"],
        }
    )


def display_matches(matches: pd.DataFrame, heading: str) -> pd.DataFrame:
    """Matched peers per skill area, one row per area, with readers' headings.

    Parameters
    ----------
    matches
        ``profile.mentors`` or ``profile.learners``.
    heading
        The heading of the column naming the peers.
    """
    grouped = matches.groupby("skill_area", sort=True)["peer"].agg(
        lambda peers: ", ".join(sorted(set(peers)))
    )
    return pd.DataFrame({"Skill area": grouped.index, heading: grouped.values})


def maturity_markdown(profile: AuthorityProfile) -> str:
    """One sentence on maturity against the London median."""
    rows = profile.maturity
    if rows.empty:
        return (
            NO_RETURN_TEXT
            if not profile.responded
            else "The authority did not score its digital maturity."
        )
    above = sorted(rows.loc[rows["difference"] > 0, "dimension"])
    below = sorted(rows.loc[rows["difference"] < 0, "dimension"])
    return (
        f"Above the London median: {', '.join(above) or 'none'}. "
        f"Below it: {', '.join(below) or 'none'}."
    )


def display_maturity(profile: AuthorityProfile) -> pd.DataFrame:
    """Maturity scores beside the London median, with readers' headings."""
    return pd.DataFrame(
        {
            "Dimension": profile.maturity["dimension"],
            "Score (1–5)": profile.maturity["score"].astype(int),
            "London median": profile.maturity["london_median"].astype(float),
            "Difference": profile.maturity["difference"].astype(float),
        }
    )
