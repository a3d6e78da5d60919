"""JUnit XML for GitLab: one testcase per check. The only module that touches junit-xml.

GitLab shows `classname` as the suite and compares test names across pipelines, so a name holds
the check id, title and maximum points (never the earned points); the reason, evidence and hint go
in the element text, because GitLab ignores `message` attributes and properties.
"""
from __future__ import annotations

from datetime import datetime, timezone

from junit_xml import TestCase, TestSuite, to_xml_report_string

from ..model import Report, Status
from .json_report import _num


def _points(x: float) -> str:
    return f"{_num(x)} pt" if x == 1 else f"{_num(x)} pts"


def case_name(result, lang: str) -> str:
    bonus = " bonus" if result.bonus else ""
    return f"{result.id}: {result.title(lang)} ({_points(result.max_score)}{bonus})"


def _body(result, lang: str) -> str:
    earned = "earned" if lang == "en" else "획득"
    hint = "hint" if lang == "en" else "힌트"
    lines = [f"{earned}: {_num(result.score)}/{_num(result.max_score)}", result.message(lang)]
    lines += [f"  {e}" for e in result.evidence]
    if not result.passed:
        lines.append(f"{hint}: {result.hint(lang)}")
    return "\n".join(lines)


def render(report: Report, lang: str) -> str:
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
    suite = TestSuite(
        name=f"{report.lab} ({report.student})", test_cases=cases, hostname=report.engine.get("address"),
        # JUnit's timestamp has no zone: naive UTC, as Jenkins and GitLab read it.
        timestamp=datetime.fromtimestamp(report.started, timezone.utc).replace(tzinfo=None)
        .isoformat(timespec="seconds"),
        properties={"lab": report.lab, "student": report.student, "score": _num(report.score),
                    "max_score": _num(report.max_score), "percent": report.percent},
    )
    return to_xml_report_string([suite], encoding="utf-8")
