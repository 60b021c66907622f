"""Results computed once per build and read by every notebook that needs them.

The build computes some results once (the findings, the comparison with the round before)
and writes each to a store file under ``_build/`` (a build artefact, never part of the
release), with the key of what it was computed from: the bytes of the releases it read,
the report's parameters and the source of the code that computes it. A reader takes the
stored value only when the key it would compute now is the stored one; anything else (no
store, another release, other parameters, edited code, an unreadable file) and it computes
the value itself, so a store cannot go stale.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any


def release_digest(folder: Path | str) -> str:
    """SHA-256 of a release folder's files (names and bytes, in name order)."""
    digest = hashlib.sha256()
    for file in sorted(Path(folder).iterdir()):
        if file.is_file():
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def read_stored(store: Path | str | None, key: str, kind: type) -> Any | None:
    """The value held in ``store`` under ``key``, if it is a ``kind``; else ``None``."""
    if not store or not Path(store).is_file():
        return None
    try:
        with Path(store).open("rb") as handle:
            held_key, value = pickle.load(handle)  # noqa: S301 - written by this build, never downloaded
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    return value if held_key == key and isinstance(value, kind) else None


def write_stored(store: Path | str, key: str, value: Any) -> None:
    """Write ``value`` with its key, atomically (a reader never sees half a file)."""
    store = Path(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    temporary = store.with_name(store.name + ".tmp")
    with temporary.open("wb") as handle:
        pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(store)
