"""The one manifest reader of the contracts and spend folders: its checks and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import load_reference
from citytools_analysis.ingest import register_reader, spend
from citytools_analysis.ingest.manifest import MANIFEST, read_manifest


@pytest.fixture(scope="module")
def reference():
    return load_reference()


def _folder(tmp_path: Path, manifest: bytes | None, files: tuple[str, ...] = ()) -> Path:
    for name in files:
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    if manifest is not None:
        (tmp_path / MANIFEST).write_bytes(manifest)
    return tmp_path


def _read(folder: Path, reference, **options):
    options = {"publishes": "register", "suffixes": (".csv",), **options}
    return read_manifest(folder, reference, **options)


def test_a_manifest_gives_each_file_its_authority(tmp_path, reference):
    folder = _folder(
        tmp_path,
        "file,authority\na.csv,Camden\nb.csv,Hackney\n".encode("cp1252"),
        ("a.csv", "b.csv"),
    )
    assert _read(folder, reference) == {"a.csv": "E09000007", "b.csv": "E09000012"}


@pytest.mark.parametrize(
    "manifest, files, options, where, message",
    [
        (
            None,
            (),
            {"publishes": "payment file"},
            None,
            "no sources.csv saying which authority published which payment file",
        ),
        (b"", (), {}, (MANIFEST, None, None), "cannot be read as CSV"),
        (b"file\na.csv\n", ("a.csv",), {}, (MANIFEST, None, None), "needs the columns"),
        (
            b"file,authority\na.csv,Atlantis\n",
            ("a.csv",),
            {},
            (MANIFEST, 2, "authority"),
            "unknown authority 'Atlantis'",
        ),
        (
            b"file,authority\na.csv,Camden\na.csv,Camden\n",
            ("a.csv",),
            {},
            (MANIFEST, 3, None),
            "'a.csv' is listed twice",
        ),
        (
            b"file,authority\na.csv,Camden\nb.csv,Camden\n",
            ("a.csv", "b.csv"),
            {"one_per_authority": True},
            (MANIFEST, 3, None),
            "two registers for one authority (E09000007): keep one",
        ),
        (
            b"file,authority\nb.csv,Camden\n",
            ("a.csv",),
            {},
            (MANIFEST, 2, "file"),
            "'b.csv' is listed but not in the folder",
        ),
        (
            b"file,authority\na.csv,Camden\n../outside.csv,Hackney\n",
            ("a.csv",),
            {},
            (MANIFEST, 3, "file"),
            "'../outside.csv' is listed but not in the folder",
        ),
        (
            b"file,authority\na.csv,Camden\n",
            ("a.csv", "B.CSV"),
            {},
            ("B.CSV", None, None),
            "not listed in sources.csv: say which authority published it",
        ),
        (
            b"file,authority\na.csv,Camden\n\x81\x8d\x8f,Hackney\n",
            ("a.csv",),
            {},
            (MANIFEST, None, None),
            "cannot be read as UTF-8 or Windows-1252 text",
        ),
    ],
)
def test_manifest_errors_say_what_and_where(
    tmp_path, reference, manifest, files, options, where, message
):
    (tmp_path / "outside.csv").write_text("x\n", encoding="utf-8")  # beside the folder
    (tmp_path / "in").mkdir()
    folder = _folder(tmp_path / "in", manifest, files)
    with pytest.raises(SurveyInputError) as caught:
        _read(folder, reference, **options)
    assert message in caught.value.message
    if where is not None:
        assert (caught.value.file, caught.value.row, caught.value.column) == where


def test_an_authority_may_list_many_files_unless_one_is_asked(tmp_path, reference):
    folder = _folder(
        tmp_path, b"file,authority\nm1.csv,Camden\nm2.xlsx,Camden\n", ("m1.csv", "m2.xlsx")
    )
    assert _read(folder, reference, suffixes=(".csv", ".xlsx")) == {
        "m1.csv": "E09000007",
        "m2.xlsx": "E09000007",
    }
    with pytest.raises(SurveyInputError, match="two registers for one authority"):
        _read(folder, reference, one_per_authority=True)


def test_registers_and_spend_read_their_manifest_alike(tmp_path, reference):
    folder = _folder(tmp_path, b"file,authority\na.csv,Camden\nb.csv,Camden\n", ("a.csv", "b.csv"))
    assert spend.read_manifest(folder, reference) == {"a.csv": "E09000007", "b.csv": "E09000007"}
    with pytest.raises(SurveyInputError, match="two registers for one authority"):
        register_reader.read_manifest(folder, reference)
    (folder / MANIFEST).unlink()
    with pytest.raises(SurveyInputError, match="which register$"):
        register_reader.read_manifest(folder, reference)
    with pytest.raises(SurveyInputError, match="which payment file$"):
        spend.read_manifest(folder, reference)
