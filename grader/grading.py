"""Grade a rubric on an engine: run the checks (independent ones concurrently), honour `needs`,
and turn engine failures into `error` results instead of lost points."""
from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Callable

from . import points
from .checks import KINDS
from .engine import Engine, EngineError
from .match import PatternTimeout
from .model import Outcome, Report, Result, Status
from .rubric import CheckSpec, Rubric
from .text import _, join

WORKERS = 6


class _Workers:
    """A fixed set of daemon threads running checks. Unlike ThreadPoolExecutor (whose threads the
    interpreter joins at exit), a worker stuck in I/O can never keep the process alive past the
    deadline: Python threads cannot be killed, so they are simply not waited for."""

    def __init__(self, n: int):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        for i in range(n):
            threading.Thread(target=self._work, name=f"grade-worker-{i}", daemon=True).start()

    def _work(self):
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
                future.set_exception(e)

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        self._jobs.put((future, fn, args))
        return future

    def stop(self, n: int = WORKERS):
        """Idle workers end; busy ones end when their check does, or with the process."""
        for _i in range(n):
            self._jobs.put(None)


def levels(checks: list[CheckSpec]) -> list[list[CheckSpec]]:
    """Checks grouped so that each one's needs are in earlier groups (the loader rejects cycles)."""
    depth: dict[str, int] = {}
    by_id = {c.id: c for c in checks}

    def level(c: CheckSpec) -> int:
        if c.id not in depth:
            depth[c.id] = 1 + max((level(by_id[n]) for n in c.needs), default=-1)
        return depth[c.id]

    out: list[list[CheckSpec]] = []
    for c in checks:
        d = level(c)
        while len(out) <= d:
            out.append([])
        out[d].append(c)
    return out


def _result(spec: CheckSpec, status: Status, outcome: Outcome, seconds: float = 0.0) -> Result:
    score = spec.points if status is Status.PASSED else 0.0
    return Result(id=spec.id, section=spec.section, section_title=spec.section_title, title=spec.title,
                  status=status, score=score, max_score=spec.points, bonus=spec.bonus,
                  message=outcome.message, hint=outcome.hint or spec.hint, evidence=outcome.evidence, seconds=seconds)


def run_check(spec: CheckSpec, engine: Engine) -> Result:
    start = time.monotonic()
    try:
        outcome = KINDS[spec.kind](spec.params).evaluate(engine)
    except PatternTimeout as e:  # the rubric's fault, not the student's: no points lost
        return _result(spec, Status.ERROR, Outcome(False, e.message), time.monotonic() - start)
    status = Status.PASSED if outcome.passed else Status.FAILED
    return _result(spec, status, outcome, time.monotonic() - start)


# Kinds that run or create probe containers take most of a grading run: they start first, so
# the quick inspections fill the other workers meanwhile instead of delaying them.
SLOW_KINDS = ("all", "run", "image_file", "container_file", "http")


class _Results(dict):
    """Results by check id that tell an observer (a live terminal) of each one as it is set."""

    def __init__(self, on_result: Callable[[Result], None] | None):
        super().__init__()
        self.on_result = on_result

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if self.on_result is not None:
            self.on_result(value)


def grade(rubric: Rubric, engine: Engine, student: str, budget: float | None = None,
          on_progress: Callable[[CheckSpec], None] | None = None,
          on_result: Callable[[Result], None] | None = None,
          keep: Callable[[CheckSpec], Result | None] | None = None) -> Report:
    """Grade every check; with a `budget` (seconds), checks still running when it is spent are
    errors (the engine is too slow: not the student's fault) and their probes are removed.

    A check starts as soon as the checks it needs have passed (not when a whole level is done),
    slow kinds first. The calling thread keeps the clock: workers are daemon threads, so one
    stuck in I/O is left behind, never waited for.

    `on_progress(spec)` is called when a check starts running, `on_result(result)` when its
    result is known; both on the calling thread (the terminal shows progress through them).
    `keep(spec)`, asked when a check could run, may give an earlier result to use instead (a
    watch re-grades only what a change on the engine can affect)."""
    report = Report(lab=rubric.lab, title=rubric.title, student=student, engine=dict(engine.info),
                    command=rubric.command)
    start = time.monotonic()
    deadline = start + budget if budget else None
    results: dict[str, Result] = _Results(on_result)
    if engine.info.get("os") not in ("", "linux"):
        report.fault = _("this lab needs a Linux engine; this one runs {os} containers. Switch "
                         "Docker Desktop to Linux containers and grade again.", os=engine.info["os"])
    order = {c.id: i for i, c in enumerate(rubric.checks)}
    waiting = sorted(rubric.checks, key=lambda c: (c.kind not in SLOW_KINDS, order[c.id]))
    running: dict[Future, CheckSpec] = {}
    pool = _Workers(WORKERS)
    try:
        while waiting or running:
            if report.fault is None:
                for spec in list(waiting):
                    if any(n not in results for n in spec.needs):
                        continue  # a check it needs is still running
                    waiting.remove(spec)
                    blockers = [n for n in spec.needs if not results[n].passed]
                    if blockers:
                        # Students know checks by their titles; the id is what reports and rubrics use.
                        # NOTE: a check a student must pass first: its title in quotes, then its id.
                        named = join([_("\"{title}\" ({id})", title=rubric.by_id[n].title, id=n) for n in blockers],
                                     ", ")
                        results[spec.id] = _result(spec, Status.SKIPPED, Outcome(False, _(
                            "not checked: it needs {checks} to pass first", checks=named)))
                    elif keep is not None and (kept := keep(spec)) is not None:
                        results[spec.id] = kept
                    else:
                        running[pool.submit(run_check, spec, engine)] = spec
                        if on_progress is not None:
                            on_progress(spec)
                if not running:
                    continue  # only skips this pass: they may unblock more checks (needs has no cycles)
            if report.fault is not None:
                for future, spec in running.items():  # out of time or engine lost: do not wait
                    if future.done() and future.exception() is None:
                        results[spec.id] = future.result()
                    else:
                        results[spec.id] = _result(spec, Status.ERROR, Outcome(False, report.fault))
                for spec in waiting:
                    results[spec.id] = _result(spec, Status.ERROR, Outcome(False, _(
                        "not graded: {fault}", fault=report.fault)))
                running.clear()
                waiting.clear()
                break
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, _pending = wait(list(running), timeout=left, return_when=FIRST_COMPLETED)
            if not done:
                report.fault = _("grading took longer than --timeout {seconds} s: the Docker Engine (or a "
                                 "server a check asked) is too slow or stuck; what was graded is kept",
                                 seconds=points.number(budget or 0))
                engine.cleanup()  # ends the probes still running
                continue
            for future in sorted(done, key=lambda f: order[running[f].id]):
                spec = running.pop(future)
                try:
                    results[spec.id] = future.result()
                except EngineError as e:
                    report.fault = report.fault or e.message
                    results[spec.id] = _result(spec, Status.ERROR, Outcome(False, e.message))
            if report.fault is not None and running:
                engine.cleanup()  # the engine failed: end the probes of checks not waited for
    except BaseException:
        # Ctrl-C or SIGTERM: remove the probes first, which also ends the workers waiting on them.
        engine.cleanup()
        pool.stop()
        raise
    pool.stop()
    report.results = [results[c.id] for c in rubric.checks]
    report.seconds = time.monotonic() - start
    return report


def unreachable_report(rubric: Rubric, student: str, error: EngineError) -> Report:
    """Every check an error: CI still gets a report that says the engine, not the student, failed."""
    report = Report(lab=rubric.lab, title=rubric.title, student=student,
                    engine={"address": error.address}, fault=error.message, command=rubric.command)
    report.results = [_result(spec, Status.ERROR, Outcome(False, error.message)) for spec in rubric.checks]
    return report
