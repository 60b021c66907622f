"""Survey rounds: which rounds the project holds, read from the files, and where each one lives.

The *current* round keeps the folders the project has always used: returns and
``round.json`` in ``data/raw/survey/``, registers in ``data/raw/contracts/``, spend in
``data/raw/spend/`` (when present), its release in ``data/processed/`` and, when synthetic, its
truth in ``data/synthetic_truth/``. Every other round lives side by side with the same
sub-folders under ``data/raw/rounds/<round>/`` (``survey/`` with ``round.json``,
``contracts/``, optionally ``spend/``), with its release in ``data/releases/<round>/`` and its
truth in ``data/synthetic_truth/rounds/<round>/``.

Releases of other rounds are not nested inside ``data/processed/`` because a release is
written whole and swapped in (:func:`..release.writer.staged_release`): cleaning the current
round would delete any folder inside it.

A round is known by its ``round.json`` alone (``round``, ``snapshot_date``, ``synthetic``);
:func:`list_rounds` reads them and never guesses from folder names.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from citytools_analysis.core import paths
from citytools_analysis.core.errors import SurveyInputError

ROUND_FILE = "round.json"


@dataclass(frozen=True)
class Round:
    """One survey round and its folders.

    Attributes
    ----------
    name
        The round's name from ``round.json`` (e.g. ``"2019"``).
    snapshot_date
        The "as of" date of the round, or ``None`` when ``round.json`` gives none.
    synthetic
        Whether the returns are synthetic.
    current
        ``True`` for the round in ``data/raw/survey/`` (the one the book is built from).
    survey_dir, contracts_dir, spend_dir
        The raw folders; ``contracts_dir`` and ``spend_dir`` are ``None`` when absent.
    release_dir
        Where the round's cleaned release is (or will be) written.
    truth_dir
        Where the synthetic truth of the round is, ``None`` when the round is not synthetic.
    """

    name: str
    snapshot_date: dt.date | None
    synthetic: bool
    current: bool
    survey_dir: Path
    contracts_dir: Path | None
    spend_dir: Path | None
    release_dir: Path
    truth_dir: Path | None


def read_round_file(survey_dir: Path) -> dict:
    """The settings of a round (``round.json`` in its survey folder); a clear error if unreadable."""
    path = Path(survey_dir) / ROUND_FILE
    if not path.is_file():
        raise SurveyInputError(
            f"a survey round needs a {ROUND_FILE} in {survey_dir}", file=ROUND_FILE
        )
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SurveyInputError(f"not valid JSON: {error}", file=str(path)) from None
    if not isinstance(settings, dict) or not str(settings.get("round") or "").strip():
        raise SurveyInputError(
            'must give the round\'s name, e.g. {"round": "2021"}', file=str(path)
        )
    snapshot = settings.get("snapshot_date")
    if snapshot:
        try:
            dt.date.fromisoformat(str(snapshot))
        except ValueError:
            raise SurveyInputError(
                f"snapshot_date {snapshot!r} is not a date YYYY-MM-DD", file=str(path)
            ) from None
    return settings


def _round(
    base: Path, survey_dir: Path, release_dir: Path, truth_dir: Path, current: bool
) -> Round:
    settings = read_round_file(survey_dir)
    snapshot = settings.get("snapshot_date")
    synthetic = bool(settings.get("synthetic", False))
    contracts = base / "contracts"
    spend = base / "spend"
    return Round(
        name=str(settings["round"]).strip(),
        snapshot_date=dt.date.fromisoformat(str(snapshot)) if snapshot else None,
        synthetic=synthetic,
        current=current,
        survey_dir=survey_dir,
        contracts_dir=contracts if contracts.is_dir() else None,
        spend_dir=spend if spend.is_dir() else None,
        release_dir=release_dir,
        truth_dir=truth_dir if synthetic else None,
    )


def list_rounds(data_dir: Path = paths.DATA_DIR) -> list[Round]:
    """Every round the project holds, oldest first (by snapshot date, then name).

    Parameters
    ----------
    data_dir
        The project's ``data/`` folder.

    Raises
    ------
    SurveyInputError
        When a round's ``round.json`` is missing or unreadable, when a folder under
        ``raw/rounds/`` is not named after the round its ``round.json`` gives, or when two
        folders hold the same round.
    """
    data_dir = Path(data_dir)
    raw = data_dir / "raw"
    found: list[Round] = []
    if (raw / "survey").is_dir():
        found.append(
            _round(
                raw,
                raw / "survey",
                data_dir / "processed",
                data_dir / "synthetic_truth",
                current=True,
            )
        )
    rounds_dir = raw / "rounds"
    if rounds_dir.is_dir():
        for folder in sorted(p for p in rounds_dir.iterdir() if p.is_dir()):
            one = _round(
                folder,
                folder / "survey",
                data_dir / "releases" / folder.name,
                data_dir / "synthetic_truth" / "rounds" / folder.name,
                current=False,
            )
            if one.name != folder.name:
                raise SurveyInputError(
                    f"the folder is named {folder.name!r} but its round.json says round "
                    f"{one.name!r}: name the folder after the round",
                    file=str(folder / "survey" / ROUND_FILE),
                )
            found.append(one)
    names = [r.name for r in found]
    for name in sorted(set(names)):
        if names.count(name) > 1:
            raise SurveyInputError(
                f"round {name!r} is held twice (data/raw/survey/ and data/raw/rounds/{name}/): "
                "a round lives in one place",
                file=ROUND_FILE,
            )
    return sorted(found, key=lambda r: (r.snapshot_date or dt.date.min, r.name))


def get_round(name: str, data_dir: Path = paths.DATA_DIR) -> Round:
    """The round called ``name``; a clear error listing the rounds held when there is none."""
    rounds = list_rounds(data_dir)
    for one in rounds:
        if one.name == name:
            return one
    held = ", ".join(r.name for r in rounds) or "none"
    raise SurveyInputError(f"no survey round {name!r} (rounds held: {held})")


def current_round(data_dir: Path = paths.DATA_DIR) -> Round:
    """The round in ``data/raw/survey/``, the one the book is built from: the latest round.

    Raises
    ------
    SurveyInputError
        When there is no current round, or an earlier round under ``data/raw/rounds/`` has a
        later snapshot date than it (the book is built for the latest round: move the
        current round beside the others before dropping a new one in).
    """
    rounds = list_rounds(data_dir)
    for one in rounds:
        if one.current:
            later = [r.name for r in rounds[rounds.index(one) + 1 :]]
            if later:
                raise SurveyInputError(
                    f"round {one.name} in data/raw/survey/ is not the latest round "
                    f"({', '.join(later)} under data/raw/rounds/ is later): the book is built "
                    "for the latest round, so it belongs in data/raw/survey/",
                    file=str(one.survey_dir / ROUND_FILE),
                )
            return one
    raise SurveyInputError(f"no current round: {Path(data_dir) / 'raw' / 'survey'} is missing")


def previous_release_dir(data_dir: Path = paths.DATA_DIR) -> Path | None:
    """The release of the round before the current one, or ``None`` when there is none.

    ``None`` also when that round's release has not been written yet (no ``systems.csv``):
    a book without an earlier release simply has no changes to show.
    """
    current = current_round(data_dir)
    earlier = previous_round(current.name, data_dir)
    if earlier is None or not (earlier.release_dir / "systems.csv").is_file():
        return None
    return earlier.release_dir


def previous_round(round_name: str, data_dir: Path = paths.DATA_DIR) -> Round | None:
    """The round before ``round_name`` in snapshot order, or ``None`` for the first round."""
    rounds = list_rounds(data_dir)
    names = [r.name for r in rounds]
    if round_name not in names:
        raise SurveyInputError(
            f"no survey round {round_name!r} (rounds held: {', '.join(names) or 'none'})"
        )
    index = names.index(round_name)
    return rounds[index - 1] if index > 0 else None
