"""A Sphinx extension that lets the web book be written again only where it changed, with
the same bytes as a book written afresh.

Sphinx keeps its environment between builds: it re-reads the pages whose files changed and,
over an earlier build's HTML, writes again only those pages (and the pages that list them).
Three things would make such a book differ from one written afresh, and this extension
mends each:

- **Static files copied late.** myst-nb copies its stylesheet only when the build ends, so
  a page written afresh links it without a checksum, and a page written over an earlier
  build (where the file is already there) with one. The built ``_static`` folder is removed
  when the build starts; Sphinx copies its own static files again before writing.
- **A changed title.** Every page's navigation (the side bar, previous and next) shows the
  pages' titles, but Sphinx writes again only the pages whose own files changed. When a page
  read again has a new title, every page is written again.
- **Search terms left empty.** Sphinx removes the pages it writes again from its stored
  search index and feeds them anew, but keeps a term whose last page no longer has it as an
  empty entry (Sphinx 7.4). Such entries are dropped.

Pages added or removed, a changed configuration, table of contents, static file, footer or
library version are the book build's concern: it writes the whole book afresh then
(:func:`.book.site_key`). Register the extension in ``_config.yml`` under ``sphinx: config:
extensions:``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

# The titles of the pages Sphinx is about to read again, before it reads them.
_TITLES_BEFORE = "_citytools_titles_before_reading"


def _static_copied_afresh(app: Any) -> None:
    """Remove the earlier build's ``_static`` folder (see the module's text)."""
    if app.builder.format == "html":
        shutil.rmtree(Path(app.outdir) / "_static", ignore_errors=True)


def _titles_before(app: Any, env: Any, docnames: list[str]) -> None:
    setattr(
        env,
        _TITLES_BEFORE,
        {name: env.titles[name].astext() for name in docnames if name in env.titles},
    )


def _every_page_if_a_title_changed(app: Any, env: Any) -> list[str]:
    before = getattr(env, _TITLES_BEFORE, {})
    changed = [
        name
        for name, title in before.items()
        if name in env.titles and env.titles[name].astext() != title
    ]
    setattr(env, _TITLES_BEFORE, {})
    return sorted(env.all_docs) if changed else []


def _drop_emptied_terms() -> None:
    """Make Sphinx's search index drop the terms it empties when it removes pages."""
    from sphinx.search import IndexBuilder

    if getattr(IndexBuilder.prune, "_drops_emptied_terms", False):
        return
    prune = IndexBuilder.prune

    def prune_and_drop_emptied(self, docnames):
        prune(self, docnames)
        for mapping in (self._mapping, self._title_mapping):
            for term in [term for term, names in mapping.items() if not names]:
                del mapping[term]

    prune_and_drop_emptied._drops_emptied_terms = True
    IndexBuilder.prune = prune_and_drop_emptied


def setup(app: Any) -> dict[str, Any]:
    """Register the extension with Sphinx.

    Returns
    -------
    dict
        Extension metadata (safe for parallel reading and writing).
    """
    _drop_emptied_terms()
    app.connect("builder-inited", _static_copied_afresh)
    app.connect("env-before-read-docs", _titles_before)
    app.connect("env-get-updated", _every_page_if_a_title_changed)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
