"""Coverage: which authorities and systems the survey and the contract registers each describe.

A system's ``source`` (in ``systems.csv``) is ``survey`` (the authority's return only),
``both`` (a survey system matched to a register row, which may have completed its contract
value, dates or cost) or ``register`` (known only from the contract register of an
authority that did not respond). A missing ``source`` (a release cleaned without registers)
is ``survey``. Register rows (``contracts.csv``) carry an ``outcome``: ``matched``,
``added``, ``same_system`` (another contract of a system already counted: a renewal, an
extension, an earlier let), ``ended_before_snapshot`` (an IT contract that had ended and that
no later contract continues), ``unplaced`` (IT, but none of these) or ``not_it``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from citytools_analysis.release.processed import has_column, responded_mask
from citytools_analysis.release.schema import CONTRACT_OUTCOMES

SURVEY, BOTH, REGISTER = "survey", "both", "register"
#: The values of ``systems.source``, in the order tables and charts show them.
SOURCES = (SURVEY, BOTH, REGISTER)
#: How a chart legend names each source.
SOURCE_LABELS = {
    SURVEY: "Survey only",
    BOTH: "Survey and register",
    REGISTER: "Register only",
}
#: The values of ``contracts.outcome``, in the order tables and charts show them.
OUTCOMES = CONTRACT_OUTCOMES
OUTCOME_LABELS = {
    "matched": "Matched to a survey system",
    "added": "Added as a system",
    "same_system": "Another contract of a system counted",
    "ended_before_snapshot": "Ended before the snapshot",
    "unplaced": "IT, not placed",
    "not_it": "Not IT",
}
#: How an authority is covered.
RESPONDED, REGISTERS_ONLY, NOT_COVERED = "survey", "registers", "none"
COVERAGE_LABELS = {
    RESPONDED: "Returned the survey",
    REGISTERS_ONLY: "Contract register only",
    NOT_COVERED: "Neither",
}
#: The word written in an authority's square on the coverage map.
COVERAGE_WORDS = {RESPONDED: "Survey", REGISTERS_ONLY: "Register", NOT_COVERED: "None"}
#: A value filled from a register has a ``corrections.csv`` rule ending in this.
FILL_RULE_SUFFIX = "from_register"
#: Register-only column: every value of it comes from a register row.
REGISTER_COLUMNS = ("contract_value_gbp",)
#: ``known_by_source``'s name for "the system is named in an integration".
INTEGRATIONS = "integrations"
#: The values ``known_by_source`` looks at in the coverage chapter, with their table labels.
KNOWN_FIELDS = {
    "supplier": "Supplier",
    "contract_end": "Contract end date",
    "annual_cost_gbp": "Annual cost",
    "contract_value_gbp": "Total contract value",
    "satisfaction": "Satisfaction rating",
    "value_for_money": "Value-for-money rating",
    "hosting": "Hosting model",
    INTEGRATIONS: "Link to another system",
}


def system_sources(systems: pd.DataFrame) -> pd.Series:
    """Each system's source, ``survey`` where the table has no ``source`` or it is empty.

    Parameters
    ----------
    systems
        The processed ``systems`` table.

    Returns
    -------
    Series
        ``survey``, ``both`` or ``register``, same index as ``systems``.
    """
    if not has_column(systems, "source"):
        return pd.Series(SURVEY, index=systems.index, dtype="string")
    return systems["source"].astype("string").str.strip().replace("", pd.NA).fillna(SURVEY)


def coverage_by_authority(systems: pd.DataFrame, authorities: pd.DataFrame) -> pd.DataFrame:
    """How each authority is covered: by its survey return, by its contract register only,
    or by neither; and how many systems of each source it has.

    Parameters
    ----------
    systems
        The processed ``systems`` table (``gss_code``, ``source``).
    authorities
        The processed ``authorities`` table (``gss_code``, ``short_name``, ``responded``;
        ``abbreviation`` is carried through when present).

    Returns
    -------
    DataFrame
        One row per authority in GSS code order: ``gss_code``, ``short_name``,
        [``abbreviation``], ``responded``, ``coverage`` (``survey`` if it responded, else
        ``registers`` if its register gave any system, else ``none``), ``coverage_word``
        (``Survey``, ``Register`` or ``None``: the word for its square on a map), one count
        per source (``survey``, ``both``, ``register``) and ``systems`` (all of them).
    """
    columns = ["gss_code", "short_name"]
    if has_column(authorities, "abbreviation"):
        columns.append("abbreviation")
    table = authorities[columns].copy()
    table["responded"] = responded_mask(authorities).to_numpy()
    counts = pd.crosstab(systems["gss_code"].astype(str), system_sources(systems).astype(str))
    counts = counts.reindex(columns=list(SOURCES), fill_value=0)
    for source in SOURCES:
        table[source] = table["gss_code"].map(counts[source]).fillna(0).astype(int)
    table["systems"] = table[list(SOURCES)].sum(axis=1)
    table["coverage"] = NOT_COVERED
    table.loc[~table["responded"] & (table["systems"] > 0), "coverage"] = REGISTERS_ONLY
    table.loc[table["responded"], "coverage"] = RESPONDED
    table["coverage_word"] = table["coverage"].map(COVERAGE_WORDS)
    ordered = [*columns, "responded", "coverage", "coverage_word", *SOURCES, "systems"]
    return table[ordered].sort_values("gss_code", kind="stable").reset_index(drop=True)


def coverage_counts(coverage: pd.DataFrame) -> dict[str, int]:
    """Authorities per kind of coverage.

    Parameters
    ----------
    coverage
        From :func:`coverage_by_authority`.

    Returns
    -------
    dict
        ``authorities`` (all), ``survey`` (responded), ``registers`` (register only) and
        ``none`` (neither).
    """
    kinds = coverage["coverage"].value_counts()
    return {
        "authorities": int(len(coverage)),
        **{kind: int(kinds.get(kind, 0)) for kind in (RESPONDED, REGISTERS_ONLY, NOT_COVERED)},
    }


def systems_by_source(systems: pd.DataFrame, by: str | None = "service_area") -> pd.DataFrame:
    """Systems counted by source, per group or in all.

    Parameters
    ----------
    systems
        The processed ``systems`` table (``source`` and the ``by`` column).
    by
        Column to group by (e.g. ``service_area``, ``gss_code``); ``None`` for one row of
        totals.

    Returns
    -------
    DataFrame
        [``by``], ``survey``, ``both``, ``register``, ``total``; groups with the largest
        total first, then by name.
    """
    sources = system_sources(systems).astype(str)
    if by is None:
        counts = sources.value_counts().reindex(list(SOURCES), fill_value=0)
        table = pd.DataFrame([counts.to_dict()])
        table["total"] = table[list(SOURCES)].sum(axis=1)
        return table.astype(int)
    table = pd.crosstab(systems[by].astype(str), sources).reindex(
        columns=list(SOURCES), fill_value=0
    )
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    table = table.rename_axis(by).reset_index()
    table = table.sort_values(["total", by], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def source_counts(systems: pd.DataFrame) -> dict[str, int]:
    """How many systems each source gives, and at how many authorities registers stand in.

    Parameters
    ----------
    systems
        The processed ``systems`` table (``gss_code``, ``source``).

    Returns
    -------
    dict
        ``systems`` (all), ``survey_systems`` (from the returns: ``survey`` and ``both``),
        ``matched_systems`` (``both``), ``register_systems`` (``register``) and
        ``register_authorities`` (authorities with a ``register`` system).
    """
    sources = system_sources(systems)
    register = sources == REGISTER
    return {
        "systems": int(len(systems)),
        "survey_systems": int((~register).sum()),
        "matched_systems": int((sources == BOTH).sum()),
        "register_systems": int(register.sum()),
        "register_authorities": int(systems.loc[register.to_numpy(), "gss_code"].nunique()),
    }


def register_outcomes(
    contracts: pd.DataFrame | None, authorities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Contract-register rows counted by outcome, split by whether the authority responded.

    Parameters
    ----------
    contracts
        The processed ``contracts`` table (``gss_code``, ``outcome``); ``None`` (a release
        cleaned without registers) counts as no rows.
    authorities
        The processed ``authorities`` table (``gss_code``, ``responded``); without it every
        row counts as a responding authority's.

    Returns
    -------
    DataFrame
        One row per outcome in the order of :data:`OUTCOMES` (all of them, 0 where none): ``outcome``, ``label``, ``responded`` (rows of responding authorities),
        ``registers_only`` (rows of the others), ``rows`` (both) and ``share`` (of all rows,
        0–1; 0 when there are none).
    """
    if contracts is None:
        contracts = pd.DataFrame(
            {"gss_code": pd.Series(dtype=str), "outcome": pd.Series(dtype=str)}
        )
    outcome = contracts["outcome"].astype(str)
    if authorities is None:
        responded = pd.Series(True, index=contracts.index)
    else:
        answered = dict(zip(authorities["gss_code"], responded_mask(authorities)))
        responded = contracts["gss_code"].map(answered).fillna(False).astype(bool)
    table = pd.DataFrame({"outcome": list(OUTCOMES)})
    table["label"] = table["outcome"].map(OUTCOME_LABELS)
    table["responded"] = [int(((outcome == o) & responded).sum()) for o in OUTCOMES]
    table["registers_only"] = [int(((outcome == o) & ~responded).sum()) for o in OUTCOMES]
    table["rows"] = table["responded"] + table["registers_only"]
    total = int(table["rows"].sum())
    table["share"] = table["rows"] / total if total else 0.0
    return table


def _has_value(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column]
    present = values.notna()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        present &= values.astype("string").str.strip().fillna("") != ""
    return present.astype(bool)


def _integrated(systems: pd.DataFrame, integrations: pd.DataFrame) -> pd.Series:
    named = set(integrations["record_id"].dropna().astype(str))
    if has_column(integrations, "linked_record_id"):
        named |= set(integrations["linked_record_id"].dropna().astype(str))
    return systems["record_id"].astype(str).isin(named)


def known_by_source(
    systems: pd.DataFrame, columns: Sequence[str], integrations: pd.DataFrame | None = None
) -> pd.DataFrame:
    """What each source tells: the share of its systems with a value in each column.

    Parameters
    ----------
    systems
        The processed ``systems`` table (``source``, ``record_id`` and ``columns``).
    columns
        Columns of ``systems`` to look at, in the order of the rows returned.
    integrations
        The processed ``integrations`` table; when given, a last row ``integrations``
        gives the share of systems named in a link (either end).

    Returns
    -------
    DataFrame
        ``field``, then one column per source (``survey``, ``both``, ``register``: the share
        of that source's systems with a value, 0–1; ``<NA>`` when the source has no system),
        then one ``systems_<source>`` count per source.
    """
    sources = system_sources(systems).astype(str)
    sizes = {source: int((sources == source).sum()) for source in SOURCES}
    present = {column: _has_value(systems, column) for column in columns}
    if integrations is not None:
        present[INTEGRATIONS] = _integrated(systems, integrations)
    rows = []
    for field, known in present.items():
        row: dict = {"field": field}
        for source in SOURCES:
            mask = (sources == source).to_numpy()
            row[source] = (float(known[mask].sum()) / sizes[source]) if sizes[source] else pd.NA
        rows.append(row)
    table = pd.DataFrame(rows, columns=["field", *SOURCES])
    for source in SOURCES:
        table[source] = table[source].astype("Float64")
        table[f"systems_{source}"] = sizes[source]
    return table


def register_derived(
    systems: pd.DataFrame,
    columns: Iterable[str] | None = None,
    corrections: pd.DataFrame | None = None,
) -> pd.Series:
    """Which rows of a table of systems carry something taken from a contract register.

    Without ``columns`` a row counts by its existence: ``register`` rows are register-derived
    and ``both`` rows are not (the system is the survey's). With ``columns`` only the values
    in them count: a ``register`` row with a value in one of them, or a ``both`` row whose
    value in one of them came from a register (``contract_value_gbp`` always does; others
    when ``corrections`` logs a fill, a rule ending in ``from_register``, for that row and
    column).

    Parameters
    ----------
    systems
        Rows of the processed ``systems`` table (``source``; ``source_file`` and
        ``source_row`` to look fills up).
    columns
        The columns a figure or a number draws on; ``None`` when it counts systems.
    corrections
        The processed ``corrections`` table (``source_file``, ``source_row``, ``column``,
        ``rule``).

    Returns
    -------
    Series
        Boolean, same index as ``systems``.
    """
    sources = system_sources(systems)
    register = (sources == REGISTER).fillna(False).astype(bool)
    if columns is None:
        return register
    columns = list(columns)
    shown = [column for column in columns if has_column(systems, column)]
    valued = pd.Series(False, index=systems.index)
    for column in shown:
        valued |= _has_value(systems, column)
    derived = register & valued
    matched = (sources == BOTH).fillna(False).astype(bool)
    for column in shown:
        if column in REGISTER_COLUMNS:
            derived |= matched & _has_value(systems, column)
    if corrections is not None and len(corrections) and matched.any():
        rules = corrections["rule"].astype(str)
        fills = corrections[
            rules.str.endswith(FILL_RULE_SUFFIX) & corrections["column"].astype(str).isin(columns)
        ]
        keys = set(
            zip(fills["source_file"].astype(str), pd.to_numeric(fills["source_row"]).astype(int))
        )
        rows = pd.to_numeric(systems["source_row"], errors="coerce").fillna(-1).astype(int)
        filled = pd.Series(
            [(f, r) in keys for f, r in zip(systems["source_file"].astype(str), rows)],
            index=systems.index,
        )
        derived |= matched & filled
    return derived


def survey_derived(systems: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.Series:
    """Which rows of a table of systems carry something the survey returns gave.

    ``survey`` and ``both`` rows (the survey's own systems); with ``columns``, only those
    with a value in one of them.

    Parameters
    ----------
    systems
        Rows of the processed ``systems`` table (``source``).
    columns
        The columns a figure or a number draws on; ``None`` when it counts systems.

    Returns
    -------
    Series
        Boolean, same index as ``systems``.
    """
    survey = (system_sources(systems) != REGISTER).fillna(True).astype(bool)
    if columns is None:
        return survey
    valued = pd.Series(False, index=systems.index)
    for column in columns:
        if has_column(systems, column) and column not in REGISTER_COLUMNS:
            valued |= _has_value(systems, column)
    return survey & valued
