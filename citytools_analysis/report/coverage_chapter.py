"""The coverage chapter: who the survey, the contract registers and the payment files cover,
what each source adds, what stays unknown, and survey costs against what was paid.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section`; the notebook shows it.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from citytools_analysis.core.reference import authority_names
from citytools_analysis.metrics import coverage, overview, spend
from citytools_analysis.report import charts, narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": (*AUTHORITY_TILES, "responded"),
        "systems": (
            "record_id",
            "gss_code",
            "service_area",
            "supplier",
            "hosting",
            "contract_end",
            "annual_cost_gbp",
            "contract_value_gbp",
            "value_for_money",
            "satisfaction",
            "source",
            "source_file",
            "source_row",
        ),
        "integrations": ("record_id", "linked_record_id"),
        "corrections": ("source_file", "source_row", "column", "rule"),
        "contracts": ("gss_code", "outcome"),
        "it_spend": ("gss_code", "financial_year", "supplier", "amount_gbp"),
    },
)


OUTCOME_TICKS = 4
"""At most this many ticks on the register-outcome chart's axis (its counts run to thousands)."""

LARGEST_DIFFERENCES = 10
"""Authority and supplier pairs listed under the cost check, largest difference first."""

NO_PAYMENTS = "No payment files were read for this build."

OUTCOME_COLUMNS = {
    "label": "Outcome",
    "responded": "Responding authorities",
    "registers_only": "Other authorities",
    "rows": "Rows",
    "share": "Share (%)",
}
"""The register-outcome table's columns and their headings."""

ABSENT_COLUMNS = {
    "short_name": "Authority (did not respond)",
    "register": "Register read",
    "spend": "Payments read",
    "systems": "Systems (from its register)",
    "it_suppliers_paid": "IT suppliers paid",
    "it_paid_gbp": "IT paid (£, all years)",
    "top": "Largest IT suppliers by money paid",
}
"""The table of authorities that did not respond: its columns and their headings."""


def _by_authority(chapter: Chapter) -> pd.DataFrame:
    return coverage.coverage_by_authority(chapter.data.systems, chapter.data.authorities)


def _known(chapter: Chapter) -> pd.DataFrame:
    fields = [field for field in coverage.KNOWN_FIELDS if field != coverage.INTEGRATIONS]
    return coverage.known_by_source(chapter.data.systems, fields, chapter.data.integrations)


def _has_spend(chapter: Chapter) -> bool:
    return chapter.data.it_spend is not None and bool(len(chapter.data.it_spend))


def key_findings(chapter: Chapter) -> Section:
    """Who each source covers and what the registers held, then the snapshot sentence."""
    data = chapter.data
    by_authority = _by_authority(chapter)
    register_only = by_authority[by_authority["coverage"] == coverage.REGISTERS_ONLY]
    text = narrative.coverage(
        coverage.coverage_counts(by_authority),
        coverage.source_counts(data.systems),
        coverage.register_outcomes(data.contracts, data.authorities),
        _known(chapter),
        register_only["short_name"].tolist(),
    )
    return Section(text + "\n\n" + narrative.as_of_sentence(chapter.found))


def who_is_covered(chapter: Chapter) -> Section:
    """A map of the systems per authority, each square labelled with the source they come from."""
    data = chapter.data
    by_authority = _by_authority(chapter)
    covered = coverage.coverage_counts(by_authority)
    register_only = by_authority[by_authority["coverage"] == coverage.REGISTERS_ONLY]
    figure = plots.tile_map(
        by_authority[by_authority["coverage"] != coverage.NOT_COVERED],
        authorities=data.authorities,
        value_column="systems",
        note_column="coverage_word",
        title="Systems per authority, and where they come from",
        value_label="Systems (count)",
        no_data_label="Neither survey nor register",
    )
    neither = by_authority.loc[by_authority["coverage"] == coverage.NOT_COVERED, "short_name"]
    alt = (
        f"Tile map of London's {covered['authorities']} local authorities, one square each, "
        f"coloured by the number of systems in the release and labelled Survey or Register. "
        f"{covered['survey']} returned the survey; {covered['registers']} are known from their "
        f"contract registers only"
        + (f" ({', '.join(register_only['short_name'])})" if len(register_only) else "")
        + ("; covered by neither: " + ", ".join(neither) if len(neither) else "")
        + "."
    )
    source = overview.survey_source(chapter.processed_dir, ["systems", "authorities"], data.systems)
    return Section(figure=figure, alt=alt, source=source)


def systems_by_source(chapter: Chapter) -> Section:
    """Each service area's systems split by source, as stacked bars (nothing when none)."""
    data = chapter.data
    by_area = coverage.systems_by_source(data.systems, by="service_area")
    if by_area.empty:
        return Section()
    sources = coverage.source_counts(data.systems)
    series = [source for source in coverage.SOURCES if by_area[source].sum() > 0]
    figure = plots.ranked_bar_chart(
        by_area,
        category="service_area",
        series=series,
        series_labels=[coverage.SOURCE_LABELS[source] for source in series],
        title="Systems by service area and source",
        xlabel="Systems (count)",
        ylabel="Service area",
    )
    most = by_area.sort_values(["register", "service_area"], ascending=[False, True]).iloc[0]
    alt = (
        f"Stacked horizontal bar chart of the {sources['systems']:,} systems in "
        f"{narrative.plural(len(by_area), 'service area')}, largest first, each bar split "
        f"into "
        + "; ".join(coverage.SOURCE_LABELS[source].lower() for source in series)
        + f". In all: {sources['survey_systems'] - sources['matched_systems']:,} "
        f"survey only, {sources['matched_systems']:,} matched and "
        f"{sources['register_systems']:,} register only"
        + (
            f"; {most['service_area']} has the most register-only systems, {most['register']}."
            if most["register"]
            else "."
        )
    )
    source = overview.survey_source(chapter.processed_dir, ["systems"], data.systems)
    return Section(figure=figure, alt=alt, source=source)


def register_outcomes(chapter: Chapter) -> Section:
    """Every contract-register row by outcome, as stacked bars and then a table."""
    outcomes = coverage.register_outcomes(chapter.data.contracts, chapter.data.authorities)
    total = int(outcomes["rows"].sum())
    if not total:
        return Section("This release was cleaned without contract registers.")
    figure = plots.ranked_bar_chart(
        outcomes,
        category="label",
        series=["responded", "registers_only"],
        series_labels=["Responded", "Did not respond"],
        title="Contract-register rows by outcome",
        xlabel="Register rows (count)",
        ylabel="Outcome",
    )
    figure.axes[0].xaxis.set_major_locator(MaxNLocator(nbins=OUTCOME_TICKS, integer=True))
    figure.axes[0].xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    alt = (
        f"Stacked horizontal bar chart of the {total:,} contract-register "
        f"rows by outcome, split into rows of authorities that returned the survey and of "
        f"those that did not: "
        + "; ".join(
            f"{row.label} {row.rows:,} ({row.responded:,} and {row.registers_only:,})"
            for row in outcomes.itertuples(index=False)
        )
        + "."
    )
    table = outcomes.assign(share=lambda t: (t["share"] * 100).round(1))[list(OUTCOME_COLUMNS)]
    return Section(
        figure=figure,
        alt=alt,
        source=overview.survey_source(chapter.processed_dir, ["contracts"]),
        more=(table.rename(columns=OUTCOME_COLUMNS),),
    )


def what_stays_unknown(chapter: Chapter) -> Section:
    """The share of each source's systems that has each value (a table), and, when registers
    added systems, which chapters count them."""
    known = _known(chapter)
    present = [source for source in coverage.SOURCES if known[f"systems_{source}"].iloc[0] > 0]
    table = (
        known.assign(field=known["field"].map(coverage.KNOWN_FIELDS))[["field", *present]]
        .assign(**{source: (known[source] * 100).round().astype("Int64") for source in present})
        .rename(
            columns={
                "field": "Value",
                **{source: f"{coverage.SOURCE_LABELS[source]} (%)" for source in present},
            }
        )
    )
    note = ()
    if coverage.source_counts(chapter.data.systems)["register_systems"]:
        note = (
            Section(
                "The chapters on satisfaction, skills, digital maturity, integration and hosting "
                "draw on the survey alone; the overview, market, contract and collaboration "
                "chapters count register-only systems too, and each figure's source line says "
                "which sources it shows."
            ),
        )
    return Section(table=table, more=note)


def spend_coverage(chapter: Chapter) -> Section:
    """Which sources cover each authority, and what payments add for those that did not
    respond (a sentence and a table)."""
    data = chapter.data
    if not _has_spend(chapter):
        return Section(NO_PAYMENTS)
    sources = spend.sources_by_authority(
        data.authorities, data.systems, data.contracts, data.it_spend
    )
    counts = spend.coverage_summary(sources)
    text = (
        f"Of {counts['authorities']} authorities, {counts['survey']} returned the "
        f"survey, {counts['register']} published a contract register that was read and "
        f"{counts['spend']} published payments that include IT; {counts['all_three']} "
        f"are covered by all three. For the {counts['spend_only_non_responders']} "
        f"authorities that did not respond but publish payments, spend names "
        f"{counts['non_responder_suppliers']:,} IT suppliers (counted once per authority)."
    )
    absent = sources[~sources["survey"]].copy()
    absent["top"] = [spend.top_suppliers_text(data.it_spend, code) for code in absent["gss_code"]]
    return Section(text, absent[list(ABSENT_COLUMNS)].rename(columns=ABSENT_COLUMNS))


def cost_check(chapter: Chapter) -> Section:
    """Survey costs set beside the payments of the snapshot's financial year: a sentence, a
    scatter plot and the pairs that differ most."""
    data = chapter.data
    if not _has_spend(chapter) or data.snapshot_date is None:
        return Section(NO_PAYMENTS)
    year = spend.financial_year_of(data.snapshot_date)
    check = spend.cost_check(data.systems, data.it_spend, year, data.corrections)
    summary = spend.cost_check_summary(check)
    if not summary["pairs"]:
        return Section(f"No survey costs can be set beside payments for {year}.")
    text = (
        f"{summary['pairs']:,} authority and supplier pairs have costs in the survey and "
        f"published payments in {year}. For {summary['within']:,} of them the payments are "
        f"within 10% of the costs reported; {summary['more']:,} were paid more, "
        f"{summary['less']:,} less, and {summary['unpaid']:,} nothing that year. In total "
        f"£{summary['reported_gbp']:,.0f} was reported and £{summary['paid_gbp']:,.0f} paid."
    )
    figure = charts.reported_against_paid(
        check, title=f"Annual costs reported and IT payments made, {year}"
    )
    alt = (
        f"Scatter plot on logarithmic axes of {summary['pairs']} authority and supplier pairs: "
        f"the annual cost reported in the survey across, the IT payments to that supplier in "
        f"{year} up, with a dashed line where they are equal. {summary['within']} pairs lie "
        f"within 10% of the line; {summary['unpaid']} pairs with nothing paid are drawn at "
        f"the bottom."
    )
    source = (
        overview.survey_source(chapter.processed_dir, ["systems"])
        + "; "
        + spend.spend_source(chapter.processed_dir)
    )
    names = authority_names(data.authorities)
    largest = check.head(LARGEST_DIFFERENCES).assign(authority=lambda t: t["gss_code"].map(names))
    table = largest[
        ["authority", "supplier", "systems", "reported_gbp", "paid_gbp", "difference_gbp"]
    ].rename(
        columns={
            "authority": "Authority",
            "supplier": "Supplier",
            "systems": "Systems costed",
            "reported_gbp": "Reported (£ a year)",
            "paid_gbp": f"Paid in {year} (£)",
            "difference_gbp": "Paid less reported (£)",
        }
    )
    return Section(text, figure=figure, alt=alt, source=source, more=(table,))
