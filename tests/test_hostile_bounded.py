"""Hostile workbooks cost bounded memory and time: ``citytools clean`` and ``validate`` run as
subprocesses under a 1 GiB address-space limit and a time limit, on every case of
``hostile/corpus.py``'s ``UNSAFE_CASES``.

Without the checks of ``ingest/safe_xlsx.py``, cleaning the 300 MB cell bomb took 10.5 GB
and four minutes; with the checks switched off and these limits, ``citytools clean`` on it
ran for about four minutes and died with ``MemoryError`` and a traceback (exit 1), so the
test fails if a check is lost.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_returns import write_fixture_survey
from hostile import corpus

from citytools_analysis.ingest.cleaning import clean_survey

MEMORY_LIMIT_BYTES = (
    2**30
)  # 1 GiB of address space: a normal clean of the survey needs under 500 MB
TIME_LIMIT_SECONDS = 180  # about 5 s on an idle machine; generous for a shared one
_SCRIPT = Path(sys.executable).with_name("citytools")
CITYTOOLS = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "citytools_analysis.cli"]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def _citytools(*arguments: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CITYTOOLS, *map(str, arguments)],
        preexec_fn=_limit_memory,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_SECONDS,
    )


def _snapshot(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


@pytest.mark.slow
@pytest.mark.parametrize("case", corpus.UNSAFE_CASES, ids=lambda case: case.name)
def test_clean_refuses_a_hostile_file_in_bounded_memory_and_time(
    tmp_path: Path, case: corpus.ErrorCase
) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    out = tmp_path / "processed"
    clean_survey(survey, out)
    before = _snapshot(out)
    case.build(survey)
    run = _citytools("clean", "--survey-dir", survey, "--out-dir", out)
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.returncode == 2, run.stderr
    where = f"error: file {case.file}" + (f", sheet {case.sheet}" if case.sheet else "") + ":"
    assert where in run.stderr
    for words in case.words:
        assert words in run.stderr
    assert _snapshot(out) == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_validate_reports_every_hostile_file_in_bounded_memory_and_time(tmp_path: Path) -> None:
    files = []
    for case in corpus.UNSAFE_CASES:
        survey = write_fixture_survey(tmp_path / case.name)
        case.build(survey)
        files.append(survey / case.file)
    run = _citytools("validate", "--format", "json", *files)
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.returncode == 2, run.stderr
    report = json.loads(run.stdout)
    assert report["summary"]["unreadable"] == len(corpus.UNSAFE_CASES)
    for case, entry in zip(corpus.UNSAFE_CASES, report["files"], strict=True):
        assert entry["path"] == str(tmp_path / case.name / case.file)
        assert entry["status"] == "unreadable"
        assert (entry["error"]["file"], entry["error"]["sheet"]) == (case.file, case.sheet)
        for words in case.words:
            assert words in entry["error"]["message"]
    text = _citytools("validate", *files)
    assert text.returncode == 2 and "Traceback" not in text.stdout + text.stderr
    headings = [
        line for line in text.stdout.splitlines() if line == f"{corpus.GLA}: cannot be read"
    ]
    assert len(headings) == len(corpus.UNSAFE_CASES)


@pytest.mark.slow
def test_a_dimension_claiming_a_million_rows_is_read_in_bounded_memory_and_time(
    tmp_path: Path,
) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    corpus.million_row_dimension(survey)
    run = _citytools("clean", "--survey-dir", survey, "--out-dir", tmp_path / "processed")
    assert run.returncode == 0, run.stderr
    check = _citytools("validate", survey / corpus.GLA)
    assert check.returncode in (0, 1), check.stderr
    assert "cannot be read" not in check.stdout
