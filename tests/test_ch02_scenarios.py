"""What students type for chapter 2, replayed on a real engine, and the grade they get; and the
check kinds chapter 2 brought (container_port, container_file, http) on their own.

The test engine has no default bridge network, so a container that publishes a port joins a
network the test makes, and publishes on 127.0.0.1 only (students type plain `-p 8088:80`)."""
from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml
from conftest import DOCKER, PODMAN, ROOT, check, grade_env, rubric

LAB2 = ROOT / "labs" / "ch02"
RUBRIC = yaml.safe_load((ROOT / "rubrics" / "ch02.yaml").read_text())
CHECKS = {c["id"]: c for s in RUBRIC["sections"] for c in s["checks"]}
ALL = {"hello-run": 2, "interactive-base": 2, "web-running": 2, "web-port": 2,
       "lab-page-replaced": 3, "lab-image-unchanged": 1, "lab-http": 3}
WEB = "diamol/ch02-hello-diamol-web"
HTDOCS = "/usr/local/apache2/htdocs"
MY_PAGE = "<html><body><h1>Hello from my own page!</h1></body></html>\n"


# ---- fixtures (port8088, net) are in conftest.py ------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- what the student types -----------------------------------------------------------------------

def solution(student, network: str) -> str:
    result = subprocess.run(["bash", str(LAB2 / "solution.sh")],
                            env=student.env(DOCKER=DOCKER, CH02_NETWORK=network),
                            text=True, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stderr


def run_hello(student, *flags: str) -> None:
    student.docker("container", "run", *flags, "diamol/ch02-hello-diamol")


def run_interactive(student, flags: tuple[str, ...] = ("--interactive", "--tty")) -> None:
    """`docker container run <flags> diamol/base`, type hostname and exit. A terminal is needed
    for --tty with --interactive, so `script` provides one; without --tty a pipe will do."""
    command = [DOCKER, "container", "run", *flags, "diamol/base"]
    if "--tty" in flags or "-t" in flags:
        command = ["script", "-qec", " ".join(command), "/dev/null"]
    result = subprocess.run(command, env=student.env(), input="hostname\nexit\n", text=True,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def run_web(student, network: str, publish: str | None = "127.0.0.1:8088:80", image: str = WEB) -> str:
    """`docker container run --detach --publish 8088:80 <image>`; waits until the page answers."""
    args = ["container", "run", "--detach", "--network", network]
    if publish:
        args += ["--publish", publish]
    cid = student.docker(*args, image).strip()
    wait_for_page(student, cid)
    return cid


def wait_for_page(student, cid: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        result = subprocess.run([DOCKER, "container", "exec", cid, "wget", "-q", "-O", "-", "http://127.0.0.1/"],
                                env=student.env(), text=True, capture_output=True, timeout=30)
        if result.returncode == 0:
            return result.stdout
        assert time.monotonic() < deadline, f"{cid[:12]} did not serve its page: {result.stderr}"
        time.sleep(0.1)


def copy_page(student, cid: str, page: str = MY_PAGE, path: str = f"{HTDOCS}/index.html") -> None:
    """Write index.html, then `docker container cp index.html <id>:<path>`."""
    folder = student.write("lab", {"index.html": page})
    student.docker("container", "cp", str(folder / "index.html"), f"{cid}:{path}")


def exercises(student, network: str, skip: tuple[str, ...] = ()) -> str | None:
    """Steps 1-3 of the chapter, except those in `skip`; returns the web container's id."""
    if "hello" not in skip:
        run_hello(student)
    if "interactive" not in skip:
        run_interactive(student)
    if "web" not in skip:
        return run_web(student, network)
    return None


# ---- the whole chapter ----------------------------------------------------------------------------

def test_reference_solution_scores_full_marks(student, grade, net):
    printed = solution(student, net)
    assert "$ " + DOCKER + " container cp " in printed
    graded = grade("ch02")
    assert graded.points() == ALL, {c["id"]: c["message"] for c in graded.report["checks"]}
    assert graded.report["score"] == 15 and graded.report["max_score"] == 15
    assert graded.code == 0 and "15/15" in graded.out
    assert "Hello from my own page!" in graded.evidence("lab-http")


def test_the_lab_can_be_redone_after_another_page_was_copied(student, grade, net):
    """A second `cp` with a new page: the check compares with what the container holds now."""
    cid = exercises(student, net)
    copy_page(student, cid, "<h1>first try</h1>\n")
    copy_page(student, cid, "<h1>second try</h1>\n")
    graded = grade("ch02")
    assert graded.points() == ALL
    assert "second try" in graded.evidence("lab-http")


def test_the_page_copied_into_another_website_container_is_not_the_one_on_8088(student, grade, net):
    """Two website containers running: the student copies the page into the one that publishes
    nothing (the first they ran, still listed by `docker container ls`). A page was replaced, but
    http://localhost:8088 shows the image's page: lab-http must not pass because the container on
    8088 serves its own, unchanged file."""
    exercises(student, net, skip=("web",))
    first = run_web(student, net, publish=None)
    on_8088 = run_web(student, net)
    copy_page(student, first)
    graded = grade("ch02")
    assert graded.points() == {**ALL, "lab-http": 0}, {c["id"]: c["message"] for c in graded.report["checks"]}
    name = student.docker("container", "inspect", "--format", "{{.Name}}", on_8088).strip().lstrip("/")
    # The image as the engine names it: diamol/ch02-hello-diamol-web, with :latest on some engines.
    assert graded.check("lab-http")["message"].startswith(f"{HTDOCS}/index.html in container {name} is still the "
                                                          f"copy from its image {WEB}")
    graded.assert_hint_shown("lab-http")

    # Copied into the container on 8088 too: its page is the new one, and so is the answer.
    copy_page(student, on_8088)
    graded = grade("ch02")
    assert graded.points() == ALL
    assert "Hello from my own page!" in graded.evidence("lab-http")


def test_nothing_done_scores_nothing(student, grade):
    graded = grade("ch02")
    assert graded.code == 1
    assert graded.report["score"] == 0 and graded.report["max_score"] == 15
    assert graded.status("hello-run") == "failed"
    assert "no container was created from diamol/ch02-hello-diamol" in graded.check("hello-run")["message"]
    assert graded.status("lab-image-unchanged") == "skipped"
    assert graded.status("lab-http") == "skipped"
    assert ('needs "The website is published on port 8088" (web-port), "index.html in the running web container '
            'was replaced" (lab-page-replaced)') in graded.check("lab-http")["message"]
    for check_id in ("hello-run", "interactive-base", "web-running", "web-port", "lab-page-replaced"):
        graded.assert_hint_shown(check_id)


def test_korean_output(student, grade):
    graded = grade("ch02", "--lang", "ko")
    assert graded.report["lang"] == "ko" and "합계: 0/15" in graded.out
    for section in RUBRIC["sections"]:
        assert section["title"]["ko"] in graded.out and section["title"]["en"] not in graded.out
    assert CHECKS["web-port"]["hint"]["ko"] in graded.out
    assert "Try:" not in graded.out


# ---- 1 and 2: hello and the interactive container ---------------------------------------------------

def test_hello_run_with_rm_leaves_nothing_to_grade(student, grade, net):
    cid = exercises(student, net, skip=("hello",))
    run_hello(student, "--rm")
    copy_page(student, cid)
    graded = grade("ch02")
    assert graded.points() == {**ALL, "hello-run": 0}
    graded.assert_hint_shown("hello-run")
    assert "without `--rm`" in graded.check("hello-run")["hint"]


@pytest.mark.parametrize("flags, why", [
    (("--interactive",), "created without --tty"),
    (("--tty", "--detach"), "created without --interactive"),
], ids=["interactive-only", "tty-only"])
def test_interactive_container_needs_both_options(student, grade, net, flags, why):
    cid = exercises(student, net, skip=("interactive",))
    if "--detach" in flags:
        sh = student.docker("container", "run", *flags, "diamol/base").strip()
        student.docker("container", "kill", sh)
    else:
        run_interactive(student, flags)
    copy_page(student, cid)
    graded = grade("ch02")
    assert graded.points() == {**ALL, "interactive-base": 0}
    assert why in graded.check("interactive-base")["message"]
    graded.assert_hint_shown("interactive-base")


def test_interactive_container_run_detached_counts(student, grade, net):
    """`-itd` then `kill` (solution.sh's way without `script`): still an interactive terminal."""
    cid = exercises(student, net, skip=("interactive",))
    sh = student.docker("container", "run", "--interactive", "--tty", "--detach", "diamol/base").strip()
    student.docker("container", "kill", sh)
    copy_page(student, cid)
    graded = grade("ch02")
    assert graded.points() == ALL
    assert "Tty=true; OpenStdin=true" in graded.evidence("interactive-base")


# ---- 3: the website and its port --------------------------------------------------------------------

@pytest.mark.parametrize("publish, seen", [
    (None, "publishes no port"),
    ("127.0.0.1:{port}:80", "80/tcp -> 127.0.0.1:{port}"),
], ids=["not-published", "published-elsewhere"])
def test_port_not_published_on_8088(student, grade, net, publish, seen):
    port = free_port()
    exercises(student, net, skip=("web",))
    cid = run_web(student, net, publish=publish.format(port=port) if publish else None)
    copy_page(student, cid)
    graded = grade("ch02")
    assert graded.points() == {**ALL, "web-port": 0, "lab-http": 0}
    assert graded.status("web-port") == "failed"
    assert seen.format(port=port) in graded.evidence("web-port")
    assert graded.status("lab-http") == "skipped" and "web-port" in graded.check("lab-http")["message"]
    graded.assert_hint_shown("web-port")
    assert graded.report["score"] == 10 and graded.code == 1


def test_website_stopped_before_grading(student, grade, net):
    cid = exercises(student, net)
    copy_page(student, cid)
    student.docker("container", "stop", cid)
    graded = grade("ch02")
    assert graded.points() == {**ALL, "web-running": 0, "web-port": 0, "lab-page-replaced": 0,
                               "lab-image-unchanged": 0, "lab-http": 0}
    assert "is exited; wanted running" in graded.check("web-running")["message"]
    graded.assert_hint_shown("web-running")


# ---- 4: the lab -------------------------------------------------------------------------------------

def test_page_not_replaced(student, grade, net):
    exercises(student, net)
    graded = grade("ch02")
    assert graded.points() == {**ALL, "lab-page-replaced": 0, "lab-image-unchanged": 0, "lab-http": 0}
    assert "still the copy from its image diamol/ch02-hello-diamol-web" in graded.check("lab-page-replaced")["message"]
    assert graded.status("lab-image-unchanged") == graded.status("lab-http") == "skipped"
    graded.assert_hint_shown("lab-page-replaced")
    assert graded.report["score"] == 8


def test_page_copied_to_the_wrong_place(student, grade, net):
    cid = exercises(student, net)
    copy_page(student, cid, path="/usr/local/apache2/index.html")
    graded = grade("ch02")
    assert graded.points()["lab-page-replaced"] == 0 and graded.status("lab-http") == "skipped"


def test_page_replaced_through_a_new_image_instead_of_cp(student, grade, net):
    """The student built `my-web` FROM the chapter's image with their page, removed the chapter's
    container and ran theirs on 8088: the site shows the new page, but the lab was not done."""
    cid = exercises(student, net)
    student.docker("container", "rm", "--force", cid)
    student.build("my-web", f"FROM {WEB}\nCOPY index.html {HTDOCS}/\n", {"index.html": MY_PAGE})
    run_web(student, net, image="my-web")
    graded = grade("ch02")
    assert graded.points() == {**ALL, "web-running": 0, "web-port": 0, "lab-page-replaced": 0,
                               "lab-image-unchanged": 0, "lab-http": 0}
    assert "no container was created from diamol/ch02-hello-diamol-web" in graded.check("lab-page-replaced")["message"]
    assert graded.report["score"] == 4


def test_page_replaced_by_rebuilding_the_chapters_image(student, grade, net):
    """The student rebuilt diamol/ch02-hello-diamol-web itself with their page and ran it: the
    container's page is its image's, and the chapter's image is gone."""
    # The chapter's image is kept under a second name: with the containerd image store (and on
    # Podman) an image whose only name moves away can be gone, so its id could not restore it.
    keep = "grade-test-keep/ch02-web:original"
    # Its own name goes back: Podman's pulled stand-in is docker.io/..., and a short name given to
    # `tag` there would name a new localhost/... instead.
    original = student.docker("image", "inspect", "--format", "{{index .RepoTags 0}}", WEB).strip()
    student.docker("image", "tag", WEB, keep)
    try:
        exercises(student, net, skip=("web",))
        student.build(WEB, f"FROM {WEB}\nCOPY index.html {HTDOCS}/\n", {"index.html": MY_PAGE})
        run_web(student, net)
        graded = grade("ch02")
    finally:
        student.docker("image", "tag", keep, original)
        student.docker("image", "rm", keep)
    assert graded.points() == {**ALL, "lab-page-replaced": 0, "lab-image-unchanged": 0, "lab-http": 0}
    assert "still the copy from its image" in graded.check("lab-page-replaced")["message"]
    assert "Hello from my own page!" in graded.evidence("lab-page-replaced")


# ---- the new kinds on their own -----------------------------------------------------------------------

def grade_rubric(grade, tmp_path, *checks: str, name="kinds.yaml", **kw):
    return grade("--rubric", str(rubric(tmp_path, "\n".join(checks), name)), **kw)


def test_container_port_matches_host_ip_and_reads_a_stopped_containers_configuration(student, grade, tmp_path, net):
    port = free_port()
    student.docker("container", "run", "--detach", "--name", "site", "--network", net,
                   "--publish", f"127.0.0.1:{port}:80", WEB)
    # The private Podman's default network is none, which drops published ports: give it one.
    student.docker("container", "create", "--name", "later", *(["--network", net] if PODMAN else []),
                   "--publish", "9999:80/tcp", WEB)
    graded = grade_rubric(grade, tmp_path,
                          check("on-ip", "container_port", name="site", port=80, host_port=port, host_ip="127.0.0.1"),
                          check("any-ip", "container_port", name="site", port="80/tcp", host_ip="0.0.0.0"),
                          check("any-port", "container_port", name="site", port=80),
                          check("udp", "container_port", name="site", port="80/udp"),
                          check("created", "container_port", name="later", port=80, host_port=9999),
                          check("created-running", "container_port", name="later", state="running", port=80),
                          check("by-image", "container_port", image=WEB, state="running", port=80, host_port=port))
    assert graded.points() == {"on-ip": 1, "any-ip": 0, "any-port": 1, "udp": 0, "created": 1,
                               "created-running": 0, "by-image": 1}
    assert "configured; not running" in graded.evidence("created")
    assert "later is created; wanted running" in graded.check("created-running")["message"]


def test_container_file_content_regex_and_comparison_with_the_image(student, grade, tmp_path, net):
    cid = run_web(student, net, publish=None)
    student.docker("container", "rename", cid, "site")
    copy_page(student, cid)
    student.docker("container", "stop", "site")  # the archive API reads stopped containers too
    index = f"{HTDOCS}/index.html"
    graded = grade_rubric(grade, tmp_path,
                          check("content", "container_file", name="site", path=index, content=MY_PAGE),
                          check("regex", "container_file", name="site", path=index, matches="own page"),
                          check("differs", "container_file", name="site", path=index, differs_from_image=True),
                          check("same", "container_file", name="site", path=index, differs_from_image=False),
                          check("new-file", "container_file", name="site", path="/usr/local/bin/httpd-foreground",
                                differs_from_image=False, matches="httpd -f"),
                          check("missing", "container_file", name="site", path="/nope.txt"),
                          check("a-dir", "container_file", name="site", path=HTDOCS),
                          check("capped", "container_file", name="site", path=index, content=MY_PAGE, max_bytes=10))
    assert graded.points() == {"content": 1, "regex": 1, "differs": 1, "same": 0, "new-file": 1,
                               "missing": 0, "a-dir": 0, "capped": 0}
    assert "is not the copy from its image" in graded.check("same")["message"]
    assert "Hello from Chapter 2!" in graded.evidence("same")
    assert "does not exist in container site" in graded.check("missing")["message"]
    assert "is a directory" in graded.check("a-dir")["message"]
    assert "read only the first 10 bytes" in graded.evidence("capped")


def test_http_status_body_redirects_proxies_and_timeouts(student, grade, tmp_path, net):
    port = free_port()
    cid = run_web(student, net, publish=f"127.0.0.1:{port}:80")
    student.docker("container", "exec", cid, "mkdir", f"{HTDOCS}/docs")
    slow_port, garbage_port = free_port(), free_port()
    garbage = socket.create_server(("127.0.0.1", garbage_port))

    def speak_no_http():
        try:
            while True:
                conn, _ = garbage.accept()
                with conn:
                    conn.sendall(b"SSH-2.0-not-http\r\n")
        except OSError:  # the server socket was closed: the test is over
            pass

    threading.Thread(target=speak_no_http, daemon=True).start()
    with socket.socket() as silent, garbage:  # one accepts and never answers, one speaks no HTTP
        silent.bind(("127.0.0.1", slow_port))
        silent.listen()
        graded = grade_rubric(
            grade, tmp_path,
            check("page", "http", port=port, matches="Hello from Chapter 2!"),
            check("not", "http", port=port, not_matches="Hello from Chapter 2!"),
            check("missing", "http", port=port, path="/nope.html", status=404),
            check("wrong-status", "http", port=port, path="/nope.html"),
            check("redirect", "http", port=port, path="/docs", status=302),  # busybox: 302 to /docs/
            check("served-by", "http", port=port, image=WEB, serves_file=f"{HTDOCS}/index.html"),
            check("other-container", "http", port=port, image="diamol/base", serves_file="/etc/passwd"),
            check("closed", "http", port=free_port()),
            check("slow", "http", port=slow_port, timeout=1),
            check("not-http", "http", port=garbage_port),
            # A proxy in the environment must not carry the request away from the engine's host.
            env_extra={"http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
                       "no_proxy": "", "NO_PROXY": ""})
    assert graded.points() == {"page": 1, "not": 0, "missing": 1, "wrong-status": 0, "redirect": 1,
                               "served-by": 1, "other-container": 0, "closed": 0, "slow": 0, "not-http": 0}
    assert "still matches" in graded.check("not")["message"]
    assert "answered 404, not 200" in graded.check("wrong-status")["message"]
    assert f"GET http://127.0.0.1:{port}/" in graded.evidence("page")
    assert "no container was created from diamol/base" in graded.check("other-container")["message"]
    assert "nothing answered" in graded.check("closed")["message"]
    assert "timed out" in graded.check("slow")["message"]
    assert "BadStatusLine" in graded.check("not-http")["message"]
    assert "Traceback" not in graded.err


def test_http_goes_to_the_host_of_a_tcp_engine():
    """For tcp://docker:2375 (GitLab's dind service) the published ports are on `docker`."""
    from grader.engine import Engine

    def host(address):
        class Api:
            api_version = "1.41"
        return Engine(Api(), address, {}).published_host()

    assert host("unix:///var/run/docker.sock") == "127.0.0.1"
    assert host("tcp://docker:2376") == "docker"
    assert host("tcp://10.0.0.5") == "10.0.0.5"
    assert host("tcp://0.0.0.0:2375") == "127.0.0.1"
    assert host("ssh://me@build-host") == "build-host"
    assert host("npipe:////./pipe/docker_engine") == "127.0.0.1"


def test_grading_the_new_kinds_leaves_no_probe_behind(student, tmp_path, net):
    """The comparison with the image reads through a probe: it must be gone after grading, and
    `grade` proves the engine is otherwise unchanged (the `grade` fixture's snapshot)."""
    cid = run_web(student, net, publish=None)
    copy_page(student, cid)
    path = rubric(tmp_path, check("differs", "container_file", image=WEB, path=f"{HTDOCS}/index.html",
                                  differs_from_image=True))
    result = subprocess.run(["grade", "--rubric", str(path)], env=grade_env(student.host), text=True,
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert student.docker("container", "ls", "--all", "--quiet", "--filter", "label=org.grade.probe") == ""


def test_solution_prints_every_command_it_runs(student, net):
    printed = solution(student, net)
    commands = [line for line in printed.splitlines() if line.startswith("$ ")]
    assert commands[0] == f"$ {DOCKER} container run diamol/ch02-hello-diamol"
    assert any("--interactive --tty diamol/base" in c for c in commands)
    assert any(f"--network {net} --publish 127.0.0.1:8088:80 {WEB}" in c for c in commands)
    assert Path(LAB2 / "solution.sh").stat().st_mode & 0o111
