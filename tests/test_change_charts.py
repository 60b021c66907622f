"""The charts of what changed since the last round: order, shares, gains and losses, labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from citytools_analysis.report import plots  # noqa: E402
from citytools_analysis.report.change_charts import change_share_bars, supplier_gain_bars  # noqa: E402

CLASSES = ("switched_product", "switched_supplier", "renewed", "continued")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_change_shares_stack_to_one_in_the_table_order() -> None:
    table = pd.DataFrame(
        {
            "service_area": ["Housing", "Finance"],
            "matched": [4, 2],
            "share_switched_product": [0.5, 0.0],
            "share_switched_supplier": [0.25, 0.0],
            "share_renewed": [0.25, 0.5],
            "share_continued": [0.0, 0.5],
        }
    )
    fig = change_share_bars(
        table, classes=CLASSES, labels={"renewed": "Renewed"}, title="T", ylabel="Area"
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Housing (4)", "Finance (2)"]
    ends = {}
    for patch in ax.patches:
        y = round(patch.get_y() + patch.get_height() / 2)
        ends[y] = max(ends.get(y, 0), patch.get_x() + patch.get_width())
    assert ends == {0: pytest.approx(1.0), 1: pytest.approx(1.0)}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["switched_product", "switched_supplier", "Renewed", "continued"]
    assert "T" in (ax.get_title(), ax.get_title(loc="left"))  # the theme may put titles left
    assert ax.get_xlabel() and ax.get_ylabel() == "Area"
    plots.check_figure(fig)


def test_supplier_gains_draw_wins_right_losses_left_with_the_net() -> None:
    gains = pd.DataFrame(
        {"supplier": ["SAP", "Idox"], "won": [7, 4], "lost": [1, 20], "net": [6, -16]}
    )
    fig = supplier_gain_bars(gains, title="Gains", ylabel="Supplier")
    ax = fig.axes[0]
    widths = sorted(round(p.get_width()) for p in ax.patches)
    assert widths == [-20, -1, 4, 7]
    texts = [t.get_text() for t in ax.texts]
    assert " net +6" in texts and " net -16" in texts
    assert [t.get_text() for t in ax.get_yticklabels()] == ["SAP", "Idox"]
    plots.check_figure(fig)
