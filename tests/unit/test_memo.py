"""The engine's memo: each answer computed once per run, even when workers ask at once (two
probes for one file would be two containers on the student's engine)."""
from __future__ import annotations

import threading

import pytest

from grader.engine import Engine


class _Api:
    api_version = "1.41"  # all Engine reads at construction; nothing here talks to an engine


def test_two_workers_asking_at_once_get_one_computation():
    engine = Engine(_Api(), "unix:///nowhere.sock", {})
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def compute():
        calls.append(1)
        started.set()
        release.wait(5)
        return "the answer"

    got: list[str] = []
    first = threading.Thread(target=lambda: got.append(engine._memoised(("file", "x"), compute)))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=lambda: got.append(engine._memoised(("file", "x"), compute)))
    second.start()
    second.join(0.5)  # it asks while the first computes (it cannot finish before the release)
    assert second.is_alive()
    release.set()
    first.join(5)
    second.join(5)
    assert got == ["the answer", "the answer"] and len(calls) == 1


def test_a_failure_is_given_to_those_waiting_and_not_kept():
    engine = Engine(_Api(), "unix:///nowhere.sock", {})

    def fails():
        raise OSError("engine gone")

    with pytest.raises(OSError):
        engine._memoised(("k",), fails)
    assert engine._memoised(("k",), lambda: 42) == 42
