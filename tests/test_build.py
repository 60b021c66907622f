"""Tests for the report build: notebook preparation, job planning, and (slow) the whole book."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from fixture_returns import write_fixture_survey
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from citytools_analysis.build import pipeline as build
from citytools_analysis.core.paths import BOOK_DIR, NOTEBOOKS_DIR, PROJECT_ROOT


def _write(path: Path, cells: list) -> Path:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)
    return path


def test_prepare_for_book_tags_cells_and_strips_volatile_metadata(tmp_path):
    path = _write(
        tmp_path / "executed.ipynb",
        [
            new_markdown_cell("# Title"),
            new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            new_code_cell(
                "x = 2", metadata={"tags": ["injected-parameters"], "papermill": {"duration": 0.1}}
            ),
            new_code_cell(
                "print(x)",
                metadata={
                    "execution": {"iopub.status.busy": "2025-01-01"},
                    "papermill": {"start_time": "2025-01-01"},
                },
            ),
            new_code_cell("y = 3", metadata={"tags": ["remove-input"]}),
        ],
    )
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["papermill"] = {
        "parameters": {"x": 2},
        "default_parameters": {},
        "start_time": "2025-01-01T10:00",
        "end_time": "2025-01-01T10:01",
        "duration": 60.0,
        "input_path": "/a",
        "output_path": "/b",
    }
    nbformat.write(notebook, path)

    build.prepare_for_book(path)

    prepared = nbformat.read(path, as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in prepared.cells]
    assert tags == [
        [],
        ["parameters", "remove-cell"],
        ["injected-parameters", "remove-cell"],
        ["remove-input"],
        ["remove-input"],  # not added twice
    ]
    assert prepared.metadata["papermill"] == {"parameters": {"x": 2}, "default_parameters": {}}
    assert all(
        "papermill" not in cell.metadata and "execution" not in cell.metadata
        for cell in prepared.cells
    )
    assert [cell.id for cell in prepared.cells] == [f"cell-{n:03d}" for n in range(5)]


def test_plan_notebooks_runs_cleaning_first_and_offers_only_declared_parameters(tmp_path):
    parameters = new_code_cell(
        'processed_dir = "data/processed"', metadata={"tags": ["parameters"]}
    )
    _write(
        tmp_path / "01_clean_survey.ipynb",
        [
            new_code_cell(
                'survey_dir = "s"\nprocessed_dir = "p"', metadata={"tags": ["parameters"]}
            ),
        ],
    )
    _write(tmp_path / "03_market.ipynb", [parameters])
    _write(tmp_path / "02_overview.ipynb", [parameters])
    _write(tmp_path / "10_no_parameters.ipynb", [new_code_cell("1")])
    _write(tmp_path / "borough_profile.ipynb", [parameters])  # not numbered: not a chapter

    cleaning, others = build.plan_notebooks(
        tmp_path, tmp_path / "out", {"processed_dir": "/x", "survey_dir": "/s", "unused": 1}
    )

    assert cleaning.source.name == "01_clean_survey.ipynb"
    assert cleaning.output == tmp_path / "out" / "01_clean_survey.ipynb"
    assert dict(cleaning.parameters) == {"processed_dir": "/x", "survey_dir": "/s"}
    assert [job.source.name for job in others] == [
        "02_overview.ipynb",
        "03_market.ipynb",
        "10_no_parameters.ipynb",
    ]
    assert [dict(job.parameters) for job in others] == [{"processed_dir": "/x"}] * 2 + [{}]


def test_plan_notebooks_requires_the_cleaning_notebook(tmp_path):
    _write(tmp_path / "02_overview.ipynb", [new_code_cell("1")])
    with pytest.raises(FileNotFoundError, match="01_clean_survey"):
        build.plan_notebooks(tmp_path, tmp_path / "out")


def test_remove_stale_keeps_only_this_builds_outputs(tmp_path):
    keep = tmp_path / "02_overview.ipynb"
    stale = tmp_path / "02_old_name.ipynb"
    nested_stale = tmp_path / "profiles" / "E09000099.ipynb"
    nested_stale.parent.mkdir()
    other = tmp_path / "notes.txt"
    for path in (keep, stale, nested_stale, other):
        path.write_text("{}")
    removed = build.remove_stale(tmp_path, [keep])
    assert sorted(removed) == sorted([stale, nested_stale])
    assert keep.exists() and other.exists()


def test_build_html_needs_a_folder_named_build(tmp_path):
    with pytest.raises(ValueError, match="_build"):
        build.build_html(PROJECT_ROOT, tmp_path / "site")


def test_source_notebooks_are_committed_without_outputs_and_with_parameters():
    for path in sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(not cell.outputs and cell.execution_count is None for cell in code), path
        assert "parameters" in code[0].metadata.get("tags", []), path


def _stage_book(root: Path) -> None:
    """The book's sources (config, contents, hand-written pages) in a fresh root."""
    shutil.copy(PROJECT_ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(PROJECT_ROOT / "_toc.yml", root / "_toc.yml")
    shutil.copytree(BOOK_DIR, root / "book", ignore=shutil.ignore_patterns("_generated"))


@pytest.mark.slow
def test_whole_build_makes_an_offline_book_with_accessible_figures(fixture_book, tmp_path):
    # The session's book from the fixture survey (conftest.fixture_book): every notebook.
    code = fixture_book.report.code
    generated, build_dir = fixture_book.generated, fixture_book.build_dir
    parameters = fixture_book.parameters
    processed = fixture_book.processed

    assert code == 0
    html = build_dir / "html"
    assert (html / "index.html").exists()
    assert (processed / "systems.csv").exists()  # the cleaning notebook ran first
    chapters = {path.name for path in (html / "book" / "_generated").glob("*.html")}
    assert {"01_clean_survey.html", "02_overview.html"} <= chapters
    assert (html / "book" / "methodology.html").exists()

    overview = (html / "book" / "_generated" / "02_overview.html").read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", overview)
    assert len(images) == 2  # bar chart and tile map, each once
    for image in images:
        alt = re.search(r'\balt="([^"]*)"', image)
        assert alt and alt.group(1).strip()
    # The fixture: Camden keeps 3 systems (rows 3, 5, 9) and the 3 hostile rows, the GLA 1.
    assert "Camden reported the most (6)" in overview
    assert "<figcaption>Source: City Tools: London survey (synthetic)" in overview
    # Readers see prose and figures, not code or parameters.
    assert "plots.show_figure" not in overview and "processed_dir" not in overview

    cleaning = (html / "book" / "_generated" / "01_clean_survey.html").read_text(encoding="utf-8")
    assert "2 authorities returned the survey" in cleaning

    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        external = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//', text)
        assert not external, f"{page} loads an asset from the internet"
        hosts = re.findall(r"https?://([^/\"'\s]+)", text)
        assert not [h for h in hosts if re.search(r"cdn|unpkg|jsdelivr|googleapis", h)], page

    # The executed notebooks are the same bytes when run again (into another folder; the
    # cleaning notebook writes the same processed tables again).
    first = {path.name: path.read_bytes() for path in generated.glob("*.ipynb")}
    again = tmp_path / "again"
    rerun = {**parameters, "processed_dir": str(processed)}
    cleaning_job, others = build.plan_notebooks(NOTEBOOKS_DIR, again, rerun)
    runs = build.run_jobs([cleaning_job], 1, progress=False)
    runs += build.run_jobs(others, 2, progress=False)
    assert all(run.ok for run in runs)
    second = {path.name: path.read_bytes() for path in again.glob("*.ipynb")}
    assert sorted(second) == sorted(first)
    # Names only: a byte-for-byte diff of whole notebooks takes pytest minutes to print.
    assert [name for name in sorted(first) if second[name] != first[name]] == []


@pytest.mark.slow
def test_a_failing_notebook_fails_the_build(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    _stage_book(root)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(NOTEBOOKS_DIR / "01_clean_survey.ipynb", notebooks)
    _write(
        notebooks / "02_broken.ipynb",
        [new_markdown_cell("# Broken"), new_code_cell("raise RuntimeError('boom')")],
    )
    survey = write_fixture_survey(tmp_path / "survey")
    code = build.build_book(
        jobs=1,
        notebooks_dir=notebooks,
        generated_dir=root / "book" / "_generated",
        build_dir=root / "_build",
        book_root=root,
        parameters={
            "survey_dir": str(survey),
            "processed_dir": str(tmp_path / "processed"),
            "truth_dir": "",
        },
    )
    assert code == 1
    assert not (root / "_build" / "html" / "index.html").exists()


def test_a_kernel_that_fails_to_start_is_tried_again(monkeypatch, tmp_path):
    from citytools_analysis.build import execute as build_execute
    from citytools_analysis.build import pipeline as build

    calls: list[str] = []

    def flaky(source, output, parameters=None, **_):
        calls.append(str(source))
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(build_execute, "run_notebook", flaky)
    job = build.NotebookJob(
        source=tmp_path / "a.ipynb", output=tmp_path / "out.ipynb", parameters={}
    )
    run = build.execute_job(job)
    assert run.error is None and len(calls) == 2


def test_an_error_in_a_cell_is_not_tried_again(monkeypatch, tmp_path):
    from citytools_analysis.build import execute as build_execute
    from citytools_analysis.build import pipeline as build

    class PapermillExecutionError(Exception):
        pass

    calls: list[str] = []

    def failing(source, output, parameters=None, **_):
        calls.append(str(source))
        raise PapermillExecutionError("Kernel died before replying to kernel_info in a cell")

    monkeypatch.setattr(build_execute, "run_notebook", failing)
    job = build.NotebookJob(
        source=tmp_path / "a.ipynb", output=tmp_path / "out.ipynb", parameters={}
    )
    run = build.execute_job(job)
    assert run.error is not None and len(calls) == 1
