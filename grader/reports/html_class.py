"""The class report of `grade collect --html`: one self-contained HTML file (inline CSS and SVG, no
script, nothing loaded from the network) with the score distribution, every check's pass rate
(most missed first) and the student table, in the reader's language (its `lang` attribute says
which). Every text from a report is escaped."""
from __future__ import annotations

import statistics
from datetime import datetime, timezone
from html import escape

from ..collect.gradebook import Gradebook, PassRate, iso, summary
from ..points import text as fmt
from ..points import worth
from ..text import Text, _

BINS = [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 70), (70, 80), (80, 90), (90, 100),
        (100, None)]

CSS = """
:root { --ok: #1a7f37; --miss: #cf222e; --err: #8250df; --ink: #1f2328; --dim: #656d76; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK KR", sans-serif;
       color: var(--ink); margin: 0 auto; padding: 24px; max-width: 1200px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p.meta { color: var(--dim); margin: 0 0 12px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
.card span { color: var(--dim); font-size: 12px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg .dim { fill: var(--dim); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; white-space: nowrap; }
th { background: #f6f8fa; position: sticky; top: 0; }
th.check { vertical-align: bottom; font-weight: normal; padding: 6px 2px; }
th.check span { writing-mode: vertical-rl; transform: rotate(180deg); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mark { text-align: center; font-variant-numeric: tabular-nums; }
td.ok { color: var(--ok); } td.miss { color: var(--miss); background: #ffebe9; } td.none { color: var(--dim); }
.status-complete { color: var(--ok); } .status-incomplete { color: var(--miss); } .status-error { color: var(--err); }
ul.skipped li { font-family: ui-monospace, monospace; font-size: 12px; }
"""


def _bin_of(percent: float) -> int:
    for i, (_lo, hi) in enumerate(BINS):
        if hi is None or percent < hi:
            return i
    return len(BINS) - 1


def histogram(percents: list[float], lang: str) -> str:
    counts = [0] * len(BINS)
    for p in percents:
        counts[_bin_of(max(p, 0.0))] += 1
    top = max(counts) or 1
    width, height, left, bottom, gap = 720, 240, 40, 40, 6
    plot_h = height - bottom - 20
    bar_w = (width - left - 10) / len(BINS)
    about = escape(_("Score distribution: students per score band")(lang))
    parts = [f'<svg id="histogram" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{about}">']
    for tick in range(0, top + 1, max(1, top // 4 or 1)):
        y = 20 + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eaeef2"/>'
                     f'<text class="dim" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for i, ((lo, hi), n) in enumerate(zip(BINS, counts)):
        x = left + i * bar_w + gap / 2
        h = plot_h * n / top
        y = 20 + plot_h - h
        colour = "#1a7f37" if lo >= 100 else ("#2da44e" if lo >= 80 else ("#bf8700" if lo >= 50 else "#cf222e"))
        label = f"{lo}%+" if hi is None else f"{lo}–{hi - 1}"
        parts.append(f'<rect class="bar" data-band="{label}" data-count="{n}" x="{x:.1f}" y="{y:.1f}" '
                     f'width="{bar_w - gap:.1f}" height="{h:.1f}" fill="{colour}"><title>{label}%: {n}</title></rect>')
        if n:
            parts.append(f'<text x="{x + (bar_w - gap) / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{n}</text>')
        parts.append(f'<text class="dim" x="{x + (bar_w - gap) / 2:.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle">{label}</text>')
    axis = _("score as a percentage of the maximum (bonus points can pass 100%)")(lang)
    parts.append(f'<text class="dim" x="{left + (width - left) / 2:.0f}" y="{height - 6}" text-anchor="middle">'
                 f'{escape(axis)}</text></svg>')
    return "".join(parts)


def pass_rate_chart(rates: list[PassRate], lang: str) -> str:
    row_h, label_w, bar_max, width = 26, 430, 300, 900
    height = row_h * len(rates) + 10
    about = escape(_("Pass rate of every check, most missed first")(lang))
    parts = [f'<svg id="pass-rates" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{about}">']
    for i, pr in enumerate(rates):
        cid, title, mx, bonus = pr.check.id, pr.check.title, pr.check.max_score, pr.check.bonus
        passed, total, rate = pr.passed, pr.students, pr.rate
        y = 5 + i * row_h
        colour = "#cf222e" if rate < 0.5 else ("#bf8700" if rate < 0.8 else "#2da44e")
        label = f"{cid}: {title}"
        if len(label) > 62:
            label = label[:61] + "…"
        tip = _("{id}: {title} ({worth}) — {passed}/{total} passed", id=cid, title=title, worth=worth(mx, bonus),
                passed=passed, total=total)(lang)
        counts = _("{passed}/{total} bonus", passed=passed, total=total)(lang) if bonus else f"{passed}/{total}"
        parts.append(
            f'<g class="rate" data-check="{escape(cid)}" data-passed="{passed}" data-total="{total}">'
            f'<title>{escape(tip)}</title>'
            f'<text x="0" y="{y + 16}">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_max}" height="{row_h - 8}" fill="#eaeef2"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_max * rate:.1f}" height="{row_h - 8}" fill="{colour}"/>'
            f'<text x="{label_w + bar_max + 8}" y="{y + 16}">{rate * 100:.0f}% '
            f'<tspan class="dim">({escape(counts)})</tspan></text></g>')
    parts.append("</svg>")
    return "".join(parts)


# How a record's status (a machine id in the CSV) reads in the class report.
STATUS_WORDS: dict[str, Text] = {"complete": _("complete"), "incomplete": _("incomplete"), "error": _("error")}


def student_table(book: Gradebook, lang: str) -> str:
    def words(text: Text) -> str:
        return escape(text(lang))

    student, score, status, graded, runs = (words(t) for t in (
        _("student"), _("score"), _("status"), _("graded (UTC)"), _("runs")))
    head = [f'<th>{student}</th>']
    head += [f'<th class="check" title="{escape(c.id)}: {escape(c.title)} ({words(worth(c.max_score, c.bonus))})">'
             f'<span>{escape(c.id)}</span></th>' for c in book.checks]
    head += [f'<th class="num">{score}</th>', '<th class="num">%</th>', f'<th>{status}</th>', f'<th>{graded}</th>',
             f'<th class="num">{runs}</th>']
    rows = []
    for row in sorted(book.rows, key=lambda r: r.student.lower()):
        got = {c.id: c for c in row.kept.checks}
        cells = [f'<td class="student">{escape(row.student)}</td>']
        for col in book.checks:
            c = got.get(col.id)
            if c is None:
                cells.append('<td class="mark none">–</td>')
            else:
                cls = "ok" if c.passed else "miss"
                mark = "✓" if c.passed else "✗"
                cells.append(f'<td class="mark {cls}" title="{fmt(c.score)}/{fmt(c.max_score)}">{mark}</td>')
        k = row.kept
        when = iso(k.time).replace("T", " ").replace("+00:00", "")
        if k.time_from == "file":  # the report has no time of its own: its file's is shown, and said so
            when = _("{time} (file time)", time=when)(lang)
        # As on the terminal: the bonus apart from the core points, so that a bonus never reads as
        # full marks for a student who missed a check (24/25 +2, not 26/25).
        bonus = sum(c.score for c in k.checks if c.bonus)
        shown = f"{fmt(k.score - bonus)}/{fmt(k.max_score)}" + (f" +{fmt(bonus)}" if bonus else "")
        cells += [f'<td class="num score">{shown}</td>', f'<td class="num">{k.percent:.1f}</td>',
                  f'<td class="status-{k.status}">{words(STATUS_WORDS[k.status])}</td>',
                  f'<td>{escape(when)}</td>', f'<td class="num">{row.runs}</td>']
        rows.append(f'<tr data-student="{escape(row.student)}">{"".join(cells)}</tr>')
    return (f'<table id="students"><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def render(book: Gradebook, lang: str = "en") -> str:
    def words(text: Text) -> str:
        return escape(text(lang))

    percents = [r.kept.percent for r in book.rows]
    complete = sum(1 for r in book.rows if r.kept.status == "complete")
    mean = statistics.mean(percents) if percents else 0.0
    median = statistics.median(percents) if percents else 0.0
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    title = f"{book.title} ({book.lab})" if book.title and book.title != book.lab else (book.lab or "grade")
    heading = _("Class report: {title}", title=title)
    cards = [(str(len(book.rows)), _("students")), (f"{complete}", _("with every required check passed")),
             (f"{mean:.1f}%", _("mean score")), (f"{median:.1f}%", _("median score")),
             (str(book.merged), _("runs merged")), (str(len(book.skipped)), _("reports skipped"))]
    skipped = ""
    if book.skipped:
        items = "".join(f"<li>{escape(s.path)}: {words(s.reason)}</li>" for s in book.skipped)
        skipped_heading = words(_("Skipped reports ({count})", count=len(book.skipped)))
        skipped = f'<h2>{skipped_heading}</h2><ul class="skipped">{items}</ul>'
    if book.other_rubric:
        items = "".join(f"<li>{escape(s.path)}: {words(s.reason)}</li>" for s in book.other_rubric)
        other_heading = words(_("Graded by another version of the rubric ({count})", count=len(book.other_rubric)))
        skipped = f'<h2>{other_heading}</h2><ul class="skipped other-rubric">{items}</ul>' + skipped
    meta = words(_("{summary}. Made by {command} at {time}.", summary=summary(book), command="grade collect", time=now))
    distribution, by_rate, students = (words(t) for t in (
        _("Score distribution"), _("Checks by pass rate (most missed first)"), _("Students")))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{words(heading)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>"
        f"<h1>{words(heading)}</h1>"
        f'<p class="meta">{meta}</p>'
        '<div class="cards">' + "".join(f'<div class="card"><b>{escape(v)}</b><span>{words(k)}</span></div>'
                                          for v, k in cards) + "</div>"
        f"<h2>{distribution}</h2>{histogram(percents, lang)}"
        f"<h2>{by_rate}</h2>{pass_rate_chart(book.pass_rates(), lang)}"
        f"<h2>{students}</h2>{student_table(book, lang)}"
        f"{skipped}</body></html>\n"
    )
