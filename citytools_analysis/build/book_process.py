"""A Jupyter Book process started ahead of the HTML step, with its imports made.

``jupyter-book build`` spends about a second importing Jupyter Book, Sphinx, MyST-NB, the
theme and the book's extensions before it reads a page. The build starts this process once
the last notebooks are handed to the workers, so that those imports are made while the
notebooks run; when the notebooks are done, the process is given the command line
``jupyter-book`` would have been given, and runs it exactly as the ``jupyter-book`` script
does (the same Python, folder, environment, output and exit code). When it is not used (the
book is current, a notebook failed), it is stopped without building anything.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

# What every book build imports, whatever its configuration names.
BOOK_MODULES = (
    "jupyter_book.cli.main",
    "jupyter_book.sphinx",
    "sphinx.application",
    "sphinx.builders.html",
)
_CODE = "from citytools_analysis.build.book_process import serve; serve()"


def book_modules(book_root: Path | str) -> list[str]:
    """The modules a build of the book at ``book_root`` imports: :data:`BOOK_MODULES`, then the
    Sphinx extensions its ``_config.yml`` names (``sphinx.config.extensions`` and
    ``sphinx.extra_extensions``)."""
    import yaml

    try:
        config = yaml.safe_load((Path(book_root) / "_config.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        config = None
    sphinx = (config or {}).get("sphinx") or {}
    named = [
        *((sphinx.get("config") or {}).get("extensions") or []),
        *(sphinx.get("extra_extensions") or []),
    ]
    return [*BOOK_MODULES, *(name for name in named if isinstance(name, str))]


def serve() -> None:
    """The process: import the modules named on its first line of input, then read the
    request on its second (``{"argv": [...], "log": path or null}``) and run
    ``jupyter-book`` with that command line, its output into ``log`` when one is named.
    Input that ends before a request ends it, having built nothing."""
    # As the jupyter-book script runs: the working folder is not on the path.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    for name in json.loads(sys.stdin.readline() or "[]"):
        with contextlib.suppress(Exception):  # an import that fails fails the build, later
            importlib.import_module(name)
    line = sys.stdin.readline()
    if not line.strip():
        os._exit(0)
    request = json.loads(line)
    if request.get("log"):
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    from jupyter_book.cli.main import main

    sys.argv = ["jupyter-book", *request["argv"]]
    sys.exit(main())


class BookProcess:
    """A ``jupyter-book`` process made ready (see :func:`serve`), run once or stopped.

    Parameters
    ----------
    book_root
        Folder holding ``_config.yml``: its extensions are imported ahead.
    """

    def __init__(self, book_root: Path | str) -> None:
        self._process: subprocess.Popen | None = subprocess.Popen(
            [sys.executable, "-c", _CODE], stdin=subprocess.PIPE, text=True
        )
        self._send_to(self._process, json.dumps(book_modules(book_root)))

    def run(self, argv: list[str], log: Path | str | None = None) -> int | None:
        """Run ``jupyter-book`` with ``argv`` (the arguments after the program's name), its
        output into ``log`` (the terminal if None); its exit code, or None if the process is
        not there any more (the caller then runs ``jupyter-book`` itself)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return None
        if not self._send_to(process, json.dumps({"argv": list(argv), "log": log and str(log)})):
            return None
        process.stdin.close()
        return process.wait()

    @staticmethod
    def _send_to(process: subprocess.Popen, line: str) -> bool:
        try:
            process.stdin.write(line + "\n")
            process.stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def close(self) -> None:
        """Stop the process unused (it has built nothing, and nothing is lost)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        with contextlib.suppress(OSError, ValueError):
            process.stdin.close()

    def __enter__(self) -> BookProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
