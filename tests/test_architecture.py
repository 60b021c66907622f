"""The package's layers are a contract: import-linter checks it on every test run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from citytools_analysis.core.paths import PROJECT_ROOT

LAYERS = ("core", "ingest", "release", "metrics", "report", "build", "synth")


def _lint_imports() -> subprocess.CompletedProcess:
    executable = Path(sys.executable).with_name("lint-imports")
    command = (
        [str(executable)]
        if executable.exists()
        else [shutil.which("lint-imports") or "lint-imports"]
    )
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_every_layer_is_a_subpackage_with_a_docstring():
    package = PROJECT_ROOT / "citytools_analysis"
    for layer in LAYERS:
        init = package / layer / "__init__.py"
        assert init.exists(), layer
        assert init.read_text().startswith('"""'), f"{layer}/__init__.py says what the layer is"
    flat = sorted(p.name for p in package.glob("*.py") if p.name not in {"__init__.py", "cli.py"})
    assert flat == [], f"modules outside a layer: {flat}"


def test_import_contracts_are_kept():
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_cycle_breaks_the_contract(tmp_path):
    """The checker is live: a copy of the package with a metrics module importing the
    report layer (and a cycle inside metrics) fails it."""
    copy = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT / "citytools_analysis",
        copy / "citytools_analysis",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(PROJECT_ROOT / "pyproject.toml", copy / "pyproject.toml")
    findings = copy / "citytools_analysis" / "metrics" / "findings.py"
    findings.write_text(
        findings.read_text()
        + "\nfrom citytools_analysis.metrics import headline  # noqa\n"
        + "from citytools_analysis.report import plots  # noqa\n"
    )
    executable = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(executable) if executable.exists() else "lint-imports"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(copy), "PATH": str(executable.parent)},
    )
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "Layers" in result.stdout and "No cycles" in result.stdout
    assert result.stdout.count("BROKEN") == 2, result.stdout


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
