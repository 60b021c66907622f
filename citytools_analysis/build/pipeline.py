"""The report build: run the notebooks with papermill, prepare them for the book, build the HTML.

The cleaning notebook (``01_…``) runs first, because it writes ``data/processed/``; then the
other numbered chapters, the explorer pages (``explore_*.ipynb``) and one borough profile
per authority (``borough_profile.ipynb`` with parameter ``authority``) run in parallel, one
process each. Every notebook runs in a kernel whose working directory is the project root,
and resolves its folder parameters against the project root, so a relative or an absolute
path both work.

Builds are incremental (:mod:`.build_cache`): a notebook runs again only when its source,
its parameters, the data it reads or the package modules it imports (transitively,
:mod:`.imports`) changed; otherwise its executed copy is
reused. What a notebook reads: the folders and files named by its ``*_dir``, ``*_path`` and
``*_file`` parameters, and the reference folder (the cleaning notebook: all of
``data/raw/``). A borough profile is keyed instead on a digest of its own profile tables
(:func:`citytools_analysis.metrics.profiles.profile_digest`), so that a changed return re-runs only the profiles
whose pages change. Jupyter Book then re-reads only the executed notebooks that changed.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citytools_analysis.build import cache as build_cache
from citytools_analysis.build import imports as build_imports
from citytools_analysis.build.book import book_is_current, build_html, jupyter_book_command
from citytools_analysis.build.book_process import BookProcess
from citytools_analysis.build.chapter_keys import declared_reads, keyed_on_reads, reads_findings
from citytools_analysis.build.execute import (
    KEPT_PAPERMILL_KEYS,
    KERNEL_NAME,
    KERNEL_START_ATTEMPTS,
    KERNEL_START_SIGNS,
    PARAMETER_TAGS,
    REMOVE_CELL,
    REMOVE_INPUT,
    JobRunner,
    NotebookRun,
    execute_job,
    is_kernel_start_failure,
    prepare_for_book,
    run_jobs,
    run_notebook,
    set_title,
)
from citytools_analysis.build.meanwhile import meanwhile
from citytools_analysis.build.plan import (
    CLEANING_NOTEBOOK,
    CONTEXT_FILE,
    EXPLORE_FOLDER,
    EXPLORER_PATTERN,
    EXPLORER_PREFIX,
    NOTEBOOK_PATTERN,
    PATH_PARAMETER_SUFFIXES,
    PROFILE_NOTEBOOK,
    PROFILE_PARAMETER,
    PROFILES_FOLDER,
    NotebookJob,
    _offered,
    _resolve,
    declared_parameters,
    job_inputs,
    notebook_defaults,
    plan_explorers,
    plan_notebooks,
    plan_profiles,
    profile_authorities,
)
from citytools_analysis.build.rounds import refresh_earlier_rounds
from citytools_analysis.core.paths import (
    BUILD_DIR,
    FINDINGS_STORE,
    GENERATED_DIR,
    NOTEBOOKS_DIR,
    PROCESSED_DIR,
    PROJECT_ROOT,
    REFERENCE_DIR,
)
from citytools_analysis.core.rounds import previous_release_dir

# Planning (plan.py), running (execute.py) and the HTML step (book.py) are their own
# modules; their public names stay importable from here.
__all__ = [
    "BuildReport",
    "CLEANING_NOTEBOOK",
    "CONTEXT_FILE",
    "EXPLORE_FOLDER",
    "EXPLORER_PATTERN",
    "EXPLORER_PREFIX",
    "KERNEL_NAME",
    "KERNEL_START_ATTEMPTS",
    "KERNEL_START_SIGNS",
    "KEPT_PAPERMILL_KEYS",
    "NOTEBOOK_PATTERN",
    "NotebookJob",
    "NotebookRun",
    "PARAMETER_TAGS",
    "PATH_PARAMETER_SUFFIXES",
    "PROFILE_NOTEBOOK",
    "PROFILE_PARAMETER",
    "PROFILES_FOLDER",
    "REMOVE_CELL",
    "REMOVE_INPUT",
    "build_book",
    "build_book_report",
    "build_html",
    "declared_parameters",
    "execute_job",
    "is_kernel_start_failure",
    "job_inputs",
    "job_key",
    "jupyter_book_command",
    "notebook_defaults",
    "plan_explorers",
    "plan_notebooks",
    "plan_profiles",
    "prepare_for_book",
    "profile_authorities",
    "remove_stale",
    "name_previous_round",
    "run_cached",
    "CachedRuns",
    "run_jobs",
    "run_notebook",
    "set_title",
]


def remove_stale(generated_dir: Path | str, keep: Iterable[Path]) -> list[Path]:
    """Delete executed notebooks that no job produces any more (e.g. a renamed chapter).

    Parameters
    ----------
    generated_dir
        The folder of executed notebooks.
    keep
        The outputs of this build's jobs.

    Returns
    -------
    list of Path
        The files removed.
    """
    keep = {Path(path).resolve() for path in keep}
    removed = []
    for path in sorted(Path(generated_dir).rglob("*.ipynb")):
        if path.resolve() not in keep:
            path.unlink()
            build_cache.key_file(path).unlink(missing_ok=True)
            removed.append(path)
    return removed


def job_key(
    job: NotebookJob, package: str | None = None, digests: dict[str, str] | None = None
) -> str:
    """The cache key of a job (:func:`.build_cache.notebook_key` over :func:`job_inputs`).

    ``package`` is the digest of the package code the notebook runs; by default the
    modules it imports, transitively (:func:`.imports.notebook_code_digest`).
    """
    if package is None:
        package = build_imports.notebook_code_digest(job.source)
    return build_cache.notebook_key(
        job.source,
        job.parameters,
        job_inputs(job),
        fingerprint=job.fingerprint,
        package=package,
        digests=digests,
    )


def run_cached(
    jobs: Iterable[NotebookJob],
    workers: int | None = None,
    *,
    execute: Callable[[NotebookJob], NotebookRun] = execute_job,
    force: bool = False,
    progress: bool = True,
    scheduler: str | None = None,
    bar=None,
) -> list[NotebookRun]:
    """Run the jobs whose cache key changed, in parallel; reuse the others' executed copies.

    After a successful run the job's key is computed again (the cleaning notebook writes
    the processed tables it is keyed on) and stored in the executed notebook.

    Parameters
    ----------
    jobs
        The runs to make.
    workers
        Processes at once (default: one per core).
    execute
        The function that runs one job (see :func:`run_jobs`).
    force
        Run every job, whatever the cache says.
    progress
        Show a progress bar.
    scheduler, bar
        As for :func:`.execute.run_jobs` (reused jobs advance ``bar`` at once).

    Returns
    -------
    list of NotebookRun
        In the order of ``jobs``; reused ones have ``reused=True`` and take no time.
    """
    from contextlib import nullcontext

    from tqdm import tqdm

    jobs = list(jobs)
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs) or 1))
    shown = (
        nullcontext(bar)
        if bar is not None
        else tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not progress)
    )
    with (
        shown as progress_bar,
        JobRunner(workers, execute=execute, scheduler=scheduler, bar=progress_bar) as runner,
    ):
        return CachedRuns(runner, jobs, force).wait()


class CachedRuns:
    """Jobs handed to a :class:`.execute.JobRunner` unless their cached copies are current.

    The stale jobs are chosen (and started) when this is made; :meth:`wait` collects their
    runs and stores each successful run's key, computed again after the run (the cleaning
    notebook writes the processed tables it is keyed on).
    """

    def __init__(self, runner: JobRunner, jobs: Iterable[NotebookJob], force: bool = False):
        self.jobs = list(jobs)
        self._code: dict[Path, str] = {}  # source notebook -> digest of the package code
        before: dict[str, str] = {}  # input path -> digest, before any job runs
        stale = [
            job
            for job in self.jobs
            if force or not build_cache.is_fresh(job.output, self._key(job, before))
        ]
        self._stale_ids = {id(job) for job in stale}
        self.executing = bool(stale)  # whether any job runs (is not reused)
        if runner.bar is not None:
            runner.bar.update(len(self.jobs) - len(stale))
        self._batch = runner.start(stale)

    def _key(self, job: NotebookJob, digests: dict[str, str]) -> str:
        if job.source not in self._code:
            self._code[job.source] = build_cache.code_digest(job.source)
        return job_key(job, self._code[job.source], digests)

    def wait(self) -> list[NotebookRun]:
        """The runs, in the order of the jobs (reused ones with ``reused=True``)."""
        executed = dict(zip(map(id, self._batch.jobs), self._batch.wait()))
        after: dict[str, str] = {}  # hashed again: a job may write what it is keyed on
        runs = []
        for job in self.jobs:
            if id(job) not in self._stale_ids:
                runs.append(NotebookRun(job, 0.0, reused=True))
                continue
            run = executed[id(job)]
            if run.ok:
                build_cache.store_key(job.output, self._key(job, after))
            runs.append(run)
        return runs


@dataclass(frozen=True)
class BuildReport:
    """What a build did: the notebook runs, the book step's exit code and the timings."""

    code: int
    runs: list[NotebookRun]
    notebook_seconds: float
    book_seconds: float
    # The book was already current (nothing it is made from changed): not built again.
    book_skipped: bool = False
    # Seconds spent in each step of the build, in order (see :func:`build_book_report`).
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def executed(self) -> list[NotebookRun]:
        """The runs that executed (not reused)."""
        return [run for run in self.runs if not run.reused]

    @property
    def reused(self) -> list[NotebookRun]:
        """The runs whose executed copy was reused."""
        return [run for run in self.runs if run.reused]

    @property
    def total_seconds(self) -> float:
        """Notebooks and book together."""
        return self.notebook_seconds + self.book_seconds

    def summary(self) -> str:
        """One line: executed, reused, failed, times."""
        failed = sum(1 for run in self.runs if not run.ok)
        if self.code == 1 and failed:
            book = "book not built"
        elif self.book_skipped and self.code == 0:
            book = "book unchanged, not rebuilt"
        else:
            book = f"book built in {self.book_seconds:.1f} s" + (
                "" if self.code == 0 else f" (FAILED, exit code {self.code})"
            )
        return (
            f"{len(self.runs)} notebook(s): {len(self.executed)} executed, "
            f"{len(self.reused)} reused"
            + (f", {failed} failed" if failed else "")
            + f" in {self.notebook_seconds:.1f} s; {book}; "
            f"total {self.total_seconds:.1f} s."
        )


def _failures(runs: Iterable[NotebookRun]) -> list[NotebookRun]:
    failed = [run for run in runs if not run.ok]
    for run in failed:
        print(f"FAILED {run.job.source.name} -> {run.job.output}\n  {run.error}", file=sys.stderr)
    return failed


def _chosen(readers: list[NotebookJob]):
    """The chapters' release folder and parameters (the first reader's)."""
    from citytools_analysis.core.parameters import report_parameters

    effective = {**notebook_defaults(readers[0].source), **dict(readers[0].parameters)}
    chosen = report_parameters(
        **{
            name: effective.get(name)
            for name in ("as_of", "horizon_years", "window_months", "min_authorities")
        }
    )
    return _resolve(effective.get("processed_dir", PROCESSED_DIR)), chosen


def _store_findings(chapters: Iterable[NotebookJob], store: Path) -> None:
    """Compute the findings once for the chapters (unless the store is current)."""
    from citytools_analysis.metrics.findings_store import write_findings_store

    readers = list(chapters)
    if readers:
        write_findings_store(*_chosen(readers), store)


def _comparison(chapters: Iterable[NotebookJob]) -> tuple[Callable, tuple, dict] | None:
    """The call that stores the comparison with the round before, for chapters 00, 10 and
    13, the profiles and the API (read back only when made from the same releases,
    parameters and code): a function, its arguments and keywords, or None without chapters.
    """
    from citytools_analysis.metrics.round_comparison import write_comparison_store

    readers = list(chapters)
    if not readers:
        return None
    processed_dir, chosen = _chosen(readers)
    previous = next(
        (job.parameters["previous_dir"] for job in readers if "previous_dir" in job.parameters),
        "",
    )
    return (
        write_comparison_store,
        (processed_dir, previous),
        {
            "window_months": chosen.window_months,
            "min_authorities": chosen.min_authorities,
            "horizon_years": chosen.horizon_years,
        },
    )


def _stage_downloads(
    parameters: Mapping[str, Any],
    build_dir: Path | str,
    generated_dir: Path,
    reference_dir: Any,
    force: bool,
) -> Path:
    """Stage the files the book publishes, unless what they are made from is unchanged.

    The staged folder keeps the key it was made from (the release's bytes, the package's
    code and the build parameters), so a no-op build does not write them again.
    """
    import hashlib
    import json

    from citytools_analysis.build import publish

    processed_dir = _resolve(parameters.get("processed_dir", PROCESSED_DIR))
    staging = Path(build_dir) / publish.STAGING_FOLDER
    digest = hashlib.sha256()
    digest.update(build_cache.path_digest(processed_dir).encode())
    digest.update(build_cache.package_digest().encode())
    digest.update(json.dumps(dict(parameters), sort_keys=True, default=str).encode())
    key, stored = digest.hexdigest(), staging / ".publish-key"
    include = Path(generated_dir) / publish.DOWNLOADS_INCLUDE
    if (
        not force
        and include.is_file()
        and stored.is_file()
        and stored.read_text(encoding="utf-8").strip() == key
    ):
        return staging
    staged = publish.prepare(
        processed_dir,
        build_dir,
        generated_dir,
        _resolve(reference_dir) if reference_dir else None,
        parameters,
        findings_store=FINDINGS_STORE,
    )
    stored.write_text(key + "\n", encoding="utf-8")
    return staged


def _profile_context(jobs_source: Path, parameters: Mapping[str, Any]):
    """The London-wide tables, computed as the profile notebook computes them."""
    from citytools_analysis.metrics.profiles import load_london

    effective = {**notebook_defaults(jobs_source), **_offered(jobs_source, dict(parameters))}
    options = {
        name: effective[name]
        for name in ("horizon_years", "window_months", "min_authorities")
        if name in effective
    }
    previous = effective.get("previous_dir") or ""
    london = load_london(
        _resolve(effective.get("processed_dir", PROCESSED_DIR)),
        _resolve(effective.get("reference_dir", REFERENCE_DIR)),
        _resolve(previous) if previous else "",
        as_of=effective.get("as_of") or None,
        **options,
    )
    return london


def _with_spend(
    fingerprints: Mapping[str, str], source: Path, parameters: Mapping[str, Any]
) -> dict[str, str]:
    """Each profile's digest, and the authority's own rows of ``it_spend`` (or their absence).

    The profile page shows the authority's IT suppliers by money paid, read from the
    release's ``it_spend`` table, which its profile tables (and so its digest) leave out: a
    changed payment re-runs that authority's profile, and no other.
    """
    import hashlib

    from citytools_analysis.release.processed import read_table

    effective = {**notebook_defaults(source), **_offered(source, dict(parameters))}
    processed_dir = _resolve(effective.get("processed_dir", PROCESSED_DIR))
    spend = (
        read_table("it_spend", processed_dir)
        if (processed_dir / "it_spend.csv").is_file()
        else None
    )
    combined = {}
    for code, digest in fingerprints.items():
        rows = (
            "absent"
            if spend is None
            else spend[spend["gss_code"] == code].to_csv(index=False, lineterminator="\n")
        )
        combined[code] = hashlib.sha256(f"{digest}\0spend\0{rows}".encode()).hexdigest()
    return combined


def with_previous_round(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters offered to the notebooks, with ``previous_dir`` when not given.

    The book is built for the latest round; the chapters and profiles that show what changed
    compare it with the round before. Its release is named here (so that the cache keys on
    it, and a re-run of the same jobs injects the same value) after being cleaned again if
    its files or the cleaning code changed (:mod:`.rounds`); ``""`` when there is none.
    """
    offered = dict(parameters or {})
    if "previous_dir" not in offered:
        refresh_earlier_rounds()
    return name_previous_round(offered)


def name_previous_round(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters offered to the notebooks, with ``previous_dir`` named when not given.

    As :func:`with_previous_round`, without cleaning the earlier rounds again: the build
    does that while the cleaning notebook runs.
    """
    offered = dict(parameters or {})
    if "previous_dir" not in offered:
        previous = previous_release_dir()
        if previous is None:
            offered["previous_dir"] = ""
        elif previous.is_relative_to(PROJECT_ROOT):
            # Relative to the project, as the notebooks' own defaults are, so that a copy of
            # the project run again reads (and cites) its own earlier release.
            offered["previous_dir"] = previous.relative_to(PROJECT_ROOT).as_posix()
        else:
            offered["previous_dir"] = str(previous)
    return offered


def build_book_report(
    jobs: int | None = None,
    *,
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    build_dir: Path | str = BUILD_DIR,
    parameters: Mapping[str, Any] | None = None,
    book_root: Path | str = PROJECT_ROOT,
    authorities: Iterable[str] | None = None,
    force: bool = False,
    progress: bool = True,
    execute: Callable[[NotebookJob], NotebookRun] = execute_job,
    scheduler: str | None = None,
) -> BuildReport:
    """Run the notebooks that need it, then build the web book; report what was done.

    Steps: the profile authorities are validated against the reference list (before any
    notebook runs); executed notebooks that no job produces any more are removed; the
    cleaning notebook runs (or is reused) while the earlier rounds are cleaned again if
    they changed. Then one pool of workers runs the rest, each notebook only if its cache
    key changed, each batch handed over as soon as what it reads is ready, while this
    process prepares the next: the explorers first (they read the release alone), the
    chapters once the findings and the comparison with the round before are stored, the
    profiles once their London-wide context is. Then ``jupyter-book build -W -n
    --keep-going`` renders ``book_root`` into ``build_dir/html``. A failing notebook stops
    the build before the HTML step.

    Parameters
    ----------
    jobs
        Notebooks run at once (default: one per core).
    notebooks_dir
        Source notebooks.
    generated_dir
        Executed notebooks (under the book root, where ``_toc.yml`` globs them).
    build_dir
        Output folder, named ``_build``.
    parameters
        Values offered to the notebooks (each gets those it declares).
    book_root
        Folder holding ``_config.yml`` and ``_toc.yml``.
    authorities
        GSS codes to profile; every authority of the reference list by default.
    force
        Execute every notebook and re-read every page, whatever the cache says.
    progress
        Show one progress bar, then one summary line (Jupyter Book's own output goes to
        ``build_dir/jupyter-book.log``, and its tail to the standard error if it fails).
    execute
        The function that runs one job (tests pass a fake).
    scheduler
        Address of a Dask distributed scheduler to send the notebook jobs to, instead of
        the local pool (see :func:`.execute.run_jobs`: the workers need the project's
        folder at the same path).

    Returns
    -------
    BuildReport
        ``code`` 0 on success, 1 if a notebook failed, else the book build's exit code.

    Raises
    ------
    ValueError
        If an authority code is not in the reference list.
    """
    started = time.perf_counter()
    phases: dict[str, float] = {}
    clock = [started]

    def lap(name: str) -> None:
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - clock[0]
        clock[0] = now

    refresh = "previous_dir" not in dict(parameters or {})
    parameters = name_previous_round(parameters)
    generated_dir = Path(generated_dir)
    reference_dir = parameters.get("reference_dir")
    codes = profile_authorities(_resolve(reference_dir) if reference_dir else None, authorities)
    store = FINDINGS_STORE
    cleaning, chapters = plan_notebooks(notebooks_dir, generated_dir, parameters)
    explorers = plan_explorers(notebooks_dir, generated_dir, parameters)
    planned_profiles = plan_profiles(codes, notebooks_dir, generated_dir, parameters)
    remove_stale(
        generated_dir, [job.output for job in (cleaning, *chapters, *explorers, *planned_profiles)]
    )
    lap("planning")

    from tqdm import tqdm

    say = print if progress else (lambda *args, **kwargs: None)
    planned = 1 + len(chapters) + len(explorers) + len(planned_profiles)
    # One progress bar for the whole build: the cleaning notebook, the rest, then the book.
    # One pool of workers for the whole build: each batch of notebooks is handed to it as
    # soon as what it reads is ready, and this process prepares the next meanwhile.
    with (
        tqdm(total=planned, desc="notebooks", unit="nb", disable=not progress) as bar,
        JobRunner(jobs, execute=execute, scheduler=scheduler, bar=bar) as runner,
        ThreadPoolExecutor(1, thread_name_prefix="citytools-background") as background,
        _ProfileContext() as profile_context,
        ExitStack() as book_process,
    ):
        bar.set_postfix_str(cleaning.output.name)
        cleaned = CachedRuns(runner, [cleaning], force)
        if planned_profiles and cleaned.executing:
            profile_context.start()  # its imports are made while the cleaning runs
        # The earlier rounds' releases are cleaned in a thread while the current round is.
        earlier = background.submit(refresh_earlier_rounds) if refresh else None
        # Meanwhile, read what each chapter and explorer declares it reads (this imports
        # their modules here while the cleaning runs in its own process), and, when the
        # release changes, make the findings' slow import: at a lower priority than the
        # cleaning notebook's kernel, which the whole build waits for.
        declared = meanwhile(
            _prepare_chapters,
            [job.source for job in (*chapters, *explorers)],
            cleaned.executing,
        )
        first = cleaned.wait()
        declared.result()
        lap("cleaning notebook")
        if _failures(first):
            return BuildReport(1, first, time.perf_counter() - started, 0.0, phases=phases)
        # The explorers, and the chapters that declare they read no finding, read the
        # release alone (keyed on the columns they declare): they run while the findings
        # are computed.
        releases: dict[Path, Any] = {}  # each release read once for the keys below
        unfound = [job for job in chapters if not reads_findings(job.source)]
        found = [job for job in chapters if reads_findings(job.source)]
        explored = CachedRuns(
            runner, keyed_on_reads([*explorers, *unfound], releases=releases), force
        )
        if earlier is not None:
            earlier.result()
        lap("earlier rounds (waiting for)")
        # The comparison with the round before, then the profiles' London-wide context, are
        # computed in a process of their own while this one computes the findings.
        comparison = _comparison(found)
        comparing = profile_context.submit(*comparison) if comparison else None
        contexts = (
            profile_context.submit(
                profile_fingerprints,
                (planned_profiles[0].source, dict(parameters), codes, generated_dir),
                {"planned": planned_profiles},
            )
            if planned_profiles
            else None
        )
        _store_findings(found, store)
        if comparing is not None:
            comparing.result()
        lap("findings store")
        # A chapter that declares what it reads is keyed on that, not the whole release.
        narrated = CachedRuns(runner, keyed_on_reads(found, store, releases), force)
        # The release's downloads, database and JSON API (build/publish.py) are made from the
        # processed tables alone: they are staged in a thread of this process while the
        # notebooks run in their own processes, listed by the book, and copied into the
        # site after it.
        staging = background.submit(
            _stage_downloads, parameters, build_dir, generated_dir, reference_dir, force
        )
        profiles = []
        if contexts is not None:
            profiles = plan_profiles(
                codes,
                notebooks_dir,
                generated_dir,
                {**parameters, "context_file": str(generated_dir / CONTEXT_FILE)},
                contexts.result(),
            )
        profiled = CachedRuns(runner, profiles, force)
        profile_context.release()
        lap("profile context (waiting for)")
        # The last notebooks are handed over: Jupyter Book's imports are made while they run.
        ready = (
            book_process.enter_context(BookProcess(book_root))
            if any(batch.executing for batch in (cleaned, explored, narrated, profiled))
            else None
        )
        ran = {run.job.output: run for run in (*narrated.wait(), *explored.wait())}
        runs = [
            *first,
            *(ran[job.output] for job in (*chapters, *explorers)),
            *profiled.wait(),
        ]
        runner.release()  # the workers end while the book is built
        lap("other notebooks")
        executed_at = time.perf_counter()
        staged = staging.result()
        lap("downloads staged (waiting for)")
        if _failures(runs):
            return BuildReport(1, runs, executed_at - started, 0.0, phases=phases)
        bar.set_postfix_str("the web book")
        skipped = not force and book_is_current(book_root, build_dir)
        code = (
            0 if skipped else build_html(book_root, build_dir, full=force, quiet=True, ready=ready)
        )
        lap("web book")
        if code == 0:
            from citytools_analysis.build import publish

            publish.install(staged, Path(build_dir) / "html")
            lap("downloads published")
    report = BuildReport(
        code, runs, executed_at - started, time.perf_counter() - executed_at, skipped, phases
    )
    index = Path(build_dir) / "html" / "index.html"
    say(report.summary() + (f" Open {index}" if code == 0 else ""), flush=True)
    return report


def _prepare_chapters(sources: Iterable[Path], findings: bool) -> None:
    """Read what each notebook declares it reads (importing its modules) and, with
    ``findings``, make the findings' slow import."""
    for source in sources:
        declared_reads(source)
    if findings:
        from citytools_analysis.metrics.satisfaction import import_statistics

        import_statistics()


class _ProfileContext:
    """A process of its own for the comparison with the round before and the profiles'
    London-wide context. It is started as the cleaning notebook starts (so that its imports
    are made meanwhile) and given its work once the release is written: the work then runs
    beside the findings and the chapters instead of after them. When it was not started
    (no profiles, or the cleaning reused), the work runs in this process as it is handed
    over."""

    def __init__(self) -> None:
        self._pool = None

    def start(self) -> None:
        """Start the process (when the release is about to change: otherwise the stores and
        the context are current, and reading them here is quicker than a new process)."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self._pool.submit(_import_profiles)

    def __enter__(self) -> _ProfileContext:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def release(self) -> None:
        """No more work will come: the process ends once the work handed over is done."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    def submit(self, function: Callable, args: tuple, kwargs: dict) -> Future:
        """``function(*args, **kwargs)``, in order with the work handed over before it."""
        if self._pool is not None:
            return self._pool.submit(function, *args, **kwargs)
        done: Future = Future()
        done.set_result(function(*args, **kwargs))
        return done


def _import_profiles() -> None:
    """Import the profiles' code ahead of its use, at a lower priority than the cleaning."""
    meanwhile(importlib.import_module, "citytools_analysis.metrics.profiles").result()


def profile_fingerprints(
    source: Path,
    parameters: Mapping[str, Any],
    codes: list[str],
    generated_dir: Path,
    planned: list[NotebookJob],
) -> dict[str, str]:
    """Compute the profiles' London-wide context, save it for their runs, and return each
    profile's digest (what its page shows): a profile is run again only when it changed."""
    return _profile_fingerprints(
        _profile_context(source, parameters), codes, generated_dir, planned, parameters
    )


def _profile_fingerprints(
    london, codes: list[str], generated_dir: Path, planned: list[NotebookJob], parameters
) -> dict[str, str]:
    """Save the profiles' London-wide context for their runs; return each profile's digest."""
    from citytools_analysis.metrics.profiles import profile_digests, save_context

    known = set(london.authorities["gss_code"])
    fingerprints = _with_spend(
        profile_digests(london, [code for code in codes if code in known]),
        planned[0].source,
        parameters,
    )
    save_context(london, generated_dir / CONTEXT_FILE)
    return fingerprints


def build_book(
    jobs: int | None = None,
    *,
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    build_dir: Path | str = BUILD_DIR,
    parameters: Mapping[str, Any] | None = None,
    book_root: Path | str = PROJECT_ROOT,
    authorities: Iterable[str] | None = None,
    force: bool = False,
    scheduler: str | None = None,
) -> int:
    """Run the notebooks that need it, then build the web book; return an exit code.

    See :func:`build_book_report` (this returns its ``code``: 0 when all is well, 1 if a
    notebook failed, else the book build's exit code).

    Raises
    ------
    ValueError
        If an authority code is not in the reference list.
    """
    return build_book_report(
        jobs,
        notebooks_dir=notebooks_dir,
        generated_dir=generated_dir,
        build_dir=build_dir,
        parameters=parameters,
        book_root=book_root,
        authorities=authorities,
        force=force,
        scheduler=scheduler,
    ).code
