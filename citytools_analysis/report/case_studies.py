"""The case studies chapter: which cases it tells, and each case's text, table and figure.

Three cases, each chosen by a rule over the findings: the widest joint-procurement
opportunity for one product (most authorities, then the largest known annual cost, then
the name), the first under-performance cluster, and the skill area with the most
peer-support pairings. Each function returns a :class:`CaseStudy`; :func:`show` displays
it in a notebook.
"""

from __future__ import annotations

import pandas as pd

from citytools_analysis.metrics import overview, satisfaction
from citytools_analysis.report import charts, formatting, narrative, plots, section
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": AUTHORITY_TILES,
        "systems": (
            "record_id",
            "gss_code",
            "service_area",
            "product",
            "supplier",
            "contract_end",
            "annual_cost_gbp",
            "value_for_money",
            "satisfaction",
            "source",
        ),
        "skills": ("gss_code", "skill_area", "level"),
    },
    ("joint_procurement", "clusters", "peer_support"),
)


# A case is one chapter section (text, table, figure); the name says what it is here.
CaseStudy = Section


def joint_procurement_choice(chapter: Chapter) -> pd.Series | None:
    """The product opportunity the chapter tells: most authorities, then cost, then name."""
    opportunities = chapter.found.joint_procurement
    products = opportunities[opportunities["kind"] == "product"]
    if products.empty:
        return None
    return products.sort_values(
        ["authorities", "annual_cost_gbp", "name"], ascending=[False, False, True], kind="mergesort"
    ).iloc[0]


def joint_procurement_case(chapter: Chapter) -> CaseStudy:
    """Authorities whose contracts for one product end within one window."""
    case = joint_procurement_choice(chapter)
    if case is None:
        return CaseStudy("No product has contracts ending together at these parameters.")
    data, found, names = chapter.data, chapter.found, chapter.names
    rows = data.systems[data.systems["record_id"].isin(case["record_ids"])].copy()
    rows["authority"] = rows["gss_code"].map(names)
    rows = rows.sort_values(["contract_end", "authority"], kind="mergesort")
    rated = rows["satisfaction"].dropna().astype(float)
    text = (
        f"**{narrative.md(case['name'])}** ({narrative.md(case['service_area'])}) is run under "
        f"contracts at {case['authorities']} authorities that end "
        f"{formatting.date_range(case['first_end'], case['last_end'])}, within one window of "
        f"{narrative.plural(chapter.window_months, 'month')}. "
        + (
            f"Their combined known annual cost is {narrative.format_gbp(case['annual_cost_gbp'])}. "
            if case["costed_systems"]
            else ""
        )
        + (
            f"Their mean satisfaction with it is {rated.mean():.1f} out of 5. "
            if len(rated)
            else ""
        )
        + "Buying together, or at least agreeing requirements and timing, would give these "
        "authorities one stronger negotiating position instead of several weak ones."
    )
    table = rows.assign(
        contract_end=lambda t: t["contract_end"].dt.strftime("%Y-%m-%d"),
    )[["authority", "supplier", "contract_end", "annual_cost_gbp", "satisfaction"]].rename(
        columns={
            "authority": "Authority",
            "supplier": "Supplier",
            "contract_end": "Contract end",
            "annual_cost_gbp": "Annual cost (£)",
            "satisfaction": "Satisfaction (1–5)",
        }
    )
    months = (
        rows.groupby("gss_code")["contract_end"].min() - pd.Timestamp(found.as_of)
    ).dt.days / 30.44
    figure = plots.tile_map(
        months.rename("months").reset_index(),
        authorities=data.authorities,
        value_column="months",
        title=f"{case['name']}: months from {found.as_of:%B %Y} to contract end",
        value_label="Months to contract end",
        value_format="{:.0f}",
        no_data_label="Not in this window",
    )
    alt = (
        f"Tile map of London's authorities; the {case['authorities']} whose {case['name']} "
        f"contracts end in the window are coloured by months from the snapshot date to the "
        f"end, from {months.min():.0f} to {months.max():.0f}; the rest are grey."
    )
    source = overview.survey_source(chapter.processed_dir, ["systems", "authorities"], rows)
    return CaseStudy(text, table, figure, alt, source)


def underperformance_case(chapter: Chapter) -> CaseStudy:
    """The first service area rated poor by enough authorities, and its products' ratings."""
    found, data, names = chapter.found, chapter.data, chapter.names
    if found.clusters.empty:
        return CaseStudy(
            f"No service area is rated poor by {chapter.min_authorities} or more authorities."
        )
    cluster = found.clusters.iloc[0]
    area = cluster["service_area"]
    by_product = satisfaction.ratings_by(
        data.systems[data.systems["service_area"] == area], by="product"
    )
    by_product = by_product[by_product["rated_satisfaction"] > 0].sort_values(
        ["mean_satisfaction", "product"], kind="mergesort"
    )
    best = by_product.iloc[-1]
    text = (
        f"In **{narrative.md(area)}**, {cluster['authorities']} of the "
        f"{cluster['rated_authorities']} authorities that rated their systems give them poor or "
        f"very poor satisfaction: {', '.join(sorted(names[c] for c in cluster['gss_codes']))}. "
        f"They run {', '.join(narrative.md(p) for p in cluster['products'])}. Across London the "
        f"best-rated product in this area is {narrative.md(best['product'])} "
        f"({best['mean_satisfaction']:.1f} over {best['rated_satisfaction']} rated systems). A "
        f"shared problem is a case for shared investment: a common specification, a joint "
        f"market engagement, or a shared service."
    )
    figure = charts.ranked_value_bars(
        by_product,
        category="product",
        value="mean_satisfaction",
        value_format="{:.1f}",
        xmax=5.4,
        reference=2.0,
        reference_label="2 = poor",
        title=f"{area}: mean satisfaction by product",
        xlabel="Mean satisfaction (1 very poor – 5 very good)",
        ylabel="Product",
    )
    lowest = by_product.iloc[0]
    alt = (
        f"Ranked bar chart of mean satisfaction with the {len(by_product)} products used in "
        f"{area}, lowest first; {lowest['product']} is lowest at "
        f"{lowest['mean_satisfaction']:.1f} and {best['product']} highest at "
        f"{best['mean_satisfaction']:.1f}."
    )
    source = overview.survey_source(chapter.processed_dir, ["systems"])
    return CaseStudy(text, None, figure, alt, source)


def peer_support_case(chapter: Chapter) -> CaseStudy:
    """The skill area with the most peer-support pairings, and who is where in it."""
    matches, data, names = chapter.found.peer_support, chapter.data, chapter.names
    if matches.empty:
        return CaseStudy("No peer-support match in this release.")
    area = (
        matches.groupby("skill_area").size().sort_values(ascending=False, kind="mergesort").index[0]
    )
    here = matches[matches["skill_area"] == area]
    mentors = sorted({names[c] for c in here["mentor"]})
    learners = sorted({names[c] for c in here["learner"]})
    text = (
        f"In **{narrative.md(area)}**, {len(mentors)} authorities rate themselves practitioner or "
        f"expert and offer to support others ({', '.join(mentors)}), while {len(learners)} are "
        f"at awareness or below ({', '.join(learners)}): {len(here)} possible pairings. Peer "
        f"support costs less than bought-in training and builds a network that lasts."
    )
    levels = data.skills[data.skills["skill_area"] == area][["gss_code", "level"]]
    figure = plots.tile_map(
        levels,
        authorities=data.authorities,
        value_column="level",
        title=f"{area}: self-assessed level by authority",
        value_label="Level (0 none – 4 expert)",
        no_data_label="Not assessed",
    )
    alt = (
        f"Tile map of London's authorities coloured by their self-assessed level in {area}; "
        f"{len(mentors)} could support others and {len(learners)} are at level 1 or below."
    )
    source = overview.survey_source(chapter.processed_dir, ["skills", "authorities"])
    return CaseStudy(text, None, figure, alt, source)


def show(case: CaseStudy) -> None:
    """Display a case in a notebook: its text, then its table, then its figure."""
    section.show(case)
