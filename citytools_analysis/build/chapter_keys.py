"""Keying a chapter on what it reads, not on the whole release.

A chapter notebook that opens its chapter with ``open_chapter(..., reads=<module>.READS)``
sees only the columns and findings that ``READS`` declares
(:mod:`citytools_analysis.report.reads` refuses it anything else). The build reads that
declaration from the notebook's code, without running it, and keys the chapter on a
fingerprint of exactly those columns and findings instead of the release folder's bytes.
A chapter that opens the release without ``reads`` (or a notebook that does not open a
chapter) keeps the release folder among its inputs, as before.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from citytools_analysis.build.plan import NotebookJob, job_inputs, notebook_defaults
from citytools_analysis.core.paths import PROCESSED_DIR, project_path
from citytools_analysis.report.reads import ChapterReads

# The calls that open the release with a declaration: open_chapter gives findings too.
OPENERS = {"open_chapter": True, "open_release": False}
READS_KEYWORD = "reads"


class UnreadableDeclaration(ValueError):
    """A notebook passes ``reads=`` something the build cannot resolve without running it."""


def _modules(tree: ast.AST) -> dict[str, str]:
    """Local name → the module it names, from a cell's imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
    return names


def _opener(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name if name in OPENERS else None


@lru_cache(maxsize=64)
def _declared(source: str, mtime_ns: int, size: int) -> tuple[ChapterReads, bool] | None:
    del mtime_ns, size  # part of the cache key only
    notebook = nbformat.read(source, as_version=4)
    modules: dict[str, str] = {}
    declared: list[ChapterReads] = []
    opened = False
    with_findings = False
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            return None  # IPython syntax: the build cannot read it, so it keys on everything
        modules.update(_modules(tree))
        for node in ast.walk(tree):
            opener = _opener(node) if isinstance(node, ast.Call) else None
            if opener is None:
                continue
            opened = True
            with_findings = with_findings or OPENERS[opener]
            value = next((k.value for k in node.keywords if k.arg == READS_KEYWORD), None)
            if value is None:
                return None  # opens the whole release
            if not (
                isinstance(value, ast.Attribute)
                and isinstance(value.value, ast.Name)
                and value.value.id in modules
            ):
                raise UnreadableDeclaration(
                    f"{source}: {opener}({READS_KEYWORD}=...) must name an imported module's "
                    f"declaration, e.g. {READS_KEYWORD}=satisfaction_chapter.READS"
                )
            found = getattr(importlib.import_module(modules[value.value.id]), value.attr, None)
            if not isinstance(found, ChapterReads):
                raise UnreadableDeclaration(
                    f"{source}: {modules[value.value.id]}.{value.attr} is not a ChapterReads"
                )
            declared.append(found)
    if not opened or not declared:
        return None
    if len(declared) == 1:
        return declared[0], with_findings
    tables: dict[str, set[str]] = {}
    for reads in declared:
        for table, columns in reads.tables.items():
            tables.setdefault(table, set()).update(columns)
    reads = ChapterReads(
        {table: tuple(sorted(columns)) for table, columns in tables.items()},
        tuple(sorted({name for reads in declared for name in reads.findings})),
    )
    return reads, with_findings


def declared_reads(source: Path | str) -> tuple[ChapterReads, bool] | None:
    """What a notebook declares it reads, and whether it is given findings; ``None`` when it
    reads the whole release (or opens none).

    Raises
    ------
    UnreadableDeclaration
        If ``reads=`` is given something other than an imported module's ``ChapterReads``.
    """
    path = Path(source).resolve()
    stat = path.stat()
    return _declared(str(path), stat.st_mtime_ns, stat.st_size)


def reads_findings(source: Path | str) -> bool:
    """Whether the notebook reads the findings: a notebook that declares what it reads and
    declares no finding does not (it can run before the build has stored them); any other
    does."""
    declared = declared_reads(source)
    return declared is None or (declared[1] and bool(declared[0].findings))


def _processed_dir(job: NotebookJob) -> Path:
    effective = {**notebook_defaults(job.source), **dict(job.parameters)}
    return project_path(str(effective.get("processed_dir", PROCESSED_DIR)))


def _parameters(job: NotebookJob) -> dict[str, Any]:
    effective = {**notebook_defaults(job.source), **dict(job.parameters)}
    return {
        name: effective.get(name)
        for name in ("as_of", "horizon_years", "window_months", "min_authorities")
    }


def keyed_on_reads(
    jobs: Iterable[NotebookJob],
    findings_store: Path | str | None = None,
    releases: dict[Path, Any] | None = None,
) -> list[NotebookJob]:
    """The jobs, each declared chapter keyed on what it reads instead of its release folder.

    A declared chapter's inputs lose its ``processed_dir`` and gain a fingerprint of the
    columns and findings it declares (:func:`citytools_analysis.report.reads.fingerprint`),
    computed from the release and from the findings under the chapter's own parameters
    (read from ``findings_store`` when current). Other jobs are returned as they are.
    ``releases`` (folder → release read) lets several calls of one build read each release
    once.
    """
    from citytools_analysis.core.parameters import report_parameters
    from citytools_analysis.metrics.findings_store import chapter_findings, chapter_parameters
    from citytools_analysis.release.processed import load_processed
    from citytools_analysis.report import reads as chapter_reads

    releases = {} if releases is None else releases
    found: dict[tuple, Any] = {}
    keyed = []
    for job in jobs:
        declared = declared_reads(job.source)
        if declared is None:
            keyed.append(job)
            continue
        reads, with_findings = declared
        folder = _processed_dir(job)
        if folder not in releases:
            releases[folder] = load_processed(folder)
        chosen = _parameters(job)
        which = (folder, tuple(sorted(chosen.items(), key=lambda item: item[0])), reads.findings)
        if with_findings and which not in found:
            parameters = report_parameters(**chosen)
            found[which] = (
                chapter_findings(releases[folder], folder, parameters, findings_store)
                if reads.findings
                # A chapter that declares no finding is keyed on their parameters alone.
                else chapter_parameters(releases[folder], parameters)
            )
        keyed.append(
            replace(
                job,
                inputs=tuple(path for path in job_inputs(job) if path != folder),
                fingerprint=chapter_reads.fingerprint(
                    reads, releases[folder], folder, found[which] if with_findings else None
                ),
            )
        )
    return keyed
