"""The project's engine behaves like a student's Docker: the book's `docker image pull` is served
offline by a loopback registry that the engine uses as its Docker Hub mirror, a name the mirror
lacks fails on loopback, and a `--publish` that this engine cannot honour is explained by
`grade ch02` with what to type there instead."""
from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from conftest import DOCKER, ENGINE, PODMAN, _sh, docker_only

WEB_PING = "diamol/ch03-web-ping"
# dockerd with the containerd image store pulls through containerd's resolver, which logs the
# hosts it asks rather than dockerd's "Trying to pull NAME from MIRROR".
CONTAINERD_STORE = ENGINE == "docker26-containerd"


@pytest.fixture
def mirrored(student, mirror):
    if not mirror:
        pytest.skip("a given engine (GRADE_TEST_DOCKER_HOST) has no loopback mirror of ours")
    return mirror


def engine_log(student) -> Path:
    """scripts/engine keeps the engine's log (engine.log) beside its data root."""
    root = student.docker("info", "--format", "{{.Store.GraphRoot}}" if PODMAN else "{{.DockerRootDir}}")
    return Path(root.strip()).parent / "engine.log"


def logged_during(student, *args: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run `docker ARGS`; return how it ended and what the engine logged meanwhile."""
    log = engine_log(student)
    start = log.stat().st_size
    result = subprocess.run([DOCKER, *args], env=student.env(), text=True, capture_output=True,
                            timeout=60)
    with log.open("rb") as f:
        f.seek(start)
        return result, f.read().decode(errors="replace")


def inspect(student, ref: str) -> dict:
    return json.loads(student.docker("image", "inspect", ref))[0]


def served_digest(mirror: str, name: str) -> str:
    """The digest of the manifest the mirror serves for NAME:latest."""
    request = urllib.request.Request(f"{mirror}/v2/{name}/manifests/latest", method="HEAD", headers={
        "Accept": "application/vnd.docker.distribution.manifest.v2+json, "
                  "application/vnd.oci.image.manifest.v1+json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    with opener.open(request, timeout=10) as response:
        return response.headers["Docker-Content-Digest"]


def test_the_books_first_pull_is_served_by_the_mirror_with_a_digest(student, mirrored):
    before = inspect(student, WEB_PING)
    # Another name holds the image while its own is gone, so the stand-in's build history stays.
    student.docker("image", "tag", WEB_PING, "grade-test-held")
    pulled = None
    try:
        student.docker("image", "rm", WEB_PING)
        pulled, log = logged_during(student, "image", "pull", WEB_PING)
    finally:
        # Its own name back if the pull failed: on Podman a short name would make a localhost/ one.
        if pulled is None or pulled.returncode != 0:
            student.docker("image", "tag", "grade-test-held", before["RepoTags"][0])
        student.docker("image", "rm", "grade-test-held")
    assert pulled is not None and pulled.returncode == 0, pulled
    out = pulled.stdout + pulled.stderr  # Podman prints its progress on stderr, the id on stdout
    after = inspect(student, WEB_PING)
    assert after["Id"] == before["Id"]
    # The digest is the one the mirror serves, under the name typed (Podman's is docker.io/...).
    digest = served_digest(mirrored, WEB_PING)
    assert f"{WEB_PING}@{digest}" in [d.removeprefix("docker.io/") for d in after["RepoDigests"]], \
        after["RepoDigests"]
    if PODMAN:
        # Podman names Docker Hub; docker.io itself is blocked, so only the mirror can have served it.
        assert f"Trying to pull docker.io/{WEB_PING}:latest..." in out
        assert pulled.stdout.strip() == after["Id"].removeprefix("sha256:")  # the image's id
    else:
        assert f"Pulling from {WEB_PING}" in out and f"Downloaded newer image for {WEB_PING}:latest" in out
        assert f"Digest: {digest}" in out
        if CONTAINERD_STORE:
            assert f'msg=resolving host="{mirrored.removeprefix("http://")}"' in log
        else:
            assert f"Trying to pull {WEB_PING} from {mirrored}/" in log


def test_a_name_the_mirror_lacks_fails_on_loopback(student, mirrored):
    result, log = logged_during(student, "image", "pull", "diamol/no-such-image")
    assert result.returncode != 0
    address = mirrored.removeprefix("http://")
    if PODMAN:
        # The mirror said it has no such image; docker.io itself is blocked in registries.conf.
        assert f"Mirrors also failed: [{address}/diamol/no-such-image:latest" in result.stderr, result.stderr
        assert "manifest unknown" in result.stderr
        assert "registry docker.io is blocked" in result.stderr
        assert "registry-1.docker.io" not in log  # never tried, not even through the proxy
    else:
        # The daemon asked the mirror, then its Docker Hub fallback hit the closed loopback proxy.
        assert "127.0.0.1:9" in result.stderr and "connection refused" in result.stderr, result.stderr
        if CONTAINERD_STORE:
            assert f'"trying next host - response was http.StatusNotFound" host="{address}"' in log
        else:
            assert f"Trying to pull diamol/no-such-image from {mirrored}/" in log
        assert "lookup registry-1.docker.io" not in log


def test_the_registry_listens_on_loopback_only(mirrored):
    port = mirrored.rsplit(":", 1)[1]
    listening = _sh("ss", "-Hltn", f"sport = :{port}").stdout.split()
    assert f"127.0.0.1:{port}" in listening, listening
    assert f"0.0.0.0:{port}" not in listening and f"*:{port}" not in listening


# ---- chapter 2's --publish on an engine with no default bridge -------------------------------------
# Not on Podman: it discards the port mappings of a container whose network mode is none (our
# engine's default, containers.conf netns), so the container keeps nothing to explain; and a
# network of one's own there would be a bridge that changes the machine's firewall.
DISCARDS_PORTS = "Podman discards --publish under network mode none, leaving no PortBindings"


@pytest.fixture
def no_bridge(student):
    if PODMAN:
        pytest.skip(DISCARDS_PORTS)
    if "bridge" in student.docker("network", "ls", "--format", "{{.Name}}").split():
        pytest.skip("this engine has a default bridge, so --publish 8088:80 works as the book says")


def test_publish_on_an_engine_without_bridge_is_explained(student, grade, no_bridge):
    # Exactly as the book says; on this engine nothing is bound, so port 8088 stays free.
    cid = student.docker("container", "run", "--detach", "--publish", "8088:80",
                         "diamol/ch02-hello-diamol-web").strip()
    name = student.docker("container", "inspect", "--format", "{{.Name}}", cid).strip().lstrip("/")
    graded = grade("ch02")
    port = graded.check("web-port")
    assert port["status"] == "failed"
    assert port["message"].startswith(f"{name} asked for 8088:80/tcp (HostConfig.PortBindings), but "
                                      "nothing is published: this engine has no default bridge network")
    fix = ("docker container run --detach --network ch02 --publish 127.0.0.1:8088:80 "
           "diamol/ch02-hello-diamol-web")
    assert "`docker network create ch02`" in port["hint"] and fix in port["hint"]
    assert f"docker container rm -f {name}" in port["hint"]
    assert port["hint"] in graded.out
    korean = grade("ch02", "--lang", "ko").check("web-port")
    assert "이 엔진에는 기본 브리지 네트워크가 없습니다" in korean["message"] and fix in korean["hint"]


@pytest.mark.usefixtures("port8088")
def test_the_suggested_commands_publish_the_page(student, grade, no_bridge):
    """What the hint says, typed on this engine, earns the check and serves the page."""
    student.docker("network", "create", "ch02")
    try:
        student.docker("container", "run", "--detach", "--network", "ch02", "--publish",
                       "127.0.0.1:8088:80", "diamol/ch02-hello-diamol-web")
        graded = grade("ch02")
        assert graded.status("web-port") == "passed", graded.check("web-port")["message"]
    finally:
        ids = student.docker("container", "ls", "--all", "--quiet", "--filter", "network=ch02").split()
        if ids:
            student.docker("container", "rm", "--force", *ids, check=False)
        student.docker("network", "rm", "ch02", check=False)


@docker_only(DISCARDS_PORTS)
def test_network_none_is_explained(student, grade):
    student.docker("container", "run", "--detach", "--network", "none", "--publish", "8088:80",
                   "diamol/ch02-hello-diamol-web")
    port = grade("ch02").check("web-port")
    assert "its network mode is none (--network none), which publishes no port" in port["message"]
    assert port["hint"] == "Run it again without `--network none`."

