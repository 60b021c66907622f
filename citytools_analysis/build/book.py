"""The web book: Jupyter Book renders the book's pages and the executed notebooks to HTML."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from citytools_analysis.build.book_process import BookProcess
from citytools_analysis.core.paths import BUILD_DIR, PROJECT_ROOT

# Jupyter Book's own output, kept in the build folder when the build is quiet.
BOOK_LOG = "jupyter-book.log"
# The key of the last successful book build, in the build folder (see :func:`book_key`).
BOOK_KEY = ".book-key"
# The key of what every page shows, at the last successful build (see :func:`site_key`).
SITE_KEY = ".site-key"
# The book's pages: what Jupyter Book makes a page of.
PAGE_SUFFIXES = (".md", ".ipynb")
# Libraries whose version changes the HTML.
BOOK_LIBRARIES = (
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "myst-parser",
    "sphinx-book-theme",
    "pydata-sphinx-theme",
    "itables",
)
# The book's raw-data folder, whose hash the footer shows (provenance's default setting).
PROVENANCE_RAW_DIR = ("data", "raw")


def book_key(book_root: Path | str = PROJECT_ROOT) -> str:
    """SHA-256 over everything the HTML is made from.

    The configuration and contents (``_config.yml``, ``_toc.yml``), every file under
    ``book/`` (the hand-written pages, the static files and the executed notebooks; hidden
    files such as the notebooks' cache keys left out), what the footer shows (the commit and
    the raw data's hash, :mod:`.provenance`), the sources of the book's Sphinx extensions, and
    the versions of the libraries that render the pages.

    Parameters
    ----------
    book_root
        Folder holding ``_config.yml`` and ``_toc.yml``.

    Returns
    -------
    str
        Hex digest.
    """
    root = Path(book_root)
    files = sorted(
        path
        for path in (root / "book").rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root / "book").parts)
    )
    return _key(root, files, b"")


def site_key(book_root: Path | str = PROJECT_ROOT) -> str:
    """SHA-256 over what every page of the HTML shows beyond its own content.

    The configuration and contents, the static files (their checksums are in every page's
    links), which pages there are (their names, not their content), the footer, the book's
    Sphinx extensions and the libraries' versions: everything :func:`book_key` covers except
    the pages' content. While it holds, the book is written over the last one and Sphinx
    writes again only the pages that changed (:mod:`.book_pages` keeps that byte-identical
    to a book written afresh); when it changes, the whole book is written afresh.

    Parameters
    ----------
    book_root
        Folder holding ``_config.yml`` and ``_toc.yml``.

    Returns
    -------
    str
        Hex digest.
    """
    root = Path(book_root)
    book = root / "book"
    visible = [
        path
        for path in sorted(book.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(book).parts)
    ]
    static = [path for path in visible if "_static" in path.relative_to(book).parts]
    pages = "\n".join(
        path.relative_to(root).as_posix() for path in visible if path.suffix in PAGE_SUFFIXES
    )
    return _key(root, static, pages.encode())


def _key(root: Path, files: list[Path], extra: bytes) -> str:
    """SHA-256 over the book's configuration, ``files`` (names and bytes), ``extra``, the
    footer and the libraries' versions."""
    import hashlib
    import json
    from importlib import metadata

    from citytools_analysis.build import book_pages, provenance
    from citytools_analysis.build.cache import file_digest

    digest = hashlib.sha256()
    files = [
        root / "_config.yml",
        root / "_toc.yml",
        Path(provenance.__file__),
        Path(book_pages.__file__),
        *files,
    ]
    for path in files:
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        digest.update(
            name.encode()
            + b"\0"
            + (file_digest(path).encode() if path.is_file() else b"missing")
            + b"\0"
        )
    digest.update(extra + b"\0")
    raw = root.joinpath(*PROVENANCE_RAW_DIR)
    footer = provenance.provenance_text(
        provenance.commit_id(root), provenance.raw_data_hash(raw) if raw.is_dir() else None
    )
    versions = {}
    for library in BOOK_LIBRARIES:
        try:
            versions[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            versions[library] = "absent"
    digest.update(footer.encode() + b"\0" + json.dumps(versions, sort_keys=True).encode())
    return digest.hexdigest()


def book_is_current(
    book_root: Path | str = PROJECT_ROOT, build_dir: Path | str = BUILD_DIR
) -> bool:
    """Whether the built book in ``build_dir/html`` was made from what is there now.

    True when the book is there and :func:`book_key` equals the key of its last successful
    build: :func:`build_html` would then not start Jupyter Book at all.
    """
    return _is_current(Path(build_dir), book_key(book_root))


def _is_current(build_dir: Path, key: str) -> bool:
    stored = build_dir / BOOK_KEY
    return (
        (build_dir / "html" / "index.html").is_file()
        and stored.is_file()
        and stored.read_text(encoding="utf-8").strip() == key
    )


def jupyter_book_command() -> list[str]:
    """The ``jupyter-book`` executable of this environment (beside ``sys.executable``)."""
    beside = Path(sys.executable).parent / "jupyter-book"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("jupyter-book")
    if found is None:
        raise FileNotFoundError("jupyter-book is not installed in this environment")
    return [found]


def _jupyter_book(arguments: list[str], ready: BookProcess | None, log: Path | None = None) -> int:
    """The exit code of ``jupyter-book`` run with ``arguments``, in ``ready`` when it is given
    and still there, else started afresh; its output into ``log`` (the terminal if None)."""
    if ready is not None:
        code = ready.run(arguments, log)
        if code is not None:
            return code
    command = [*jupyter_book_command(), *arguments]
    if log is None:
        return subprocess.run(command, check=False).returncode
    with log.open("w", encoding="utf-8") as handle:
        return subprocess.run(
            command, check=False, stdout=handle, stderr=subprocess.STDOUT
        ).returncode


def _icon_on_the_redirect(html_dir: Path) -> None:
    """Give the site's root ``index.html`` (Jupyter Book writes it as a bare redirect to the
    first page) the book's icon, so that a browser does not ask for a missing
    ``/favicon.ico`` before it follows the redirect."""
    index = html_dir / "index.html"
    icon = '<link rel="icon" href="_static/favicon.svg" />'
    if index.is_file() and (html_dir / "_static" / "favicon.svg").is_file():
        text = index.read_text(encoding="utf-8")
        if icon not in text:
            index.write_text(icon + "\n" + text, encoding="utf-8")


def build_html(
    book_root: Path | str = PROJECT_ROOT,
    build_dir: Path | str = BUILD_DIR,
    *,
    full: bool = False,
    quiet: bool = False,
    ready: BookProcess | None = None,
) -> int:
    """Build the web book strictly (warnings are errors, nitpicky) into ``build_dir/html``.

    When nothing the HTML is made from has changed since the last successful build
    (:func:`book_key`, kept in ``build_dir/.book-key``) and the book is there, Jupyter Book
    is not started at all. Otherwise Sphinx keeps its environment between builds and
    re-reads only the pages whose files changed (an executed notebook that was reused keeps
    its modification time); a changed configuration makes it re-read everything by itself.
    It writes again only those pages, over the last build, while what every page shows
    beyond its own content holds (:func:`site_key`), and the whole book afresh otherwise.
    ``full`` re-reads and re-writes every page.

    Parameters
    ----------
    book_root
        Folder holding ``_config.yml`` and ``_toc.yml``.
    build_dir
        The build folder; must be named ``_build`` (Jupyter Book's layout).
    full
        Re-read and re-write every page (``jupyter-book build --all``).
    quiet
        Write Jupyter Book's output to ``build_dir/jupyter-book.log`` instead of the
        terminal; if the build fails, the log's tail goes to the standard error.
    ready
        A Jupyter Book process started ahead, with its imports made
        (:class:`.book_process.BookProcess`), to run the build in; ``jupyter-book`` is started
        afresh without it (or if it has gone).

    Returns
    -------
    int
        The exit code of ``jupyter-book build``.

    Raises
    ------
    ValueError
        If ``build_dir`` is not named ``_build``.
    """
    build_dir = Path(build_dir)
    if build_dir.name != "_build":
        raise ValueError(f"{build_dir}: Jupyter Book writes into a folder named _build")
    arguments = [
        "build",
        str(book_root),
        "--path-output",
        str(build_dir.parent),
        "-W",
        "-n",
        "--keep-going",
    ]
    if full:
        arguments.append("--all")
    key = book_key(book_root)
    stored = build_dir / BOOK_KEY
    if not full and _is_current(build_dir, key):
        return 0  # nothing the HTML is made from has changed since the last build
    stored.unlink(missing_ok=True)
    # While what every page shows beyond its own content is unchanged (site_key), the book
    # is written over the last one: Sphinx writes again only the pages that changed, and
    # book_pages keeps the result byte-identical to a book written afresh. Otherwise (or
    # with ``full``, or after a failed build) the whole book is written afresh.
    site = site_key(book_root)
    stored_site = build_dir / SITE_KEY
    written_over = (
        not full
        and stored_site.is_file()
        and stored_site.read_text(encoding="utf-8").strip() == site
        and (build_dir / "html" / "index.html").is_file()
    )
    stored_site.unlink(missing_ok=True)
    if not written_over:
        shutil.rmtree(build_dir / "html", ignore_errors=True)

    def succeeded() -> None:
        _icon_on_the_redirect(build_dir / "html")
        stored.write_text(key + "\n", encoding="utf-8")
        stored_site.write_text(site + "\n", encoding="utf-8")

    if not quiet:
        code = _jupyter_book(arguments, ready)
        if code == 0:
            succeeded()
        return code
    build_dir.mkdir(parents=True, exist_ok=True)
    log = build_dir / BOOK_LOG
    code = _jupyter_book(arguments, ready, log)
    if code == 0:
        succeeded()
    else:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        print(
            f"jupyter-book build failed (exit code {code}); its log is {log}:\n{tail}",
            file=sys.stderr,
        )
    return code
