"""A steward's review of the names typed in a round, and name resolution scored on a labelled corpus.

:func:`review_names` lists every distinct raw product and organisation name of a survey
round (the Systems sheets' product, manufacturer, supplier and "Integrates with" columns,
and the contract registers' supplier column) with how it resolved, how many rows use it and
where, and for an unresolved name the three nearest known names. It is how the person
running a real round extends the alias tables in ``data/raw/reference/``: a name that should
have resolved becomes a row of ``product_aliases.csv`` or ``organisation_aliases.csv``.

:func:`score_corpus` measures the resolver on a hand-labelled corpus of names as councils
write them (``tests/corpora/names.csv``), which the synthetic generator never wrote:
precision (of the names resolved, the share resolved to the right name) and recall (of the
names that are known products or organisations, the share resolved to the right name).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd

from citytools_analysis.core.blank import is_blank
from citytools_analysis.core.reference import Reference, load_reference
from citytools_analysis.ingest import parsing
from citytools_analysis.ingest.cleaning import survey_files
from citytools_analysis.ingest.names import NameResolver, Resolution
from citytools_analysis.ingest.privacy import REMOVED, looks_personal
from citytools_analysis.ingest.registers import RegisterRules, classify_it, read_registers
from citytools_analysis.ingest.workbook import (
    SheetTable,
    find_sheet,
    open_workbook,
    read_table_sheet,
)

#: The expected value of a corpus row whose name is no known product or organisation.
NEW_ENTRANT = "new entrant"
#: Methods in the order a review lists them ("product_name": an organisation column holding
#: a known product's name, read as its maker, as cleaning does).
METHODS = ("exact", "alias", "rule", "fuzzy", "product_name", "unresolved")
#: Survey columns holding names, and the kind of name each holds.
SURVEY_NAME_COLUMNS = {
    "product": "product",
    "integrates_with": "product",
    "manufacturer": "organisation",
    "supplier": "organisation",
}
REVIEW_COLUMNS = [
    "kind",
    "raw_name",
    "method",
    "canonical",
    "score",
    "matched",
    "rows",
    "typed_in",
    "files",
    "nearest",
]
#: The column a register supplier is listed under, for IT rows and for the others.
REGISTER_IT = "register supplier (IT)"
REGISTER_OTHER = "register supplier"
#: How many nearest known names a review gives for an unresolved name.
NEAREST = 3


class NameJudge:
    """Resolve a raw name as cleaning does, for a product or an organisation column.

    Parameters
    ----------
    reference
        The reference data.
    """

    def __init__(self, reference: Reference) -> None:
        self.products = NameResolver.products(reference)
        self.organisations = NameResolver.organisations(reference)
        catalogue = reference.products
        self.makers = dict(zip(catalogue["product"], catalogue["manufacturer"]))

    def resolve(self, raw: str, kind: str) -> Resolution:
        """The resolution of ``raw`` as a ``"product"`` or an ``"organisation"``.

        An organisation name the organisation tables do not know but that is a known
        product's name resolves to the product's maker, method ``"product_name"``.
        """
        if kind == "product":
            return self.products.resolve(raw)
        found = self.organisations.resolve(raw)
        if found.canonical is None:
            as_product = self.products.resolve_listed(raw)
            maker = self.makers.get(as_product.canonical or "")
            if maker is not None:
                return Resolution(maker, "product_name", as_product.score, as_product.matched)
        return found

    def nearest(self, raw: str, kind: str) -> list[tuple[str, str, float]]:
        """The :data:`NEAREST` known names closest to ``raw`` (see :meth:`NameResolver.nearest`)."""
        resolver = self.products if kind == "product" else self.organisations
        return resolver.nearest(raw, NEAREST)


def _tidy(value: object) -> str:
    return " ".join(str(value).split())


def survey_names(survey_dir: Path | str, reference: Reference) -> list[tuple[str, str, str, str]]:
    """Every product and organisation name typed in a survey folder's Systems sheets.

    Returns
    -------
    list of (kind, raw name, column, file)
        One entry per cell (per name of an "Integrates with" cell); blank cells left out.
    """
    tables: list[SheetTable] = []
    columns = reference.column_names("Systems")
    required = reference.required_fields("Systems")
    for path in survey_files(Path(survey_dir)):
        workbook = open_workbook(path)
        try:
            sheet = find_sheet(workbook, "Systems")
            if sheet is not None:
                tables.append(
                    read_table_sheet(sheet, file=path.name, columns=columns, required=required)
                )
        finally:
            workbook.close()
    return _names_in(tables)


def returns_names(returns: list) -> list[tuple[str, str, str, str]]:
    """As :func:`survey_names`, from the Systems sheets a cleaning run has already read
    (``CleanResult.returns``), so the workbooks are not opened again."""
    tables = [
        table
        for clean_return in returns
        for table in clean_return.layouts.values()
        if "product" in table.headers
    ]
    return _names_in(tables)


def _names_in(tables: list[SheetTable]) -> list[tuple[str, str, str, str]]:
    found: list[tuple[str, str, str, str]] = []
    for table in tables:
        for row in table.rows:
            for column, kind in SURVEY_NAME_COLUMNS.items():
                value = row.cells.get(column)
                if is_blank(value):
                    continue
                names = (
                    parsing.split_integrations(value)
                    if column == "integrates_with"
                    else [_tidy(value)]
                )
                found += [(kind, name, column, table.file) for name in names if name]
    return found


def register_names(
    contracts_dir: Path | str, reference: Reference
) -> list[tuple[str, str, str, str]]:
    """The supplier names typed in a contracts folder's registers (rows kept by reading).

    Returns
    -------
    list of (kind, raw name, column, file)
        ``kind`` is ``"organisation"``, ``column`` :data:`REGISTER_IT` for a row classed as
        IT, else :data:`REGISTER_OTHER`.
    """
    rules = RegisterRules.from_reference(reference)
    rows, corrections, _rejections = read_registers(contracts_dir, reference, rules=rules)
    written = {
        (c["source_file"], c["source_row"]): c["raw_value"]
        for c in corrections
        if c["column"] == "supplier"
    }
    return [
        (
            "organisation",
            written.get((row["source_file"], row["source_row"]), row["supplier"]),
            REGISTER_IT if classify_it(row, rules)[0] else REGISTER_OTHER,
            row["source_file"],
        )
        for row in rows
        if row["supplier"]
    ]


def review_names(
    survey_dir: Path | str | None,
    contracts_dir: Path | str | None = None,
    reference: Reference | None = None,
    returns: list | None = None,
) -> pd.DataFrame:
    """Every distinct raw product and organisation name of a round, with how it resolved.

    Parameters
    ----------
    survey_dir
        Folder of survey returns (``None`` for none; not read when ``returns`` is given).
    contracts_dir
        Folder of contract registers with its ``sources.csv`` (``None`` for none).
    reference
        The reference data (``data/raw/reference/`` by default).
    returns
        The returns of a cleaning run (``CleanResult.returns``) to take the names from
        instead of reading ``survey_dir`` again.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REVIEW_COLUMNS`: ``kind`` (product, organisation), ``raw_name`` (as
        typed, white space tidied; a name that looks like personal data is shown as
        removed), ``method`` (:data:`METHODS`), ``canonical``, ``score``, ``matched`` (the
        alias matched), ``rows`` (cells using it), ``typed_in`` (the columns: ``product``,
        ``integrates_with``, ``manufacturer``, ``supplier``, ``register supplier (IT)`` for
        a register row classed as IT, ``register supplier`` for any other) and ``files`` (``;``-joined,
        sorted) and ``nearest`` (for an unresolved name, the three nearest known names with
        their scores, ``Name (score)`` joined by ``; ``). Sorted by kind, method (in the
        order of :data:`METHODS`), rows descending, then name.
    """
    reference = reference or load_reference()
    cells: list[tuple[str, str, str, str]] = []
    if returns is not None:
        cells += returns_names(returns)
    elif survey_dir is not None:
        cells += survey_names(survey_dir, reference)
    if contracts_dir is not None:
        cells += register_names(contracts_dir, reference)
    grouped: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"rows": 0, "columns": set(), "files": set()}
    )
    for kind, name, column, file in cells:
        key = (kind, REMOVED if looks_personal(name) else name)
        grouped[key]["rows"] += 1
        grouped[key]["columns"].add(column)
        grouped[key]["files"].add(file)
    judge = NameJudge(reference)
    records = []
    for (kind, name), use in grouped.items():
        found = (
            judge.resolve(name, kind)
            if name != REMOVED
            else Resolution(None, "unresolved", 0.0, None)
        )
        nearest = ""
        if found.canonical is None and name != REMOVED:
            nearest = "; ".join(
                f"{canonical} ({score:.1f})"
                for canonical, _alias, score in judge.nearest(name, kind)
            )
        records.append(
            {
                "kind": kind,
                "raw_name": name,
                "method": found.method,
                "canonical": found.canonical or "",
                "score": found.score,
                "matched": found.matched or "",
                "rows": use["rows"],
                "typed_in": ";".join(sorted(use["columns"])),
                "files": ";".join(sorted(use["files"])),
                "nearest": nearest,
            }
        )
    review = pd.DataFrame(records, columns=REVIEW_COLUMNS)
    order = {method: index for index, method in enumerate(METHODS)}
    review["_order"] = review["method"].map(order)
    review = review.sort_values(
        ["kind", "_order", "rows", "raw_name"],
        ascending=[True, True, False, True],
        kind="mergesort",
    )
    return review.drop(columns="_order").reset_index(drop=True)


def method_counts(review: pd.DataFrame) -> pd.DataFrame:
    """Distinct names and the rows using them, by kind and method.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind, method, names, rows``, methods in the order of :data:`METHODS`.
    """
    if review.empty:
        return pd.DataFrame(columns=["kind", "method", "names", "rows"])
    table = (
        review.groupby(["kind", "method"])
        .agg(names=("raw_name", "size"), rows=("rows", "sum"))
        .reset_index()
    )
    order = {method: index for index, method in enumerate(METHODS)}
    table["_order"] = table["method"].map(order)
    table = table.sort_values(["kind", "_order"], kind="mergesort").drop(columns="_order")
    return table.reset_index(drop=True)


def top_unresolved(review: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The unresolved names that carry the most rows (ties: kind, then name).

    Names typed only as the supplier of register rows that are not IT (cleaners, builders)
    are left out: they are not systems' names and nobody needs an alias for them.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind, raw_name, rows, files`` (how many files), ``nearest``; at most
        ``limit`` rows.
    """
    unresolved = review[(review["method"] == "unresolved") & (review["typed_in"] != REGISTER_OTHER)]
    unresolved = unresolved.assign(file_count=unresolved["files"].str.count(";") + 1)
    unresolved = unresolved.sort_values(
        ["rows", "kind", "raw_name"], ascending=[False, True, True], kind="mergesort"
    )
    return (
        unresolved[["kind", "raw_name", "rows", "file_count", "nearest"]]
        .rename(columns={"file_count": "files"})
        .head(limit)
        .reset_index(drop=True)
    )


def write_review(review: pd.DataFrame, path: Path | str) -> Path:
    """Write a review as UTF-8 CSV (the folder is created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    review.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


# --- the labelled corpus --------------------------------------------------------------------
def load_corpus(path: Path | str) -> pd.DataFrame:
    """Read a labelled name corpus: ``raw_name, kind, expected, form`` (and optionally
    ``batch``, the order in which its parts were written; ``"1"`` when absent).

    Raises
    ------
    ValueError
        When a column is missing, a kind is not product or organisation, or an expected
        name is neither :data:`NEW_ENTRANT` nor a canonical name of that kind.
    """
    corpus = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = {"raw_name", "kind", "expected", "form"} - set(corpus.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    if "batch" not in corpus:
        corpus["batch"] = "1"
    bad = corpus[~corpus["kind"].isin(("product", "organisation"))]
    if len(bad):
        raise ValueError(f"{path}: row {bad.index[0] + 2}: kind must be product or organisation")
    return corpus


def score_corpus(
    corpus: pd.DataFrame, reference: Reference | None = None
) -> tuple[pd.DataFrame, dict]:
    """Resolve every corpus name and score the resolver.

    Parameters
    ----------
    corpus
        From :func:`load_corpus`.
    reference
        The reference data.

    Returns
    -------
    (results, summary)
        ``results``: the corpus with ``canonical``, ``method``, ``score`` and ``right``
        added (``canonical`` is :data:`NEW_ENTRANT` when nothing resolved). ``summary``:
        ``names``, ``known`` (rows whose expected name is a known one), ``new_entrants``,
        ``resolved`` (rows resolved to some name), ``correct`` (resolved to the expected
        name), ``precision`` = correct / resolved, ``recall`` = correct / known,
        ``new_entrants_kept`` (new entrants left unresolved) and ``merged`` (new entrants
        resolved to a known name).

    Raises
    ------
    ValueError
        When an expected name is not a canonical name of its kind in the reference.
    """
    reference = reference or load_reference()
    canonical = {
        "product": set(reference.products["product"]),
        "organisation": set(reference.organisations["organisation"]),
    }
    unknown = corpus[
        (corpus["expected"] != NEW_ENTRANT)
        & ~corpus.apply(lambda r: r["expected"] in canonical[r["kind"]], axis=1)
    ]
    if len(unknown):
        first = unknown.iloc[0]
        raise ValueError(
            f"corpus row {unknown.index[0] + 2}: {first['expected']!r} is not a "
            f"canonical {first['kind']} name"
        )
    judge = NameJudge(reference)
    found = [judge.resolve(raw, kind) for raw, kind in zip(corpus["raw_name"], corpus["kind"])]
    results = corpus.copy()
    results["canonical"] = [f.canonical or NEW_ENTRANT for f in found]
    results["method"] = [f.method for f in found]
    results["score"] = [f.score for f in found]
    results["right"] = results["canonical"] == results["expected"]
    known = results["expected"] != NEW_ENTRANT
    resolved = results["canonical"] != NEW_ENTRANT
    correct = int((results["right"] & known).sum())
    summary = {
        "names": len(results),
        "known": int(known.sum()),
        "new_entrants": int((~known).sum()),
        "resolved": int(resolved.sum()),
        "correct": correct,
        "precision": correct / int(resolved.sum()) if resolved.any() else float("nan"),
        "recall": correct / int(known.sum()) if known.any() else float("nan"),
        "new_entrants_kept": int((~known & ~resolved).sum()),
        "merged": int((~known & resolved).sum()),
    }
    return results, summary


def corpus_by_form(results: pd.DataFrame, by: str = "form") -> pd.DataFrame:
    """How many corpus names of each form (or batch) were resolved rightly.

    Parameters
    ----------
    results
        From :func:`score_corpus`.
    by
        The corpus column to group by: ``"form"`` or ``"batch"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``<by>, names, right, share`` (``share`` in 0–1), in alphabetical order.
    """
    table = (
        results.groupby(by).agg(names=("raw_name", "size"), right=("right", "sum")).reset_index()
    )
    table["right"] = table["right"].astype(int)
    table["share"] = table["right"] / table["names"]
    return table.sort_values(by, kind="mergesort").reset_index(drop=True)


def corpus_scores_by_batch(results: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall of each batch of a corpus (batches written one after another).

    Returns
    -------
    pandas.DataFrame
        Columns ``batch, names, known, resolved, correct, precision, recall, merged`` as in
        :func:`score_corpus`'s summary, one row per batch in order.
    """
    rows = []
    for batch, group in results.groupby("batch", sort=True):
        known = group["expected"] != NEW_ENTRANT
        resolved = group["canonical"] != NEW_ENTRANT
        correct = int((group["right"] & known).sum())
        rows.append(
            {
                "batch": batch,
                "names": len(group),
                "known": int(known.sum()),
                "resolved": int(resolved.sum()),
                "correct": correct,
                "precision": correct / int(resolved.sum()) if resolved.any() else float("nan"),
                "recall": correct / int(known.sum()) if known.any() else float("nan"),
                "merged": int((~known & resolved).sum()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["batch", "names", "known", "resolved", "correct", "precision", "recall", "merged"],
    )


def corpus_scores_text(summary: dict) -> str:
    """One sentence giving a corpus score's precision, recall and new entrants kept."""
    return (
        f"On {summary['names']} hand-labelled names ({summary['known']} known products and "
        f"organisations, {summary['new_entrants']} names that are none of them), name "
        f"resolution has a precision of {summary['precision']:.1%} ({summary['correct']} of "
        f"{summary['resolved']} names resolved were resolved rightly) and a recall of "
        f"{summary['recall']:.1%} ({summary['correct']} of {summary['known']} known names "
        f"found); {summary['new_entrants_kept']} of {summary['new_entrants']} unknown names "
        f"were kept under their own names."
    )


__all__ = [
    "METHODS",
    "NEW_ENTRANT",
    "NameJudge",
    "corpus_by_form",
    "corpus_scores_by_batch",
    "corpus_scores_text",
    "load_corpus",
    "method_counts",
    "review_names",
    "score_corpus",
    "top_unresolved",
    "write_review",
]
