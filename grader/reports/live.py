"""Progress on a terminal: each check's lines as soon as it and the checks before it are done, and
below them a line per running check (what it waits for, seconds so far), redrawn in place.

Used only when standard output is a terminal; elsewhere (CI logs) the report is printed once, at
the end, by terminal.render. Both print the same report lines, so what stays on the screen is
the same text either way."""
from __future__ import annotations

import shutil
import sys
import threading
import time
import unicodedata

from ..model import Report, Result
from ..rubric import CheckSpec, Rubric
from ..text import _
from . import terminal

TICK = 1.0  # seconds between redraws of the running lines


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, columns: int) -> str:
    """Cut to the terminal's width: a running line that wrapped could not be redrawn in place."""
    if _width(text) < columns:
        return text
    out, used = [], 0
    for c in text:
        w = _width(c)
        if used + w >= columns - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


class Live:
    """An observer of grading: give `started` and `finished` to grading.grade, then call `close`."""

    def __init__(self, rubric: Rubric, lang: str, color: bool, out=None):
        self.rubric, self.lang, self.color = rubric, lang, color
        self.out = out or sys.stdout
        self.order = [c.id for c in rubric.checks]
        self.done: dict[str, Result] = {}
        self.shown = 0                            # checks already printed, in rubric order
        self.section: str | None = None
        self.running: dict[str, tuple[CheckSpec, float]] = {}
        self.drawn = 0                            # running lines on the screen now
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ticker = threading.Thread(target=self._tick, name="grade-live", daemon=True)

    def open(self, student: str) -> None:
        heading = Report(lab=self.rubric.lab, title=self.rubric.title, student=student, engine={})
        self._write(terminal.header(heading, self.lang, self.color) + "\n")
        self.ticker.start()

    def started(self, spec: CheckSpec) -> None:
        with self.lock:
            self.running[spec.id] = (spec, time.monotonic())
            self._redraw([])

    def finished(self, result: Result) -> None:
        with self.lock:
            self.running.pop(result.id, None)
            self.done[result.id] = result
            lines = []
            while self.shown < len(self.order) and self.order[self.shown] in self.done:
                r = self.done[self.order[self.shown]]
                if r.section != self.section:
                    self.section = r.section
                    lines += terminal.section_lines(r, self.lang, self.color)
                lines += terminal.result_lines(r, self.lang, self.color)
                self.shown += 1
            self._redraw(lines)

    def close(self, report: Report | None = None) -> None:
        """Stop redrawing; with the final report, print what is left of it and the total."""
        self.stop.set()
        with self.lock:
            self.running.clear()
            lines = []
            if report is not None:
                for r in report.results[self.shown:]:
                    if r.section != self.section:
                        self.section = r.section
                        lines += terminal.section_lines(r, self.lang, self.color)
                    lines += terminal.result_lines(r, self.lang, self.color)
                self.shown = len(report.results)
                lines += terminal.footer(report, self.lang, self.color)
            self._redraw(lines)

    # ---- drawing (with the lock held) ----------------------------------------------------------

    def _tick(self) -> None:
        while not self.stop.wait(TICK):
            with self.lock:
                if self.running:
                    self._redraw([])

    def _running_lines(self) -> list[str]:
        columns = shutil.get_terminal_size((80, 24)).columns
        now = time.monotonic()
        out = []
        for spec, since in sorted(self.running.values(), key=lambda x: self.order.index(x[0].id)):
            what = _waits_for(spec)
            title, seconds = terminal.visible(spec.title(self.lang)), int(now - since)
            if what is not None:
                line = _("… {title} ({seconds} s): waiting for {what}", title=title, seconds=seconds, what=what)
            else:
                line = _("… {title} ({seconds} s)", title=title, seconds=seconds)
            text = line(self.lang)
            out.append(terminal.styler(self.color)(_fit("  " + text, columns), dim=True))
        return out

    def _redraw(self, new_lines: list[str]) -> None:
        """Erase the running lines, print the new permanent lines, then the running ones again."""
        erase = f"\x1b[{self.drawn}F\x1b[J" if self.drawn else ""
        running = self._running_lines()
        text = erase + "".join(line + "\n" for line in new_lines + running)
        self.drawn = len(running)
        self._write(text)

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


def _waits_for(spec: CheckSpec):
    """What a running check waits for, from its kind's own expectation (a probe's command and
    the output it waits for); None for quick kinds, whose title says enough."""
    from ..checks import KINDS

    if spec.kind not in ("run", "http", "all"):
        return None
    try:
        return KINDS[spec.kind](spec.params).expectation()
    except Exception:  # noqa: BLE001 - a line of progress is never worth a failed grading run
        return None
