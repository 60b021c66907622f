"""Survey rounds are read from the files: names, snapshot dates, folders, and clear errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from citytools_analysis.core import paths
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.rounds import (
    current_round,
    get_round,
    list_rounds,
    previous_release_dir,
    previous_round,
)
from citytools_analysis.ingest.cleaning import clean_survey


def _round_json(folder: Path, **settings) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "round.json").write_text(json.dumps(settings), encoding="utf-8")


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    """The current (latest) round in raw/survey/, an earlier one under raw/rounds/2019/."""
    data = tmp_path / "data"
    _round_json(data / "raw" / "survey", round="2021", snapshot_date="2021-09-30", synthetic=True)
    (data / "raw" / "contracts").mkdir()
    _round_json(
        data / "raw" / "rounds" / "2019" / "survey",
        round="2019",
        snapshot_date="2019-09-30",
        synthetic=False,
    )
    (data / "raw" / "rounds" / "2019" / "spend").mkdir()
    return data


def test_rounds_are_listed_oldest_first_with_their_folders(data_dir: Path) -> None:
    rounds = list_rounds(data_dir)
    assert [r.name for r in rounds] == ["2019", "2021"]
    first, second = rounds
    assert second.current and not first.current
    assert first.snapshot_date == dt.date(2019, 9, 30) and second.snapshot_date == dt.date(
        2021, 9, 30
    )
    assert second.survey_dir == data_dir / "raw" / "survey"
    assert second.contracts_dir == data_dir / "raw" / "contracts" and second.spend_dir is None
    assert second.release_dir == data_dir / "processed"
    assert second.truth_dir == data_dir / "synthetic_truth"
    assert first.survey_dir == data_dir / "raw" / "rounds" / "2019" / "survey"
    assert first.contracts_dir is None
    assert first.spend_dir == data_dir / "raw" / "rounds" / "2019" / "spend"
    assert first.release_dir == data_dir / "releases" / "2019"
    assert first.truth_dir is None  # not synthetic: no truth
    assert current_round(data_dir).name == "2021"
    assert get_round("2019", data_dir) == first
    assert previous_round("2021", data_dir) == first
    assert previous_round("2019", data_dir) is None


def test_the_current_round_must_be_the_latest(data_dir: Path) -> None:
    _round_json(
        data_dir / "raw" / "rounds" / "2023" / "survey", round="2023", snapshot_date="2023-09-30"
    )
    with pytest.raises(SurveyInputError, match="not the latest round .2023 under data/raw/rounds"):
        current_round(data_dir)


def test_the_previous_release_is_the_round_before_the_current_one(data_dir: Path) -> None:
    assert previous_release_dir(data_dir) is None  # the earlier round is not cleaned yet
    release = data_dir / "releases" / "2019"
    release.mkdir(parents=True)
    (release / "systems.csv").write_text("record_id\n", encoding="utf-8")
    assert previous_release_dir(data_dir) == release
    (data_dir / "raw" / "rounds" / "2019" / "survey" / "round.json").unlink()
    (data_dir / "raw" / "rounds" / "2019" / "survey").rmdir()
    (data_dir / "raw" / "rounds" / "2019" / "spend").rmdir()
    (data_dir / "raw" / "rounds" / "2019").rmdir()
    assert previous_release_dir(data_dir) is None  # the first round has none


def test_a_folder_named_after_another_round_is_an_error(data_dir: Path) -> None:
    _round_json(data_dir / "raw" / "rounds" / "2023" / "survey", round="2022")
    with pytest.raises(SurveyInputError, match="named '2023'.*round '2022'"):
        list_rounds(data_dir)


def test_a_round_held_twice_is_an_error(data_dir: Path) -> None:
    _round_json(data_dir / "raw" / "rounds" / "2021" / "survey", round="2021")
    with pytest.raises(SurveyInputError, match="held twice"):
        list_rounds(data_dir)


def test_missing_or_broken_round_files_name_the_file(data_dir: Path) -> None:
    (data_dir / "raw" / "rounds" / "2023" / "survey").mkdir(parents=True)
    with pytest.raises(SurveyInputError, match="round.json"):
        list_rounds(data_dir)
    (data_dir / "raw" / "rounds" / "2023" / "survey" / "round.json").write_text(
        "{", encoding="utf-8"
    )
    with pytest.raises(SurveyInputError, match="not valid JSON"):
        list_rounds(data_dir)
    _round_json(
        data_dir / "raw" / "rounds" / "2023" / "survey", round="2023", snapshot_date="30/09/2023"
    )
    with pytest.raises(SurveyInputError, match="not a date"):
        list_rounds(data_dir)


def test_an_unknown_round_lists_the_rounds_held(data_dir: Path) -> None:
    with pytest.raises(SurveyInputError, match="rounds held: 2019, 2021"):
        get_round("2017", data_dir)


def test_the_repository_holds_its_rounds() -> None:
    rounds = list_rounds(paths.DATA_DIR)
    names = [r.name for r in rounds]
    assert "2019" in names
    assert current_round(paths.DATA_DIR).survey_dir == paths.SURVEY_DIR
    for one in rounds:
        assert any(one.survey_dir.glob("*.xlsx")), one.name
        assert (one.release_dir / "datapackage.json").is_file(), one.name
        package = json.loads((one.release_dir / "datapackage.json").read_text(encoding="utf-8"))
        assert package["round"] == one.name
        tables = sorted(p.name for p in one.release_dir.iterdir())
        assert tables == sorted(p.name for p in paths.PROCESSED_DIR.iterdir()), (
            one.name
        )  # the same tables
    assert "2021" in names
    assert current_round(paths.DATA_DIR).name == names[-1] == "2021"  # the book's is the latest


def test_every_other_rounds_release_is_what_cleaning_its_raw_folder_makes(tmp_path: Path) -> None:
    others = [r for r in list_rounds(paths.DATA_DIR) if not r.current]
    assert others
    for one in others:
        out = tmp_path / one.name
        clean_survey(one.survey_dir, out)
        made = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        committed = {p.name: p.read_bytes() for p in sorted(one.release_dir.iterdir())}
        assert made.keys() == committed.keys()
        stale = [name for name in made if made[name] != committed[name]]
        assert not stale, (
            f"{one.release_dir} is stale ({stale}): run citytools clean --survey-dir "
            f"{one.survey_dir.relative_to(paths.PROJECT_ROOT)} --out-dir "
            f"{one.release_dir.relative_to(paths.PROJECT_ROOT)}"
        )
