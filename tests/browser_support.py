"""Building the book in a copy of the project, serving it on localhost, driving Chromium, checking pages.

The checkers (:func:`link_problems`, :func:`image_problems`) take pages as HTML text, so the
same functions check the pages a browser rendered and, in the self-tests, hand-broken copies
of built pages.

The book is built in a temporary copy of the project, never in place: a build rewrites
``data/processed/``, ``book/_generated/`` and ``_build/``, and a test run must leave the
working tree as it found it. The copy imports its own ``citytools_analysis`` (``PYTHONPATH``
points at it, so the paths module anchors every folder in the copy), and git reads the real
repository (``GIT_DIR``) so the footer shows the checked-out commit.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

from citytools_analysis.core.paths import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, headless, as root, on a machine whose network is closed: without the
# background-networking flags it keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_BROWSER = (
    "Chromium not found: install Debian's chromium (apt-get install chromium) "
    "to run the browser tests"
)
# What a copy of the project leaves out: environments, git, and every build artefact. The
# top-level build/ folder (setuptools' output) is left out, but not the package's own
# citytools_analysis/build/ (the build layer).
_IGNORED_EVERYWHERE = shutil.ignore_patterns(
    ".venv*",
    ".git",
    "_build",
    ".build-cache",
    "_generated",
    "__pycache__",
    ".pytest_cache",
    "*.egg-info",
    ".ipynb_checkpoints",
)


def copy_ignore(root: Path):
    """The ``ignore`` function for ``shutil.copytree`` of the project at ``root``."""
    root = Path(root).resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        ignored = set(_IGNORED_EVERYWHERE(folder, names))
        if Path(folder).resolve() == root and "build" in names:
            ignored.add("build")
        return ignored

    return ignore


BUILD_TIMEOUT_SECONDS = 1800


def find_chromium() -> str | None:
    """Debian's Chromium: ``/usr/bin/chromium``, else ``chromium`` on the ``PATH``, else None."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def require_chromium() -> str:
    """The Chromium executable; skip the test without one, or fail it under ``CI=true``."""
    found = find_chromium()
    if found is not None:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(MISSING_BROWSER + " (CI=true: a missing browser fails the run)")
    pytest.skip(MISSING_BROWSER)


# --- building the book in a copy of the project -------------------------------------------


def copy_project(target: Path, source: Path = PROJECT_ROOT) -> Path:
    """Copy the project's sources and data (no environment, git or build output) to ``target``."""
    shutil.copytree(source, target, ignore=copy_ignore(source))
    return target


def build_environment(project: Path) -> dict[str, str]:
    """Environment for a build in ``project``: its own package first, git of the real repo."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(project), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    git_dir = PROJECT_ROOT / ".git"
    if git_dir.exists() and "GIT_DIR" not in os.environ:
        env["GIT_DIR"] = str(git_dir)
    env.pop("CI", None)  # the build behaves the same everywhere
    return env


# Processes started by run_process and still running: stopped at the end of the session.
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def run_process(
    command: list[str], *, cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess:
    """Run ``command`` to the end (text output captured), in a process group of its own.

    Like ``subprocess.run(..., capture_output=True, text=True)``, but safe to call from a
    thread: the process and whatever it starts (a build's notebook kernels) can be stopped
    by :func:`stop_processes` when the test session ends first.
    """
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    with _RUNNING_LOCK:
        _RUNNING.add(process)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        out, err = process.communicate()
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _stop(process: subprocess.Popen) -> None:
    import signal

    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)


def stop_processes() -> None:
    """Stop the processes (and their process groups) that run_process started and that run still."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        _stop(process)


def build_copy(target: Path, source: Path = PROJECT_ROOT) -> Path:
    """Copy the project to ``target`` and run ``citytools build`` there, as a reader would.

    Returns
    -------
    Path
        The copy (``_build/html`` inside holds the book).

    Raises
    ------
    RuntimeError
        If the build fails; the message ends with the tail of its log.
    """
    copy_project(target, source)
    result = run_process(
        [sys.executable, "-c", "from citytools_analysis.cli import app; app()", "build"],
        cwd=target,
        env=build_environment(target),
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    log = target / "build.log"
    log.write_text(result.stdout + "\n" + result.stderr, encoding="utf-8")
    if result.returncode != 0 or not (target / "_build" / "html" / "index.html").is_file():
        raise RuntimeError(
            f"citytools build failed in {target} (exit {result.returncode}); log {log}:\n"
            + (result.stdout[-3000:] + result.stderr[-3000:])
        )
    return target


# --- serving and browsing ---------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port) in a thread; yield its URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def chromium_context(executable: str) -> Iterator[object]:
    """A Playwright browser context in Debian's Chromium, with a fresh, temporary profile.

    Playwright drives the given executable; it never downloads a browser of its own.
    """
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield context
        finally:
            context.close()


def site_pages(site: Path) -> dict[str, str]:
    """Every HTML page of a built book (theme assets under ``_static`` left out), by path."""
    return {
        path.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(site.rglob("*.html"))
        if "_static" not in path.relative_to(site).parts
    }


# --- checkers -----------------------------------------------------------------------------


@dataclass
class ParsedPage:
    """What the checkers need from one page."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag, URL)
    images: list[tuple[str, str | None, bool]] = field(default_factory=list)  # src, alt, in content
    figures_without_image: int = 0
    text_in_content: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    """Collects ids, links, images and figures; content is the ``<article>`` of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self.article_depth = 0
        self.figure_stack: list[bool] = []  # for each open <figure>: has it an <img>?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.page.ids.add(values[key])
        if tag == "article":
            self.article_depth += 1
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            target = re.search(r"url\s*=\s*(\S+)", values.get("content") or "", re.I)
            if target:
                self.page.links.append((tag, target.group(1).strip("'\"")))
        if tag in ("a", "link") and values.get("href") is not None:
            self.page.links.append((tag, values["href"]))
        if tag in ("script", "iframe", "source") and values.get("src"):
            self.page.links.append((tag, values["src"]))
        if tag == "img":
            self.page.images.append(
                (values.get("src") or "", values.get("alt"), self.article_depth > 0)
            )
            if values.get("src"):
                self.page.links.append((tag, values["src"]))
            if self.figure_stack:
                self.figure_stack[-1] = True
        if tag == "figure" and self.article_depth > 0:
            self.figure_stack.append(False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("article", "figure"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.article_depth:
            self.article_depth -= 1
        if tag == "figure" and self.figure_stack:
            if not self.figure_stack.pop():
                self.page.figures_without_image += 1

    def handle_data(self, data: str) -> None:
        if self.article_depth > 0:
            self.page.text_in_content.append(data)


def parse_page(text: str) -> ParsedPage:
    """Parse one HTML page for the checkers."""
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return parser.page


def is_internal(url: str) -> bool:
    """Whether a link points inside the site: no scheme, no host (``data:``/``mailto:`` are out)."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def link_problems(pages: Mapping[str, str], site: Path) -> list[str]:
    """Every internal link or asset reference that does not resolve.

    A relative URL must name a file inside the built site (a folder means its
    ``index.html``); a ``#fragment`` on a link must be an ``id`` (or ``<a name>``) in the
    target page. Fragments are checked against ``pages`` when the target is one of them
    (e.g. the pages as a browser rendered them), else against the file on disk.

    Parameters
    ----------
    pages
        HTML text by path relative to the site root (POSIX, e.g. ``book/intro.html``).
    site
        The built site's folder (for files that are not in ``pages``).

    Returns
    -------
    list of str
        One line per problem: page, the link, and what is wrong.
    """
    site = Path(site).resolve()
    parsed = {path: parse_page(text) for path, text in pages.items()}
    disk_cache: dict[str, ParsedPage] = {}

    def ids_of(target: str) -> set[str]:
        if target in parsed:
            return parsed[target].ids
        if target not in disk_cache:
            disk_cache[target] = parse_page((site / target).read_text(encoding="utf-8"))
        return disk_cache[target].ids

    problems = []
    for path, page in parsed.items():
        base = PurePosixPath(path).parent
        for tag, url in page.links:
            if not is_internal(url):
                continue
            parts = urlsplit(url)
            target_path = unquote(parts.path)
            if target_path:
                joined = os.path.normpath((base / target_path).as_posix())
                if joined.startswith("..") or os.path.isabs(joined):
                    problems.append(f"{path}: <{tag}> {url!r} points outside the site")
                    continue
                target = PurePosixPath(joined).as_posix()
                if (site / target).is_dir():
                    target = f"{target}/index.html" if target != "." else "index.html"
            else:
                target = path
            if not (site / target).is_file():
                problems.append(f"{path}: <{tag}> {url!r}: {target} does not exist")
                continue
            fragment = unquote(parts.fragment)
            if tag in ("a", "meta") and fragment and target.endswith(".html"):
                if fragment not in ids_of(target):
                    problems.append(f"{path}: <a> {url!r}: no id {fragment!r} in {target}")
    return problems


def internal_link_count(pages: Mapping[str, str]) -> int:
    """How many internal links and asset references the pages hold (to show a check ran)."""
    return sum(
        1 for text in pages.values() for _, url in parse_page(text).links if is_internal(url)
    )


def image_problems(pages: Mapping[str, str]) -> list[str]:
    """Figures that are not images with alt text.

    Every ``<img>`` needs an ``alt`` attribute; in the page content (``<article>``) it must
    not be empty. Every ``<figure>`` in the content must hold an ``<img>``, and no
    matplotlib ``<Figure size …>`` text may stand where a figure should be.

    Parameters
    ----------
    pages
        HTML text by path relative to the site root.

    Returns
    -------
    list of str
        One line per problem.
    """
    problems = []
    for path, text in pages.items():
        page = parse_page(text)
        for src, alt, in_content in page.images:
            shown = src[:60] + ("…" if len(src) > 60 else "")
            if alt is None:
                problems.append(f"{path}: <img src={shown!r}> has no alt attribute")
            elif in_content and not alt.strip():
                problems.append(f"{path}: <img src={shown!r}> in the content has empty alt text")
        if page.figures_without_image:
            problems.append(f"{path}: {page.figures_without_image} <figure>(s) without an <img>")
        if "<Figure size" in "".join(page.text_in_content):
            problems.append(f"{path}: a matplotlib figure repr is shown instead of an image")
    return problems


def content_image_count(pages: Mapping[str, str]) -> int:
    """How many images the pages' content holds (to show the figure check ran)."""
    return sum(
        1 for text in pages.values() for _, _, in_content in parse_page(text).images if in_content
    )


# --- watching a page for its whole life -----------------------------------------------------

LOCAL_PREFIXES = ("http://127.0.0.1:", "file:", "data:", "blob:", "about:")


class PageWatch:
    """Console errors, uncaught errors and failed, refused or non-local requests of one page.

    Attached when the page is opened, it records for the page's whole life: while it loads,
    and after every search, filter or click a test makes. Only while paused (:meth:`pause` until :meth:`resume`: the
    accessibility checker runs: axe-core fetches each stylesheet's ``@import`` again,
    resolved against the page, which 404s) is nothing recorded; those requests are the
    checker's, not the book's. Lines are prefixed with :attr:`label` (the page's path).
    """

    def __init__(self, page, label: str = "") -> None:
        self.label = label
        self.console_errors: list[str] = []
        self.request_problems: list[str] = []
        self._paused = False
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        page.on("request", self._on_request)
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)

    def pause(self) -> None:
        """Record nothing until :meth:`resume`."""
        self._paused = True

    def resume(self) -> None:
        """Record again."""
        self._paused = False

    def _on_console(self, message) -> None:
        if not self._paused and message.type == "error":
            self.console_errors.append(f"{self.label}: {message.text}")

    def _on_page_error(self, error) -> None:
        if not self._paused:
            self.console_errors.append(f"{self.label}: uncaught {error}")

    def _on_request(self, request) -> None:
        if not self._paused and not request.url.startswith(LOCAL_PREFIXES):
            self.request_problems.append(f"{self.label}: leaves localhost: {request.url}")

    def _on_failed(self, request) -> None:
        if not self._paused:
            self.request_problems.append(f"{self.label}: failed: {request.url} ({request.failure})")

    def _on_response(self, response) -> None:
        if not self._paused and response.status >= 400:
            self.request_problems.append(f"{self.label}: HTTP {response.status}: {response.url}")

    @property
    def problems(self) -> list[str]:
        """Everything recorded so far."""
        return self.console_errors + self.request_problems


# --- a phone-width page: does any figure or table overflow out of reach? -------------------

PHONE_VIEWPORT = {"width": 390, "height": 844}

# A content element (figure, image, table, code block, interactive table) that reaches past
# the right edge of the screen is out of reach unless a box around it, itself on screen,
# scrolls sideways. The page itself must not be wider than the screen.
OVERFLOW_SCRIPT = """
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`the page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`);
  }
  const selector = "article img, article figure, article table, article pre, article .dt-container";
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || (box.right <= width + 1 && box.left >= -1)) continue;
    let scroller = element.parentElement, reachable = false;
    while (scroller && scroller !== document.body) {
      const style = getComputedStyle(scroller);
      if (["auto", "scroll"].includes(style.overflowX)
          && scroller.getBoundingClientRect().right <= width + 1) { reachable = true; break; }
      scroller = scroller.parentElement;
    }
    if (!reachable) {
      const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        + (element.className && typeof element.className === "string"
           ? "." + element.className.trim().split(/\\s+/).join(".") : "");
      problems.push(`${name} spans ${Math.round(box.left)}-${Math.round(box.right)}px, out of reach`);
    }
  }
  return problems;
}
"""


# --- numbers as a reader sees them ----------------------------------------------------------

NUMBER_PROBLEMS = (
    (re.compile(r"<NA>"), "a missing value shown as <NA>"),
    (re.compile(r"\bnan\b", re.IGNORECASE), "a missing value shown as nan"),
    (re.compile(r"\bNaT\b"), "a missing date shown as NaT"),
    (re.compile(r"£\s?[\d,]+\.0\b(?!\d)"), "money with a .0"),
    (re.compile(r"(?<![\d.,£])\d{4,}\.0\b(?![\d%])"), "a whole amount written with .0"),
    (
        re.compile(r"\b(?:year|until|by)\b:?\s+[12],\d{3}\b", re.IGNORECASE),
        "a year with a thousands separator",
    ),
    (re.compile(r"between (\d{1,2} \w+ \d{4}) and \1\b"), "a range whose ends are one date"),
)


class _TextParser(HTMLParser):
    """The text a reader sees: everything outside ``<script>`` and ``<style>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        elif tag in ("td", "th", "p", "li", "div", "tr", "caption", "pre", "dd", "dt"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(page_html: str) -> str:
    """A page's text as a reader sees it (cells and paragraphs on lines of their own)."""
    parser = _TextParser()
    parser.feed(page_html)
    parser.close()
    return "".join(parser.parts)


def number_problems(pages: Mapping[str, str]) -> list[str]:
    """Values written the way a data frame prints them, not the way a reader reads them.

    ``<NA>``, ``nan``, ``NaT``, money or a whole amount with ``.0``, a year with a
    thousands separator, and ``between X and X``, in the text of each page (scripts and
    styles left out). One line per finding, with the text around it.
    """
    problems = []
    for path, text in pages.items():
        shown = visible_text(text)
        for pattern, what in NUMBER_PROBLEMS:
            for match in pattern.finditer(shown):
                around = " ".join(shown[max(0, match.start() - 50) : match.end() + 30].split())
                problems.append(f"{path}: {what}: …{around}…")
    return problems
