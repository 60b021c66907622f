"""Borough profiles, presented: each authority's page as readers see it.

What a profile holds is computed in :mod:`citytools_analysis.metrics.profiles` (the
London-wide context, one authority's slice, its digest); this module turns it into the page's
sentences, tables with readers' headings, the tile map and sections, and opens the context a
profile notebook reads (the build's precomputed file, or computed on the spot).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from citytools_analysis.core.paths import project_path
from citytools_analysis.metrics.changes import change_labels
from citytools_analysis.metrics.profiles import (
    FROM_REGISTERS,
    MAP_SHARED,
    RETURN_CATEGORIES,
    RETURNED,
    AuthorityProfile,
    LondonContext,
    load_london,
    read_context,
)
from citytools_analysis.release.processed import read_table
from citytools_analysis.report import plots
from citytools_analysis.report.section import Section

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
    labels = change_labels()
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
    labels = change_labels()
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


def changes_section(profile: AuthorityProfile) -> Section:
    """The profile's changes since the previous round: the paragraph, then the changed systems."""
    table = display_changes(profile)
    return Section(changes_markdown(profile), None if table.empty else table)


def money_paid(processed_dir: Path | str, gss_code: str) -> Section:
    """What the authority paid its IT suppliers, by financial year, from its payment files."""
    folder = project_path(processed_dir)
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
        return read_context(project_path(context_file))
    return load_london(
        project_path(processed_dir),
        project_path(reference_dir) if reference_dir else None,
        previous_dir,
        as_of=as_of or None,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
    )


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
