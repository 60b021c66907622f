"""The findings are computed once per build and never read stale from the store."""

from __future__ import annotations

import shutil

from citytools_analysis.core.parameters import load_report_parameters
from citytools_analysis.core.paths import PROCESSED_DIR
from citytools_analysis.metrics.findings import collect_findings
from citytools_analysis.metrics.findings_store import (
    chapter_findings,
    findings_key,
    write_findings_store,
)
from citytools_analysis.release.processed import load_processed
from citytools_analysis.report.chapter import open_chapter


def _release(tmp_path):
    folder = tmp_path / "processed"
    shutil.copytree(PROCESSED_DIR, folder)
    return folder


def test_store_is_written_once_and_read_back_equal(tmp_path):
    folder = _release(tmp_path)
    parameters = load_report_parameters()
    store = tmp_path / "store.pickle"
    assert write_findings_store(folder, parameters, store) is True
    assert write_findings_store(folder, parameters, store) is False  # current: not recomputed
    data = load_processed(folder)
    stored = chapter_findings(data, folder, parameters, store)
    fresh = collect_findings(data)
    assert stored.counts == fresh.counts
    assert stored.joint_procurement.equals(fresh.joint_procurement)
    assert stored.top_n_supplier_share == fresh.top_n_supplier_share


def test_store_of_another_release_or_parameters_is_not_used(tmp_path):
    folder = _release(tmp_path)
    parameters = load_report_parameters()
    store = tmp_path / "store.pickle"
    write_findings_store(folder, parameters, store)
    key = findings_key(folder, parameters)
    assert findings_key(folder, parameters.with_overrides(min_authorities=4)) != key

    systems = folder / "systems.csv"
    lines = systems.read_text().splitlines(keepends=True)
    systems.write_text("".join(lines[:-5]))  # five systems fewer
    assert findings_key(folder, parameters) != key
    data = load_processed(folder)
    found = chapter_findings(data, folder, parameters, store)
    assert found.counts["systems"] == len(data.systems)


def test_a_corrupt_store_is_ignored(tmp_path):
    folder = _release(tmp_path)
    store = tmp_path / "store.pickle"
    store.write_bytes(b"not a pickle")
    chapter = open_chapter(folder, findings_store=store)
    assert chapter.found.counts["systems"] == len(chapter.data.systems)
    assert chapter.min_authorities == load_report_parameters().min_authorities


def test_profile_context_takes_joint_procurement_from_a_current_store_only(tmp_path, monkeypatch):
    from citytools_analysis.metrics import collaboration, profiles

    folder = _release(tmp_path)
    store = tmp_path / "store.pickle"
    write_findings_store(folder, load_report_parameters(), store)
    # The comparison with the round before is not what this test is about.
    monkeypatch.setattr(profiles, "compare_with_previous", lambda *args, **kwargs: None)
    computed = profiles.load_london(folder, previous_dir="", findings_store=None)

    def not_again(*args, **kwargs):
        raise AssertionError("joint procurement computed again although the store holds it")

    monkeypatch.setattr(collaboration, "joint_procurement", not_again)
    read = profiles.load_london(folder, previous_dir="", findings_store=store)
    assert read.opportunities.equals(computed.opportunities)
    # Other parameters than the stored findings': the windows are computed, not read.
    other = computed.window_months + 6
    try:
        profiles.load_london(folder, previous_dir="", findings_store=store, window_months=other)
    except AssertionError as error:
        assert "computed again" in str(error)
    else:
        raise AssertionError("windows for other parameters were read from the store")
