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

import click

from ..model import Report, Result, Status
from ..rubric import CheckSpec, Rubric
from ..text import Text, _
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


# ---- `grade LAB --watch` -----------------------------------------------------------------------

def watching(address: str) -> Text:
    return _("Watching {address} for changes; Ctrl-C to stop.", address=address)
PENDING, RUNNING = "·", "…"  # not graded yet; being graded (again)


def _wrap(text: str, columns: int) -> list[str]:
    """Words into lines of at most `columns` cells (wide characters count two)."""
    lines, line = [], ""
    for word in text.split(" "):
        joined = f"{line} {word}" if line else word
        if line and _width(joined) >= columns:
            lines.append(line)
            joined = word
        line = joined
    return [_fit(x, columns) for x in lines + [line]]


class WatchScreen:
    """A watch's checklist on a terminal, redrawn in place after each result: one line per check
    (its mark and points; … while it is graded again), under each miss what was found, the
    first miss's hint, the total and a status line. Every line is cut to the terminal's width and
    the whole to its height, so the block can always be erased and drawn again; the cursor is
    hidden meanwhile and shown again by close(), which leaves the last checklist on the screen."""

    def __init__(self, rubric: Rubric, lang: str, color: bool, address: str, out=None):
        self.rubric, self.lang, self.color, self.address = rubric, lang, color, address
        self.out = out or sys.stdout
        self.student = ""
        self.results: dict[str, Result] = {}
        self.running: set[str] = set()
        self.report: Report | None = None
        self.drawn: list[str] = []

    def open(self, student: str) -> None:
        self.student = student
        self.out.write("\x1b[?25l")
        self._draw(status=True)

    def started(self, spec: CheckSpec) -> None:
        self.running.add(spec.id)
        self._draw(status=True)

    def finished(self, result: Result) -> None:
        self.running.discard(result.id)
        self.results[result.id] = result
        self._draw(status=True)

    def graded(self, report: Report, previous: Report | None = None) -> None:
        self.report = report
        self.results = {r.id: r for r in report.results}
        self.running.clear()
        self._draw(status=True)

    def close(self, report: Report | None = None) -> None:
        """The last complete checklist stays, without the status line; the cursor comes back."""
        if report is not None:
            self.graded(report)
        self.running.clear()
        self._draw(status=False)
        self.out.write("\x1b[?25h")
        self.out.flush()

    # ---- drawing ---------------------------------------------------------------------------------

    def _lines(self, status: bool) -> list[str]:
        columns, rows = shutil.get_terminal_size((80, 24))
        style = terminal.styler(self.color)
        heading = Report(lab=self.rubric.lab, title=self.rubric.title, student=self.student, engine={})
        head = [style(_fit(terminal.visible(f"{heading.title(self.lang)}  ({heading.lab}, {self.student})"),
                           columns), bold=True)]
        body: list[tuple[str, bool]] = []  # (line, may be left out when the screen is short)
        first_miss = next((c.id for c in self.rubric.checks if c.id not in self.running
                           and (r := self.results.get(c.id)) is not None and r.status is Status.FAILED), None)
        section = None
        for spec in self.rubric.checks:
            if spec.section != section:
                section = spec.section
                body += [("", True), (style(_fit(terminal.visible(spec.section_title(self.lang)), columns),
                                            bold=True, underline=True), True)]
            r = self.results.get(spec.id)
            if spec.id in self.running or r is None:
                mark, colour = (RUNNING if spec.id in self.running else PENDING), None
            else:
                mark, colour = terminal.MARKS[r.status]
            earned = terminal.earned_points(r.score if r is not None else 0, spec.points, spec.bonus)(self.lang)
            text = _fit(f"[{earned}] {terminal.visible(spec.title(self.lang))}", columns - 4)
            shown = style(mark, fg=colour, bold=True) if colour else style(mark, dim=True)
            body.append((f"  {shown} {text}", False))
            if r is None or spec.id in self.running or r.passed or r.status is Status.SKIPPED:
                continue
            body.append(("      " + _fit(terminal.visible(r.message(self.lang)), columns - 6), True))
            if spec.id == first_miss:
                word = style(_("Try:")(self.lang), fg="cyan", bold=True)
                hint = _wrap(terminal.visible(r.hint(self.lang)), columns - 12)
                body += [(f"      {word} {hint[0]}", False)] + [("           " + h, False) for h in hint[1:]]
        tail = []
        if self.report is not None and len(self.results) == len(self.rubric.checks):
            shown_report = Report(lab=self.rubric.lab, title=self.rubric.title, student=self.student, engine={},
                                  results=[self.results[c.id] for c in self.rubric.checks])
            tail += ["", style(terminal.total_line(shown_report, self.lang), bold=True)]
        if status:
            tail.append(style(_fit(watching(self.address)(self.lang), columns), dim=True))
        room = max(1, rows - 1 - len(head) - len(tail))
        if len(body) > room:  # a short screen: what was found goes first, then the top of the list
            body = [line for line in body if not line[1]]
        return head + [line for line, _ in body][-room:] + tail

    def _draw(self, status: bool) -> None:
        """Redraw from the first line that differs: what is above it stays as it is."""
        lines = self._lines(status)
        same = 0
        while same < min(len(lines), len(self.drawn)) and lines[same] == self.drawn[same]:
            same += 1
        if same == len(lines) == len(self.drawn):
            return
        up = len(self.drawn) - same
        erase = f"\x1b[{up}F\x1b[J" if up else ""  # never ESC[0F: terminals read 0 as 1
        self.out.write(erase + "".join(line + "\n" for line in lines[same:]))
        self.out.flush()
        self.drawn = lines


class WatchLog:
    """A watch whose output is not a terminal (a pipe, a CI log): the first grading's report as
    `grade` prints it, then, after each re-grade, one plain line per check whose status changed
    (`ch03 web-ping-tag: passed (was failed)`) and the new total."""

    def __init__(self, rubric: Rubric, lang: str, address: str, out=None):
        self.rubric, self.lang, self.address = rubric, lang, address
        self.out = out or sys.stdout

    def started(self, spec: CheckSpec) -> None:
        pass

    def finished(self, result: Result) -> None:
        pass

    def graded(self, report: Report, previous: Report | None = None) -> None:
        if previous is None:
            self.out.write(terminal.render(report, self.lang, color=False))
            self.out.flush()
            click.echo(watching(self.address)(self.lang), err=True)
            return
        was = {r.id: r.status for r in previous.results}
        lines = [_("{lab} {id}: {status} (was {was})", lab=report.lab, id=r.id, status=terminal.STATUS[r.status],
                   was=terminal.STATUS[was[r.id]])(self.lang)
                 for r in report.results if r.id in was and was[r.id] is not r.status]
        if lines:
            self.out.write("".join(line + "\n" for line in lines + [terminal.total_line(report, self.lang)]))
            self.out.flush()

    def close(self, report: Report | None = None) -> None:
        pass
