"""Tests for the footer provenance stamp: the raw-data hash, the commit, and every built page."""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest
from browser_support import site_pages

from citytools_analysis.build import provenance
from citytools_analysis.core.paths import PROJECT_ROOT, RAW_DIR


def test_raw_data_hash_follows_the_documented_rule(tmp_path):
    (tmp_path / "survey").mkdir()
    (tmp_path / "survey" / "b.xlsx").write_bytes(b"\x00\x01")
    (tmp_path / "README.md").write_bytes(b"raw\n")
    # By hand: sorted relative paths "README.md" < "survey/b.xlsx"; each path, NUL, the
    # file's SHA-256 digest, newline.
    expected = hashlib.sha256(
        b"README.md\0"
        + hashlib.sha256(b"raw\n").digest()
        + b"\n"
        + b"survey/b.xlsx\0"
        + hashlib.sha256(b"\x00\x01").digest()
        + b"\n"
    ).hexdigest()
    assert provenance.raw_data_hash(tmp_path) == expected


def test_raw_data_hash_changes_with_a_byte_or_a_name_not_with_file_times(tmp_path):
    (tmp_path / "a.csv").write_text("x\n1\n")
    first = provenance.raw_data_hash(tmp_path)
    (tmp_path / "a.csv").touch()
    assert provenance.raw_data_hash(tmp_path) == first
    (tmp_path / "a.csv").write_text("x\n2\n")
    changed = provenance.raw_data_hash(tmp_path)
    assert changed != first
    (tmp_path / "a.csv").rename(tmp_path / "b.csv")
    assert provenance.raw_data_hash(tmp_path) not in (first, changed)


def test_raw_data_hash_needs_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        provenance.raw_data_hash(tmp_path / "missing")


def test_commit_id_outside_git_is_unknown(tmp_path, monkeypatch):
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert provenance.commit_id(tmp_path) == "unknown"


def test_commit_id_in_a_repository_is_the_short_head(tmp_path, monkeypatch):
    monkeypatch.delenv("GIT_DIR", raising=False)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("1")
    subprocess.run([*git, "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-q", "-m", "one"], check=True)
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    short = provenance.commit_id(tmp_path)
    assert len(short) >= 7 and head.startswith(short)


def test_footer_text_and_html():
    digest = "0123456789abcdef" * 4
    assert provenance.provenance_text("1a2b3c4", digest) == (
        "Built from commit 1a2b3c4 · data/raw sha256 0123456789ab"
    )
    assert provenance.provenance_text("unknown", None) == (
        "Built from commit unknown · data/raw sha256 not found"
    )
    assert provenance.footer_html("<x>", digest) == (
        '<p class="citytools-provenance">Built from commit <code>&lt;x&gt;</code>'
        " · data/raw sha256 <code>0123456789ab</code></p>"
    )


@pytest.mark.slow
def test_every_built_page_shows_the_commit_and_the_raw_data_hash(built_project, built_site):
    # The build's copy of data/raw is byte for byte the project's (checked below), and is
    # what the footer describes even if data/raw is edited while the tests run.
    raw_hash = provenance.raw_data_hash(built_project / "data" / "raw")
    commit = provenance.commit_id(PROJECT_ROOT)
    if (PROJECT_ROOT / ".git").exists():
        assert commit != "unknown"
    expected = provenance.provenance_text(commit, raw_hash)
    pages = {
        path: text for path, text in site_pages(built_site).items() if path != "index.html"
    }  # index.html only redirects to the first page
    assert len(pages) >= 4
    for path, text in pages.items():
        stamp = re.search(r'<p class="citytools-provenance">(.*?)</p>', text)
        assert stamp, f"{path} has no provenance footer"
        shown = re.sub(r"</?code>", "", stamp.group(1))
        if shown != expected and _moved_on_from(shown.split()[3], commit):
            shown = shown.replace(shown.split()[3], commit)
        assert shown == expected, path


def _moved_on_from(built: str, head: str) -> bool:
    """Whether ``built`` is an earlier commit of ``head``'s history (a commit landed meanwhile)."""
    result = subprocess.run(
        ["git", "merge-base", "--is-ancestor", built, head],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def test_the_raw_data_hash_of_a_copy_is_the_hash_of_the_original(tmp_path):
    import shutil

    shutil.copytree(RAW_DIR, tmp_path / "raw")
    assert provenance.raw_data_hash(tmp_path / "raw") == provenance.raw_data_hash(RAW_DIR)


def test_copyright_years_come_from_the_data_package():
    assert provenance.data_years({"round": "2019", "snapshot_date": "2019-09-30"}) == [2019]
    several = {
        "round": "2019",
        "snapshot_date": "2019-09-30",
        "rounds": [{"round": "2021", "snapshot_date": "2022-01-31"}, "ignored"],
    }
    assert provenance.data_years(several) == [2019, 2021, 2022]
    assert provenance.copyright_line([2019]) == "2019"
    assert provenance.copyright_line([2019, 2021, 2022]) == "2019–2022"
    assert provenance.copyright_line([]) == ""


@pytest.mark.slow
def test_every_built_page_shows_the_copyright_years_of_its_data(built_project, built_site):
    import json

    descriptor = json.loads((built_project / provenance.DATA_PACKAGE).read_text("utf-8"))
    line = provenance.copyright_line(provenance.data_years(descriptor))
    assert line
    for path, text in site_pages(built_site).items():
        if path == "index.html":
            continue
        shown = re.search(r"©\s*Copyright\s*([^<]*?)\.?\s*<", text)
        assert shown and shown.group(1).strip().rstrip(".") == line, path
