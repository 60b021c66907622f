"""Tests for the chapters' charts: titles and labels, order, shapes, fit direction, layout."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from citytools_analysis.report import (
    charts,
    plots,  # noqa: E402
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labels(ax, axis="y") -> list[str]:
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [tick.get_text() for tick in ticks]


SHARES = pd.DataFrame(
    {
        "supplier": ["Civica", "Idox", "Capita", "Oracle"],
        "systems": [5, 3, 1, 1],
        "share": [0.5, 0.3, 0.1, 0.1],
    }
)


def test_share_bars_keep_the_data_order_largest_on_top_with_percent_labels():
    fig = charts.share_bars(
        SHARES, by="supplier", top=3, title="Largest suppliers", ylabel="Supplier"
    )
    plots.check_figure(fig)
    ax = fig.axes[0]
    assert "Largest suppliers" in {ax.get_title(loc) for loc in ("left", "center")}
    assert ax.get_xlabel() == "Share of systems (%)" and ax.get_ylabel() == "Supplier"
    assert _labels(ax) == ["Civica", "Idox", "Capita"]  # top 3 only, in the data's order
    assert ax.yaxis_inverted()  # first row at the top
    assert [round(bar.get_width(), 3) for bar in ax.patches] == [0.5, 0.3, 0.1]
    assert {"50.0%", "30.0%", "10.0%"} <= {text.get_text().strip() for text in ax.texts}


def test_ranked_value_bars_follow_a_reordered_table():
    table = SHARES.iloc[[3, 0, 2]]  # any order the caller chose is kept
    fig = charts.ranked_value_bars(
        table,
        category="supplier",
        value="systems",
        value_format="{:.0f}",
        title="t",
        xlabel="Systems (count)",
        ylabel="Supplier",
        reference=2,
        reference_label="two",
    )
    ax = fig.axes[0]
    assert _labels(ax) == ["Oracle", "Civica", "Capita"]
    assert [bar.get_width() for bar in ax.patches] == [1, 5, 1]
    assert any(line.get_xdata()[0] == 2 for line in ax.lines)  # the reference line


def test_concentration_bars_draw_the_threshold_and_rank_by_hhi():
    table = pd.DataFrame(
        {
            "service_area": ["Finance", "Planning"],
            "systems": [10, 8],
            "suppliers": [4, 1],
            "hhi": [3000.0, 10000.0],
        }
    )
    fig = charts.concentration_bars(table, threshold=2500, title="Concentration")
    plots.check_figure(fig)
    ax = fig.axes[0]
    assert _labels(ax) == ["Planning", "Finance"]
    assert any(line.get_xdata()[0] == 2500 for line in ax.lines)


def test_quarters_between_covers_the_horizon_and_stops_before_its_end():
    # 2019-09-30 is in Q3; the horizon's last day, 2022-09-29, is in 2022 Q3: 13 quarters.
    quarters = charts.quarters_between(pd.Timestamp("2019-09-30"), pd.Timestamp("2022-09-30"))
    assert quarters[0] == "2019 Q3" and quarters[-1] == "2022 Q3" and len(quarters) == 13
    # A one-year horizon from 1 October: 2019 Q4 to 2020 Q3.
    assert charts.quarters_between(pd.Timestamp("2019-10-01"), pd.Timestamp("2020-10-01")) == [
        "2019 Q4",
        "2020 Q1",
        "2020 Q2",
        "2020 Q3",
    ]


def test_expiry_timeline_stacks_by_type_and_keeps_empty_quarters():
    pipeline = pd.DataFrame(
        {
            "period": ["2019 Q4", "2020 Q2", "2020 Q2"],
            "system_type": ["Frontline", "Frontline", "Corporate"],
            "systems": [2, 1, 3],
        }
    )
    fig = charts.expiry_timeline(
        pipeline,
        as_of=pd.Timestamp("2019-10-01"),
        horizon_end=pd.Timestamp("2020-10-01"),
        by="system_type",
        series=["Frontline", "Corporate"],
        title="Expiry",
    )
    plots.check_figure(fig)
    ax = fig.axes[0]
    assert _labels(ax, "x") == ["2019 Q4", "2020 Q1", "2020 Q2", "2020 Q3"]
    heights = [bar.get_height() for bar in ax.patches]
    # Frontline bars for the four quarters, then Corporate bars stacked on them.
    assert heights == [2, 0, 1, 0, 0, 0, 3, 0]
    assert ax.patches[6].get_y() == 1  # Corporate 2020 Q2 sits on the Frontline bar
    assert ax.get_ylabel() == "Contracts ending (count)"


def test_authority_product_heatmap_has_one_cell_per_authority_and_product():
    matrix = pd.DataFrame(
        [[1, 0, 2, 1], [0, 1, 1, 0], [1, 1, 0, 0]],
        index=["E09000003", "E09000005", "E09000007"],
        columns=["Academy", "Civica Pay", "Tascomi", "Uniform"],
    )
    names = {"E09000003": "Barnet", "E09000005": "Brent", "E09000007": "Camden"}
    fig = charts.authority_product_heatmap(matrix, names=names, title="Who runs what")
    plots.check_figure(fig)
    ax = fig.axes[0]
    mesh = ax.collections[0]
    assert mesh.get_array().shape == (3, 4)  # authorities × products
    assert _labels(ax) == ["Barnet", "Brent", "Camden"]
    assert _labels(ax, "x") == ["Academy", "Civica Pay", "Tascomi", "Uniform"]
    # A product the authority does not run is an empty (masked) cell.
    assert bool(np.ma.getmaskarray(mesh.get_array())[0, 1])
    assert ax.get_xlabel() == "Product" and ax.get_ylabel() == "Authority"


def test_skills_heatmap_writes_each_level_and_leaves_unassessed_cells_blank():
    matrix = pd.DataFrame(
        {"Cyber security": [1, 4], "Data analysis": [3, pd.NA]}, index=["E09000003", "E09000007"]
    ).astype("Int64")
    levels = {0: "None", 1: "Awareness", 2: "Working", 3: "Practitioner", 4: "Expert"}
    fig = charts.skills_heatmap(
        matrix, names={"E09000003": "Barnet"}, levels=levels, title="Skills"
    )
    plots.check_figure(fig)
    ax = fig.axes[0]
    assert ax.collections[0].get_array().shape == (2, 2)
    assert sorted(text.get_text() for text in ax.texts) == ["1", "3", "4"]
    assert _labels(ax) == ["Barnet", "E09000007"]  # unknown code shown as is
    colorbar = fig.axes[1]
    assert colorbar.get_ylabel() == "Level (0–4)"
    assert "4 Expert" in _labels(colorbar)


def _fit_line(fig):
    return [line for line in fig.axes[0].lines if line.get_gid() == charts.FIT_LINE_GID]


@pytest.mark.parametrize("ys, sign", [([4.5, 4.0, 3.0, 2.5], -1), ([2.0, 2.5, 3.5, 4.0], 1)])
def test_scatter_fit_line_slope_has_the_sign_of_the_data(ys, sign):
    table = pd.DataFrame({"suppliers": [2, 4, 6, 8], "mean": ys, "abbr": ["a", "b", "c", None]})
    fig = charts.scatter_with_fit(
        table,
        x="suppliers",
        y="mean",
        labels="abbr",
        title="Suppliers and satisfaction",
        xlabel="Suppliers (count)",
        ylabel="Mean satisfaction (1–5)",
    )
    plots.check_figure(fig)
    (line,) = _fit_line(fig)
    x, y = line.get_xdata(), line.get_ydata()
    assert list(x) == [2, 8]
    assert np.sign(y[1] - y[0]) == sign
    # Worked by hand for the falling case: slope = -0.35 per supplier.
    if sign < 0:
        assert (y[1] - y[0]) / 6 == pytest.approx(-0.35)


def test_scatter_without_two_distinct_x_draws_no_line():
    table = pd.DataFrame({"x": [3, 3], "y": [1.0, 2.0]})
    fig = charts.scatter_with_fit(
        table, x="x", y="y", title="t", xlabel="x (count)", ylabel="y (1–5)"
    )
    assert _fit_line(fig) == []
    assert charts.least_squares([3, 3], [1, 2]) is None
    assert charts.least_squares([0, 1, 2], [1, 3, 5]) == pytest.approx((2.0, 1.0))


def test_maturity_dot_grid_marks_above_at_and_below_the_median():
    versus = pd.DataFrame(
        {
            "gss_code": ["A", "A", "B", "B"],
            "dimension": ["Data", "Leadership", "Data", "Leadership"],
            "score": [4, 3, 2, 3],
            "difference": [1.0, 0.0, -1.0, 0.0],
        }
    )
    fig = charts.maturity_dot_grid(versus, names={"A": "Barnet", "B": "Brent"}, title="Maturity")
    plots.check_figure(fig)
    ax = fig.axes[0]
    above, at, below = (len(c.get_offsets()) for c in ax.collections[:3])
    assert (above, at, below) == (1, 2, 1)
    assert _labels(ax) == ["Barnet", "Brent"]  # highest total difference first
    assert sorted(t.get_text() for t in ax.texts) == ["2", "3", "3", "4"]


def _graph() -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(["A", "B", "C", "D", "E"])
    graph.add_edge("A", "B", weight=3)
    graph.add_edge("B", "C", weight=2)
    graph.add_edge("C", "D", weight=1)
    graph.add_edge("A", "A", weight=5)  # a product linked to itself is not drawn
    return graph


def test_network_subgraph_and_readable_threshold():
    assert sorted(charts.network_subgraph(_graph(), min_links=2).nodes) == ["A", "B", "C"]
    assert sorted(charts.network_subgraph(_graph(), min_links=1).nodes) == ["A", "B", "C", "D"]
    assert charts.readable_min_links(_graph(), max_products=4) == 1
    assert charts.readable_min_links(_graph(), max_products=3) == 2
    assert charts.readable_min_links(_graph(), max_products=2) == 3


def test_integration_network_draws_kept_products_the_same_way_every_time():
    first = charts.integration_network(_graph(), min_links=2, title="Network")
    second = charts.integration_network(_graph(), min_links=2, title="Network")
    plots.check_figure(first)
    assert len(first.axes[0].collections[0].get_offsets()) == 3
    assert np.allclose(
        first.axes[0].collections[0].get_offsets(), second.axes[0].collections[0].get_offsets()
    )
    assert plots.figure_png(first) == plots.figure_png(second)


def test_hosting_bars_order_by_the_first_model_and_add_to_one():
    hosting = pd.DataFrame(
        {
            "service_area": ["Finance", "Finance", "Housing", "Housing"],
            "hosting": ["Cloud (SaaS)", "On-premises", "On-premises", "Not stated"],
            "share": [0.25, 0.75, 0.5, 0.5],
        }
    )
    fig = charts.hosting_bars(
        hosting,
        models=["On-premises", "Cloud (SaaS)", "Not stated"],
        title="Hosting",
        ylabel="Service area",
    )
    plots.check_figure(fig)
    ax = fig.axes[0]
    assert _labels(ax) == ["Finance", "Housing"]  # 75% on-premises before 50%
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == [0.75, 0.5, 0.25, 0.0, 0.0, 0.5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "On-premises",
        "Cloud (SaaS)",
        "Not stated",
    ]


def test_the_returned_map_has_a_categorical_legend_not_a_colour_bar():
    from citytools_analysis.core.paths import REFERENCE_DIR
    from citytools_analysis.core.reference import load_reference
    from citytools_analysis.metrics import profiles as profile_data

    authorities = load_reference(REFERENCE_DIR).authorities

    categories = pd.DataFrame(
        {
            "gss_code": ["E09000007", "E09000029"],
            "value": [profile_data.RETURNED, profile_data.FROM_REGISTERS],
        }
    )
    fig = charts.category_tile_map(
        categories,
        authorities=authorities,
        category_column="value",
        legend=profile_data.RETURN_CATEGORIES,
        title="Who returned",
        legend_title="Survey return",
        highlight="E09000029",
    )
    assert len(fig.axes) == 1  # no colour-bar axes
    legend = fig.axes[0].get_legend()
    rest = len(authorities) - 2
    assert [text.get_text() for text in legend.get_texts()] == [
        "Returned the survey (1)",
        "Known from contract registers (1)",
        f"Not returned ({rest})",
    ]
    fills = {patch.get_gid(): patch.get_facecolor() for patch in fig.axes[0].patches}
    assert fills["E09000007"] != fills["E09000029"]
    assert len({fills[code] for code in fills if code not in ("E09000007", "E09000029")}) == 1
    with pytest.raises(ValueError, match="not in the legend"):
        charts.category_tile_map(
            categories.assign(value="Maybe"),
            authorities=authorities,
            category_column="value",
            legend=profile_data.RETURN_CATEGORIES,
            title="t",
            legend_title="l",
        )
