"""The gradebook: a class's records merged into one row per student, the CSV, the summary line
and the exit code of `grade collect`.

A JSON and a JUnit report with the same time of grading, student, lab and points are the two
reports of one grading run and count once, also when found in two folders (or archives); reports
that lack the time are paired by folder. A run whose reports disagree was edited after grading
and is left out, both files named. Several runs for one student and lab are
merged into one row: the newest by default, or the best score. Reports of another lab than the
collected one are skipped with the reason; the rest still collect.
"""
from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Iterable, Optional

from ..points import text as fmt
from ..points import worth as points_worth
from ..text import Text, _, join, ngettext
from .read import Record, Skip, Skipped, discover, read

KEEP = ("newest", "best")


class UsageError(Exception):
    """The collection as a whole cannot be made (exit 2), and why (in the reader's language)."""

    def __init__(self, message: Text):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Column:
    """A check as a gradebook column."""

    id: str
    title: str
    max_score: float
    bonus: bool


@dataclass(frozen=True)
class PassRate:
    check: Column
    passed: int  # students who passed it
    students: int

    @property
    def rate(self) -> float:
        return self.passed / self.students if self.students else 0.0


@dataclass
class Row:
    student: str
    lab: str
    kept: Record
    runs: int  # grading runs found for this student and lab (1 = nothing merged)
    reports: int  # report files behind them


@dataclass
class Gradebook:
    lab: Optional[str]
    title: str
    keep: str
    verified: bool
    rows: list[Row] = field(default_factory=list)
    checks: list[Column] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Rows whose report was graded by another version of the lab's rubric (other checks or other
    # points than most reports'): kept, but their scores are not comparable with the others'.
    other_rubric: list[Skipped] = field(default_factory=list)
    files: int = 0
    reports: int = 0
    unverified: int = 0  # collected reports that carry a signature nobody checked (no --verify)

    @property
    def merged(self) -> int:
        """Grading runs not kept because the same student had another run of the lab."""
        return sum(r.runs - 1 for r in self.rows)

    def exit_code(self) -> int:
        """0 when every report was collected alike, 1 when some were skipped or graded by another
        version of the rubric."""
        return 1 if self.skipped or self.other_rubric else 0

    def pass_rates(self) -> list[PassRate]:
        """Every check's pass rate among the students, most missed first."""
        out = []
        for col in self.checks:
            got = [c for r in self.rows for c in r.kept.checks if c.id == col.id]
            out.append(PassRate(col, sum(1 for c in got if c.passed), len(self.rows)))
        order = {col.id: i for i, col in enumerate(self.checks)}
        return sorted(out, key=lambda p: (p.rate, order[p.check.id]))


def _read_all(paths: Iterable[str], key: Optional[bytes], book: Gradebook) -> list[Record]:
    records: list[Record] = []
    for src in discover(paths):
        book.files += 1
        if isinstance(src, Skipped):
            book.skipped.append(src)
            continue
        try:
            found = read(src, key)
        except Skip as e:
            book.skipped.append(Skipped(src.path, e.reason))
            continue
        except OSError as e:
            book.skipped.append(Skipped(src.path, _("unreadable: {error}", error=str(e.strerror or e))))
            continue
        book.reports += 1
        records += found
    if book.files == 0:
        raise UsageError(_("no reports found (grade reads *.json, *.xml and *.zip files)"))
    return records


def _choose_lab(records: list[Record]) -> Optional[str]:
    """The lab of most reports; a tie is a usage error."""
    labs = Counter(r.lab for r in records)
    if not labs:
        return None
    (top, n), *_rest = labs.most_common()
    tied = [name for name, count in labs.items() if count == n]
    if len(tied) > 1:
        counts = ", ".join(f"{name} ({count})" for name, count in sorted(labs.items()))
        raise UsageError(_("the reports are of several labs in equal numbers: {counts}; choose one with --lab",
                           counts=counts))
    return top


def _disagreement(a: Record, b: Record) -> Text:
    """What two reports of one grading run say differently: the total, else the first check."""
    if abs(a.score - b.score) > 0.01 or abs(a.max_score - b.max_score) > 0.01:
        return _("score {score} in {path}, {other_score} in {other}", score=fmt(a.score), path=a.path,
                 other_score=fmt(b.score), other=b.path)
    theirs = {c.id: c for c in b.checks}
    for c in a.checks:
        o = theirs.get(c.id)
        if o is None:
            return _("check {id} only in {path}", id=c.id, path=a.path)
        # Points alone: a report whose statuses and points disagree was skipped as inconsistent.
        if (o.score, o.max_score, o.bonus) != (c.score, c.max_score, c.bonus):
            return _("check {id}: {score} of {max} points in {path}, {other_score} in {other}", id=c.id,
                     score=fmt(c.score), max=fmt(c.max_score), path=a.path, other_score=fmt(o.score), other=b.path)
    mine = {c.id for c in a.checks}
    extra = [c.id for c in b.checks if c.id not in mine]
    if extra:
        return _("check {id} only in {path}", id=extra[0], path=b.path)
    return _("its checks in another order")


def _runs(records: list[Record]) -> tuple[list[Record], list[tuple[Record, Skipped]]]:
    """One record per grading run, and the records of runs left out because their reports disagree.

    A run's JSON and JUnit reports (and copies of them) carry the same time of grading, student
    and lab, and `grade` writes the same points into both. When they differ, one of them was
    edited after grading: neither can be trusted, and keeping either would hide the edit (counted
    as a second run, the edited one won as the newest or the best)."""
    groups: dict[tuple[object, ...], list[Record]] = {}
    for r in records:
        # Reports without the time are paired by folder and points: a folder may hold several runs.
        k = (r.time, r.student, r.lab) if r.time_from == "report" else r.run_key()
        groups.setdefault(k, []).append(r)
    kept: list[Record] = []
    conflicts: list[tuple[Record, Skipped]] = []
    for group in groups.values():
        # One run's JSON and JUnit: the JSON report holds the title.
        first = min(group, key=lambda r: (r.kind != "json", r.path))
        odd = next((r for r in group if r.run_key() != first.run_key()), None)
        if odd is None:
            kept.append(first)
            continue
        what = _disagreement(first, odd)
        for r in sorted(group, key=lambda r: r.path):
            conflicts.append((r, Skipped(r.path, _(
                "the reports of one grading run of {student} ({when}) disagree: {what}; one of them was "
                "changed after grading, so the run is left out; grade it again (signed reports and "
                "--verify tell which one was changed)", student=r.student, when=iso(r.time), what=what))))
    return kept, conflicts


def _row(student: str, lab: str, candidates: list[Record], reports: list[Record], keep: str) -> Row:
    """A student's row: one of their runs (`candidates`, one record each, from _runs), chosen by
    `keep`, and how many runs and reports there were."""
    if keep == "best":
        kept = max(candidates, key=lambda r: (r.score, r.time or 0.0, r.path))
    else:
        kept = max(candidates, key=lambda r: (r.time or 0.0, r.score, r.path))
    return Row(student, lab, kept, len(candidates), len(reports))


def collect(paths: Iterable[str], lab: Optional[str] = None, keep: str = "newest",
            key: Optional[bytes] = None) -> Gradebook:
    """The gradebook of every report under `paths`. With `key`, only reports whose signature it
    verifies are collected."""
    if keep not in KEEP:
        raise UsageError(_("--keep must be one of {choices}", choices=", ".join(KEEP)))
    book = Gradebook(lab=lab, title=lab or "", keep=keep, verified=key is not None)
    records = _read_all(paths, key, book)
    if lab is None:
        lab = _choose_lab(records)
    book.lab = lab
    by_student: dict[str, list[Record]] = {}
    for r in records:
        if r.lab != lab:
            other = _("from another lab: {lab}, not {wanted}", lab=r.lab, wanted=lab or "-")
            book.skipped.append(Skipped(r.path, other))
        else:
            by_student.setdefault(r.student, []).append(r)
    # Each student's runs (one record each) and the reports they come from, runs whose reports
    # disagree left out.
    runs: dict[str, tuple[list[Record], list[Record]]] = {}
    for student, rs in by_student.items():
        kept, conflicts = _runs(rs)
        book.skipped += [why for _r, why in conflicts]
        left_out = {id(r) for r, _why in conflicts}
        if kept:
            runs[student] = (kept, [r for r in rs if id(r) not in left_out])
    book.rows = [_row(student, lab or "", *runs[student], keep) for student in sorted(runs)]
    # A report of another lab, or of a run whose reports disagree, is counted among the skipped,
    # not also among the collected.
    collected = [r for _kept, reports in runs.values() for r in reports]
    book.reports = len({r.path for r in collected})
    if key is None:
        book.unverified = len({r.path for r in collected if r.signed})

    book.other_rubric = _other_rubrics(book.rows)

    seen: dict[str, Column] = {}
    for row in sorted(book.rows, key=lambda r: -len(r.kept.checks)):
        for c in row.kept.checks:
            seen.setdefault(c.id, Column(c.id, c.title, c.max_score, c.bonus))
    # Rubric order: the order of the fullest report, others' extra checks after.
    book.checks = list(seen.values())
    titled = [r.kept for r in book.rows if r.kept.kind == "json"]
    book.title = titled[0].title if titled else (lab or "")
    return book


def _rubric_of(record: Record) -> tuple[tuple[str, float, bool], ...]:
    return tuple((c.id, c.max_score, c.bonus) for c in record.checks)


def _other_rubrics(rows: list[Row]) -> list[Skipped]:
    """The rows graded by another rubric than most rows' (an older `grade` or a changed rubric
    file): what differs, so an instructor does not compare scores out of different checks."""
    counts = Counter(_rubric_of(r.kept) for r in rows)
    if len(counts) < 2:
        return []
    common = counts.most_common(1)[0][0]
    worth = {cid: (mx, bonus) for cid, mx, bonus in common}
    out = []
    for row in rows:
        mine = {c.id: (c.max_score, c.bonus) for c in row.kept.checks}
        if _rubric_of(row.kept) == common:
            continue
        differences: list[Text] = [_("no check {id}", id=cid) for cid in worth if cid not in mine]
        differences += [_("a check {id} that the others do not have", id=cid) for cid in mine if cid not in worth]
        differences += [_("{id} worth {points}, not {wanted}", id=cid, points=points_worth(*mine[cid]),
                          wanted=points_worth(*worth[cid]))
                        for cid in mine if cid in worth and mine[cid] != worth[cid]]
        if not differences:
            differences = [_("its checks in another order")]
        if len(differences) > 4:  # a report of a quite different rubric: the first few say enough
            differences = differences[:3] + [ngettext("{n} more", "{n} more", len(differences) - 3)]
        out.append(Skipped(row.kept.path, _(
            "{student} was graded by another version of the rubric ({differences}): the row is in the "
            "gradebook, but its score is not comparable with the others'; grade it again with the same rubric",
            student=row.student, differences=join(differences, ", "))))
    return out


# -------------------------------------------------------------------------------------- output

def _cell(text: str) -> str:
    """Spreadsheet-safe text: a leading =, +, -, @ would be read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def iso(t: Optional[float]) -> str:
    if t is None:
        return ""
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


def csv_header(book: Gradebook) -> list[str]:
    return (["student", "lab"] + [_cell(c.id) for c in book.checks]
            + ["score", "max_score", "percent", "status", "report_time", "time_from", "runs", "report"])


def write_csv(book: Gradebook, out: IO[str]) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(csv_header(book))
    for row in book.rows:
        points = {c.id: c.score for c in row.kept.checks}
        w.writerow([_cell(row.student), _cell(row.lab)]
                   + [fmt(points[c.id]) if c.id in points else "" for c in book.checks]
                   + [fmt(row.kept.score), fmt(row.kept.max_score), f"{row.kept.percent:.1f}",
                      row.kept.status, iso(row.kept.time), row.kept.time_from, row.runs, _cell(row.kept.path)])


def summary(book: Gradebook) -> Text:
    """One line: what was collected, what was merged, what was skipped."""
    runs = sum(r.runs for r in book.rows)
    collected = ngettext("collected {n} report of {lab}: {students}, {runs}",
                         "collected {n} reports of {lab}: {students}, {runs}", book.reports, lab=book.lab or "-",
                         students=ngettext("{n} student", "{n} students", len(book.rows)),
                         runs=ngettext("{n} grading run", "{n} grading runs", runs))
    merged: Text
    if book.keep == "newest":
        merged = ngettext("{n} older run merged (kept newest)", "{n} older runs merged (kept newest)", book.merged)
    else:
        merged = ngettext("{n} lower-scoring run merged (kept best)", "{n} lower-scoring runs merged (kept best)",
                          book.merged)
    if book.verified:
        merged = join([merged, _("signatures verified")], ", ")
    elif book.unverified:
        # Signed reports collected without --verify: an edited score would pass unnoticed.
        merged = join([merged, ngettext("{n} signed report not verified (--verify checks them)",
                                        "{n} signed reports not verified (--verify checks them)",
                                        book.unverified)], ", ")
    skipped = ngettext("{n} skipped", "{n} skipped", len(book.skipped)) if book.skipped else _("none skipped")
    parts = [collected, merged, skipped]
    if book.other_rubric:
        parts.append(ngettext("{n} graded by another version of the rubric",
                              "{n} graded by another version of the rubric", len(book.other_rubric)))
    return join(parts, "; ")
