"""Build benchmark: the floors, cold, no-op and one-changed-return builds, and national scale.

The floors are measured in the same run and through the same pool as the builds: the *bare
floor* runs as many notebooks as the cold build executed, each only setting a parameter
(kernel start and papermill, nothing else); the *import floor* runs as many, each also
making the imports of the notebook it stands for. The report gives the cold build's ratio
to each, and the no-op and one-changed-return builds as shares of the cold build. Each
national scale is built with the local pool and again on a local Dask cluster of the same
size.

Everything runs in a temporary folder, never in the project: a copy of the book's sources
(``_config.yml``, ``_toc.yml``, ``book/``), of the survey returns and of the processed
tables, built with :func:`.build.build_book_report` from the project's notebooks. The
national-scale runs generate a synthetic survey with the project's own generator from a
reference folder whose authorities are London's plus numbered synthetic ones (tile positions
in rows below London's), at several sizes, so that growth with the number of authorities
shows. It is a measurement, not a test; ``citytools benchmark`` prints its figures.

It starts with name resolution on the hand-labelled corpus ``tests/corpora/names.csv``
(names as councils write them, never produced by the generator): precision, recall, new
entrants kept under their own names, and the time taken (``--names-only`` stops there).

By default it first copies the project's package, notebooks and data into the work folder
and runs there (``PYTHONPATH`` pointing at the copy), so that edits made to the project
while it runs neither change what is measured nor count as package changes.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from citytools_analysis.build.pipeline import BuildReport, build_book_report
from citytools_analysis.core.paths import BOOK_DIR, PROJECT_ROOT, REFERENCE_DIR, SURVEY_DIR
from citytools_analysis.core.reference import fold, load_reference
from citytools_analysis.ingest.name_review import corpus_scores_text, load_corpus, score_corpus

#: London's 2019 round: 22 of 34 authorities responded with 809 systems.
RESPONSE_RATE = 22 / 34
#: The national-scale target: about 15,000 systems across 350 authorities.
NATIONAL_AUTHORITIES = 350
NATIONAL_SYSTEMS = 15_000
SYNTHETIC_COLUMNS = 20  # tiles per row of synthetic authorities
SEED = 2019
#: The hand-labelled name corpus (not copied into the benchmark's snapshot: tests/ is left out).
NAME_CORPUS = PROJECT_ROOT / "tests" / "corpora" / "names.csv"


@dataclass
class Measure:
    """One timed build."""

    label: str
    seconds: float
    executed: int
    reused: int
    code: int
    notes: str = ""
    executed_names: list[str] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    notebook_seconds: float = 0.0
    book_seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)


def stage_book(root: Path) -> Path:
    """Copy the book's sources (config, contents, hand-written pages) into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(
        BOOK_DIR, root / "book", ignore=shutil.ignore_patterns("_generated"), dirs_exist_ok=True
    )
    return root


def _measure(label: str, report: BuildReport, seconds: float, notes: str = "") -> Measure:
    names = sorted(
        run.job.output.relative_to(run.job.output.parents[1]).as_posix()
        if run.job.output.parent.name in ("profiles", "explore")
        else run.job.output.name
        for run in report.executed
    )
    failed = [f"{run.job.output.name}: {run.error}" for run in report.runs if not run.ok]
    if failed:
        notes = (notes + " FAILED: " + "; ".join(failed)).strip()
    return Measure(
        label, seconds, len(report.executed), len(report.reused), report.code, notes, names
    )


def _build(
    root: Path,
    parameters: dict,
    jobs: int | None,
    label: str,
    notes: str = "",
    scheduler: str | None = None,
) -> Measure:
    started = time.perf_counter()
    report = build_book_report(
        jobs,
        generated_dir=root / "book" / "_generated",
        build_dir=root / "_build",
        parameters=parameters,
        book_root=root,
        progress=False,
        scheduler=scheduler,
    )
    measure = _measure(label, report, time.perf_counter() - started, notes)
    measure.sources = [run.job.source for run in report.executed]
    measure.notebook_seconds = report.notebook_seconds
    measure.book_seconds = report.book_seconds
    measure.phases = dict(report.phases)
    return measure


def import_lines(source: Path) -> list[str]:
    """The import statements of a notebook's code cells, as written (magics left out)."""
    import ast

    import nbformat

    lines = []
    for cell in nbformat.read(source, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        lines += [
            ast.get_source_segment(code, node)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
        ]
    return [line for line in dict.fromkeys(lines) if line]


def floor_notebook(path: Path, imports: Sequence[str] = ()) -> Path:
    """A notebook that only sets a parameter (and, for the import floor, imports ``imports``)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [new_code_cell("value = 0", metadata={"tags": ["parameters"]})]
    if imports:
        cells.append(new_code_cell("\n".join(imports)))
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def measure_floors(
    workdir: Path, sources: Sequence[Path], jobs: int | None, scheduler: str | None = None
) -> list[Measure]:
    """The bare floor and the import floor for ``sources``, through the pool, with fresh
    kernels and with forked ones.

    The *bare floor* runs as many notebooks as ``sources`` that only set a parameter: kernel
    start and papermill, nothing else. The *import floor* runs, for each source, a notebook
    that sets a parameter and makes the source's imports, nothing else. Both go through
    :func:`.execute.run_jobs`, as a build's notebooks do: first with a fresh kernel per
    notebook (the floors as first defined, which a build with fresh kernels could not go
    below), then with kernels forked from a parent that has made the imports once, as the
    build's local pool starts them (:mod:`.forked_kernels`).
    """
    from citytools_analysis.build.execute import run_jobs
    from citytools_analysis.build.plan import NotebookJob

    bare = floor_notebook(workdir / "floors" / "bare.ipynb")
    by_source: dict[Path, Path] = {}
    for source in sources:
        if source not in by_source:
            by_source[source] = floor_notebook(
                workdir / "floors" / f"imports-{len(by_source):02d}.ipynb", import_lines(source)
            )
    measures = []
    for kernels, forked in (("fresh kernels", False), ("forked kernels", True)):
        for label, notebooks in (
            ("bare floor", [bare] * len(sources)),
            ("import floor", [by_source[source] for source in sources]),
        ):
            floor_jobs = [
                NotebookJob(
                    notebook,
                    workdir
                    / "floors"
                    / kernels.replace(" ", "-")
                    / label.replace(" ", "-")
                    / f"{number:03d}.ipynb",
                    {"value": number},
                )
                for number, notebook in enumerate(notebooks)
            ]
            started = time.perf_counter()
            runs = run_jobs(
                floor_jobs, jobs, progress=False, scheduler=scheduler, forked_kernels=forked
            )
            failed = [f"{run.job.output.name}: {run.error}" for run in runs if not run.ok]
            measures.append(
                Measure(
                    f"London: {label}, {kernels} ({len(floor_jobs)} notebooks)",
                    time.perf_counter() - started,
                    len(runs),
                    0,
                    1 if failed else 0,
                    "; ".join(failed),
                )
            )
    return measures


def without_stores() -> None:
    """Remove what earlier builds stored for later ones (the findings, the comparison with
    the round before, the returns as read), so that the next build is cold."""
    from citytools_analysis.core.paths import COMPARISON_STORE, FINDINGS_STORE, RETURNS_STORE

    for store in (FINDINGS_STORE, COMPARISON_STORE):
        store.unlink(missing_ok=True)
    shutil.rmtree(RETURNS_STORE, ignore_errors=True)


def change_one_return(survey_dir: Path, reference_dir: Path | None = None) -> str:
    """Move one contract end date in one return by two years, as a corrected return would.

    Parameters
    ----------
    survey_dir
        Folder of returns (a copy: the workbook is rewritten).
    reference_dir
        Reference folder (the Systems sheet's column names).

    Returns
    -------
    str
        What was changed: file, row, old and new value.

    Raises
    ------
    ValueError
        If no return has a Systems sheet with a dated contract end.
    """
    from openpyxl import load_workbook

    columns = load_reference(reference_dir).column_names("Systems")
    for path in sorted(survey_dir.glob("*.xlsx")):
        workbook = load_workbook(path)
        for sheet in workbook.worksheets:
            if fold(sheet.title) != "systems":
                continue
            for row in sheet.iter_rows(min_row=1, max_row=15):
                headers = {
                    columns.lookup(cell.value): cell.column
                    for cell in row
                    if cell.value is not None
                }
                if "contract_end" not in headers:
                    continue
                column = headers["contract_end"]
                for cells in sheet.iter_rows(min_row=row[0].row + 1):
                    cell = cells[column - 1]
                    if isinstance(cell.value, (datetime, date)):
                        old = cell.value
                        cell.value = old.replace(year=old.year + 2)
                        workbook.save(path)
                        return (
                            f"{path.name}, sheet {sheet.title!r}, row {cell.row}: contract end "
                            f"{old:%Y-%m-%d} -> {cell.value:%Y-%m-%d}"
                        )
                break
    raise ValueError(f"{survey_dir}: no return with a dated contract end to change")


def national_reference(target: Path, authorities: int, source: Path = REFERENCE_DIR) -> Path:
    """A reference folder with London's authorities and numbered synthetic ones.

    Every other reference table is copied unchanged. Synthetic authority ``i`` is
    ``Synthetic Authority i`` (GSS-like code ``E07000000 + i``), alternately inner and outer,
    tiled in rows of ``SYNTHETIC_COLUMNS`` below London's grid.

    Parameters
    ----------
    target
        Folder to write (created).
    authorities
        Total authorities, London's included (at least London's count).
    source
        The reference folder to start from.

    Returns
    -------
    Path
        ``target``.
    """
    shutil.copytree(source, target, dirs_exist_ok=True)
    london = pd.read_csv(source / "authorities.csv", dtype=str, keep_default_na=False)
    extra = max(0, authorities - len(london))
    first_row = int(pd.to_numeric(london["tile_row"], errors="coerce").max()) + 2
    width = len(str(extra))
    rows = [
        {
            "gss_code": f"E07{number:06d}",
            "name": f"Synthetic Authority {number:0{width}d}",
            "short_name": f"Synthetic {number:0{width}d}",
            "kind": "borough",
            "inner_outer": "Inner" if number % 2 else "Outer",
            "tile_row": str(first_row + (number - 1) // SYNTHETIC_COLUMNS),
            "tile_col": str((number - 1) % SYNTHETIC_COLUMNS),
            "abbreviation": f"s{number:0{width}d}",
            "synonyms": "",
        }
        for number in range(1, extra + 1)
    ]
    table = pd.concat([london, pd.DataFrame(rows, columns=london.columns)], ignore_index=True)
    table.to_csv(target / "authorities.csv", index=False, lineterminator="\n")
    return target


def national_build(workdir: Path, authorities: int, jobs: int | None) -> tuple[Measure, str]:
    """Generate a survey of ``authorities`` authorities and build its whole book, cold.

    Systems scale with authorities: ``NATIONAL_SYSTEMS`` at ``NATIONAL_AUTHORITIES``;
    respondents are London's share.

    Returns
    -------
    tuple
        The build's measure, and the generator's summary with its time.
    """
    from citytools_analysis.synth.generator import generate_survey

    base = workdir / f"national-{authorities}"
    reference = national_reference(base / "reference", authorities)
    respondents = max(1, round(authorities * RESPONSE_RATE))
    systems = NATIONAL_SYSTEMS * authorities / NATIONAL_AUTHORITIES
    started = time.perf_counter()
    summary = generate_survey(
        SEED,
        base / "survey",
        base / "truth",
        reference,
        n_authorities=respondents,
        systems_per_authority=systems / respondents,
    )
    generated = time.perf_counter() - started
    root = stage_book(base / "root")
    parameters = {
        "survey_dir": str(base / "survey"),
        "processed_dir": str(base / "processed"),
        "truth_dir": "",
        "reference_dir": str(reference),
    }
    if (base / "contracts").is_dir():  # the generator's contract registers, if it writes them
        parameters["contracts_dir"] = str(base / "contracts")
    without_stores()
    measure = _build(root, parameters, jobs, f"national scale, {authorities} authorities (cold)")
    kept = (
        pd.read_csv(base / "processed" / "systems.csv", usecols=["record_id"])
        if (base / "processed" / "systems.csv").exists()
        else pd.DataFrame()
    )
    measure.notes = (
        f"{respondents} returns, {len(kept):,} systems cleaned; " + measure.notes
    ).strip()
    return measure, f"generated in {generated:.1f} s: {summary}"


def national_build_on_dask(workdir: Path, authorities: int, jobs: int | None) -> Measure:
    """The same national build, cold, with its notebooks on a local Dask cluster.

    The cluster has as many single-threaded worker processes as the local pool has
    processes; it is started before the clock starts. Run after :func:`national_build`
    (whose generated survey it reuses), in a fresh book root and processed folder.
    """
    from distributed import LocalCluster

    base = workdir / f"national-{authorities}"
    root = stage_book(base / "root-dask")
    parameters = {
        "survey_dir": str(base / "survey"),
        "processed_dir": str(base / "processed-dask"),
        "truth_dir": "",
        "reference_dir": str(base / "reference"),
    }
    if (base / "contracts").is_dir():
        parameters["contracts_dir"] = str(base / "contracts")
    workers = jobs or os.cpu_count() or 1
    without_stores()  # as cold as the local pool's build: nothing it stored is read back
    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        return _build(
            root,
            parameters,
            jobs,
            f"national scale, {authorities} authorities (cold, local Dask cluster of {workers})",
            scheduler=cluster.scheduler_address,
        )


def _on_dask_or_failure(workdir: Path, authorities: int, jobs: int | None) -> Measure:
    """:func:`national_build_on_dask`, or a failed measure saying why (the local pool's
    figure is still reported)."""
    started = time.perf_counter()
    try:
        return national_build_on_dask(workdir, authorities, jobs)
    except Exception as error:  # noqa: BLE001 - reported in the benchmark's output
        return Measure(
            f"national scale, {authorities} authorities (cold, local Dask cluster)",
            time.perf_counter() - started,
            0,
            0,
            1,
            f"the Dask cluster build failed: {type(error).__name__}: {error}",
        )


SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".venv*",
    ".git",
    "_build",
    ".build-cache",
    "_generated",
    "__pycache__",
    ".pytest_cache",
    "*.egg-info",
    ".ipynb_checkpoints",
)
# Left out at the top of the project only: setuptools' build/ and the tests. (As a pattern
# for every folder, "build" also dropped the package's own build layer from the copy, and
# the copy then ran that layer from wherever the environment had installed the package.)
SNAPSHOT_TOP_LEVEL_IGNORE = {"build", "tests"}


def _snapshot_ignore(folder: str, names: list[str]) -> set[str]:
    ignored = set(SNAPSHOT_IGNORE(folder, names))
    if Path(folder).resolve() == PROJECT_ROOT.resolve():
        ignored |= SNAPSHOT_TOP_LEVEL_IGNORE & set(names)
    return ignored


def name_resolution_report(corpus: Path | str = NAME_CORPUS) -> str | None:
    """Precision and recall of name resolution on a labelled corpus, and its time.

    Returns
    -------
    str or None
        Lines for the benchmark's output; ``None`` when the corpus file is missing.
    """
    corpus = Path(corpus)
    if not corpus.is_file():
        return None
    frame = load_corpus(corpus)
    started = time.perf_counter()
    _results, summary = score_corpus(frame)
    seconds = time.perf_counter() - started
    return "\n".join(
        [
            "Name resolution (labelled corpus)",
            f"  {corpus_scores_text(summary)}",
            f"  Precision {summary['precision']:.1%} (target at least 99%), recall "
            f"{summary['recall']:.1%} (target at least 95%); {summary['merged']} unknown name(s) "
            f"merged into a known one; {len(frame)} names resolved in {seconds:.2f} s "
            "(resolvers built from the reference tables included).",
        ]
    )


def snapshot_project(target: Path) -> Path:
    """Copy the project (package, notebooks, book sources, data) without build artefacts."""
    shutil.copytree(PROJECT_ROOT, target, ignore=_snapshot_ignore)
    return target


def run_benchmark(
    scales: Sequence[int] = (35, 100, NATIONAL_AUTHORITIES),
    jobs: int | None = None,
    workdir: Path | str | None = None,
    echo=print,
    snapshot: bool = True,
    names_only: bool = False,
    dask: bool = True,
    repeat: int = 3,
) -> list[Measure] | None:
    """Measure the build: London cold, no-op and one changed return; national scales.

    Parameters
    ----------
    scales
        Authorities in each national-scale run (empty for none).
    jobs
        Notebooks at once (default: one per core).
    workdir
        Folder for the copies (default: a temporary folder, removed afterwards).
    echo
        Where progress and figures are written.
    snapshot
        Run on a copy of the project in a child process (see the module's description).
    names_only
        Only measure name resolution on the labelled corpus.
    dask
        Also build each national scale with its notebooks on a local Dask cluster of the
        same size as the local pool.
    repeat
        Take the London measures this many times and report each measure's median: the
        machine's speed drifts within a run, so one cold build against one floor is noisy.

    Returns
    -------
    list of Measure or None
        The measures (``None`` when they were taken in a child process and printed there).
    """
    names = name_resolution_report()
    if names is not None:
        echo(names)
    if names_only:
        return []
    temporary = None
    if workdir is None:
        temporary = tempfile.TemporaryDirectory(prefix="citytools-benchmark-")
        workdir = temporary.name
    workdir = Path(workdir)
    try:
        if snapshot:
            copy = snapshot_project(workdir / "project")
            echo(f"Benchmarking a copy of the project in {copy} ...")
            code = (
                f"from citytools_analysis.build.benchmark import run_benchmark; "
                f"run_benchmark({list(scales)!r}, {jobs!r}, {str(workdir / 'runs')!r}, "
                f"snapshot=False, dask={dask!r}, repeat={repeat!r})"
            )
            env = dict(os.environ, PYTHONPATH=str(copy), PYTHONUNBUFFERED="1")
            subprocess.run([sys.executable, "-c", code], env=env, cwd=copy, check=True)
            return None
        measures = _london(workdir, jobs, echo, repeat)
        national: list[tuple[int, Measure]] = []
        for authorities in scales:
            echo(f"National scale: {authorities} authorities ...")
            measure, generated = national_build(workdir, authorities, jobs)
            echo(f"  {generated}")
            echo(f"  {_line(measure)}")
            national.append((authorities, measure))
            measures.append(measure)
            if dask:
                on_dask = _on_dask_or_failure(workdir, authorities, jobs)
                echo(f"  {_line(on_dask)}")
                measures.append(on_dask)
        echo(_report(measures, national))
        return measures
    finally:
        if temporary is not None:
            temporary.cleanup()


def _london(workdir: Path, jobs: int | None, echo, repeat: int = 1) -> list[Measure]:
    """The London measures, taken ``repeat`` times, each time in a folder of its own from
    a fresh copy of the returns and with no store left by the time before; with several
    runs, each measure's median follows them under the measure's own label."""
    runs: list[list[Measure]] = []
    for number in range(1, repeat + 1):
        if repeat > 1:
            echo(f"London, run {number} of {repeat}:")
        runs.append(
            _london_once(workdir / ("london" if number == 1 else f"london-{number}"), jobs, echo)
        )
    return runs[0] if repeat == 1 else with_medians(runs)


def with_medians(runs: Sequence[Sequence[Measure]]) -> list[Measure]:
    """Every run's measures, labelled ``[run k]``, then each measure's median run under
    the measure's own label (the one the report reads), its notes saying so."""
    measures = [
        replace(measure, label=f"{measure.label} [run {number}]")
        for number, taken in enumerate(runs, start=1)
        for measure in taken
    ]
    for same in zip(*runs):
        middle = sorted(same, key=lambda measure: measure.seconds)[len(same) // 2]
        taken = ", ".join(f"{measure.seconds:.1f}" for measure in same)
        note = f"median of {len(same)} runs ({taken} s)"
        measures.append(replace(middle, notes="; ".join(filter(None, (middle.notes, note)))))
    return measures


def _london_once(base: Path, jobs: int | None, echo) -> list[Measure]:
    survey = base / "survey"
    shutil.copytree(SURVEY_DIR, survey)
    root = stage_book(base / "root")
    without_stores()
    # No synthetic truth: the recovery measures are not what is timed, and the project's
    # truth describes the project's returns, not a changed copy of them.
    parameters = {
        "survey_dir": str(survey),
        "processed_dir": str(base / "processed"),
        "truth_dir": "",
    }
    measures = []
    for label in ("London: cold build", "London: no-op rebuild"):
        echo(f"{label} ...")
        measures.append(_build(root, parameters, jobs, label))
        echo(f"  {_line(measures[-1])}")
    cold = measures[0]
    echo(f"London: the floors, {len(cold.sources)} notebooks each, through the same pool ...")
    for floor in measure_floors(base, cold.sources, jobs):
        echo(f"  {_line(floor)}")
        measures.append(floor)
    change = change_one_return(survey)
    echo(f"London: one return changed ({change}) ...")
    measures.append(_build(root, parameters, jobs, "London: one changed return", change))
    echo(f"  {_line(measures[-1])}")
    return measures


def _line(measure: Measure) -> str:
    status = "ok" if measure.code == 0 else f"FAILED ({measure.code})"
    return (
        f"{measure.label}: {measure.seconds:.1f} s, {measure.executed} executed, "
        f"{measure.reused} reused, {status}" + (f"; {measure.notes}" if measure.notes else "")
    )


def _report(measures: list[Measure], national: list[tuple[int, Measure]]) -> str:
    lines = ["", "Build benchmark", "==============="]
    lines += [_line(measure) for measure in measures]
    cold = next((m for m in measures if m.label == "London: cold build"), None)
    noop = next((m for m in measures if m.label == "London: no-op rebuild"), None)
    changed = next((m for m in measures if m.label == "London: one changed return"), None)
    floors = {
        (label, kernels): next(
            (
                m
                for m in measures
                if m.label.startswith(f"London: {label}, {kernels}") and "[run " not in m.label
            ),
            None,
        )
        for label in ("bare floor", "import floor")
        for kernels in ("fresh kernels", "forked kernels")
    }
    if cold:
        lines.append(
            f"Cold build: {cold.seconds:.1f} s ({cold.notebook_seconds:.1f} s of "
            f"notebooks, {cold.book_seconds:.1f} s of book)."
        )
    for measure in (cold, changed):
        if measure and measure.phases:
            lines.append(
                f"{measure.label}, by step: "
                + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in measure.phases.items())
                + "."
            )
    for kernels in ("fresh kernels", "forked kernels"):
        bare, imported = floors["bare floor", kernels], floors["import floor", kernels]
        if cold and bare and imported:
            lines.append(
                f"Cold build / floors with {kernels}: {cold.seconds / bare.seconds:.2f} x the "
                f"bare floor (target at most 3 x), {cold.seconds / imported.seconds:.2f} x the "
                f"import floor (target at most 1.3 x)"
            )
    if cold and noop:
        lines.append(
            f"No-op rebuild / cold build: {noop.seconds / cold.seconds:.1%} (target at most 5%)"
        )
    if cold and changed:
        lines.append(
            f"One changed return / cold build: {changed.seconds / cold.seconds:.1%} "
            f"(target at most 40%)"
        )
    if changed:
        profiles = [name for name in changed.executed_names if name.startswith("profiles/")]
        others = [name for name in changed.executed_names if not name.startswith("profiles/")]
        lines.append(
            f"After one changed return, re-executed {changed.executed} notebook(s): "
            f"{len(others)} chapter/explorer ({', '.join(others)}) and "
            f"{len(profiles)} profile(s) ({', '.join(profiles) or 'none'}); "
            f"{changed.reused} reused."
        )
    on_dask = [m for m in measures if "Dask" in m.label]
    for (n, local), dasked in zip(national, on_dask):
        lines.append(
            f"National scale, {n} authorities: local pool {local.seconds:.1f} s, "
            + (
                f"local Dask cluster of the same size {dasked.seconds:.1f} s "
                f"({dasked.seconds / local.seconds:.2f} x the pool)."
                if dasked.code == 0
                else f"local Dask cluster FAILED ({dasked.notes})."
            )
        )
    if len(national) >= 2:
        (small, first), (large, last) = national[0], national[-1]
        growth = last.seconds / first.seconds
        lines.append(
            "National scale, time per authority: "
            + ", ".join(f"{n}: {m.seconds / n:.2f} s" for n, m in national)
            + f". From {small} to {large} authorities ({large / small:.1f}x) the build took "
            f"{growth:.1f}x as long ({'no worse than' if growth <= large / small * 1.05 else 'worse than'}"
            f" linear; exponent {math.log(growth) / math.log(large / small):.2f})."
        )
    return "\n".join(lines)
