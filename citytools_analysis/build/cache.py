"""The build cache: re-execute a notebook only when something it depends on has changed.

A notebook's *key* is a SHA-256 over everything that decides its executed copy: the source
notebook's bytes, the parameters it runs with, the content of the files and folders it
reads, an optional fingerprint of derived data (a borough profile's own tables), the
source of the package modules the notebook imports, directly or through other modules
(:mod:`.imports`; editing a module no notebook imports re-runs nothing), and the versions of the libraries that render the output. After a
successful run the key is written beside the executed notebook, in a hidden file
(``.<name>.ipynb.build-key``) with a digest of the executed notebook itself, so the
notebook stays exactly what papermill wrote. On the next build a notebook whose stored key
equals its current key, and whose bytes are those recorded, is reused as it is. Deleting or
editing an executed notebook, or changing anything in its key, makes it run again.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

KEY_SUFFIX = ".build-key"

PACKAGE_DIR = Path(__file__).resolve().parents[1]

# Libraries whose version changes what an executed notebook shows.
RENDERING_LIBRARIES = (
    "pandas",
    "numpy",
    "matplotlib",
    "seaborn",
    "itables",
    "papermill",
    "ipykernel",
    "scipy",
    "networkx",
)

_CHUNK = 1 << 20
# Folders never read as data (caches and checkpoints inside an input folder).
_SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}


def file_digest(path: Path | str) -> str:
    """SHA-256 of a file's bytes.

    Parameters
    ----------
    path
        A file.

    Returns
    -------
    str
        Hex digest.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def path_digest(path: Path | str) -> str:
    """SHA-256 over a file, or over every file under a folder (names and contents).

    Files are taken in sorted order of their path relative to the folder, so the digest
    does not depend on the order the file system lists them in, nor on modification times.
    A missing path has a digest too (so that creating it changes the key).

    Parameters
    ----------
    path
        A file or a folder.

    Returns
    -------
    str
        Hex digest.
    """
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(b"file\0" + file_digest(path).encode())
    elif path.is_dir():
        digest.update(b"dir\0")
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not _SKIPPED_PARTS.intersection(p.relative_to(path).parts)
        )
        for file in files:
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            digest.update(file_digest(file).encode() + b"\0")
    else:
        digest.update(b"missing\0")
    return digest.hexdigest()


def package_digest(package_dir: Path | str = PACKAGE_DIR) -> str:
    """SHA-256 of the package's Python source (every ``.py`` file, by relative path).

    Parameters
    ----------
    package_dir
        The package folder (this package by default).

    Returns
    -------
    str
        Hex digest.
    """
    package_dir = Path(package_dir)
    digest = hashlib.sha256()
    for file in sorted(package_dir.rglob("*.py")):
        if _SKIPPED_PARTS.intersection(file.relative_to(package_dir).parts):
            continue
        digest.update(file.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(file_digest(file).encode() + b"\0")
    return digest.hexdigest()


def code_digest(source: Path | str) -> str:
    """SHA-256 of the package code a notebook runs (the modules it imports, transitively).

    See :func:`citytools_analysis.build.imports.notebook_code_digest`; tests replace this
    function to stand for a change to the package.
    """
    from citytools_analysis.build.imports import notebook_code_digest

    return notebook_code_digest(source)


@lru_cache(maxsize=1)
def environment_digest() -> str:
    """SHA-256 of the Python version and the versions of the rendering libraries."""
    versions = {"python": sys.version.split()[0]}
    for name in RENDERING_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return hashlib.sha256(json.dumps(versions, sort_keys=True).encode()).hexdigest()


def notebook_key(
    source: Path | str,
    parameters: Mapping[str, Any],
    inputs: Iterable[Path | str] = (),
    *,
    fingerprint: str = "",
    package: str | None = None,
    environment: str | None = None,
    digests: dict[str, str] | None = None,
) -> str:
    """The cache key of one notebook run.

    Parameters
    ----------
    source
        The source notebook.
    parameters
        The values injected into it (JSON-serialisable; paths as text).
    inputs
        Files and folders it reads (their content counts, see :func:`path_digest`).
    fingerprint
        Any further text the output depends on (e.g. a digest of a profile's tables).
    package
        :func:`package_digest` (computed if not given; pass it once for many keys).
    environment
        :func:`environment_digest` (computed if not given).
    digests
        Input path → :func:`path_digest`, filled as inputs are hashed: pass one dict for
        the keys of many jobs that read the same folders, while those folders do not change.

    Returns
    -------
    str
        Hex digest.
    """
    digest = hashlib.sha256()
    digest.update(b"source\0" + file_digest(source).encode())
    digest.update(
        b"parameters\0" + json.dumps(dict(parameters), sort_keys=True, default=str).encode()
    )
    digests = {} if digests is None else digests
    for path in sorted({str(Path(p)) for p in inputs}):
        if path not in digests:
            digests[path] = path_digest(path)
        digest.update(b"input\0" + path.encode() + b"\0" + digests[path].encode())
    digest.update(b"fingerprint\0" + fingerprint.encode())
    digest.update(b"package\0" + (package if package is not None else package_digest()).encode())
    digest.update(
        b"environment\0"
        + (environment if environment is not None else environment_digest()).encode()
    )
    return digest.hexdigest()


def key_file(output: Path | str) -> Path:
    """Where the key of an executed notebook is kept: a hidden file beside it."""
    output = Path(output)
    return output.with_name(f".{output.name}{KEY_SUFFIX}")


def stored_key(output: Path | str) -> str | None:
    """The key an executed notebook was made with, or ``None``.

    ``None`` when the notebook or its key file is missing or unreadable, or when the
    notebook's bytes are no longer those recorded with the key (it was edited or rewritten
    by another run).

    Parameters
    ----------
    output
        An executed notebook.

    Returns
    -------
    str or None
    """
    output = Path(output)
    try:
        record = json.loads(key_file(output).read_text(encoding="utf-8"))
        current = file_digest(output)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("output") != current:
        return None
    value = record.get("key")
    return value if isinstance(value, str) else None


def store_key(output: Path | str, key: str) -> None:
    """Record that ``output``, as it is now, was made with ``key``.

    Parameters
    ----------
    output
        An executed notebook (left unchanged).
    key
        From :func:`notebook_key`.
    """
    record = {"key": key, "output": file_digest(output)}
    key_file(output).write_text(json.dumps(record, sort_keys=True) + "\n", encoding="utf-8")


def is_fresh(output: Path | str, key: str) -> bool:
    """Whether ``output`` exists and was executed with ``key``.

    Parameters
    ----------
    output
        The executed notebook.
    key
        The current key.

    Returns
    -------
    bool
    """
    return stored_key(output) == key
