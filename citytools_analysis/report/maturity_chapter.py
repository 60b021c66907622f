"""The digital maturity chapter: its key findings, the London median, each authority against
it, and where maturity is highest.

Each function takes the chapter (:func:`citytools_analysis.report.chapter.open_chapter`) and
returns one :class:`~citytools_analysis.report.section.Section`; the notebook shows it.
"""

from __future__ import annotations

from citytools_analysis.metrics import maturity, overview
from citytools_analysis.report import charts, narrative, plots
from citytools_analysis.report.chapter import Chapter
from citytools_analysis.report.reads import AUTHORITY_TILES, ChapterReads
from citytools_analysis.report.section import Section

# What this chapter reads of the release and the findings (the build keys it on these).
READS = ChapterReads(
    {
        "authorities": AUTHORITY_TILES,
        "maturity": ("gss_code", "dimension", "score"),
    },
)


MEAN_DECIMALS = 2
"""The London median table's mean is shown to this many decimals."""

MEDIAN_COLUMNS = {
    "dimension": "Dimension",
    "authorities": "Authorities",
    "median": "Median",
    "mean": "Mean",
    "min": "Lowest",
    "max": "Highest",
}
"""The London median table's columns and their headings."""


def key_findings(chapter: Chapter) -> Section:
    """The strongest and weakest dimension and who is most often above the median, then the
    snapshot sentence."""
    medians = maturity.maturity_medians(chapter.data.maturity)
    versus = maturity.maturity_vs_median(chapter.data.maturity)
    text = narrative.maturity(medians, versus, chapter.names)
    return Section(text + "\n\n" + narrative.as_of_sentence(chapter.found))


def london_median(chapter: Chapter) -> Section:
    """Each dimension's median, mean, lowest and highest score over the authorities."""
    medians = maturity.maturity_medians(chapter.data.maturity)
    if medians.empty:
        return Section("No maturity self-assessment was returned.")
    table = medians.assign(mean=lambda t: t["mean"].round(MEAN_DECIMALS))
    return Section(table=table.rename(columns=MEDIAN_COLUMNS))


def against_median(chapter: Chapter) -> Section:
    """Each authority's score on each dimension against the London median, as a dot grid
    (nothing when no authority assessed its maturity)."""
    versus = maturity.maturity_vs_median(chapter.data.maturity)
    if versus.empty:
        return Section()
    figure = charts.maturity_dot_grid(
        versus, names=chapter.names, title="Digital maturity against the London median"
    )
    above = int((versus["difference"] > 0).sum())
    below = int((versus["difference"] < 0).sum())
    alt = (
        f"Dot grid of {versus['gss_code'].nunique()} authorities (rows) by "
        f"{versus['dimension'].nunique()} maturity dimensions (columns); {above} scores are "
        f"above the London median and {below} below."
    )
    source = overview.survey_source(chapter.processed_dir, ["maturity"])
    return Section(figure=figure, alt=alt, source=source)


def mean_scores(chapter: Chapter):
    """Each authority's mean score over the dimensions it assessed (``gss_code``, ``score``)."""
    versus = maturity.maturity_vs_median(chapter.data.maturity)
    return versus.groupby("gss_code", as_index=False)["score"].mean()


def highest_maturity(chapter: Chapter) -> Section:
    """A map of each authority's mean score (nothing when no authority assessed it)."""
    means = mean_scores(chapter)
    if means.empty:
        return Section()
    figure = plots.tile_map(
        means,
        authorities=chapter.data.authorities,
        value_column="score",
        title="Mean digital maturity score by authority",
        value_label="Mean score (1–5)",
        value_format="{:.1f}",
        no_data_label="Not assessed",
    )
    top = means.sort_values(["score", "gss_code"], ascending=[False, True]).iloc[0]
    alt = (
        f"Tile map of London's authorities coloured by mean maturity score; "
        f"{chapter.names[top['gss_code']]} is highest at {top['score']:.1f}."
    )
    source = overview.survey_source(chapter.processed_dir, ["maturity", "authorities"])
    return Section(figure=figure, alt=alt, source=source)
