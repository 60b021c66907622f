"""The report build: run the notebooks with papermill, prepare them for the book, build the HTML.

The cleaning notebook (``01_…``) runs first, because it writes ``data/processed/``; then the
other numbered chapters, the explorer pages (``explore_*.ipynb``) and one borough profile
per authority (``borough_profile.ipynb`` with parameter ``authority``) run in parallel, one
process each. Every notebook runs in a kernel whose working directory is the project root,
and resolves its folder parameters against the project root, so a relative or an absolute
path both work.

Builds are incremental (:mod:`.build_cache`): a notebook runs again only when its source,
its parameters, the data it reads or the package changed; otherwise its executed copy is
reused. What a notebook reads: the folders and files named by its ``*_dir``, ``*_path`` and
``*_file`` parameters, and the reference folder (the cleaning notebook: all of
``data/raw/``). A borough profile is keyed instead on a digest of its own profile tables
(:func:`.profiles.profile_digest`), so that a changed return re-runs only the profiles
whose pages change. Jupyter Book then re-reads only the executed notebooks that changed.
"""

from __future__ import annotations

import ast
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from citytools_analysis.build import cache as build_cache
from citytools_analysis.core.paths import (BUILD_DIR, GENERATED_DIR, NOTEBOOKS_DIR, PROCESSED_DIR, PROJECT_ROOT,
                    RAW_DIR, REFERENCE_DIR)

KERNEL_NAME = "python3"
# A kernel that fails to start (a port race between parallel processes) is tried again.
KERNEL_START_ATTEMPTS = 3
KERNEL_START_SIGNS = ("Address already in use", "Kernel died before replying to kernel_info",
                      "Kernel didn't respond")
CLEANING_NOTEBOOK = "01_clean_survey.ipynb"
NOTEBOOK_PATTERN = "[0-9]*.ipynb"
# Explorer pages: notebooks/explore_<n>_<name>.ipynb -> <generated>/explore/<n>_<name>.ipynb
EXPLORER_PATTERN = "explore_*.ipynb"
EXPLORER_PREFIX = "explore_"
EXPLORE_FOLDER = "explore"
# Borough profiles: notebooks/borough_profile.ipynb -> <generated>/profiles/<gss_code>.ipynb
PROFILE_NOTEBOOK = "borough_profile.ipynb"
PROFILES_FOLDER = "profiles"
PROFILE_PARAMETER = "authority"
# The London-wide tables, computed once per build and read by every profile run.
CONTEXT_FILE = ".profiles-context.pickle"
# Parameters naming what a notebook reads: folders and files, by the end of their name.
PATH_PARAMETER_SUFFIXES = ("_dir", "_path", "_file")

# Tags understood by myst-nb: set here, by the runner, never by hand in the sources.
REMOVE_CELL = "remove-cell"
REMOVE_INPUT = "remove-input"
PARAMETER_TAGS = ("parameters", "injected-parameters")

# Notebook-level papermill metadata kept for provenance; the rest (times, paths) is volatile.
KEPT_PAPERMILL_KEYS = ("parameters", "default_parameters")


@dataclass(frozen=True)
class NotebookJob:
    """One papermill run: a source notebook, where its executed copy goes, its parameters."""

    source: Path
    output: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)
    # What the notebook reads, for the cache: None derives it from the path parameters.
    inputs: tuple[Path, ...] | None = None
    # Further content the output depends on (a borough profile's digest).
    fingerprint: str = ""
    # The page title the runner sets (a borough profile's authority); "" keeps the source's.
    title: str = ""


@dataclass(frozen=True)
class NotebookRun:
    """The outcome of a job: how long it took, whether its executed copy was reused, and,
    if it failed, why."""

    job: NotebookJob
    seconds: float
    error: str | None = None
    reused: bool = False

    @property
    def ok(self) -> bool:
        """Whether the notebook ran to the end."""
        return self.error is None


def declared_parameters(source: Path | str) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell.

    Parameters
    ----------
    source
        A source notebook.

    Returns
    -------
    set of str
    """
    return set(notebook_defaults(source))


def notebook_defaults(source: Path | str) -> dict[str, Any]:
    """The parameters cell's names and their default values.

    A default that is not a Python literal (e.g. an expression) is given as its source text.

    Parameters
    ----------
    source
        A source notebook.

    Returns
    -------
    dict
        Name → default value.
    """
    import papermill

    defaults = {}
    for name, spec in papermill.inspect_notebook(str(source)).items():
        text = spec.get("default")
        try:
            defaults[name] = ast.literal_eval(text) if text is not None else None
        except (ValueError, SyntaxError):
            defaults[name] = text
    return defaults


def prepare_for_book(path: Path | str) -> None:
    """Make an executed notebook ready for the book, and the same text on every run.

    Parameter cells (the source ``parameters`` cell and papermill's ``injected-parameters``)
    are tagged ``remove-cell``; every other code cell is tagged ``remove-input``, so readers
    see prose, tables and figures. Papermill's timings, paths and per-cell metadata and the
    kernel's execution timestamps are removed, and cell ids are numbered in order (papermill
    makes random ones); the parameters stay in the notebook metadata.

    Parameters
    ----------
    path
        An executed notebook; rewritten in place.
    """
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    papermill_meta = notebook.metadata.get("papermill", {})
    kept = {key: papermill_meta[key] for key in KEPT_PAPERMILL_KEYS if key in papermill_meta}
    if kept:
        notebook.metadata["papermill"] = kept
    else:
        notebook.metadata.pop("papermill", None)
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:03d}"  # papermill gives new cells random ids
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        tags = list(cell.metadata.get("tags", []))
        wanted = REMOVE_CELL if any(tag in tags for tag in PARAMETER_TAGS) else REMOVE_INPUT
        if wanted not in tags:
            tags.append(wanted)
        cell.metadata["tags"] = tags
    nbformat.write(notebook, path)


def set_title(path: Path | str, title: str) -> None:
    """Make ``title`` the page title: the first heading of the first Markdown cell.

    A generated page whose title depends on its parameters (a borough profile) gets it
    from the runner, as its tags do; a notebook without a Markdown cell gets one.

    Parameters
    ----------
    path
        An executed notebook; rewritten in place.
    title
        The title text.
    """
    from nbformat.v4 import new_markdown_cell

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    heading = f"# {title}"
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            lines = cell.source.splitlines()
            if lines and lines[0].startswith("# "):
                cell.source = "\n".join([heading, *lines[1:]])
            else:
                cell.source = heading + "\n\n" + cell.source
            break
    else:
        notebook.cells.insert(0, new_markdown_cell(heading, id="cell-title"))
    nbformat.write(notebook, path)


def run_notebook(
    source: Path | str,
    output: Path | str,
    parameters: Mapping[str, Any] | None = None,
    *,
    cwd: Path | str = PROJECT_ROOT,
    kernel_name: str = KERNEL_NAME,
) -> Path:
    """Execute one notebook with papermill and prepare the executed copy for the book.

    The same source can be run many times with different parameters and outputs (e.g. one
    profile per authority).

    Parameters
    ----------
    source
        The source notebook (with a cell tagged ``parameters``).
    output
        Where the executed notebook is written; its folder is created.
    parameters
        Values injected after the ``parameters`` cell.
    cwd
        The kernel's working directory (the project root).
    kernel_name
        The Jupyter kernel; ``python3`` is the environment's own Python.

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    papermill.PapermillExecutionError
        If a cell raises; the partly executed notebook is still written to ``output``.
    """
    import papermill

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(source),
        str(output),
        parameters=dict(parameters or {}),
        kernel_name=kernel_name,
        language="python",
        cwd=str(cwd),
        progress_bar=False,
        log_output=False,
    )
    prepare_for_book(output)
    return output


def execute_job(job: NotebookJob) -> NotebookRun:
    """Run one job and report its outcome instead of raising (safe across processes).

    Parameters
    ----------
    job
        The notebook run to make.

    Returns
    -------
    NotebookRun
    """
    started = time.perf_counter()
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            run_notebook(job.source, job.output, job.parameters)
            if job.title:
                set_title(job.output, job.title)
        except Exception as error:  # noqa: BLE001 - reported to the caller with the notebook's name
            if attempt < KERNEL_START_ATTEMPTS and is_kernel_start_failure(error):
                continue
            message = f"{type(error).__name__}: {error}".strip()
            return NotebookRun(job, time.perf_counter() - started, message)
        return NotebookRun(job, time.perf_counter() - started)
    raise AssertionError("unreachable")  # pragma: no cover


def is_kernel_start_failure(error: BaseException) -> bool:
    """True when a kernel failed to start, not when a notebook's own code failed.

    Kernels started at once in parallel processes can race for the same free TCP port
    ("Address already in use", then "Kernel died before replying to kernel_info"); such a
    run is worth one more try. An error raised by a cell is never retried.
    """
    if type(error).__name__ == "PapermillExecutionError":
        return False
    text = str(error)
    return any(sign in text for sign in KERNEL_START_SIGNS)


def run_jobs(
    jobs: Iterable[NotebookJob],
    workers: int | None = None,
    *,
    execute: Callable[[NotebookJob], NotebookRun] = execute_job,
    progress: bool = True,
) -> list[NotebookRun]:
    """Run notebook jobs in parallel, one process per job (papermill is not thread-safe).

    Parameters
    ----------
    jobs
        The runs to make.
    workers
        Processes at once (default: one per core).
    execute
        The function each worker calls (a cache can wrap ``execute_job``).
    progress
        Show a progress bar.

    Returns
    -------
    list of NotebookRun
        In the order of ``jobs``.
    """
    from tqdm import tqdm

    jobs = list(jobs)
    if not jobs:
        return []
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    context = multiprocessing.get_context("spawn")
    runs: dict[int, NotebookRun] = {}
    with (
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
        tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not progress) as bar,
    ):
        futures = {pool.submit(execute, job): number for number, job in enumerate(jobs)}
        for future in as_completed(futures):
            run = future.result()
            runs[futures[future]] = run
            bar.set_postfix_str(run.job.output.name)
            bar.update()
    return [runs[number] for number in range(len(jobs))]


def plan_notebooks(
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    parameters: Mapping[str, Any] | None = None,
) -> tuple[NotebookJob, list[NotebookJob]]:
    """The cleaning notebook's job, and the jobs of every other numbered notebook.

    Each job receives those of ``parameters`` that its notebook declares.

    Parameters
    ----------
    notebooks_dir
        Folder of source notebooks (``NN_name.ipynb``).
    generated_dir
        Folder for the executed copies (same file names).
    parameters
        Values offered to every notebook, e.g. ``{"processed_dir": "/tmp/processed"}``.

    Returns
    -------
    tuple
        The cleaning job, then the others in file-name order.

    Raises
    ------
    FileNotFoundError
        If the cleaning notebook is missing.
    """
    notebooks_dir, generated_dir = Path(notebooks_dir), Path(generated_dir)
    offered = dict(parameters or {})

    def job(source: Path) -> NotebookJob:
        return NotebookJob(source, generated_dir / source.name, _offered(source, offered))

    cleaning = notebooks_dir / CLEANING_NOTEBOOK
    if not cleaning.is_file():
        raise FileNotFoundError(f"{cleaning}: the cleaning notebook is missing")
    others = sorted(p for p in notebooks_dir.glob(NOTEBOOK_PATTERN) if p.name != cleaning.name)
    return job(cleaning), [job(source) for source in others]


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


def jupyter_book_command() -> list[str]:
    """The ``jupyter-book`` executable of this environment (beside ``sys.executable``)."""
    beside = Path(sys.executable).parent / "jupyter-book"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("jupyter-book")
    if found is None:
        raise FileNotFoundError("jupyter-book is not installed in this environment")
    return [found]


def build_html(
    book_root: Path | str = PROJECT_ROOT,
    build_dir: Path | str = BUILD_DIR,
    *,
    full: bool = False,
    quiet: bool = False,
) -> int:
    """Build the web book strictly (warnings are errors, nitpicky) into ``build_dir/html``.

    Sphinx keeps its environment between builds and re-reads only the pages whose files
    changed (an executed notebook that was reused keeps its modification time); a changed
    configuration makes it re-read everything by itself. ``full`` re-reads every page.
    ``build_dir/html`` is removed first and every page written afresh, so that a rebuild
    gives the same bytes as a first build.

    Parameters
    ----------
    book_root
        Folder holding ``_config.yml`` and ``_toc.yml``.
    build_dir
        The build folder; must be named ``_build`` (Jupyter Book's layout).
    full
        Re-read and re-write every page (``jupyter-book build --all``).
    quiet
        Keep Jupyter Book's progress off the standard output (warnings still show).

    Returns
    -------
    int
        The exit code of ``jupyter-book build``.

    Raises
    ------
    ValueError
        If ``build_dir`` is not named ``_build``.
    """
    build_dir = Path(build_dir)
    if build_dir.name != "_build":
        raise ValueError(f"{build_dir}: Jupyter Book writes into a folder named _build")
    # The pages are always written afresh (the doctrees stay, so only changed pages are read
    # again): written over an earlier build, Sphinx keeps emptied entries of the old search
    # index and adds a checksum to the links of stylesheets that existed before (myst-nb
    # copies its own only at the end of a build), so a rebuild would differ from a first
    # build in bytes. Written afresh, two builds from the same inputs are byte-identical.
    shutil.rmtree(build_dir / "html", ignore_errors=True)
    command = [
        *jupyter_book_command(),
        "build",
        str(book_root),
        "--path-output",
        str(build_dir.parent),
        "-W",
        "-n",
        "--keep-going",
    ]
    if full:
        command.append("--all")
    stdout = subprocess.DEVNULL if quiet else None
    return subprocess.run(command, check=False, stdout=stdout).returncode


def _offered(source: Path, offered: Mapping[str, Any]) -> dict[str, Any]:
    declared = declared_parameters(source)
    return {name: value for name, value in offered.items() if name in declared}


def plan_explorers(
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    parameters: Mapping[str, Any] | None = None,
) -> list[NotebookJob]:
    """The jobs of the explorer pages (``explore_<n>_<name>.ipynb``), in file-name order.

    Each executed copy goes to ``<generated_dir>/explore/<n>_<name>.ipynb`` (the prefix
    ``explore_`` dropped), apart from the numbered chapters.

    Parameters
    ----------
    notebooks_dir, generated_dir, parameters
        As for :func:`plan_notebooks`.

    Returns
    -------
    list of NotebookJob
    """
    notebooks_dir, generated_dir = Path(notebooks_dir), Path(generated_dir)
    offered = dict(parameters or {})
    return [
        NotebookJob(source, generated_dir / EXPLORE_FOLDER / source.name[len(EXPLORER_PREFIX):],
                    _offered(source, offered))
        for source in sorted(notebooks_dir.glob(EXPLORER_PATTERN))
    ]


def profile_authorities(
    reference_dir: Path | str | None = None, authorities: Iterable[str] | None = None
) -> list[str]:
    """The GSS codes to make profiles for, each checked against the reference list.

    Parameters
    ----------
    reference_dir
        Reference folder (the project's by default).
    authorities
        Codes asked for; every authority of the reference list by default.

    Returns
    -------
    list of str
        Sorted, without repeats.

    Raises
    ------
    ValueError
        If a code is not the GSS code of an authority in the reference list.
    """
    from citytools_analysis.core.reference import load_reference, validate_authority_code

    reference = load_reference(reference_dir)
    codes = list(reference.authorities["gss_code"]) if authorities is None else list(authorities)
    return sorted({validate_authority_code(code, reference) for code in codes})


def plan_profiles(
    codes: Iterable[str],
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    parameters: Mapping[str, Any] | None = None,
    fingerprints: Mapping[str, str] | None = None,
) -> list[NotebookJob]:
    """One job of the profile notebook per authority (none if the notebook is missing).

    The executed copies go to ``<generated_dir>/profiles/<gss_code>.ipynb``, titled with the
    authority's short name. A job's inputs are its reference folders only; what it shows of the processed data is in its
    ``fingerprint`` (see :func:`.profiles.profile_digest`).

    Parameters
    ----------
    codes
        GSS codes, already validated (:func:`profile_authorities`).
    notebooks_dir, generated_dir, parameters
        As for :func:`plan_notebooks`.
    fingerprints
        GSS code → digest of the profile's content.

    Returns
    -------
    list of NotebookJob
    """
    source = Path(notebooks_dir) / PROFILE_NOTEBOOK
    if not source.is_file():
        return []
    chosen = _offered(source, dict(parameters or {}))
    effective = {**notebook_defaults(source), **chosen}
    inputs = tuple(sorted({_resolve(effective["reference_dir"]), REFERENCE_DIR})
                   if "reference_dir" in effective else (REFERENCE_DIR,))
    fingerprints = fingerprints or {}
    from citytools_analysis.core.reference import load_reference

    reference = load_reference(_resolve(effective["reference_dir"])
                               if "reference_dir" in effective else None)
    titles = dict(zip(reference.authorities["gss_code"], reference.authorities["short_name"]))
    return [
        NotebookJob(source, Path(generated_dir) / PROFILES_FOLDER / f"{code}.ipynb",
                    {**chosen, PROFILE_PARAMETER: code}, inputs, fingerprints.get(code, ""),
                    titles.get(code, code))
        for code in codes
    ]


def _resolve(value: Any) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else PROJECT_ROOT / path


def job_inputs(job: NotebookJob) -> tuple[Path, ...]:
    """The files and folders a job reads, for its cache key.

    ``job.inputs`` when set; otherwise the values of the notebook's ``*_dir``, ``*_path``
    and ``*_file`` parameters (injected or default; empty ones left out), resolved against
    the project root, plus the reference folder (the package reads it by default), or, for
    the cleaning notebook, all of ``data/raw/`` and the ``contracts`` folder beside its
    survey folder.

    Parameters
    ----------
    job
        The notebook run.

    Returns
    -------
    tuple of Path
    """
    if job.inputs is not None:
        return tuple(job.inputs)
    effective = {**notebook_defaults(job.source), **dict(job.parameters)}
    paths = {
        _resolve(value) for name, value in effective.items()
        if name.endswith(PATH_PARAMETER_SUFFIXES) and isinstance(value, (str, Path)) and str(value)
    }
    paths.add(RAW_DIR if job.source.name == CLEANING_NOTEBOOK else REFERENCE_DIR)
    if job.source.name == CLEANING_NOTEBOOK and effective.get("survey_dir"):
        # Cleaning reads the contract registers beside the survey folder when not told where.
        paths.add(_resolve(effective["survey_dir"]).parent / "contracts")
    return tuple(sorted(paths))


def job_key(job: NotebookJob, package: str | None = None) -> str:
    """The cache key of a job (:func:`.build_cache.notebook_key` over :func:`job_inputs`)."""
    return build_cache.notebook_key(job.source, job.parameters, job_inputs(job),
                                    fingerprint=job.fingerprint, package=package)


def run_cached(
    jobs: Iterable[NotebookJob],
    workers: int | None = None,
    *,
    execute: Callable[[NotebookJob], NotebookRun] = execute_job,
    force: bool = False,
    progress: bool = True,
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

    Returns
    -------
    list of NotebookRun
        In the order of ``jobs``; reused ones have ``reused=True`` and take no time.
    """
    jobs = list(jobs)
    package = build_cache.package_digest()
    stale = [job for job in jobs
             if force or not build_cache.is_fresh(job.output, job_key(job, package))]
    stale_ids = {id(job) for job in stale}
    executed = dict(zip(map(id, stale), run_jobs(stale, workers, execute=execute,
                                                  progress=progress)))
    runs = []
    for job in jobs:
        if id(job) not in stale_ids:
            runs.append(NotebookRun(job, 0.0, reused=True))
            continue
        run = executed[id(job)]
        if run.ok:
            build_cache.store_key(job.output, job_key(job, package))
        runs.append(run)
    return runs


@dataclass(frozen=True)
class BuildReport:
    """What a build did: the notebook runs, the book step's exit code and the timings."""

    code: int
    runs: list[NotebookRun]
    notebook_seconds: float
    book_seconds: float

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
        book = ("book not built" if self.code == 1 and failed
                else f"book built in {self.book_seconds:.1f} s"
                + ("" if self.code == 0 else f" (FAILED, exit code {self.code})"))
        return (f"{len(self.runs)} notebook(s): {len(self.executed)} executed, "
                f"{len(self.reused)} reused" + (f", {failed} failed" if failed else "")
                + f" in {self.notebook_seconds:.1f} s; {book}; "
                f"total {self.total_seconds:.1f} s.")


def _failures(runs: Iterable[NotebookRun]) -> list[NotebookRun]:
    failed = [run for run in runs if not run.ok]
    for run in failed:
        print(f"FAILED {run.job.source.name} -> {run.job.output}\n  {run.error}", file=sys.stderr)
    return failed


def _profile_context(jobs_source: Path, parameters: Mapping[str, Any]):
    """The London-wide tables, computed as the profile notebook computes them."""
    from citytools_analysis.report.profiles import load_london

    effective = {**notebook_defaults(jobs_source), **_offered(jobs_source, dict(parameters))}
    options = {name: effective[name] for name in ("horizon_years", "window_months",
                                                   "min_authorities") if name in effective}
    london = load_london(
        _resolve(effective.get("processed_dir", PROCESSED_DIR)),
        _resolve(effective.get("reference_dir", REFERENCE_DIR)),
        as_of=effective.get("as_of") or None, **options,
    )
    return london


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
) -> BuildReport:
    """Run the notebooks that need it, then build the web book; report what was done.

    Steps: the profile authorities are validated against the reference list (before any
    notebook runs); the cleaning notebook runs (or is reused); the chapters, explorers and
    profiles run in parallel, each only if its cache key changed; executed notebooks that no
    job produces any more are removed; then ``jupyter-book build -W -n --keep-going``
    renders ``book_root`` into ``build_dir/html``. A failing notebook stops the build
    before the HTML step.

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
        Show progress bars.
    execute
        The function that runs one job (tests pass a fake).

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
    parameters = dict(parameters or {})
    generated_dir = Path(generated_dir)
    reference_dir = parameters.get("reference_dir")
    codes = profile_authorities(_resolve(reference_dir) if reference_dir else None, authorities)
    cleaning, chapters = plan_notebooks(notebooks_dir, generated_dir, parameters)
    explorers = plan_explorers(notebooks_dir, generated_dir, parameters)
    planned_profiles = plan_profiles(codes, notebooks_dir, generated_dir, parameters)
    remove_stale(generated_dir, [job.output for job in
                                 (cleaning, *chapters, *explorers, *planned_profiles)])

    say = print if progress else (lambda *args, **kwargs: None)
    say(f"Cleaning: {cleaning.source.name} (it writes the processed tables) ...", flush=True)
    first = run_cached([cleaning], 1, execute=execute, force=force, progress=False)
    if _failures(first):
        return BuildReport(1, first, time.perf_counter() - started, 0.0)
    say("  reused" if first[0].reused else f"  executed in {first[0].seconds:.1f} s", flush=True)

    profiles = []
    if planned_profiles:
        from citytools_analysis.report.profiles import profile_digests, save_context

        london = _profile_context(planned_profiles[0].source, parameters)
        known = set(london.authorities["gss_code"])
        fingerprints = profile_digests(london, [code for code in codes if code in known])
        context = save_context(london, generated_dir / CONTEXT_FILE)
        profiles = plan_profiles(codes, notebooks_dir, generated_dir,
                                 {**parameters, "context_file": str(context)}, fingerprints)
    rest = [*chapters, *explorers, *profiles]
    say(f"Chapters {len(chapters)}, explorers {len(explorers)}, profiles {len(profiles)}: "
        f"running those whose sources, parameters, data or package changed ...", flush=True)
    runs = [*first, *run_cached(rest, jobs, execute=execute, force=force, progress=progress)]
    executed_at = time.perf_counter()
    if _failures(runs):
        return BuildReport(1, runs, executed_at - started, 0.0)

    code = build_html(book_root, build_dir, full=force, quiet=not progress)
    report = BuildReport(code, runs, executed_at - started, time.perf_counter() - executed_at)
    index = Path(build_dir) / "html" / "index.html"
    say(report.summary() + (f" Open {index}" if code == 0 else ""), flush=True)
    return report


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
        jobs, notebooks_dir=notebooks_dir, generated_dir=generated_dir, build_dir=build_dir,
        parameters=parameters, book_root=book_root, authorities=authorities, force=force,
    ).code
