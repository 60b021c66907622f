"""A Sphinx extension that stamps every page's footer with the commit and a hash of data/raw.

It also sets the copyright line from the years of the data (the release's survey round and
snapshot date in ``data/processed/datapackage.json``), never a hard-coded range.

The footer line reads ``Built from commit <short sha> · data/raw sha256 <12 hex>``, so a
reader can tell which code and which raw inputs made the page. The hash is computed over
the files of the raw-data folder in a fixed order (see :func:`raw_data_hash`), so the same
inputs give the same hash on every machine. Register the extension in ``_config.yml`` under
``sphinx: config: extensions:``.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
from pathlib import Path
from typing import Any

UNKNOWN = "unknown"
RAW_DIR_SETTING = "provenance_raw_dir"
DEFAULT_RAW_DIR = "data/raw"
SHORT_HASH_LENGTH = 12
FOOTER_CLASS = "citytools-provenance"


def raw_data_hash(raw_dir: Path | str) -> str:
    """SHA-256 over every file under ``raw_dir``: its relative path and its bytes, in order.

    Files are taken in the order of their relative POSIX paths (``sorted`` on the strings).
    For each file the digest is fed the relative path in UTF-8, a NUL byte, the SHA-256
    digest of the file's bytes (32 raw bytes) and a newline byte. Folders themselves, file
    times and permissions do not count, so a fresh checkout hashes the same as the original.

    Parameters
    ----------
    raw_dir
        The raw-data folder (``data/raw``).

    Returns
    -------
    str
        64 lower-case hexadecimal characters.

    Raises
    ------
    FileNotFoundError
        If ``raw_dir`` is not a folder.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"{raw_dir}: no such folder")
    files = sorted(
        (path.relative_to(raw_dir).as_posix(), path)
        for path in raw_dir.rglob("*")
        if path.is_file()
    )
    digest = hashlib.sha256()
    for relative, path in files:
        digest.update(relative.encode("utf-8"))
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        digest.update(b"\n")
    return digest.hexdigest()


def commit_id(repo_dir: Path | str) -> str:
    """The abbreviated hash of the checked-out commit, or ``"unknown"`` outside git.

    Parameters
    ----------
    repo_dir
        A folder inside the repository (git's own ``GIT_DIR`` setting, if set, wins).

    Returns
    -------
    str
        ``git rev-parse --short HEAD``, or ``"unknown"`` when git is missing or the folder
        is not in a repository.
    """
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=str(repo_dir),
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    sha = result.stdout.strip()
    return sha if result.returncode == 0 and sha else UNKNOWN


def provenance_text(commit: str, raw_hash: str | None) -> str:
    """The footer sentence, e.g. ``Built from commit 1a2b3c4 · data/raw sha256 0123456789ab``.

    Parameters
    ----------
    commit
        Abbreviated commit hash (or ``"unknown"``).
    raw_hash
        Full hex digest of the raw data (shortened here to 12 characters), or ``None`` when
        there is no raw-data folder.
    """
    shown = raw_hash[:SHORT_HASH_LENGTH] if raw_hash else "not found"
    return f"Built from commit {commit} · data/raw sha256 {shown}"


def footer_html(commit: str, raw_hash: str | None) -> str:
    """The footer sentence as an HTML paragraph (values escaped, hashes in ``<code>``).

    Parameters
    ----------
    commit
        Abbreviated commit hash (or ``"unknown"``).
    raw_hash
        Full hex digest of the raw data, or ``None``.
    """
    shown = raw_hash[:SHORT_HASH_LENGTH] if raw_hash else "not found"
    return (
        f'<p class="{FOOTER_CLASS}">Built from commit <code>{html.escape(commit)}</code>'
        f" · data/raw sha256 <code>{html.escape(shown)}</code></p>"
    )


DATA_PACKAGE = "data/processed/datapackage.json"
"""The release's descriptor, relative to the book's source folder: its years make the copyright."""
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_YEAR_KEYS = ("round", "snapshot_date")


def data_years(descriptor: dict) -> list[int]:
    """The years the release's data were collected in: its survey round and snapshot date.

    Read from the data package's ``round`` and ``snapshot_date`` and, for a release of
    several rounds, the same keys of each entry of its ``rounds`` list. Sorted, unique.
    """
    entries = [descriptor, *[r for r in descriptor.get("rounds", []) if isinstance(r, dict)]]
    years = {
        int(match.group(0))
        for entry in entries
        for key in _YEAR_KEYS
        for match in _YEAR.finditer(str(entry.get(key) or ""))
    }
    return sorted(years)


def copyright_line(years: list[int]) -> str:
    """``2019`` or ``2019–2021``; empty without years."""
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def _set_copyright(source: Path, config: Any) -> None:
    """Take the copyright years from the release's data package (left alone without one)."""
    descriptor = source / DATA_PACKAGE
    if not descriptor.is_file():
        return
    line = copyright_line(data_years(json.loads(descriptor.read_text(encoding="utf-8"))))
    if line:
        config.copyright = line


def _stamp_footer(app: Any, config: Any) -> None:
    """``config-inited`` handler: append the provenance line to the theme's extra footer."""
    source = Path(app.srcdir)
    raw_dir = source / getattr(config, RAW_DIR_SETTING)
    raw_hash = raw_data_hash(raw_dir) if raw_dir.is_dir() else None
    stamp = footer_html(commit_id(source), raw_hash)
    options = dict(config.html_theme_options or {})
    existing = str(options.get("extra_footer") or "")
    options["extra_footer"] = existing + stamp
    config.html_theme_options = options
    _set_copyright(source, config)


def setup(app: Any) -> dict[str, Any]:
    """Register the extension with Sphinx.

    Adds the ``provenance_raw_dir`` setting (the raw-data folder, relative to the book's
    source folder; default ``data/raw``) and stamps the footer once the configuration is read.

    Parameters
    ----------
    app
        The Sphinx application.

    Returns
    -------
    dict
        Extension metadata (safe for parallel reading and writing).
    """
    app.add_config_value(RAW_DIR_SETTING, DEFAULT_RAW_DIR, "html")
    app.connect("config-inited", _stamp_footer)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
