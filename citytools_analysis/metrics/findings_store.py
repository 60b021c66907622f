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
from dataclasses import asdict
from pathlib import Path

from citytools_analysis.core.build_store import read_stored, release_digest, write_stored
from citytools_analysis.core.code_digest import layers_digest
from citytools_analysis.core.parameters import ReportParameters
from citytools_analysis.metrics.findings import (
    Findings,
    FindingsParameters,
    collect_findings,
    findings_arguments,
    findings_parameters,
)
from citytools_analysis.release.processed import ProcessedData, load_processed

# The layers whose code decides what the findings are.
_CODE_LAYERS = ("core", "release", "metrics")


def findings_key(processed_dir: Path | str, parameters: ReportParameters) -> str:
    """SHA-256 of the release's files, the parameters and the findings code."""
    digest = hashlib.sha256()
    digest.update(release_digest(processed_dir).encode())
    digest.update(json.dumps(asdict(parameters), sort_keys=True, default=str).encode())
    digest.update(layers_digest(_CODE_LAYERS).encode())
    return digest.hexdigest()


def _compute(data: ProcessedData, parameters: ReportParameters) -> Findings:
    return collect_findings(data, **findings_arguments(parameters))


def write_findings_store(
    processed_dir: Path | str, parameters: ReportParameters, store: Path | str
) -> bool:
    """Compute the findings and write them with their key, unless the store already holds them.

    Returns
    -------
    bool
        Whether the findings were computed (``False`` when the store was already current).
    """
    key = findings_key(processed_dir, parameters)
    if read_stored(store, key, Findings) is not None:
        return False
    write_stored(store, key, _compute(load_processed(processed_dir), parameters))
    return True


def chapter_parameters(data: ProcessedData, parameters: ReportParameters) -> FindingsParameters:
    """The parameters :func:`chapter_findings` would compute the findings with, without
    computing them: for a chapter that declares it reads no finding."""
    return findings_parameters(data, **findings_arguments(parameters))


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
    held = read_stored(store, findings_key(processed_dir, parameters), Findings) if store else None
    return held if held is not None else _compute(data, parameters)
