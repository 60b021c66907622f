"""The release writer: formula neutralising, sorting by key, and the all-or-nothing swap."""

from __future__ import annotations

from pathlib import Path

import pytest

from citytools_analysis.release.schema import TABLES
from citytools_analysis.release.writer import neutralise_formula, staged_release, write_table


@pytest.mark.parametrize(
    "text, written",
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5", "'-5"),
        ("@risk", "'@risk"),
        ("\tTab", "'\tTab"),
        ("Civica", "Civica"),
        ("Uniform = planning", "Uniform = planning"),
        ("", ""),
    ],
)
def test_neutralise_formula(text: str, written: str) -> None:
    assert neutralise_formula(text) == written


def test_write_table_sorts_by_key_and_neutralises(tmp_path: Path) -> None:
    rows = [
        {"source_file": "b.xlsx", "sheet": "Systems", "source_row": 10, "reason": "duplicate"},
        {
            "source_file": "a.xlsx",
            "sheet": "Systems",
            "source_row": 9,
            "reason": "=cmd|' /C calc'!A0",
        },
        {
            "source_file": "b.xlsx",
            "sheet": "Systems",
            "source_row": 9,
            "reason": "missing_required",
        },
    ]
    path = write_table(rows, TABLES["rejected"], tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "source_file,sheet,source_row,reason,column,detail"
    # numeric row order (9 before 10), formula prefixed with an apostrophe
    assert lines[1] == "a.xlsx,Systems,9,'=cmd|' /C calc'!A0,,"
    assert lines[2] == "b.xlsx,Systems,9,missing_required,,"
    assert lines[3] == "b.xlsx,Systems,10,duplicate,,"


def test_numbers_and_booleans_written_plainly(tmp_path: Path) -> None:
    rows = [
        {
            "gss_code": "E09000007",
            "skill_area": "Data analysis",
            "level": 3.0,
            "staff_fte": 2.50,
            "can_support": True,
            "source_file": "x.xlsx",
            "source_row": 2,
        }
    ]
    text = write_table(rows, TABLES["skills"], tmp_path).read_text(encoding="utf-8")
    assert text.splitlines()[1] == "E09000007,Data analysis,3,2.5,true,x.xlsx,2"


def test_staged_release_swaps_in_on_success(tmp_path: Path) -> None:
    out = tmp_path / "processed"
    out.mkdir()
    (out / "old.csv").write_text("old")
    with staged_release(out) as staging:
        (staging / "new.csv").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed"]


def test_staged_release_leaves_old_release_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "processed"
    out.mkdir()
    (out / "old.csv").write_text("old")
    with pytest.raises(RuntimeError), staged_release(out) as staging:
        (staging / "half.csv").write_text("half")
        raise RuntimeError("bad return")
    assert (out / "old.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed"]
