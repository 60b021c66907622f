"""Planning a build: which notebooks run, with which parameters, reading what.

The cleaning notebook (``01_…``) runs first, because it writes ``data/processed/``; then the
other numbered chapters, the explorer pages (``explore_*.ipynb``) and one borough profile
per authority (``borough_profile.ipynb`` with parameter ``authority``). Each job receives
those of the offered parameters its notebook declares; what it reads (for the cache) is
named by its ``*_dir``, ``*_path`` and ``*_file`` parameters.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from citytools_analysis.core.paths import (
    GENERATED_DIR,
    NOTEBOOKS_DIR,
    RAW_DIR,
    REFERENCE_DIR,
    project_path,
)

CLEANING_NOTEBOOK = "01_clean_survey.ipynb"
NOTEBOOK_PATTERN = "[0-9]*.ipynb"
# Explorer pages: notebooks/explore_<n>_<name>.ipynb -> <generated>/explore/<n>_<name>.ipynb
EXPLORER_PATTERN = "explore_*.ipynb"
EXPLORER_PREFIX = "explore_"
EXPLORE_FOLDER = "explore"
# Borough profiles: notebooks/borough_profile.ipynb -> <generated>/profiles/<gss_code>.ipynb
PROFILE_NOTEBOOK = "borough_profile.ipynb"
PROFILES_FOLDER = "profiles"
PROFILE_PARAMETER = "authority"
# The London-wide tables, computed once per build and read by every profile run.
CONTEXT_FILE = ".profiles-context.pickle"
# Parameters naming what a notebook reads: folders and files, by the end of their name.
PATH_PARAMETER_SUFFIXES = ("_dir", "_path", "_file")


@dataclass(frozen=True)
class NotebookJob:
    """One papermill run: a source notebook, where its executed copy goes, its parameters."""

    source: Path
    output: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)
    # What the notebook reads, for the cache: None derives it from the path parameters.
    inputs: tuple[Path, ...] | None = None
    # Further content the output depends on (a borough profile's digest).
    fingerprint: str = ""
    # The page title the runner sets (a borough profile's authority); "" keeps the source's.
    title: str = ""


def declared_parameters(source: Path | str) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell.

    Parameters
    ----------
    source
        A source notebook.

    Returns
    -------
    set of str
    """
    return set(notebook_defaults(source))


def notebook_defaults(source: Path | str) -> dict[str, Any]:
    """The parameters cell's names and their default values.

    A default that is not a Python literal (e.g. an expression) is given as its source text.

    Parameters
    ----------
    source
        A source notebook.

    Returns
    -------
    dict
        Name → default value.
    """
    path = Path(source)
    try:
        stat = path.stat()
    except OSError:
        return _defaults(str(path), -1, -1)
    return dict(_defaults(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=256)
def _defaults(source: str, mtime_ns: int, size: int) -> dict[str, Any]:
    """:func:`notebook_defaults`, read once per version of the file (a build asks for each
    notebook's defaults many times: planning, offering parameters, the cache key)."""
    import papermill

    del mtime_ns, size  # part of the cache key only
    defaults = {}
    for name, spec in papermill.inspect_notebook(source).items():
        text = spec.get("default")
        try:
            defaults[name] = ast.literal_eval(text) if text is not None else None
        except (ValueError, SyntaxError):
            defaults[name] = text
    return defaults


def plan_notebooks(
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    parameters: Mapping[str, Any] | None = None,
) -> tuple[NotebookJob, list[NotebookJob]]:
    """The cleaning notebook's job, and the jobs of every other numbered notebook.

    Each job receives those of ``parameters`` that its notebook declares.

    Parameters
    ----------
    notebooks_dir
        Folder of source notebooks (``NN_name.ipynb``).
    generated_dir
        Folder for the executed copies (same file names).
    parameters
        Values offered to every notebook, e.g. ``{"processed_dir": "/tmp/processed"}``.

    Returns
    -------
    tuple
        The cleaning job, then the others in file-name order.

    Raises
    ------
    FileNotFoundError
        If the cleaning notebook is missing.
    """
    notebooks_dir, generated_dir = Path(notebooks_dir), Path(generated_dir)
    offered = dict(parameters or {})

    def job(source: Path) -> NotebookJob:
        return NotebookJob(source, generated_dir / source.name, _offered(source, offered))

    cleaning = notebooks_dir / CLEANING_NOTEBOOK
    if not cleaning.is_file():
        raise FileNotFoundError(f"{cleaning}: the cleaning notebook is missing")
    others = sorted(p for p in notebooks_dir.glob(NOTEBOOK_PATTERN) if p.name != cleaning.name)
    return job(cleaning), [job(source) for source in others]


def _offered(source: Path, offered: Mapping[str, Any]) -> dict[str, Any]:
    declared = declared_parameters(source)
    return {name: value for name, value in offered.items() if name in declared}


def plan_explorers(
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    parameters: Mapping[str, Any] | None = None,
) -> list[NotebookJob]:
    """The jobs of the explorer pages (``explore_<n>_<name>.ipynb``), in file-name order.

    Each executed copy goes to ``<generated_dir>/explore/<n>_<name>.ipynb`` (the prefix
    ``explore_`` dropped), apart from the numbered chapters.

    Parameters
    ----------
    notebooks_dir, generated_dir, parameters
        As for :func:`plan_notebooks`.

    Returns
    -------
    list of NotebookJob
    """
    notebooks_dir, generated_dir = Path(notebooks_dir), Path(generated_dir)
    offered = dict(parameters or {})
    return [
        NotebookJob(
            source,
            generated_dir / EXPLORE_FOLDER / source.name[len(EXPLORER_PREFIX) :],
            _offered(source, offered),
        )
        for source in sorted(notebooks_dir.glob(EXPLORER_PATTERN))
    ]


def profile_authorities(
    reference_dir: Path | str | None = None, authorities: Iterable[str] | None = None
) -> list[str]:
    """The GSS codes to make profiles for, each checked against the reference list.

    Parameters
    ----------
    reference_dir
        Reference folder (the project's by default).
    authorities
        Codes asked for; every authority of the reference list by default.

    Returns
    -------
    list of str
        Sorted, without repeats.

    Raises
    ------
    ValueError
        If a code is not the GSS code of an authority in the reference list.
    """
    from citytools_analysis.core.reference import load_reference, validate_authority_code

    reference = load_reference(reference_dir)
    codes = list(reference.authorities["gss_code"]) if authorities is None else list(authorities)
    return sorted({validate_authority_code(code, reference) for code in codes})


def plan_profiles(
    codes: Iterable[str],
    notebooks_dir: Path | str = NOTEBOOKS_DIR,
    generated_dir: Path | str = GENERATED_DIR,
    parameters: Mapping[str, Any] | None = None,
    fingerprints: Mapping[str, str] | None = None,
) -> list[NotebookJob]:
    """One job of the profile notebook per authority (none if the notebook is missing).

    The executed copies go to ``<generated_dir>/profiles/<gss_code>.ipynb``, titled with the
    authority's short name. A job's inputs are its reference folders only; what it shows of the processed data is in its
    ``fingerprint`` (see :func:`citytools_analysis.metrics.profiles.profile_digest`).

    Parameters
    ----------
    codes
        GSS codes, already validated (:func:`profile_authorities`).
    notebooks_dir, generated_dir, parameters
        As for :func:`plan_notebooks`.
    fingerprints
        GSS code → digest of the profile's content.

    Returns
    -------
    list of NotebookJob
    """
    source = Path(notebooks_dir) / PROFILE_NOTEBOOK
    if not source.is_file():
        return []
    chosen = _offered(source, dict(parameters or {}))
    effective = {**notebook_defaults(source), **chosen}
    inputs = tuple(
        sorted({_resolve(effective["reference_dir"]), REFERENCE_DIR})
        if "reference_dir" in effective
        else (REFERENCE_DIR,)
    )
    fingerprints = fingerprints or {}
    from citytools_analysis.core.reference import authority_names, load_reference

    reference = load_reference(
        _resolve(effective["reference_dir"]) if "reference_dir" in effective else None
    )
    titles = authority_names(reference.authorities)
    return [
        NotebookJob(
            source,
            Path(generated_dir) / PROFILES_FOLDER / f"{code}.ipynb",
            {**chosen, PROFILE_PARAMETER: code},
            inputs,
            fingerprints.get(code, ""),
            titles.get(code, code),
        )
        for code in codes
    ]


def _resolve(value: Any) -> Path:
    return project_path(str(value))


def job_inputs(job: NotebookJob) -> tuple[Path, ...]:
    """The files and folders a job reads, for its cache key.

    ``job.inputs`` when set; otherwise the values of the notebook's ``*_dir``, ``*_path``
    and ``*_file`` parameters (injected or default; empty ones left out), resolved against
    the project root, plus the reference folder (the package reads it by default), or, for
    the cleaning notebook, all of ``data/raw/`` and the ``contracts`` folder beside its
    survey folder.

    Parameters
    ----------
    job
        The notebook run.

    Returns
    -------
    tuple of Path
    """
    if job.inputs is not None:
        return tuple(job.inputs)
    effective = {**notebook_defaults(job.source), **dict(job.parameters)}
    paths = {
        _resolve(value)
        for name, value in effective.items()
        if name.endswith(PATH_PARAMETER_SUFFIXES) and isinstance(value, (str, Path)) and str(value)
    }
    paths.add(RAW_DIR if job.source.name == CLEANING_NOTEBOOK else REFERENCE_DIR)
    if job.source.name == CLEANING_NOTEBOOK and effective.get("survey_dir"):
        # Cleaning reads the contract registers beside the survey folder when not told where.
        paths.add(_resolve(effective["survey_dir"]).parent / "contracts")
    return tuple(sorted(paths))
