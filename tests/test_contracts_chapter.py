"""The contracts chapter's sections, checked against the expiring contracts of the release."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from fixtures_processed import (  # noqa: E402
    AUTHORITIES,
    BARNET,
    BRENT,
    CAMDEN,
    system,
    write_processed,
)

from citytools_analysis.core.paths import PROCESSED_DIR  # noqa: E402
from citytools_analysis.metrics import contracts  # noqa: E402
from citytools_analysis.report import contracts_chapter  # noqa: E402
from citytools_analysis.report.chapter import open_chapter  # noqa: E402


@pytest.fixture(scope="module")
def chapter():
    return open_chapter(PROCESSED_DIR)


@pytest.fixture(scope="module")
def expiring(chapter):
    return contracts.expiring(chapter.data.systems, chapter.as_of, chapter.horizon_years)


def _leader(counts) -> str:
    """The first label, alphabetically, among those with the largest count."""
    return sorted(counts[counts == counts.max()].index)[0]


def test_the_opening_states_the_pipeline_and_the_parameters(chapter, expiring):
    text = contracts_chapter.key_findings(chapter).text
    assert f"**{len(expiring):,} contracts** end between" in text
    assert f"the expiry horizon is {chapter.horizon_years} year" in text


def test_the_timeline_counts_the_horizon_and_its_busiest_quarter(chapter, expiring):
    shown = contracts_chapter.expiry_pipeline(chapter)
    end = chapter.found.renewal.horizon_end
    assert shown.figure.axes[0].get_title(loc="left") == (
        f"Contracts ending each quarter, {chapter.as_of.year} to {end.year}"
    )
    assert f"the {len(expiring):,} contracts ending in each quarter" in shown.alt
    quarters = expiring["contract_end"].dt.to_period("Q").value_counts()
    busiest = quarters.sort_index()[quarters.sort_index() == quarters.max()].index[0]
    assert f"The busiest quarter is {busiest.year} Q{busiest.quarter}." in shown.alt


def test_the_service_area_chart_names_the_area_with_most_endings(chapter, expiring):
    counts = expiring["service_area"].value_counts()
    shown = contracts_chapter.expiry_by_service_area(chapter)
    assert f"{_leader(counts)} has the most, {counts.max()}." in shown.alt
    assert f"in each of {counts.size} service areas" in shown.alt
    assert shown.figure.axes[0].get_xlabel() == "Contracts ending (count)"


def test_the_tile_map_names_the_responding_authority_with_most_endings(chapter, expiring):
    authorities = chapter.data.authorities
    responders = authorities.loc[authorities["responded"].fillna(False).astype(bool), "gss_code"]
    counts = expiring.groupby("gss_code").size().reindex(responders, fill_value=0)
    shown = contracts_chapter.expiry_by_authority(chapter)
    assert f"{chapter.names[_leader(counts)]} has the most, {counts.max()}." in shown.alt


def test_open_ended_contracts_are_counted_apart(chapter):
    systems = chapter.data.systems
    status = systems["contract_end_status"]
    rolling = int((status == "rolling").sum())
    unknown = int(
        ((status == "unknown") | ((status == "date") & systems["contract_end"].isna())).sum()
    )
    shown = contracts_chapter.open_ended(chapter)
    assert shown.text == (
        f"{rolling:,} contracts are rolling and {unknown:,} have no known end date, "
        f"out of {len(systems):,} systems."
    )
    assert f"{rolling} rolling and {unknown} unknown in all" in shown.alt


def test_a_release_with_no_contract_ending_in_the_horizon(tmp_path):
    placed = [
        {**row, "tile_row": str(n // 3), "tile_col": str(n % 3)}
        for n, row in enumerate(AUTHORITIES)
    ]
    systems = [
        system(f"{BARNET}-00003", BARNET, "Housing", "Cx", "Civica", contract_end="2030-03-31"),
        system(f"{BRENT}-00003", BRENT, "Housing", "QL", "Aareon", contract_end_status="rolling"),
        system(f"{CAMDEN}-00003", CAMDEN, "Finance", "SAP ECC", "SAP"),
    ]
    folder = write_processed(tmp_path, systems=systems, authorities=placed)
    small = open_chapter(folder, "2019-10-01", 3, findings_store=None)
    timeline = contracts_chapter.expiry_pipeline(small)
    assert "the 0 contracts ending" in timeline.alt and "busiest" not in timeline.alt
    assert contracts_chapter.expiry_by_service_area(small).figure is None
    assert contracts_chapter.expiry_by_authority(small).alt.endswith("has the most, 0.")
    undated = contracts_chapter.open_ended(small)
    assert undated.text.startswith("1 contracts are rolling and 1 have no known end date")
    assert "in 2 service areas" in undated.alt
