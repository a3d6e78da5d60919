"""`grade LAB --watch`: grade once, then follow the engine's events and re-grade, after each burst
of changes, only the checks that change can affect.

Which checks a change affects is declared on each check kind, as `reacts_to` (checks/*.py):

- "image", "container", "volume", "network": any change to that kind of object re-grades it
  (cheap kinds: an inspect, a listing, a log read);
- "its-image": only a change to the images its parameters name (`image`, `base`, `not_base`,
  ...): a name that appeared, went or now names another image. For kinds that start probes
  (`run`, `image_file`), which are the slow part of grading;
- "running": its verdict can change while a container runs, with no event at all (logs grow, a
  server starts answering, a file is written): for a while after a container starts, it is
  re-graded every few seconds until it passes;
- "parts": `all`, whose parts say it.

A check whose blocker (`needs`) changed verdict follows it: grading.grade runs or skips it again.
What changed about images is read from the image listing, not from the events' words, which
differ between engines (see engine/events.py).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Union

from . import refs
from .checks import KINDS
from .engine import EngineError
from .engine.events import Event, Lost, silent_builds
from .grading import grade
from .model import Report, Result, Status

if TYPE_CHECKING:
    from .engine import Engine
    from .rubric import CheckSpec, Rubric

QUIET = 0.4         # seconds without an event that end a burst (a build emits many events)
CAP = 2.0           # a burst still going after this long is graded anyway (and again when it ends)
SETTLE = 30.0       # after a container starts, "running" checks are re-graded for this long...
SETTLE_EVERY = 2.0  # ...this often, until they pass
POLL = 2.0          # how often the image listing is compared where builds emit no event
WAKE = 0.5          # longest wait in one go: Ctrl-C and SIGTERM are handled between waits

OBJECTS = ("image", "container", "volume", "network")
IMAGE_KEYS = ("image", "base", "not_base", "same_as", "digest_of", "probe_image")
STARTS = ("start", "restart", "unpause")


@dataclass
class Change:
    """What a burst of events (or a tick) changed on the engine."""

    kinds: set[str] = field(default_factory=set)  # image, container, volume, network
    names: set[str] = field(default_factory=set)  # image names (refs.key) and ids that changed
    started: bool = False                         # a container started
    settle: bool = False                          # a tick: only "running" checks, no event


class View(Protocol):
    def started(self, spec: CheckSpec) -> None: ...

    def finished(self, result: Result) -> None: ...

    def graded(self, report: Report, previous: Report | None) -> None: ...


def image_refs(params: dict) -> set[str]:
    """The image names (refs.key) a check's parameters name."""
    out: set[str] = set()
    for key in IMAGE_KEYS:
        value = params.get(key)
        for ref in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            if isinstance(ref, str) and ref:
                out.add(ref if ref.startswith("sha256:") else refs.key(ref))
    return out


def reacts(kind: str, params: dict, change: Change) -> bool:
    """Whether a check of this kind and parameters can change verdict after `change`."""
    cls = KINDS.get(kind)
    tokens = cls.reacts_to if cls is not None else frozenset(OBJECTS) | {"running"}
    if "parts" in tokens:
        parts = params.get("checks") or []
        if any(reacts(p.get("kind", ""), {k: v for k, v in p.items() if k != "kind"}, change)
               for p in parts if isinstance(p, dict)):
            return True
    if change.settle:
        return "running" in tokens
    if tokens & change.kinds:
        return True
    if "running" in tokens and change.started:
        return True
    return "its-image" in tokens and bool(image_refs(params) & change.names)


def changed_names(before: dict, after: dict) -> set[str]:
    """Image names that appeared, went or now name another image (or digests), and the ids of
    images that appeared or went (a check may name an image by id)."""
    names = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
    ids_before = {v[0] for v in before.values()}
    ids_after = {v[0] for v in after.values()}
    return names | {"sha256:" + i for i in ids_before ^ ids_after}


class Watcher:
    """Grades `rubric` on `engine` again after each change, until the engine is lost (run()
    returns it) or the user stops it (KeyboardInterrupt, also from SIGTERM, goes through).
    `report` is the last complete grading, or after Ctrl-C in the middle of one, the last
    complete grading with the checks that one finished."""

    def __init__(self, rubric: Rubric, engine: Engine, student: str, budget: float | None, view: View):
        self.rubric, self.engine, self.student, self.budget, self.view = rubric, engine, student, budget, view
        self.report: Report | None = None
        self._names: dict = {}
        self._poll = False
        self._settle_until = 0.0
        self._next_tick = 0.0

    def run(self) -> Lost:
        stream = self.engine.events()  # first, so that nothing done during the first grading is missed
        try:
            self._poll = silent_builds(self.engine)
            self._names = self.engine.image_names()
            self._grade(None)
            while True:
                try:
                    change = self._next_change(stream)
                    if isinstance(change, Lost):
                        return change
                    self._apply(change)
                except EngineError as e:  # reading the image listing: the engine went away
                    return Lost(e.message)
        finally:
            stream.close()

    # ---- one re-grade ---------------------------------------------------------------------------

    def _apply(self, change: Change) -> None:
        if change.started:
            self._settle_until = time.monotonic() + SETTLE
        previous = {r.id: r for r in self.report.results} if self.report else {}
        rerun = {c.id for c in self.rubric.checks if reacts(c.kind, c.params, change)}
        if change.settle:  # nothing happened: only what is still missing can have come meanwhile
            rerun = {i for i in rerun if i not in previous or not previous[i].passed}
        if not rerun:
            return
        self.engine.forget(change.kinds | ({"container", "volume"} if change.settle else set()))
        self._grade(rerun)

    def _grade(self, rerun: set[str] | None) -> None:
        previous = self.report
        earlier = {r.id: r for r in previous.results} if previous else {}

        def keep(spec: CheckSpec) -> Result | None:
            if rerun is None or spec.id in rerun:
                return None
            result = earlier.get(spec.id)
            # A check that was skipped (its blocker now passes) or could not be graded runs again.
            return result if result is not None and result.status in (Status.PASSED, Status.FAILED) else None

        finished: dict[str, Result] = {}

        def on_result(result: Result) -> None:
            finished[result.id] = result
            self.view.finished(result)

        try:
            report = grade(self.rubric, self.engine, self.student, budget=self.budget,
                           on_progress=self.view.started, on_result=on_result, keep=keep)
        except KeyboardInterrupt:
            if previous is not None and finished:
                # Stopped in the middle of a re-grade: the checks it finished are graded on the
                # engine as it is now (the screen already shows them), the rest keep their last
                # verdict; the checklist left on the screen and the reports then say the same.
                self.report = dataclasses.replace(
                    previous, results=[finished.get(r.id, r) for r in previous.results])
            raise
        if report.fault is not None:
            self.engine.reopen()  # out of time: its probes were removed; the next change grades again
        self.report = report
        self.view.graded(report, previous)

    # ---- waiting for a change -------------------------------------------------------------------

    def _next_change(self, stream) -> Union[Change, Lost]:
        """Block until a burst of events ends (QUIET seconds without one, or CAP seconds after
        its first), or a tick is due (the image listing's poll, a settle re-grade)."""
        events: list[Event] = []
        first = last = 0.0
        while True:
            now = time.monotonic()
            if events:
                wait = min(last + QUIET, first + CAP) - now
                if wait <= 0:
                    return self._change(events, tick=False)
            else:
                due = self._due()
                if due is not None and due <= now:
                    return self._change([], tick=True)
                wait = WAKE if due is None else due - now
            got = stream.get(timeout=max(0.0, min(wait, WAKE)))
            if isinstance(got, Lost):
                return got
            if got is not None:
                now = time.monotonic()
                first = first or now
                last = now
                events.append(got)

    def _due(self) -> float | None:
        """When the next tick is due, if any is."""
        settling = time.monotonic() < self._settle_until
        if not (self._poll or settling):
            return None
        if self._next_tick == 0.0:
            self._next_tick = time.monotonic() + min(POLL, SETTLE_EVERY)
        return self._next_tick

    def _change(self, events: list[Event], tick: bool) -> Change:
        change = Change(kinds={e.type for e in events},
                        started=any(e.type == "container" and e.action in STARTS for e in events))
        if tick:
            self._next_tick = 0.0
        # Images are compared by their listing: what an engine says about them differs (a Podman
        # commit or a BuildKit build on the containerd store says nothing at all).
        if (tick and self._poll) or any(e.type == "image" or e.action == "commit" for e in events):
            names = self.engine.image_names()
            change.names = changed_names(self._names, names)
            self._names = names
            if change.names:
                change.kinds.add("image")
        if tick and not change.kinds and time.monotonic() < self._settle_until:
            change.settle = True
        return change

