"""Hostile and broken survey returns: each case of tests/hostile/ meets its designed outcome.

Two outcomes are designed. A return that cannot be cleaned row by row stops the run with a
:class:`SurveyInputError` naming file, sheet, row and column (exit code 2 from ``citytools
clean``) and leaves the previous release byte for byte as it was. Otherwise the bad rows are
rejected (``rejected.csv``) or the bad values cleared (``corrections.csv``), and the release
keeps its promises: no cell a spreadsheet would run as a formula, nothing personal.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from fixture_returns import PERSONAL_VALUES, write_fixture_survey
from hostile import corpus
from typer.testing import CliRunner

from citytools_analysis.cli import app
from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.reference import load_reference, validate_authority_code
from citytools_analysis.ingest import safe_xlsx
from citytools_analysis.ingest.cleaning import clean_survey
from citytools_analysis.ingest.validation import validate_returns
from citytools_analysis.release.writer import FORMULA_TRIGGERS

HOSTILE_DIR = Path(__file__).parent / "hostile"
# The start is anchored by a look-behind so that a long run of letters is scanned once.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"(?<![\w-])(?:(?:\+44\s?|0)\d{2,4}\s\d{3,4}\s?\d{3,4}|0\d{10})(?![\w-])")


@pytest.fixture()
def released(tmp_path: Path) -> tuple[Path, Path]:
    """The good fixture survey, already cleaned into ``processed/``."""
    survey = write_fixture_survey(tmp_path / "survey")
    out = tmp_path / "processed"
    clean_survey(survey, out)
    return survey, out


def _snapshot(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {
        path.stem: pd.read_csv(path, dtype=str, keep_default_na=False)
        for path in sorted(out.glob("*.csv"))
    }


def _cells(out: Path) -> list[tuple[str, str]]:
    """Every cell of every CSV of the release, as written (file name, text)."""
    found = []
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                found.extend((path.name, cell) for cell in row)
    return found


def _check_release(out: Path) -> dict[str, pd.DataFrame]:
    """What every release must hold, whatever the input: checked after each row-level case."""
    for name, cell in _cells(out):
        assert not cell.startswith(FORMULA_TRIGGERS), (name, cell)
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(out.iterdir()))
    for value in PERSONAL_VALUES:
        assert value not in text
    assert not EMAIL.findall(text)
    assert not PHONE.findall(text)
    tables = _tables(out)
    key = ["source_file", "sheet", "source_row", "column"]
    assert not tables["corrections"].duplicated(key).any(), "one log line per cell"
    return tables


def _gla(tables: dict[str, pd.DataFrame], name: str, source_file: str = corpus.GLA) -> pd.DataFrame:
    frame = tables[name]
    return frame[frame.source_file == source_file].reset_index(drop=True)


def _log(
    tables: dict[str, pd.DataFrame], row: int, source_file: str = corpus.GLA
) -> dict[str, tuple]:
    """GLA corrections of one Excel row: column → (raw_value, clean_value, rule)."""
    frame = _gla(tables, "corrections", source_file)
    frame = frame[frame.source_row == str(row)]
    return {r.column: (r.raw_value, r.clean_value, r.rule) for r in frame.itertuples()}


def _system(
    tables: dict[str, pd.DataFrame], row: int, source_file: str = corpus.GLA
) -> dict[str, str]:
    systems = _gla(tables, "systems", source_file)
    match = systems[systems.source_row == str(row)]
    assert len(match) == 1, f"row {row} not carried"
    return match.iloc[0].to_dict()


def _rejected(
    tables: dict[str, pd.DataFrame], source_file: str = corpus.GLA, sheet: str | None = None
) -> dict[int, tuple]:
    frame = _gla(tables, "rejected", source_file)
    if sheet is not None:
        frame = frame[frame.sheet == sheet]
    return {int(r.source_row): (r.reason, r.column, r.detail) for r in frame.itertuples()}


# --- the corpus is documented ------------------------------------------------------------------

ROW_CASES = [
    "implausible_dates",
    "bad_costs",
    "bad_ratings",
    "unicode_names",
    "formula_triggers",
    "script_names",
    "merged_cells",
    "hidden_rows",
    "formula_cells",
    "huge_cell",
    "spaced_sheet_names",
    "whitespace_cells",
    "far_right_values",
    "personal_in_public_columns",
    "many_rows",
    "authority_parameter",
    "million_row_dimension",
]


def test_readme_lists_every_case() -> None:
    readme = (HOSTILE_DIR / "README.md").read_text(encoding="utf-8")
    names = [case.name for case in corpus.ERROR_CASES + corpus.UNSAFE_CASES] + ROW_CASES
    assert len(names) >= 15
    missing = [name for name in names if f"`{name}`" not in readme]
    assert not missing


# --- returns refused with a clear error, the previous release untouched ------------------------


@pytest.mark.parametrize(
    "case", corpus.ERROR_CASES + corpus.UNSAFE_CASES, ids=lambda case: case.name
)
def test_refused_with_place_and_release_untouched(released, case: corpus.ErrorCase) -> None:
    survey, out = released
    before = _snapshot(out)
    case.build(survey)
    with pytest.raises(SurveyInputError) as caught:
        clean_survey(survey, out)
    error = caught.value
    assert (error.file, error.sheet, error.row, error.column) == (
        case.file,
        case.sheet,
        case.row,
        case.column,
    )
    for words in case.words:
        assert words in error.message, error.message
    assert _snapshot(out) == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []

    outcome = CliRunner().invoke(app, ["clean", "--survey-dir", str(survey), "--out-dir", str(out)])
    assert outcome.exit_code == 2
    assert f"error: file {case.file}" in outcome.output
    assert _snapshot(out) == before


@pytest.mark.parametrize("case", corpus.UNSAFE_CASES, ids=lambda case: case.name)
def test_validate_reports_an_unsafe_file_as_unreadable(
    tmp_path: Path, case: corpus.ErrorCase
) -> None:
    survey = write_fixture_survey(tmp_path / "survey")
    case.build(survey)
    report = validate_returns([survey / case.file])
    assert report.exit_code == 2
    [check] = report.checks
    assert check.status == "unreadable"
    assert (check.error.file, check.error.sheet) == (case.file, case.sheet)
    for words in case.words:
        assert words in check.error.message


def test_external_entity_is_never_resolved(released) -> None:
    survey, out = released
    corpus.external_entity(survey)
    with pytest.raises(SurveyInputError) as caught:
        clean_survey(survey, out)
    assert corpus.SECRET_FILE_TEXT not in str(caught.value)
    assert all(corpus.SECRET_FILE_TEXT not in p.read_text(encoding="utf-8") for p in out.iterdir())


def test_a_dimension_claiming_a_million_rows_is_ignored(released) -> None:
    survey, out = released
    corpus.million_row_dimension(survey)
    with zipfile.ZipFile(survey / corpus.GLA) as archive:
        assert b'<dimension ref="A1:XFD1048576" />' in archive.read(corpus.SYSTEMS_PART)
    tables = _clean(survey, out)
    # the sheet's two real rows are read; no padding to 16,384 columns, no million empty rows
    assert list(_gla(tables, "systems").source_row) == ["2"]
    assert _rejected(tables) == {}


def test_limits_are_generous_for_a_real_survey() -> None:
    """Every return of the committed survey is far inside every limit."""
    limits = safe_xlsx.DEFAULT_LIMITS
    for path in sorted((Path(__file__).parents[1] / "data" / "raw" / "survey").glob("*.xlsx")):
        extents = safe_xlsx.check_xlsx(path)
        assert max(e.rows for e in extents.values()) * 10 < limits.rows
        assert max(e.columns for e in extents.values()) * 5 < limits.columns
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
        assert len(members) * 10 < limits.members
        assert max(m.file_size for m in members) * 1000 < limits.part_bytes
        assert (
            max(m.file_size / max(m.compress_size, 1) for m in members) * 5
            < limits.compression_ratio
        )


def test_openpyxl_parses_with_the_hardened_parser() -> None:
    import defusedxml  # noqa: F401  a declared dependency

    assert safe_xlsx.HARDENED_PARSER is True


# --- returns cleaned, bad values cleared or rows rejected, and logged ---------------------------


def _clean(survey: Path, out: Path) -> dict[str, pd.DataFrame]:
    clean_survey(survey, out)
    return _check_release(out)


def test_implausible_dates_are_cleared_and_logged(released) -> None:
    survey, out = released
    corpus.implausible_dates(survey)
    tables = _clean(survey, out)
    # snapshot 2019-09-30: starts after 2024 and ends after 2069 or before 1990 are cleared
    for row in (3, 4, 5, 6):
        system = _system(tables, row)
        assert (system["contract_start"], system["contract_end"]) == ("", "")
        assert system["contract_end_status"] == "unknown"
        log = _log(tables, row)
        assert log["contract_start"][1:] == ("", "implausible_date")
        assert log["contract_end"][1:] == ("", "implausible_date")
    assert _log(tables, 3)["contract_start"][0] == "2090-01-01T00:00:00"
    assert _log(tables, 3)["contract_end"][0] == "2150-01-01T00:00:00"
    assert _log(tables, 4)["contract_start"][0] == "1899"
    assert _log(tables, 4)["contract_end"][0] == "1970"
    assert _log(tables, 5)["contract_end"][0] == "31/12/2150"
    assert _log(tables, 6)["contract_start"][0] == "01/01/1899"


def test_negative_and_absurd_costs_are_cleared_and_logged(released) -> None:
    survey, out = released
    corpus.bad_costs(survey)
    tables = _clean(survey, out)
    expected = {
        3: ("'-£500", "negative_cost"),
        4: ("£9,999,999,999", "implausible_cost"),
        5: ("'-500", "negative_cost"),
        6: ("9999999999", "implausible_cost"),
    }
    for row, (raw, rule) in expected.items():
        assert _system(tables, row)["annual_cost_gbp"] == ""
        assert _log(tables, row)["annual_cost_gbp"] == (raw, "", rule)


def test_ratings_out_of_range(released) -> None:
    survey, out = released
    corpus.bad_ratings(survey)
    tables = _clean(survey, out)
    system = _system(tables, 3)
    assert (system["satisfaction"], system["value_for_money"]) == ("", "")
    assert _log(tables, 3)["satisfaction"] == ("0", "", "rating_out_of_range")
    assert _log(tables, 3)["value_for_money"] == ("7", "", "rating_out_of_range")
    # a maturity score is required: out of range, the row is rejected (fixture row 4 has 0)
    maturity = _rejected(tables, corpus.CAMDEN, "Maturity")
    assert maturity[5] == ("invalid_required_value", "score", "score '7' is not 1–5")


def test_unicode_and_right_to_left_names_round_trip(released) -> None:
    survey, out = released
    corpus.unicode_names(survey)
    tables = _clean(survey, out)
    system = _system(tables, 3)
    assert system["supplier"] == "Ünïcødé Sølutions"
    assert system["manufacturer"] == "شركة البرمجيات"
    assert system["product"] == "Rocket 🚀 Planner ✨"
    assert system["function"] == "日本語のシステム \u202eRTL override\u202c"
    raw = (out / "systems.csv").read_bytes()
    for text in corpus.UNICODE_NAMES.values():
        assert text.encode("utf-8") in raw
    assert not raw.startswith(b"\xef\xbb\xbf"), "UTF-8 without a byte-order mark"


def test_formula_triggers_are_neutralised_in_every_table(released) -> None:
    survey, out = released
    corpus.formula_triggers(survey)
    tables = _clean(survey, out)  # _check_release: no cell of any CSV starts with a trigger
    source = "'@gla.xlsx"  # the file "@gla.xlsx", as written
    system = _system(tables, 3, source)
    assert system["function"] == "'" + corpus.FORMULA_TEXT["Function"]
    assert system["product"] == "'-Minus Planner"
    assert system["manufacturer"] == "'@Risk Software"
    assert system["supplier"] == "'+Plus Resellers"
    links = tables["integrations"]
    assert "'" + corpus.FORMULA_TEXT["Integrates_with"] not in set(links.linked_name)
    log = _log(tables, 3, source)
    # it names no system of the return: logged, neutralised, never stored without a target
    assert log["integrates_with"] == (
        "'" + corpus.FORMULA_TEXT["Integrates_with"],
        "",
        "integration_not_in_return",
    )
    assert log["annual_cost_gbp"] == ("'=1+1", "", "unreadable_cost")
    assert log["contract_end"] == ("'=TODAY()", "", "unreadable_date")
    assert log["value_for_money"] == ("'@5", "", "unreadable_rating")
    assert set(_gla(tables, "corrections", source).sheet) == {"'=Systems"}
    rejected = _gla(tables, "rejected", source)
    assert list(rejected.sheet) == ["'=Systems"]
    assert list(rejected.detail) == ["'=SUM(A1)' is not in the service-area taxonomy"]
    authorities = tables["authorities"]
    assert authorities.set_index("gss_code").loc["E61000001", "responded"] == "true"


def test_script_tags_are_carried_as_text(released) -> None:
    survey, out = released
    corpus.script_names(survey)
    tables = _clean(survey, out)
    system = _system(tables, 3)
    assert system["supplier"] == corpus.SCRIPT_SUPPLIER
    assert system["function"] == corpus.SCRIPT_FUNCTION
    assert corpus.SCRIPT_SUPPLIER in (out / "systems.csv").read_text(encoding="utf-8")


def test_merged_cells_keep_their_value_in_the_first_row_only(released) -> None:
    survey, out = released
    corpus.merged_cells(survey)
    tables = _clean(survey, out)
    # A merged cell's value lives in its top-left cell; the other rows read blank there.
    assert _system(tables, 3)["service_area"] == "Planning & Building Control"
    assert _system(tables, 3)["supplier"] == "Idox"
    assert _rejected(tables) == {
        4: ("missing_required", "service_area", "required value blank: Service area"),
        5: ("missing_required", "service_area", "required value blank: Service area"),
    }


def test_hidden_rows_are_read_like_any_other(released) -> None:
    survey, out = released
    corpus.hidden_rows(survey)
    tables = _clean(survey, out)
    assert _system(tables, 3)["function"] == "hidden row"
    assert _system(tables, 4)["function"] == "visible row"


def test_formula_cells_read_as_their_cached_value(released) -> None:
    survey, out = released
    corpus.formula_cells(survey)
    tables = _clean(survey, out)
    # Excel saves a formula with its last value: that value is read, as the person saw it.
    assert _system(tables, 3)["annual_cost_gbp"] == "2000"
    assert "annual_cost_gbp" not in _log(tables, 3)
    # A formula never calculated has no value: it reads as a blank cell.
    assert _system(tables, 4)["annual_cost_gbp"] == ""
    assert "annual_cost_gbp" not in _log(tables, 4)
    assert _rejected(tables) == {
        5: ("missing_required", "service_area", "required value blank: Service area")
    }


def test_huge_cell_is_carried_whole(released) -> None:
    survey, out = released
    corpus.huge_cell(survey)
    tables = _clean(survey, out)
    assert _system(tables, 3)["function"] == corpus.HUGE_TEXT
    assert len(corpus.HUGE_TEXT) == 100_000


def test_sheet_names_with_spaces_and_capitals_are_found(released) -> None:
    survey, out = released
    corpus.spaced_sheet_names(survey)
    tables = _clean(survey, out)
    systems = _gla(tables, "systems")
    assert list(systems["product"]) == ["ArcGIS"]
    assert set(_gla(tables, "corrections").sheet) == {" systems "}


def test_white_space_cells_are_blank(released) -> None:
    survey, out = released
    corpus.whitespace_cells(survey)
    tables = _clean(survey, out)
    # row 4 is all white space: a blank row, neither carried nor rejected
    assert list(_gla(tables, "systems").source_row) == ["2", "5"]
    assert _rejected(tables) == {
        3: ("missing_required", "service_area", "required value blank: Service area"),
        6: ("missing_required", "product", "required value blank: System"),
    }
    system = _system(tables, 5)
    assert system["function"] == ""
    assert system["supplier"] == "Esri"
    assert _log(tables, 5)["supplier"][1:] == ("Esri", "supplier_from_manufacturer")


def test_values_beyond_the_header_are_ignored_but_the_row_counted(released) -> None:
    survey, out = released
    corpus.far_right_values(survey)
    tables = _clean(survey, out)
    assert _rejected(tables) == {
        3: ("missing_required", "service_area", "required value blank: Service area, System")
    }
    assert _system(tables, 4)["function"] == "good row"
    text = "".join(path.read_text(encoding="utf-8") for path in out.glob("*.csv"))
    assert "stray" not in text


def test_personal_data_in_public_columns_is_removed(released) -> None:
    survey, out = released
    corpus.personal_in_public_columns(survey)
    tables = _clean(survey, out)  # _check_release: no e-mail or phone anywhere
    text = "\n".join(path.read_text(encoding="utf-8") for path in out.iterdir())
    for value in corpus.PERSONAL_TYPED.values():
        assert value not in text
    for fragment in ("sam.example", "900456", "7946 0999", "pat.person", "7946 0888"):
        assert fragment not in text
    system = _system(tables, 3)
    assert (system["function"], system["supplier"], system["annual_cost_gbp"]) == ("", "", "")
    log = _log(tables, 3)
    assert log["function"] == ("[removed]", "", "personal_data_removed")
    assert log["supplier"] == ("[removed]", "", "personal_data_removed")
    assert log["annual_cost_gbp"] == ("[removed]", "", "unreadable_cost")
    # the e-mail among the integrations is dropped; the real link stays
    links = tables["integrations"]
    row4 = _system(tables, 4)["record_id"]
    assert list(links[links.record_id == row4].linked_name) == ["ArcGIS"]
    assert _log(tables, 4)["linked_name"] == ("[removed]", "", "personal_data_removed")
    rejected = _rejected(tables)
    assert rejected[5][:2] == ("personal_data", "product")
    assert rejected[6] == ("unknown_service_area", "service_area", "[removed]")


@pytest.mark.slow
def test_fifty_thousand_rows(released) -> None:
    survey, out = released
    corpus.many_rows(survey, 50_000)
    result = clean_survey(survey, out)
    gla = [a for a in result.accounts if a.source_file == corpus.GLA]
    assert [(a.read, a.carried, a.rejected) for a in gla] == [(50_000, 50_000, 0)]
    with (out / "systems.csv").open(encoding="utf-8") as handle:
        # header, the GLA rows, Camden's rows 3, 5 and 9 (6 to 8 are rejected)
        assert sum(1 for _ in handle) == 1 + 50_000 + 3
    # How long this takes is measured by `citytools benchmark`, not asserted here.


# --- an authority given as a parameter --------------------------------------------------------


def test_authority_parameter_accepts_only_a_gss_code() -> None:
    reference = load_reference()
    assert validate_authority_code("E09000007", reference) == "E09000007"
    assert validate_authority_code("E61000001", reference) == "E61000001"


@pytest.mark.parametrize(
    "code",
    [
        "../../etc",
        "",
        "E09000999",
        "e09000007 ",
        "e09000007",
        " E09000007",
        "Camden",
        "E09000007/../../etc",
        "E09000007\x00",
        None,
        9000007,
    ],
)
def test_authority_parameter_refuses_anything_else(code: object) -> None:
    with pytest.raises(ValueError, match="is not the GSS code of a London authority"):
        validate_authority_code(code, load_reference())


def test_authority_parameter_hints_at_the_code_meant() -> None:
    with pytest.raises(ValueError, match="did you mean 'E09000007'"):
        validate_authority_code("e09000007 ", load_reference())
