"""What every chapter opens with: the theme, the release, the parameters and the findings.

A chapter notebook's set-up is one call, :func:`open_chapter`, so that no chapter repeats
how the release is read, how parameters left blank are taken from the report's
configuration, or how the findings are computed (once per build, see
:mod:`citytools_analysis.metrics.findings_store`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from citytools_analysis.core.parameters import ReportParameters, report_parameters
from citytools_analysis.core.paths import FINDINGS_STORE, project_path
from citytools_analysis.core.reference import authority_names
from citytools_analysis.metrics.findings import Findings
from citytools_analysis.metrics.findings_store import chapter_findings, chapter_parameters
from citytools_analysis.release.processed import ProcessedData, load_processed
from citytools_analysis.report import plots
from citytools_analysis.report import reads as chapter_reads


@dataclass(frozen=True)
class Chapter:
    """A chapter's inputs: the release, its folder, the parameters and the findings."""

    processed_dir: Path
    data: ProcessedData
    parameters: ReportParameters
    found: Findings | chapter_reads.DeclaredFindings

    @property
    def names(self) -> dict[str, str]:
        """GSS code → authority short name."""
        return authority_names(self.data.authorities)

    @property
    def as_of(self) -> date:
        return self.found.as_of

    @property
    def horizon_years(self) -> int:
        return self.found.horizon_years

    @property
    def window_months(self) -> int:
        return self.found.window_months

    @property
    def min_authorities(self) -> int:
        return self.found.min_authorities


def open_chapter(
    processed_dir: Path | str,
    as_of: str | date | None = None,
    horizon_years: int | None = None,
    window_months: int | None = None,
    min_authorities: int | None = None,
    *,
    reads: chapter_reads.ChapterReads | None = None,
    findings_store: Path | str | None = FINDINGS_STORE,
) -> Chapter:
    """Apply the theme, read the release and take its findings.

    Parameters
    ----------
    processed_dir
        The release folder, relative to the project root or absolute.
    as_of, horizon_years, window_months, min_authorities
        The chapter's parameters; ``None`` or ``""`` takes the report's configured value
        (``data/raw/reference/report_parameters.csv``).
    findings_store
        The build's findings store (``_build/.findings.pickle``), read when its key matches
        what this chapter would compute; ``None`` or ``""`` always computes.
    reads
        What the chapter reads (its module's ``READS``): it then sees only those columns
        and findings fields, may open no other file of the release folder, and the build
        keys it on them alone (:mod:`citytools_analysis.report.reads`). ``None``: the
        whole release, and the build keys the chapter on all of it.
    """
    plots.apply_theme()
    folder = project_path(processed_dir)
    data = load_processed(folder)
    parameters = report_parameters(
        as_of=as_of,
        horizon_years=horizon_years,
        window_months=window_months,
        min_authorities=min_authorities,
    )
    if reads is not None and not reads.findings:
        # A chapter that declares no finding shows only the parameters they are computed
        # with: the findings are neither computed nor read (nor waited for by the build).
        found = chapter_parameters(data, parameters)
    else:
        found = chapter_findings(data, folder, parameters, findings_store)
    if reads is None:
        return Chapter(folder, data, parameters, found)
    chapter_reads.guard(folder)
    return Chapter(
        folder,
        chapter_reads.project(data, reads),
        parameters,
        chapter_reads.DeclaredFindings(found, reads.findings),
    )
