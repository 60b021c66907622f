"""The chapter "What changed since the last round", and the change figures other pages quote.

:func:`open_comparison` compares the book's release with the previous round's (the folder the
build passes, or the round before the current one in ``data/raw/rounds/``); every other
function returns one :class:`~citytools_analysis.report.section.Section` of the chapter, or
the change paragraph of the executive summary. With no previous round each says so.
"""

from __future__ import annotations

from pathlib import Path

from citytools_analysis.metrics import changes
from citytools_analysis.metrics.round_comparison import (
    ChangeEvidence,
    RoundComparison,
    change_evidence,
    compare_with_previous,
)
from citytools_analysis.report import change_charts, change_narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.section import Section

NO_PREVIOUS_ROUND = (
    "This is the first survey round the project holds, so there is nothing yet to compare it "
    "with. The next round will show what changed."
)
# The supplier gains chart shows every supplier up to this many, else the largest gains and
# losses (half each).
GAINS_SHOWN = 16
# The largest supplier-to-supplier flows listed.
FLOWS_SHOWN = 15
# The classes of systems seen in both rounds, in the order the service-area chart stacks them.
AREA_CLASSES = ("switched_product", "switched_supplier", "renewed", "continued")


def open_comparison(
    processed_dir: Path | str,
    previous_dir: Path | str = "",
    window_months: int | None = None,
    min_authorities: int | None = None,
    horizon_years: int | None = None,
) -> RoundComparison | None:
    """The previous round's release compared with ``processed_dir``'s; ``None`` if none.

    Parameters
    ----------
    processed_dir
        The book's release (the later round).
    previous_dir
        The earlier round's release; ``""`` takes the round before the current one
        (:func:`citytools_analysis.core.rounds.previous_release_dir`).
    window_months, min_authorities, horizon_years
        The joint-procurement parameters for the earlier round's opportunities; ``None``
        takes the report's configured value.
    """
    plots.apply_theme()
    return compare_with_previous(
        processed_dir,
        previous_dir,
        window_months=window_months,
        min_authorities=min_authorities,
        horizon_years=horizon_years,
    )


def evidence(comparison: RoundComparison | None) -> ChangeEvidence | None:
    """The change figures quoted outside the chapter, or ``None`` with no previous round."""
    return None if comparison is None else change_evidence(comparison)


def summary(comparison: RoundComparison | None) -> Section:
    """The opening paragraph and the count of systems by change."""
    if comparison is None:
        return Section(NO_PREVIOUS_ROUND)
    found = comparison.changes
    counts = changes.change_counts(found)
    relet = changes.relet_contracts(found)
    table = (
        counts.rename_axis("change")
        .reset_index(name="systems")
        .assign(change=lambda t: t["change"].map(changes.change_labels()))
        .rename(columns={"change": "Change", "systems": "Systems"})
    )
    text = change_narrative.changes_summary(
        counts, comparison.earlier_round, comparison.later_round, relet
    )
    return Section(text, table)


def switching_by_area(comparison: RoundComparison | None) -> Section:
    """What became of each service area's systems seen in both rounds: a stacked bar chart."""
    if comparison is None:
        return Section(NO_PREVIOUS_ROUND)
    by_area = changes.switching_by_area(comparison.changes)
    if by_area.empty:
        return Section("No system was seen in both rounds.")
    earlier, later = comparison.earlier_round, comparison.later_round
    fig = change_charts.change_share_bars(
        by_area,
        classes=AREA_CLASSES,
        labels=changes.change_labels(),
        title=f"What became of each service area's systems, round {earlier} to {later}",
        ylabel="Service area (systems seen in both rounds)",
    )
    top = by_area.iloc[0]
    alt = (
        f"Stacked bar chart of {len(by_area)} service areas: the share of their systems seen in both "
        f"rounds that switched product, switched supplier, were renewed or continued. "
        f"{top['service_area']} changed most: {top['switch_rate']:.0%} of its {top['matched']} systems "
        f"switched supplier or product."
    )
    return Section(figure=fig, alt=alt, source=comparison.source)


def winners_and_losers(comparison: RoundComparison | None) -> Section:
    """Systems won from and lost to other suppliers, and the largest flows between them."""
    if comparison is None:
        return Section(NO_PREVIOUS_ROUND)
    gains = changes.supplier_gains(comparison.changes)
    if gains.empty:
        return Section("No system moved to another supplier.")
    flows = changes.supplier_flows(comparison.changes)
    half = GAINS_SHOWN // 2
    shown = (
        gains
        if len(gains) <= GAINS_SHOWN
        else gains.iloc[list(range(half)) + list(range(len(gains) - half, len(gains)))]
    )
    fig = change_charts.supplier_gain_bars(
        shown,
        title="Systems won and lost to another supplier, largest net gain first",
        ylabel="Supplier",
    )
    best, worst = gains.iloc[0], gains.iloc[-1]
    alt = (
        f"Bar chart of {len(shown)} suppliers' systems won from and lost to other suppliers since round "
        f"{comparison.earlier_round}. {best['supplier']} gained most (net {best['net']:+d}); "
        f"{worst['supplier']} lost most (net {worst['net']:+d})."
    )
    table = flows.head(FLOWS_SHOWN).rename(
        columns={
            "supplier_before": f"From (round {comparison.earlier_round})",
            "supplier_after": f"To (round {comparison.later_round})",
            "systems": "Systems",
        }
    )
    return Section(figure=fig, alt=alt, source=comparison.source, more=(table,))


def relets(comparison: RoundComparison | None) -> Section:
    """Contracts let again: back to the incumbent, or to another supplier or product."""
    if comparison is None:
        return Section(NO_PREVIOUS_ROUND)
    relet = changes.relet_contracts(comparison.changes)
    table = relet.assign(
        change=lambda t: t["change"].map(changes.change_labels()),
        share=lambda t: t["share"].map(lambda s: f"{s:.0%}" if s == s else ""),
    ).rename(columns={"change": "Contract let again", "systems": "Systems", "share": "Share"})
    return Section(table=table)


def new_entrants(comparison: RoundComparison | None) -> Section:
    """Systems won by a manufacturer no authority ran in the earlier round."""
    if comparison is None:
        return Section(NO_PREVIOUS_ROUND)
    wins = changes.new_entrant_wins(comparison.changes, comparison.earlier_systems)
    if wins.empty:
        return Section("No new entrant won a system.")
    text = f"{len(wins)} systems went to {wins['manufacturer_after'].nunique()} new entrants."
    columns = {
        "authority": "Authority",
        "service_area": "Service area",
        "change": "Change",
        "product_before": "Product before",
        "product_after": "Product now",
        "manufacturer_after": "New entrant",
    }
    table = wins.assign(
        authority=lambda t: t["gss_code"].map(comparison.names),
        change=lambda t: t["change"].map(changes.change_labels()),
    )[list(columns)].rename(columns=columns)
    return Section(text, table)


def satisfaction(comparison: RoundComparison | None) -> Section:
    """Mean satisfaction in both rounds of kept, kept-against-plan and replaced systems."""
    if comparison is None:
        return Section(NO_PREVIOUS_ROUND)
    rated = changes.satisfaction_change(comparison.changes)
    formats = {"mean_before": "{:.2f}", "mean_after": "{:.2f}", "mean_change": "{:+.2f}"}
    table = rated.assign(
        **{column: rated[column].map(form.format) for column, form in formats.items()}
    ).rename(
        columns={
            "group": "Systems",
            "systems": "Rated in both rounds",
            "mean_before": f"Round {comparison.earlier_round}",
            "mean_after": f"Round {comparison.later_round}",
            "mean_change": "Change",
        }
    )
    return Section(table=table)


def opportunities(comparison: RoundComparison | None) -> Section:
    """What became of each joint-procurement opportunity of the earlier round."""
    if comparison is None:
        return Section(NO_PREVIOUS_ROUND)
    outcomes = comparison.outcomes
    text = change_narrative.opportunities_summary(outcomes, comparison.earlier_round)
    if outcomes.empty:
        return Section(text)
    columns = {
        "kind": "By",
        "name": "Product or service area",
        "authorities": "Authorities",
        "first_end": "First end",
        "last_end": "Last end",
        "outcome": "What happened",
        "observed": "Seen in both rounds",
        "products_after": "Products now",
    }
    table = outcomes.assign(
        first_end=lambda t: t["first_end"].dt.date.astype(str),
        last_end=lambda t: t["last_end"].dt.date.astype(str),
        products_after=lambda t: t["products_after"].str.replace("|", ", ", regex=False),
    )[list(columns)].rename(columns=columns)
    return Section(text, table)


def summary_paragraph(found: ChangeEvidence | None) -> str:
    """The executive summary's paragraph on change since the previous round."""
    if found is None:
        return NO_PREVIOUS_ROUND
    parts = [
        f"Since round {found.earlier_round}, {found.switched} of the {found.matched:,} systems "
        f"seen in both rounds ({change_narrative.share(found.switched, found.matched)}) changed supplier or "
        f"product, and {found.relet_to_incumbent} of the {found.relet} contracts let again "
        f"({change_narrative.share(found.relet_to_incumbent, found.relet)}) went back to the incumbent."
    ]
    if found.new_entrant_wins:
        parts.append(
            f"New entrants won {found.new_entrant_wins} systems "
            f"({found.new_entrants} manufacturers no authority ran in round {found.earlier_round})."
        )
    if found.opportunities:
        parts.append(
            f"Of the {found.opportunities} joint-procurement opportunities round "
            f"{found.earlier_round} showed, {found.realised} were realised together and "
            f"{found.missed} were missed; {found.still_to_come} are still to come."
        )
    return " ".join(parts)


def chapter_evidence(chapter: Chapter, previous_dir: Path | str = "") -> ChangeEvidence | None:
    """The change figures for a chapter's release and parameters (``None``: no previous round)."""
    return evidence(
        open_comparison(
            chapter.processed_dir,
            previous_dir,
            chapter.window_months,
            chapter.min_authorities,
            chapter.horizon_years,
        )
    )
