"""The findings computed once per build and shared by every chapter.

Every chapter needs the same :class:`~citytools_analysis.metrics.findings.Findings`. The
build computes them once, after cleaning, and writes them to a store file
(``_build/.findings.pickle``, a build artefact, never part of the release). A chapter reads the store
only when the key written in it matches the key of what the chapter would compute: the
bytes of the processed release, the report's parameters and the source of the code that
computes findings. Anything else (no store, another release, other parameters, edited
metrics code) and the chapter computes the findings itself, so the store cannot go stale.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import asdict
from pathlib import Path

from citytools_analysis.core.parameters import ReportParameters
from citytools_analysis.metrics.findings import Findings, collect_findings
from citytools_analysis.release.processed import ProcessedData, load_processed

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
# The layers whose code decides what the findings are.
_CODE_LAYERS = ("core", "release", "metrics")


def _code_digest() -> str:
    digest = hashlib.sha256()
    for layer in _CODE_LAYERS:
        for file in sorted((_PACKAGE_DIR / layer).glob("*.py")):
            digest.update(f"{layer}/{file.name}".encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def findings_key(processed_dir: Path | str, parameters: ReportParameters) -> str:
    """SHA-256 of the release's files, the parameters and the findings code."""
    digest = hashlib.sha256()
    for file in sorted(Path(processed_dir).iterdir()):
        if file.is_file():
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    digest.update(json.dumps(asdict(parameters), sort_keys=True, default=str).encode())
    digest.update(_code_digest().encode())
    return digest.hexdigest()


def _compute(data: ProcessedData, parameters: ReportParameters) -> Findings:
    return collect_findings(
        data,
        as_of=parameters.as_of,
        horizon_years=parameters.horizon_years,
        window_months=parameters.window_months,
        min_authorities=parameters.min_authorities,
        top_n=parameters.top_n,
    )


def _read(store: Path) -> tuple[str, Findings] | None:
    try:
        with store.open("rb") as handle:
            key, found = pickle.load(handle)  # noqa: S301 - written by this build, never downloaded
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    return (key, found) if isinstance(found, Findings) else None


def write_findings_store(
    processed_dir: Path | str, parameters: ReportParameters, store: Path | str
) -> bool:
    """Compute the findings and write them with their key, unless the store already holds them.

    Returns
    -------
    bool
        Whether the findings were computed (``False`` when the store was already current).
    """
    store = Path(store)
    key = findings_key(processed_dir, parameters)
    held = _read(store) if store.exists() else None
    if held is not None and held[0] == key:
        return False
    found = _compute(load_processed(processed_dir), parameters)
    store.parent.mkdir(parents=True, exist_ok=True)
    temporary = store.with_name(store.name + ".tmp")
    with temporary.open("wb") as handle:
        pickle.dump((key, found), handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(store)
    return True


def chapter_findings(
    data: ProcessedData,
    processed_dir: Path | str,
    parameters: ReportParameters,
    store: Path | str | None = None,
) -> Findings:
    """The findings of ``data`` under ``parameters``: from the store when it is current.

    Parameters
    ----------
    data
        The release, already read from ``processed_dir``.
    processed_dir
        Its folder (the key covers its files).
    parameters
        The report's parameters.
    store
        The build's store file; ``None`` or ``""`` always computes.
    """
    if store:
        held = _read(Path(store)) if Path(store).exists() else None
        if held is not None and held[0] == findings_key(processed_dir, parameters):
            return held[1]
    return _compute(data, parameters)
