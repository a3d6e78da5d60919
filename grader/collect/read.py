"""Reading a class's reports: which files, and each one as typed records.

Every `*.json` and `*.xml` file under the given files and folders is read, and those inside
`*.zip` files (GitLab's artifacts archive). Reports are read one at a time and reduced to a small
record (student, lab, time, per-check points); JUnit is read through the JUnit report's own
streaming reader, so memory grows with the number of reports, not their size. A report that is
malformed, truncated, not a `grade` report, inconsistent (its total is not the sum of its checks),
without a student id or, with a key, without a valid signature is a `Skip` with its reason.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any, Callable, Iterable, Iterator, Literal, Optional, Union

from .. import signing
from ..points import CheckPoints
from ..points import text as fmt
from ..reports import junit
from ..text import Text, _, verbatim

EXTENSIONS = (".json", ".xml")
UNKNOWN_STUDENTS = {"", "unknown"}  # `grade` writes "unknown" when it could not tell who ran it

Kind = Literal["json", "junit"]
Status = Literal["complete", "incomplete", "error"]
TimeFrom = Literal["report", "file"]


class Skip(Exception):
    """A report that cannot go into the gradebook, and why (in the reader's language)."""

    def __init__(self, reason: Text):
        super().__init__(str(reason))
        self.reason = reason


@dataclass
class Record:
    """One report reduced to what a gradebook needs."""

    path: str
    kind: Kind
    folder: str  # the folder or archive it came from: pairs a run's JSON and JUnit reports
    student: str
    lab: str
    title: str
    score: float
    max_score: float
    time: Optional[float]  # seconds since the epoch
    time_from: TimeFrom
    status: Status
    checks: list[CheckPoints]
    signed: bool = False  # it carries a signature (checked only with a key: `--verify`)

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0

    def run_key(self) -> tuple[object, ...]:
        """Equal for the JSON and JUnit reports of one grading run, wherever they were found: both
        carry the time of grading to the second, so a run whose reports were copied into two
        folders (an artifact downloaded twice) counts once. A report without that time is paired
        with the other reports of its folder."""
        where = self.time if self.time_from == "report" else self.folder
        return (where, self.student, self.lab, self.score, tuple((c.id, c.score) for c in self.checks))


@dataclass(frozen=True)
class Skipped:
    """A file or report left out of the gradebook, and why."""

    path: str
    reason: Text


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
        raise Skip(_("unreadable zip archive: {error}", error=str(e))) from None
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
            yield Source(member, folder, mtime, _open_member(archive, info))


def _open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    return lambda: io.BytesIO(archive.read(info))


def _open_file(path: str) -> Callable[[], IO[bytes]]:
    return lambda: open(path, "rb")


def discover(paths: Iterable[str]) -> Iterator[Union[Source, Skipped]]:
    """Report sources under the given files and folders, in a stable order; an unreadable zip
    comes out as Skipped."""
    def files() -> Iterator[tuple[str, bool]]:
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
                yield Skipped(path, e.reason)
        elif lower.endswith(EXTENSIONS) or not found:  # a file named outright is always tried
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                mtime = None
            yield Source(path, os.path.dirname(path), mtime, _open_file(path))


# ------------------------------------------------------------------------------------- reading

def _number(value: Any, what: Text) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise Skip(_("malformed: {what} is {value}, not a number", what=what, value=repr(value))) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Skip(_("malformed: {what} is not a finite number", what=what))
    return float(value)


def _time(value: Any) -> Optional[float]:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


def _student(value: Any) -> str:
    if not isinstance(value, str) or value.strip() in UNKNOWN_STUDENTS:
        if value in (None, ""):
            raise Skip(_("no student id (student is missing; grade it with --student ID or in GitLab CI)"))
        raise Skip(_("no student id (student is {value}; grade it with --student ID or in GitLab CI)",
                     value=repr(value)))
    return value.strip()


def _consistent(score: float, max_score: float, checks: list[CheckPoints]) -> None:
    if not checks:
        # Every rubric has a check, so `grade` never writes a report without one; read as
        # complete, such a file made a 0/0 row that passed everything.
        raise Skip(_("malformed: the report has no checks"))
    total = sum(c.score for c in checks)
    top = sum(c.max_score for c in checks if not c.bonus)
    if abs(total - score) > 0.01:
        raise Skip(_("inconsistent: score {score} is not the sum of its checks ({total})",
                     score=fmt(score), total=fmt(total)))
    if abs(top - max_score) > 0.01:
        raise Skip(_("inconsistent: max_score {max} is not the sum of its checks' ({total})",
                     max=fmt(max_score), total=fmt(top)))
    for c in checks:
        if c.score < 0 or c.score > c.max_score + 0.01:
            raise Skip(_("inconsistent: check {id} has {score} of {max} points",
                         id=c.id, score=fmt(c.score), max=fmt(c.max_score)))
        # `grade` gives a check all its points when it passes and none otherwise, so a failed
        # check with its points (or a passed one without them) was edited: read as it is, it made
        # a 14/14 row that is "incomplete", or a "complete" one short of points.
        if c.max_score > 0 and c.passed != (abs(c.score - c.max_score) <= 0.01):
            if c.passed:
                raise Skip(_("inconsistent: check {id} passed with {score} of {max} points",
                             id=c.id, score=fmt(c.score), max=fmt(c.max_score)))
            raise Skip(_("inconsistent: check {id} did not pass, yet has {score} of {max} points",
                         id=c.id, score=fmt(c.score), max=fmt(c.max_score)))


def _status(errored: bool, checks: list[CheckPoints]) -> Status:
    if errored:
        return "error"
    return "complete" if all(c.passed for c in checks if not c.bonus) else "incomplete"


def read_json(src: Source, key: Optional[bytes]) -> Record:
    with src.open() as fh:
        raw = fh.read()
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise Skip(_("malformed JSON: not UTF-8 text")) from None
    except json.JSONDecodeError as e:
        if not raw.strip():
            raise Skip(_("empty file")) from None
        if e.pos >= len(raw.rstrip()) or e.msg.startswith("Unterminated string"):
            raise Skip(_("truncated JSON: it ends at byte {size} in the middle of the report", size=len(raw))) from None
        # NOTE: {error} is Python's own JSON parser message, in English.
        raise Skip(_("malformed JSON: {error} at line {line}, column {column}",
                     error=e.msg, line=e.lineno, column=e.colno)) from None
    if not isinstance(data, dict) or "checks" not in data or "lab" not in data:
        raise Skip(_("not a grade report (a JSON report has 'lab' and 'checks')"))
    if key is not None:
        problem = signing.verify_json(data, key)
        if problem:
            raise Skip(problem)
    lab = data.get("lab")
    if not isinstance(lab, str) or not lab:
        raise Skip(_("malformed: no lab id"))
    student = _student(data.get("student"))
    if not isinstance(data["checks"], list):
        raise Skip(_("malformed: 'checks' is not a list"))
    checks = []
    for i, c in enumerate(data["checks"]):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str):
            raise Skip(_("malformed: check {number} has no id", number=i + 1))
        checks.append(CheckPoints(
            id=c["id"], title=str(c.get("title") or c["id"]),
            score=_number(c.get("score"), _("the score of {id}", id=c["id"])),
            max_score=_number(c.get("max_score"), _("the max_score of {id}", id=c["id"])),
            bonus=bool(c.get("bonus")), passed=c.get("status") == "passed"))
    score = _number(data.get("score"), verbatim("score"))
    max_score = _number(data.get("max_score"), verbatim("max_score"))
    _consistent(score, max_score, checks)
    started = _time(data.get("started"))
    errored = bool(data.get("fault")) or any(c.get("status") == "error" for c in data["checks"])
    return Record(src.path, "json", src.folder, student, lab, str(data.get("title") or lab), score, max_score,
                  started if started is not None else src.mtime, "report" if started is not None else "file",
                  _status(errored, checks), checks, signed=data.get(signing.FIELD) is not None)


def read_junit(src: Source, key: Optional[bytes]) -> list[Record]:
    """Every testsuite of a JUnit file as a record; a bad suite skips the whole file."""
    records: list[Record] = []
    with src.open() as fh:
        try:
            for suite in junit.read(fh, key):
                records.append(_junit_record(src, suite, key is not None))
        except junit.JUnitError as e:
            raise Skip(e.reason) from None
    if not records:
        raise Skip(_("not a grade report (no testsuite)"))
    return records


def _junit_record(src: Source, suite: junit.Suite, verify: bool) -> Record:
    props = suite.properties
    if "lab" not in props:
        raise Skip(_("not a grade report (its testsuite has no 'lab' property)"))
    if verify:
        reason = signing.verify(suite.computed, suite.signature)
        if reason:
            raise Skip(reason)
    if suite.problem is not None:
        raise Skip(suite.problem)
    lab = props.get("lab") or ""
    if not lab:
        raise Skip(_("malformed: no lab id"))
    student = _student(props.get("student"))
    score = _number(props.get("score"), _("the score property"))
    max_score = _number(props.get("max_score"), _("the max_score property"))
    checks = suite.cases
    _consistent(score, max_score, checks)
    started = _time(suite.timestamp) or _time(props.get("started"))
    errored = suite.errored or (suite.errors or "0").strip() not in ("0", "")
    return Record(src.path, "junit", src.folder, student, lab, lab, score, max_score,
                  started if started is not None else src.mtime, "report" if started is not None else "file",
                  _status(errored, checks), checks, signed=suite.signature is not None)


def read(src: Source, key: Optional[bytes]) -> list[Record]:
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
        raise Skip(_("empty file"))
    raise Skip(_("not a grade report (neither JSON nor XML)"))
