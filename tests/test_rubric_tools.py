"""The rubric author's tools: `grade rubric check`, `grade rubric draft`, and the guide
rubrics/README.md, whose every example must be a valid rubric."""
from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from conftest import ROOT, grade_env, snapshot
from test_ch02_scenarios import solution

from grader.checks import KINDS
from grader.checks.lookup import LOOKUP
from grader.rubric import load

GUIDE = (ROOT / "rubrics" / "README.md").read_text()
WRAP = ("version: 1\nlab: example\ntitle: {en: Example, ko: 예시}\nsections:\n"
        "  - id: s\n    title: {en: S, ko: 절}\n    checks:\n")


def grade_cli(*args, host=None, timeout=120):
    return subprocess.run(["grade", *args], env=grade_env(host), text=True, capture_output=True,
                          timeout=timeout)


# ---- the guide --------------------------------------------------------------------------------------

def yaml_blocks(text: str) -> list[tuple[int, str]]:
    """Every ```yaml block with the line it starts on."""
    return [(text[:m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(r"^```yaml\n(.*?)^```", text, re.M | re.S)]


def test_every_yaml_example_in_the_guide_is_a_valid_rubric(tmp_path):
    """A block is either a whole rubric or a list of checks, which is put in a one-section rubric."""
    blocks = yaml_blocks(GUIDE)
    assert len(blocks) >= len(KINDS)
    for line, block in blocks:
        data = yaml.safe_load(block)
        text = block if isinstance(data, dict) else WRAP + "".join(
            "      " + row + "\n" for row in block.splitlines())
        path = tmp_path / f"example-{line}.yaml"
        path.write_text(text)
        load(path)  # raises RubricError naming the problem


def guide_section(kind: str) -> str:
    start = GUIDE.index(f"\n### {kind}\n")
    end = min(i for i in (GUIDE.find("\n### ", start + 1), GUIDE.find("\n## ", start + 1), len(GUIDE)) if i > 0)
    return GUIDE[start:end]


def test_the_guide_documents_every_check_kind_with_an_example():
    kinds_shown = set()
    for _, block in yaml_blocks(GUIDE):
        data = yaml.safe_load(block)
        checks = data if isinstance(data, list) else [c for s in data["sections"] for c in s["checks"]]
        for c in checks:
            kinds_shown.add(c["kind"])
            kinds_shown.update(part["kind"] for part in c.get("checks", []))
    assert kinds_shown == set(KINDS)
    for kind in KINDS:
        section = guide_section(kind)
        # The kinds that find a container with lookup.py's select() (its `publishes` key is theirs).
        uses_lookup = "publishes" in KINDS[kind].schema
        for param in KINDS[kind].schema:
            if uses_lookup and param in LOOKUP and not (kind == "container_port" and param == "publishes"):
                continue  # the container lookup, described once for all kinds that use it (container_port)
            assert f"`{param}`" in section or f"`{param}:" in section, \
                f"{kind}: `{param}` is not described in its section"


def test_what_the_guide_says_about_gitlab_is_what_the_junit_report_writes():
    from grader.model import Result, Status
    from grader.reports.junit import _body, case_name
    from grader.text import verbatim

    check = {c.id: c for c in load(ROOT / "rubrics" / "ch02.yaml").checks}["web-port"]
    result = Result(id=check.id, section=check.section, section_title=check.section_title, title=check.title,
                    status=Status.FAILED, score=0, max_score=check.points, bonus=False,
                    message=verbatim("no"), hint=check.hint, evidence=(verbatim("seen"),))
    name = case_name(result, "en")
    assert f"`{name}`" in GUIDE  # the guide's example name
    assert "`ID: TITLE (N pts)`" in GUIDE
    body = _body(result, "en").splitlines()
    assert body[0] == "earned: 0/2" and "`earned: 0/2`" in GUIDE
    assert body[-1] == "hint: " + check.hint("en")
    korean = _body(result, "ko").splitlines()
    assert f"`{case_name(result, 'ko')}`" in GUIDE and korean[0] == "획득: 0/2" and "`획득: 0/2`" in GUIDE


# ---- grade rubric check -------------------------------------------------------------------------------

def test_rubric_check_accepts_the_bundled_rubrics_and_reports_each():
    result = grade_cli("rubric", "check", str(ROOT / "rubrics" / "ch02.yaml"), str(ROOT / "rubrics" / "ch03.yaml"))
    assert result.returncode == 0, result.stderr
    assert "ch02.yaml: ok (ch02, 7 checks, 15 pts)" in result.stdout
    assert "ch03.yaml: ok (ch03, 14 checks, 25 pts)" in result.stdout


BAD_NEW_KINDS = """\
- id: port
  title: {en: Port, ko: 포트}
  hint: {en: Publish it, ko: 공개하세요}
  points: 1
  kind: container_port
  port: 80/tcp
  host_port: 70000
- id: page
  title: {en: Page, ko: 페이지}
  hint: {en: Copy it, ko: 복사하세요}
  points: 1
  kind: container_file
  image: web
  path: index.html
  matches: '(unclosed'
- id: site
  title: {en: Site, ko: 사이트}
  hint: {en: Run it, ko: 실행하세요}
  points: 1
  kind: http
  port: 8088
  serves_file: /index.html
  not_match: Hello
- id: it
  title: {en: It, ko: 대화식}
  hint: {en: Use -it, ko: -it를 쓰세요}
  points: 1
  kind: container
  image: diamol/base
  tty: yes please
"""


def test_rubric_check_reports_every_problem_of_the_new_kinds_with_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(WRAP + "".join("      " + row + "\n" for row in BAD_NEW_KINDS.splitlines()))
    good = tmp_path / "good.yaml"
    good.write_text((ROOT / "rubrics" / "ch02.yaml").read_text())
    result = grade_cli("rubric", "check", str(bad), str(good))
    assert result.returncode == 2
    assert f"{good}: ok" in result.stdout  # the good file is still checked and reported
    err = result.stderr
    expected = [
        (8, "give `name`, `image` or both"),    # container_port without a container
        (14, "70000"),                          # host_port out of range
        (21, "does not match the pattern"),     # path not absolute
        (22, "does not compile"),
        (29, "needs the container"),            # serves_file without name/image
        (30, "did you mean 'not_matches'?"),
        (37, "expected boolean"),
    ]
    for line, words in expected:
        hits = [row for row in err.splitlines() if row.startswith(f"{bad}:{line}:") and words in row]
        assert hits, f"no problem at line {line} with {words!r}:\n{err}"
    assert "Traceback" not in err
    korean = grade_cli("rubric", "check", "--lang", "ko", str(bad))
    assert korean.returncode == 2 and "'not_matches' 키를 뜻하셨나요?" in korean.stderr and "(를)" not in korean.stderr


def test_rubric_check_of_a_missing_file_exits_2():
    result = grade_cli("rubric", "check", "/nonexistent/rubric.yaml")
    assert result.returncode == 2 and "cannot read the rubric" in result.stderr


# ---- grade rubric draft ------------------------------------------------------------------------------

CH03_DRAFT = ["--lab", "ch03", "--image", "web-ping", "--image", "web-ping:v3", "--image", "ch03-lab-soln",
              "--container", "ch03lab", "--file", "ch03-lab-soln:/diamol/ch03.txt",
              "--file", "web-ping:/web-ping/app.js", "--file", "ch03lab:/diamol/ch03.txt"]


def draft(student, tmp_path, *args, name="draft.yaml"):
    before = snapshot(student.host)
    result = grade_cli("rubric", "draft", *args, host=student.host)
    assert snapshot(student.host) == before, "drafting changed the engine"
    assert result.returncode == 0, result.stderr
    path = tmp_path / name
    path.write_text(result.stdout)
    return path, result


def checks_of(path) -> dict[str, dict]:
    data = yaml.safe_load(path.read_text())
    return {c["id"]: c for s in data["sections"] for c in s["checks"]}


@pytest.mark.parametrize("buildkit", [True, False], ids=["buildkit", "legacy-builder"])
def test_draft_of_the_ch03_reference_solution_validates_and_grades_it_fully(student, grade, tmp_path, buildkit):
    student.buildkit = buildkit
    student.solution()
    path, result = draft(student, tmp_path, *CH03_DRAFT)
    assert result.stderr == "", result.stderr  # nothing drafted had to be left out
    checked = grade_cli("rubric", "check", str(path))
    assert checked.returncode == 0, checked.stderr
    graded = grade("--rubric", str(path))
    assert graded.code == 0, {c["id"]: c["message"] for c in graded.report["checks"] if c["status"] != "passed"}
    assert {c["status"] for c in graded.report["checks"]} == {"passed"}

    checks = checks_of(path)
    assert all(c["hint"]["en"].startswith("TODO") and c["hint"]["ko"].startswith("TODO") for c in checks.values())
    # The drafted titles are the grader's own words, in both of the rubric's languages.
    assert checks["web-ping"]["title"] == {"en": "Image web-ping is present", "ko": "web-ping 이미지가 있음"}
    assert checks["web-ping-base"]["base"] == "diamol/node"
    assert checks["web-ping-config"]["env"] == {"TARGET": "blog.sixeyed.com", "METHOD": "HEAD", "INTERVAL": "3000"}
    assert checks["web-ping-config"]["cmd"] == ["node", "/web-ping/app.js"]
    steps = checks["web-ping-history"]["steps"]
    assert steps[:4] == ["ENV TARGET", "ENV METHOD", "ENV INTERVAL", "WORKDIR /web-ping"]
    assert steps[4] in ("COPY app.js", "COPY") and steps[5] == "CMD"
    assert checks["web-ping-v3-history"]["steps"][0] == "CMD"
    assert checks["ch03-lab-soln-commit"]["kind"] == "image_commit"
    assert checks["ch03-lab-soln-commit"]["base"] == "diamol/ch03-lab"
    assert "ch03-lab-soln-history" not in checks  # a commit has no Dockerfile steps
    assert checks["ch03-lab-soln-diamol-ch03.txt"]["content"] == "Lab solution, by: Elton\n"
    lab = checks["ch03lab-container"]
    assert (lab["image"], lab["state"], lab.get("interactive"), lab.get("tty")) == \
        ("diamol/ch03-lab", "exited", True, None)
    assert checks["ch03lab-diamol-ch03.txt"]["differs_from_image"] is True
    assert checks["web-ping-web-ping-app.js"]["content"] == student.web_ping_app()


def test_draft_of_the_ch02_reference_solution_has_ports_and_container_files(student, grade, tmp_path, net):  # noqa: F811
    solution(student, net)
    web = student.docker("container", "ls", "--filter", "ancestor=diamol/ch02-hello-diamol-web",
                         "--format", "{{.Names}}").split()
    assert len(web) == 1
    path, result = draft(student, tmp_path, "--lab", "ch02", "--image", "diamol/ch02-hello-diamol-web",
                         "--container", web[0], "--file", f"{web[0]}:/usr/local/apache2/htdocs/index.html",
                         "--file", "diamol/ch02-hello-diamol-web:/usr/local/apache2/htdocs/index.html")
    checks = checks_of(path)
    port = next(c for c in checks.values() if c["kind"] == "container_port")
    assert (port["port"], port["host_port"], port["host_ip"]) == ("80/tcp", 8088, "127.0.0.1")
    page = next(c for c in checks.values() if c["kind"] == "container_file")
    assert page["differs_from_image"] is True and "Hello from my own page!" in page["content"]
    original = next(c for c in checks.values() if c["kind"] == "image_file")
    assert "Hello from Chapter 2!" in original["content"]
    base = next(c for c in checks.values() if c["kind"] == "image_base")
    assert base["base"] == "diamol/apache"
    container = next(c for c in checks.values() if c["kind"] == "container")
    assert container["state"] == "running" and container["image"] == "diamol/ch02-hello-diamol-web"
    graded = grade("--rubric", str(path))
    assert graded.code == 0 and {c["status"] for c in graded.report["checks"]} == {"passed"}


@pytest.mark.parametrize("args, code, words", [
    ((), 2, "give at least one --image or --container"),
    (("--image", "no-such-image"), 2, "image no-such-image is not on the engine"),
    (("--container", "no-such-container"), 2, "no container named no-such-container"),
    (("--image", "diamol/base", "--file", "diamol/base"), 2, "IMAGE:PATH"),
    (("--image", "diamol/base", "--file", "diamol/node:/etc/passwd"), 2, "is not one of the --image"),
    (("--image", "diamol/base", "--file", "diamol/base:/nope"), 2, "no such file in the image"),
    (("--image", "diamol/base", "--lab", "Chapter 2"), 2, "--lab 'Chapter 2'"),
], ids=["nothing", "unknown-image", "unknown-container", "file-without-path", "file-of-another-image",
        "missing-file", "bad-lab-id"])
def test_draft_usage_errors_exit_2_with_one_clear_line(student, args, code, words):
    result = grade_cli("rubric", "draft", *args, host=student.host)
    assert result.returncode == code, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_draft_with_no_engine_exits_3():
    result = grade_cli("rubric", "draft", "--image", "diamol/base", host="unix:///nonexistent/docker.sock")
    assert result.returncode == 3 and "socket does not exist" in result.stderr


def test_draft_of_the_base_image_alone_is_small_and_valid(student, grade, tmp_path):
    path, _ = draft(student, tmp_path, "--image", "diamol/base", "--file", "diamol/base:/etc/passwd")
    checks = checks_of(path)
    assert [c["kind"] for c in checks.values()] == ["image", "image_config", "image_history", "image_file"]
    assert checks["diamol-base-config"]["cmd"] == ["/bin/sh"]
    assert "env" not in checks["diamol-base-config"]  # PATH alone is not drafted
    assert checks["diamol-base-etc-passwd"]["content"] == "root:x:0:0:root:/root:/bin/sh\n"
    assert grade("--rubric", str(path)).code == 0


def test_draft_of_a_labelled_image_drafts_the_labels_its_dockerfile_adds(student, grade, tmp_path):
    student.build("my-site", 'FROM diamol/base\nLABEL course=docker version="1.0"\nHEALTHCHECK CMD true\n')
    path, result = draft(student, tmp_path, "--image", "my-site", "--image", "diamol/base")
    checks = checks_of(path)
    assert checks["my-site-config"]["labels"] == {"course": "docker", "version": "1.0"}
    assert checks["my-site-history"]["steps"] == ["LABEL course", "LABEL version", "HEALTHCHECK"]
    assert "labels" not in checks["diamol-base-config"]
    assert grade("--rubric", str(path)).code == 0


def test_a_rubric_files_report_says_to_grade_that_file_again(student, grade, tmp_path):
    """`grade test` would find no lab: the instructor trying a rubric file is told to type that
    command again, not the lab id."""
    from conftest import check, rubric

    path = rubric(tmp_path, check("site", "image", 2, image="my-site"), name="my lab.yaml")
    graded = grade("--rubric", str(path))
    assert graded.code == 1, graded.err
    assert f"Fix the ✗ lines above, then run `grade --rubric '{path}'` again.\n" in graded.out
    korean = grade("--rubric", str(path), "--lang", "ko")
    assert f"`grade --rubric '{path}'`" in korean.out
