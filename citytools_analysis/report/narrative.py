"""Key-findings sentences: each chapter's opening, composed from the finding tables.

Every function returns Markdown text whose numbers come from its arguments, so a change in
the data or in a parameter (``as_of``, the horizon, the window, ``min_authorities``)
changes the sentence. Nothing here computes a metric: the tables come from the metric
modules and :func:`citytools_analysis.metrics.findings.collect_findings`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from datetime import date

import pandas as pd

from citytools_analysis.core.blank import is_blank
from citytools_analysis.metrics.findings import Findings
from citytools_analysis.metrics.recommendations import RecommendationGroup, format_gbp
from citytools_analysis.report import formatting

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~!])")


def md(text: object) -> str:
    """A name from the data, made safe to place in a Markdown sentence.

    HTML is escaped (``<script>`` shows as text, never runs) and Markdown punctuation is
    backslash-escaped (``*`` or ``_`` in a supplier's name cannot start emphasis).
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def long_date(day: date | pd.Timestamp) -> str:
    """A date for prose: ``30 September 2019``."""
    return formatting.long_date(day)


def plural(number: int, singular: str, plural_form: str | None = None) -> str:
    """``1 system``, ``3 systems`` (thousands separated)."""
    word = singular if number == 1 else (plural_form or singular + "s")
    return f"{number:,} {word}"


def percent(share: float) -> str:
    """A share in 0–1 as a whole percentage (``63%``); ``n/a`` when undefined."""
    return "n/a" if share is None or pd.isna(share) else f"{share:.0%}"


def p_value(p: float) -> str:
    """``p < 0.001`` or ``p = 0.012``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


_NUMBER_WORDS = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)


def in_words(number: int) -> str:
    """A small count in words for prose (``three``, ``twelve``); digits from 21 on."""
    number = int(number)
    return _NUMBER_WORDS[number] if 0 <= number < len(_NUMBER_WORDS) else f"{number:,}"


def shared_definition(min_authorities: int, shown: int = 20) -> str:
    """What the shared-systems heatmap shows, with the threshold in words."""
    return (
        f"Each column is a product used by at least {in_words(min_authorities)} authorities "
        f"(the {shown} most widely shared at most), each row an authority; a coloured cell "
        f"means the authority runs it, the number how many systems of it."
    )


def opportunity_definition(min_authorities: int, window_months: int) -> str:
    """What a joint procurement opportunity is, with the threshold and window in words."""
    return (
        f"An opportunity is a product (or a service area) whose contracts at "
        f"{in_words(min_authorities)} or more authorities end within "
        f"{in_words(window_months)} months of each other, within the horizon."
    )


def cluster_definition(min_authorities: int) -> str:
    """What an under-performance cluster is, with the threshold in words."""
    return (
        f"A service area where at least {in_words(min_authorities)} authorities give their "
        f"systems a mean satisfaction of 2 (poor) or less: a case for collective investment."
    )


def as_of_sentence(found: Findings) -> str:
    """The parameters every chapter states: the snapshot date, horizon, window, threshold."""
    return (
        f"Figures are as of **{long_date(found.as_of)}**; the expiry horizon is "
        f"{plural(found.horizon_years, 'year')}, the joint-procurement window "
        f"{plural(found.window_months, 'month')}, and an opportunity or a cluster needs at "
        f"least {plural(found.min_authorities, 'authority', 'authorities')}."
    )


def _non_responding(counts: Mapping[str, int]) -> str:
    """``the 12 authorities that did not respond`` (the authorities registers stand in for)."""
    n = int(counts.get("register_authorities", 0))
    return f"the {plural(n, 'authority', 'authorities')} that did not respond"


def system_sources(counts: Mapping[str, int]) -> str:
    """Where the systems counted come from: the survey returns and the contract registers.

    Parameters
    ----------
    counts
        :func:`citytools_analysis.metrics.coverage.source_counts` (``Findings.counts`` holds them).

    Returns
    -------
    str
        One sentence; empty when every system comes from the survey alone.
    """
    register = int(counts.get("register_systems", 0))
    matched = int(counts.get("matched_systems", 0))
    if not register and not matched:
        return ""
    survey = int(counts.get("survey_systems", 0))
    text = (
        f"Of these {plural(int(counts['systems']), 'system')}, {survey:,} "
        f"{'comes' if survey == 1 else 'come'} from the survey returns"
    )
    if matched:
        text += f" ({matched:,} of them matched to a row of the authority's contract register)"
    if register:
        text += f" and {register:,} only from the contract registers of {_non_responding(counts)}"
    return text + "."


def _register_note(counts: Mapping[str, int], what: str, noun: str = "system") -> str:
    """`` {what} include N {noun}s known only from …`` or nothing without register systems."""
    register = int(counts.get("register_systems", 0))
    if not register:
        return ""
    return (
        f" {what} include {plural(register, noun)} known only from the contract "
        f"registers of {_non_responding(counts)}, beside the survey's "
        f"{plural(int(counts.get('survey_systems', 0)), 'system')}."
    )


#: How the coverage sentence names a value that a system may lack.
KNOWN_FIELD_WORDS = {
    "satisfaction": "a satisfaction rating",
    "value_for_money": "a value-for-money rating",
    "hosting": "a hosting model",
    "integrations": "a link to another system",
    "replacement_planned": "a replacement plan",
    "function": "a described function",
}


def coverage(
    covered: Mapping[str, int],
    sources: Mapping[str, int],
    outcomes: pd.DataFrame,
    known: pd.DataFrame,
    register_only: list[str] | None = None,
) -> str:
    """Key findings of the coverage chapter: who responded, what registers add, what not.

    Parameters
    ----------
    covered
        :func:`citytools_analysis.metrics.coverage.coverage_counts`.
    sources
        :func:`citytools_analysis.metrics.coverage.source_counts`.
    outcomes
        :func:`citytools_analysis.metrics.coverage.register_outcomes` (with the authorities).
    known
        :func:`citytools_analysis.metrics.coverage.known_by_source`; fields no register-only system
        has a value in (and named in ``KNOWN_FIELD_WORDS``) are named as unknown.
    register_only
        Names of the authorities covered by their registers only, for the text.

    Returns
    -------
    str
        Markdown: three short paragraphs.
    """
    total = int(covered["authorities"])
    responded, registers, neither = (int(covered[k]) for k in ("survey", "registers", "none"))
    register = int(sources["register_systems"])
    first = f"**{responded}** of London's {total} local authorities returned the survey."
    if registers:
        named = f" ({', '.join(register_only)})" if register_only else ""
        first += (
            f" For {plural(registers, 'other authority', 'others')}{named}, the contract "
            f"registers they publish stand in: they give **{plural(register, 'system')}** "
            f"that the survey does not have."
        )
    first += (
        " Every authority is covered by one or the other."
        if not neither
        else f" {plural(neither, 'authority is', 'authorities are')} covered by neither."
    )
    matched = int(sources["matched_systems"])
    second = (
        f"All {plural(int(sources['systems']), 'system')} in this release come from the "
        f"survey returns; no contract register was matched or added."
    )
    if matched or register:
        second = (
            f"Of the {plural(int(sources['systems']), 'system')} in this release, the "
            f"survey alone gives {int(sources['survey_systems']) - matched:,}, the survey "
            f"and a matching register row {matched:,} (the register adds the contract's "
            f"total value and, where the return left them blank, its dates or cost), and "
            f"registers alone {register:,}."
        )
    parts = [first, second]
    rows = known.set_index("field")
    missing = [
        KNOWN_FIELD_WORDS[field]
        for field in rows.index
        if field in KNOWN_FIELD_WORDS and register and float(rows.at[field, "register"]) == 0.0
    ]
    third = []
    if missing:
        listed = (
            (", ".join(missing[:-1]) + " or " + missing[-1]) if len(missing) > 1 else missing[0]
        )
        third.append(
            f"What registers cannot tell stays unknown: no register-only system has "
            f"{listed}, so the figures on ratings, hosting and integrations describe "
            f"the survey's {plural(int(sources['survey_systems']), 'system')} only."
        )
    counts = outcomes.set_index("outcome")
    rows_total = int(counts["rows"].sum())
    added = int(counts.at["added", "rows"]) if rows_total else 0
    own = "a system of its own" if added == 1 else "systems of their own"
    if rows_total:
        it = rows_total - int(counts.at["not_it", "rows"])
        unplaced = counts.loc["unplaced"]
        history = ""
        later = int(counts.at["same_system", "rows"]) if "same_system" in counts.index else 0
        ended = (
            int(counts.at["ended_before_snapshot", "rows"])
            if "ended_before_snapshot" in counts.index
            else 0
        )
        if later:
            history += (
                f"{later:,} {'was another contract' if later == 1 else 'were other contracts'}"
                f" of a system already counted (an earlier let, an extension, a renewal), "
            )
        if ended:
            history += (
                f"{ended:,} had ended before the snapshot date with no later contract "
                f"for the product, so {'it is' if ended == 1 else 'they are'} history, "
            )
        third.append(
            f"Of the {plural(rows_total, 'contract-register row')}, {it:,} were classed as IT: "
            f"{int(counts.at['matched', 'rows']):,} matched a survey system, "
            f"{added:,} became {own}, {history}and "
            f"**{int(unplaced['rows']):,}** could not be placed "
            f"({int(unplaced['responded']):,} at authorities that responded, matching none of "
            f"their survey systems, and {int(unplaced['registers_only']):,} at the others, "
            f"where no product could be named); "
            f"{int(counts.at['not_it', 'rows']):,} were not IT."
        )
    if third:
        parts.append(" ".join(third))
    return "\n\n".join(parts)


def market(found: Findings, *, min_hhi: float = 2500.0, min_systems: int = 5) -> str:
    """Key findings of the market chapter: the top-N share, the largest supplier, concentration.

    Parameters
    ----------
    found
        The findings.
    min_hhi, min_systems
        A service area with at least ``min_systems`` systems is highly concentrated at an
        HHI of at least ``min_hhi`` (the recommendation rule's thresholds).
    """
    shares = found.supplier_shares
    if shares.empty:
        return "No system in this release names a supplier, so no market shares are shown."
    named = int(shares["systems"].sum())
    lead = shares.iloc[0]
    n = min(found.top_n, len(shares))
    text = (
        f"The {n} largest suppliers hold **{percent(found.top_n_supplier_share)}** of the "
        f"{plural(named, 'system')} that name a supplier. The largest, {md(lead['supplier'])}, "
        f"holds {percent(lead['share'])} ({plural(int(lead['systems']), 'system')} at "
        f"{plural(int(lead['authorities']), 'authority', 'authorities')})."
    )
    areas = found.concentration
    high = areas[(areas["hhi"] >= min_hhi) & (areas["systems"] >= min_systems)]
    if high.empty:
        text += (
            f" No service area with at least {min_systems} systems reaches an HHI of "
            f"{min_hhi:,.0f}."
        )
    else:
        top = high.iloc[0]
        text += (
            f" {len(high)} of {len(areas)} service areas are highly concentrated (HHI of "
            f"at least {min_hhi:,.0f}); the most concentrated is {md(top['service_area'])}, "
            f"where {md(top['top'])} holds {percent(top['top_share'])} of the systems."
        )
    return text + _register_note(found.counts, "These shares")


def expiry(found: Findings, pipeline: pd.DataFrame) -> str:
    """Key findings of the contracts chapter: what ends within the horizon, and when.

    Parameters
    ----------
    found
        The findings.
    pipeline
        :func:`citytools_analysis.metrics.contracts.expiry_pipeline` by quarter (any ``by``).
    """
    renewal = found.renewal
    totals = found.open_ended.iloc[0]
    last_day = pd.Timestamp(renewal.horizon_end) - pd.Timedelta(days=1)
    text = (
        f"**{plural(renewal.systems, 'contract')}** end between {long_date(renewal.as_of)} "
        f"and {long_date(last_day)}"
    )
    if renewal.systems:
        text += (
            f", with a combined known annual cost of "
            f"**{format_gbp(renewal.annual_cost_gbp)}** (known for "
            f"{renewal.costed_systems} of them)"
        )
        busiest = pipeline.groupby("period")["systems"].sum()
        busiest = busiest[busiest == busiest.max()]
        text += (
            f". The busiest quarter is {busiest.index[0]}, with "
            f"{plural(int(busiest.iloc[0]), 'contract')} ending"
        )
    text += (
        f". Besides these, {plural(int(totals['rolling']), 'contract')} "
        f"{'rolls' if int(totals['rolling']) == 1 else 'roll'} on with no end date and "
        f"{int(totals['unknown']):,} of {int(totals['systems']):,} have no known end."
    )
    return text + _register_note(found.counts, "The contracts counted here", "contract")


def collaboration(found: Findings, shared: pd.DataFrame) -> str:
    """Key findings of the collaboration chapter: shared products, opportunities, plans.

    Parameters
    ----------
    found
        The findings.
    shared
        :func:`citytools_analysis.metrics.collaboration.shared_systems` with ``min_authorities``.
    """
    parts = []
    if shared.empty:
        parts.append(f"No product is used by {found.min_authorities} or more authorities.")
    else:
        top = shared.iloc[0]
        parts.append(
            f"{plural(len(shared), 'product')} are used by at least "
            f"{found.min_authorities} authorities; the most widely shared is "
            f"{md(top['product'])}, at "
            f"{plural(int(top['authorities']), 'authority', 'authorities')}."
        )
    jp = found.joint_procurement
    products = jp[jp["kind"] == "product"]
    if jp.empty:
        parts.append(
            f"No {found.window_months}-month window holds contract ends of "
            f"{found.min_authorities} or more authorities."
        )
    else:
        parts.append(
            f"There are **{plural(len(jp), 'joint procurement opportunity', 'joint procurement opportunities')}** "
            f"({len(products)} for a product, {len(jp) - len(products)} for a service "
            f"area): contracts of at least {found.min_authorities} authorities ending "
            f"within {plural(found.window_months, 'month')} of each other."
        )
        if not products.empty:
            best = products.iloc[0]
            cost = (
                f", combined annual cost {format_gbp(best['annual_cost_gbp'])}"
                if best["costed_systems"]
                else ""
            )
            parts.append(
                f"The widest is {md(best['name'])}: "
                f"{plural(int(best['authorities']), 'authority', 'authorities')}, with "
                f"contracts ending "
                f"{formatting.date_range(best['first_end'], best['last_end'])}{cost}."
            )
    plans = found.replacement
    plans = plans[plans["planning"] > 0]
    if not plans.empty:
        top = plans.iloc[0]
        parts.append(
            f"The replacement most often planned is in {md(top['service_area'])}: "
            f"{plural(int(top['planning']), 'authority', 'authorities')} by "
            f"{found.replacement_until_year}."
        )
    note = _register_note(found.counts, "Shared products and joint procurement").strip()
    if note:
        parts.append(note[:-1] + "; replacement plans come from the survey alone.")
    return " ".join(parts)


def satisfaction(found: Findings, ratings: pd.DataFrame, *, min_rated: int = 3) -> str:
    """Key findings of the satisfaction chapter: overall mean, correlation, weak spots.

    Parameters
    ----------
    found
        The findings.
    ratings
        :func:`citytools_analysis.metrics.satisfaction.ratings_by` per service area.
    min_rated
        Fewest rated systems for a supplier to be named as the lowest rated.
    """
    rated = int(ratings["rated_satisfaction"].sum()) if not ratings.empty else 0
    if rated == 0:
        return "No system in this release has a satisfaction rating."
    mean = float(
        (ratings["mean_satisfaction"].fillna(0) * ratings["rated_satisfaction"]).sum() / rated
    )
    parts = [
        f"Across {plural(rated, 'rated system')}, mean satisfaction is **{mean:.1f} out of 5**."
    ]
    corr = found.supplier_satisfaction.correlation
    if math.isnan(corr.rho):
        parts.append(
            f"Too few authorities ({corr.n}) vary in supplier count and "
            f"satisfaction to correlate the two."
        )
    else:
        direction = "lower" if corr.rho < 0 else "higher"
        parts.append(
            f"Authorities using more suppliers report {direction} satisfaction "
            f"(Spearman's rho **{corr.rho:.2f}**, {p_value(corr.p)}, n = {corr.n})."
        )
    suppliers = found.supplier_ratings
    suppliers = suppliers[suppliers["rated_satisfaction"] >= min_rated]
    if not suppliers.empty:
        low = suppliers.sort_values(["mean_satisfaction", "supplier"], kind="mergesort").iloc[0]
        parts.append(
            f"The lowest-rated supplier with at least {min_rated} ratings is "
            f"{md(low['supplier'])} ({low['mean_satisfaction']:.1f} over "
            f"{plural(int(low['rated_satisfaction']), 'system')})."
        )
    clusters = found.clusters
    if clusters.empty:
        parts.append(
            f"No service area is rated poor by {found.min_authorities} or more authorities."
        )
    else:
        named = "; ".join(
            f"{md(row.service_area)} ({row.authorities} of {row.rated_authorities})"
            for row in clusters.itertuples(index=False)
        )
        parts.append(
            f"{plural(len(clusters), 'service area')} "
            f"{'is an under-performance cluster' if len(clusters) == 1 else 'are under-performance clusters'}, "
            f"rated poor by at least {found.min_authorities} authorities: {named}."
        )
    return " ".join(parts)


def skills(gaps: pd.DataFrame, matches: pd.DataFrame, assessed: int) -> str:
    """Key findings of the skills chapter: the widest gap and the peer-support matches.

    Parameters
    ----------
    gaps
        :func:`citytools_analysis.metrics.skills.skill_gaps` (largest first).
    matches
        :func:`citytools_analysis.metrics.skills.peer_support_matches`.
    assessed
        Authorities that returned a skills self-assessment.
    """
    if assessed == 0:
        return "No authority returned a skills self-assessment."
    parts = [f"{plural(assessed, 'authority', 'authorities')} assessed their skills."]
    with_gaps = gaps[gaps["gaps"] > 0]
    if with_gaps.empty:
        parts.append("None rates itself at Awareness or below in any skill area.")
    else:
        top = with_gaps.iloc[0]
        parts.append(
            f"The widest gap is {top['skill_area']}: {top['gaps']} of "
            f"{top['assessed']} authorities are at Awareness or below."
        )
    if matches.empty:
        parts.append(
            "No authority able and willing to support others faces one that needs "
            "it in the same skill area."
        )
    else:
        by_area = (
            matches.groupby("skill_area").size().sort_values(ascending=False, kind="mergesort")
        )
        parts.append(
            f"There are **{plural(len(matches), 'peer-support match', 'peer-support matches')}** "
            f"in {plural(matches['skill_area'].nunique(), 'skill area')}, between "
            f"{plural(matches['mentor'].nunique(), 'mentor')} and "
            f"{plural(matches['learner'].nunique(), 'learner')}; most in "
            f"{by_area.index[0]} ({by_area.iloc[0]})."
        )
    return " ".join(parts)


def maturity(medians: pd.DataFrame, vs_median: pd.DataFrame, names: Mapping[str, str]) -> str:
    """Key findings of the maturity chapter: strongest and weakest dimension, most above."""
    if medians.empty:
        return "No authority returned a digital maturity self-assessment."
    ranked = medians.sort_values(
        ["median", "mean", "dimension"], ascending=[False, False, True], kind="mergesort"
    )
    high, low = ranked.iloc[0], ranked.iloc[-1]
    authorities = int(vs_median["gss_code"].nunique())
    text = (
        f"{plural(authorities, 'authority', 'authorities')} scored their digital maturity. "
        f"London is strongest on {high['dimension']} (median {high['median']:g} out of 5) "
        f"and weakest on {low['dimension']} (median {low['median']:g})."
    )
    above = (
        vs_median[vs_median["difference"] > 0]
        .groupby("gss_code")
        .size()
        .reindex(vs_median["gss_code"].unique(), fill_value=0)
    )
    if len(above):
        best = above.sort_values(ascending=False, kind="mergesort")
        best = best[best == best.iloc[0]]
        if best.iloc[0] > 0:
            leaders = sorted(names.get(code, code) for code in best.index)
            text += (
                f" {', '.join(leaders)} {'is' if len(leaders) == 1 else 'are'} above the "
                f"median on the most dimensions ({best.iloc[0]} of "
                f"{vs_median['dimension'].nunique()})."
            )
    return text


def interoperability(
    links: pd.DataFrame, connected: pd.DataFrame, isolated: int, systems: int, hosting: pd.DataFrame
) -> str:
    """Key findings of the interoperability and hosting chapter.

    Parameters
    ----------
    links
        :func:`citytools_analysis.metrics.interoperability.product_links`.
    connected
        :func:`citytools_analysis.metrics.interoperability.most_connected_products`.
    isolated
        Systems of responding authorities linked to nothing.
    systems
        Systems of responding authorities.
    hosting
        :func:`citytools_analysis.metrics.hosting.hosting_by` with ``by=None``.
    """
    parts = []
    total = int(links["links"].sum()) if not links.empty else 0
    if total == 0:
        parts.append("The returns name no integration between two known systems.")
    else:
        top = connected.iloc[0]
        parts.append(
            f"The returns name **{plural(total, 'link')}** between systems, joining "
            f"{plural(len(links), 'pair')} of products. The best-connected product is "
            f"{md(top['product'])}, linked to {plural(int(top['partners']), 'other product')}"
            f" at {plural(int(top['authorities']), 'authority', 'authorities')}."
        )
    if systems:
        parts.append(
            f"{isolated:,} of {plural(systems, 'system')} ({percent(isolated / systems)}) "
            f"exchange data with no other system, as far as the returns say."
        )
    if not hosting.empty:
        shares = hosting.set_index("hosting")["share"]
        top = hosting.iloc[0]
        parts.append(
            f"The most common hosting model is {md(top['hosting'])} "
            f"({percent(top['share'])} of systems)"
            + "".join(
                f"; {md(name)}: {percent(shares[name])}" for name in hosting["hosting"].iloc[1:3]
            )
            + "."
        )
    return " ".join(parts)


def recommendation_counts(groups: list[RecommendationGroup]) -> str:
    """How many recommendations the rules make, and for whom (one sentence)."""
    total = sum(group.total for group in groups)
    if total == 0:
        return "The data trigger no recommendation at these thresholds."
    audiences: dict[str, int] = {}
    for group in groups:
        audiences[group.audience] = audiences.get(group.audience, 0) + group.total
    listed = ", ".join(f"{count} for {audience}" for audience, count in audiences.items())
    return f"The rules make **{plural(total, 'recommendation')}**: {listed}."


def recommendations(groups: list[RecommendationGroup]) -> str:
    """Opening of the recommendations chapter: how many, for whom, and how many are shown."""
    text = recommendation_counts(groups)
    shown = sum(len(group.shown) for group in groups)
    if shown < sum(group.total for group in groups):
        text += (
            f" The {shown} below are the widest of each kind; the rest are counted, "
            f"with a link to the table that lists them."
        )
    return text


#: Row labels of a recommendation's evidence table, by evidence key.
EVIDENCE_LABELS = {
    "kind": "Opportunity for",
    "name": "Name",
    "service_area": "Service area",
    "skill_area": "Skill area",
    "supplier": "Supplier",
    "authorities": "Authorities",
    "systems": "Systems",
    "costed_systems": "Systems with a known cost",
    "annual_cost_gbp": "Combined annual cost",
    "planning": "Authorities planning a replacement",
    "considering": "Authorities considering one",
    "until_year": "Replacement planned by",
    "mentors": "Authorities able to support others",
    "learners": "Authorities needing support",
    "matches": "Peer-support matches",
    "skill_areas": "Skill areas",
    "rolling": "Rolling contracts (no end date)",
    "unknown": "Systems with no known end",
    "rated_authorities": "Authorities that rated it",
    "products": "Products",
    "service_areas": "Highly concentrated service areas",
    "min_hhi": "Concentration threshold (HHI)",
    "mean_satisfaction": "Mean satisfaction (1–5)",
    "rated_systems": "Rated systems",
    "share": "Share",
    "top_n": "Largest suppliers counted",
    "rho": "Spearman's rho",
    "p": "Significance",
    "n": "Authorities compared",
}


def _evidence_value(key: str, value: object, names: Mapping[str, str]) -> str:
    """One evidence value as a reader reads it (names, not codes; money, years, shares)."""
    if isinstance(value, dict):
        return "; ".join(
            f"{area} (HHI {formatting.count(v.get('hhi'))}, "
            f"{plural(int(v.get('suppliers', 0)), 'supplier')}, "
            f"{plural(int(v.get('systems', 0)), 'system')})"
            if isinstance(v, dict)
            else str(area)
            for area, v in value.items()
        )
    if isinstance(value, (list, tuple)):
        labels = sorted(names.get(str(v), str(v)) for v in value)
        shown = ", ".join(labels[:8]) + (f" and {len(labels) - 8} more" if len(labels) > 8 else "")
        return f"{len(labels):,}: {shown}" if labels else "none"
    if is_blank(value):
        return formatting.NOT_STATED
    if key.endswith("_gbp"):
        return formatting.gbp(value)
    if key.endswith("_year"):
        return formatting.year(value)
    if key == "share":
        return percent(float(value))
    if key == "p":
        return p_value(float(value))
    if key == "rho":
        return f"{float(value):.2f}"
    if key == "mean_satisfaction":
        return f"{float(value):.1f}"
    if key == "kind":
        return "a " + str(value).replace("_", " ")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return formatting.count(value) if float(value) == round(float(value)) else f"{value:,}"
    return str(value)


def evidence_rows(evidence: Mapping, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """A recommendation's evidence as (label, value) rows a reader can read.

    Lists of GSS codes become authorities' names (the first eight, then a count), money is
    pounds, a year is a year, a date range whose ends are equal is one date, and the link is
    left out (it is shown as a link). Keys without a label get their name in words.
    """
    rows = []
    for key, value in evidence.items():
        if key in ("link", "last_end", "until") or value is None and not key.endswith("_gbp"):
            continue
        if key == "first_end":
            rows.append(
                (
                    "Contracts end",
                    formatting.date_range(value, evidence.get("last_end", value))
                    .removeprefix("between ")
                    .replace(" and ", " to "),
                )
            )
            continue
        if key == "from":
            rows.append(
                (
                    "Contracts ending",
                    formatting.date_range(value, evidence.get("until", value))
                    .removeprefix("between ")
                    .replace(" and ", " to "),
                )
            )
            continue
        label = EVIDENCE_LABELS.get(key, key.replace("_", " ").capitalize())
        rows.append((label, _evidence_value(key, value, names)))
    return rows


def evidence_text(evidence: Mapping, names: Mapping[str, str]) -> str:
    """A recommendation's evidence as one sentence: ``Service area: Housing; authorities: 12.``"""
    rows = evidence_rows(evidence, names)
    if not rows:
        return ""
    text = "; ".join(f"{label}: {value}" for label, value in rows)
    return text[0].upper() + text[1:] + "."


def link_description(link: str) -> str:
    """Where a recommendation's link goes, in words: ``Joint procurement, in Collaboration``."""
    page, _, anchor = link.partition("#")
    chapter = re.sub(r"^\d+_", "", page.rsplit("/", 1)[-1].removesuffix(".html"))
    chapter = chapter.replace("_", " ").capitalize()
    if not anchor:
        return f"the chapter {chapter}"
    return f"{anchor.replace('-', ' ').capitalize()}, in {chapter}"


def evidence_html(evidence: Mapping, names: Mapping[str, str]) -> str:
    """The evidence as a small two-column table (label, value), escaped."""
    rows = "".join(
        f'<tr><th scope="row">{html.escape(label)}</th><td>{html.escape(value)}</td></tr>'
        for label, value in evidence_rows(evidence, names)
    )
    return (
        (
            f'<table class="citytools-evidence"><caption>Evidence</caption>'
            f"<tbody>{rows}</tbody></table>"
        )
        if rows
        else ""
    )


def recommendations_html(groups: list[RecommendationGroup], names: Mapping[str, str]) -> str:
    """The shown recommendations as an HTML list, each with its evidence and its link, then
    one line per group with hidden ones: ``… and N more of this kind: see the table``.

    Parameters
    ----------
    groups
        From :func:`citytools_analysis.metrics.recommendations.shortlist` (usually one audience's).
    names
        GSS code → short name, to count authorities in the evidence.
    """
    parts = ['<ol class="citytools-recommendations">']
    for group in groups:
        for item in group.shown:
            parts.append(
                f"<li><p>{html.escape(item.text)}</p>"
                f"{evidence_html(item.evidence, names)}"
                f'<p><small>See <a href="{html.escape(item.link)}">'
                f"{html.escape(link_description(item.link))}</a>.</small></p></li>"
            )
    parts.append("</ol>")
    for group in groups:
        if group.more:
            parts.append(
                f"<p>… and {group.more} more of this kind ({group.total} in all): "
                f'see <a href="{html.escape(group.link)}">'
                f"{html.escape(link_description(group.link))}</a>.</p>"
            )
    return "".join(parts)
