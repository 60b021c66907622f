"""The safe reader's API, as other readers (payment files, registers) call it."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from fixture_returns import GLA_SYSTEMS, write_fixture_survey

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.ingest.safe_xlsx import (
    XlsxLimits,
    check_xlsx,
    open_xlsx,
    read_text_file,
    sheet_rows,
)


@pytest.fixture()
def gla(tmp_path: Path) -> Path:
    return write_fixture_survey(tmp_path / "survey") / "gla.xlsx"


def test_a_good_workbook_opens_and_reads_as_typed(gla: Path) -> None:
    workbook = open_xlsx(gla)
    try:
        rows = sheet_rows(workbook["Systems"], file=gla.name)
    finally:
        workbook.close()
    assert rows[0] == tuple(GLA_SYSTEMS[0])
    assert len(rows) == len(GLA_SYSTEMS)
    extents = check_xlsx(gla)
    assert (extents["Systems"].rows, extents["Systems"].columns) == (2, 15)


@pytest.mark.parametrize(
    "limits, words",
    [
        (XlsxLimits(rows=1), "reaches down to row 2, over the limit of 1 rows (limit: rows)"),
        (XlsxLimits(columns=10), "cells out to column K (11), over the limit of 10 columns"),
        (XlsxLimits(cell_characters=5), "holds more than 5 characters"),
        (XlsxLimits(members=3), "holds 10 parts, over the limit of 3"),
        (XlsxLimits(part_bytes=1000), "uncompressed, over the limit of 1,000 bytes for one part"),
        (XlsxLimits(file_bytes=1000), "over the limit of 1,000 bytes for one return"),
        (XlsxLimits(total_bytes=5000), "the parts add up to more than 5 KB"),
    ],
)
def test_each_limit_is_applied_as_given(gla: Path, limits: XlsxLimits, words: str) -> None:
    with pytest.raises(SurveyInputError) as caught:
        open_xlsx(gla, limits)
    assert caught.value.file == "gla.xlsx"
    assert words in caught.value.message


def test_text_files_are_read_within_a_limit_and_in_a_known_encoding(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes("Supplier,Value\nCaf\u00e9 Systems,\u00a3100\n".encode("cp1252"))
    assert read_text_file(path).startswith("Supplier,Value\nCafé Systems,£100")
    with pytest.raises(SurveyInputError, match="over the limit of 10 bytes for one text file"):
        read_text_file(path, max_bytes=10)
    path.write_bytes(b"Supplier\n\x81\x8d\x8f\n")  # bytes that neither UTF-8 nor cp1252 has
    with pytest.raises(SurveyInputError, match="cannot be read as UTF-8 or Windows-1252 text"):
        read_text_file(path)
    with pytest.raises(SurveyInputError, match="cannot be read"):
        read_text_file(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    "manifest, words",
    [
        (b"file,authority\n\x81\x8d,Camden\n", "cannot be read as UTF-8 or Windows-1252 text"),
        (b"file,authority\ncmd.csv,Camden\nbrn.csv,Barnet,extra,x\n", "cannot be read as CSV"),
        (b"", "cannot be read as CSV"),
    ],
)
def test_a_register_manifest_that_cannot_be_read_is_an_input_error(
    tmp_path: Path, manifest: bytes, words: str
) -> None:
    from citytools_analysis.core.reference import load_reference
    from citytools_analysis.ingest.register_reader import read_manifest

    (tmp_path / "sources.csv").write_bytes(manifest)
    with pytest.raises(SurveyInputError) as caught:
        read_manifest(tmp_path, load_reference())
    assert caught.value.file == "sources.csv"
    assert words in caught.value.message


def _mutations(good: bytes, count: int, seed: int):
    """Damaged copies of a workbook: bytes of the file flipped, or one part's XML cut short
    or garbled inside a sound zip (fixed seed: the same files on every run)."""
    rng = random.Random(seed)
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    for _ in range(count):
        if rng.random() < 0.4:
            data = bytearray(good)
            for _ in range(rng.randint(1, 5)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)
            continue
        victim = rng.choice(sorted(members))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in members.items():
                if name == victim:
                    if rng.random() < 0.5:
                        data = data[: rng.randrange(len(data))]
                    else:
                        at = rng.randrange(len(data))
                        data = (
                            data[:at]
                            + bytes(rng.choice(b'<>/="a1 ') for _ in range(3))
                            + data[at + 3 :]
                        )
                target.writestr(name, data)
        yield buffer.getvalue()


def test_damaged_workbooks_are_read_or_refused_never_a_traceback(tmp_path: Path) -> None:
    """A fuzz over 300 damaged copies of the fixture's returns: each is either read or refused
    with the input error naming it (a zlib error once escaped as a traceback)."""
    from citytools_analysis.core.reference import load_reference
    from citytools_analysis.ingest.cleaning import Cleaner

    survey = write_fixture_survey(tmp_path / "survey")
    cleaner = Cleaner(load_reference())
    target = tmp_path / "damaged.xlsx"
    outcomes = {"read": 0, "refused": 0}
    for seed, name in enumerate(["gla.xlsx", "camden return v2.xlsx"]):
        for data in _mutations((survey / name).read_bytes(), 150, seed):
            target.write_bytes(data)
            try:
                cleaner.read_return(target)
                outcomes["read"] += 1
            except SurveyInputError as error:
                assert error.file == "damaged.xlsx"
                outcomes["refused"] += 1
    assert outcomes["refused"] > 100 and outcomes["read"] > 10, outcomes
