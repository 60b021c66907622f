"""The build cleans every earlier round into its own release, and only when its inputs change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fixture_returns import write_fixture_survey

from citytools_analysis.build.rounds import key_file, refresh_earlier_rounds, round_key
from citytools_analysis.core.rounds import list_rounds


def _data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    current = data / "raw" / "survey"
    current.mkdir(parents=True)
    (current / "round.json").write_text(
        json.dumps({"round": "2021", "snapshot_date": "2021-09-30"}), encoding="utf-8"
    )
    earlier = write_fixture_survey(data / "raw" / "rounds" / "2019" / "survey")
    settings = json.loads((earlier / "round.json").read_text(encoding="utf-8"))
    settings.update(round="2019", snapshot_date="2019-09-30")
    (earlier / "round.json").write_text(json.dumps(settings), encoding="utf-8")
    return data


def test_an_earlier_round_is_cleaned_once_then_only_when_it_changes(tmp_path):
    data = _data_dir(tmp_path)
    [first] = refresh_earlier_rounds(data)
    release = data / "releases" / "2019"
    assert first.name == "2019" and first.cleaned and "returns cleaned" in first.summary
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    assert package["round"] == "2019"
    made = {p.name: p.read_bytes() for p in release.iterdir()}
    [again] = refresh_earlier_rounds(data)
    assert not again.cleaned  # nothing changed: the release is current
    assert {p.name: p.read_bytes() for p in release.iterdir()} == made
    settings_file = data / "raw" / "rounds" / "2019" / "survey" / "round.json"
    settings = json.loads(settings_file.read_text(encoding="utf-8"))
    settings["snapshot_date"] = "2019-10-31"
    settings_file.write_text(json.dumps(settings), encoding="utf-8")
    [changed] = refresh_earlier_rounds(data)
    assert changed.cleaned
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    assert package["snapshot_date"] == "2019-10-31"


def test_a_missing_release_is_cleaned_again(tmp_path):
    data = _data_dir(tmp_path)
    refresh_earlier_rounds(data)
    for file in (data / "releases" / "2019").iterdir():
        file.unlink()
    [again] = refresh_earlier_rounds(data)
    assert again.cleaned and (data / "releases" / "2019" / "systems.csv").is_file()


def test_the_key_is_kept_beside_the_release_so_a_copy_is_current(tmp_path):
    data = _data_dir(tmp_path / "first")
    [first] = refresh_earlier_rounds(data)
    assert first.cleaned and (data / "releases" / "2019.key").is_file()
    # A copy of the data folder (a fresh clone of the committed releases and keys) holds a
    # current release: it is not cleaned again.
    copy = tmp_path / "copy" / "data"
    shutil.copytree(data, copy)
    [again] = refresh_earlier_rounds(copy)
    assert not again.cleaned
    # A key that no longer matches (edited cleaning code gives another key) cleans again.
    (copy / "releases" / "2019.key").write_text("another key\n", encoding="utf-8")
    [changed] = refresh_earlier_rounds(copy)
    assert changed.cleaned
    assert (copy / "releases" / "2019.key").read_text(encoding="utf-8") == (
        data / "releases" / "2019.key"
    ).read_text(encoding="utf-8")


def test_each_committed_round_key_is_the_key_of_its_files_and_code():
    # A key committed beside a release says the release is current; after an edit to the
    # cleaning code or a round's files the new key must be committed with the change.
    earlier = [one for one in list_rounds() if not one.current]
    assert earlier, "the project holds no earlier round"
    for one in earlier:
        assert key_file(one).read_text(encoding="utf-8").strip() == round_key(one), (
            f"{key_file(one)} is stale: run `citytools build` and commit it"
        )
