"""Running notebooks: papermill in a fresh kernel per notebook, in parallel, and the
executed copy made ready for the book (tags, no volatile metadata).

Jobs run in a local pool of processes (one per core by default), or, given the address of
a Dask distributed scheduler, on that cluster's workers (see :func:`run_jobs`).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from citytools_analysis.build.plan import NotebookJob
from citytools_analysis.core.paths import PROJECT_ROOT

KERNEL_NAME = "python3"
# A kernel that fails to start (a port race between parallel processes) is tried again.
KERNEL_START_ATTEMPTS = 3
KERNEL_START_SIGNS = (
    "Address already in use",
    "Kernel died before replying to kernel_info",
    "Kernel didn't respond",
)
# Tags understood by myst-nb: set here, by the runner, never by hand in the sources.
REMOVE_CELL = "remove-cell"
REMOVE_INPUT = "remove-input"
PARAMETER_TAGS = ("parameters", "injected-parameters")

# Notebook-level papermill metadata kept for provenance; the rest (times, paths) is volatile.
KEPT_PAPERMILL_KEYS = ("parameters", "default_parameters")


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
    _prepare(notebook)
    nbformat.write(notebook, path)


def _prepare(notebook) -> None:
    """:func:`prepare_for_book` on a notebook in memory."""
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
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    _title(notebook, title)
    nbformat.write(notebook, path)


def _title(notebook, title: str) -> None:
    """:func:`set_title` on a notebook in memory."""
    from nbformat.v4 import new_markdown_cell

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


def run_notebook(
    source: Path | str,
    output: Path | str,
    parameters: Mapping[str, Any] | None = None,
    *,
    cwd: Path | str = PROJECT_ROOT,
    kernel_name: str = KERNEL_NAME,
    title: str = "",
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
    title
        The page title to set (:func:`set_title`); ``""`` keeps the source's.

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
        # Papermill otherwise writes the whole notebook (serialised and validated) before
        # and after every cell, for watching a long run; the executed copy is written once,
        # at the end (and on an error, with the error shown), with the same content.
        request_save_on_cell_execute=False,
        kernel_manager_class=IPCKernelManager,
    )
    # Made ready for the book (and titled) in one read and one write.
    notebook = nbformat.read(output, as_version=4)
    _prepare(notebook)
    if title:
        _title(notebook, title)
    nbformat.write(notebook, output)
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
    output = Path(job.output)
    # Run into a hidden file beside the output, then keep the output as it is (bytes and
    # modification time) when the run made the same bytes again: Jupyter Book re-reads only
    # the pages whose files changed.
    running = output.with_name(f".{output.stem}.running{output.suffix}")
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            run_notebook(job.source, running, job.parameters, title=job.title)
        except Exception as error:  # noqa: BLE001 - reported to the caller with the notebook's name
            if attempt < KERNEL_START_ATTEMPTS and is_kernel_start_failure(error):
                continue
            if running.exists():  # the partly executed notebook, with its error shown
                os.replace(running, output)
            message = f"{type(error).__name__}: {error}".strip()
            return NotebookRun(job, time.perf_counter() - started, message)
        settle(running, output)
        return NotebookRun(job, time.perf_counter() - started)
    raise AssertionError("unreachable")  # pragma: no cover


def settle(made: Path, output: Path) -> bool:
    """Move ``made`` to ``output``, unless ``output`` already holds the same bytes.

    Returns
    -------
    bool
        Whether ``output`` changed (``made`` is gone either way).
    """
    import filecmp

    if not made.exists():  # nothing was written (a stand-in runner, in tests)
        return False
    if output.is_file() and filecmp.cmp(made, output, shallow=False):
        made.unlink()
        return False
    os.replace(made, output)
    return True


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


class JobRunner:
    """A pool of workers kept for a whole build, to which jobs are handed batch by batch.

    The build hands the notebooks over as soon as what they read is ready (the explorers
    straight after cleaning, the chapters once the findings are stored, the profiles once
    their context is), and goes on with its own work while the workers run them. By default
    the workers are local processes (one per core; papermill is not thread-safe); given
    ``scheduler``, the address of a Dask distributed scheduler (``tcp://host:8786``), the
    jobs are that cluster's tasks instead: the results are the same, byte for byte, as long
    as every worker sees the project's folder at the same path (a shared file system) and
    runs the same environment, since a job names its notebook, its output and its data by
    path.

    Parameters
    ----------
    workers
        Processes at once (default: one per core); ignored with a scheduler.
    execute
        The function each worker calls (a cache can wrap ``execute_job``).
    scheduler
        Address of a Dask distributed scheduler, or None for the local pool.
    bar
        A progress bar advanced as jobs finish, or None.
    forked_kernels
        Whether the local workers fork their kernels from one process that has already made
        the report's imports (:mod:`.forked_kernels`), instead of starting each afresh; the
        notebooks' outputs are the same either way.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        execute: Callable[[NotebookJob], NotebookRun] = execute_job,
        scheduler: str | None = None,
        bar=None,
        forked_kernels: bool = True,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.execute = execute
        self.scheduler = scheduler
        self.bar = bar
        self.forked_kernels = forked_kernels
        self._pool = None
        self._client = None
        self._kernels = None  # the kernel parent the local workers fork their kernels from
        self._ending: threading.Thread | None = None

    def __enter__(self) -> JobRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ending is not None:
            self._ending.join()
        else:
            self._end(cancel=exc[0] is not None)
        if self._client is not None:
            self._client.close()

    def _end(self, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
        if self._kernels is not None:
            self._kernels.close()

    def release(self) -> None:
        """No more jobs will come: let the local workers (and the kernel parent) end in the
        background while this process goes on; leaving the runner waits for them."""
        if self._pool is not None and self._ending is None:
            self._ending = threading.Thread(
                target=self._end, name="citytools-workers-ending", daemon=True
            )
            self._ending.start()

    def start(self, jobs: Iterable[NotebookJob]) -> JobBatch:
        """Hand ``jobs`` to the workers; :meth:`JobBatch.wait` collects their runs."""
        jobs = list(jobs)
        if self._ending is not None and jobs:
            raise RuntimeError("the runner's workers were released: it takes no more jobs")
        if not jobs:
            return JobBatch([], [], self.bar, None)
        if self.scheduler:
            if self._client is None:
                from distributed import Client

                self._client = Client(self.scheduler)
            futures = self._client.map(
                self.execute,
                jobs,
                pure=False,
                key=[f"notebook-{id(job)}-{job.output.name}" for job in jobs],
            )
            from distributed import as_completed as completed

            return JobBatch(jobs, futures, self.bar, completed)
        if self._pool is None:
            from citytools_analysis.build import forked_kernels

            # Only the runner's own notebook runs fork their kernels (a test's stand-in
            # ``execute`` starts none): from one kernel parent, started here, before the
            # workers, so that its imports and theirs are made at once.
            if (
                self.forked_kernels
                and self.execute is execute_job
                and forked_kernels.forking_is_safe()
            ):
                self._kernels = forked_kernels.KernelParent(PROJECT_ROOT)
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=None if self._kernels is None else forked_kernels.use_kernel_parent,
                initargs=() if self._kernels is None else (self._kernels.address, PROJECT_ROOT),
            )
        futures = [self._pool.submit(self.execute, job) for job in jobs]
        return JobBatch(jobs, futures, self.bar, as_completed)


class JobBatch:
    """Jobs handed to a :class:`JobRunner`, running."""

    def __init__(self, jobs, futures, bar, completed) -> None:
        self.jobs = jobs
        self._futures = futures
        self._bar = bar
        self._completed = completed

    def wait(self) -> list[NotebookRun]:
        """The runs, in the order of the jobs, once every job has finished."""
        runs: dict[int, NotebookRun] = {}
        numbers = {id(future): number for number, future in enumerate(self._futures)}
        if self._futures:
            for future in self._completed(self._futures):
                run = future.result()
                runs[numbers[id(future)]] = run
                if self._bar is not None:
                    self._bar.set_postfix_str(run.job.output.name)
                    self._bar.update()
        return [runs[number] for number in range(len(self.jobs))]


def run_jobs(
    jobs: Iterable[NotebookJob],
    workers: int | None = None,
    *,
    execute: Callable[[NotebookJob], NotebookRun] = execute_job,
    progress: bool = True,
    scheduler: str | None = None,
    bar=None,
    forked_kernels: bool = True,
) -> list[NotebookRun]:
    """Run notebook jobs in parallel, one process per job (see :class:`JobRunner`).

    Parameters
    ----------
    jobs
        The runs to make.
    workers
        Processes at once (default: one per core); ignored with a scheduler.
    execute
        The function each worker calls (a cache can wrap ``execute_job``).
    progress
        Show a progress bar.
    scheduler
        Address of a Dask distributed scheduler, or None for the local pool.
    bar
        A progress bar to advance (one per build), instead of a new one.
    forked_kernels
        Whether the local pool's workers fork their kernels (see :class:`JobRunner`).

    Returns
    -------
    list of NotebookRun
        In the order of ``jobs``.
    """
    from contextlib import nullcontext

    from tqdm import tqdm

    jobs = list(jobs)
    if not jobs:
        return []
    shown = (
        nullcontext(bar)
        if bar is not None
        else tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not progress)
    )
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    with (
        shown as progress_bar,
        JobRunner(
            workers,
            execute=execute,
            scheduler=scheduler,
            bar=progress_bar,
            forked_kernels=forked_kernels,
        ) as runner,
    ):
        return runner.start(jobs).wait()


class IPCKernelManager(AsyncKernelManager):
    """A kernel reached over Unix sockets in a private temporary folder, not TCP ports.

    Kernels started at once by parallel jobs no longer race for free ports, and the kernel
    no longer warns, once per notebook, that it runs over TCP without encryption: nothing
    it says leaves the machine.
    """

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        return str(Path(tempfile.mkdtemp(prefix="citytools-kernel-")) / "kernel")

    async def start_kernel(self, **kw: Any) -> None:
        """Start the kernel with its own log (not the notebook's output) silenced.

        The kernel's standard error carries only its log, e.g. "KeyboardInterrupt caught in
        kernel" when it is interrupted on shutdown; what the notebook prints is in its
        outputs, and a kernel that dies is reported by papermill as an error of the job.
        """
        kw.setdefault("stderr", subprocess.DEVNULL)
        await super()._async_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        """Fork the kernel from the runner's kernel parent when there is one (see
        :mod:`.forked_kernels`); otherwise, or if it has gone, start it the usual way."""
        from citytools_analysis.build.forked_kernels import kernel_parent

        parent = kernel_parent()
        cwd = kw.get("cwd") or os.getcwd()
        if parent is not None and parent.serves(kernel_cmd, cwd):
            kernel = parent.fork(kernel_cmd, dict(kw.get("env") or os.environ), cwd)
            if kernel is not None:
                provisioner = self.provisioner
                provisioner.process = kernel
                provisioner.pid = provisioner.pgid = kernel.pid
                provisioner.cwd = cwd
                self._reconcile_connection_info(provisioner.connection_info)
                return
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart:
            shutil.rmtree(Path(self.ip).parent, ignore_errors=True)
