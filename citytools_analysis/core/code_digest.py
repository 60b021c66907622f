"""A digest of the package's own code, layer by layer: what a build artefact's key covers.

A build artefact (an earlier round's release, the stored findings, the stored round
comparison) is made by the code of some layers of this package; its key includes the
source of those layers, so that editing that code makes the artefact again and editing any
other layer does not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def layers_digest(layers: tuple[str, ...], package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the Python source of the given layers (sub-packages), file by file.

    Parameters
    ----------
    layers
        Sub-package names, e.g. ``("core", "release", "metrics")``.
    package_dir
        The package folder (this package by default).

    Returns
    -------
    str
        Hex digest; it changes when a file of one of the layers is edited, added or removed.
    """
    digest = hashlib.sha256()
    for layer in layers:
        for file in sorted((Path(package_dir) / layer).glob("*.py")):
            digest.update(f"{layer}/{file.name}".encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()
