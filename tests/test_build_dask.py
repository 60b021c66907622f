"""The notebook jobs on a Dask distributed cluster: the same executed notebooks, byte for byte.

The test starts a ``LocalCluster`` of two single-threaded worker processes (the same file
system, as a real cluster's shared one) and runs the same jobs through it and through the
local process pool.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from citytools_analysis.build import pipeline as build


def _source(path: Path) -> Path:
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# A page"),
            new_code_cell('authority = "E09000001"\nsize = 1', metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import hashlib\n"
                "print(authority, size, hashlib.sha256(authority.encode()).hexdigest())"
            ),
            new_code_cell(
                "from IPython.display import Markdown\nMarkdown(f'**{size * 7}** systems')"
            ),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)
    return path


def _jobs(source: Path, out: Path) -> list[build.NotebookJob]:
    return [
        build.NotebookJob(
            source, out / f"{code}.ipynb", {"authority": code, "size": size}, inputs=()
        )
        for size, code in enumerate(["E09000001", "E09000007", "E61000001"], start=1)
    ]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def test_jobs_sent_to_a_dask_cluster_give_the_same_bytes_as_the_local_pool(tmp_path, cluster):
    source = _source(tmp_path / "page.ipynb")
    local = build.run_jobs(_jobs(source, tmp_path / "local"), 2, progress=False)
    remote = build.run_jobs(
        _jobs(source, tmp_path / "dask"), progress=False, scheduler=cluster.scheduler_address
    )
    assert all(run.ok for run in local + remote), [run.error for run in local + remote]
    assert [run.job.output.name for run in remote] == [
        "E09000001.ipynb",
        "E09000007.ipynb",
        "E61000001.ipynb",
    ]
    for run in local:
        executed = run.job.output.read_bytes()
        assert executed == (tmp_path / "dask" / run.job.output.name).read_bytes()
    shown = nbformat.read(tmp_path / "dask" / "E09000007.ipynb", as_version=4).cells[-1]
    assert shown.outputs[0]["data"]["text/markdown"] == "**14** systems"


def test_the_cache_works_the_same_through_the_cluster(tmp_path, cluster):
    source = _source(tmp_path / "page.ipynb")
    jobs = _jobs(source, tmp_path / "dask")
    first = build.run_cached(jobs, progress=False, scheduler=cluster.scheduler_address)
    again = build.run_cached(jobs, progress=False, scheduler=cluster.scheduler_address)
    assert [run.reused for run in first] == [False] * 3
    assert [run.reused for run in again] == [True] * 3


def test_a_failing_notebook_on_the_cluster_is_reported_not_raised(tmp_path, cluster):
    path = tmp_path / "broken.ipynb"
    notebook = new_notebook(
        cells=[
            new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            new_code_cell("raise RuntimeError('boom')"),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)
    [run] = build.run_jobs(
        [build.NotebookJob(path, tmp_path / "out.ipynb", {"x": 2})],
        progress=False,
        scheduler=cluster.scheduler_address,
    )
    assert not run.ok and "boom" in run.error
