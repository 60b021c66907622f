"""Kernels forked from a parent that has made the report's imports: what a notebook sees is
what a fresh kernel gives it, only sooner.

Each test runs real notebooks through papermill and the build's kernel manager, once with
this process's kernel parent in place and once without (a fresh kernel per notebook).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from citytools_analysis.build import execute, forked_kernels
from citytools_analysis.core.paths import PROJECT_ROOT

PARAMETERS = {"parameters", "injected-parameters"}

# What a notebook can tell of the process it runs in. The first cell runs before any import
# of the notebook's own; the next ones make the imports a chapter makes and draw a figure.
_PROBE = [
    "import sys, os, json\n"
    "preloaded = 'pandas' in sys.modules\n"
    "print(json.dumps({\n"
    "    'cwd': os.getcwd(),\n"
    "    'path_head': sys.path[0],\n"
    "    'project_modules': sorted(m for m in sys.modules if m.startswith('citytools_analysis')),\n"
    "    'own_session': os.getsid(0) == os.getpid(),\n"
    "    'mpl_backend_env': os.environ.get('MPLBACKEND'),\n"
    "    'parent_is_starter': os.environ.get('JPY_PARENT_PID') == str(os.getppid()),\n"
    "}, sort_keys=True))",
    "import random\nprint(json.dumps({'draw': random.random(), 'preloaded': preloaded}))",
    "from citytools_analysis.report import charts\n"
    "import matplotlib\n"
    "import matplotlib.pyplot as plt\n"
    "print(matplotlib.get_backend(), charts.__file__.startswith(os.getcwd()))",
    "figure, axes = plt.subplots(figsize=(2, 1))\naxes.plot([0, 1], [1, 0])\nfigure",
    "print(value * 2)",
]


def _notebook(path: Path, probe: list[str] = _PROBE) -> Path:
    """A notebook with a ``value`` parameter, then one cell per line of ``probe``."""
    notebook = new_notebook(
        cells=[
            new_code_cell("value = 1", metadata={"tags": ["parameters"]}),
            *(new_code_cell(source) for source in probe),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)
    return path


def _run(source: Path, output: Path, value: int = 21) -> list[list[dict]]:
    execute.run_notebook(source, output, {"value": value})
    notebook = nbformat.read(output, as_version=4)
    # The probe's cells, in order (the parameters cell and papermill's injected one left out).
    return [
        cell.outputs
        for cell in notebook.cells
        if cell.cell_type == "code" and not set(cell.metadata.get("tags", [])) & PARAMETERS
    ]


def _printed(outputs: list[dict]) -> str:
    return "".join(
        output.get("text", "") for output in outputs if output["output_type"] == "stream"
    )


@pytest.fixture()
def parent(monkeypatch):
    """This process's kernel parent, for one test (the build's workers each start one)."""
    started = forked_kernels.KernelParent(PROJECT_ROOT)
    monkeypatch.setattr(forked_kernels, "_parent", started)
    yield started
    started.close(wait=0)


def test_a_forked_kernel_shows_what_a_fresh_kernel_shows(tmp_path, parent):
    source = _notebook(tmp_path / "probe.ipynb")
    forked = _run(source, tmp_path / "forked.ipynb")
    forked_again = _run(source, tmp_path / "forked-again.ipynb")
    parent.close()  # from here on, kernels start the usual way
    fresh = _run(source, tmp_path / "fresh.ipynb")

    # The kernel really was forked: the libraries were there before the notebook's imports.
    assert json.loads(_printed(forked[1]))["preloaded"] is True
    assert json.loads(_printed(fresh[1]))["preloaded"] is False
    # Its process, as a fresh kernel's: working folder, path, own session, backend choice,
    # and none of the project's modules imported before the notebook imports them.
    seen = json.loads(_printed(forked[0]))
    assert seen == json.loads(_printed(fresh[0]))
    assert seen["project_modules"] == [] and seen["own_session"] is True
    assert seen["cwd"] == str(PROJECT_ROOT) and seen["parent_is_starter"] is True
    # The project's modules are imported anew, from the kernel's folder; same backend.
    assert _printed(forked[2]) == _printed(fresh[2])
    assert _printed(forked[2]).startswith("module://matplotlib_inline.backend_inline True")
    # The same figure, byte for byte, and the parameter injected.
    assert forked[3] == fresh[3] and forked[3][0]["data"]["image/png"]
    assert _printed(forked[4]) == _printed(fresh[4]) == "42\n"
    # Two forked kernels do not share a random state (fresh processes would not).
    draws = {json.loads(_printed(run[1]))["draw"] for run in (forked, forked_again, fresh)}
    assert len(draws) == 3


def test_the_build_keeps_its_outputs_byte_for_byte_with_forked_kernels(tmp_path):
    # Real chapters of the report, through the pool with forked kernels and without.
    sources = [PROJECT_ROOT / "notebooks" / name for name in ("02_overview.ipynb",)]
    parameters = {"processed_dir": str(PROJECT_ROOT / "data" / "processed")}
    for label, forked in (("forked", True), ("fresh", False)):
        jobs = [
            execute.NotebookJob(source, tmp_path / label / source.name, parameters)
            for source in sources
        ]
        runs = execute.run_jobs(jobs, 1, progress=False, forked_kernels=forked)
        assert all(run.ok for run in runs), [run.error for run in runs]
    for source in sources:
        assert (tmp_path / "forked" / source.name).read_bytes() == (
            tmp_path / "fresh" / source.name
        ).read_bytes()


def test_a_kernel_is_started_the_usual_way_when_the_parent_has_gone(tmp_path, parent):
    parent._process.kill()
    parent._process.wait()
    outputs = _run(_notebook(tmp_path / "probe.ipynb"), tmp_path / "out.ipynb")
    assert json.loads(_printed(outputs[1]))["preloaded"] is False
    assert parent._process is None  # the parent is forgotten, not asked again


def test_only_the_environments_own_kernel_in_the_parents_folder_is_forked(tmp_path, parent):
    argv = [parent.executable, "-m", "ipykernel_launcher", "-f", "kernel.json"]
    assert parent.serves(argv, PROJECT_ROOT)
    assert not parent.serves(argv, tmp_path)  # another working folder: another sys.path
    assert not parent.serves(["/usr/bin/python3", *argv[1:]], PROJECT_ROOT)
    assert not parent.serves([parent.executable, "-m", "other_kernel", "-f", "k"], PROJECT_ROOT)


def test_a_forked_kernel_is_seen_as_a_process_and_ends_when_killed(tmp_path, parent):
    argv = [parent.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "k.json")]
    kernel = parent.fork(argv, dict(os.environ), PROJECT_ROOT)
    assert kernel is not None and kernel.pid != os.getpid()
    assert kernel.poll() is None  # running
    with pytest.raises(subprocess.TimeoutExpired):
        kernel.wait(timeout=0.2)
    kernel.kill()
    # Reaped by the system (the parent leaves no zombie), so it is seen to end.
    assert kernel.wait(timeout=30) == 0
    assert kernel.poll() == 0
    kernel.kill()  # a kernel that has ended is left alone, not an error


def test_a_parent_that_does_not_answer_is_given_up_in_bounded_time(monkeypatch):
    monkeypatch.setattr(forked_kernels, "_PARENT_CODE", "import time; time.sleep(600)")
    monkeypatch.setattr(forked_kernels, "READY_SECONDS", 1)
    silent = forked_kernels.KernelParent(PROJECT_ROOT)
    argv = [silent.executable, "-m", "ipykernel_launcher", "-f", "kernel.json"]
    started = time.monotonic()
    assert silent.fork(argv, dict(os.environ), PROJECT_ROOT) is None
    assert time.monotonic() - started < 30  # waited a second, then stopped it
    assert silent._process is None


def test_the_workers_of_a_runner_fork_their_kernels_from_one_parent(tmp_path):
    source = _notebook(
        tmp_path / "ppid.ipynb", ["import os, sys\nprint(os.getppid(), 'pandas' in sys.modules)"]
    )
    jobs = [
        execute.NotebookJob(source, tmp_path / f"out-{number}.ipynb", {"value": number})
        for number in range(4)
    ]
    with execute.JobRunner(2) as runner:
        runs = runner.start(jobs).wait()
        parent = runner._kernels
        assert parent is not None and all(run.ok for run in runs), [r.error for r in runs]
        seen = {_printed(nbformat.read(job.output, as_version=4).cells[-1].outputs) for job in jobs}
        # Every kernel, whichever of the two workers asked for it, is a child of the one
        # parent, and was forked with the parent's imports already made.
        assert seen == {f"{parent._process.pid} True\n"}
        runner.release()
        with pytest.raises(RuntimeError, match="released"):
            runner.start(jobs[:1])
    assert parent._process is None  # leaving the runner waited for the parent to be stopped


def test_a_stand_in_runner_starts_no_kernel_parent(tmp_path):
    jobs = [execute.NotebookJob(tmp_path / "a.ipynb", tmp_path / "b.ipynb", {})]
    with execute.JobRunner(1, execute=_stand_in) as runner:
        assert runner.start(jobs).wait()[0].seconds == 0.0
        assert runner._kernels is None


def _stand_in(job):
    return execute.NotebookRun(job, 0.0)
