"""The student's view: each check by section, what is missing and what to type next."""
from __future__ import annotations

import re

import click

from .. import points
from ..model import Report, Status

MARKS = {Status.PASSED: ("✓", "green"), Status.FAILED: ("✗", "red"),
         Status.ERROR: ("!", "magenta"), Status.SKIPPED: ("-", "yellow")}
WORDS = {
    "en": {"total": "Total", "bonus": "bonus", "hint": "Try", "with_bonus": ", including {n} bonus", "done":
           "Every check passed. Well done!", "left": "Fix the ✗ lines above, then run `grade {lab}` again.",
           "fault": "The engine failed while grading; these results are incomplete:", "more": "more",
           "errors": "Checks marked ! could not be graded (not your fault); tell your instructor."},
    "ko": {"total": "합계", "bonus": "보너스", "hint": "해 볼 것", "with_bonus": ", 보너스 {n}점 포함",
           "done": "모든 검사를 통과했습니다. 잘하셨어요!",
           "left": "위의 ✗ 항목을 고친 다음 `grade {lab}`을(를) 다시 실행하세요.",
           "fault": "채점 중에 엔진 오류가 났습니다. 결과가 완전하지 않습니다:", "more": "개 더 있음",
           "errors": "! 표시된 검사는 채점하지 못했습니다(학생 잘못이 아닙니다). 강사에게 알려 주세요."},
}
EVIDENCE_LINES = 4
_MORE = re.compile(r"^\.\.\. (\d+) more$")

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


def render(report: Report, lang: str, color: bool) -> str:
    w = WORDS[lang]

    def style(text, **kw):
        return click.style(text, **kw) if color else text

    out = [style(f"{visible(report.title(lang))}  ({report.lab}, {visible(report.student)})", bold=True)]
    section = None
    for r in report.results:
        if r.section != section:
            section = r.section
            out += ["", style(r.section_title(lang), bold=True, underline=True)]
        mark, colour = MARKS[r.status]
        earned = f"{points.number(r.score)}/{points.number(r.max_score)}"
        if r.bonus:
            earned += f" {w['bonus']}"
        out.append(f"  {style(mark, fg=colour, bold=True)} [{earned}] {visible(r.title(lang))}")
        if r.passed:
            continue
        out.append(f"      {visible(r.message(lang))}")
        evidence, more = list(r.evidence), 0
        if evidence and (m := _MORE.match(evidence[-1])):  # the check capped its list already
            evidence, more = evidence[:-1], int(m.group(1))
        for line in evidence[:EVIDENCE_LINES]:
            out.append(style(f"      · {visible(line)}", dim=True))
        more += max(0, len(evidence) - EVIDENCE_LINES)
        if more:
            out.append(style(f"      · ... {more} {w['more']}", dim=True))
        if r.status is Status.FAILED:  # a blocked check's advice is its blocker's hint
            out.append(f"      {style(w['hint'] + ':', fg='cyan', bold=True)} {visible(r.hint(lang))}")
    out.append("")
    if report.fault is not None:
        out.append(style(f"{w['fault']} {visible(report.fault(lang))}", fg="magenta"))
    total = f"{w['total']}: {points.number(report.score)}/{points.number(report.max_score)} ({report.percent}%)"
    bonus = sum(r.score for r in report.results if r.bonus)
    if bonus:
        # Bonus points can make up for a missed check: say so, or 25/25 beside a ✗ looks wrong.
        total += w["with_bonus"].format(n=points.number(bonus))
    out.append(style(total, bold=True))
    if report.fault is None:
        if report.errored:  # a check stopped by its rubric (a pattern too slow): not the student's
            out.append(w["errors"])
        if report.complete and not report.errored:
            out.append(w["done"])
        elif any(not r.passed and r.status is not Status.ERROR for r in report.results if not r.bonus):
            out.append(w["left"].format(lab=report.lab))
    return "\n".join(out) + "\n"
