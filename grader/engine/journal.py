"""Journal: the probes a grading run created, written down as it goes, so the next run on this
machine can remove those of a run that was killed (SIGKILL leaves no chance to clean up).

This keeps orphan removal off the engine's full container list, whose cost grows with every
container a student has; the journal holds only a killed run's few probe ids.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import TextIO

STALE = 7 * 24 * 3600  # a dead run's journal for an engine no run has met since: dropped after a week


def state_dir(platform: str | None = None, env=None, home: Path | None = None) -> Path:
    """Where a user's own state lives, by the platform's convention: XDG_STATE_HOME if set, else
    %LOCALAPPDATA% on Windows, ~/Library/Application Support on macOS, ~/.local/state elsewhere."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = Path(home) if home is not None else Path.home()
    if env.get("XDG_STATE_HOME"):
        base = Path(env["XDG_STATE_HOME"])
    elif platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = home / ".local" / "state"
    return base / "grade" / "probes"


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _alive_windows(pid: int) -> bool:
    """On Windows os.kill(pid, 0) would terminate the process: ask for its exit code instead."""
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.GetLastError() == 5  # type: ignore[attr-defined]  # access denied: it exists, someone else's
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


class Journal:
    def __init__(self, address: str, run_id: str, directory: Path | None = None):
        self.address = address
        self.dir = directory or state_dir()
        self.path = self.dir / f"{run_id}.probes"
        self._file: TextIO | None = None
        self._broken = False

    def add(self, probe_id: str) -> None:
        if self._broken:
            return
        try:
            if self._file is None:
                self.dir.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "w", encoding="utf-8")
                header = {"address": self.address, "host": socket.gethostname(), "pid": os.getpid()}
                self._file.write(json.dumps(header) + "\n")
            self._file.write(probe_id + "\n")
            self._file.flush()
        except OSError:  # no writable home (a bare CI container): grading goes on without it
            self._broken = True

    def close(self) -> None:
        """Every probe is gone: forget them."""
        if self._file is not None:
            self._file.close()
            self._file = None
        try:
            self.path.unlink()
        except OSError:
            pass

    def leftovers(self) -> list[tuple[Path, list[str]]]:
        """Journals of dead runs on this machine against this engine, with their probe ids."""
        out: list[tuple[Path, list[str]]] = []
        try:
            paths = sorted(self.dir.glob("*.probes"))
        except OSError:
            return out
        for path in paths:
            if path == self.path:
                continue
            try:
                header, *ids = path.read_text(encoding="utf-8").splitlines()
                owner = json.loads(header)
            except (OSError, ValueError):
                continue
            if owner.get("host") != socket.gethostname():
                continue
            if not isinstance(owner.get("pid"), int) or _alive(owner["pid"]):
                continue  # a concurrent grader's probes are its own business
            if owner.get("address") != self.address:
                if _age(path) > STALE:  # e.g. a test engine long gone
                    path.unlink(missing_ok=True)
                continue
            out.append((path, [i for i in ids if i]))
        return out
