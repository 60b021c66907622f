"""Borough profiles, computed: what one authority runs, who it could work with, how it compares.

The London-wide metrics (shared systems, joint procurement windows, peer-support matches,
maturity medians, and the changes since the previous round) are computed once, by their own
modules, into a :class:`LondonContext`; :func:`authority_profile` then takes one authority's
slice of them. A profile holds everything its page shows, so :func:`profile_digest` (a hash of
the profile) changes exactly when the page would: the build uses it to decide which profiles
to execute again. How a profile reads on its page (sentences, tables with readers' headings,
the map) is :mod:`citytools_analysis.report.profiles`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd

from citytools_analysis.core.build_store import read_stored
from citytools_analysis.core.parameters import report_parameters
from citytools_analysis.core.paths import FINDINGS_STORE
from citytools_analysis.core.reference import authority_names, load_reference
from citytools_analysis.metrics import collaboration, contracts, market, maturity, skills
from citytools_analysis.metrics.findings import Findings
from citytools_analysis.metrics.findings_store import findings_key
from citytools_analysis.metrics.overview import survey_source
from citytools_analysis.metrics.round_comparison import (
    RoundComparison,
    authority_changes,
    compare_with_previous,
)
from citytools_analysis.release.processed import ProcessedData, load_processed, responded_mask

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

    @cached_property
    def names(self) -> dict[str, str]:
        """GSS code → short name (worked out once: every profile table asks for it)."""
        return authority_names(self.authorities)


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
    opportunities: pd.DataFrame | None = None,
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
    opportunities
        The joint procurement windows of ``data`` under these parameters, when already
        computed (the build's stored findings); ``None`` computes them.

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
        opportunities=opportunities
        if opportunities is not None
        else collaboration.joint_procurement(
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
    findings_store: Path | str | None = FINDINGS_STORE,
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
    findings_store
        The build's findings store: its joint procurement windows are taken when it holds
        the findings of this release under these parameters and code (its key says so);
        ``None`` or ``""`` always computes them.
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
    comparison = compare_with_previous(
        processed_dir,
        previous_dir,
        window_months=options.get("window_months"),
        min_authorities=options.get("min_authorities"),
        horizon_years=options.get("horizon_years"),
    )
    parameters = report_parameters(
        **{
            name: options.get(name)
            for name in ("as_of", "horizon_years", "window_months", "min_authorities")
        }
    )
    stored = (
        read_stored(findings_store, findings_key(processed_dir, parameters), Findings)
        if findings_store
        else None
    )
    return london_context(
        data,
        source=source,
        skill_levels=levels,
        comparison=comparison,
        opportunities=None if stored is None else stored.joint_procurement,
        **options,
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
        responded_flags = responded_mask(london.authorities)
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
