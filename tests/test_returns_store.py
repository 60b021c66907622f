"""Returns already read are kept by the build: after one return changes, cleaning reads that
return again and takes the others from the store, and the release is the same bytes as a
release cleaned from scratch."""

from __future__ import annotations

import filecmp
import shutil
from datetime import date
from pathlib import Path

import pytest
from fixture_returns import write_fixture_survey

from citytools_analysis.build.benchmark import change_one_return
from citytools_analysis.core.paths import REFERENCE_DIR
from citytools_analysis.ingest import cleaning, returns_store
from citytools_analysis.ingest.cleaning import clean_survey


@pytest.fixture()
def reads(monkeypatch) -> list[str]:
    """The returns read from their workbooks (not taken from a store), by file name."""
    seen: list[str] = []
    read = cleaning.Cleaner.read_return

    def counted(self, path):
        seen.append(Path(path).name)
        return read(self, path)

    monkeypatch.setattr(cleaning.Cleaner, "read_return", counted)
    return seen


def _same_release(first: Path, second: Path) -> bool:
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    return filecmp.cmpfiles(first, second, names, shallow=False)[0] == names


def test_a_changed_return_alone_is_read_again_and_the_release_is_the_same(tmp_path, reads):
    survey = write_fixture_survey(tmp_path / "survey")
    store = tmp_path / "store"
    clean_survey(survey, tmp_path / "first", store=store, contracts_dir=False, spend_dir=False)
    every = sorted(reads)
    assert len(every) == len(list(survey.glob("*.xlsx"))) and len(list(store.iterdir())) == len(
        every
    )

    reads.clear()
    changed = change_one_return(survey).split(",")[0]
    clean_survey(survey, tmp_path / "kept", store=store, contracts_dir=False, spend_dir=False)
    assert reads == [changed]  # the others came from the store

    reads.clear()
    clean_survey(survey, tmp_path / "afresh", contracts_dir=False, spend_dir=False)
    assert sorted(reads) == every  # without a store, every return is read
    assert _same_release(tmp_path / "kept", tmp_path / "afresh")
    assert not _same_release(tmp_path / "first", tmp_path / "afresh")  # the change shows


def test_another_reference_folder_or_damaged_store_reads_every_return_again(tmp_path, reads):
    survey = write_fixture_survey(tmp_path / "survey")
    store = tmp_path / "store"
    clean_survey(survey, tmp_path / "first", store=store, contracts_dir=False, spend_dir=False)
    count = len(reads)

    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    with (reference / "authorities.csv").open("a", encoding="utf-8") as table:
        table.write("\n")  # other bytes, the same authorities
    reads.clear()
    clean_survey(survey, tmp_path / "other", reference, store=store, contracts_dir=False)
    assert len(reads) == count

    for entry in store.iterdir():
        entry.write_bytes(b"not a pickle")
    reads.clear()
    clean_survey(survey, tmp_path / "damaged", store=store, contracts_dir=False, spend_dir=False)
    assert len(reads) == count
    assert _same_release(tmp_path / "first", tmp_path / "damaged")


def test_the_store_keeps_only_the_most_recently_used_returns(tmp_path, monkeypatch, reads):
    monkeypatch.setattr(returns_store, "STORE_LIMIT", 1)
    survey = write_fixture_survey(tmp_path / "survey")
    store = tmp_path / "store"
    clean_survey(survey, tmp_path / "out", store=store, contracts_dir=False)
    # Two returns read, one kept: the last read (its key is its file under this round's
    # settings, snapshot date included).
    kept = returns_store.ReturnsStore(store, REFERENCE_DIR, date(2019, 9, 30))
    assert reads == ["camden return v2.xlsx", "gla.xlsx"]
    assert [entry.name for entry in store.iterdir()] == [f"{kept.key(survey / 'gla.xlsx')}.pickle"]


def test_a_store_that_cannot_be_written_costs_time_only(tmp_path, reads):
    survey = write_fixture_survey(tmp_path / "survey")
    blocked = tmp_path / "store"
    blocked.write_text("a file where the store's folder would be", encoding="utf-8")
    clean_survey(survey, tmp_path / "out", store=blocked, contracts_dir=False)
    clean_survey(survey, tmp_path / "afresh", contracts_dir=False)
    assert len(reads) == 4 and _same_release(tmp_path / "out", tmp_path / "afresh")


def test_an_oversized_return_is_refused_as_without_a_store_and_never_read_whole(tmp_path):
    import tracemalloc

    from citytools_analysis.core.errors import SurveyInputError
    from citytools_analysis.ingest.safe_xlsx import DEFAULT_LIMITS

    survey = write_fixture_survey(tmp_path / "survey")
    with (survey / "huge.xlsx").open("wb") as huge:  # sparse: no disk, but over the limit
        huge.truncate(DEFAULT_LIMITS.file_bytes + 1)
    with pytest.raises(SurveyInputError) as without:
        clean_survey(survey, tmp_path / "a", contracts_dir=False)
    tracemalloc.start()
    try:
        with pytest.raises(SurveyInputError) as stored:
            clean_survey(survey, tmp_path / "b", store=tmp_path / "store", contracts_dir=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(stored.value) == str(without.value) and "huge.xlsx" in str(stored.value)
    assert peak < DEFAULT_LIMITS.file_bytes // 4
