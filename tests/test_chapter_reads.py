"""A chapter that declares what it reads sees only that, and the build keys it on only that.

The release used is a copy of the committed ``data/processed/``; the changes made to it are
the kind a corrected return makes (one contract's end date, one skill level).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from citytools_analysis.build import chapter_keys
from citytools_analysis.build.pipeline import job_key
from citytools_analysis.build.plan import plan_explorers, plan_notebooks
from citytools_analysis.core.parameters import report_parameters
from citytools_analysis.core.paths import NOTEBOOKS_DIR, PROCESSED_DIR
from citytools_analysis.metrics.findings_store import (
    chapter_findings,
    chapter_parameters,
    write_findings_store,
)
from citytools_analysis.release.processed import load_processed
from citytools_analysis.report import (
    contracts_chapter,
    explorer,
    reads,
    satisfaction_chapter,
    skills_chapter,
)
from citytools_analysis.report.chapter import open_chapter

SKILLS_ONLY = reads.ChapterReads({"skills": ("gss_code", "level")}, ("peer_support",))


@pytest.fixture
def release(tmp_path: Path) -> Path:
    folder = tmp_path / "processed"
    shutil.copytree(PROCESSED_DIR, folder)
    return folder


@pytest.fixture
def opened(release: Path):
    chapter = open_chapter(release, reads=SKILLS_ONLY, findings_store=None)
    yield chapter
    reads.release(release)


def _edit(folder: Path, table: str, row_id: tuple[str, str], column: str, value: str) -> None:
    """Change one cell of a release table in place, as a corrected return would."""
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    key, wanted = row_id
    rows = frame.index[frame[key] == wanted]
    assert len(rows) >= 1, f"{wanted} not in {table}"
    assert frame.at[rows[0], column] != value
    frame.at[rows[0], column] = value
    frame.to_csv(path, index=False)


def test_a_declared_chapter_sees_its_columns_only(opened) -> None:
    assert list(opened.data.skills.columns) == ["gss_code", "level"]
    assert len(opened.data.skills) == len(load_processed(PROCESSED_DIR).skills)
    with pytest.raises(reads.UndeclaredRead, match="'systems'"):
        len(opened.data.systems)
    with pytest.raises(KeyError):
        opened.data.skills["skill_area"]


def test_a_declared_chapter_sees_its_findings_only(opened) -> None:
    assert isinstance(opened.found.peer_support, pd.DataFrame)
    assert opened.as_of == opened.found.as_of  # the parameters are always readable
    with pytest.raises(reads.UndeclaredRead, match="findings.renewal"):
        _ = opened.found.renewal


def test_a_declared_chapter_cannot_read_the_release_folder_itself(opened) -> None:
    folder = opened.processed_dir
    with pytest.raises(reads.UndeclaredRead, match="systems.csv"):
        pd.read_csv(folder / "systems.csv")
    # The files every source line consults stay readable.
    assert (folder / "datapackage.json").read_text(encoding="utf-8").startswith("{")
    assert (folder / "corrections.csv").read_bytes()


def test_the_guard_ends_when_the_folder_is_released(release: Path) -> None:
    open_chapter(release, reads=SKILLS_ONLY, findings_store=None)
    reads.release(release)
    assert len(pd.read_csv(release / "systems.csv")) > 0


def test_an_explorer_page_opens_its_columns_only(release: Path) -> None:
    try:
        data = reads.open_release(release, explorer.SUPPLIERS_READS)
        assert list(data.systems.columns) == list(explorer.SUPPLIERS_READS.tables["systems"])
        with pytest.raises(reads.UndeclaredRead):
            _ = data.authorities.columns
    finally:
        reads.release(release)
    with pytest.raises(ValueError, match="no findings"):
        reads.open_release(release, SKILLS_ONLY)


def _fingerprint(folder: Path, declared: reads.ChapterReads) -> str:
    """The fingerprint of ``declared`` on the release as it now is (its findings stored
    beside it, computed again only when the release changed)."""
    store = folder.parent / "findings.pickle"
    write_findings_store(folder, report_parameters(), store)
    data = load_processed(folder)
    found = chapter_findings(data, folder, report_parameters(), store)
    return reads.fingerprint(declared, data, folder, found)


def test_the_fingerprint_follows_the_declared_columns_only(release: Path) -> None:
    before = _fingerprint(release, SKILLS_ONLY)
    contracts_before = _fingerprint(release, contracts_chapter.READS)
    # A contract end date moves: not a column the skills reader declares.
    systems = pd.read_csv(release / "systems.csv", dtype=str, keep_default_na=False)
    dated = systems[systems["contract_end"] != ""].iloc[0]
    _edit(release, "systems", ("record_id", dated["record_id"]), "contract_end", "2031-03-31")
    assert _fingerprint(release, SKILLS_ONLY) == before
    assert _fingerprint(release, contracts_chapter.READS) != contracts_before
    # A skill level changes: declared.
    skills = pd.read_csv(release / "skills.csv", dtype=str, keep_default_na=False)
    skills.at[0, "level"] = "1" if skills.at[0, "level"] != "1" else "2"
    skills.to_csv(release / "skills.csv", index=False)
    assert _fingerprint(release, SKILLS_ONLY) != before


def test_the_fingerprint_covers_the_files_a_chapter_may_open(release: Path) -> None:
    before = _fingerprint(release, SKILLS_ONLY)
    package = release / "datapackage.json"
    package.write_text(package.read_text(encoding="utf-8").replace("SYNTHETIC", "synthetic"))
    assert _fingerprint(release, SKILLS_ONLY) != before


def test_each_chapter_notebook_declares_its_modules_reads() -> None:
    _, chapters = plan_notebooks(NOTEBOOKS_DIR, Path("unused"))
    declared = {job.source.name: chapter_keys.declared_reads(job.source) for job in chapters}
    assert declared["06_satisfaction.ipynb"] == (satisfaction_chapter.READS, True)
    assert declared["07_skills_and_peer_support.ipynb"] == (skills_chapter.READS, True)
    # The chapters that compare rounds read the whole release (and the round before).
    for whole in ("00_executive_summary.ipynb", "10_recommendations.ipynb"):
        assert declared[whole] is None
    assert declared["13_changes_since_last_round.ipynb"] is None
    explorers = {
        job.source.name: chapter_keys.declared_reads(job.source)
        for job in plan_explorers(NOTEBOOKS_DIR, Path("unused"))
    }
    assert explorers["explore_3_suppliers.ipynb"] == (explorer.SUPPLIERS_READS, False)


def _notebook(folder: Path, code: str) -> Path:
    path = folder / "chapter.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code)]
    nbformat.write(notebook, path)
    return path


def test_a_declaration_the_build_cannot_resolve_is_refused(tmp_path: Path) -> None:
    inline = _notebook(
        tmp_path,
        "from citytools_analysis.report.chapter import open_chapter\n"
        "chapter = open_chapter('data/processed', reads=make_reads())\n",
    )
    with pytest.raises(chapter_keys.UnreadableDeclaration, match="must name"):
        chapter_keys.declared_reads(inline)


def test_a_notebook_without_a_declaration_reads_the_whole_release(tmp_path: Path) -> None:
    whole = _notebook(
        tmp_path,
        "from citytools_analysis.report import skills_chapter\n"
        "from citytools_analysis.report.chapter import open_chapter\n"
        "chapter = open_chapter('data/processed')\n",
    )
    assert chapter_keys.declared_reads(whole) is None


def test_a_moved_contract_end_re_keys_only_the_pages_that_read_it(
    release: Path, tmp_path: Path
) -> None:
    offered = {"processed_dir": str(release)}
    _, chapters = plan_notebooks(NOTEBOOKS_DIR, tmp_path / "generated", offered)
    jobs = chapters + plan_explorers(NOTEBOOKS_DIR, tmp_path / "generated", offered)
    store = tmp_path / "findings.pickle"

    def keys() -> dict[str, str]:
        write_findings_store(release, report_parameters(), store)
        keyed = chapter_keys.keyed_on_reads(jobs, store)
        return {job.source.name: job_key(job, package="code") for job in keyed}

    before = keys()
    _edit(release, "systems", ("record_id", "E09000003-00003"), "contract_end", "2026-03-31")
    after = keys()
    changed = {name for name in before if before[name] != after[name]}
    # Pages that show contract ends, or findings built on them, run again ...
    assert {
        "04_contracts_and_expiry.ipynb",
        "05_collaboration.ipynb",
        "explore_1_systems.ipynb",
        "explore_4_contracts.ipynb",
        "00_executive_summary.ipynb",
    } <= changed
    # ... the pages that show neither are reused.
    assert {
        "06_satisfaction.ipynb",
        "07_skills_and_peer_support.ipynb",
        "08_digital_maturity.ipynb",
        "explore_2_who_uses_what.ipynb",
        "explore_3_suppliers.ipynb",
    }.isdisjoint(changed)


DECLARED = sorted(
    job.source
    for job in plan_notebooks(NOTEBOOKS_DIR, Path("unused"))[1]
    if chapter_keys.declared_reads(job.source) is not None
)


EARLIER = PROCESSED_DIR.parent / "releases" / "2019"


@pytest.fixture(scope="module")
def earlier_findings(tmp_path_factory) -> Path:
    """The round before's findings, stored once for every run of this module's chapters."""
    store = tmp_path_factory.mktemp("findings") / "findings.pickle"
    write_findings_store(EARLIER, report_parameters(), store)
    return store


def _shown(
    notebook: Path, release: Path, monkeypatch, whole: bool, store: Path | None = None
) -> list[tuple]:
    """What a chapter notebook shows (text, tables, alt text and source lines; figures
    stand for themselves by those), run in this process on ``release``."""
    import matplotlib.pyplot as plt

    from citytools_analysis.report import chapter as chapter_module
    from citytools_analysis.report import section as section_module

    opened = chapter_module.open_chapter
    shown: list[tuple] = []

    def record(piece) -> None:
        tables = [piece.table] + [m for m in piece.more if isinstance(m, pd.DataFrame)]
        nested = [m for m in piece.more if not isinstance(m, pd.DataFrame)]
        shown.append(
            (piece.text, piece.html, piece.alt, piece.source, piece.figure is None)
            + tuple(None if t is None else t.to_csv() for t in tables)
        )
        for inner in nested:
            record(inner)

    def open_as_declared_or_whole(*args, **kwargs):
        if whole:
            kwargs.pop("reads", None)
        return opened(*args, **{**kwargs, "findings_store": store})

    monkeypatch.setattr(chapter_module, "open_chapter", open_as_declared_or_whole)
    monkeypatch.setattr(section_module, "show", record)
    namespace: dict = {}
    try:
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "code":
                exec(cell.source, namespace)  # noqa: S102 - the project's own notebook
                if "parameters" in cell.metadata.get("tags", []):
                    namespace["processed_dir"] = str(release)  # as papermill would inject
                plt.close("all")
    finally:
        reads.release(release)
    return shown


@pytest.mark.parametrize("notebook", DECLARED, ids=lambda path: path.stem)
def test_a_declared_chapter_shows_what_the_whole_release_shows(
    notebook, monkeypatch, earlier_findings
) -> None:
    """On a release the declarations were not made from (the round before), each declared
    chapter shows exactly what it shows given the whole release."""
    declared = _shown(notebook, EARLIER, monkeypatch, whole=False, store=earlier_findings)
    assert declared, f"{notebook.name} showed nothing"
    assert declared == _shown(notebook, EARLIER, monkeypatch, whole=True, store=earlier_findings)


def test_asking_for_a_withheld_column_raises_instead_of_answering_no(release: Path) -> None:
    from citytools_analysis.metrics import coverage
    from citytools_analysis.release.processed import WithheldColumn, has_column

    whole = load_processed(release)
    view = reads.project(whole, reads.ChapterReads({"systems": ("record_id", "gss_code")}))
    assert has_column(whole.systems, "source") and not has_column(whole.systems, "nothing")
    assert has_column(view.systems, "gss_code") and not has_column(view.systems, "nothing")
    with pytest.raises(WithheldColumn, match="'source'"):
        has_column(view.systems, "source")
    # So a metric that treats a missing column as an older release cannot be misled.
    with pytest.raises(WithheldColumn):
        coverage.system_sources(view.systems[view.systems["gss_code"] == "E09000003"])
    # A declared column the release lacks (an older release) is absent, not withheld.
    older = replace(whole, systems=whole.systems.drop(columns=["source"]))
    declared = reads.ChapterReads({"systems": ("record_id", "source")})
    assert not has_column(reads.project(older, declared).systems, "source")
    assert (coverage.system_sources(reads.project(older, declared).systems) == "survey").all()


NO_FINDINGS = reads.ChapterReads({"maturity": ("gss_code", "dimension", "score")}, ())


def test_a_chapter_that_declares_no_finding_neither_computes_nor_reads_them(
    release: Path, monkeypatch
) -> None:
    from citytools_analysis.metrics.findings import collect_findings
    from citytools_analysis.report import chapter as chapter_module

    def refused(*args, **kwargs):
        raise AssertionError("the findings were asked for")

    found = collect_findings(load_processed(release))
    monkeypatch.setattr(chapter_module, "chapter_findings", refused)
    opened = open_chapter(release, reads=NO_FINDINGS, findings_store=None)
    try:
        for name in reads.PARAMETER_FIELDS:  # what such a chapter may still show
            assert getattr(opened.found, name) == getattr(found, name)
        with pytest.raises(reads.UndeclaredRead):
            opened.found.counts  # noqa: B018 - the read is what is tested
    finally:
        reads.release(release)


def test_a_chapter_that_declares_no_finding_is_keyed_as_before_and_runs_before_them(
    release: Path,
) -> None:
    # Keyed on the findings' parameters alone: the same key as when the findings were
    # computed for it, so a build after this change does not re-run it for nothing.
    data = load_processed(release)
    computed = chapter_findings(data, release, report_parameters(), None)
    with_parameters = reads.fingerprint(
        NO_FINDINGS,
        data,
        release,
        chapter_parameters(data, report_parameters()),
    )
    assert with_parameters == reads.fingerprint(NO_FINDINGS, data, release, computed)
    # The build hands such chapters out with the explorers, before the findings exist.
    needs = {path.name: chapter_keys.reads_findings(path) for path in NOTEBOOKS_DIR.glob("*")}
    assert needs["08_digital_maturity.ipynb"] is False
    assert needs["02_overview.ipynb"] is False
    assert needs["explore_1_systems.ipynb"] is False
    assert needs["03_market_and_suppliers.ipynb"] is True
    assert needs["00_executive_summary.ipynb"] is True  # reads the whole release
