"""Skills: the authority × skill-area heatmap, shared gaps, and peer-support matches."""

from __future__ import annotations

import pandas as pd


def skills_matrix(skills: pd.DataFrame) -> pd.DataFrame:
    """The skills heatmap: each authority's self-assessed level (0–4) in each skill area.

    Returns
    -------
    pandas.DataFrame
        Index ``gss_code`` (sorted), one column per skill area (sorted), nullable integer
        levels with ``<NA>`` where the authority did not assess the area.
    """
    table = skills.pivot(index="gss_code", columns="skill_area", values="level")
    table = table.sort_index(axis=0).sort_index(axis=1).astype("Int64")
    table.columns.name = "skill_area"
    return table


def skill_gaps(
    skills: pd.DataFrame, *, max_level: int = 1, min_authorities: int = 1
) -> pd.DataFrame:
    """Skill areas where many authorities have little or no in-house capability.

    Metric: an authority has a *gap* in a skill area when its level is at most
    ``max_level`` (1 = Awareness). A gap is *shared* when at least ``min_authorities``
    authorities have it.

    Parameters
    ----------
    skills
        The processed ``skills`` table.
    max_level
        Highest level that counts as a gap.
    min_authorities
        Keep skill areas with at least this many authorities with a gap.

    Returns
    -------
    pandas.DataFrame
        Columns ``skill_area, assessed, gaps, gap_share, mean_level, gss_codes``:
        ``assessed`` authorities giving a level, ``gaps`` those at or below ``max_level``
        (``gap_share`` = gaps / assessed, GSS codes as a sorted tuple). Sorted by gaps
        descending, then skill area.
    """
    rated = skills[skills["level"].notna()]
    rows = []
    for area, group in rated.groupby("skill_area", sort=True):
        gap = group[group["level"] <= max_level]
        rows.append(
            {
                "skill_area": area,
                "assessed": int(group["gss_code"].nunique()),
                "gaps": int(gap["gss_code"].nunique()),
                "gap_share": gap["gss_code"].nunique() / group["gss_code"].nunique(),
                "mean_level": float(group["level"].astype(float).mean()),
                "gss_codes": tuple(sorted(gap["gss_code"].unique())),
            }
        )
    out = pd.DataFrame(
        rows, columns=["skill_area", "assessed", "gaps", "gap_share", "mean_level", "gss_codes"]
    )
    out = out[out["gaps"] >= min_authorities]
    return out.sort_values(
        ["gaps", "skill_area"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def peer_support_matches(
    skills: pd.DataFrame, *, mentor_min_level: int = 3, learner_max_level: int = 1
) -> pd.DataFrame:
    """Pairs of authorities where one could help the other in a skill area.

    Metric: in a skill area, a *mentor* is an authority at level ≥ ``mentor_min_level``
    (3 = Practitioner) whose ``can_support`` is true; a *learner* an authority at level ≤
    ``learner_max_level`` (1 = Awareness). Every mentor–learner pair of the same skill area
    is a match (an authority is never paired with itself).

    Parameters
    ----------
    skills
        The processed ``skills`` table.
    mentor_min_level, learner_max_level
        The level thresholds.

    Returns
    -------
    pandas.DataFrame
        Columns ``skill_area, mentor, learner, mentor_level, learner_level`` (mentor and
        learner as GSS codes), sorted by skill area, mentor, learner.
    """
    rated = skills[skills["level"].notna()]
    willing = rated["can_support"].fillna(False).astype(bool)
    mentors = rated[willing & (rated["level"] >= mentor_min_level)]
    learners = rated[rated["level"] <= learner_max_level]
    pairs = mentors[["skill_area", "gss_code", "level"]].merge(
        learners[["skill_area", "gss_code", "level"]],
        on="skill_area",
        suffixes=("_mentor", "_learner"),
    )
    pairs = pairs[pairs["gss_code_mentor"] != pairs["gss_code_learner"]]
    out = pd.DataFrame(
        {
            "skill_area": pairs["skill_area"],
            "mentor": pairs["gss_code_mentor"],
            "learner": pairs["gss_code_learner"],
            "mentor_level": pairs["level_mentor"].astype(int),
            "learner_level": pairs["level_learner"].astype(int),
        },
        columns=["skill_area", "mentor", "learner", "mentor_level", "learner_level"],
    )
    return out.sort_values(["skill_area", "mentor", "learner"], kind="mergesort").reset_index(
        drop=True
    )
