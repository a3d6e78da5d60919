"""The student's view: each check by section, what is missing and what to type next."""
from __future__ import annotations

import re

import click

from .. import points
from ..model import More, Report, Result, Status
from ..text import Text, _, verbatim

MARKS = {Status.PASSED: ("✓", "green"), Status.FAILED: ("✗", "red"),
         Status.ERROR: ("!", "magenta"), Status.SKIPPED: ("-", "yellow")}
# A check's status in words (a watch's piped lines: `ch03 web-ping-tag: passed (was failed)`).
STATUS = {Status.PASSED: _("passed"), Status.FAILED: _("failed"), Status.ERROR: _("error"),
          Status.SKIPPED: _("skipped")}
EVIDENCE_LINES = 4

# Control characters: C0 (newline, carriage return, ESC, ...), DEL, C1, and the Unicode line and
# paragraph separators. Text from the engine (names, env values, logs) is the student's: printed
# raw, a newline in it would start a forged "✓" line or total, and ESC could recolour or erase.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def visible(text: str) -> str:
    """`text` on one line, each control character shown as an escape (\\n, \\r, \\e, \\x07, \\u2028)."""
    def escape(m):
        c = m.group()
        return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
    return _CONTROL.sub(escape, text)


def styler(color: bool):
    def style(text, **kw):
        return click.style(text, **kw) if color else text
    return style


def header(report: Report, lang: str, color: bool) -> str:
    style = styler(color)
    return style(f"{visible(report.title(lang))}  ({report.lab}, {visible(report.student)})", bold=True)


def section_lines(r: Result, lang: str, color: bool) -> list[str]:
    style = styler(color)
    return ["", style(r.section_title(lang), bold=True, underline=True)]


def earned_points(score: float, top: float, bonus: bool) -> Text:
    """`2/3`, or `0/2 bonus` for a bonus check."""
    fields = {"score": points.number(score), "max": points.number(top)}
    return _("{score}/{max} bonus", **fields) if bonus else verbatim("{score}/{max}".format(**fields))


def result_lines(r: Result, lang: str, color: bool) -> list[str]:
    """One check: its mark, points and title; for a miss what was found and what to try."""
    style = styler(color)
    mark, colour = MARKS[r.status]
    earned = earned_points(r.score, r.max_score, r.bonus)(lang)
    out = [f"  {style(mark, fg=colour, bold=True)} [{earned}] {visible(r.title(lang))}"]
    if r.passed:
        return out
    out.append(f"      {visible(r.message(lang))}")
    evidence, more = list(r.evidence), 0
    last = evidence[-1] if evidence else None
    if isinstance(last, More):  # the check capped its list already
        evidence, more = evidence[:-1], last.n
    for line in evidence[:EVIDENCE_LINES]:
        out.append(style(f"      · {visible(line(lang))}", dim=True))
    more += max(0, len(evidence) - EVIDENCE_LINES)
    if more:
        out.append(style(f"      · {More(more)(lang)}", dim=True))
    if r.status is Status.FAILED:  # a blocked check's advice is its blocker's hint
        # NOTE: the label before a failed check's hint (what to type next), shown in colour.
        label = style(_("Try:")(lang), fg="cyan", bold=True)
        out.append(f"      {label} {visible(r.hint(lang))}")
    return out


def total_line(report: Report, lang: str) -> str:
    """The core score over the maximum, and the bonus apart: a bonus never hides a missed check."""
    score, top, percent = points.number(report.core_score), points.number(report.max_score), report.core_percent
    if report.bonus_max_score:
        return _("Total: {score}/{max} ({percent}%), bonus +{bonus} of {bonus_max}", score=score, max=top,
                 percent=percent, bonus=points.number(report.bonus_score),
                 bonus_max=points.number(report.bonus_max_score))(lang)
    return _("Total: {score}/{max} ({percent}%)", score=score, max=top, percent=percent)(lang)


def footer(report: Report, lang: str, color: bool) -> list[str]:
    style = styler(color)
    out = [""]
    if report.fault is not None:
        fault = _("The engine failed while grading; these results are incomplete: {fault}",
                  fault=visible(report.fault(lang)))
        out.append(style(fault(lang), fg="magenta"))
    out.append(style(total_line(report, lang), bold=True))
    if report.fault is None:
        if report.errored:  # a check stopped by its rubric (a pattern too slow): not the student's
            out.append(_("Checks marked ! could not be graded (not your fault); tell your instructor.")(lang))
        if report.all_passed:
            out.append(_("Every check passed. Well done!")(lang))
        elif report.complete and not report.errored:
            missed = sum(r.max_score for r in report.results if r.bonus and not r.passed)
            out.append(_("Every required check passed. The bonus marked ✗ is optional: try it for {points} more.",
                         points=points.number(missed))(lang))
        elif any(not r.passed and r.status is not Status.ERROR for r in report.results if not r.bonus):
            out.append(_("Fix the ✗ lines above, then run `{command}` again.", command=report.command)(lang))
    return out


def body_lines(report: Report, lang: str, color: bool) -> list[str]:
    out: list[str] = []
    section = None
    for r in report.results:
        if r.section != section:
            section = r.section
            out += section_lines(r, lang, color)
        out += result_lines(r, lang, color)
    return out


def render(report: Report, lang: str, color: bool) -> str:
    out = [header(report, lang, color)] + body_lines(report, lang, color) + footer(report, lang, color)
    return "\n".join(out) + "\n"
