"""Which modules of the package a notebook runs: its own imports, and theirs, transitively.

The build cache keys a notebook on the source of these modules only (see
:func:`notebook_code_digest`), so that editing the synthetic-survey generator, the
benchmark, or any module no notebook imports re-runs no notebook, and editing one figure
function re-runs only the notebooks that import its module. The package's import graph is
built with grimp (the engine behind import-linter), which also counts imports made inside
functions; a notebook's own imports are read from its code cells with :mod:`ast`.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import nbformat

PACKAGE = "citytools_analysis"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
_SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}
# IPython lines that are not Python: magics, shell escapes, help.
_IPYTHON_PREFIXES = ("%", "!", "?")


def notebook_imports(source: Path | str, package: str = PACKAGE) -> set[str] | None:
    """The dotted names of the package imported by a notebook's code cells.

    ``from package.layer import name`` gives ``package.layer.name`` (resolved to a module
    or to ``package.layer`` later, by :func:`imported_modules`).

    Parameters
    ----------
    source
        A notebook.
    package
        The top-level package whose imports count.

    Returns
    -------
    set of str or None
        ``None`` when a code cell cannot be parsed (the caller then counts every module).
    """
    notebook = nbformat.read(source, as_version=4)
    names: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        lines = [
            line
            for line in cell.source.splitlines()
            if not line.lstrip().startswith(_IPYTHON_PREFIXES)
        ]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            return None
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name == package or name.startswith(package + ".")}


@lru_cache(maxsize=4)
def _graph(package: str, package_dir: str):
    import grimp

    del package_dir  # part of the cache key only: a graph per package location
    return grimp.build_graph(package, cache_dir=None)


def imported_modules(
    names: Iterable[str], package: str = PACKAGE, package_dir: Path | str = PACKAGE_DIR
) -> set[str]:
    """Every module of the package that importing ``names`` runs.

    That is each named module (a name that is not a module stands for its parent, as in
    ``from package.layer import function``), every module those import, directly or not,
    and the ``__init__`` of every package on the way.

    Parameters
    ----------
    names
        Dotted names, as from :func:`notebook_imports`.
    package, package_dir
        The package and its folder.

    Returns
    -------
    set of str
        Module names.
    """
    graph = _graph(package, str(Path(package_dir).resolve()))
    known = graph.modules
    start = set()
    for name in names:
        while name not in known and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in known:
            start.add(name)
    found = set(start)
    for module in start:
        found |= graph.find_upstream_modules(module)
    with_parents = set(found)
    for module in found:
        parts = module.split(".")
        with_parents.update(".".join(parts[:end]) for end in range(1, len(parts)))
    return with_parents


def module_file(module: str, package_dir: Path | str = PACKAGE_DIR) -> Path:
    """The source file of a module of the package (its ``__init__.py`` for a subpackage)."""
    parts = module.split(".")[1:]
    base = Path(package_dir).joinpath(*parts)
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def notebook_code_digest(
    source: Path | str, package_dir: Path | str = PACKAGE_DIR, package: str = PACKAGE
) -> str:
    """SHA-256 of the package code a notebook runs: the modules it imports, transitively.

    The package's files that are not Python (data it ships) count for every notebook. A
    notebook whose imports cannot be read counts the whole package's source.

    Parameters
    ----------
    source
        A notebook.
    package_dir, package
        The package's folder and name.

    Returns
    -------
    str
        Hex digest.
    """
    package_dir = Path(package_dir)
    names = notebook_imports(source, package)
    if names is None:
        files = sorted(package_dir.rglob("*.py"))
    else:
        files = sorted(
            module_file(module, package_dir)
            for module in imported_modules(names, package, package_dir)
        )
    files += sorted(
        p for p in package_dir.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
    )
    digest = hashlib.sha256()
    for file in files:
        if _SKIPPED_PARTS.intersection(file.relative_to(package_dir).parts):
            continue
        digest.update(file.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(
            hashlib.sha256(file.read_bytes()).hexdigest().encode() if file.is_file() else b"missing"
        )
        digest.update(b"\0")
    return digest.hexdigest()
