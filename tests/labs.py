"""What the chapter 4-6 scenario tests share: a network of the test's own (the test engine has no
default bridge); the lab's reference solution; and removing the volumes a test made. The host
ports the book fixes are taken in turn with conftest.fixed_ports."""
from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import uuid

from conftest import DOCKER, ROOT, snapshot


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def lab_network(student):
    """A network of the test's own; on leaving, what the test made is removed: its containers with
    their anonymous volumes, then the named volumes it created, then the network."""
    name = f"grade-test-{uuid.uuid4().hex[:8]}"
    before = snapshot(student.host)
    student.docker("network", "create", name)
    try:
        yield name
    finally:
        after = snapshot(student.host)
        ids = [line.split()[0] for line in set(after["containers"]) - set(before["containers"])]
        if ids:
            student.docker("container", "rm", "--force", "--volumes", *ids, check=False)
        volumes = sorted(set(after["volumes"]) - set(before["volumes"]))
        if volumes:
            student.docker("volume", "rm", "--force", *volumes, check=False)
        student.docker("network", "rm", name, check=False)


def containers_of(student, image: str) -> list[str]:
    """Ids of the containers created from an image, by its bare id: Podman's `ancestor=` filter
    does not resolve a short name (ch04-lab:optimized is localhost/ch04-lab:optimized there)."""
    image_id = student.docker("image", "inspect", "--format", "{{.Id}}", image, check=False).strip()
    if not image_id:  # no such image yet
        return []
    return student.docker("container", "ls", "-aq", "--filter",
                          f"ancestor={image_id.removeprefix('sha256:')}").split()


def solution(student, chapter: str, **env) -> str:
    """The lab's solution.sh as the student types it; returns what it printed on stderr."""
    result = subprocess.run(["bash", str(ROOT / "labs" / chapter / "solution.sh")],
                            env=student.env(DOCKER=DOCKER, **env), text=True, capture_output=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stderr


def wait_for(url: str, pattern: str = "", seconds: float = 15) -> str:
    """The page at a loopback url once it answers (and shows `pattern`); no proxy."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + seconds
    while True:
        try:
            with opener.open(url, timeout=5) as response:
                body = response.read().decode("utf-8", "replace")
                if pattern in body:
                    return body
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer with {pattern!r}"
        time.sleep(0.2)


def failing(graded) -> dict[str, str]:
    """Check id -> status for every check that did not pass."""
    return {c["id"]: c["status"] for c in graded.report["checks"] if c["status"] != "passed"}
