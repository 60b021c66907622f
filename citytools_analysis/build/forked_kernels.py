"""Kernels forked from a process that has already imported the report's libraries.

A fresh Jupyter kernel spends most of its short life starting Python and importing: the
kernel itself (IPython, ZeroMQ), pandas, matplotlib, seaborn and scipy.stats, about 1.5 s
of CPU before a chapter's first line runs, paid again by every notebook of a build. Here the
build's local pool starts one *kernel parent* as it starts, which makes those imports once
while the pool's workers start; each kernel a worker then needs is a ``fork`` of it, asked
for through a socket in a private temporary folder: a new process that already holds the
imports and starts the kernel (``ipykernel``, as ``python -m ipykernel_launcher`` would) at
once.

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
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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
_PARENT_CODE = (
    "import sys; from citytools_analysis.build.forked_kernels import serve; serve(sys.argv[1])"
)


def serve(listening: str) -> None:
    """The kernel parent: import :data:`PRELOADED`, then fork one kernel per request made on
    the listening socket whose file descriptor is ``listening``.

    A request is one connection carrying one line of JSON (``argv``, ``env``, ``cwd``); the
    reply is one line with the kernel's process id. Requests made while the imports run wait
    for them. The parent ends when its standard input closes (the runner that started it has
    gone or closed it). Kernels that end are reaped by the system.
    """
    listener = socket.socket(fileno=int(listening))
    os.dup2(2, 1)  # anything an import prints goes to standard error
    # As ipykernel_launcher does: the working folder is not on the path while importing.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name in PRELOADED:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # ended kernels are reaped, never zombies
    while True:
        readable, _, _ = select.select([listener, 0], [], [])
        if 0 in readable and not os.read(0, 4096):
            break  # the runner closed the pipe, or has gone
        if listener not in readable:
            continue
        connection, _ = listener.accept()
        with connection:
            try:
                connection.settimeout(REPLY_SECONDS)
                request = json.loads(_line(connection))
            except (OSError, ValueError):
                continue
            pid = os.fork()
            if pid == 0:
                _become_kernel(request, (listener.fileno(), connection.fileno()))
            with contextlib.suppress(OSError):
                connection.sendall((json.dumps({"pid": pid}) + "\n").encode())
    os._exit(0)  # nothing to tidy (an interpreter's teardown costs 0.3 s)


def _line(connection: socket.socket) -> str:
    """One line read from ``connection`` (its timeout applies to each read)."""
    received = b""
    while not received.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            raise ValueError("the connection closed before a whole line")
        received += chunk
    return received.decode()


def _become_kernel(request: dict[str, Any], inherited: tuple[int, ...]) -> None:
    """In the forked child: become the kernel ``request`` asks for; never returns."""
    code = 1
    try:
        os.setsid()  # its own session, as Jupyter starts kernels: interrupts reach it alone
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in inherited:  # the parent's listening socket and the request's connection
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
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


class KernelClient:
    """Asks a kernel parent (see :func:`serve`) for kernels: what a pool worker holds.

    Parameters
    ----------
    address
        The parent's socket.
    cwd
        The folder the parent started in, as a kernel would (the project root).
    """

    def __init__(self, address: str, cwd: Path | str) -> None:
        self.address = address
        self.cwd = str(cwd)
        self.executable = sys.executable
        self._gone = False

    def serves(self, argv: list[str], cwd: Path | str) -> bool:
        """Whether the kernel ``argv`` asks for is one the parent can fork.

        Only the environment's own Python kernel (``python -m ipykernel_launcher ...``), run
        by this very Python from the parent's folder, is forked.
        """
        return (
            not self._gone
            and len(argv) > 3
            and argv[0] == self.executable
            and argv[1:3] == ["-m", "ipykernel_launcher"]
            and os.path.realpath(str(cwd)) == os.path.realpath(self.cwd)
        )

    def fork(self, argv: list[str], env: dict[str, str], cwd: Path | str) -> ForkedKernel | None:
        """A new kernel for ``argv`` (``python -m ipykernel_launcher -f FILE``), or None if
        the parent has gone or does not answer (the caller then starts the kernel the usual
        way, and this parent is not asked again)."""
        request = {"argv": list(argv[3:]), "env": dict(env), "cwd": str(cwd)}
        if self._gone:
            return None
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                # The first answer may wait for the parent's imports.
                connection.settimeout(READY_SECONDS)
                connection.connect(self.address)
                connection.sendall((json.dumps(request) + "\n").encode())
                pid = int(json.loads(_line(connection))["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            self._given_up()
            return None
        return ForkedKernel(pid)

    def _given_up(self) -> None:
        self._gone = True


class KernelParent(KernelClient):
    """The kernel parent of a runner: started once, shared by its workers through a socket
    in a private temporary folder, and asked for kernels as any :class:`KernelClient` asks.

    Parameters
    ----------
    cwd
        The folder the parent starts in, as a kernel would (the project root).
    """

    def __init__(self, cwd: Path | str) -> None:
        self._folder = tempfile.mkdtemp(prefix="citytools-kernels-")
        super().__init__(os.path.join(self._folder, "parent"), cwd)
        # Listening before the parent starts: a request made at once waits, never fails.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(self.address)
            listener.listen(64)
            self._process: subprocess.Popen | None = subprocess.Popen(
                [self.executable, "-c", _PARENT_CODE, str(listener.fileno())],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self.cwd,
                pass_fds=(listener.fileno(),),
            )

    def serves(self, argv: list[str], cwd: Path | str) -> bool:
        """As :meth:`KernelClient.serves`, while the parent has not been closed."""
        return self._process is not None and super().serves(argv, cwd)

    def _given_up(self) -> None:
        super()._given_up()
        self.close(wait=0)  # it did not answer: it is not waited for either

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
        shutil.rmtree(self._folder, ignore_errors=True)


def forking_is_safe() -> bool:
    """Whether kernels can be forked here: on Linux. (macOS forbids using some system
    libraries after ``fork`` without ``exec``; Windows has no ``fork``.)"""
    return sys.platform.startswith("linux")


_parent: KernelClient | None = None


def use_kernel_parent(address: str, cwd: Path | str) -> None:
    """Let this process (a pool worker: the pool's initializer) fork its kernels from the
    kernel parent listening at ``address``, started in ``cwd``."""
    global _parent
    _parent = KernelClient(address, cwd)


def kernel_parent() -> KernelClient | None:
    """This process's kernel parent, or None when kernels are started the usual way."""
    return _parent
