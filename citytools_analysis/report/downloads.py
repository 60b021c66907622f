"""Links from the book's pages to the files published with it (``build/publish.py``).

A profile page links to its authority's own rows as CSV and to its API document; an
explorer page to the release table it shows. The links are relative, so the book works
from any folder or address: generated pages live two folders below ``book/``
(``book/_generated/profiles/<gss_code>.html``, ``book/_generated/explore/<name>.html``),
three below the book's root.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from citytools_analysis.metrics.profiles import LondonContext
from citytools_analysis.release.distribution import AUTHORITY_TABLES, ZIP_NAME
from citytools_analysis.report.api import API_FOLDER, AUTHORITY_DATA_FOLDER, ApiSlugs

GENERATED_PAGE_ROOT = "../../../"
"""The book's root, seen from a profile or explorer page."""

TABLE_LABELS = {
    "authorities": "its row of the authorities table",
    "systems": "systems",
    "integrations": "integrations",
    "skills": "skills",
    "maturity": "maturity",
    "contracts": "contract register rows",
}
"""How each table is named in a profile's download line."""


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def authority_downloads_html(
    london: LondonContext, gss_code: str, root: str = GENERATED_PAGE_ROOT
) -> str:
    """A paragraph linking to one authority's rows (CSV) and its API document.

    Parameters
    ----------
    london
        The London-wide tables (for the authority's API slug).
    gss_code
        The authority.
    root
        The book's root relative to the page.
    """
    slug = ApiSlugs(london).authority_of_code[gss_code]
    tables = ", ".join(
        _link(
            f"{root}{AUTHORITY_DATA_FOLDER}/{gss_code}/{table}.csv",
            f"{TABLE_LABELS.get(table, table)} (CSV)",
        )
        for table in AUTHORITY_TABLES
    )
    document = _link(f"{root}{API_FOLDER}/authorities/{slug}.json", "one JSON document")
    whole = _link(f"{root}{ZIP_NAME}", "the whole release")
    return (
        f'<p class="citytools-downloads">This authority\'s rows of the open data release: '
        f"{tables}; and the same profile as {document} of the API. Or download {whole}.</p>"
    )


def table_downloads_html(tables: Iterable[str], root: str = GENERATED_PAGE_ROOT) -> str:
    """A paragraph linking to the release tables an explorer page shows."""
    links = ", ".join(_link(f"{root}data/{table}.csv", f"{table}.csv") for table in tables)
    whole = _link(f"{root}{ZIP_NAME}", "the whole release")
    return (
        f'<p class="citytools-downloads">Download the table this page shows: {links} '
        f"(the open data release, one row per record), or {whole}.</p>"
    )


__all__ = ["authority_downloads_html", "table_downloads_html"]
