"""The sentences of the chapter "What changed since the last round", from the change tables."""

from __future__ import annotations

import pandas as pd

from citytools_analysis.metrics.changes import OPPORTUNITY_OUTCOMES


def share(part: int, whole: int) -> str:
    """A whole-percent share for a sentence, or "none" when there is no whole."""
    return f"{part / whole:.0%}" if whole else "none"


def changes_summary(
    counts: pd.Series, earlier_round: str, later_round: str, relet: pd.DataFrame
) -> str:
    """The opening paragraph: how many systems were compared and what became of them.

    Parameters
    ----------
    counts
        Records per change class (:func:`citytools_analysis.metrics.changes.change_counts`).
    earlier_round, later_round
        The two rounds' names.
    relet
        :func:`citytools_analysis.metrics.changes.relet_contracts`.
    """
    matched = int(
        sum(
            counts.get(c, 0)
            for c in ("continued", "renewed", "switched_supplier", "switched_product")
        )
    )
    switched = int(counts.get("switched_supplier", 0) + counts.get("switched_product", 0))
    relet_total = int(relet["systems"].sum())
    renewed = int(relet.loc[relet["change"] == "renewed", "systems"].sum())
    return (
        f"Between round {earlier_round} and round {later_round}, {matched} systems were seen in both "
        f"rounds at authorities that answered both. {int(counts.get('continued', 0))} continued on the "
        f"same contract; {int(counts.get('renewed', 0))} were renewed or extended with the same product "
        f"and supplier; {switched} ({share(switched, matched)}) changed supplier or product. "
        f"Of the {relet_total} contracts let again, {renewed} ({share(renewed, relet_total)}) went back "
        f"to the incumbent. {int(counts.get('new', 0))} systems are new and "
        f"{int(counts.get('retired', 0))} were retired; {int(counts.get('not_observed', 0))} systems "
        "belong to authorities that answered only one of the two rounds and are not compared."
    )


def opportunities_summary(outcomes: pd.DataFrame, earlier_round: str) -> str:
    """One sentence: what became of the earlier round's joint-procurement opportunities."""
    if outcomes.empty:
        return f"Round {earlier_round} showed no joint-procurement opportunity."
    counts = outcomes["outcome"].value_counts()
    parts = [
        f"{int(counts[outcome])} {outcome}" for outcome in OPPORTUNITY_OUTCOMES if outcome in counts
    ]
    missed = int(counts.get("renewed separately", 0) + counts.get("switched apart", 0))
    return (
        f"Of the {len(outcomes)} joint-procurement opportunities round {earlier_round} showed, "
        f"{int(counts.get('realised together', 0))} were realised together and {missed} were missed "
        f"(the authorities renewed or switched one by one): {', '.join(parts)}."
    )
