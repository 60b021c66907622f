"""The overview chapter's sections: the headline counts, the service areas and who responded."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from fixtures_processed import (  # noqa: E402
    AUTHORITIES,
    BARNET,
    BRENT,
    GLA,
    system,
    write_processed,
)

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.metrics import overview  # noqa: E402
from citytools_analysis.report import overview_chapter  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


def test_the_headline_states_the_release_counts(chapter):
    counts = overview.headline_counts(chapter.data.systems)
    responded = int(chapter.data.authorities["responded"].fillna(False).astype(bool).sum())
    text = overview_chapter.headline_figures(chapter).text
    assert text.startswith(f"**{responded}** of London's {len(chapter.data.authorities)} ")
    assert f"**{len(chapter.data.systems):,} systems** in all" in text
    assert f"**{chapter.data.systems['product'].nunique():,} distinct products**" in text
    assert f"{counts['frontline']:,} frontline systems" in text
    assert f"snapshot date is {chapter.data.snapshot_date.isoformat()}" in text


def test_the_service_area_chart_names_the_largest_area(chapter):
    shown = overview_chapter.systems_by_service_area(chapter)
    sizes = chapter.data.systems["service_area"].value_counts()
    largest = sizes[sizes == sizes.max()].index
    axes = shown.figure.axes[0]
    assert axes.get_title(loc="left") == "Systems reported by service area"
    assert axes.get_xlabel() == "Systems (count)" and axes.get_ylabel() == "Service area"
    assert f"has the most, {sizes.max()};" in shown.alt
    assert any(f". {area} has the most" in shown.alt for area in largest)
    assert f"({chapter.data.systems['service_area'].nunique()} areas)" in shown.alt
    assert "systems.csv" in shown.source and shown.table is None


def test_the_tile_map_names_the_authority_with_most_systems(chapter):
    shown = overview_chapter.systems_per_authority(chapter)
    authorities = chapter.data.authorities
    responders = authorities[authorities["responded"].fillna(False).astype(bool)]
    per_code = (
        chapter.data.systems.groupby("gss_code")
        .size()
        .reindex(responders["gss_code"], fill_value=0)
    )
    short = dict(zip(authorities["gss_code"], authorities["short_name"]))
    most = sorted(short[code] for code in per_code[per_code == per_code.max()].index)[0]
    assert f"{most} reported the most ({per_code.max()})" in shown.alt
    assert f"{len(responders)} authorities responded" in shown.alt
    assert shown.figure.axes[0].get_title(loc="left") == "Systems reported by each authority"


def test_a_release_without_a_snapshot_date_or_every_return(tmp_path):
    placed = [
        {**row, "tile_row": str(n // 3), "tile_col": str(n % 3)}
        for n, row in enumerate(AUTHORITIES)
    ]
    systems = [
        system(f"{BARNET}-00003", BARNET, "Housing", "Cx", "Civica"),
        system(f"{BARNET}-00004", BARNET, "Finance", "SAP ECC", "SAP", system_type="Corporate"),
        system(f"{BRENT}-00003", BRENT, "Housing", "QL", "Aareon"),
    ]
    folder = write_processed(tmp_path, systems=systems, authorities=placed, snapshot_date=None)
    small = open_chapter(folder, "2019-10-01", findings_store=None)
    text = overview_chapter.headline_figures(small).text
    assert "**3 systems** in all" in text and "snapshot date is not recorded" in text
    shown = overview_chapter.systems_per_authority(small)
    # Camden and Ealing responded with no system; Camden comes first by name.
    assert "Barnet reported the most (2) and Camden the fewest (0)" in shown.alt
    assert shown.alt.endswith(f"No return from: {small.names[GLA]}.")
    by_area = overview_chapter.systems_by_service_area(small)
    assert "Housing has the most, 2; Finance the fewest, 1." in by_area.alt
