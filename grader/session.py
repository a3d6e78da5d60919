"""The lifecycle of one engine for one command that touches it (`grade LAB`, `grade rubric draft`).

Every such command runs inside engine_session(): SIGTERM (CI cancelling a job) stops it as Ctrl-C
does, the probes a killed earlier run left are removed first, and this run's probes are removed
however it ends. The CLI holds no lifecycle code of its own.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .engine import DEFAULT_TIMEOUT, Engine, connect


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


@contextmanager
def engine_session(host: str | None = None, call_timeout: float = DEFAULT_TIMEOUT) -> Iterator[Engine]:
    """Connect (EngineUnavailable if it cannot), remove orphaned probes, yield the engine, and
    remove every probe of this run on the way out, after an error, Ctrl-C or SIGTERM too."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main else None
    try:
        engine = connect(host, timeout=call_timeout)
        try:
            engine.remove_orphans()
            yield engine
        finally:
            engine.cleanup()
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
