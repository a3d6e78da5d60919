"""What students type for chapter 3, replayed on a real engine, and the grade they get."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import yaml
from conftest import LAB, PODMAN, run_grade

ALL = {
    "pull-web-ping": 1, "env-override": 3, "web-ping-tag": 2, "web-ping-base": 1, "web-ping-env": 2,
    "web-ping-workdir-cmd": 2, "web-ping-app": 1, "web-ping-env-behavior": 3, "web-ping-layers": 2,
    "lab-container": 1, "lab-image": 2, "lab-commit": 2, "lab-file": 3, "cache-order": 2,
}


ONE_BUILDER = pytest.mark.skipif(PODMAN, reason="Podman has one builder (buildah): DOCKER_BUILDKIT "
                                 "changes nothing, and its builds write no BuildKit marker")


@pytest.mark.parametrize("buildkit", [True, pytest.param(False, marks=ONE_BUILDER)],
                         ids=["buildkit", "legacy-builder"])
def test_reference_solution_scores_full_marks_and_bonus(student, grade, buildkit):
    student.buildkit = buildkit
    student.solution()
    graded = grade()
    assert graded.points() == ALL
    assert graded.report["score"] == 27 and graded.report["max_score"] == 25
    assert graded.code == 0
    assert "Total: 25/25 (100.0%), bonus +2 of 2" in graded.out and "Every check passed" in graded.out


def test_nothing_done_scores_only_the_pulled_image(student, grade):
    graded = grade()
    assert graded.code == 1
    assert graded.report["score"] == 1
    assert graded.status("web-ping-base") == "skipped"
    assert graded.check("web-ping-base")["message"] == (
        'not checked: it needs "Image web-ping:latest is built" (web-ping-tag) to pass first')
    assert "docker image build --tag web-ping ." in graded.out


# ---- what the student types -------------------------------------------------------------------

WEB_PING = (LAB / "web-ping" / "Dockerfile").read_text()
WEB_PING_V3 = (LAB / "web-ping" / "Dockerfile.v3").read_text()
RUBRIC = yaml.safe_load((Path(__file__).resolve().parent.parent / "rubrics" / "ch03.yaml").read_text())
CHECKS = {c["id"]: c for s in RUBRIC["sections"] for c in s["checks"]}
WEB_PING_DEPENDENTS = ["web-ping-base", "web-ping-env", "web-ping-workdir-cmd", "web-ping-app",
                       "web-ping-env-behavior", "web-ping-layers"]


def wait_for_logs(student, container: str, text: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in student.docker("container", "logs", container):
            return
        time.sleep(0.1)
    raise AssertionError(f"{container} did not print {text!r} within {seconds} s")


def run_web_ping(student, target: str = "google.com") -> None:
    """`docker container run --env TARGET=<target> diamol/ch03-web-ping`, then Ctrl-C once it started."""
    cid = student.docker("container", "run", "--detach", "--env", f"TARGET={target}",
                         "diamol/ch03-web-ping").strip()
    wait_for_logs(student, cid, f"Pinging: {target};")
    student.docker("container", "stop", cid)


def build_web_ping(student, tag: str = "web-ping", dockerfile: str = WEB_PING) -> None:
    """`docker image build --tag <tag> .` in a folder with the Dockerfile and the lab's app.js."""
    student.build(tag, dockerfile, {"app.js": student.web_ping_app()}, folder="web-ping")


def commit_lab(student, typed: str = "echo Elton >> ch03.txt", name: str | None = "ch03-lab-soln",
               image: str = "diamol/ch03-lab") -> None:
    """`docker container run -it --name ch03lab <image>`, type a line, exit, then commit."""
    student.docker("container", "run", "-i", "--name", "ch03lab", image, input=f"{typed}\nexit\n")
    student.docker("container", "commit", "ch03lab", *([name] if name else []))


def chapter(student, skip: tuple[str, ...] = (), web_ping: str = WEB_PING) -> None:
    """The chapter's steps in order, except those in `skip`: override, web-ping, v3, lab."""
    if "override" not in skip:
        run_web_ping(student)
    if "web-ping" not in skip:
        build_web_ping(student, dockerfile=web_ping)
    if "v3" not in skip:
        build_web_ping(student, "web-ping:v3", WEB_PING_V3)
    if "lab" not in skip:
        commit_lab(student)


# ---- 1. pull and run ----------------------------------------------------------------------------

def test_detached_run_without_override_scores_everything_but_env_override(student, grade):
    student.docker("container", "run", "-d", "--name", "web-ping", "diamol/ch03-web-ping")
    chapter(student, skip=("override",))
    graded = grade()
    assert graded.points() == {**ALL, "env-override": 0}
    assert graded.status("env-override") == "failed"
    assert "TARGET='blog.sixeyed.com'" in graded.check("env-override")["message"]
    graded.assert_hint_shown("env-override")
    assert graded.report["score"] == 24 and graded.code == 1
    assert "Total: 22/25 (88.0%), bonus +2 of 2" in graded.out


def test_override_to_the_default_target_does_not_count(student, grade):
    run_web_ping(student, target="blog.sixeyed.com")
    chapter(student, skip=("override",))
    graded = grade()
    assert graded.points() == {**ALL, "env-override": 0}
    assert "TARGET='blog.sixeyed.com'" in graded.check("env-override")["message"]
    graded.assert_hint_shown("env-override")
    assert graded.code == 1


def test_override_container_that_ran_for_minutes_still_counts(student, grade):
    """The start line is searched in the logs' start as well as their last 200 lines, so a student
    who watched the override run for 5+ minutes (2 lines per 3 s request) before Ctrl-C keeps the
    points. INTERVAL=20 prints those minutes of output in a few seconds."""
    cid = student.docker("container", "run", "--detach", "--env", "TARGET=google.com",
                         "--env", "INTERVAL=20", "diamol/ch03-web-ping").strip()
    deadline = time.monotonic() + 60
    while len(student.docker("container", "logs", cid).splitlines()) < 300:
        assert time.monotonic() < deadline, "web-ping did not print 300 lines within 60 s"
        time.sleep(0.2)
    student.docker("container", "stop", cid)
    chapter(student, skip=("override",))
    graded = grade()
    assert graded.points() == ALL, graded.check("env-override")["message"]
    assert graded.code == 0


# ---- 2. the Dockerfile --------------------------------------------------------------------------

def test_wrong_env_default_loses_only_web_ping_env(student, grade):
    chapter(student, web_ping=WEB_PING.replace('ENV METHOD="HEAD"', 'ENV METHOD="GET"'))
    graded = grade()
    assert graded.points() == {**ALL, "web-ping-env": 0}
    assert "METHOD" in graded.check("web-ping-env")["message"]
    assert "TARGET" not in graded.check("web-ping-env")["message"]
    assert "METHOD=GET" in graded.evidence("web-ping-env")
    graded.assert_hint_shown("web-ping-env")
    assert graded.code == 1 and not graded.report["complete"]


@pytest.mark.parametrize("cmd, printed", [
    ("CMD TARGET=blog.sixeyed.com METHOD=HEAD node /web-ping/app.js",
     "Pinging: blog.sixeyed.com; method: HEAD"),
    ('CMD ["sh", "-c", "TARGET=x node /web-ping/app.js"]', "Pinging: x; method: GET"),
], ids=["shell-form", "sh-c-exec-form"])
def test_cmd_that_sets_the_variables_itself_fails_the_behaviour_probe(student, grade, cmd, printed):
    chapter(student, web_ping=WEB_PING.replace('CMD ["node", "/web-ping/app.js"]', cmd))
    graded = grade()
    assert graded.points() == {**ALL, "web-ping-env-behavior": 0, "web-ping-workdir-cmd": 0}
    assert graded.status("web-ping-env-behavior") == "failed"
    assert printed in graded.evidence("web-ping-env-behavior")
    assert "CMD" in graded.check("web-ping-workdir-cmd")["message"]
    graded.assert_hint_shown("web-ping-env-behavior")


def test_web_ping_tagged_under_another_name(student, grade):
    chapter(student, skip=("web-ping", "v3"))
    build_web_ping(student, "webping")
    build_web_ping(student, "webping:v3", WEB_PING_V3)
    graded = grade()
    points = graded.points()
    assert points["web-ping-tag"] == 0 and graded.status("web-ping-tag") == "failed"
    for check_id in WEB_PING_DEPENDENTS:
        assert points[check_id] == 0 and graded.status(check_id) == "skipped", check_id
        assert "web-ping-tag" in graded.check(check_id)["message"]
    assert points["cache-order"] == 0 and graded.status("cache-order") == "failed"
    assert "web-ping" in graded.check("cache-order")["message"]
    assert graded.report["score"] == 12 and graded.code == 1
    # The image is there under a near name: the hint says how to give it the lab's name.
    assert "did you mean webping?" in graded.check("web-ping-tag")["message"]
    assert "Try: Give your image the name the lab asks for: `docker image tag webping web-ping:latest`" in graded.out


def test_only_v3_built(student, grade):
    chapter(student, skip=("web-ping",))
    graded = grade()
    assert graded.points()["web-ping-tag"] == 0
    assert "web-ping:v3" in graded.check("web-ping-tag")["message"]
    assert all(graded.status(c) == "skipped" for c in WEB_PING_DEPENDENTS)
    assert graded.points()["cache-order"] == 2 and graded.status("cache-order") == "passed"
    assert graded.report["score"] == 14 and graded.code == 1


# ---- 4. the commit lab ------------------------------------------------------------------------

LAB_SCORES = ("lab-container", "lab-image", "lab-commit", "lab-file")


def lab_points(graded) -> dict:
    return {k: graded.points()[k] for k in LAB_SCORES}


@pytest.mark.parametrize("buildkit, run, why", [
    pytest.param(True, "RUN echo Elton >> ch03.txt", "built from a Dockerfile", marks=ONE_BUILDER),
    (False, "RUN echo Elton >> ch03.txt", "build step"),
    (False, 'RUN ["/bin/sh", "-c", "echo Elton >> ch03.txt"]', "build step"),
], ids=["buildkit", "legacy", "legacy-exec-form"])
def test_lab_built_with_a_dockerfile_is_not_a_commit(student, grade, buildkit, run, why):
    student.buildkit = buildkit
    chapter(student, skip=("lab",))
    # `--network none` only because the test engine has no bridge network for RUN to join.
    folder = student.write("lab", {"Dockerfile": f"FROM diamol/ch03-lab\n{run}\n"})
    student.docker("image", "build", "--network", "none", "--tag", "ch03-lab-soln", ".", cwd=folder)
    graded = grade()
    assert graded.points() == {**ALL, "lab-container": 0, "lab-commit": 0}
    assert graded.status("lab-commit") == "failed"
    message = graded.check("lab-commit")["message"]
    assert why in message and "echo Elton >> ch03.txt" in message, message
    graded.assert_hint_shown("lab-commit")


def test_lab_committed_without_a_name(student, grade):
    chapter(student, skip=("lab",))
    commit_lab(student, name=None)
    graded = grade()
    assert lab_points(graded) == {"lab-container": 1, "lab-image": 0, "lab-commit": 0, "lab-file": 0}
    assert graded.status("lab-commit") == graded.status("lab-file") == "skipped"
    assert "lab-image" in graded.check("lab-file")["message"]
    assert "ch03-lab-soln" in graded.check("lab-image")["message"]
    graded.assert_hint_shown("lab-image")


def test_lab_committed_from_another_base(student, grade):
    chapter(student, skip=("lab",))
    student.docker("container", "run", "--name", "ch03lab", "diamol/base", "sh", "-c",
                   'mkdir -p /diamol && echo "Lab solution, by: Elton" > /diamol/ch03.txt')
    student.docker("container", "commit", "ch03lab", "ch03-lab-soln")
    graded = grade()
    assert lab_points(graded) == {"lab-container": 0, "lab-image": 0, "lab-commit": 0, "lab-file": 0}
    assert "created from diamol/base" in graded.check("lab-container")["message"]
    assert "diamol/ch03-lab" in graded.check("lab-image")["message"]
    assert graded.status("lab-commit") == graded.status("lab-file") == "skipped"


@pytest.mark.parametrize("typed, content", [
    ("echo >> ch03.txt", "'Lab solution, by: \\n'"),
    ("echo Elton > ch03.txt", "'Elton\\n'"),
], ids=["newline-only", "overwritten"])
def test_lab_file_without_a_name(student, grade, typed, content):
    chapter(student, skip=("lab",))
    commit_lab(student, typed=typed)
    graded = grade()
    assert lab_points(graded) == {"lab-container": 1, "lab-image": 2, "lab-commit": 2, "lab-file": 0}
    assert graded.status("lab-file") == "failed"
    assert f"content: {content}" in graded.evidence("lab-file")
    graded.assert_hint_shown("lab-file")


@pytest.mark.parametrize("change", [(), ("--change", 'CMD ["/bin/sh"]')],
                         ids=["commit", "commit-restoring-cmd"])
def test_lab_command_given_on_the_command_line_is_a_commit(student, grade, change):
    """With --change the image gets the lab's /bin/sh back, so `docker run ch03-lab-soln` does not
    append the name again; it is still a commit, not taken for a legacy RUN step."""
    chapter(student, skip=("lab",))
    student.docker("container", "run", "--name", "ch03lab", "diamol/ch03-lab",
                   "sh", "-c", "echo Elton >> ch03.txt")
    student.docker("container", "commit", *change, "ch03lab", "ch03-lab-soln")
    graded = grade()
    assert graded.points() == ALL, graded.check("lab-commit")["message"]
    # Docker's commit records the container's command; Podman's records /bin/sh.
    command = "'/bin/sh'" if PODMAN else "sh -c echo Elton >> ch03.txt"
    assert command in graded.check("lab-commit")["message"]
    assert graded.code == 0


# ---- language -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, env", [
    (("ch03", "--lang", "ko"), None),
    (("ch03",), {"LANG": "ko_KR.UTF-8"}),
], ids=["lang-option", "LANG-ko_KR"])
def test_korean_output(student, grade, args, env):
    graded = grade(*args, env_extra=env)
    assert graded.report["lang"] == "ko"
    assert graded.code == 1
    assert "합계: 1/25" in graded.out and "해 볼 것:" in graded.out
    for section in RUBRIC["sections"]:
        assert section["title"]["ko"] in graded.out
        assert section["title"]["en"] not in graded.out
    for check_id, check in CHECKS.items():
        assert check["hint"]["en"] not in graded.out, check_id
        if graded.status(check_id) != "passed":
            assert graded.check(check_id)["hint"] == check["hint"]["ko"]
    assert "Total" not in graded.out and "Try:" not in graded.out
    assert "not checked" not in graded.out
    assert '먼저 "web-ping:latest 이미지를 빌드함" (web-ping-tag) 항목을 통과해야' in graded.out


# ---- no engine ----------------------------------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("host, args, why", [
    ("unix:///nonexistent/docker.sock", (), "socket does not exist"),
    ("tcp://127.0.0.1:{port}", (), "connection was refused"),
    ("unix:///nonexistent/docker.sock", ("--lang", "ko"), "소켓 파일이 없으니 도커가 실행 중이 아닙니다"),
], ids=["missing-socket", "closed-tcp-port", "missing-socket-ko"])
def test_unreachable_engine(tmp_path, host, args, why):
    host = host.format(port=closed_port())
    graded = run_grade("ch03", *args, host=host, tmp=tmp_path, read_only=False)
    assert graded.code == 3
    assert graded.report is not None, "no JSON report"
    err = graded.err.strip()
    assert host in err and why in err
    assert "Traceback" not in graded.err and "Traceback" not in graded.out
    assert "\n\n" not in err and len(err.splitlines()) == 1, err
    assert [c["id"] for c in graded.report["checks"]] == list(ALL)
    assert {c["status"] for c in graded.report["checks"]} == {"error"}
    assert graded.report["score"] == 0
    assert host in graded.report["fault"]
