"""The three renderings of one result model: JUnit for GitLab, JSON for tools, the terminal for students."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema

from grader import signing
from grader.model import More, Report, Result, Status
from grader.reports import json_report, junit, terminal
from grader.text import Authored, verbatim

XSD = xmlschema.XMLSchema(str(Path(__file__).parent / "junit.xsd"))
SECTION = Authored("1. Build", "1. 빌드")


SEEN = (verbatim("TARGET=blog.sixeyed.com"),)


def result(id, status, score, max_score, bonus=False, evidence=SEEN):
    # Titles and hints are the rubric's (both languages); the message stands for a check's own.
    return Result(id=id, section="build", section_title=SECTION, title=Authored(f"{id} title", f"{id} 제목"),
                  status=status, score=score, max_score=max_score, bonus=bonus,
                  message=Authored(f"{id} message", f"{id} 메시지"), hint=Authored(f"type {id}", f"{id} 입력"),
                  evidence=evidence, seconds=0.25)


@pytest.fixture
def report():
    r = Report(lab="ch03", title=Authored("Chapter 3", "제3장"), student="kim", engine={"address": "unix:///x"})
    r.results = [result("ok", Status.PASSED, 2, 2), result("bad", Status.FAILED, 0, 3),
                 result("blocked", Status.SKIPPED, 0, 1), result("broken", Status.ERROR, 0, 1),
                 result("extra", Status.PASSED, 2, 2, bonus=True)]
    return r


def test_junit_is_valid_and_scores_each_check_for_gitlab(report):
    xml = junit.render(report, "en")
    XSD.validate(xml)
    suite = ET.fromstring(xml).find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "2", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"ok: ok title (2 pts)", "bad: bad title (3 pts)", "blocked: blocked title (1 pt)",
                          "broken: broken title (1 pt)", "extra: extra title (2 pts bonus)"}
    assert all(c.get("classname") == "ch03.build" for c in cases.values())
    failure = cases["bad: bad title (3 pts)"].find("failure")
    # GitLab shows the element text, not the message attribute: everything must be in the text.
    assert "earned: 0/3" in failure.text and "bad message" in failure.text
    assert "TARGET=blog.sixeyed.com" in failure.text and "hint: type bad" in failure.text
    assert cases["blocked: blocked title (1 pt)"].find("failure") is not None
    assert cases["broken: broken title (1 pt)"].find("error") is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert (props["score"], props["max_score"], props["student"]) == ("4", "7", "kim")


def test_junit_in_korean_is_valid_and_reads_korean(report):
    xml = junit.render(report, "ko")
    XSD.validate(xml)
    cases = {c.get("name"): c for c in ET.fromstring(xml).iter("testcase")}
    assert set(cases) == {"ok: ok 제목 (2점)", "bad: bad 제목 (3점)", "blocked: blocked 제목 (1점)",
                          "broken: broken 제목 (1점)", "extra: extra 제목 (보너스 2점)"}
    failure = cases["bad: bad 제목 (3점)"].find("failure").text
    assert failure.splitlines()[0] == "획득: 0/3" and "bad 메시지" in failure and "힌트: bad 입력" in failure
    # What the grader itself says is Korean; what is left in Latin letters is the rubric's values.
    text = "\n".join([*cases, *(e.text or "" for c in cases.values() for e in c)])
    words = set(re.findall(r"[A-Za-z]+", text))
    assert words <= {"ok", "bad", "blocked", "broken", "extra", "TARGET", "blog", "sixeyed", "com"}, words


def test_junit_reads_a_report_of_either_language_whatever_the_readers(report):
    """An older Korean report said `(3 pts)` in its test names: the reader takes every language's
    words in every position, so a class's reports collect whatever language each was written in."""
    korean = junit.render(report, "ko").replace("(3점)", "(3 pts)").replace("(보너스 2점)", "(2 pts bonus)")
    [suite] = junit.read(io.BytesIO(korean.encode()))
    assert suite.problem is None
    assert [(c.max_score, c.bonus) for c in suite.cases] == [(r.max_score, r.bonus) for r in report.results]


def test_junit_names_do_not_change_with_the_score(report):
    before = junit.render(report, "en")
    report.results[1] = result("bad", Status.PASSED, 3, 3)
    names = lambda xml: [c.get("name") for c in ET.fromstring(xml).iter("testcase")]  # noqa: E731
    assert names(before) == names(junit.render(report, "en"))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_junit_reads_back_every_checks_points(report, lang):
    [suite] = junit.read(io.BytesIO(junit.render(report, lang).encode()))
    assert suite.problem is None and suite.signature is None and suite.computed is None
    assert [(c.id, c.score, c.max_score, c.bonus, c.passed) for c in suite.cases] == [
        (r.id, r.score, r.max_score, r.bonus, r.passed) for r in report.results]
    assert suite.errored  # the engine error of "broken"
    assert [c.title for c in suite.cases] == [r.title(lang) for r in report.results]
    assert (suite.properties["lab"], suite.properties["student"], suite.properties["score"]) == ("ch03", "kim", "4")
    assert suite.timestamp and suite.errors == "1"


def test_junit_read_names_what_is_not_a_grade_testcase(report):
    xml = junit.render(report, "en")
    [suite] = junit.read(io.BytesIO(xml.replace("earned: 0/3", "score 0 of 3").encode()))
    assert suite.problem("en") == "malformed: test bad has no 'earned: N/M' line"
    [suite] = junit.read(io.BytesIO(xml.replace("bad: bad title (3 pts)", "test_bad").encode()))
    assert suite.problem("en") == "not a grade report: test name 'test_bad' is not 'id: title (N pts)'"
    assert suite.problem("ko") == ("grade 보고서가 아닙니다: 테스트 이름 'test_bad' 값이 "
                                   "`id: title (N pts)` 형식이 아닙니다")
    with pytest.raises(junit.JUnitError, match="truncated XML"):
        list(junit.read(io.BytesIO(xml[: len(xml) // 2].encode())))


def test_signed_junit_is_the_same_report_with_one_more_property(report):
    key = b"course key"
    plain, signed = junit.render(report, "en"), junit.render(report, "en", key)
    XSD.validate(signed)
    [line] = [x for x in signed.splitlines(keepends=True) if 'name="signature"' in x]
    assert signed.replace(line, "") == plain
    [suite] = junit.read(io.BytesIO(signed.encode()), key)
    assert signing.verify(suite.computed, suite.signature) is None
    [other] = junit.read(io.BytesIO(signed.encode()), b"another key")
    assert signing.verify(other.computed, other.signature) is not None
    [edited] = junit.read(io.BytesIO(signed.replace('value="kim"', 'value="lee"').encode()), key)
    assert signing.verify(edited.computed, edited.signature) is not None


def test_signed_json_verifies_and_an_edit_breaks_it(report):
    import json

    key = b"course key"
    data = json.loads(json_report.render(report, "en", key))
    assert list(data)[-1] == "signature" and signing.verify_json(data, key) is None
    assert {k: v for k, v in data.items() if k != "signature"} == json.loads(json_report.render(report, "en"))
    data["score"] = 7
    assert signing.verify_json(data, key) is not None


def test_json_has_the_contract_fields(report):
    import json

    data = json.loads(json_report.render(report, "en"))
    assert {"lab", "student", "engine", "score", "max_score", "percent", "checks"} <= set(data)
    assert (data["score"], data["max_score"], data["percent"]) == (4, 7, 57.1)
    assert [c["status"] for c in data["checks"]] == ["passed", "failed", "skipped", "error", "passed"]
    first = data["checks"][0]
    assert set(first) >= {"id", "section", "title", "status", "score", "max_score", "bonus", "message",
                          "hint", "evidence"}
    assert data["checks"][1]["hint"] == "type bad" and first["hint"] == ""


def test_terminal_shows_marks_points_hints_and_total_without_colour_when_piped(report):
    out = terminal.render(report, "en", color=False)
    assert "\x1b[" not in out
    assert "✓ [2/2] ok title" in out and "✗ [0/3] bad title" in out
    assert "Try: type bad" in out
    assert "Total: 2/7 (28.6%), bonus +2 of 2" in out  # the bonus apart from the core score
    coloured = terminal.render(report, "en", color=True)
    assert "\x1b[" in coloured


def test_terminal_in_korean(report):
    out = terminal.render(report, "ko", color=False)
    assert "1. 빌드" in out and "해 볼 것: bad 입력" in out and "합계: 2/7 (28.6%), 보너스 +2점(최대 2점)" in out
    assert "Try:" not in out and "Total" not in out


def test_terminal_escapes_engine_text_so_it_cannot_forge_lines(report):
    forged = "x\n  ✓ [3/3] Forged\r\nTotal: 25/25 (100.0%)\x1b[2J\x07\u2028"
    report.results[1] = replace(result("b", Status.FAILED, 0, 3, evidence=(verbatim(f"TARGET={forged}"),)),
                                message=verbatim(forged))
    out = terminal.render(report, "en", color=False)
    assert len([line for line in out.splitlines() if line.startswith("Total")]) == 1
    assert "Forged" in out and not any("Forged" in line and line.startswith("  ✓") for line in out.splitlines())
    assert "\\n  ✓ [3/3] Forged\\r\\nTotal: 25/25 (100.0%)\\e[2J\\x07\\u2028" in out
    assert "\x1b" not in out and "\x07" not in out


def test_terminal_caps_evidence_with_how_many_more(report):
    report.results[1] = result("b", Status.FAILED, 0, 3, evidence=tuple(verbatim(f"tag: v{i}") for i in range(2000)))
    out = terminal.render(report, "en", color=False)
    assert "tag: v3" in out and "tag: v4" not in out and "... 1996 more" in out


def test_terminal_counts_a_list_the_check_capped_already(report):
    lines = tuple(verbatim(f"tag: v{i}") for i in range(19)) + (More(1981),)
    report.results[1] = result("b", Status.FAILED, 0, 3, evidence=lines)
    out = terminal.render(report, "en", color=False)
    assert "tag: v3" in out and "tag: v4" not in out and "... 1996 more" in out


def test_terminal_says_when_checks_could_not_be_graded_without_an_engine_fault(report):
    assert report.fault is None and any(r.status is Status.ERROR for r in report.results)
    out = terminal.render(report, "en", color=False)
    assert "could not be graded" in out and "Fix the ✗ lines" in out  # "bad" failed too
    report.results = [r for r in report.results if r.status in (Status.PASSED, Status.ERROR)]
    out = terminal.render(report, "en", color=False)
    assert "could not be graded" in out and "Fix the ✗ lines" not in out and "Well done" not in out
