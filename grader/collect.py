"""`grade collect`: a class's JSON and JUnit reports (as downloaded from GitLab job artifacts) into
one gradebook row per student.

Reports are read one at a time and reduced to a small record (student, lab, time, per-check
points); JUnit is streamed with iterparse and each testcase is dropped once read, so memory grows
with the number of reports, not their size. Only the standard library is used, so collecting a
thousand reports takes well under a second of work.

Reading: every `*.json` and `*.xml` file under the given files and folders, and those inside
`*.zip` files (GitLab's artifacts archive). A JSON and a JUnit report in the same folder (or
archive) with the same student, lab and points are the two reports of one grading run and count
once. Several runs for one student and lab are merged into one row: the newest by default, or the
best score. A report that is malformed, truncated, not a `grade` report, inconsistent (its total
is not the sum of its checks), from another lab, without a student id or, with `verify`, without a
valid signature is skipped with its path and reason; the rest still collect.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Callable, Iterable, Iterator

from . import signing

EXTENSIONS = (".json", ".xml")
UNKNOWN_STUDENTS = {"", "unknown"}  # `grade` writes "unknown" when it could not tell who ran it
KEEP = ("newest", "best")
_CASE_NAME = re.compile(r"^(?P<id>[^:\s]+): (?P<title>.*) \((?P<max>\d+(?:\.\d+)?) pts?(?P<bonus> bonus)?\)$", re.S)
_EARNED = re.compile(r"^\s*(?:earned|획득): (?P<score>-?\d+(?:\.\d+)?)/(?P<max>\d+(?:\.\d+)?)")


class Skip(Exception):
    """A report that cannot go into the gradebook, and why."""


class UsageError(Exception):
    """The collection as a whole cannot be made (exit 2)."""


@dataclass(frozen=True)
class CheckPoints:
    id: str
    title: str
    score: float
    max_score: float
    bonus: bool
    passed: bool


@dataclass
class Record:
    """One report reduced to what a gradebook needs."""

    path: str
    kind: str  # "json" | "junit"
    folder: str  # the folder or archive it came from: pairs a run's JSON and JUnit reports
    student: str
    lab: str
    title: str
    score: float
    max_score: float
    time: float | None  # seconds since the epoch
    time_from: str  # "report" | "file"
    status: str  # "complete" | "incomplete" | "error"
    checks: list[CheckPoints]

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0

    def run_key(self) -> tuple:
        return (self.folder, self.student, self.lab, self.score, tuple((c.id, c.score) for c in self.checks))


@dataclass
class Row:
    student: str
    lab: str
    kept: Record
    runs: int  # grading runs found for this student and lab (1 = nothing merged)
    reports: int  # report files behind them


@dataclass
class Gradebook:
    lab: str | None
    title: str
    keep: str
    verified: bool
    rows: list[Row] = field(default_factory=list)
    checks: list[tuple[str, str, float, bool]] = field(default_factory=list)  # id, title, max, bonus
    skipped: list[tuple[str, str]] = field(default_factory=list)  # path, reason
    files: int = 0
    reports: int = 0

    @property
    def merged(self) -> int:
        """Grading runs not kept because the same student had another run of the lab."""
        return sum(r.runs - 1 for r in self.rows)

    def exit_code(self) -> int:
        return 1 if self.skipped else 0

    def pass_rates(self) -> list[tuple[str, str, float, bool, int, int]]:
        """(id, title, max, bonus, students who passed, students) for every check, most missed first."""
        out = []
        for cid, title, mx, bonus in self.checks:
            got = [c for r in self.rows for c in r.kept.checks if c.id == cid]
            out.append((cid, title, mx, bonus, sum(1 for c in got if c.passed), len(self.rows)))
        order = {cid: i for i, (cid, *_rest) in enumerate(self.checks)}
        return sorted(out, key=lambda x: ((x[4] / x[5]) if x[5] else 0, order[x[0]]))


# ----------------------------------------------------------------------------------- discovery

@dataclass(frozen=True)
class Source:
    path: str
    folder: str
    mtime: float | None
    open: Callable[[], IO[bytes]]


def _zip_sources(path: str) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        raise Skip(f"unreadable zip archive: {e}") from None
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not info.filename.lower().endswith(EXTENSIONS):
                continue
            member = f"{path}!{info.filename}"
            folder = f"{path}!{os.path.dirname(info.filename)}"
            try:
                mtime = datetime(*info.date_time).timestamp()
            except (ValueError, OverflowError):
                mtime = None
            yield Source(member, folder, mtime, lambda a=archive, i=info: io.BytesIO(a.read(i)))


def discover(paths: Iterable[str]) -> Iterator[Source | tuple[str, str]]:
    """Report sources under the given files and folders, in a stable order; an unreadable zip
    comes out as (path, reason)."""
    def files():
        for given in paths:
            if os.path.isdir(given):
                for top, dirs, names in os.walk(given):
                    dirs.sort()
                    for name in sorted(names):
                        yield os.path.join(top, name), True
            else:
                yield given, False

    for path, found in files():
        lower = path.lower()
        if lower.endswith(".zip"):
            try:
                yield from _zip_sources(path)
            except Skip as e:
                yield (path, str(e))
        elif lower.endswith(EXTENSIONS) or not found:  # a file named outright is always tried
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                mtime = None
            yield Source(path, os.path.dirname(path), mtime, lambda p=path: open(p, "rb"))


# ------------------------------------------------------------------------------------- reading

def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise Skip(f"malformed: {what} is {value!r}, not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Skip(f"malformed: {what} is not a finite number")
    return float(value)


def _time(value) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


def _student(value) -> str:
    if not isinstance(value, str) or value.strip() in UNKNOWN_STUDENTS:
        shown = "missing" if value in (None, "") else f"{value!r}"
        raise Skip(f"no student id (student is {shown}; grade it with --student ID or in GitLab CI)")
    return value.strip()


def _consistent(score: float, max_score: float, checks: list[CheckPoints]) -> None:
    total = sum(c.score for c in checks)
    top = sum(c.max_score for c in checks if not c.bonus)
    if abs(total - score) > 0.01:
        raise Skip(f"inconsistent: score {_fmt(score)} is not the sum of its checks ({_fmt(total)})")
    if abs(top - max_score) > 0.01:
        raise Skip(f"inconsistent: max_score {_fmt(max_score)} is not the sum of its checks' ({_fmt(top)})")
    for c in checks:
        if c.score < 0 or c.score > c.max_score + 0.01:
            raise Skip(f"inconsistent: check {c.id} has {_fmt(c.score)} of {_fmt(c.max_score)} points")


def _status(errored: bool, checks: list[CheckPoints]) -> str:
    if errored:
        return "error"
    return "complete" if all(c.passed for c in checks if not c.bonus) else "incomplete"


def read_json(src: Source, key: bytes | None) -> Record:
    with src.open() as fh:
        raw = fh.read()
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise Skip("malformed JSON: not UTF-8 text") from None
    except json.JSONDecodeError as e:
        if not raw.strip():
            raise Skip("empty file") from None
        if e.pos >= len(raw.rstrip()) or e.msg.startswith("Unterminated string"):
            raise Skip(f"truncated JSON: it ends at byte {len(raw)} in the middle of the report") from None
        raise Skip(f"malformed JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    if not isinstance(data, dict) or "checks" not in data or "lab" not in data:
        raise Skip("not a grade report (a JSON report has 'lab' and 'checks')")
    if key is not None:
        problem = signing.verify_json(data, key)
        if problem:
            raise Skip(problem)
    lab = data.get("lab")
    if not isinstance(lab, str) or not lab:
        raise Skip("malformed: no lab id")
    student = _student(data.get("student"))
    if not isinstance(data["checks"], list):
        raise Skip("malformed: 'checks' is not a list")
    checks = []
    for i, c in enumerate(data["checks"]):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str):
            raise Skip(f"malformed: check {i + 1} has no id")
        checks.append(CheckPoints(
            id=c["id"], title=str(c.get("title") or c["id"]),
            score=_number(c.get("score"), f"the score of {c['id']}"),
            max_score=_number(c.get("max_score"), f"the max_score of {c['id']}"),
            bonus=bool(c.get("bonus")), passed=c.get("status") == "passed"))
    score = _number(data.get("score"), "score")
    max_score = _number(data.get("max_score"), "max_score")
    _consistent(score, max_score, checks)
    started = _time(data.get("started"))
    errored = bool(data.get("fault")) or any(c.get("status") == "error" for c in data["checks"])
    return Record(src.path, "json", src.folder, student, lab, str(data.get("title") or lab), score, max_score,
                  started if started is not None else src.mtime, "report" if started is not None else "file",
                  _status(errored, checks), checks)


def _case(elem) -> tuple[CheckPoints, bool]:
    """A testcase element as a check's points, and whether it was an engine error."""
    name = elem.get("name") or ""
    m = _CASE_NAME.match(name)
    if not m:
        raise Skip(f"not a grade report: test name {name[:60]!r} is not 'id: title (N pts)'")
    kids = {signing._local(k.tag): k for k in elem}
    outcome = kids.get("error") if "error" in kids else kids.get("failure")
    body = (outcome if outcome is not None else kids.get("system-out"))
    text = (body.text or "") if body is not None else ""
    earned = _EARNED.match(text)
    if not earned:
        raise Skip(f"malformed: test {m['id']} has no 'earned: N/M' line")
    max_score = float(m["max"])
    if abs(float(earned["max"]) - max_score) > 0.01:
        raise Skip(f"inconsistent: test {m['id']} is worth {m['max']} by its name, {earned['max']} by its text")
    passed = outcome is None and "skipped" not in kids
    return (CheckPoints(m["id"], m["title"], float(earned["score"]), max_score, bool(m["bonus"]), passed),
            "error" in kids)


def _xml_problem(e, raw_len: int) -> Skip:
    msg = str(e)
    if raw_len == 0 or msg.startswith("no element found"):
        return Skip("empty file" if raw_len == 0 else "truncated XML: the document ends before its last element closes")
    if msg.startswith("unclosed token"):
        return Skip(f"truncated XML: it ends inside a tag ({msg})")
    return Skip(f"malformed XML: {msg}")


def read_junit(src: Source, key: bytes | None) -> list[Record]:
    """Every testsuite of a JUnit file as a record, streamed; a bad suite skips the whole file."""
    import xml.etree.ElementTree as ET

    records: list[Record] = []
    state = {"props": {}, "checks": [], "errors": False, "problem": None}

    def on_end(elem, depth):
        tag = signing._local(elem.tag)
        if tag == "property" and depth == 2:
            state["props"][elem.get("name")] = elem.get("value")
        elif tag == "testcase" and depth == 1:
            if state["problem"] is None:
                try:
                    case, errored = _case(elem)
                    state["checks"].append(case)
                    state["errors"] |= errored
                except Skip as e:
                    state["problem"] = e
            elem.clear()

    with src.open() as fh:
        counter = _CountingReader(fh)
        try:
            for suite, computed, given in signing.iter_suites(counter, key, on_end):
                props, checks = state["props"], state["checks"]
                problem, case_errors = state["problem"], state["errors"]
                state.update(props={}, checks=[], errors=False, problem=None)
                if "lab" not in props:
                    raise Skip("not a grade report (its testsuite has no 'lab' property)")
                if key is not None:
                    reason = signing.verify_junit_suite(computed, given)
                    if reason:
                        raise Skip(reason)
                if problem is not None:
                    raise problem
                lab = props.get("lab") or ""
                if not lab:
                    raise Skip("malformed: no lab id")
                student = _student(props.get("student"))
                score = _number(props.get("score"), "the score property")
                max_score = _number(props.get("max_score"), "the max_score property")
                _consistent(score, max_score, checks)
                started = _time(suite.get("timestamp")) or _time(props.get("started"))
                errored = case_errors or (suite.get("errors") or "0").strip() not in ("0", "")
                records.append(Record(
                    src.path, "junit", src.folder, student, lab, lab, score, max_score,
                    started if started is not None else src.mtime, "report" if started is not None else "file",
                    _status(errored, checks), checks))
                suite.clear()
        except ET.ParseError as e:
            raise _xml_problem(e, counter.count) from None
    if not records:
        raise Skip("not a grade report (no testsuite)")
    return records


class _CountingReader(io.RawIOBase):
    """Counts the bytes iterparse reads, to tell an empty file from a truncated one."""

    def __init__(self, fh):
        self.fh, self.count = fh, 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.fh.read(n)
        self.count += len(data)
        return data

    def readinto(self, b):
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


def read(src: Source, key: bytes | None) -> list[Record]:
    """The records of one report file; Skip when it cannot be used."""
    with src.open() as fh:
        head = fh.read(512).lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head.startswith((b"{", b"[")) or (not head and src.path.lower().endswith(".json")):
        return [read_json(src, key)]
    if head.startswith(b"<") or (not head and src.path.lower().endswith(".xml")):
        return read_junit(src, key)
    if not head:
        raise Skip("empty file")
    raise Skip("not a grade report (neither JSON nor XML)")


# ------------------------------------------------------------------------------------ collecting

def collect(paths: Iterable[str], lab: str | None = None, keep: str = "newest",
            key: bytes | None = None) -> Gradebook:
    """The gradebook of every report under `paths`. With `key`, only reports whose signature it
    verifies are collected."""
    if keep not in KEEP:
        raise UsageError(f"--keep must be one of {', '.join(KEEP)}")
    book = Gradebook(lab=lab, title=lab or "", keep=keep, verified=key is not None)
    records: list[Record] = []
    for src in discover(paths):
        book.files += 1
        if isinstance(src, tuple):
            book.skipped.append(src)
            continue
        try:
            found = read(src, key)
        except Skip as e:
            book.skipped.append((src.path, str(e)))
            continue
        except OSError as e:
            book.skipped.append((src.path, f"unreadable: {e.strerror or e}"))
            continue
        book.reports += 1
        records += found
    if book.files == 0:
        raise UsageError("no reports found (grade reads *.json, *.xml and *.zip files)")

    labs = Counter(r.lab for r in records)
    if lab is None and labs:
        (top, n), *rest = labs.most_common()
        tied = [name for name, count in labs.items() if count == n]
        if len(tied) > 1:
            counts = ", ".join(f"{name} ({count})" for name, count in sorted(labs.items()))
            raise UsageError(f"the reports are of several labs in equal numbers: {counts}; choose one with --lab")
        lab = top
    book.lab = lab
    mine = []
    for r in records:
        if r.lab != lab:
            book.skipped.append((r.path, f"from another lab: {r.lab}, not {lab}"))
        else:
            mine.append(r)

    by_student: dict[str, list[Record]] = {}
    for r in mine:
        by_student.setdefault(r.student, []).append(r)
    for student in sorted(by_student):
        runs: dict[tuple, Record] = {}
        for r in by_student[student]:
            k = r.run_key()
            # One run's JSON and JUnit: the JSON report holds the time of grading.
            if k not in runs or (runs[k].kind != "json" and r.kind == "json"):
                runs[k] = r
        candidates = list(runs.values())
        if keep == "best":
            kept = max(candidates, key=lambda r: (r.score, r.time or 0.0, r.path))
        else:
            kept = max(candidates, key=lambda r: (r.time or 0.0, r.score, r.path))
        book.rows.append(Row(student, lab, kept, len(candidates), len(by_student[student])))

    seen: dict[str, tuple[str, str, float, bool]] = {}
    for row in sorted(book.rows, key=lambda r: -len(r.kept.checks)):
        for c in row.kept.checks:
            seen.setdefault(c.id, (c.id, c.title, c.max_score, c.bonus))
    # Rubric order: the order of the fullest report, others' extra checks after.
    book.checks = list(seen.values())
    titled = [r.kept for r in book.rows if r.kept.kind == "json"]
    book.title = titled[0].title if titled else (lab or "")
    return book


# -------------------------------------------------------------------------------------- output

def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def _cell(text: str) -> str:
    """Spreadsheet-safe text: a leading =, +, -, @ would be read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def iso(t: float | None) -> str:
    if t is None:
        return ""
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


def csv_header(book: Gradebook) -> list[str]:
    return (["student", "lab"] + [_cell(c[0]) for c in book.checks]
            + ["score", "max_score", "percent", "status", "report_time", "time_from", "runs", "report"])


def write_csv(book: Gradebook, out: IO[str]) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(csv_header(book))
    for row in book.rows:
        points = {c.id: c.score for c in row.kept.checks}
        w.writerow([_cell(row.student), _cell(row.lab)]
                   + [_fmt(points[c[0]]) if c[0] in points else "" for c in book.checks]
                   + [_fmt(row.kept.score), _fmt(row.kept.max_score), f"{row.kept.percent:.1f}",
                      row.kept.status, iso(row.kept.time), row.kept.time_from, row.runs, _cell(row.kept.path)])


def summary(book: Gradebook) -> str:
    runs = sum(r.runs for r in book.rows)
    merged = (f"{book.merged} older run{'s' if book.merged != 1 else ''} merged (kept newest)" if book.keep == "newest"
              else f"{book.merged} lower-scoring run{'s' if book.merged != 1 else ''} merged (kept best)")
    verified = ", signatures verified" if book.verified else ""
    skipped = f"{len(book.skipped)} skipped" if book.skipped else "none skipped"
    return (f"collected {book.reports} report{'s' if book.reports != 1 else ''} of {book.lab or '-'}: "
            f"{len(book.rows)} student{'s' if len(book.rows) != 1 else ''}, {runs} grading "
            f"run{'s' if runs != 1 else ''}; {merged}{verified}; {skipped}")
