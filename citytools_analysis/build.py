"""The report build: run the notebooks with papermill, prepare them for the book, build the HTML.

The cleaning notebook (``01_…``) runs first, because it writes ``data/processed/``; the other
numbered notebooks then run in parallel, one process each. Every notebook runs in a kernel
whose working directory is the project root, and resolves its folder parameters against
the project root, so a relative or an absolute path both work.
"""

from __future__ import annotations

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

from .paths import BUILD_DIR, GENERATED_DIR, NOTEBOOKS_DIR, PROJECT_ROOT

KERNEL_NAME = "python3"
CLEANING_NOTEBOOK = "01_clean_survey.ipynb"
NOTEBOOK_PATTERN = "[0-9]*.ipynb"

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


@dataclass(frozen=True)
class NotebookRun:
    """The outcome of a job: how long it took and, if it failed, why."""

    job: NotebookJob
    seconds: float
    error: str | None = None

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
    import papermill

    return set(papermill.inspect_notebook(str(source)))


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
    try:
        run_notebook(job.source, job.output, job.parameters)
    except Exception as error:  # noqa: BLE001 - reported to the caller with the notebook's name
        message = f"{type(error).__name__}: {error}".strip()
        return NotebookRun(job, time.perf_counter() - started, message)
    return NotebookRun(job, time.perf_counter() - started)


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
        declared = declared_parameters(source)
        chosen = {name: value for name, value in offered.items() if name in declared}
        return NotebookJob(source, generated_dir / source.name, chosen)

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


def build_html(book_root: Path | str = PROJECT_ROOT, build_dir: Path | str = BUILD_DIR) -> int:
    """Build the web book strictly (warnings are errors, nitpicky) into ``build_dir/html``.

    Parameters
    ----------
    book_root
        Folder holding ``_config.yml`` and ``_toc.yml``.
    build_dir
        The build folder; must be named ``_build`` (Jupyter Book's layout).

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
    command = [
        *jupyter_book_command(),
        "build",
        str(book_root),
        "--path-output",
        str(build_dir.parent),
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    return subprocess.run(command, check=False).returncode


def _failures(runs: Iterable[NotebookRun]) -> list[NotebookRun]:
    failed = [run for run in runs if not run.ok]
    for run in failed:
        print(f"FAILED {run.job.source.name} -> {run.job.output}\n  {run.error}", file=sys.stderr)
    return failed


def build_book(
    jobs: int | None = None,
    *,
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    build_dir: Path | str = BUILD_DIR,
    parameters: Mapping[str, Any] | None = None,
    book_root: Path | str = PROJECT_ROOT,
) -> int:
    """Run every notebook, then build the web book; return an exit code (0 when all is well).

    Steps: the cleaning notebook runs first (it writes the processed tables); the other
    numbered notebooks run in parallel processes; each executed copy is prepared for the
    book (:func:`prepare_for_book`); stale executed notebooks are removed; then
    ``jupyter-book build -W -n --keep-going`` renders ``book_root`` into ``build_dir/html``.
    A failing notebook stops the build before the HTML step.

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

    Returns
    -------
    int
        0 on success, 1 if a notebook failed, else the book build's exit code.
    """
    started = time.perf_counter()
    cleaning, others = plan_notebooks(notebooks_dir, generated_dir, parameters)
    remove_stale(generated_dir, [job.output for job in (cleaning, *others)])

    print(f"Running {cleaning.source.name} (it writes the processed tables) ...", flush=True)
    first = execute_job(cleaning)
    if _failures([first]):
        return 1
    print(f"Running {len(others)} more notebook(s) in parallel ...", flush=True)
    runs = [first, *run_jobs(others, jobs)]
    if _failures(runs):
        return 1
    executed_at = time.perf_counter()

    code = build_html(book_root, build_dir)
    finished = time.perf_counter()
    index = Path(build_dir) / "html" / "index.html"
    print(
        f"Executed {len(runs)} notebook(s) in {executed_at - started:.1f} s; "
        f"built the book in {finished - executed_at:.1f} s "
        f"({'ok: ' + str(index) if code == 0 else f'FAILED with exit code {code}'})."
    )
    return code
