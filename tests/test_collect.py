"""`grade collect`: a class's reports into one gradebook; signed reports; the HTML class report.

The reports are the real grader's: graded once per module on the test engine, in the states a
class produces (nothing done, the full solution, a later run that lost a point, another lab,
unsigned), laid out as GitLab job artifacts. Broken, tampered and foreign reports are edited
copies of them.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import xmlschema
from conftest import DOCKER, Student, check, cleanup, grade_env, rubric, snapshot

from grader import signing
from grader.reports import junit

KEY = "course-signing-key"
XSD = xmlschema.XMLSchema(str(Path(__file__).parent / "junit.xsd"))
CH03_CHECKS = ["pull-web-ping", "env-override", "web-ping-tag", "web-ping-base", "web-ping-env",
               "web-ping-workdir-cmd", "web-ping-app", "web-ping-env-behavior", "web-ping-layers",
               "lab-container", "lab-image", "lab-commit", "lab-file", "cache-order"]


def _grade(host: str, job: Path, student: str, key: str | None = KEY, rubric_file: Path | None = None,
           **lang_env: str) -> None:
    job.mkdir(parents=True)
    env = grade_env(host, **lang_env)
    env.pop("GRADE_SIGNING_KEY", None)
    if key:
        env["GRADE_SIGNING_KEY"] = key
    what = ["--rubric", str(rubric_file)] if rubric_file else ["ch03"]
    result = subprocess.run(["grade", *what, "--student", student, "--json", str(job / "grade.json"),
                             "--junit", str(job / "grade-junit.xml")], env=env, text=True, capture_output=True,
                            timeout=300)
    assert result.returncode in (0, 1), result.stdout + result.stderr


def _stamp(job: Path, when: datetime, key: str | None = KEY) -> None:
    """Writes the time of grading into a job's reports (both carry it to the second), re-signed
    with the key they were signed with: the runs of the fixture are ordered without waiting."""
    path = job / "grade.json"
    data = json.loads(path.read_text())
    data["started"] = when.isoformat(timespec="seconds")
    if key:
        data["signature"] = signing.json_signature(data, key.encode())
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    path = job / "grade-junit.xml"
    naive = when.replace(tzinfo=None).isoformat(timespec="seconds")  # JUnit's timestamp has no zone
    text, n = re.subn(r'(<testsuite [^>]*?timestamp=")[^"]*', lambda m: m.group(1) + naive, path.read_text(),
                      count=1)
    assert n == 1, "no testsuite timestamp"
    if key:
        [suite] = junit.read(io.BytesIO(text.encode()), key.encode())
        text = re.sub(r'(<property name="signature" value=")[^"]*', lambda m: m.group(1) + str(suite.computed), text)
    path.write_text(text)


T1 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def graded(standins, tmp_path_factory) -> Path:
    """Real reports, one folder per job: <student>-<run>/grade.json and grade-junit.xml.

    t1 nothing done: alice-1, carol-1; then the reference solution; t2: bob-1, carol-2, dave-1, and
    erin-1 unsigned; t3 after `docker rm ch03lab`: dave-2 (one check lost); frank-1 another lab."""
    host = standins
    root = tmp_path_factory.mktemp("graded")
    before = snapshot(host)
    try:
        _grade(host, root / "alice-1", "alice")
        _grade(host, root / "carol-1", "carol")
        Student(host, root / "work").solution()
        _grade(host, root / "bob-1", "bob")
        _grade(host, root / "carol-2", "carol")
        _grade(host, root / "dave-1", "dave")
        _grade(host, root / "erin-1", "erin", key=None)
        subprocess.run([DOCKER, "container", "rm", "ch03lab"], env={**os.environ, "DOCKER_HOST": host},
                       check=True, capture_output=True)
        _grade(host, root / "dave-2", "dave")
        other = rubric(root, check("base-pulled", "image", 2, image="diamol/base"))
        _grade(host, root / "frank-1", "frank", rubric_file=other)
    finally:
        cleanup(host, before)
    # Grading runs a minute apart: t1, t2, t3.
    for job, t in {"alice-1": 0, "carol-1": 0, "bob-1": 1, "carol-2": 1, "dave-1": 1, "dave-2": 2,
                   "frank-1": 2}.items():
        _stamp(root / job, T1 + timedelta(minutes=t))
    _stamp(root / "erin-1", T1 + timedelta(minutes=1), key=None)
    shutil.rmtree(root / "work", ignore_errors=True)
    return root


def artifacts(graded: Path, tmp: Path, *jobs: str, kinds=("grade.json", "grade-junit.xml")) -> Path:
    """A folder of downloaded artifacts holding copies of the given jobs' reports."""
    out = tmp / "artifacts"
    for job in jobs:
        (out / job).mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            shutil.copy2(graded / job / kind, out / job / kind)
    return out


class Collected:
    def __init__(self, result: subprocess.CompletedProcess, csv_text: str):
        self.code, self.err = result.returncode, result.stderr
        self.rows = list(csv.DictReader(io.StringIO(csv_text)))
        self.header = csv_text.splitlines()[0].split(",") if csv_text else []

    def row(self, student: str) -> dict:
        return next(r for r in self.rows if r["student"] == student)

    def skipped(self) -> dict[str, str]:
        return dict(re.findall(r"^skipped (.+?): (.+)$", self.err, re.M))


def collect(*args, key: str | None = None, tmp: Path, **lang_env: str) -> Collected:
    """`grade collect ARGS --csv FILE`, in English unless `lang_env` (LANGUAGE=..., LANG=...) says otherwise."""
    out = tmp / f"gradebook-{len(list(tmp.glob('gradebook-*')))}.csv"
    env = {k: v for k, v in grade_env(None, **lang_env).items() if k != "GRADE_SIGNING_KEY"}
    if key:
        env["GRADE_SIGNING_KEY"] = key
    result = subprocess.run(["grade", "collect", *map(str, args), "--csv", str(out)], env=env, text=True,
                            capture_output=True, timeout=120)
    return Collected(result, out.read_text(encoding="utf-8-sig") if out.exists() else "")


# ------------------------------------------------------------------------------------- collecting

def test_good_reports_make_one_row_per_student_with_every_checks_points(graded, tmp_path):
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1")
    got = collect(folder, tmp=tmp_path)
    assert got.code == 0, got.err
    assert got.header == ["student", "lab", *CH03_CHECKS, "score", "max_score", "percent", "status",
                          "report_time", "time_from", "runs", "report"]
    assert [r["student"] for r in got.rows] == ["alice", "bob"]
    bob = got.row("bob")
    truth = json.loads((graded / "bob-1" / "grade.json").read_text())
    assert {c: bob[c] for c in CH03_CHECKS} == {c["id"]: str(c["score"]) for c in truth["checks"]}
    assert (bob["score"], bob["max_score"], bob["percent"], bob["status"]) == ("27", "25", "108.0", "complete")
    assert bob["report_time"] == truth["started"] and bob["time_from"] == "report"
    assert bob["runs"] == "1"  # the job's JSON and JUnit reports are one grading run
    assert bob["report"].endswith("bob-1/grade.json")
    alice = got.row("alice")
    assert (alice["score"], alice["status"], alice["pull-web-ping"], alice["lab-file"]) == ("1", "incomplete", "1", "0")
    assert "collected 4 reports of ch03: 2 students, 2 grading runs; 0 older runs merged" in got.err
    assert "none skipped" in got.err


def test_junit_alone_gives_the_same_points_as_json(graded, tmp_path):
    for job in ("alice-1", "bob-1"):
        from_json = collect(artifacts(graded, tmp_path / "j", job, kinds=("grade.json",)), tmp=tmp_path)
        from_junit = collect(artifacts(graded, tmp_path / "x", job, kinds=("grade-junit.xml",)), tmp=tmp_path)
        assert from_json.code == from_junit.code == 0, from_json.err + from_junit.err
        same = ["student", "lab", *CH03_CHECKS, "score", "max_score", "percent", "status", "report_time",
                "time_from"]
        assert [{k: r[k] for k in same} for r in from_json.rows] == [{k: r[k] for k in same} for r in from_junit.rows]
        # The JUnit suite's timestamp is the time of grading, as in the JSON report.
        assert from_junit.rows[0]["time_from"] == "report"
        shutil.rmtree(tmp_path / "j")
        shutil.rmtree(tmp_path / "x")


def test_several_runs_keep_the_newest_or_the_best(graded, tmp_path):
    folder = artifacts(graded, tmp_path, "carol-1", "carol-2", "dave-1", "dave-2")
    newest = collect(folder, tmp=tmp_path)
    assert newest.code == 0, newest.err
    assert (newest.row("carol")["score"], newest.row("carol")["runs"]) == ("27", "2")
    dave = newest.row("dave")
    assert (dave["score"], dave["lab-container"], dave["runs"]) == ("26", "0", "2")
    assert dave["report"].endswith("dave-2/grade.json")
    assert "2 older runs merged (kept newest)" in newest.err
    best = collect(folder, "--keep", "best", tmp=tmp_path)
    assert best.code == 0
    assert (best.row("dave")["score"], best.row("dave")["lab-container"]) == ("27", "1")
    assert best.row("dave")["report"].endswith("dave-1/grade.json")
    assert "2 lower-scoring runs merged (kept best)" in best.err


def test_zipped_artifacts_are_read_in_place(graded, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    for job in ("alice-1", "bob-1"):
        with zipfile.ZipFile(folder / f"{job}-artifacts.zip", "w") as z:
            for kind in ("grade.json", "grade-junit.xml"):
                z.write(graded / job / kind, kind)
    got = collect(folder, tmp=tmp_path)
    assert got.code == 0, got.err
    assert [r["student"] for r in got.rows] == ["alice", "bob"]
    assert got.row("bob")["report"].endswith("bob-1-artifacts.zip!grade.json")


def test_a_run_whose_reports_were_copied_into_two_folders_counts_once(graded, tmp_path):
    """An artifact downloaded twice, or a job's reports copied beside the originals: the copies
    carry the same time of grading, so they are the same run, not a second one."""
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1")
    shutil.copytree(folder / "bob-1", folder / "bob-1-again")
    shutil.copy(folder / "alice-1" / "grade.json", folder / "alice-json-only.json")
    got = collect(folder, tmp=tmp_path)
    assert got.code == 0, got.err
    assert (got.row("alice")["runs"], got.row("bob")["runs"]) == ("1", "1")
    assert "collected 7 reports of ch03: 2 students, 2 grading runs" in got.err


def _pass_check(check_id: str):
    """An edit that gives a check its points, with a total that still adds up."""
    def change(data):
        c = next(c for c in data["checks"] if c["id"] == check_id)
        data["score"] += c["max_score"] - c["score"]
        c.update(status="passed", score=c["max_score"])
    return change


def _pass_case(text: str, points: int) -> str:
    """A JUnit edit that turns the first failed testcase worth `points` into a passed one, as a
    careful forger would: its earned points and its <failure> element both."""
    out, n = re.subn(rf'<failure [^>]*>earned: 0/{points}\n(.*?)</failure>',
                     rf'<system-out>earned: {points}/{points}\n\1</system-out>', text, count=1, flags=re.S)
    assert n == 1
    return out


def test_a_run_whose_json_and_junit_reports_disagree_is_left_out(graded, tmp_path):
    """dave's newest run (dave-2) missed lab-container; its JSON report is edited to give the
    points back while its JUnit report, of the same run, still says 0. They were counted as two
    runs at one time, and the edited one won as the newest and the best; now the run is left out,
    both files named, and dave's row is his other, genuine run."""
    folder = artifacts(graded, tmp_path, "bob-1", "dave-1", "dave-2")
    _edit_json(graded / "dave-2" / "grade.json", folder / "dave-2" / "grade.json", _pass_check("lab-container"))
    for keep in ("newest", "best"):
        got = collect(folder, "--keep", keep, tmp=tmp_path)
        assert got.code == 1, got.err
        dave = got.row("dave")
        assert dave["report"].endswith("dave-1/grade.json") and dave["runs"] == "1", dave
        skipped = got.skipped()
        assert sorted(p for p in skipped if "dave-2" in p) == [str(folder / "dave-2" / "grade-junit.xml"),
                                                                str(folder / "dave-2" / "grade.json")]
        reason = skipped[str(folder / "dave-2" / "grade.json")]
        assert reason.startswith("the reports of one grading run of dave (2026-03-02T09:02:00+00:00) disagree: "
                                 "score 27 in "), reason
        assert "one of them was changed after grading, so the run is left out" in reason
        assert got.row("bob")["runs"] == "1"
        assert got.err.splitlines()[-1].startswith("collected 4 reports of ch03: 2 students, 2 grading runs;")


def test_a_student_whose_only_run_disagrees_gets_no_row(graded, tmp_path):
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1")
    _edit_json(graded / "alice-1" / "grade.json", folder / "alice-1" / "grade.json", _pass_check("lab-file"))
    got = collect(folder, tmp=tmp_path, LANGUAGE="ko")
    assert got.code == 1, got.err
    assert [r["student"] for r in got.rows] == ["bob"]
    assert len([line for line in got.err.splitlines() if "alice-1" in line]) == 2, got.err


def test_a_check_whose_status_and_points_disagree_is_an_edit(graded, tmp_path):
    """`grade` gives a check all its points or none: a failed check with its points made a row
    "incomplete" at full marks, a passed one without them a "complete" row short of points."""
    folder = tmp_path / "artifacts"
    bob_json, alice_json = graded / "bob-1" / "grade.json", graded / "alice-1" / "grade.json"

    def fail(check_id):
        return lambda d: next(c for c in d["checks"] if c["id"] == check_id).update(status="failed")

    def passed(check_id):
        return lambda d: next(c for c in d["checks"] if c["id"] == check_id).update(status="passed")

    failed = _edit_json(bob_json, folder / "bob-1" / "grade.json", fail("lab-file"))
    passing = _edit_json(alice_json, folder / "alice-1" / "grade.json", passed("lab-file"))
    # In JUnit: the earned points raised, the <failure> left in place.
    earned = _edit_text(graded / "alice-1" / "grade-junit.xml", folder / "alice-x" / "grade-junit.xml",
                        lambda t: t.replace('name="score" value="1"', 'name="score" value="4"').replace(
                            "earned: 0/3", "earned: 3/3", 1))
    got = collect(folder, tmp=tmp_path)
    assert got.code == 1 and got.rows == [], got.err
    assert got.skipped() == {
        str(failed): "inconsistent: check lab-file did not pass, yet has 3 of 3 points",
        str(passing): "inconsistent: check lab-file passed with 0 of 3 points",
        str(earned): "inconsistent: check env-override did not pass, yet has 3 of 3 points"}


def test_the_gradebook_file_shows_korean_names_in_excel(graded, tmp_path):
    """Excel reads a CSV file as UTF-8 only when it starts with a byte-order mark; on standard
    output (`--csv -`, a pipe) there is none."""
    folder = artifacts(graded, tmp_path, "alice-1")
    _edit_json(graded / "bob-1" / "grade.json", folder / "kim-1" / "grade.json",
               lambda data: data.update(student="김하나"))
    got = collect(folder, tmp=tmp_path)
    assert got.code == 0, got.err
    raw = next(tmp_path.glob("gradebook-*.csv")).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfstudent,") and "김하나".encode() in raw
    assert got.header[0] == "student" and got.row("김하나")["lab"] == "ch03"
    piped = subprocess.run(["grade", "collect", str(folder), "--csv", "-"], env=grade_env(None), text=True,
                           capture_output=True, timeout=120)
    assert piped.stdout.startswith("student,") and "김하나" in piped.stdout


def _edit_json(src: Path, dst: Path, change) -> Path:
    data = json.loads(src.read_text())
    change(data)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return dst


def _edit_text(src: Path, dst: Path, change) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    text = src.read_text()
    new = change(text)
    assert new != text, "the edit changed nothing"
    dst.write_text(new)
    return dst


def test_broken_foreign_and_anonymous_reports_are_listed_and_the_rest_collect(graded, tmp_path):
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1", "frank-1")
    bad = folder / "broken"
    bob_json, bob_xml = graded / "bob-1" / "grade.json", graded / "bob-1" / "grade-junit.xml"
    cases = {
        "cut.json": (_edit_text(bob_json, bad / "cut.json", lambda t: t[: len(t) // 2]), "truncated JSON"),
        "cut.xml": (_edit_text(bob_xml, bad / "cut.xml", lambda t: t[: len(t) // 2]), "truncated XML"),
        "garbled.json": (_edit_text(bob_json, bad / "garbled.json", lambda t: t.replace('"lab":', '"lab" ', 1)),
                         "malformed JSON"),
        "garbled.xml": (_edit_text(bob_xml, bad / "garbled.xml", lambda t: t.replace("</properties>", "</propertie>")),
                        "malformed XML"),
        "empty.json": (_edit_text(bob_json, bad / "empty.json", lambda t: ""), "empty file"),
        "other.json": (_edit_text(bob_json, bad / "other.json", lambda t: '{"name": "package"}'),
                       "not a grade report"),
        "pytest.xml": (_edit_text(bob_xml, bad / "pytest.xml", lambda t: re.sub(
            r"<properties>.*?</properties>", "", t, flags=re.S)), "not a grade report"),
        "anon.json": (_edit_json(bob_json, bad / "anon.json", lambda d: d.pop("student")), "no student id"),
        "anon.xml": (_edit_text(bob_xml, bad / "anon.xml", lambda t: re.sub(
            r'\s*<property name="student" value="bob"/>', "", t)), "no student id"),
        "unknown.json": (_edit_json(bob_json, bad / "unknown.json", lambda d: d.update(student="unknown")),
                         "no student id"),
        "sum.json": (_edit_json(bob_json, bad / "sum.json", lambda d: d.update(score=30)),
                     "inconsistent: score 30 is not the sum of its checks (27)"),
        "nochecks.json": (_edit_json(bob_json, bad / "nochecks.json", lambda d: d.update(
            checks=[], score=0, max_score=0, student="nobody")), "malformed: the report has no checks"),
    }
    got = collect(folder, tmp=tmp_path)
    assert got.code == 1, got.err
    assert [r["student"] for r in got.rows] == ["alice", "bob"]
    skipped = got.skipped()
    for name, (path, reason) in cases.items():
        assert reason in skipped.get(str(path), ""), f"{name}: {skipped.get(str(path))!r}\n{got.err}"
    frank = {p: r for p, r in skipped.items() if "frank-1" in p}
    assert set(frank.values()) == {"from another lab: test, not ch03"} and len(frank) == 2
    assert f"; {len(cases) + 2} skipped" in got.err.splitlines()[-1]
    # Only alice's and bob's two reports each went into the gradebook: frank's, of another lab, are
    # counted among the skipped, not also among the collected.
    assert got.err.splitlines()[-1].startswith("collected 4 reports of ch03: 2 students, 2 grading runs;")


def test_lab_option_and_an_even_split_of_labs(graded, tmp_path):
    folder = artifacts(graded, tmp_path, "bob-1", "frank-1")
    tie = collect(folder, tmp=tmp_path)
    assert tie.code == 2
    assert "several labs in equal numbers: ch03 (2), test (2); choose one with --lab" in tie.err
    only = collect(folder, "--lab", "test", tmp=tmp_path)
    assert only.code == 1
    assert [r["student"] for r in only.rows] == ["frank"]
    assert only.header[2:4] == ["base-pulled", "score"]


def test_a_report_of_another_version_of_the_rubric_is_kept_but_named_as_not_comparable(graded, tmp_path):
    """gina's report comes from an older rubric of ch03 that had no lab-file check and gave
    web-ping-tag 3 points: her percent is out of other checks than the class's."""
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1")

    def older(d):
        d["checks"] = [c for c in d["checks"] if c["id"] != "lab-file"]
        tag = next(c for c in d["checks"] if c["id"] == "web-ping-tag")
        tag["max_score"] = tag["score"] = tag["max_score"] + 1
        d.update(student="gina", score=sum(c["score"] for c in d["checks"]),
                 max_score=sum(c["max_score"] for c in d["checks"] if not c["bonus"]))
        for key in ("signature", "core_score", "core_percent", "bonus_score", "bonus_max_score"):
            d.pop(key, None)

    gina = _edit_json(graded / "bob-1" / "grade.json", folder / "gina-1" / "grade.json", older)

    def first_draft(d):  # a rubric that had only the pull check: what differs is said in short
        d["checks"] = d["checks"][:1]
        d.update(student="hugo", score=d["checks"][0]["score"], max_score=d["checks"][0]["max_score"])
        d.pop("signature")

    hugo = _edit_json(graded / "bob-1" / "grade.json", folder / "hugo-1" / "grade.json", first_draft)
    html = tmp_path / "class.html"
    got = collect(folder, "--html", html, tmp=tmp_path)
    assert got.code == 1, got.err
    assert [r["student"] for r in got.rows] == ["alice", "bob", "gina", "hugo"]
    assert (f"not comparable {gina}: gina was graded by another version of the rubric (no check lab-file, "
            "web-ping-tag worth 3 pts, not 2 pts)") in got.err
    assert (f"not comparable {hugo}: hugo was graded by another version of the rubric (no check env-override, "
            "no check web-ping-tag, no check web-ping-base, 10 more)") in got.err
    assert got.err.splitlines()[-1].endswith("; none skipped; 2 graded by another version of the rubric")
    page = html.read_text()
    assert "Graded by another version of the rubric (2)" in page and "gina was graded by another" in page
    # The same reports graded by one rubric are comparable: nothing said, exit 0.
    (gina.parent / "grade.json").unlink()
    (hugo.parent / "grade.json").unlink()
    same = collect(folder, tmp=tmp_path)
    assert same.code == 0 and "not comparable" not in same.err


def test_the_class_report_keeps_the_bonus_apart_from_the_core_points(graded, tmp_path):
    """dave's newest run missed lab-container but earned the 2 bonus points: 24/25 +2, as the
    terminal says it, not 26/25 (above full marks while a check is missing)."""
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1", "dave-2")
    html = tmp_path / "class.html"
    got = collect(folder, "--html", html, tmp=tmp_path)
    assert got.code == 0, got.err
    assert (got.row("dave")["score"], got.row("dave")["status"]) == ("26", "incomplete")  # the CSV: bonus included
    cells = dict(re.findall(r'<tr data-student="(\w+)">.*?<td class="num score">([^<]*)</td>', html.read_text()))
    assert cells == {"alice": "1/25", "bob": "25/25 +2", "dave": "24/25 +2"}
    # bob is counted as complete though a bonus is optional: the card says "required", as the terminal does.
    assert "<b>1</b><span>with every required check passed</span>" in html.read_text()


def test_signed_reports_collected_without_verify_say_so(graded, tmp_path):
    """alice's score edited in her signed JSON report, collected without --verify: it is collected
    (nothing can tell without the key), and the summary says that signatures went unchecked."""
    folder = artifacts(graded, tmp_path, "bob-1", "erin-1")

    def edited(d):
        lab = next(c for c in d["checks"] if c["id"] == "lab-file")
        lab["status"] = "passed"
        d.update(score=d["score"] - lab["score"] + lab["max_score"])
        lab["score"] = lab["max_score"]

    _edit_json(graded / "alice-1" / "grade.json", folder / "alice-1" / "grade.json", edited)
    got = collect(folder, tmp=tmp_path)
    assert got.code == 0, got.err
    # bob's two reports and alice's JSON are signed; erin's are not.
    assert "0 older runs merged (kept newest), 3 signed reports not verified (--verify checks them); none skipped" \
        in got.err.splitlines()[-1]
    verified = collect(folder, "--verify", key=KEY, tmp=tmp_path)
    assert "not verified" not in verified.err and "signatures verified" in verified.err


def test_nothing_to_collect_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    got = collect(tmp_path / "empty", tmp=tmp_path)
    assert got.code == 2 and "no reports found" in got.err
    missing = collect(tmp_path / "nowhere", tmp=tmp_path)
    assert missing.code == 2


def test_an_output_folder_is_never_created_behind_the_instructors_back(graded, tmp_path):
    folder = artifacts(graded, tmp_path, "alice-1", kinds=("grade.json",))
    for option in ("--csv", "--html"):
        typo = tmp_path / "reprots" / "out"
        args = ["grade", "collect", str(folder), option, str(typo)]
        if option == "--html":
            args += ["--csv", str(tmp_path / "book.csv")]
        result = subprocess.run(args, env=grade_env(None), text=True, capture_output=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert f"{option} {typo}: the folder {typo.parent} does not exist" in result.stderr
        assert "mkdir -p" in result.stderr and not typo.parent.exists()


def test_outputs_that_would_destroy_each_other_or_a_report_are_refused_before_reading(graded, tmp_path):
    """`--csv book --html book` wrote the gradebook, then the class report over it, and exited 0;
    an output named like a report being collected replaced that student's report; `--html -`
    wrote a file named `-`."""
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1")
    report = folder / "bob-1" / "grade-junit.xml"
    before = report.read_bytes()

    def run(*args, cwd=tmp_path):
        return subprocess.run(["grade", "collect", *map(str, args)], env=grade_env(None), text=True,
                              capture_output=True, timeout=120, cwd=cwd)

    same = run(folder, "--csv", tmp_path / "book", "--html", tmp_path / "book")
    assert same.returncode == 2 and not (tmp_path / "book").exists(), same.stderr
    assert same.stderr == (f"--csv and --html both name {tmp_path / 'book'}: give each its own file, e.g. "
                           "`--csv gradebook.csv --html class-report.html`\n")
    for option in ("--csv", "--html"):
        args = [folder, option, report] + (["--csv", tmp_path / "book.csv"] if option == "--html" else [])
        over = run(*args)
        assert over.returncode == 2, over.stderr
        assert f"{option} {report} is one of the reports to collect; writing there would replace it" in over.stderr
        over = run(report, *args[1:])  # the report named as a file to collect
        assert over.returncode == 2 and "is one of the reports to collect" in over.stderr
    assert report.read_bytes() == before
    both = run(folder, "--csv", "-", "--html", "-")
    assert both.returncode == 2 and "cannot both write to standard output" in both.stderr
    html = run(folder, "--csv", tmp_path / "book.csv", "--html", "-")
    assert html.returncode == 0, html.stderr
    assert html.stdout.startswith("<!DOCTYPE html>") and not (tmp_path / "-").exists()


def test_spreadsheet_formulas_in_student_ids_are_defused(graded, tmp_path):
    folder = artifacts(graded, tmp_path, "alice-1", kinds=("grade.json",))
    _edit_json(graded / "bob-1" / "grade.json", folder / "x" / "grade.json",
               lambda d: d.update(student='=HYPERLINK("http://example.invalid","x")'))
    got = collect(folder, tmp=tmp_path)
    assert got.code == 0, got.err
    assert got.rows[0]["student"].startswith("'=HYPERLINK(")


def test_collect_speaks_korean_and_reads_reports_of_either_language(graded, standins, tmp_path):
    folder = artifacts(graded, tmp_path, "alice-1", "carol-1", "carol-2", "frank-1")
    _grade(standins, folder / "hana-1", "hana", LANGUAGE="ko")  # a Korean student's job, nothing done yet
    assert "획득: " in (folder / "hana-1" / "grade-junit.xml").read_text()
    html = tmp_path / "class-report.html"
    got = collect(folder, "--html", html, "--lang", "ko", tmp=tmp_path)
    assert got.code == 1, got.err
    english = collect(folder, tmp=tmp_path)
    assert got.header == english.header and got.rows == english.rows  # the CSV is data: ids, not words
    alice, hana = got.row("alice"), got.row("hana")
    assert {c: hana[c] for c in CH03_CHECKS} == {c: alice[c] for c in CH03_CHECKS}  # same work, either language
    # 8: frank's two reports of another lab are among the skipped, not also the collected.
    assert got.err.splitlines()[-1] == ("ch03 보고서 8개를 모았습니다: 학생 3명, 채점 4회; "
                                        "이전 채점 1회를 합침(최신 채점을 남김), 서명을 확인하지 않은 보고서 8개"
                                        "(--verify 옵션으로 확인); 2개 제외")
    skipped = dict(re.findall(r"^제외한 보고서 (.+?): (.+)$", got.err, re.M))
    assert skipped == {str(folder / "frank-1" / name): "다른 실습의 보고서: test (모으는 실습: ch03)"
                       for name in ("grade.json", "grade-junit.xml")}
    # Outside the values (paths, ids), what collect says is Korean.
    assert _latin_words(got.err.replace(str(folder), "")) <= {"ch03", "test", "frank-1", "grade.json",
                                                             "grade-junit.xml"}, got.err
    by_env = collect(folder, tmp=tmp_path, LANGUAGE="ko", LANG="en_US.UTF-8")
    assert by_env.err == got.err

    page = html.read_text()
    assert page.startswith('<!DOCTYPE html>\n<html lang="ko">')
    text = _page_text(page)
    assert "수업 채점 보고서: " in text and "점수 분포" in text and "검사별 통과율" in text
    assert "제외한 보고서(2개)" in text
    # The check titles and the lab's title are the reports' own (alice's English report is the fullest).
    report = json.loads((folder / "alice-1" / "grade.json").read_text())
    for title in sorted([report["title"], *(c["title"] for c in report["checks"])], key=len, reverse=True):
        text = text.replace(title, "")
    # The pass-rate chart's labels (`id: title`, cut to fit) and the time the page was made are data too.
    text = re.sub(rf"^(?:{'|'.join(CH03_CHECKS)}): .*$", "", text, flags=re.M)
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:+]+", "", text)
    values = {"alice", "carol", "hana", "ch03", "test", "frank-1", "grade.json", "grade-junit.xml", *CH03_CHECKS}
    assert _latin_words(text.replace(str(folder), "")) <= values | {"grade", "collect", "UTC"}


def _latin_words(text: str) -> set[str]:
    text = re.sub(r"(?<![\w-])--[a-z][\w-]*", " ", text)  # an option is typed as it is (--verify)
    return set(re.findall(r"[A-Za-z][\w.-]*", text))


def _page_text(page: str) -> str:
    """What a reader of the page can see: its text, and its tooltips and labels."""
    import html as html_lib

    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    shown = re.sub(r"<[^>]+>", "\n", body)
    tips = re.findall(r'\b(?:title|aria-label)="([^"]*)"', body)
    return html_lib.unescape("\n".join([shown, *tips]))


# --------------------------------------------------------------------------------------- signing

def test_grade_signs_both_reports_when_a_key_is_set(graded):
    data = json.loads((graded / "bob-1" / "grade.json").read_text())
    assert signing.verify_json(data, KEY.encode()) is None
    assert signing.verify_json(data, b"another key") is not None
    xml = (graded / "bob-1" / "grade-junit.xml").read_text()
    XSD.validate(xml)  # the signature property keeps the report a valid JUnit file
    [suite] = junit.read(io.BytesIO(xml.encode()), KEY.encode())
    assert suite.signature and suite.signature.startswith("hmac-sha256:")
    assert signing.verify(suite.computed, suite.signature) is None
    unsigned = json.loads((graded / "erin-1" / "grade.json").read_text())
    assert "signature" not in unsigned
    assert 'name="signature"' not in (graded / "erin-1" / "grade-junit.xml").read_text()


def test_verify_lists_tampered_unsigned_and_foreign_key_reports(graded, tmp_path):
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1", "erin-1")
    alice_json, alice_xml = graded / "alice-1" / "grade.json", graded / "alice-1" / "grade-junit.xml"

    def raise_score(d):  # a careful forger: the total stays the sum of the checks
        d["checks"][1].update(score=3, status="passed")
        d.update(score=d["score"] + 3, percent=round(100 * (d["score"] + 3) / d["max_score"], 1))

    forged_json = _edit_json(alice_json, folder / "forged" / "grade.json", lambda d: (raise_score(d), d.update(
        student="mallory")))
    forged_xml = _edit_text(alice_xml, folder / "forged-x" / "grade-junit.xml", lambda t: _pass_case(t.replace(
        'value="alice"', 'value="mallory"').replace('name="score" value="1"', 'name="score" value="4"'), 3))
    stripped = _edit_json(alice_json, folder / "stripped" / "grade.json",
                          lambda d: (d.pop("signature"), d.update(student="trent")))
    mtime = os.stat(alice_xml).st_mtime
    os.utime(forged_xml, (mtime, mtime))

    loose = collect(folder, tmp=tmp_path)  # without --verify, a consistent forgery passes
    assert loose.code == 0, loose.err
    assert loose.row("mallory")["score"] == "4"

    got = collect(folder, "--verify", key=KEY, tmp=tmp_path)
    assert got.code == 1, got.err
    assert [r["student"] for r in got.rows] == ["alice", "bob"]
    skipped = got.skipped()
    assert skipped[str(forged_json)].startswith("signature does not match")
    assert skipped[str(forged_xml)].startswith("signature does not match")
    assert skipped[str(stripped)] == "signature missing"
    erin = folder / "erin-1"
    assert skipped[str(erin / "grade.json")] == skipped[str(erin / "grade-junit.xml")] == "signature missing"
    assert "signatures verified; 5 skipped" in got.err

    wrong_key = collect(folder, "--verify", key="not the course key", tmp=tmp_path)
    assert wrong_key.rows == [] and len(wrong_key.skipped()) == 9
    no_key = collect(folder, "--verify", tmp=tmp_path)
    assert no_key.code == 2 and "GRADE_SIGNING_KEY" in no_key.err


def test_signatures_survive_reordering_and_catch_any_edit(graded):
    key = KEY.encode()
    data = json.loads((graded / "bob-1" / "grade.json").read_text())
    # Canonical: the same content in another key order and layout still verifies.
    again = json.loads(json.dumps(dict(reversed(list(data.items())))))
    assert signing.verify_json(again, key) is None
    xml = (graded / "bob-1" / "grade-junit.xml").read_text()
    assert xml.count('name="signature"') == 1
    # Any change to a test's text breaks it, even whitespace inside an element.
    tweaked = xml.replace("earned: 1/1", "earned: 1/1 ", 1)
    assert tweaked != xml
    [suite] = junit.read(io.BytesIO(tweaked.encode()), key)
    assert signing.verify(suite.computed, suite.signature) is not None


# ------------------------------------------------------------------------------------ scale

def test_a_thousand_reports_make_one_row_per_student(graded, tmp_path):
    """1,000 reports (half JSON, half JUnit, one student in four twice), edited copies of real ones.
    How fast they collect is measured by benchmarks/collect.py."""
    folder = tmp_path / "class"
    sources = {"json": [(graded / j / "grade.json").read_text() for j in ("alice-1", "bob-1", "dave-2")],
               "xml": [(graded / j / "grade-junit.xml").read_text() for j in ("alice-1", "bob-1", "dave-2")]}
    written = 0
    for n in range(800):
        runs = 2 if n % 4 == 0 else 1
        for run in range(runs):
            if written == 1000:
                break
            kind = "json" if written % 2 == 0 else "xml"
            text = sources[kind][(n + run) % 3]
            old = re.search(r'"student": "(\w+)"' if kind == "json" else r'name="student" value="(\w+)"', text).group(1)
            text = text.replace(f'"student": "{old}"', f'"student": "s{n:04d}"').replace(
                f'name="student" value="{old}"', f'name="student" value="s{n:04d}"')
            job = folder / f"s{n:04d}" / f"job-{run}"
            job.mkdir(parents=True)
            (job / ("grade.json" if kind == "json" else "grade-junit.xml")).write_text(text)
            written += 1
    assert written == 1000
    got = collect(folder, "--keep", "best", tmp=tmp_path)
    assert got.code == 0, got.err[-2000:]
    assert len(got.rows) == 800 and "collected 1000 reports" in got.err
    assert all(int(r["runs"]) == (2 if int(r["student"][1:]) % 4 == 0 else 1) for r in got.rows)


# ----------------------------------------------------------------------------- HTML class report

def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_html_class_report_renders_in_headless_chromium(graded, tmp_path):
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: scripts/setup installs Debian's chromium")
        pytest.skip("chromium is not installed (scripts/setup installs it)")
    folder = artifacts(graded, tmp_path, "alice-1", "bob-1", "carol-1", "carol-2", "dave-1", "dave-2", "erin-1")
    _edit_text(graded / "bob-1" / "grade.json", folder / "cut" / "grade.json", lambda t: t[:100])
    _edit_json(graded / "erin-1" / "grade.json", folder / "zoe" / "grade.json",
               lambda d: d.update(student="<b>zoe</b>"))
    html = tmp_path / "class-report.html"
    env = {k: v for k, v in grade_env(None).items() if k != "GRADE_SIGNING_KEY"}
    result = subprocess.run(["grade", "collect", str(folder), "--csv", str(tmp_path / "g.csv"), "--html", str(html)],
                            env=env, text=True, capture_output=True, timeout=60)
    assert result.returncode == 1, result.stderr  # the truncated copy was skipped
    page = html.read_text()
    # Self-contained: nothing to fetch, no script.
    assert not re.search(r"<(script|link|img|iframe)\b|\b(src|href)=|url\(|@import", page)
    assert "&lt;b&gt;zoe&lt;/b&gt;" in page and "<b>zoe</b>" not in page

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--window-size=1280,1600"]

    def run(*extra, profile):
        (tmp_path / profile).mkdir()
        return subprocess.run([browser, *flags, f"--user-data-dir={tmp_path / profile}", *extra, html.as_uri()],
                              text=True, capture_output=True, timeout=120)

    shot = tmp_path / "class-report.png"
    taken = run(f"--screenshot={shot}", profile="profile-shot")
    assert shot.exists(), taken.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a page, not a blank
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1280, 1600)

    dumped = run("--dump-dom", profile="profile-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = ET.fromstring(_xhtml(dumped.stdout))
    bars = {b.get("data-band"): int(b.get("data-count")) for b in dom.iter("rect") if b.get("class") == "bar"}
    # 6 students: alice 1/25 (4%), bob, carol, erin and zoe 27/25, dave 26/25 (his newest run).
    assert sum(bars.values()) == 6
    assert (bars["0–9"], bars["100%+"], bars["90–99"]) == (1, 5, 0)
    rates = [(g.get("data-check"), int(g.get("data-passed"))) for g in dom.iter("g") if g.get("class") == "rate"]
    assert len(rates) == 14
    assert [p for _, p in rates] == sorted(p for _, p in rates), "most missed first"
    assert dict(rates)["pull-web-ping"] == 6 and dict(rates)["lab-container"] == 4
    students = [tr.get("data-student") for tr in dom.iter("tr") if tr.get("data-student")]
    assert students == ["<b>zoe</b>", "alice", "bob", "carol", "dave", "erin"]
    text = "".join(dom.itertext())
    assert "Class report: Chapter 3: Building your own Docker images (ch03)" in text
    assert "Skipped reports (1)" in text and "truncated JSON" in text


def _xhtml(dom: str) -> str:
    """Chromium's DOM dump as parseable XML: void elements closed, entities numeric."""
    dom = re.sub(r"<!DOCTYPE[^>]*>", "", dom)
    dom = re.sub(r"<(meta|br|hr|input|link)\b([^>]*?)/?>", r"<\1\2/>", dom)
    return dom.replace("&nbsp;", "&#160;")
