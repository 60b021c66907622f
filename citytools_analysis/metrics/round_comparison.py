"""The current round against the one before it: the changes, and the figures the report quotes.

:func:`compare_releases` reads two releases once and keeps what every page that speaks of
change needs: the change records (:func:`.changes.compare_rounds`), what became of the
earlier round's joint-procurement opportunities, and the earlier release's systems (for new
entrants). :class:`ChangeEvidence` is the handful of numbers the executive summary, the
recommendations and the profiles quote, computed in one place so that every page says the
same.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from citytools_analysis.core.build_store import read_stored, release_digest, write_stored
from citytools_analysis.core.code_digest import layers_digest
from citytools_analysis.core.parameters import report_parameters
from citytools_analysis.core.paths import COMPARISON_STORE, project_path
from citytools_analysis.core.reference import authority_names
from citytools_analysis.core.rounds import previous_release_dir
from citytools_analysis.metrics import changes as change_metrics
from citytools_analysis.metrics.collaboration import joint_procurement
from citytools_analysis.release.processed import load_processed

#: Opportunity outcomes that count as missed: the authorities let their contracts one by one.
MISSED_OUTCOMES = ("renewed separately", "switched apart")
# The layers whose code decides what a comparison holds.
_CODE_LAYERS = ("core", "release", "metrics")


@dataclass(frozen=True)
class RoundComparison:
    """Two rounds' releases compared: their names, the change records and the opportunities."""

    earlier: change_metrics.RoundRelease
    later: change_metrics.RoundRelease
    changes: pd.DataFrame  # change_metrics.CHANGE_COLUMNS, one record per change
    earlier_systems: pd.DataFrame  # the earlier release's systems, every source
    outcomes: pd.DataFrame  # change_metrics.opportunity_outcomes of the earlier round
    names: dict  # GSS code -> authority short name
    source: str  # the source line of a figure or table comparing the two

    @property
    def earlier_round(self) -> str:
        return self.earlier.round_name

    @property
    def later_round(self) -> str:
        return self.later.round_name


def compare_releases(
    earlier_dir: Path | str,
    later_dir: Path | str,
    *,
    window_months: int,
    min_authorities: int,
    horizon_years: int,
) -> RoundComparison:
    """Compare the release in ``earlier_dir`` with the one in ``later_dir``.

    The earlier round's joint-procurement opportunities are found with the given window,
    fewest authorities and horizon, as of the earlier round's snapshot date (as that round's
    collaboration chapter showed them).
    """
    earlier_dir, later_dir = Path(earlier_dir), Path(later_dir)
    earlier = change_metrics.read_round_release(earlier_dir)
    later = change_metrics.read_round_release(later_dir)
    found = change_metrics.compare_rounds(earlier, later)
    earlier_data = load_processed(earlier_dir)
    opportunities = joint_procurement(
        earlier_data.systems,
        earlier_data.snapshot_date,
        window_months=window_months,
        min_authorities=min_authorities,
        horizon_years=horizon_years,
    )
    return RoundComparison(
        earlier=earlier,
        later=later,
        changes=found,
        earlier_systems=earlier_data.systems,
        outcomes=change_metrics.opportunity_outcomes(opportunities, found),
        names=authority_names(earlier_data.authorities),
        source=change_metrics.changes_source(earlier_dir, later_dir),
    )


@dataclass(frozen=True)
class ChangeEvidence:
    """The change figures the report quotes outside its own chapter."""

    earlier_round: str
    later_round: str
    matched: int  # systems seen in both rounds
    switched: int  # of them, switched supplier or product
    relet: int  # contracts let again (renewed or re-procured)
    relet_to_incumbent: int  # of them, renewed with the same product and supplier
    new_entrant_wins: int  # systems won by a manufacturer unseen in the earlier round
    new_entrants: int  # distinct such manufacturers
    opportunities: int  # joint-procurement opportunities of the earlier round
    realised: int  # of them, realised together
    missed: int  # of them, renewed separately or switched apart
    still_to_come: int
    not_observed: int  # systems of authorities that answered only one round

    @property
    def switch_rate(self) -> float | None:
        return self.switched / self.matched if self.matched else None

    @property
    def incumbent_rate(self) -> float | None:
        return self.relet_to_incumbent / self.relet if self.relet else None


def change_evidence(comparison: RoundComparison) -> ChangeEvidence:
    """The figures of :class:`ChangeEvidence` for one comparison."""
    found = comparison.changes
    counts = found["change"].value_counts()
    matched = int(sum(counts.get(c, 0) for c in change_metrics.MATCHED))
    switched = int(counts.get("switched_supplier", 0) + counts.get("switched_product", 0))
    relet = int(sum(counts.get(c, 0) for c in change_metrics.RELET))
    wins = change_metrics.new_entrant_wins(found, comparison.earlier_systems)
    outcomes = comparison.outcomes["outcome"].value_counts()
    return ChangeEvidence(
        earlier_round=comparison.earlier_round,
        later_round=comparison.later_round,
        matched=matched,
        switched=switched,
        relet=relet,
        relet_to_incumbent=int(counts.get("renewed", 0)),
        new_entrant_wins=len(wins),
        new_entrants=int(wins["manufacturer_after"].nunique()),
        opportunities=len(comparison.outcomes),
        realised=int(outcomes.get("realised together", 0)),
        missed=int(sum(outcomes.get(o, 0) for o in MISSED_OUTCOMES)),
        still_to_come=int(outcomes.get("still to come", 0)),
        not_observed=int(counts.get("not_observed", 0)),
    )


def authority_changes(comparison: RoundComparison, gss_code: str) -> pd.DataFrame:
    """One authority's change records, in the order of :func:`.changes.compare_rounds`."""
    own = comparison.changes[comparison.changes["gss_code"] == gss_code]
    return own.reset_index(drop=True)


def comparison_key(
    earlier_dir: Path | str,
    later_dir: Path | str,
    *,
    window_months: int,
    min_authorities: int,
    horizon_years: int | None,
) -> str:
    """SHA-256 of both releases' files, the source line naming their folders, the
    opportunity parameters and the comparing code."""
    digest = hashlib.sha256()
    for folder in (earlier_dir, later_dir):
        digest.update(release_digest(folder).encode() + b"\0")
    # The comparison cites the folders it read: the same files elsewhere are cited there.
    digest.update(change_metrics.changes_source(earlier_dir, later_dir).encode() + b"\0")
    digest.update(json.dumps([window_months, min_authorities, horizon_years]).encode())
    digest.update(layers_digest(_CODE_LAYERS).encode())
    return digest.hexdigest()


def _comparing(
    later_dir: Path | str, previous_dir: Path | str, parameters: dict
) -> tuple[Path, Path, dict] | None:
    """The earlier and later releases and the opportunity parameters, or ``None``."""
    earlier = project_path(previous_dir) if str(previous_dir) else previous_release_dir()
    if earlier is None:
        return None
    configured = report_parameters(
        **{
            name: parameters.get(name)
            for name in ("window_months", "min_authorities", "horizon_years")
        }
    )
    options = {
        "window_months": configured.window_months,
        "min_authorities": configured.min_authorities,
        "horizon_years": configured.horizon_years,
    }
    return earlier, project_path(later_dir), options


def compare_with_previous(
    later_dir: Path | str,
    previous_dir: Path | str = "",
    *,
    window_months: int | None = None,
    min_authorities: int | None = None,
    horizon_years: int | None = None,
    store: Path | str | None = COMPARISON_STORE,
) -> RoundComparison | None:
    """The release in ``later_dir`` compared with the round before; ``None`` if there is none.

    ``previous_dir`` is the earlier round's release, relative to the project root or
    absolute; ``""`` takes the round before the current one
    (:func:`citytools_analysis.core.rounds.previous_release_dir`). Parameters left ``None``
    take the report's configured value. The comparison the build stored
    (:func:`write_comparison_store`) is read when it was made from the same releases,
    parameters and code; otherwise, or with ``store`` ``None``, it is computed here.
    """
    found = _comparing(
        later_dir,
        previous_dir,
        {
            "window_months": window_months,
            "min_authorities": min_authorities,
            "horizon_years": horizon_years,
        },
    )
    if found is None:
        return None
    earlier, later, options = found
    held = (
        read_stored(store, comparison_key(earlier, later, **options), RoundComparison)
        if store
        else None
    )
    return held if held is not None else compare_releases(earlier, later, **options)


def write_comparison_store(
    later_dir: Path | str,
    previous_dir: Path | str = "",
    store: Path | str = COMPARISON_STORE,
    **parameters,
) -> bool:
    """Compare the release with the round before once per build, for every page that shows it.

    ``parameters`` are the opportunity parameters of :func:`compare_with_previous`. Nothing
    is written when there is no earlier round.

    Returns
    -------
    bool
        Whether a comparison was computed (``False``: none to make, or the store was current).
    """
    found = _comparing(later_dir, previous_dir, parameters)
    if found is None:
        return False
    earlier, later, options = found
    key = comparison_key(earlier, later, **options)
    if read_stored(store, key, RoundComparison) is not None:
        return False
    write_stored(store, key, compare_releases(earlier, later, **options))
    return True
