"""The manifest of a folder of published files: which authority published which file.

A contracts folder and a spend folder each hold a ``sources.csv`` with the columns ``file``
and ``authority``. :func:`read_manifest` reads either, with the same limits and checks: the
manifest read like any untrusted text file (within a size limit, UTF-8 or Windows-1252),
every row naming a known authority and a file in the folder, no file listed twice, and no
file of the folder left unlisted.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import Reference
from citytools_analysis.ingest.names import resolve_authority
from citytools_analysis.ingest.safe_xlsx import TEXT_ENCODINGS, read_text_file

#: The manifest's file name, in a contracts or spend folder.
MANIFEST = "sources.csv"


def read_manifest(
    folder: Path | str,
    reference: Reference,
    *,
    publishes: str,
    suffixes: tuple[str, ...],
    one_per_authority: bool = False,
) -> dict[str, str]:
    """File name → GSS code, from a folder's ``sources.csv``.

    Parameters
    ----------
    folder
        The folder of published files and their manifest.
    reference
        The reference data (its authorities and their aliases).
    publishes
        What one file is, for the messages: ``"register"``, ``"payment file"``.
    suffixes
        The file kinds (lower case, with the dot) that must each be listed.
    one_per_authority
        Whether an authority may list one file only.

    Raises
    ------
    SurveyInputError
        When the manifest is missing, cannot be read or lacks its columns, names an unknown
        authority or a file not in the folder, lists a file twice (or, with
        ``one_per_authority``, two files for one authority), or a file of the folder is not
        listed.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        raise SurveyInputError(
            f"no {MANIFEST} saying which authority published which {publishes}",
            file=str(folder),
        )
    try:  # the same size-limited reading as any text file, or a clear error naming the file
        frame = pd.read_csv(
            io.StringIO(read_text_file(path, TEXT_ENCODINGS)), dtype=str, keep_default_na=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise SurveyInputError(f"cannot be read as CSV: {error}", file=MANIFEST) from None
    if not {"file", "authority"} <= set(frame.columns):
        raise SurveyInputError("needs the columns 'file' and 'authority'", file=MANIFEST)
    files: dict[str, str] = {}
    for row_number, (name, authority) in enumerate(zip(frame["file"], frame["authority"]), start=2):
        code = resolve_authority(authority, reference)
        if code is None:
            raise SurveyInputError(
                f"unknown authority {authority!r}",
                file=MANIFEST,
                row=row_number,
                column="authority",
            )
        if name in files:
            raise SurveyInputError(f"{name!r} is listed twice", file=MANIFEST, row=row_number)
        if one_per_authority and code in files.values():
            raise SurveyInputError(
                f"two {publishes}s for one authority ({code}): keep one",
                file=MANIFEST,
                row=row_number,
            )
        # a name with a folder in it ("../x.csv") would read a file outside the folder
        if Path(name).name != name or not (folder / name).is_file():
            raise SurveyInputError(
                f"{name!r} is listed but not in the folder",
                file=MANIFEST,
                row=row_number,
                column="file",
            )
        files[name] = code
    unlisted = sorted(
        p.name
        for p in folder.iterdir()
        if p.suffix.lower() in suffixes and p.name != MANIFEST and p.name not in files
    )
    if unlisted:
        raise SurveyInputError(
            f"not listed in {MANIFEST}: say which authority published it", file=unlisted[0]
        )
    return files


__all__ = ["MANIFEST", "read_manifest"]
