"""The benchmark's floors: notebooks that only set a parameter, or only import, through the pool."""

from __future__ import annotations

import nbformat

from citytools_analysis.build import benchmark
from citytools_analysis.core.paths import NOTEBOOKS_DIR


def test_import_lines_are_a_notebooks_imports_as_written():
    lines = benchmark.import_lines(NOTEBOOKS_DIR / "explore_1_systems.ipynb")
    assert lines and all(line.startswith(("import ", "from ")) for line in lines)
    assert any("citytools_analysis.report" in line for line in lines)


def test_the_floors_run_as_many_notebooks_as_given_and_only_set_a_parameter(tmp_path):
    sources = [NOTEBOOKS_DIR / "explore_1_systems.ipynb"] * 2
    floors = benchmark.measure_floors(tmp_path, sources, 1)
    assert [floor.label for floor in floors] == [
        f"London: {label}, {kernels} (2 notebooks)"
        for kernels in ("fresh kernels", "forked kernels")
        for label in ("bare floor", "import floor")
    ]
    for floor in floors:
        assert floor.executed == 2 and floor.code == 0, floor.notes
        assert floor.seconds > 0
    cells = nbformat.read(tmp_path / "floors" / "bare.ipynb", as_version=4).cells
    assert [cell.source for cell in cells] == ["value = 0"]
    with_imports = nbformat.read(tmp_path / "floors" / "imports-00.ipynb", as_version=4).cells
    assert with_imports[1].source.splitlines() == benchmark.import_lines(sources[0])
    for kernels in ("fresh-kernels", "forked-kernels"):
        executed = nbformat.read(
            tmp_path / "floors" / kernels / "import-floor" / "001.ipynb", as_version=4
        )
        assert executed.metadata["papermill"]["parameters"] == {"value": 1}


def test_the_snapshot_keeps_the_packages_build_layer(tmp_path):
    # "build" is left out at the top (setuptools' output) but not inside the package: the
    # copy must run its own build layer, not the installed project's.
    copy = benchmark.snapshot_project(tmp_path / "copy")
    assert (copy / "citytools_analysis" / "build" / "benchmark.py").is_file()
    assert not (copy / "tests").exists()


def test_repeated_measures_are_reported_by_their_median_run():
    def measure(label: str, seconds: float, notes: str = "") -> benchmark.Measure:
        return benchmark.Measure(label, seconds, executed=1, reused=0, code=0, notes=notes)

    runs = [
        [measure("London: cold build", 60.0), measure("London: one changed return", 20.0, "x")],
        [measure("London: cold build", 50.0), measure("London: one changed return", 30.0, "x")],
        [measure("London: cold build", 70.0), measure("London: one changed return", 25.0, "x")],
    ]
    measures = benchmark.with_medians(runs)
    assert [m.label for m in measures[:2]] == [
        "London: cold build [run 1]",
        "London: one changed return [run 1]",
    ]
    cold, changed = measures[-2:]
    assert (cold.label, cold.seconds) == ("London: cold build", 60.0)
    assert (changed.label, changed.seconds) == ("London: one changed return", 25.0)
    assert changed.notes == "x; median of 3 runs (20.0, 30.0, 25.0 s)"
    report = benchmark._report(measures, [])
    assert "One changed return / cold build: 41.7%" in report  # 25 / 60, the medians


def test_a_cold_measure_reads_back_nothing_an_earlier_build_stored(tmp_path, monkeypatch):
    from citytools_analysis.core import paths

    stores = {
        "FINDINGS_STORE": tmp_path / ".findings.pickle",
        "COMPARISON_STORE": tmp_path / ".comparison.pickle",
        "RETURNS_STORE": tmp_path / ".returns",
    }
    for name, store in stores.items():
        monkeypatch.setattr(paths, name, store)
    stores["FINDINGS_STORE"].write_bytes(b"findings")
    stores["COMPARISON_STORE"].write_bytes(b"comparison")
    (stores["RETURNS_STORE"] / "one").mkdir(parents=True)
    benchmark.without_stores()
    assert not any(store.exists() for store in stores.values())
    benchmark.without_stores()  # nothing there: nothing to do
