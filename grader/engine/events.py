"""The engine's event stream, for `grade LAB --watch`: what changed on the engine, as it happens.

Docker and Podman both serve GET /events; they name some actions differently (Podman: `remove`
for Docker's `destroy`/`delete`, `loadfromarchive` for `load`) and report different things (a
Podman build emits `build` with the image id and no `tag`; a Podman commit emits no image event
at all; a BuildKit build on Docker's containerd image store emits nothing). So an event here only
says which kind of object changed; what changed about images is read from the image listing
(Engine.image_names), the same way on every engine.

The grader's own probe containers emit events too (create, start, die, destroy); they carry the
probe label and are dropped here, or a watcher would re-grade after each of its own probes.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from ..text import Text, _
from .probes import is_probe

if TYPE_CHECKING:
    from .api import Engine

# Per object type, the actions (normalised) that can change what a check sees. Left out on
# purpose: reads (`archive-path` is the grader's own reading of a container's file, `export`,
# `save`, `top`, `attach`, `resize`), `exec_create`/`exec_start` (the `exec_die` that follows is
# when a command in a container has done its work), `kill`/`stop` (a `die` follows), Podman's
# `init`, `sync` and `cleanup` (bookkeeping), and image `prune` (only nameless images go).
ACTIONS = {
    "image": {"tag", "untag", "delete", "import", "load", "pull", "push", "build", "create", "commit"},
    "container": {"create", "start", "restart", "die", "destroy", "rename", "pause", "unpause",
                  "update", "commit", "exec_die", "extract-to-dir"},
    "volume": {"create", "destroy"},
    "network": {"create", "destroy", "connect", "disconnect"},
}
# Podman's words for the same actions.
SYNONYMS = {("image", "remove"): "delete", ("image", "loadfromarchive"): "load",
            ("container", "remove"): "destroy", ("container", "died"): "die",
            ("volume", "remove"): "destroy", ("network", "remove"): "destroy"}


@dataclass(frozen=True)
class Event:
    """One change on the engine that can change a check's verdict."""

    type: str    # image | container | volume | network
    action: str  # normalised: Docker's word (destroy, delete, load)
    id: str      # the object's id, as the engine gave it
    name: str    # a tag for tag/untag/pull, a container's or volume's name; may be empty


@dataclass(frozen=True)
class Lost:
    """The event stream ended and the engine no longer answers."""

    message: Text


def parse(raw: dict) -> Event | None:
    """An event from the engine's JSON, or None when it cannot change a verdict (or is ours)."""
    kind = raw.get("Type") or ""
    action = (raw.get("Action") or raw.get("status") or "").split(":", 1)[0].strip()
    action = SYNONYMS.get((kind, action), action)
    if action not in ACTIONS.get(kind, ()):
        return None
    actor = raw.get("Actor") or {}
    attributes = actor.get("Attributes") or {}
    if kind == "container" and is_probe(attributes):  # container labels come as attributes
        return None
    return Event(type=kind, action=action, id=actor.get("ID") or raw.get("id") or "",
                 name=attributes.get("name") or "")


class EventStream:
    """Follows the engine's events on a thread of its own; `get` hands them over one by one.

    Opened before the first grading, so nothing that happens while it runs is missed. If the
    stream ends without being closed, the engine is asked whether it is still there: if it is
    (a proxy cut an idle connection), the stream is opened again from the last event seen; if
    not, `get` gives Lost."""

    TYPES = sorted(ACTIONS)
    RECONNECTS = 3  # streams opened again in a row without an event in between, before giving up

    def __init__(self, engine: Engine):
        self._engine = engine
        self._queue: queue.SimpleQueue[Union[Event, Lost]] = queue.SimpleQueue()
        self._closing = threading.Event()
        self._stream: Any = None
        self._since: float | None = None
        self._open()  # in the caller's thread: an engine that refuses /events fails here
        threading.Thread(target=self._follow, name="grade-events", daemon=True).start()

    def _open(self) -> None:
        self._stream = self._engine.call(self._engine.api.events, decode=True, since=self._since,
                                         filters={"type": self.TYPES})

    def _follow(self) -> None:
        reconnects = 0
        while True:
            why: BaseException | None = None
            try:
                for raw in self._stream:
                    reconnects = 0
                    self._take(raw)
            except Exception as e:  # noqa: BLE001 - the connection broke: decided below
                why = e
            if self._closing.is_set():
                return
            reconnects += 1
            lost = self._reopen() if reconnects <= self.RECONNECTS else self._lost(why)
            if lost is not None:
                self._queue.put(lost)
                return

    def _take(self, raw) -> None:
        if not isinstance(raw, dict):
            return
        stamp = raw.get("time")
        if isinstance(stamp, (int, float)):
            self._since = float(stamp)  # where a reopened stream starts (replays are harmless)
        event = parse(raw)
        if event is not None:
            self._queue.put(event)

    def _reopen(self) -> Lost | None:
        """Open the stream again if the engine still answers; else say it is lost."""
        from .errors import EngineError

        try:
            self._engine.call(self._engine.api.ping)
            time.sleep(0.2)
            self._open()
        except EngineError as e:
            return Lost(e.message)
        return None

    def _lost(self, why: BaseException | None) -> Lost:
        from .connection import failure_summary

        said = failure_summary(why) if why is not None else _("the event stream ended")
        address = self._engine.address
        return Lost(_("lost the Docker Engine at {address}: {said}", address=address, said=said))

    def get(self, timeout: float) -> Event | Lost | None:
        """The next event, or None when none came within `timeout` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._closing.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:  # noqa: BLE001 - already broken: nothing left to close
                pass


def silent_builds(engine: Engine) -> bool:
    """Whether images can appear with no event: Docker's containerd image store (Docker Desktop's
    default) tags a BuildKit build without one, so a watcher must also look at the listing."""
    info = engine.call(engine.api.info) or {}
    status = {pair[0]: pair[1] for pair in info.get("DriverStatus") or []
              if isinstance(pair, (list, tuple)) and len(pair) == 2}
    return "containerd.snapshotter" in str(status.get("driver-type", ""))
