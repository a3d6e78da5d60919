"""JUnit XML for GitLab: one testcase per check. The one owner of the JUnit form: it writes it (the
only module that touches junit-xml), signs it, and reads it back for `grade collect`.

GitLab shows `classname` as the suite and compares test names across pipelines, so a name holds
the check id, title and maximum points (never the earned points); the reason, evidence and hint go
in the element text, because GitLab ignores `message` attributes and properties. The earned points
are the text's first line, `earned: N/M` (`획득: N/M` in Korean), which is how they are read back.

Reading streams the document with iterparse and drops each testcase once read, so memory grows
with the number of suites, not the size of the file.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any, Iterator, Optional

from .. import points, signing
from ..model import Report, Result, Status

EARNED = {"en": "earned", "ko": "획득"}
HINT = {"en": "hint", "ko": "힌트"}

_CASE_NAME = re.compile(r"^(?P<id>[^:\s]+): (?P<title>.*) \((?P<max>\d+(?:\.\d+)?) pts?(?P<bonus> bonus)?\)$", re.S)
_EARNED_LINE = re.compile(r"^\s*(?:" + "|".join(map(re.escape, EARNED.values()))
                          + r"): (?P<score>-?\d+(?:\.\d+)?)/(?P<max>\d+(?:\.\d+)?)")


# --------------------------------------------------------------------------------------- writing

def _points(x: float) -> str:
    return f"{points.number(x)} pt" if x == 1 else f"{points.number(x)} pts"


def case_name(result: Result, lang: str) -> str:
    bonus = " bonus" if result.bonus else ""
    return f"{result.id}: {result.title(lang)} ({_points(result.max_score)}{bonus})"


def _body(result: Result, lang: str) -> str:
    lines = [f"{EARNED[lang]}: {points.number(result.score)}/{points.number(result.max_score)}",
             result.message(lang)]
    lines += [f"  {e(lang)}" for e in result.evidence]
    if not result.passed:
        lines.append(f"{HINT[lang]}: {result.hint(lang)}")
    return "\n".join(lines)


def _render(report: Report, lang: str, signature: Optional[str]) -> str:
    # Imported here: `grade collect` reads JUnit through this module and needs no writer.
    from junit_xml import TestCase, TestSuite, to_xml_report_string

    cases = []
    for r in report.results:
        case = TestCase(name=case_name(r, lang), classname=f"{report.lab}.{r.section}",
                        elapsed_sec=round(r.seconds, 3))
        if r.status is Status.ERROR:
            case.add_error_info(message=r.message(lang), output=_body(r, lang))
        elif r.status is not Status.PASSED:
            # Blocked checks are failures too: their points are missing.
            case.add_failure_info(message=r.message(lang), output=_body(r, lang))
        else:
            case.stdout = _body(r, lang)
        cases.append(case)
    properties = {"lab": report.lab, "student": report.student, "score": points.number(report.score),
                  "max_score": points.number(report.max_score), "percent": report.percent,
                  "core_score": points.number(report.core_score),
                  "bonus_score": points.number(report.bonus_score)}
    if signature is not None:
        properties[signing.FIELD] = signature
    suite = TestSuite(
        name=f"{report.lab} ({report.student})", test_cases=cases, hostname=report.engine.get("address"),
        # JUnit's timestamp has no zone: naive UTC, as Jenkins and GitLab read it.
        timestamp=datetime.fromtimestamp(report.started, timezone.utc).replace(tzinfo=None)
        .isoformat(timespec="seconds"),
        properties=properties,
    )
    return str(to_xml_report_string([suite], encoding="utf-8"))


def render(report: Report, lang: str, key: Optional[bytes] = None) -> str:
    """The JUnit report; with `key`, its suite carries a `signature` property.

    Signing renders twice: the first rendering is read back to compute the signature of its
    canonical form (which leaves the signature property out), the second adds the property."""
    text = _render(report, lang, None)
    if key is None:
        return text
    [suite] = read(io.BytesIO(text.encode("utf-8")), key)
    return _render(report, lang, suite.computed)


# --------------------------------------------------------------------------------------- reading

class JUnitError(ValueError):
    """A document that is not a readable `grade` JUnit report, and why."""


@dataclass
class Suite:
    """One testsuite as read: its properties and cases, and what signs it."""

    properties: dict[str, Optional[str]] = field(default_factory=dict)
    timestamp: Optional[str] = None
    errors: Optional[str] = None  # the suite's `errors` attribute
    cases: list[points.CheckPoints] = field(default_factory=list)
    errored: bool = False  # a testcase is an engine error, not the student's fault
    problem: Optional[str] = None  # the first testcase that could not be read, and why
    computed: Optional[str] = None  # the signature computed with the key, when one was given
    signature: Optional[str] = None  # the signature property's value, when there is one


def parse_case(elem: ET.Element) -> tuple[points.CheckPoints, bool]:
    """A testcase element as a check's points and whether it is an engine error; JUnitError when
    it is not one `grade` wrote."""
    name = elem.get("name") or ""
    m = _CASE_NAME.match(name)
    if not m:
        raise JUnitError(f"not a grade report: test name {name[:60]!r} is not 'id: title (N pts)'")
    kids = {signing.local_name(k.tag): k for k in elem}
    outcome = kids.get("error") if "error" in kids else kids.get("failure")
    body = outcome if outcome is not None else kids.get("system-out")
    text = (body.text or "") if body is not None else ""
    earned = _EARNED_LINE.match(text)
    if not earned:
        raise JUnitError(f"malformed: test {m['id']} has no 'earned: N/M' line")
    max_score = float(m["max"])
    if abs(float(earned["max"]) - max_score) > 0.01:
        raise JUnitError(f"inconsistent: test {m['id']} is worth {m['max']} by its name, {earned['max']} by its text")
    passed = outcome is None and "skipped" not in kids
    return (points.CheckPoints(m["id"], m["title"], float(earned["score"]), max_score, bool(m["bonus"]), passed),
            "error" in kids)


class _CountingReader(io.RawIOBase):
    """Counts the bytes iterparse reads, to tell an empty file from a truncated one."""

    def __init__(self, fh: IO[bytes]):
        self.fh, self.count = fh, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.count += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)


def _xml_problem(e: ET.ParseError, raw_len: int) -> JUnitError:
    msg = str(e)
    if raw_len == 0:
        return JUnitError("empty file")
    if msg.startswith("no element found"):
        return JUnitError("truncated XML: the document ends before its last element closes")
    if msg.startswith("unclosed token"):
        return JUnitError(f"truncated XML: it ends inside a tag ({msg})")
    return JUnitError(f"malformed XML: {msg}")


def read(source: IO[bytes], key: Optional[bytes] = None) -> Iterator[Suite]:
    """Streams a JUnit document: each testsuite as it ends. With `key`, each suite's signature is
    computed over its canonical form. A testcase that cannot be read is the suite's `problem`
    (so that a signature check can come first); XML that cannot be parsed is a JUnitError."""
    counter = _CountingReader(source)
    depth = -1
    suite_depth: Optional[int] = None
    suite = Suite()
    digest: Optional[signing.SuiteDigest] = None
    try:
        for event, elem in ET.iterparse(counter, events=("start", "end")):
            if event == "start":
                depth += 1
                if suite_depth is None and signing.local_name(elem.tag) == "testsuite":
                    suite_depth = depth
                    suite = Suite(timestamp=elem.get("timestamp"), errors=elem.get("errors"))
                    digest = signing.SuiteDigest(key) if key is not None else None
                continue
            if suite_depth is not None:
                rel = depth - suite_depth
                if digest is not None:
                    digest.element(elem, rel)
                tag = signing.local_name(elem.tag)
                if rel == 0:
                    suite.computed = digest.signature() if digest is not None else None
                    yield suite
                    suite_depth, digest = None, None
                    elem.clear()
                elif tag == "property" and rel == 2:
                    if signing.is_signature_property(elem):
                        suite.signature = elem.get("value")
                    else:
                        suite.properties[elem.get("name") or ""] = elem.get("value")
                elif tag == "testcase" and rel == 1:
                    if suite.problem is None:
                        try:
                            case, errored = parse_case(elem)
                            suite.cases.append(case)
                            suite.errored |= errored
                        except JUnitError as e:
                            suite.problem = str(e)
                    elem.clear()
            depth -= 1
    except ET.ParseError as e:
        raise _xml_problem(e, counter.count) from None
