"""Kernels forked from a process that has already imported the report's libraries.

A fresh Jupyter kernel spends most of its short life starting Python and importing: the
kernel itself (IPython, ZeroMQ), pandas, matplotlib, seaborn and scipy.stats, about 1.5 s
of CPU before a chapter's first line runs, paid again by every notebook of a build. Here a
worker of the build's local pool starts one *kernel parent* that makes those imports once;
each kernel the worker then needs is a ``fork`` of it, a new process that already holds them
and starts the kernel (``ipykernel``, as ``python -m ipykernel_launcher`` would) at once.

What a notebook sees is what a fresh kernel gives it: its own process, session and working
folder, the environment Jupyter prepared for it, no module of this project imported (they
are dropped from the copy, so the notebook imports them anew, from where a fresh kernel
would), fresh random states, and the inline matplotlib backend chosen the way ``ipykernel``
chooses it. Only third-party libraries that keep no state of ours are shared
(:data:`PRELOADED`). The test suite re-runs every notebook in fresh kernels and compares the
outputs, and a test runs the same notebooks both ways.

When the parent cannot be started or has gone, or the kernel asked for is not the
environment's own Python kernel, the kernel is started the usual way: slower, never
different. Only the local pool uses forked kernels; a Dask cluster's workers start fresh
ones.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

#: Libraries the kernel parent imports once: what the report's notebooks import beyond this
#: project (the chapters' and the cleaning notebook's), none of which keeps state that a
#: notebook sets. The project's own modules are
#: never shared (they are dropped from each kernel, see :func:`_become_kernel`).
PRELOADED = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "scipy.stats",
    "seaborn",
    "networkx",
    "openpyxl",
    "ftfy",
    "rapidfuzz",
    "itables",
    "defusedxml.ElementTree",
)
#: The backend ipykernel chooses for a kernel, set before matplotlib is first imported.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: The modules a forked kernel must import anew: this project's.
PROJECT_PACKAGE = "citytools_analysis"
#: Seconds to wait for the parent's imports, and for a fork's reply, before giving up on it
#: (the kernel is then started the usual way).
READY_SECONDS = 120
REPLY_SECONDS = 30
#: How the kernel parent is started: by the same Python, from the same folder, as a kernel.
_PARENT_CODE = "from citytools_analysis.build.forked_kernels import serve; serve()"


def serve() -> None:
    """The kernel parent: import :data:`PRELOADED`, then fork one kernel per request.

    A request is one line of JSON on standard input (``argv``, ``env``, ``cwd``); the reply is
    one line on standard output with the kernel's process id. The parent ends when its
    standard input closes (its worker has gone). Kernels that end are reaped by the system.
    """
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything an import prints goes to standard error, not into the replies
    # As ipykernel_launcher does: the working folder is not on the path while importing.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name in PRELOADED:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # ended kernels are reaped, never zombies
    replies.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            break
        pid = os.fork()
        if pid == 0:
            _become_kernel(request, replies.fileno())
        replies.write(json.dumps({"pid": pid}) + "\n")


def _become_kernel(request: dict[str, Any], replies_fd: int) -> None:
    """In the forked child: become the kernel ``request`` asks for; never returns."""
    code = 1
    try:
        os.setsid()  # its own session, as Jupyter starts kernels: interrupts reach it alone
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        os.close(replies_fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
        # The kernel ends if its parent goes (as a fresh kernel does when its starter goes).
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        for name in [m for m in sys.modules if m.split(".")[0] == PROJECT_PACKAGE]:
            del sys.modules[name]
        _fresh_random_states()
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    except BaseException:  # noqa: BLE001 - a kernel that cannot start is reported by Jupyter
        code = 1
    finally:
        os._exit(code)


def _fresh_random_states() -> None:
    """Seed the shared random generators anew, as a fresh process would find them."""
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


class ForkedKernel:
    """A forked kernel's process, seen as :class:`subprocess.Popen` sees its child.

    The kernel is the kernel parent's child, not this process's, so its exit status is not
    known here: a kernel that has gone reports 0.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """None while the kernel runs, else 0."""
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # the number now belongs to another user's process
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end (``subprocess.TimeoutExpired`` after ``timeout``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.01)
        return 0

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel, if it still runs."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        """Ask the kernel to end."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """End the kernel."""
        self.send_signal(signal.SIGKILL)


class KernelParent:
    """This process's kernel parent (see :func:`serve`), started once, asked for kernels.

    Parameters
    ----------
    cwd
        The folder the parent starts in, as a kernel would (the project root).
    """

    def __init__(self, cwd: Path | str) -> None:
        self.cwd = str(cwd)
        self.executable = sys.executable
        self._lock = threading.Lock()
        self._ready = False
        self._process: subprocess.Popen | None = subprocess.Popen(
            [self.executable, "-c", _PARENT_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.cwd,
            text=True,
            bufsize=1,
        )

    def serves(self, argv: list[str], cwd: Path | str) -> bool:
        """Whether the kernel ``argv`` asks for is one this parent can fork.

        Only the environment's own Python kernel (``python -m ipykernel_launcher ...``), run
        by this very Python from the parent's folder, is forked.
        """
        return (
            self._process is not None
            and len(argv) > 3
            and argv[0] == self.executable
            and argv[1:3] == ["-m", "ipykernel_launcher"]
            and os.path.realpath(str(cwd)) == os.path.realpath(self.cwd)
        )

    def fork(self, argv: list[str], env: dict[str, str], cwd: Path | str) -> ForkedKernel | None:
        """A new kernel for ``argv`` (``python -m ipykernel_launcher -f FILE``), or None if
        the parent has gone (the caller then starts the kernel the usual way)."""
        request = {"argv": list(argv[3:]), "env": dict(env), "cwd": str(cwd)}
        with self._lock:
            process = self._process
            if process is None:
                return None
            try:
                if not self._ready:
                    json.loads(self._reply(READY_SECONDS))["ready"]
                    self._ready = True
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
                pid = json.loads(self._reply(REPLY_SECONDS))["pid"]
            except (OSError, ValueError, KeyError, TypeError, TimeoutError):
                self.close(wait=0)  # it did not answer: it is not waited for either
                return None
        return ForkedKernel(int(pid))

    def _reply(self, seconds: float) -> str:
        """The parent's next line, or TimeoutError if none comes within ``seconds``."""
        import select

        stdout = self._process.stdout
        ready, _, _ = select.select([stdout], [], [], seconds)
        if not ready:
            raise TimeoutError(f"the kernel parent did not answer within {seconds} s")
        return stdout.readline()

    def close(self, wait: float = 5) -> None:
        """Stop the parent, given ``wait`` seconds to end by itself (kernels it forked run on
        until they are shut down)."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def forking_is_safe() -> bool:
    """Whether kernels can be forked here: on Linux. (macOS forbids using some system
    libraries after ``fork`` without ``exec``; Windows has no ``fork``.)"""
    return sys.platform.startswith("linux")


_parent: KernelParent | None = None
_parent_folder: Path | str | None = None  # where this process's parent is to start


def start_kernel_parent(cwd: Path | str) -> None:
    """Let this process fork its kernels from a kernel parent started in ``cwd`` (a pool
    worker's initializer). The parent itself starts with the first kernel asked for, so a
    worker that never starts a kernel (a test's stand-in runner) never pays its imports.
    Nothing happens where forking is not safe (kernels then start the usual way)."""
    global _parent_folder
    if forking_is_safe():
        _parent_folder = cwd


def kernel_parent() -> KernelParent | None:
    """This process's kernel parent (started now if it was only let), or None when kernels
    are started the usual way."""
    global _parent
    if _parent is None and _parent_folder is not None:
        import atexit

        _parent = KernelParent(_parent_folder)
        atexit.register(_parent.close)
    return _parent
