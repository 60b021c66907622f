"""Earlier survey rounds in the build: each cleaned into its own release when its inputs change.

The current round is cleaned by the cleaning notebook; every earlier round under
``data/raw/rounds/<round>/`` is cleaned here, into ``data/releases/<round>/``, so that one
``citytools build`` (``make report``) builds every round the project holds, and the book's
comparison with the round before always reads a release made by this code from those files.
A round is cleaned again only when its key changed: the bytes of its raw folders, the
reference data and the code that cleans (the ``core``, ``ingest`` and ``release`` layers).
The key is kept beside the release, in ``data/releases/<round>.key``, and committed with it:
a fresh clone or a copy of the project holds releases that are current and is not made to
clean them again; after an edit to the cleaning code the next build cleans every earlier
round again and writes the new key, to be committed with the change (a test checks that
each committed release is what cleaning its folders makes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from citytools_analysis.build.cache import path_digest
from citytools_analysis.core.code_digest import layers_digest
from citytools_analysis.core.paths import DATA_DIR, REFERENCE_DIR
from citytools_analysis.core.rounds import Round, list_rounds
from citytools_analysis.ingest.cleaning import clean_survey

# The layers whose code decides what a release holds.
_CLEANING_LAYERS = ("core", "ingest", "release")


@dataclass(frozen=True)
class RoundRefresh:
    """What the build did with one earlier round."""

    name: str
    cleaned: bool  # False: its release was current
    summary: str = ""


def round_key(one: Round, reference_dir: Path = REFERENCE_DIR) -> str:
    """SHA-256 of a round's raw folders, the reference data and the cleaning code."""
    digest = hashlib.sha256()
    for folder in (one.survey_dir, one.contracts_dir, one.spend_dir, Path(reference_dir)):
        digest.update(path_digest(folder).encode() if folder else b"-")
    digest.update(layers_digest(_CLEANING_LAYERS).encode())
    return digest.hexdigest()


def key_file(one: Round) -> Path:
    """Where a round's key is kept: beside its release (``data/releases/<round>.key``)."""
    return one.release_dir.parent / f"{one.name}.key"


def refresh_earlier_rounds(data_dir: Path = DATA_DIR) -> list[RoundRefresh]:
    """Clean every earlier round whose key changed (or whose release is missing).

    Raises
    ------
    SurveyInputError
        When a round's files cannot be cleaned (the message names the file).
    """
    done = []
    for one in list_rounds(data_dir):
        if one.current:
            continue
        key = round_key(one)
        stamp = key_file(one)
        held = stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else ""
        if held == key and (one.release_dir / "datapackage.json").is_file():
            done.append(RoundRefresh(one.name, cleaned=False))
            continue
        # As `citytools clean --survey-dir <its survey> --out-dir <its release>` does: the
        # registers and payment files beside the survey folder are read when listed.
        result = clean_survey(one.survey_dir, one.release_dir)
        stamp.write_text(key + "\n", encoding="utf-8")
        done.append(RoundRefresh(one.name, cleaned=True, summary=result.summary()))
    return done
