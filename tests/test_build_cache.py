"""Tests for the build cache: what makes a notebook run again, and what lets it be reused."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from citytools_analysis.build import cache as build_cache
from citytools_analysis.build import imports as build_imports
from citytools_analysis.build import pipeline as build
from citytools_analysis.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT, RAW_DIR, REFERENCE_DIR


def _notebook(path: Path, parameters: str = 'processed_dir = "data/processed"') -> Path:
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Title\n\nText."),
            new_code_cell(parameters, metadata={"tags": ["parameters"]}),
            new_code_cell("print(1)"),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)
    return path


def fake_execute(job: build.NotebookJob) -> build.NotebookRun:
    """Stand-in for papermill: writes an executed notebook and logs the run beside it."""
    job.output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Executed")]), job.output)
    with (job.output.parent / "runs.log").open("a", encoding="utf-8") as log:
        log.write(job.output.name + "\n")
    return build.NotebookRun(job, 0.01)


def failing_execute(job: build.NotebookJob) -> build.NotebookRun:
    """Stand-in for a notebook that raises part-way (papermill still writes the output)."""
    job.output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[]), job.output)
    return build.NotebookRun(job, 0.01, "RuntimeError: boom")


def _runs(out: Path) -> list[str]:
    log = out / "runs.log"
    return log.read_text(encoding="utf-8").split() if log.exists() else []


@pytest.fixture()
def setting(tmp_path):
    source = _notebook(tmp_path / "02_chapter.ipynb")
    data = tmp_path / "data"
    data.mkdir()
    (data / "systems.csv").write_text("record_id\nA\n", encoding="utf-8")
    out = tmp_path / "out"
    job = build.NotebookJob(
        source, out / "02_chapter.ipynb", {"processed_dir": str(data)}, inputs=(data,)
    )
    return job, data, out


def test_path_digest_depends_on_content_and_names_not_on_location(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        (folder / "sub").mkdir(parents=True)
        (folder / "x.csv").write_text("1\n", encoding="utf-8")
        (folder / "sub" / "y.csv").write_text("2\n", encoding="utf-8")
    assert build_cache.path_digest(first) == build_cache.path_digest(second)
    (second / "sub" / "y.csv").write_text("3\n", encoding="utf-8")
    assert build_cache.path_digest(first) != build_cache.path_digest(second)
    (second / "sub" / "y.csv").write_text("2\n", encoding="utf-8")
    (second / "sub" / "y.csv").rename(second / "sub" / "z.csv")  # same bytes, new name
    assert build_cache.path_digest(first) != build_cache.path_digest(second)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build_cache.path_digest(tmp_path / "missing") != build_cache.path_digest(empty)


def test_package_digest_covers_python_source_only(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n", encoding="utf-8")
    before = build_cache.package_digest(package)
    (package / "notes.txt").write_text("not code", encoding="utf-8")
    assert build_cache.package_digest(package) == before
    (package / "a.py").write_text("x = 2\n", encoding="utf-8")
    assert build_cache.package_digest(package) != before


def test_notebook_key_changes_with_each_ingredient(setting):
    job, data, _ = setting
    base = build_cache.notebook_key(job.source, job.parameters, [data], package="p1")
    assert build_cache.notebook_key(job.source, job.parameters, [data], package="p1") == base
    assert (
        build_cache.notebook_key(job.source, {"processed_dir": "elsewhere"}, [data], package="p1")
        != base
    )
    assert build_cache.notebook_key(job.source, job.parameters, [data], package="p2") != base
    assert (
        build_cache.notebook_key(
            job.source, job.parameters, [data], package="p1", fingerprint="profile"
        )
        != base
    )


def test_stored_key_round_trip_and_unreadable_outputs(tmp_path):
    path = tmp_path / "executed.ipynb"
    assert build_cache.stored_key(path) is None  # missing
    path.write_text("not json", encoding="utf-8")
    assert build_cache.stored_key(path) is None
    nbformat.write(new_notebook(cells=[new_markdown_cell("# T")]), path)
    assert build_cache.stored_key(path) is None  # no key yet
    before = path.read_bytes()
    build_cache.store_key(path, "abc")
    assert build_cache.stored_key(path) == "abc"
    assert path.read_bytes() == before  # the executed notebook itself is left as it was
    assert build_cache.is_fresh(path, "abc") and not build_cache.is_fresh(path, "abd")
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Edited")]), path)
    assert build_cache.stored_key(path) is None  # rewritten since: the key no longer holds


def test_nothing_changed_reuses_and_each_change_reruns(setting, monkeypatch):
    job, data, out = setting
    first = build.run_cached([job], 1, execute=fake_execute, progress=False)
    assert [run.reused for run in first] == [False] and _runs(out) == ["02_chapter.ipynb"]

    again = build.run_cached([job], 1, execute=fake_execute, progress=False)
    assert [run.reused for run in again] == [True] and len(_runs(out)) == 1

    (data / "systems.csv").write_text("record_id\nB\n", encoding="utf-8")  # the data
    build.run_cached([job], 1, execute=fake_execute, progress=False)
    assert len(_runs(out)) == 2

    changed = build.NotebookJob(job.source, job.output, {"processed_dir": "other"}, job.inputs)
    build.run_cached([changed], 1, execute=fake_execute, progress=False)  # the parameters
    assert len(_runs(out)) == 3

    _notebook(job.source, 'processed_dir = "data/processed"\nextra = 1')  # the source
    build.run_cached([changed], 1, execute=fake_execute, progress=False)
    assert len(_runs(out)) == 4
    build.run_cached([changed], 1, execute=fake_execute, progress=False)
    assert len(_runs(out)) == 4  # and then it is fresh again

    monkeypatch.setattr(build_cache, "code_digest", lambda source: "another package")
    build.run_cached([changed], 1, execute=fake_execute, progress=False)  # the package
    assert len(_runs(out)) == 5

    job.output.unlink()  # the executed copy is gone
    build.run_cached([changed], 1, execute=fake_execute, progress=False)
    assert len(_runs(out)) == 6


def test_force_reruns_and_a_failed_run_leaves_no_key(setting):
    job, _, out = setting
    build.run_cached([job], 1, execute=fake_execute, progress=False)
    build.run_cached([job], 1, execute=fake_execute, progress=False, force=True)
    assert len(_runs(out)) == 2

    failed = build.run_cached([job], 1, execute=failing_execute, progress=False, force=True)
    assert not failed[0].ok and build_cache.stored_key(job.output) is None
    rerun = build.run_cached([job], 1, execute=fake_execute, progress=False)
    assert not rerun[0].reused


def test_job_inputs_come_from_path_parameters_and_the_reference(tmp_path):
    chapter = _notebook(
        tmp_path / "02_chapter.ipynb",
        'processed_dir = "data/processed"\nsurvey_dir = ""\nhorizon_years = 3',
    )
    job = build.NotebookJob(chapter, tmp_path / "out.ipynb", {})
    assert build.job_inputs(job) == tuple(
        sorted([PROJECT_ROOT / "data" / "processed", REFERENCE_DIR])
    )
    injected = build.NotebookJob(chapter, tmp_path / "out.ipynb", {"processed_dir": "/x/p"})
    assert Path("/x/p") in build.job_inputs(injected)

    cleaning = _notebook(tmp_path / build.CLEANING_NOTEBOOK, 'survey_dir = "/s"')
    inputs = build.job_inputs(build.NotebookJob(cleaning, tmp_path / "o.ipynb", {}))
    assert inputs == tuple(sorted([Path("/s"), Path("/contracts"), RAW_DIR]))

    explicit = build.NotebookJob(chapter, tmp_path / "o.ipynb", {}, inputs=(tmp_path,))
    assert build.job_inputs(explicit) == (tmp_path,)


def test_a_bad_authority_fails_before_any_notebook_runs(tmp_path):
    with pytest.raises(ValueError, match=r"'\.\./\.\./etc' is not the GSS code"):
        build.build_book_report(
            notebooks_dir=tmp_path,
            generated_dir=tmp_path / "gen",
            build_dir=tmp_path / "_build",
            authorities=["../../etc"],
            execute=fake_execute,
            progress=False,
        )
    assert not (tmp_path / "gen").exists()


def test_profile_authorities_are_the_reference_list_sorted():
    codes = build.profile_authorities()
    assert len(codes) == 34 and codes[0] == "E09000001" and codes[-1] == "E61000001"
    assert build.profile_authorities(authorities=["E09000007", "E09000007"]) == ["E09000007"]


def test_plan_profiles_and_explorers_name_their_outputs(tmp_path):
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    _notebook(
        notebooks / build.PROFILE_NOTEBOOK,
        'authority = "E09000007"\nprocessed_dir = "data/processed"\n'
        'reference_dir = "data/raw/reference"',
    )
    _notebook(notebooks / "explore_2_suppliers.ipynb")
    _notebook(notebooks / "explore_1_systems.ipynb")
    jobs = build.plan_profiles(
        ["E09000001", "E09000007"],
        notebooks,
        tmp_path / "gen",
        {"processed_dir": "/p", "unused": 1},
        {"E09000007": "abc"},
    )
    assert [job.output for job in jobs] == [
        tmp_path / "gen" / "profiles" / "E09000001.ipynb",
        tmp_path / "gen" / "profiles" / "E09000007.ipynb",
    ]
    assert dict(jobs[1].parameters) == {"processed_dir": "/p", "authority": "E09000007"}
    assert jobs[1].fingerprint == "abc" and jobs[0].fingerprint == ""
    assert [job.title for job in jobs] == ["City of London", "Camden"]
    assert jobs[1].inputs == (REFERENCE_DIR,)  # not the processed tables: the fingerprint

    explorers = build.plan_explorers(notebooks, tmp_path / "gen")
    assert [job.output.relative_to(tmp_path / "gen").as_posix() for job in explorers] == [
        "explore/1_systems.ipynb",
        "explore/2_suppliers.ipynb",
    ]
    assert build.plan_profiles(["E09000001"], tmp_path, tmp_path / "gen") == []


def test_set_title_replaces_the_first_heading(tmp_path):
    path = _notebook(tmp_path / "p.ipynb")
    build.set_title(path, "Camden")
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].source == "# Camden\n\nText."
    bare = tmp_path / "bare.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), bare)
    build.set_title(bare, "GLA")
    assert nbformat.read(bare, as_version=4).cells[0].source == "# GLA"


def test_build_report_summary_counts_runs(tmp_path):
    job = build.NotebookJob(tmp_path / "a.ipynb", tmp_path / "a.ipynb")
    report = build.BuildReport(
        0,
        [build.NotebookRun(job, 2.0), build.NotebookRun(job, 0.0, reused=True)],
        notebook_seconds=2.5,
        book_seconds=1.0,
    )
    assert report.summary() == (
        "2 notebook(s): 1 executed, 1 reused in 2.5 s; book built in 1.0 s; total 3.5 s."
    )
    unchanged = build.BuildReport(
        0,
        [build.NotebookRun(job, 0.0, reused=True)],
        notebook_seconds=0.1,
        book_seconds=0.0,
        book_skipped=True,
    )
    assert unchanged.summary() == (
        "1 notebook(s): 0 executed, 1 reused in 0.1 s; book unchanged, not rebuilt; total 0.1 s."
    )


# --- the package code a notebook runs: the modules it imports, transitively ---------------


def test_notebook_imports_read_the_code_cells(tmp_path):
    path = tmp_path / "n.ipynb"
    nbformat.write(
        new_notebook(
            cells=[
                new_markdown_cell("import citytools_analysis.synth.generator  (prose, not code)"),
                new_code_cell(
                    "%matplotlib inline\nimport pandas as pd\n"
                    "from citytools_analysis.report import charts, plots\n"
                    "import citytools_analysis.metrics.market as market"
                ),
            ]
        ),
        path,
    )
    assert build_imports.notebook_imports(path) == {
        "citytools_analysis.report",
        "citytools_analysis.report.charts",
        "citytools_analysis.report.plots",
        "citytools_analysis.metrics.market",
    }
    modules = build_imports.imported_modules(build_imports.notebook_imports(path))
    # charts imports plots; every package on the way counts; the generator does not
    assert {
        "citytools_analysis",
        "citytools_analysis.report",
        "citytools_analysis.report.charts",
        "citytools_analysis.report.plots",
        "citytools_analysis.metrics.market",
    } <= modules
    assert "citytools_analysis.synth.generator" not in modules


def _package_copy(tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "package"
    shutil.copytree(build_imports.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _real_jobs(out: Path) -> list[build.NotebookJob]:
    """A job per source notebook of the project (its own output; no data inputs)."""
    return [
        build.NotebookJob(source, out / source.name, {}, inputs=())
        for source in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    ]


def test_editing_the_generator_the_benchmark_or_an_unimported_module_reruns_nothing(
    tmp_path, monkeypatch
):
    package = _package_copy(tmp_path)
    monkeypatch.setattr(
        build_cache,
        "code_digest",
        lambda source: build_imports.notebook_code_digest(source, package),
    )
    out = tmp_path / "out"
    jobs = _real_jobs(out)
    build.run_cached(jobs, 1, execute=fake_execute, progress=False)
    assert len(_runs(out)) == len(jobs)

    _append(package / "synth" / "generator.py", "\n# an edit\n")
    _append(package / "build" / "benchmark.py", "\n# an edit\n")
    _append(package / "cli.py", "\n# an edit\n")
    (package / "metrics" / "unused_module.py").write_text("X = 1\n", encoding="utf-8")
    again = build.run_cached(jobs, 1, execute=fake_execute, progress=False)
    assert all(run.reused for run in again) and len(_runs(out)) == len(jobs)

    _append(package / "core" / "paths.py", "\n# an edit\n")  # every notebook imports it
    build.run_cached(jobs, 1, execute=fake_execute, progress=False)
    assert len(_runs(out)) == 2 * len(jobs)


def test_editing_one_figure_module_reruns_only_the_notebooks_that_import_it(tmp_path, monkeypatch):
    package = _package_copy(tmp_path)
    monkeypatch.setattr(
        build_cache,
        "code_digest",
        lambda source: build_imports.notebook_code_digest(source, package),
    )
    out = tmp_path / "out"
    jobs = _real_jobs(out)
    build.run_cached(jobs, 1, execute=fake_execute, progress=False)

    importing = sorted(
        job.output.name
        for job in jobs
        if "citytools_analysis.report.charts"
        in build_imports.imported_modules(build_imports.notebook_imports(job.source))
    )
    assert importing and len(importing) < len(jobs)  # some chapters draw charts, some do not
    _append(package / "report" / "charts.py", "\n# a changed figure function\n")
    runs = build.run_cached(jobs, 1, execute=fake_execute, progress=False)
    assert sorted(run.job.output.name for run in runs if not run.reused) == importing
    assert _runs(out)[len(jobs) :] == importing


def test_a_profile_fingerprint_counts_the_authoritys_own_payments_only(tmp_path):
    # The profile page shows the authority's IT suppliers by money paid (it_spend), which
    # its profile digest leaves out: a changed payment re-runs that authority's profile only.
    import shutil

    from citytools_analysis.build.pipeline import _with_spend
    from citytools_analysis.core.paths import PROCESSED_DIR

    processed = tmp_path / "processed"
    shutil.copytree(PROCESSED_DIR, processed)
    source = NOTEBOOKS_DIR / build.PROFILE_NOTEBOOK
    offered = {"processed_dir": str(processed)}
    digests = {"E09000001": "a", "E09000002": "b"}
    before = _with_spend(digests, source, offered)
    spend = processed / "it_spend.csv"
    lines = spend.read_text(encoding="utf-8").splitlines()
    changed = next(n for n, line in enumerate(lines) if line.startswith("E09000001,"))
    fields = lines[changed].split(",")
    fields[-1] = str(float(fields[-1]) + 1)
    lines[changed] = ",".join(fields)
    spend.write_text("\n".join(lines) + "\n", encoding="utf-8")
    after = _with_spend(digests, source, offered)
    assert after["E09000001"] != before["E09000001"]
    assert after["E09000002"] == before["E09000002"]
    spend.unlink()
    gone = _with_spend(digests, source, offered)
    assert gone["E09000002"] != before["E09000002"]


def test_a_notebook_run_again_to_the_same_bytes_keeps_its_file_and_time(tmp_path):
    # Jupyter Book re-reads a page whose file is newer: same bytes, same file, same time.
    import os

    from citytools_analysis.build.execute import settle

    output = tmp_path / "page.ipynb"
    output.write_text("same")
    os.utime(output, ns=(1_000_000_000, 1_000_000_000))
    made = tmp_path / ".page.running.ipynb"
    made.write_text("same")
    assert settle(made, output) is False
    assert not made.exists() and output.stat().st_mtime_ns == 1_000_000_000
    made.write_text("changed")
    assert settle(made, output) is True
    assert not made.exists() and output.read_text() == "changed"
