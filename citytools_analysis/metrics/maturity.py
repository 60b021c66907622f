"""Digital maturity: each authority's five dimension scores against the London median."""

from __future__ import annotations

import pandas as pd


def maturity_medians(maturity: pd.DataFrame) -> pd.DataFrame:
    """The London median (and range) of each maturity dimension.

    Metric: over the authorities that scored a dimension (1–5), the median score (the
    mean of the two middle scores when their number is even), the mean, the lowest and
    the highest.

    Returns
    -------
    pandas.DataFrame
        Columns ``dimension, authorities, median, mean, min, max``, sorted by dimension.
    """
    scored = maturity[maturity["score"].notna()]
    rows = []
    for dimension, group in scored.groupby("dimension", sort=True):
        score = group["score"].astype(float)
        rows.append(
            {
                "dimension": dimension,
                "authorities": int(group["gss_code"].nunique()),
                "median": float(score.median()),
                "mean": float(score.mean()),
                "min": int(score.min()),
                "max": int(score.max()),
            }
        )
    return pd.DataFrame(rows, columns=["dimension", "authorities", "median", "mean", "min", "max"])


def maturity_vs_median(maturity: pd.DataFrame) -> pd.DataFrame:
    """Each authority's score on each dimension beside the London median.

    Metric: ``difference`` = the authority's score − the dimension's London median (see
    :func:`maturity_medians`); positive is above the median.

    Returns
    -------
    pandas.DataFrame
        Columns ``gss_code, dimension, score, london_median, difference``, sorted by GSS
        code then dimension.
    """
    scored = maturity[maturity["score"].notna()][["gss_code", "dimension", "score"]]
    medians = maturity_medians(maturity)[["dimension", "median"]].rename(
        columns={"median": "london_median"}
    )
    out = scored.merge(medians, on="dimension", how="left")
    out["score"] = out["score"].astype(int)
    out["difference"] = out["score"].astype(float) - out["london_median"]
    return out.sort_values(["gss_code", "dimension"], kind="mergesort").reset_index(drop=True)
