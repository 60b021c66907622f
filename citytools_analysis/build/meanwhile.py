"""Work the build does "meanwhile", scheduled after the work on its way.

While the cleaning notebook runs, the build also makes imports it will need later (the
chapters' modules, scipy.stats, the profiles' code). On two cores those imports compete
with the one process the whole build waits for: the kernel parent making its imports, then
the cleaning kernel. Here such work runs in a thread of its own whose priority is lowered
(on Linux a thread has its own niceness), so that the system gives the waiting-for process
the CPU first and this work the rest; the process's other threads keep their priority.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

#: How much the niceness of a "meanwhile" thread is raised (lower priority; 0 to 19).
LOWERED_BY = 10


def lower_this_thread(by: int = LOWERED_BY) -> bool:
    """Lower the priority of the calling thread (only), on Linux; whether it was lowered.

    Raising one's own niceness needs no privilege; the other threads of the process, and
    the processes it starts later from other threads, keep their priority.
    """
    if not sys.platform.startswith("linux"):
        return False
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + by)
    except (OSError, AttributeError):
        return False
    return True


def meanwhile(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """``function(*args, **kwargs)`` in a new thread of lowered priority; its future (which
    holds the exception, if it raises)."""
    future: Future = Future()

    def run() -> None:
        lower_this_thread()
        try:
            result = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - handed to whoever reads the future
            future.set_exception(error)
        else:
            future.set_result(result)

    threading.Thread(target=run, name="citytools-meanwhile", daemon=True).start()
    return future
