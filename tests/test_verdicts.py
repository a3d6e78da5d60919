"""Verdicts a student cannot talk the grader into, on a real engine: no points for someone else's
image, for a base merely re-tagged, for a container that never ran or ran another command, for an
image never pulled; the same verdict from either builder; and a student's own mistake (a probe
that cannot start, unreadable logs, endless output) is a failed check with its hint, never an
engine fault."""
from __future__ import annotations

import subprocess
import time

import pytest
from conftest import ENGINE, PODMAN, check, rubric, run_grade
from test_ch02_scenarios import run_interactive
from test_ch03_scenarios import (
    ALL,
    WEB_PING,
    WEB_PING_V3,
    build_web_ping,
    chapter,
    commit_lab,
)

BUILDERS = pytest.mark.parametrize("buildkit", [True, False], ids=["buildkit", "legacy-builder"])
BUILD_SECTION = ["web-ping-tag", "web-ping-base", "web-ping-env", "web-ping-workdir-cmd", "web-ping-app",
                 "web-ping-env-behavior", "web-ping-layers"]  # 13 points


# ---- someone else's image is not the student's build ------------------------------------------------

def test_reference_image_retagged_earns_no_build_or_layer_points(student, grade):
    chapter(student, skip=("web-ping",))
    student.docker("image", "tag", "diamol/ch03-web-ping", "web-ping")
    graded = grade()
    for check_id in BUILD_SECTION:
        assert graded.points()[check_id] == 0, check_id
    assert graded.status("web-ping-tag") == "failed"
    message = graded.check("web-ping-tag")["message"]
    assert "diamol/ch03-web-ping under another name" in message, message
    assert all(graded.status(c) == "skipped" for c in BUILD_SECTION[1:])
    assert graded.report["score"] == 25 - 13 + 2 and graded.code == 1
    graded.assert_hint_shown("web-ping-tag")


def test_reference_image_retagged_then_its_name_removed_earns_no_build_points(student, grade):
    chapter(student, skip=("web-ping",))
    # The stand-in's own name: Podman's pulled one is docker.io/..., and a short name given to
    # `tag` there would name a new localhost/... instead.
    original = student.docker("image", "inspect", "--format", "{{index .RepoTags 0}}",
                              "diamol/ch03-web-ping").strip()
    student.docker("image", "tag", "diamol/ch03-web-ping", "web-ping")
    student.docker("image", "rm", "diamol/ch03-web-ping")  # untags: web-ping still holds the image
    try:
        graded = grade()
    finally:
        student.docker("image", "tag", "web-ping", original)  # the stand-in, as before
    assert graded.status("web-ping-tag") == "failed"
    assert "cannot be told apart" in graded.check("web-ping-tag")["message"]
    assert "docker image pull diamol/ch03-web-ping" in graded.check("web-ping-tag")["message"]
    assert all(graded.points()[c] == 0 for c in BUILD_SECTION) and graded.code == 1


@BUILDERS
@pytest.mark.parametrize("dockerfile", [
    "FROM diamol/ch03-web-ping\n",
    'FROM diamol/ch03-web-ping\nLABEL author="me"\n',
], ids=["from-only", "from-and-label"])
def test_dockerfile_built_on_the_reference_image_earns_no_build_points(student, grade, buildkit, dockerfile):
    student.buildkit = buildkit
    chapter(student, skip=("web-ping", "v3"))
    build_web_ping(student, dockerfile=dockerfile)
    build_web_ping(student, "web-ping:v3", dockerfile=dockerfile)
    graded = grade()
    for check_id in BUILD_SECTION + ["cache-order"]:
        assert graded.points()[check_id] == 0, check_id
    # The legacy builder turns a bare FROM into the very same image; anything more is built on it.
    message = graded.check("web-ping-tag")["message"]
    assert ("built on diamol/ch03-web-ping, the lab's finished image" in message
            or "diamol/ch03-web-ping under another name" in message), message
    assert "diamol/ch03-web-ping" in graded.evidence("cache-order")
    assert graded.code == 1
    graded.assert_hint_shown("web-ping-tag")


# ---- "built on" needs something added ---------------------------------------------------------------

def test_lab_base_retagged_is_not_built_on_it(student, grade):
    chapter(student, skip=("lab",))
    student.docker("container", "run", "-i", "--name", "ch03lab", "diamol/ch03-lab", input="exit\n")
    student.docker("image", "tag", "diamol/ch03-lab", "ch03-lab-soln")
    graded = grade()
    assert graded.points()["lab-image"] == 0 and graded.status("lab-image") == "failed"
    assert "diamol/ch03-lab itself under another name" in graded.check("lab-image")["message"]
    assert graded.status("lab-commit") == graded.status("lab-file") == "skipped"
    graded.assert_hint_shown("lab-image")


# ---- a container that ran, and ran the app -----------------------------------------------------------

def test_container_created_but_never_started_did_not_run(student, grade):
    chapter(student, skip=("lab",))
    student.docker("container", "create", "--name", "ch03lab", "diamol/ch03-lab")
    graded = grade()
    assert graded.points()["lab-container"] == 0
    assert "never started" in graded.check("lab-container")["message"]
    graded.assert_hint_shown("lab-container")


def test_ch02_interactive_container_created_but_never_started(student, grade):
    student.docker("container", "create", "--interactive", "--tty", "diamol/base")
    graded = grade("ch02")
    assert graded.status("interactive-base") == "failed"
    assert "never started" in graded.check("interactive-base")["message"]
    run_interactive(student)
    assert grade("ch02").status("interactive-base") == "passed"


def test_override_that_only_echoes_the_expected_line_is_not_the_app(student, grade):
    chapter(student, skip=("override",))
    student.docker("container", "run", "--env", "TARGET=x", "diamol/ch03-web-ping", "echo",
                   "** web-ping ** Pinging: x; method: HEAD; 3000ms intervals")
    graded = grade()
    assert graded.points() == {**ALL, "env-override": 0}
    message = graded.check("env-override")["message"]
    assert "instead of its image's own command" in message and "echo" in message, message
    graded.assert_hint_shown("env-override")
    assert graded.code == 1


def test_ch02_hello_echoed_by_another_command_does_not_count(student, grade):
    student.docker("container", "run", "diamol/ch02-hello-diamol", "echo", "Hello from Chapter 2!")
    graded = grade("ch02")
    assert graded.status("hello-run") == "failed"
    assert "instead of its image's own command" in graded.check("hello-run")["message"]
    student.docker("container", "run", "diamol/ch02-hello-diamol")
    assert grade("ch02").status("hello-run") == "passed"


# ---- the same verdict from either builder --------------------------------------------------------

@BUILDERS
@pytest.mark.parametrize("old, new", [
    ("COPY app.js .", "COPY . ."),
    ("COPY app.js .", "COPY --chown=1000:1000 app.js ."),
    ('ENV TARGET="blog.sixeyed.com"\nENV METHOD="HEAD"\nENV INTERVAL="3000"',
     'ENV TARGET="blog.sixeyed.com" \\\n    METHOD="HEAD" \\\n    INTERVAL="3000"'),
], ids=["copy-dot", "copy-chown", "one-env"])
def test_textbook_instruction_forms_score_full_with_either_builder(student, grade, buildkit, old, new):
    student.buildkit = buildkit
    assert old in WEB_PING
    chapter(student, web_ping=WEB_PING.replace(old, new))
    graded = grade()
    assert graded.points() == ALL, graded.check("web-ping-layers")["message"]
    assert graded.code == 0


@BUILDERS
def test_textbook_optimized_dockerfile_as_web_ping(student, grade, buildkit):
    """The textbook's own v3 Dockerfile, tagged web-ping: its single ENV counts as three, its
    CMD comes first, so only the order of the layers check differs."""
    student.buildkit = buildkit
    chapter(student, web_ping=WEB_PING_V3)
    graded = grade()
    assert graded.points() == {**ALL, "web-ping-layers": 0}
    assert "`CMD` is missing" in graded.check("web-ping-layers")["message"]


def test_second_commit_on_top_of_the_first_is_still_a_commit(student, grade):
    chapter(student, skip=("lab",))
    commit_lab(student, typed="echo >> ch03.txt")  # forgot the name
    student.docker("container", "run", "-i", "--name", "ch03lab-fix", "ch03-lab-soln",
                   input='echo "Lab solution, by: Elton" > ch03.txt\nexit\n')
    student.docker("container", "commit", "ch03lab-fix", "ch03-lab-soln")
    graded = grade()
    assert graded.points() == ALL, graded.check("lab-commit")["message"]
    assert graded.code == 0


# ---- a student's mistake is a failed check, never an engine fault ------------------------------------

@pytest.mark.parametrize("old, new, runtime, also_lost", [
    ('CMD ["node", "/web-ping/app.js"]', 'CMD ["nodejs", "/web-ping/app.js"]',
     "executable file not found", ["web-ping-workdir-cmd"]),
    ('CMD ["node", "/web-ping/app.js"]', 'CMD ["/web-ping/app.js"]', "/web-ping/app.js",
     ["web-ping-workdir-cmd"]),
    ('CMD ["node"', 'USER nosuchuser\nCMD ["node"', "unable to find user nosuchuser", []),
], ids=["cmd-nodejs", "cmd-script-only", "user-nosuchuser"])
def test_image_that_cannot_start_fails_the_probe_with_the_runtimes_words(student, grade, old, new, runtime,
                                                                          also_lost):
    chapter(student, web_ping=WEB_PING.replace(old, new))
    graded = grade()
    assert graded.points() == {**ALL, "web-ping-env-behavior": 0, **{c: 0 for c in also_lost}}
    assert graded.status("web-ping-env-behavior") == "failed"
    assert runtime in graded.check("web-ping-env-behavior")["message"]
    assert graded.status("lab-file") == "passed"
    assert graded.report["fault"] is None
    assert graded.code == 1
    graded.assert_hint_shown("web-ping-env-behavior")


def test_unreadable_logs_beside_a_complete_solution_are_skipped(student, grade):
    student.solution()
    # Newest first: this unreadable container is tried before the solution's own.
    student.docker("container", "run", "--detach", "--log-driver", "none", "--env", "TARGET=example.org",
                   "diamol/ch03-web-ping")
    graded = grade()
    assert graded.points() == ALL
    assert graded.report["score"] == 27 and graded.code == 0
    if not PODMAN:  # Podman may list the readable container first; then the other is never tried
        assert "logs cannot be read" in graded.evidence("env-override")


def test_only_unreadable_logs_fail_env_override_and_nothing_else(student, grade):
    chapter(student, skip=("override",))
    cid = student.docker("container", "run", "--detach", "--log-driver", "none",
                         "--env", "TARGET=example.com", "diamol/ch03-web-ping").strip()
    student.docker("container", "stop", cid)
    graded = grade()
    assert graded.points() == {**ALL, "env-override": 0}
    assert graded.status("env-override") == "failed"
    assert "logs cannot be read" in graded.check("env-override")["message"]
    assert graded.code == 1
    graded.assert_hint_shown("env-override")


@pytest.mark.parametrize("prelude", [
    'process.stdout.write("x".repeat(100000) + "\\n");\n',
    'for (;;) { console.log("spam spam spam spam spam spam spam spam"); }\n',
], ids=["100kb-before-start-line", "prints-without-end"])
def test_image_printing_too_much_fails_the_probe(student, grade, prelude):
    chapter(student, skip=("web-ping",))
    student.build("web-ping", WEB_PING, {"app.js": prelude + student.web_ping_app()}, folder="web-ping")
    graded = grade()
    assert graded.points() == {**ALL, "web-ping-env-behavior": 0}
    assert graded.status("web-ping-env-behavior") == "failed"
    assert "more than 64 KB" in graded.check("web-ping-env-behavior")["message"]
    assert graded.report["fault"] is None and graded.code == 1
    graded.assert_hint_shown("web-ping-env-behavior")


# ---- pulled means pulled from a registry -------------------------------------------------------------

@pytest.fixture
def registry(tmp_path):
    """Debian's docker-registry on a loopback port of its own, storage in the test's folder."""
    from engines import free_port

    port = free_port()
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\nlog: {level: error}\n"
        f"storage: {{filesystem: {{rootdirectory: {tmp_path / 'registry'}}}}}\n"
        f"http: {{addr: 127.0.0.1:{port}}}\n")
    proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        import socket

        deadline = time.monotonic() + 20
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "the registry did not start"
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_pulled_needs_a_digest_of_that_repository(student, registry, tmp_path):
    pushed = f"{registry}/hello"
    student.docker("image", "tag", "diamol/ch02-hello-diamol", pushed)
    try:
        # Podman asks a registry for TLS unless told otherwise, even on loopback.
        plain = ["--tls-verify=false"] if PODMAN else []
        student.docker("image", "push", *plain, pushed)
        student.docker("image", "rm", pushed)
        student.docker("image", "pull", *plain, pushed)
        pulled_image_is_graded_as_pulled(student, registry, pushed, tmp_path)
    finally:
        # An untagged image keeps its digest reference; remove it so the stand-in is as before.
        digests = student.docker("image", "inspect", "--format", "{{range .RepoDigests}}{{.}} {{end}}",
                                 "diamol/ch02-hello-diamol").split()
        for ref in digests:
            if ref.startswith(registry + "/"):
                student.docker("image", "rm", ref, check=False)


# Engines that list a digest for every name of every image (Podman; Docker's containerd image
# store), so that `pulled` cannot tell a build or a tag from a pull there.
DIGEST_FOR_EVERY_NAME = ("podman", "docker26-containerd")


def pulled_image_is_graded_as_pulled(student, registry, pushed, tmp_path):
    # Same image, a name it was never pulled under: a tag is not a pull.
    student.docker("image", "tag", "diamol/ch02-hello-diamol", f"{registry}/tagged")
    # Built here under a Docker Hub name (what `docker load` of a build gives too): not pulled.
    student.build("diamol/built-here", "FROM diamol/base\nLABEL built=here\n")
    path = rubric(tmp_path, "\n".join([
        check("from-registry", "image", image=pushed, pulled=True),
        check("local-standin", "image", image="diamol/built-here", pulled=True),
        check("only-tagged", "image", image=f"{registry}/tagged", pulled=True),
        check("present", "image", image="diamol/ch02-hello-diamol"),
    ]))
    graded = run_grade("--rubric", str(path), host=student.host, tmp=tmp_path)
    assert graded.status("from-registry") == "passed"
    assert f"{pushed}@sha256:" in graded.evidence("from-registry")
    assert graded.status("present") == "passed"
    if ENGINE in DIGEST_FOR_EVERY_NAME:
        return  # a build and a tag carry digests there too: the limit rubrics/README.md states
    for check_id in ("local-standin", "only-tagged"):
        assert graded.status(check_id) == "failed"
        assert "was not pulled from a registry" in graded.check(check_id)["message"]
        assert "docker load" in graded.check(check_id)["message"]
    assert graded.code == 1


def test_a_container_check_can_allow_a_command_override(student, tmp_path):
    student.docker("container", "run", "diamol/base", "echo", "hello there")
    path = rubric(tmp_path, "\n".join([
        check("strict", "container", image="diamol/base", logs="hello there"),
        check("any-command", "container", image="diamol/base", logs="hello there", own_command=False),
    ]))
    graded = run_grade("--rubric", str(path), host=student.host, tmp=tmp_path)
    assert graded.status("strict") == "failed" and graded.status("any-command") == "passed"



# ---- history read the same from either builder (entries captured from Docker 20.10) ----------------

LEGACY = [  # newest first, as the engine gives them
    '/bin/sh -c #(nop)  CMD ["nodejs" "x"]',
    "/bin/sh -c #(nop) COPY dir:c1dfc96f29979ff3d8e101bcff0f551dc9147c9ec4819b97fc355a03df511d18 in . ",
    "/bin/sh -c #(nop)  ENV TARGET=a METHOD=HEAD INTERVAL=3000",
    "/bin/sh -c #(nop) COPY --chown=1000:1000file:ed8be0cb85c6e8d8306709bfcfd46f531e4db8c46a0bca4de04af27a0977"
    "55f5 in . ",
    "/bin/sh -c #(nop) WORKDIR /web-ping",
]
BUILDKIT = ['CMD ["nodejs" "x"]', "COPY . . # buildkit", "ENV TARGET=a METHOD=HEAD INTERVAL=3000",
            "COPY app.js . # buildkit", "WORKDIR /web-ping"]


@pytest.mark.parametrize("created_by", [LEGACY, BUILDKIT], ids=["legacy-builder", "buildkit"])
def test_history_steps_are_read_the_same_from_either_builder(created_by):
    from grader import history

    entries = [{"CreatedBy": c, "Comment": "" if c in LEGACY else "buildkit.dockerfile.v0"} for c in created_by]
    found = history.steps(entries)
    assert [s.instruction for s in found] == ["WORKDIR", "COPY", "ENV", "ENV", "ENV", "COPY", "CMD"]
    assert [s.keys() for s in found[2:5]] == [["TARGET"], ["METHOD"], ["INTERVAL"]]
    wants = [history.Want.parse(w) for w in
             ("WORKDIR /web-ping", "COPY app.js", "ENV TARGET", "ENV METHOD", "ENV INTERVAL", "COPY app.js", "CMD")]
    assert history.in_order(wants, found)[0] == len(wants)
    # A file that no source names, folder or wildcard covers is not copied (BuildKit names it).
    other = history.parse({"CreatedBy": "COPY other.js . # buildkit"})
    assert not history.Want.parse("COPY app.js").matches(other)
    assert history.Want.parse("COPY app.js").matches(history.parse({"CreatedBy": "COPY *.js ./ # buildkit"}))
