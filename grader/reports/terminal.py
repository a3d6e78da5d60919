"""The student's view: each check by section, what is missing and what to type next."""
from __future__ import annotations

import re

import click

from .. import points
from ..model import More, Report, Result, Status

MARKS = {Status.PASSED: ("✓", "green"), Status.FAILED: ("✗", "red"),
         Status.ERROR: ("!", "magenta"), Status.SKIPPED: ("-", "yellow")}
WORDS = {
    "en": {"total": "Total", "bonus": "bonus", "hint": "Try",
           "with_bonus": ", bonus +{n} of {max}",
           "done": "Every check passed. Well done!",
           "core_done": "Every required check passed. The bonus marked ✗ is optional: try it for {max} more.",
           "left": "Fix the ✗ lines above, then run `grade {lab}` again.",
           "fault": "The engine failed while grading; these results are incomplete:", "more": "... {n} more",
           "errors": "Checks marked ! could not be graded (not your fault); tell your instructor."},
    "ko": {"total": "합계", "bonus": "보너스", "hint": "해 볼 것",
           "with_bonus": ", 보너스 +{n}점(최대 {max}점)",
           "done": "모든 검사를 통과했습니다. 잘하셨어요!",
           "core_done": "필수 검사는 모두 통과했습니다. ✗ 표시된 보너스는 선택 사항이고, 해내면 {max}점을 더 받습니다.",
           "left": "위의 ✗ 항목을 고친 다음 `grade {lab}` 명령을 다시 실행하세요.",
           "fault": "채점 중에 엔진 오류가 났습니다. 결과가 완전하지 않습니다:", "more": "... {n}개 더 있음",
           "errors": "! 표시된 검사는 채점하지 못했습니다(학생 잘못이 아닙니다). 강사에게 알려 주세요."},
}
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


def result_lines(r: Result, lang: str, color: bool) -> list[str]:
    """One check: its mark, points and title; for a miss what was found and what to try."""
    w, style = WORDS[lang], styler(color)
    mark, colour = MARKS[r.status]
    earned = f"{points.number(r.score)}/{points.number(r.max_score)}"
    if r.bonus:
        earned += f" {w['bonus']}"
    out = [f"  {style(mark, fg=colour, bold=True)} [{earned}] {visible(r.title(lang))}"]
    if r.passed:
        return out
    out.append(f"      {visible(r.message(lang))}")
    evidence, more = list(r.evidence), 0
    if evidence and isinstance(evidence[-1], More):  # the check capped its list already
        evidence, more = evidence[:-1], evidence[-1].n
    for line in evidence[:EVIDENCE_LINES]:
        out.append(style(f"      · {visible(line(lang))}", dim=True))
    more += max(0, len(evidence) - EVIDENCE_LINES)
    if more:
        out.append(style(f"      · {w['more'].format(n=more)}", dim=True))
    if r.status is Status.FAILED:  # a blocked check's advice is its blocker's hint
        out.append(f"      {style(w['hint'] + ':', fg='cyan', bold=True)} {visible(r.hint(lang))}")
    return out


def total_line(report: Report, lang: str) -> str:
    """The core score over the maximum, and the bonus apart: a bonus never hides a missed check."""
    w = WORDS[lang]
    total = (f"{w['total']}: {points.number(report.core_score)}/{points.number(report.max_score)} "
             f"({report.core_percent}%)")
    if report.bonus_max_score:
        total += w["with_bonus"].format(n=points.number(report.bonus_score),
                                        max=points.number(report.bonus_max_score))
    return total


def footer(report: Report, lang: str, color: bool) -> list[str]:
    w, style = WORDS[lang], styler(color)
    out = [""]
    if report.fault is not None:
        out.append(style(f"{w['fault']} {visible(report.fault(lang))}", fg="magenta"))
    out.append(style(total_line(report, lang), bold=True))
    if report.fault is None:
        if report.errored:  # a check stopped by its rubric (a pattern too slow): not the student's
            out.append(w["errors"])
        if report.all_passed:
            out.append(w["done"])
        elif report.complete and not report.errored:
            missed = sum(r.max_score for r in report.results if r.bonus and not r.passed)
            out.append(w["core_done"].format(max=points.number(missed)))
        elif any(not r.passed and r.status is not Status.ERROR for r in report.results if not r.bonus):
            out.append(w["left"].format(lab=report.lab))
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
