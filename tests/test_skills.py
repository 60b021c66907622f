"""Tests for the skills heatmap, shared gaps and peer-support matches."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures_processed import BARNET, BRENT, CAMDEN, EALING, load_fixture

from citytools_analysis.metrics import skills

CYBER, DATA, CLOUD = "Cyber security", "Data analysis", "Cloud and infrastructure"


def skill(code: str, area: str, level: int, can_support: bool | None = None) -> dict:
    return {
        "gss_code": code,
        "skill_area": area,
        "level": str(level),
        "can_support": "" if can_support is None else str(can_support).lower(),
        "source_file": f"{code}.xlsx",
        "source_row": "2",
    }


def rows() -> list[dict]:
    return [
        skill(BARNET, CYBER, 1),
        skill(BARNET, DATA, 4, True),
        skill(BARNET, CLOUD, 3, False),
        skill(BRENT, CYBER, 4, True),
        skill(BRENT, DATA, 0),
        skill(BRENT, CLOUD, 1),
        skill(CAMDEN, CYBER, 3, True),
        skill(CAMDEN, DATA, 2),
        skill(CAMDEN, CLOUD, 0),
        skill(EALING, CYBER, 0),
        skill(EALING, DATA, 1, True),
        skill(EALING, CLOUD, 1),
    ]


@pytest.fixture()
def table(tmp_path):
    return load_fixture(tmp_path, skills=rows()).skills


def test_skills_matrix_is_authority_by_skill_area(table):
    matrix = skills.skills_matrix(table)
    assert list(matrix.index) == [BARNET, BRENT, CAMDEN, EALING]
    assert list(matrix.columns) == [CLOUD, CYBER, DATA]
    assert matrix.loc[BARNET].tolist() == [3, 1, 4]


def test_matrix_leaves_unassessed_areas_missing(tmp_path):
    matrix = skills.skills_matrix(load_fixture(tmp_path, skills=rows()[:-1]).skills)
    assert pd.isna(matrix.loc[EALING, CLOUD])


def test_skill_gaps_count_levels_of_one_or_less(table):
    gaps = skills.skill_gaps(table)
    assert list(gaps["skill_area"]) == [CLOUD, CYBER, DATA]
    cloud = gaps.iloc[0]
    assert (cloud["assessed"], cloud["gaps"]) == (4, 3)
    assert cloud["gap_share"] == pytest.approx(0.75)
    assert cloud["mean_level"] == pytest.approx((3 + 1 + 0 + 1) / 4)
    assert cloud["gss_codes"] == (BRENT, CAMDEN, EALING)
    shared = skills.skill_gaps(table, min_authorities=3)
    assert list(shared["skill_area"]) == [CLOUD]


def test_peer_support_pairs_willing_experts_with_learners(table):
    matches = skills.peer_support_matches(table)
    pairs = list(zip(matches["skill_area"], matches["mentor"], matches["learner"]))
    # Cloud: Barnet is level 3 but not willing. Ealing's Data analysis offer is at level 1.
    assert pairs == [
        (CYBER, BRENT, BARNET),
        (CYBER, BRENT, EALING),
        (CYBER, CAMDEN, BARNET),
        (CYBER, CAMDEN, EALING),
        (DATA, BARNET, BRENT),
        (DATA, BARNET, EALING),
    ]
    assert list(matches["mentor_level"][:2]) == [4, 4]


def test_a_new_offer_of_support_adds_matches(tmp_path):
    changed = rows()
    changed[2] = skill(BARNET, CLOUD, 3, True)
    matches = skills.peer_support_matches(load_fixture(tmp_path, skills=changed).skills)
    cloud = matches[matches["skill_area"] == CLOUD]
    assert list(cloud["learner"]) == [BRENT, CAMDEN, EALING]
    assert len(matches) == 9


def test_stricter_levels_mean_fewer_matches(table):
    matches = skills.peer_support_matches(table, mentor_min_level=4, learner_max_level=0)
    assert list(zip(matches["mentor"], matches["learner"])) == [(BRENT, EALING), (BARNET, BRENT)]
