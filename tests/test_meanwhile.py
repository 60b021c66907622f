"""Work the build does "meanwhile" runs in a thread of lowered priority, and says how it
ended."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from citytools_analysis.build.meanwhile import LOWERED_BY, lower_this_thread, meanwhile


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's niceness: Linux")
def test_only_the_meanwhile_thread_is_lowered():
    before = _niceness()
    seen = meanwhile(_niceness).result(timeout=30)
    assert seen == min(19, before + LOWERED_BY)
    assert _niceness() == before  # this thread (and so the process's others) kept theirs


def test_a_meanwhile_result_and_error_reach_the_caller():
    assert meanwhile(sorted, [3, 1, 2]).result(timeout=30) == [1, 2, 3]
    with pytest.raises(ZeroDivisionError):
        meanwhile(lambda: 1 / 0).result(timeout=30)


def test_lowering_a_thread_is_refused_quietly_where_it_cannot_be_done(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert lower_this_thread() is False
