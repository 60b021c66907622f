"""The report's parameters are configured once, read by the package and shared by chapters."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.parameters import (
    PARAMETERS_FILE,
    ReportParameters,
    load_report_parameters,
    report_parameters,
)
from citytools_analysis.core.paths import NOTEBOOKS_DIR, REFERENCE_DIR
from citytools_analysis.metrics.recommendations import Thresholds

CONFIGURED = ("horizon_years", "window_months", "min_authorities")


def _copy_reference(tmp_path):
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    return folder


def test_the_file_gives_every_parameter_its_type():
    table = pd.read_csv(REFERENCE_DIR / PARAMETERS_FILE, dtype=str, keep_default_na=False)
    assert sorted(table["parameter"]) == sorted(ReportParameters.__dataclass_fields__)
    assert table["meaning"].str.len().min() > 20
    parameters = load_report_parameters()
    assert isinstance(parameters.horizon_years, int) and isinstance(parameters.alpha, float)


def test_overrides_replace_only_given_values():
    configured = load_report_parameters()
    chosen = report_parameters(horizon_years=5, window_months=None, as_of="")
    assert chosen.horizon_years == 5
    assert chosen.window_months == configured.window_months
    assert chosen.as_of == configured.as_of


def test_thresholds_default_to_the_configured_values(tmp_path):
    configured = load_report_parameters()
    assert Thresholds() == Thresholds.from_parameters(configured)
    folder = _copy_reference(tmp_path)
    table = pd.read_csv(folder / PARAMETERS_FILE, dtype=str, keep_default_na=False)
    table.loc[table["parameter"] == "min_hhi", "value"] = "1800"
    table.to_csv(folder / PARAMETERS_FILE, index=False)
    assert Thresholds.from_parameters(load_report_parameters(folder)).min_hhi == 1800.0


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t[t["parameter"] != "alpha"], "missing: ['alpha']"),
        (
            lambda t: t.assign(value=t["value"].where(t["parameter"] != "top_n", "ten")),
            "'top_n' is not a valid int",
        ),
        (
            lambda t: t.assign(type=t["type"].where(t["parameter"] != "top_n", "colour")),
            "unknown type 'colour'",
        ),
    ],
)
def test_a_broken_parameter_file_names_the_file_and_the_parameter(tmp_path, change, message):
    folder = _copy_reference(tmp_path)
    table = pd.read_csv(folder / PARAMETERS_FILE, dtype=str, keep_default_na=False)
    change(table).to_csv(folder / PARAMETERS_FILE, index=False)
    with pytest.raises(SurveyInputError) as raised:
        load_report_parameters(folder)
    assert message in str(raised.value)
    assert raised.value.file.endswith(PARAMETERS_FILE)


def test_no_chapter_repeats_a_configured_value():
    """Parameters cells leave the configured parameters as None: one place for the values."""
    for notebook in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        tagged = [cell for cell in cells if "parameters" in cell["metadata"].get("tags", [])]
        assert len(tagged) == 1, notebook.name
        source = "".join(tagged[0]["source"])
        for name in CONFIGURED:
            for line in source.splitlines():
                if line.startswith(f"{name} ="):
                    assert line == f"{name} = None", f"{notebook.name}: {line}"
