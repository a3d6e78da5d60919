"""JUnit XML for GitLab: one testcase per check. The one owner of the JUnit form: it writes it (the
only module that touches junit-xml), signs it, and reads it back for `grade collect`.

GitLab shows `classname` as the suite and compares test names across pipelines, so a name holds
the check id, title and maximum points (never the earned points); the reason, evidence and hint go
in the element text, because GitLab ignores `message` attributes and properties. The earned points
are the text's first line, `earned: N/M` (`획득: N/M` in Korean), which is how they are read back.
The words around the numbers come from the catalog like every other sentence; the reader accepts
them in every language the grader speaks, so `grade collect` reads a Korean report as it reads an
English one.

Reading streams the document with iterparse and drops each testcase once read, so memory grows
with the number of suites, not the size of the file.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from typing import IO, Any, Iterator, Optional

from .. import points, signing
from ..model import Report, Result, Status
from ..text import LANGS, Text, _

_CASE_NAME = re.compile(r"^(?P<id>[^:\s]+): (?P<title>.*) \((?P<worth>[^()]*)\)$", re.S)
_NUMBER = r"\d+(?:\.\d+)?"


# --------------------------------------------------------------------------------------- writing

def _earned(score: Any, max_score: Any) -> Text:
    # NOTE: the first line of a check's text in the JUnit report; grade collect reads the points back from it.
    return _("earned: {score}/{max}", score=score, max=max_score)


def case_name(result: Result, lang: str) -> str:
    return f"{result.id}: {result.title(lang)} ({points.worth(result.max_score, result.bonus)(lang)})"


def _body(result: Result, lang: str) -> str:
    lines = [_earned(points.number(result.score), points.number(result.max_score))(lang), result.message(lang)]
    lines += [f"  {e(lang)}" for e in result.evidence]
    if not result.passed:
        lines.append(_("hint: {hint}", hint=result.hint)(lang))
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
    """A document that is not a readable `grade` JUnit report, and why (in the reader's language)."""

    def __init__(self, reason: Text):
        super().__init__(str(reason))
        self.reason = reason


@cache
def _readers() -> tuple[tuple[tuple[re.Pattern[str], bool], ...], tuple[re.Pattern[str], ...]]:
    """Patterns that read the worth at the end of a test name (and whether it is a bonus) and the
    `earned: N/M` line back, in every language the grader writes them in: each message rendered
    with placeholders that become the number groups."""
    score, top = "\x00score\x00", "\x00max\x00"

    def pattern(rendered: str, prefix: str, suffix: str) -> re.Pattern[str]:
        body = re.escape(rendered).replace(re.escape(score), f"(?P<score>-?{_NUMBER})")
        return re.compile(prefix + body.replace(re.escape(top), f"(?P<max>{_NUMBER})") + suffix)

    worth: dict[str, tuple[re.Pattern[str], bool]] = {}
    earned: dict[str, re.Pattern[str]] = {}
    for lang in LANGS:
        for bonus in (False, True):
            for n in (1, 2):  # both plural forms (their count is the placeholder, not n)
                text = points.worth(top, bonus, n)(lang)
                worth[text] = (pattern(text, "^", "$"), bonus)
        text = _earned(score, top)(lang)
        earned[text] = pattern(text, r"^\s*", "")
    return tuple(worth.values()), tuple(earned.values())


@dataclass
class Suite:
    """One testsuite as read: its properties and cases, and what signs it."""

    properties: dict[str, Optional[str]] = field(default_factory=dict)
    timestamp: Optional[str] = None
    errors: Optional[str] = None  # the suite's `errors` attribute
    cases: list[points.CheckPoints] = field(default_factory=list)
    errored: bool = False  # a testcase is an engine error, not the student's fault
    problem: Optional[Text] = None  # the first testcase that could not be read, and why
    computed: Optional[str] = None  # the signature computed with the key, when one was given
    signature: Optional[str] = None  # the signature property's value, when there is one


def parse_case(elem: ET.Element) -> tuple[points.CheckPoints, bool]:
    """A testcase element as a check's points and whether it is an engine error; JUnitError when
    it is not one `grade` wrote."""
    name = elem.get("name") or ""
    worth_readers, earned_readers = _readers()
    m = _CASE_NAME.match(name)
    worth, bonus = None, False
    for reader, is_bonus in worth_readers:
        worth, bonus = (reader.match(m["worth"]) if m else None), is_bonus
        if worth:
            break
    if not m or not worth:
        raise JUnitError(_("not a grade report: test name {name} is not 'id: title (N pts)'", name=repr(name[:60])))
    kids = {signing.local_name(k.tag): k for k in elem}
    outcome = kids.get("error") if "error" in kids else kids.get("failure")
    body = outcome if outcome is not None else kids.get("system-out")
    text = (body.text or "") if body is not None else ""
    earned = next((e for e in (r.match(text) for r in earned_readers) if e), None)
    if not earned:
        raise JUnitError(_("malformed: test {id} has no 'earned: N/M' line", id=m["id"]))
    max_score = float(worth["max"])
    if abs(float(earned["max"]) - max_score) > 0.01:
        raise JUnitError(_("inconsistent: test {id} is worth {name_max} by its name, {text_max} by its text",
                           id=m["id"], name_max=worth["max"], text_max=earned["max"]))
    passed = outcome is None and "skipped" not in kids
    return (points.CheckPoints(m["id"], m["title"], float(earned["score"]), max_score, bonus, passed),
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
        return JUnitError(_("empty file"))
    if msg.startswith("no element found"):
        return JUnitError(_("truncated XML: the document ends before its last element closes"))
    # NOTE: {error} is the XML parser's own message, in English.
    if msg.startswith("unclosed token"):
        return JUnitError(_("truncated XML: it ends inside a tag ({error})", error=msg))
    # NOTE: {error} is the XML parser's own message, in English.
    return JUnitError(_("malformed XML: {error}", error=msg))


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
                            suite.problem = e.reason
                    elem.clear()
            depth -= 1
    except ET.ParseError as e:
        raise _xml_problem(e, counter.count) from None
