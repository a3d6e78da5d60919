"""The student's view: each check by section, what is missing and what to type next."""
from __future__ import annotations

import click

from .. import points
from ..model import Report, Status

MARKS = {Status.PASSED: ("✓", "green"), Status.FAILED: ("✗", "red"),
         Status.ERROR: ("!", "magenta"), Status.SKIPPED: ("-", "yellow")}
WORDS = {
    "en": {"total": "Total", "bonus": "bonus", "hint": "Try", "with_bonus": ", including {n} bonus", "done":
           "Every check passed. Well done!", "left": "Fix the ✗ lines above, then run `grade {lab}` again.",
           "fault": "The engine failed while grading; these results are incomplete:"},
    "ko": {"total": "합계", "bonus": "보너스", "hint": "해 볼 것", "with_bonus": ", 보너스 {n}점 포함",
           "done": "모든 검사를 통과했습니다. 잘하셨어요!",
           "left": "위의 ✗ 항목을 고친 다음 `grade {lab}`을(를) 다시 실행하세요.",
           "fault": "채점 중에 엔진 오류가 났습니다. 결과가 완전하지 않습니다:"},
}
EVIDENCE_LINES = 4


def render(report: Report, lang: str, color: bool) -> str:
    w = WORDS[lang]

    def style(text, **kw):
        return click.style(text, **kw) if color else text

    out = [style(f"{report.title(lang)}  ({report.lab}, {report.student})", bold=True)]
    section = None
    for r in report.results:
        if r.section != section:
            section = r.section
            out += ["", style(r.section_title(lang), bold=True, underline=True)]
        mark, colour = MARKS[r.status]
        earned = f"{points.number(r.score)}/{points.number(r.max_score)}"
        if r.bonus:
            earned += f" {w['bonus']}"
        out.append(f"  {style(mark, fg=colour, bold=True)} [{earned}] {r.title(lang)}")
        if r.passed:
            continue
        out.append(f"      {r.message(lang)}")
        for line in r.evidence[:EVIDENCE_LINES]:
            out.append(style(f"      · {line}", dim=True))
        if r.status is Status.FAILED:  # a blocked check's advice is its blocker's hint
            out.append(f"      {style(w['hint'] + ':', fg='cyan', bold=True)} {r.hint(lang)}")
    out.append("")
    if report.fault is not None:
        out.append(style(f"{w['fault']} {report.fault(lang)}", fg="magenta"))
    total = f"{w['total']}: {points.number(report.score)}/{points.number(report.max_score)} ({report.percent}%)"
    bonus = sum(r.score for r in report.results if r.bonus)
    if bonus:
        # Bonus points can make up for a missed check: say so, or 25/25 beside a ✗ looks wrong.
        total += w["with_bonus"].format(n=points.number(bonus))
    out.append(style(total, bold=True))
    if report.fault is None:
        out.append(w["done"] if report.complete else w["left"].format(lab=report.lab))
    return "\n".join(out) + "\n"
