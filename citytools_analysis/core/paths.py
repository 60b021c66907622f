"""Project paths, anchored once at the repository root (no working-directory assumptions)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
REFERENCE_DIR = RAW_DIR / "reference"
SURVEY_DIR = RAW_DIR / "survey"
PROCESSED_DIR = DATA_DIR / "processed"
# The synthetic survey's "true London": kept outside data/raw/ because no real return has one.
TRUTH_DIR = DATA_DIR / "synthetic_truth"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
BOOK_DIR = PROJECT_ROOT / "book"
GENERATED_DIR = BOOK_DIR / "_generated"
BUILD_DIR = PROJECT_ROOT / "_build"
# Survey rounds (core/rounds.py): the current round stays in RAW_DIR's survey/, contracts/ and
# spend/ with its release in PROCESSED_DIR; every other round has the same sub-folders under
# ROUNDS_RAW_DIR/<round>/, its release in RELEASES_DIR/<round>/ and, when synthetic, its truth
# in TRUTH_ROUNDS_DIR/<round>/.
ROUNDS_RAW_DIR = RAW_DIR / "rounds"
RELEASES_DIR = DATA_DIR / "releases"
TRUTH_ROUNDS_DIR = TRUTH_DIR / "rounds"
# The findings, computed once per build for every chapter (a build artefact keyed by content:
# see metrics/findings_store.py), never part of the release.
FINDINGS_STORE = BUILD_DIR / ".findings.pickle"
# The comparison with the round before, computed once per build for every page that shows it.
COMPARISON_STORE = BUILD_DIR / ".comparison.pickle"
# Each survey return as read, kept so that a build reads again only the returns that changed
# (see ingest/returns_store.py).
RETURNS_STORE = BUILD_DIR / ".returns"


def project_path(folder: Path | str) -> Path:
    """A path as notebooks and commands take it: relative to the project root, or absolute."""
    folder = Path(folder)
    return folder if folder.is_absolute() else PROJECT_ROOT / folder
