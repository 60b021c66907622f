"""Returns already read, kept by the build: a corrected return is read again, the others not.

Reading a workbook (opening the zip, checking its XML, parsing every cell, resolving names)
is most of what cleaning a round costs. When one return of a round changes, the others are
the same bytes as at the last build; the build keeps each return as read in a store folder
(``_build/.returns/``, a build artefact, never part of the release), under the key of what
it was read from: the file's name and bytes, the reference folder, the round's snapshot
setting and the source of the code that reads it (the ``core`` and ``ingest`` layers). A
return is taken from the store only when that key is the one it would have now, so a store
cannot go stale; anything else and it is read again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from citytools_analysis.core.build_store import read_stored, release_digest, write_stored
from citytools_analysis.core.code_digest import layers_digest
from citytools_analysis.ingest.safe_xlsx import DEFAULT_LIMITS

#: Returns kept at most; the least recently used go first.
STORE_LIMIT = 500
# The layers whose code decides what a return reads as.
_CODE_LAYERS = ("core", "ingest")

Read = TypeVar("Read")


class ReturnsStore:
    """The returns of one cleaning run, taken from ``folder`` when already read.

    Parameters
    ----------
    folder
        The store; ``None`` reads every return.
    reference_dir
        The reference folder the returns are cleaned against.
    snapshot
        The round's snapshot date as its settings give it (``None`` when not set).
    """

    def __init__(self, folder: Path | str | None, reference_dir: Path, snapshot: date | None):
        self.folder = Path(folder) if folder else None
        self.taken: list[str] = []  # files taken from the store, not read again
        if self.folder is not None:
            settings = hashlib.sha256()
            settings.update(release_digest(reference_dir).encode())
            settings.update(f"\0{snapshot.isoformat() if snapshot else ''}\0".encode())
            settings.update(layers_digest(_CODE_LAYERS).encode())
            self._settings = settings.hexdigest()

    def key(self, path: Path) -> str:
        """SHA-256 of the file's name and bytes under this run's settings (read in chunks)."""
        digest = hashlib.sha256(self._settings.encode())
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            file_digest = hashlib.file_digest(handle, "sha256")
        digest.update(file_digest.digest())
        return digest.hexdigest()

    def read(self, path: Path, reader: Callable[[Path], Read], kind: type) -> Read:
        """The return at ``path``: from the store when held under its key (a ``kind``), else
        ``reader(path)``, then kept.

        A file the reader would refuse for its size, or that cannot be opened, goes straight
        to the reader, which refuses it with the project's own error naming the file.
        """
        if self.folder is None:
            return reader(path)
        try:
            if path.stat().st_size > DEFAULT_LIMITS.file_bytes:
                return reader(path)
            key = self.key(path)
        except OSError:
            return reader(path)
        entry = self.folder / f"{key}.pickle"
        held = read_stored(entry, key, kind)
        if held is not None:
            with contextlib.suppress(OSError):
                os.utime(entry)  # recently used
            self.taken.append(path.name)
            return held
        value = reader(path)
        with contextlib.suppress(OSError):  # a store that cannot be written only costs time
            write_stored(entry, key, value)
            self._prune()
        return value

    def _prune(self) -> None:
        entries = sorted(self.folder.glob("*.pickle"), key=lambda entry: entry.stat().st_mtime)
        for entry in entries[: max(0, len(entries) - STORE_LIMIT)]:
            entry.unlink(missing_ok=True)
