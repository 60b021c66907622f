"""How well the changes between two synthetic rounds are recovered, against the truth.

The later synthetic round's truth (``changes.csv``, written by :mod:`.evolution`) records
every true change, with the true system ids of both rounds and ``observed_change``: the
change as the two rounds' returns can show it (``not_observed`` where the authority
answered one round only; empty where it answered neither). A found change (one record of
``citytools changes``: record ids of the two releases and a class) is tied to the truth
through each release's ``source_file`` and ``source_row`` and each round's truth
``systems.csv``, which says which true system each return row is.

A found record is *right* when a true record has the same pair of true systems (one side
empty for a new, retired or not-observed system) and the same class. Precision is right
records over found records, recall right records over true records, overall and per class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from citytools_analysis.release.processed import read_table

CHANGES_FILE = "changes.csv"


@dataclass(frozen=True)
class ChangeRecovery:
    """The measures: overall counts, and per class (``change``, ``true``, ``found``, ``right``)."""

    true: int
    found: int
    right: int
    by_class: pd.DataFrame

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else float("nan")

    @property
    def recall(self) -> float:
        return self.right / self.true if self.true else float("nan")

    def text(self) -> str:
        """One line overall, then one per class."""
        overall = (
            f"changes: {self.found} found, {self.true} true, {self.right} right: precision "
            f"{self.precision:.1%}, recall {self.recall:.1%}"
        )
        lines = [overall]
        for row in self.by_class.itertuples():
            lines.append(f"  {row.change}: {row.found} found, {row.true} true, {row.right} right")
        return "\n".join(lines)


def _system_ids(release_dir: Path, truth_dir: Path) -> dict[str, str]:
    """Record id of a release → the true system id its return row is."""
    systems = read_table("systems", release_dir)[["record_id", "source_file", "source_row"]]
    truth = pd.read_csv(Path(truth_dir) / "systems.csv", dtype=str, keep_default_na=False)
    systems = systems.assign(source_row=systems["source_row"].astype(str))
    joined = systems.merge(
        truth[["source_file", "source_row", "system_id"]],
        on=["source_file", "source_row"],
        how="left",
    )
    return dict(zip(joined["record_id"], joined["system_id"].fillna("")))


def true_changes(truth_dir: Path) -> pd.DataFrame:
    """The observable true changes: ``system_id_before``, ``system_id_after``, ``change``.

    A not-observed system keeps only the id of the round its authority answered.
    """
    truth = pd.read_csv(Path(truth_dir) / CHANGES_FILE, dtype=str, keep_default_na=False)
    truth = truth[truth["observed_change"] != ""].copy()
    lone = truth["observed_change"] == "not_observed"
    truth.loc[lone & (truth["responded_before"] != "true"), "system_id_before"] = ""
    truth.loc[lone & (truth["responded_after"] != "true"), "system_id_after"] = ""
    return pd.DataFrame(
        {
            "system_id_before": truth["system_id_before"],
            "system_id_after": truth["system_id_after"],
            "change": truth["observed_change"],
        }
    ).reset_index(drop=True)


def measure_change_recovery(
    changes: pd.DataFrame,
    before_release: Path,
    after_release: Path,
    before_truth: Path,
    after_truth: Path,
    classes: list[str] | None = None,
) -> ChangeRecovery:
    """Compare found changes with the truth of the later round.

    Parameters
    ----------
    changes
        The found changes, with ``record_id_before``, ``record_id_after`` and ``change``
        (as ``citytools changes`` prints them; empty text for a missing side).
    before_release, after_release
        The two releases the changes were found between.
    before_truth, after_truth
        The two rounds' truth folders; the later one holds ``changes.csv``.
    classes
        The order of the per-class table (default: the classes seen, sorted).
    """
    before_ids = _system_ids(Path(before_release), Path(before_truth))
    after_ids = _system_ids(Path(after_release), Path(after_truth))
    found = pd.DataFrame(
        {
            "system_id_before": [
                before_ids.get(r, f"?{r}") if r else ""
                for r in changes["record_id_before"].fillna("")
            ],
            "system_id_after": [
                after_ids.get(r, f"?{r}") if r else ""
                for r in changes["record_id_after"].fillna("")
            ],
            "change": list(changes["change"]),
        }
    )
    truth = true_changes(Path(after_truth))
    keys = ["system_id_before", "system_id_after", "change"]
    right = found.merge(truth.drop_duplicates(keys), on=keys, how="inner")
    order = classes or sorted(set(found["change"]) | set(truth["change"]))
    by_class = pd.DataFrame(
        {
            "change": order,
            "true": [int((truth["change"] == c).sum()) for c in order],
            "found": [int((found["change"] == c).sum()) for c in order],
            "right": [int((right["change"] == c).sum()) for c in order],
        }
    )
    return ChangeRecovery(true=len(truth), found=len(found), right=len(right), by_class=by_class)
