"""Tests for the chart theme, the figure checks, the figure output and the tile map."""

from __future__ import annotations

import base64
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from citytools_analysis.core.paths import REFERENCE_DIR  # noqa: E402
from citytools_analysis.core.reference import load_reference  # noqa: E402
from citytools_analysis.report import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def authorities() -> pd.DataFrame:
    return load_reference(REFERENCE_DIR).authorities


def _labelled_figure():
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [1, 2])
    ax.set_title("Systems by area")
    ax.set_xlabel("Service area")
    ax.set_ylabel("Systems (count)")
    return fig


def test_apply_theme_sets_palette_and_width():
    plots.apply_theme()
    cycle = [mcolors.to_hex(c).upper() for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
    assert plt.rcParams["figure.figsize"][0] == plots.FIGURE_WIDTH


def test_sequential_colormap_runs_light_to_dark():
    cmap = plots.sequential_colormap()
    assert mcolors.to_hex(cmap(0.0)).upper() == "#6BACE6"
    assert mcolors.to_hex(cmap(1.0)).upper() == "#12436D"


def test_show_figure_rejects_missing_title():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    ax.set_xlabel("x (count)")
    ax.set_ylabel("y (count)")
    with pytest.raises(ValueError, match="title"):
        plots.show_figure(fig, alt="A line", source="test")


@pytest.mark.parametrize("missing", ["x", "y"])
def test_show_figure_rejects_missing_axis_label(missing):
    fig = _labelled_figure()
    getattr(fig.axes[0], f"set_{missing}label")("")
    with pytest.raises(ValueError, match=f"no {missing} label"):
        plots.show_figure(fig, alt="Bars", source="test")


def test_show_figure_requires_alt_text():
    with pytest.raises(ValueError, match="alt"):
        plots.show_figure(_labelled_figure(), alt="  ", source="test")


def test_show_figure_displays_once_and_returns_nothing(monkeypatch):
    shown = []
    monkeypatch.setattr(plots, "display", shown.append)
    assert plots.show_figure(_labelled_figure(), alt="Bars", source="test") is None
    assert len(shown) == 1 and repr(shown[0]) == "Figure: Bars"


def test_figure_output_is_img_with_alt_and_source_and_closes_figure():
    fig = _labelled_figure()
    output = plots.figure_output(fig, alt='Two bars: "a" is 1, b is 2', source="City Tools survey")
    page = output._repr_html_()
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)
    assert 'alt="Two bars: &quot;a&quot; is 1, b is 2"' in page
    assert "<figcaption>Source: City Tools survey</figcaption>" in page
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", page).group(1)
    assert base64.b64decode(encoded).startswith(b"\x89PNG")
    assert fig.number not in plt.get_fignums()
    assert repr(output) == 'Figure: Two bars: "a" is 1, b is 2'


def test_figure_png_is_the_same_on_every_render():
    fig = _labelled_figure()
    first = plots.figure_png(fig)
    assert plots.figure_png(fig) == first
    assert b"Software" not in first and b"matplotlib" not in first.lower()


def test_add_source_writes_a_source_line():
    fig = _labelled_figure()
    plots.add_source(fig, "City Tools survey")
    assert [text.get_text() for text in fig.texts] == ["Source: City Tools survey"]


def _square(fig, gss_code):
    squares = [patch for patch in fig.axes[0].patches if patch.get_gid() == gss_code]
    assert len(squares) == 1, gss_code
    return squares[0]


def test_tile_map_places_camden_at_its_reference_tile(authorities):
    # data/raw/reference/authorities.csv: Camden E09000007 at tile_row 2, tile_col 3;
    # Sutton E09000029 at row 6, col 3. Row 0 is the top: the y axis runs downwards.
    values = pd.DataFrame({"gss_code": ["E09000007", "E09000029"], "systems": [40, 10]})
    fig = plots.tile_map(
        values,
        authorities=authorities,
        value_column="systems",
        title="Systems",
        value_label="Systems (count)",
    )
    camden = _square(fig, "E09000007")
    assert camden.get_x() + camden.get_width() / 2 == pytest.approx(3.5)
    assert camden.get_y() + camden.get_height() / 2 == pytest.approx(2.5)
    sutton = _square(fig, "E09000029")
    assert sutton.get_y() + sutton.get_height() / 2 == pytest.approx(6.5)
    assert fig.axes[0].yaxis_inverted()
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert "CMD" in texts and "40" in texts and "10" in texts
    # the larger value is the darker square
    assert mcolors.to_hex(camden.get_facecolor()).upper() == "#12436D"
    assert mcolors.to_hex(sutton.get_facecolor()).upper() != "#12436D"


def test_tile_map_draws_every_authority_and_the_gla_beside_the_grid(authorities):
    values = pd.DataFrame({"gss_code": ["E09000007"], "systems": [5]})
    fig = plots.tile_map(
        values,
        authorities=authorities,
        value_column="systems",
        title="Systems",
        value_label="Systems (count)",
    )
    squares = [patch for patch in fig.axes[0].patches if patch.get_gid()]
    assert len(squares) == 34
    gla = _square(fig, "E61000001")
    assert gla.get_x() > 8  # right of the last grid column (7)
    assert "GLA" in [text.get_text() for text in fig.axes[0].texts]
    # no value: grey and hatched, so "no data" is not only a colour
    hackney = _square(fig, "E09000012")
    assert mcolors.to_hex(hackney.get_facecolor()).upper() == plots.NO_DATA_COLOUR
    assert hackney.get_hatch() == "///"
    plots.check_figure(fig)  # title and labelled colour bar: passes the figure check


def test_tile_map_outlines_the_highlighted_authority(authorities):
    values = pd.DataFrame({"gss_code": ["E09000007", "E09000012"], "systems": [5, 6]})
    fig = plots.tile_map(
        values,
        authorities=authorities,
        value_column="systems",
        title="Systems",
        value_label="Systems (count)",
        highlight="E09000012",
    )
    assert _square(fig, "E09000012").get_linewidth() > _square(fig, "E09000007").get_linewidth()


def test_ranked_bar_chart_puts_largest_total_first_and_labels_totals():
    table = pd.DataFrame(
        {"area": ["Finance", "Housing", "Waste"], "Frontline": [0, 3, 1], "Corporate": [2, 2, 0]}
    )
    fig = plots.ranked_bar_chart(
        table,
        category="area",
        series=["Frontline", "Corporate"],
        title="Systems by area",
        xlabel="Systems (count)",
        ylabel="Service area",
    )
    ax = fig.axes[0]
    # totals: Housing 5, Finance 2, Waste 1; the y axis is inverted so the first tick is on top
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["Housing", "Finance", "Waste"]
    assert ax.yaxis_inverted()
    assert [text.get_text().strip() for text in ax.texts] == ["5", "2", "1"]
    plots.check_figure(fig)


def test_table_html_drops_index_and_separates_thousands():
    table = pd.DataFrame({"Sheet": ["Systems", "Skills"], "Rows read": [1234, 7]}, index=[5, 9])
    page = plots.table_html(table)
    assert "<td>1,234</td>" in page and "<td>7</td>" in page
    assert "<td>5</td>" not in page and "<th>5</th>" not in page  # no index
    assert "<th>Rows read</th>" in page
    assert plots.table_html(table) == page


def test_tile_map_writes_a_note_under_each_value(authorities):
    values = pd.DataFrame(
        {
            "gss_code": ["E09000007", "E09000029"],
            "systems": [40, 10],
            "from": ["Survey", "Register"],
        }
    )
    fig = plots.tile_map(
        values,
        authorities=authorities,
        value_column="systems",
        title="Systems",
        value_label="Systems (count)",
        note_column="from",
    )
    texts = {text.get_text(): text.get_position() for text in fig.axes[0].texts}
    # Camden (row 2, col 3): its note sits below its value, inside its square (y runs down).
    assert texts["Survey"][0] == pytest.approx(3.5)
    assert texts["40"][1] < texts["Survey"][1] < 3.0
    # Squares without a note get none: one "Survey" and one "Register" in all.
    words = [text.get_text() for text in fig.axes[0].texts]
    assert words.count("Survey") == 1 and words.count("Register") == 1


# --- the theme without scipy.stats or scipy.cluster: the same rcParams, the same PNG bytes --

_THEMED_FIGURE = """
import hashlib, json, sys
{first}
import pandas as pd
import matplotlib
from citytools_analysis.report import plots
plots.apply_theme()
table = pd.DataFrame({{"supplier": ["Civica", "Capita", "Idox"], "kept": [5, 3, 2],
                      "ended": [1, 2, 0]}})
fig = plots.ranked_bar_chart(table, category="supplier", series=["kept", "ended"],
                             title="Systems per supplier", xlabel="Systems (count)",
                             ylabel="Supplier")
params = {{key: str(value) for key, value in matplotlib.rcParams.items()}}
print(json.dumps({{"stats_imported": "scipy.stats" in sys.modules,
                  "cluster_imported": "scipy.cluster" in sys.modules,
                  "rc": hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest(),
                  "png": hashlib.sha256(plots.figure_png(fig)).hexdigest()}}))
"""


def _themed(first: str) -> dict:
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _THEMED_FIGURE.format(first=first)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_theme_does_not_import_scipy_stats_and_draws_the_same_figure():
    light = _themed("")
    usual = _themed("import scipy.stats, seaborn  # seaborn imported the usual way")
    assert light["stats_imported"] is False and usual["stats_imported"] is True
    assert light["cluster_imported"] is False and usual["cluster_imported"] is True
    assert light["rc"] == usual["rc"] and light["png"] == usual["png"]
