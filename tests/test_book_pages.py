"""A web book written again over the last one, only where pages changed, is byte for byte the
book written afresh from the same pages.

The book is the project's own (configuration, contents, hand-written pages, static files,
theme and extensions) with three small executed notebooks in place of the generated pages;
``jupyter-book`` builds it, through ``book.build_html`` as ``citytools build`` does.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from citytools_analysis.build import book
from citytools_analysis.core.paths import BOOK_DIR, PROJECT_ROOT

PAGES = {
    "02_overview.ipynb": ("Overview", "Thirty-four authorities answered about their systems."),
    "explore/1_systems.ipynb": ("Systems", "Every system each authority runs."),
    "profiles/E09000001.ipynb": ("City of London", "The City's systems."),
}


def _page(root: Path, name: str, title: str, text: str) -> None:
    notebook = new_notebook(
        cells=[
            new_markdown_cell(f"# {title}\n\n{text}"),
            new_code_cell(
                "print(1)", outputs=[new_output("stream", name="stdout", text=f"{text}\n")]
            ),
        ]
    )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    path = root / "book" / "_generated" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


def _book(root: Path) -> Path:
    root.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(BOOK_DIR, root / "book", ignore=shutil.ignore_patterns("_generated"))
    (root / "book" / "_generated").mkdir()
    (root / "book" / "_generated" / "downloads.md").write_text("Downloads.\n", encoding="utf-8")
    for name, (title, text) in PAGES.items():
        _page(root, name, title, text)
    return root


def _differing(first: Path, second: Path) -> list[str]:
    """Files only in one tree, or in both with other bytes."""
    found = []
    comparison = filecmp.dircmp(first, second)

    def walk(compared: filecmp.dircmp, prefix: str) -> None:
        found.extend(prefix + name for name in compared.left_only + compared.right_only)
        for name in compared.common_files:
            if not filecmp.cmp(
                Path(compared.left) / name, Path(compared.right) / name, shallow=False
            ):
                found.append(prefix + name)
        for name, sub in compared.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(comparison, "")
    return sorted(found)


def _build(root: Path, *, full: bool = False) -> Path:
    assert book.build_html(root, root / "_build", quiet=True, full=full) == 0, (
        root / "_build" / book.BOOK_LOG
    ).read_text()[-3000:]
    return root / "_build" / "html"


def _fresh_copy(root: Path, elsewhere: Path) -> Path:
    """The same book built afresh, in another folder (no earlier build, no environment)."""
    shutil.copytree(root, elsewhere, ignore=shutil.ignore_patterns("_build"))
    return _build(elsewhere)


def test_pages_written_again_over_the_last_book_are_the_book_written_afresh(tmp_path):
    root = _book(tmp_path / "book")
    html = _build(root)
    # The site's root redirect names the book's icon: without it a browser may ask for a
    # missing /favicon.ico before following the redirect.
    index = (html / "index.html").read_text(encoding="utf-8")
    assert '<link rel="icon" href="_static/favicon.svg" />' in index
    assert 'http-equiv="Refresh"' in index and (html / "_static" / "favicon.svg").is_file()
    untouched = html / "book" / "_generated" / "explore" / "1_systems.html"
    written_at = untouched.stat().st_mtime_ns

    # One page gains a word no other page has: only that page (and those listing it) is
    # written again, and the book is the book written afresh.
    _page(root, "02_overview.ipynb", "Overview", "Thirty-four authorities answered zymurgy.")
    html = _build(root)
    assert untouched.stat().st_mtime_ns == written_at  # written over, not afresh
    assert "zymurgi" in (html / "searchindex.js").read_text()
    assert _differing(html, _fresh_copy(root, tmp_path / "fresh-1")) == []

    # The word goes again (Sphinx would keep it as an empty search term) and another page's
    # title changes (every page's navigation shows it, so every page is written again).
    _page(root, "02_overview.ipynb", *PAGES["02_overview.ipynb"])
    _page(root, "profiles/E09000001.ipynb", "City of London Corporation", "The City's systems.")
    html = _build(root)
    assert "zymurgi" not in (html / "searchindex.js").read_text()
    assert "City of London Corporation" in untouched.read_text()
    assert _differing(html, _fresh_copy(root, tmp_path / "fresh-2")) == []


def test_a_new_page_or_static_file_writes_the_whole_book_afresh(tmp_path):
    root = _book(tmp_path / "book")
    key = book.site_key(root)
    _page(root, "02_overview.ipynb", "Overview", "Changed text.")
    assert book.site_key(root) == key  # a page's content: written over the last book
    _page(root, "profiles/E09000002.ipynb", "Barking and Dagenham", "Their systems.")
    assert book.site_key(root) != key  # another page: every page's navigation changes
    key = book.site_key(root)
    (root / "book" / "_static" / "citytools-explorer.css").write_text("table {}\n")
    assert book.site_key(root) != key  # its checksum is in every page's links


def test_a_book_built_in_a_process_started_ahead_is_the_book_jupyter_book_builds(
    tmp_path, monkeypatch
):
    from citytools_analysis.build.book_process import BookProcess

    def not_afresh() -> list[str]:
        raise AssertionError("jupyter-book was started afresh, not run in the process ahead")

    root = _book(tmp_path / "ahead")
    with BookProcess(root) as ready, monkeypatch.context() as patched:
        patched.setattr(book, "jupyter_book_command", not_afresh)
        assert book.build_html(root, root / "_build", quiet=True, ready=ready) == 0
        assert ready._process is None  # it was used (not started afresh beside it)
    assert _differing(root / "_build" / "html", _fresh_copy(root, tmp_path / "fresh")) == []


def test_a_process_started_ahead_reports_jupyter_books_exit_code_and_output(tmp_path):
    from citytools_analysis.build.book_process import BookProcess

    log = tmp_path / "jupyter-book.log"
    with BookProcess(tmp_path) as ready:  # no _config.yml: only Jupyter Book's own imports
        code = ready.run(["build", str(tmp_path / "no-such-book")], log)
    assert code not in (0, None)
    assert "no-such-book" in log.read_text(encoding="utf-8")
    unused = BookProcess(tmp_path)
    process = unused._process
    unused.close()  # stopped without building anything
    assert process.poll() is not None and unused.run(["build", str(tmp_path)]) is None
