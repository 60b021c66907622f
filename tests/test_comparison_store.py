"""The comparison with the round before is computed once per build and never read stale."""

from __future__ import annotations

import shutil
from datetime import date

from fixtures_processed import BARNET, BRENT, CAMDEN, surveyed_system, write_round_release

from citytools_analysis.metrics.round_comparison import (
    compare_with_previous,
    comparison_key,
    write_comparison_store,
)

OPTIONS = {"window_months": 12, "min_authorities": 3, "horizon_years": 3}
EBS = "Oracle E-Business Suite"


def _releases(tmp_path):
    earlier = write_round_release(
        tmp_path / "2019",
        "2019",
        date(2019, 9, 30),
        [
            surveyed_system("E09000003-00002", BARNET, EBS, "Oracle", "2020-03-31"),
            surveyed_system("E09000005-00002", BRENT, EBS, "Oracle", "2020-09-30"),
            surveyed_system("E09000007-00002", CAMDEN, EBS, "Oracle", "2021-01-31"),
        ],
        {BARNET, BRENT, CAMDEN},
    )
    later = write_round_release(
        tmp_path / "2021",
        "2021",
        date(2021, 9, 30),
        [
            surveyed_system("E09000003-00002", BARNET, "SAP ECC", "SAP", "2026-03-31"),
            surveyed_system("E09000005-00002", BRENT, EBS, "Oracle", "2024-09-30"),
            surveyed_system("E09000007-00002", CAMDEN, EBS, "Oracle", "2025-01-31"),
        ],
        {BARNET, BRENT, CAMDEN},
    )
    return earlier, later


def test_the_stored_comparison_is_written_once_and_read_back_equal(tmp_path):
    earlier, later = _releases(tmp_path)
    store = tmp_path / "comparison.pickle"
    assert write_comparison_store(later, earlier, store, **OPTIONS) is True
    assert write_comparison_store(later, earlier, store, **OPTIONS) is False  # current
    stored = compare_with_previous(later, earlier, store=store, **OPTIONS)
    fresh = compare_with_previous(later, earlier, store=None, **OPTIONS)
    assert stored.changes.equals(fresh.changes)
    assert stored.outcomes.equals(fresh.outcomes)
    assert (stored.earlier_round, stored.later_round) == ("2019", "2021")


def test_a_store_of_other_releases_or_parameters_is_not_read(tmp_path):
    earlier, later = _releases(tmp_path)
    store = tmp_path / "comparison.pickle"
    write_comparison_store(later, earlier, store, **OPTIONS)
    before = compare_with_previous(later, earlier, store=store, **OPTIONS)
    assert set(before.changes["gss_code"]) == {BARNET, BRENT, CAMDEN}
    key = comparison_key(earlier, later, **OPTIONS)
    assert comparison_key(earlier, later, **{**OPTIONS, "min_authorities": 4}) != key

    # Camden's system leaves the later release: the stored comparison no longer describes
    # it, so the changes are computed again, and Camden's system is no longer matched.
    systems = later / "systems.csv"
    header, *rows = systems.read_text(encoding="utf-8").splitlines(keepends=True)
    systems.write_text(header + "".join(r for r in rows if CAMDEN not in r), encoding="utf-8")
    assert comparison_key(earlier, later, **OPTIONS) != key
    read = compare_with_previous(later, earlier, store=store, **OPTIONS)
    assert read.changes.equals(compare_with_previous(later, earlier, store=None, **OPTIONS).changes)
    assert not read.changes.equals(before.changes)
    camden = read.changes[read.changes["gss_code"] == CAMDEN]
    assert list(camden["record_id_after"].fillna("")) == [""]


def test_a_corrupt_store_is_ignored_and_then_replaced(tmp_path):
    earlier, later = _releases(tmp_path)
    store = tmp_path / "comparison.pickle"
    store.write_bytes(b"not a pickle")
    found = compare_with_previous(later, earlier, store=store, **OPTIONS)
    assert set(found.changes["gss_code"]) == {BARNET, BRENT, CAMDEN}
    assert write_comparison_store(later, earlier, store, **OPTIONS) is True
    assert write_comparison_store(later, earlier, store, **OPTIONS) is False


def test_the_same_releases_in_other_folders_are_cited_there(tmp_path):
    earlier, later = _releases(tmp_path)
    store = tmp_path / "comparison.pickle"
    write_comparison_store(later, earlier, store, **OPTIONS)
    moved_earlier = shutil.copytree(earlier, tmp_path / "moved" / "first")
    moved_later = shutil.copytree(later, tmp_path / "moved" / "second")
    found = compare_with_previous(moved_later, moved_earlier, store=store, **OPTIONS)
    assert "first/systems.csv and second/systems.csv" in found.source
