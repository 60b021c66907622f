"""The release is replaced whole: after a failure or a kill at any point of writing it,
``processed/`` is the previous release or the new one, byte for byte, never a mix.

Failures are injected between the steps of ``release.writer.staged_release`` (a full disk
while the staged release is written, a rename that fails); kills are real: a subprocess
cleaning the survey sends itself SIGKILL just before or just after a chosen step of the swap.
Both ways of swapping are tested: the atomic exchange of folders (Linux) and the journalled
pair of renames used where the exchange does not exist.
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fixture_returns import write_fixture_survey
from hostile import corpus
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.ingest import cleaning
from citytools_analysis.ingest.cleaning import clean_survey
from citytools_analysis.release import writer


def _snapshot(out: Path) -> dict[str, bytes] | None:
    if not out.is_dir():
        return None
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith("."))


@pytest.fixture()
def releases(tmp_path: Path) -> tuple[Path, Path, dict, dict]:
    """A survey, its release in ``processed/`` (old), and the bytes the next release (new)
    must have once the survey gained two rows."""
    survey = write_fixture_survey(tmp_path / "survey")
    out = tmp_path / "processed"
    clean_survey(survey, out)
    old = _snapshot(out)
    corpus.hidden_rows(survey)
    expected = tmp_path / "expected" / "processed"
    clean_survey(survey, expected)
    new = _snapshot(expected)
    assert old != new
    return survey, out, old, new


def test_a_full_disk_while_writing_leaves_the_previous_release(releases, monkeypatch) -> None:
    survey, out, old, _ = releases
    calls = []

    def write_table(rows, table, directory):
        calls.append(table.name)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return writer.write_table(rows, table, directory)

    monkeypatch.setattr(cleaning, "write_table", write_table)
    with pytest.raises(writer.ReleaseWriteError, match="No space left on device"):
        clean_survey(survey, out)
    assert _snapshot(out) == old
    assert _leftovers(out) == []
    calls.clear()
    outcome = CliRunner().invoke(app, ["clean", "--survey-dir", str(survey), "--out-dir", str(out)])
    assert outcome.exit_code == 1
    assert "No space left on device" in outcome.output
    assert "the previous release is unchanged" in outcome.output
    assert _snapshot(out) == old


@pytest.mark.parametrize("failing_rename", [1, 2, 3])
def test_a_failed_rename_in_the_journalled_swap_leaves_the_previous_release(
    releases, monkeypatch, failing_rename: int
) -> None:
    survey, out, old, _ = releases
    monkeypatch.setattr(writer, "_exchange", lambda first, second: False)
    real_rename = Path.rename
    calls = []

    def rename(self, target):
        calls.append((self.name, Path(target).name))
        if len(calls) == failing_rename:
            raise OSError(errno.EIO, "Input/output error")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(writer.ReleaseWriteError):
        clean_survey(survey, out)
    assert _snapshot(out) == old
    assert _leftovers(out) == []


def test_the_exchange_is_used_where_the_system_has_it(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2(RENAME_EXCHANGE) is Linux's")
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "mark").write_text("1")
    assert writer._exchange(first, second) is True
    assert [p.name for p in second.iterdir()] == ["mark"] and list(first.iterdir()) == []


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    from citytools_analysis.ingest.cleaning import clean_survey
    from citytools_analysis.release import writer

    survey, out, way, when, step = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    steps = []
    swapping = []

    def kill_if(moment):
        if swapping and moment == when and len(steps) == step:
            os.kill(os.getpid(), signal.SIGKILL)

    def counted(function):
        def run(*arguments):
            steps.append(function.__name__)
            kill_if("before")
            result = function(*arguments)
            kill_if("after")
            return result
        return run

    real_swap = writer._swap_in
    def swap_in(staging, out_dir):
        swapping.append(True)
        return real_swap(staging, out_dir)

    writer._swap_in = swap_in
    if way == "renames":
        writer._exchange = lambda first, second: False
    else:
        writer._exchange = counted(writer._exchange)
    Path.rename = counted(Path.rename)
    clean_survey(survey, out)
    print("finished", steps)
""")

# (way, kill before or after step n of the swap, what processed/ is just after the kill,
#  what it is after recovery). Steps of the renames: journal in place, live release retired,
#  staged release in place. The exchange is one step.
KILLS = [
    ("exchange", "before", 1, "old", "old"),
    ("exchange", "after", 1, "new", "new"),
    ("renames", "before", 1, "old", "old"),
    ("renames", "after", 1, "old", "old"),  # journal written, nothing moved: the old one stays
    ("renames", "after", 2, None, "new"),  # the only moment processed/ is missing: recovered
    ("renames", "after", 3, "new", "new"),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "way, when, step, just_after, recovered", KILLS, ids=lambda value: str(value)
)
def test_a_kill_during_the_swap_leaves_a_whole_release(
    releases, tmp_path: Path, way: str, when: str, step: int, just_after, recovered: str
) -> None:
    if way == "exchange" and not sys.platform.startswith("linux"):
        pytest.skip("renameat2(RENAME_EXCHANGE) is Linux's")
    survey, out, old, new = releases
    run = subprocess.run(
        [sys.executable, "-c", KILLER, str(survey), str(out), way, when, str(step)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == -9, run.stdout + run.stderr  # killed, as planned
    release = {"old": old, "new": new, None: None}
    assert _snapshot(out) == release[just_after]
    if way == "renames" and (when, step) != ("before", 1):
        journal = json.loads((out.parent / ".processed.swap.json").read_text(encoding="utf-8"))
        assert journal["staged"].startswith(".processed.staging-")
    writer.recover_release(out)
    assert _snapshot(out) == release[recovered]
    assert _leftovers(out) == []
    # the next run starts from a whole release and replaces it as usual
    clean_survey(survey, out)
    assert _snapshot(out) == new
