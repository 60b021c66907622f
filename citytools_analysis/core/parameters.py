"""The report's parameters, read once from ``data/raw/reference/report_parameters.csv``.

The snapshot date, the expiry horizon, the joint-procurement window, the fewest authorities
for an opportunity and every recommendation threshold live in that one file. The package's
defaults, the ``citytools findings`` command and the build (which passes them to every
notebook that declares them) all read them from here, so a value cannot drift between
chapters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from citytools_analysis.core.errors import SurveyInputError
from citytools_analysis.core.paths import REFERENCE_DIR

PARAMETERS_FILE = "report_parameters.csv"
_CASTS = {"int": int, "float": float, "date": str}


@dataclass(frozen=True)
class ReportParameters:
    """Every parameter of the report; see the ``meaning`` column of the CSV."""

    as_of: str | None
    horizon_years: int
    window_months: int
    min_authorities: int
    top_n: int
    min_hhi: float
    min_area_systems: int
    max_supplier_satisfaction: float
    min_rated_systems: int
    max_unknown_share: float
    min_pipeline_systems: int
    min_peer_matches: int
    top_share: float
    alpha: float

    def with_overrides(self, **overrides) -> ReportParameters:
        """A copy with the given values; ``None`` and ``""`` keep the configured value."""
        chosen = {
            name: value
            for name, value in overrides.items()
            if value is not None and value != "" and name in self.__dataclass_fields__
        }
        return replace(self, **chosen)

    def as_dict(self) -> dict:
        return asdict(self)


def _cast(name: str, kind: str, cell: object, source: Path) -> object:
    if kind not in _CASTS:
        raise SurveyInputError(f"parameter {name!r} has unknown type {kind!r}", file=str(source))
    if cell is None or (isinstance(cell, float) and cell != cell) or str(cell).strip() == "":
        if kind == "date":
            return None
        raise SurveyInputError(f"parameter {name!r} has no value", file=str(source))
    try:
        return _CASTS[kind](str(cell).strip()) if kind != "int" else int(float(str(cell)))
    except ValueError:
        raise SurveyInputError(
            f"parameter {name!r} is not a valid {kind}: {cell!r}", file=str(source)
        ) from None


@lru_cache(maxsize=8)
def _load(path: Path) -> ReportParameters:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    values = {
        row.parameter: _cast(row.parameter, row.type, row.value, path)
        for row in table.itertuples(index=False)
    }
    wanted = set(ReportParameters.__dataclass_fields__)
    missing, unknown = sorted(wanted - set(values)), sorted(set(values) - wanted)
    if missing or unknown:
        raise SurveyInputError(
            f"parameters missing: {missing or 'none'}; unknown: {unknown or 'none'}", file=str(path)
        )
    return ReportParameters(**values)


def load_report_parameters(reference_dir: Path | str | None = None) -> ReportParameters:
    """The report's parameters from ``report_parameters.csv`` in the reference folder.

    Raises
    ------
    SurveyInputError
        When a parameter is missing, unknown, untyped or not of its type.
    """
    folder = Path(reference_dir) if reference_dir else REFERENCE_DIR
    return _load((folder / PARAMETERS_FILE).resolve())


def report_parameters(reference_dir: Path | str | None = None, **overrides) -> ReportParameters:
    """The configured parameters with ``overrides`` applied (``None`` keeps the configured value)."""
    return load_report_parameters(reference_dir).with_overrides(**overrides)
