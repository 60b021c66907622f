"""The web book: Jupyter Book renders the book's pages and the executed notebooks to HTML."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from citytools_analysis.core.paths import BUILD_DIR, PROJECT_ROOT

# Jupyter Book's own output, kept in the build folder when the build is quiet.
BOOK_LOG = "jupyter-book.log"


def jupyter_book_command() -> list[str]:
    """The ``jupyter-book`` executable of this environment (beside ``sys.executable``)."""
    beside = Path(sys.executable).parent / "jupyter-book"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("jupyter-book")
    if found is None:
        raise FileNotFoundError("jupyter-book is not installed in this environment")
    return [found]


def build_html(
    book_root: Path | str = PROJECT_ROOT,
    build_dir: Path | str = BUILD_DIR,
    *,
    full: bool = False,
    quiet: bool = False,
) -> int:
    """Build the web book strictly (warnings are errors, nitpicky) into ``build_dir/html``.

    Sphinx keeps its environment between builds and re-reads only the pages whose files
    changed (an executed notebook that was reused keeps its modification time); a changed
    configuration makes it re-read everything by itself. ``full`` re-reads every page.

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
    command = [
        *jupyter_book_command(),
        "build",
        str(book_root),
        "--path-output",
        str(build_dir.parent),
        "-W",
        "-n",
        "--keep-going",
    ]
    if full:
        command.append("--all")
    if not quiet:
        return subprocess.run(command, check=False).returncode
    build_dir.mkdir(parents=True, exist_ok=True)
    log = build_dir / BOOK_LOG
    with log.open("w", encoding="utf-8") as handle:
        code = subprocess.run(command, check=False, stdout=handle,
                              stderr=subprocess.STDOUT).returncode
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        print(f"jupyter-book build failed (exit code {code}); its log is {log}:\n{tail}",
              file=sys.stderr)
    return code
