"""Recapture tests/unit/data/ENGINE.json: build a small scenario on a running engine, grade
every case of cases.py through the real Engine, and record each answer the checks asked for
(inspect, history, logs, files, probes, volumes, HTTP answers, a registry's API answers). The
scenario is removed afterwards.

The scenario: a busybox base image, an image built on it and a commit of one of its containers;
containers running, exited, never started and publishing a port; a named volume holding a file
and one that nothing uses; a container with a read-only bind mount, a volume and a tmpfs; and a
registry (this machine's docker-registry, as the chapter 5 stand-in) in a container, holding one
pushed repository and one whose manifest was deleted.

    eval "$(GRADE_ENGINE_DIR=/tmp/my-engine bash scripts/engine start)"
    python3 tests/unit/capture.py docker20          # or docker26, docker26-containerd, podman
    GRADE_ENGINE_DIR=/tmp/my-engine bash scripts/engine stop

It uses the docker CLI on PATH (DOCKER for another one, e.g. scripts/podman-docker for Podman),
/bin/busybox (busybox-static) and /usr/bin/docker-registry (docker-registry).
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from cases import BASE, CASES, COMMITTED, DELETED_REPO, IMAGE, PUSHED_REPO, REGISTRY, SPARE_VOLUME, VOLUME, verdict  # noqa: E402

from grader.checks import KINDS  # noqa: E402
from grader.checks import http as http_kind  # noqa: E402
from grader.checks import registry as registry_kind  # noqa: E402
from grader.engine import connect  # noqa: E402

DOCKER = os.environ.get("DOCKER", "docker")
NAMES = ("pinger", "created-only", "site", "once", "writer", "mounts", "registry")
NETWORK = "grade-unit"
MANIFESTS = ("application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, "
             "application/vnd.oci.image.index.v1+json")


def docker(*args: str, check: bool = True) -> str:
    return subprocess.run([DOCKER, *args], check=check, text=True, capture_output=True).stdout.strip()


def build(folder: Path) -> None:
    """The scenario (see the module doc); the names it uses are cases.py's."""
    root = folder / "rootfs"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "busybox").write_bytes(Path("/bin/busybox").read_bytes())
    (root / "bin" / "busybox").chmod(0o755)
    for tool in ("sh", "echo", "sleep", "httpd", "cat"):
        (root / "bin" / tool).symlink_to("busybox")
    tar = subprocess.run(["tar", "-C", str(root), "-c", "."], check=True, capture_output=True).stdout
    subprocess.run([DOCKER, "image", "import", "-", BASE], input=tar, check=True, capture_output=True)
    (folder / "app.txt").write_text("hello from the image\n")
    (folder / "Dockerfile").write_text(
        f"FROM {BASE}\nENV TARGET=example.com\nCOPY app.txt /app/app.txt\n"
        'CMD ["/bin/sh", "-c", "echo pinging $TARGET; sleep 3600"]\n')
    docker("image", "build", "--tag", IMAGE, str(folder))
    docker("network", "create", NETWORK)
    docker("container", "run", "--detach", "--name", "pinger", "--env", "TARGET=google.com", IMAGE)
    docker("container", "create", "--name", "created-only", IMAGE)
    docker("container", "run", "--name", "once", IMAGE, "/bin/sh", "-c", "echo done")
    docker("container", "run", "--detach", "--name", "site", "--network", NETWORK,
           "--publish", "127.0.0.1:8099:80", IMAGE, "httpd", "-f", "-p", "80", "-h", "/app")
    docker("container", "exec", "site", "/bin/sh", "-c", "echo changed in the container > /app/app.txt")
    docker("container", "commit", "pinger", COMMITTED)
    volumes(folder)
    registry(folder)


def volumes(folder: Path) -> None:
    """A volume a container wrote a file into, one nothing uses, and a never-started container
    with three kinds of mount."""
    docker("container", "run", "--name", "writer", "--volume", f"{VOLUME}:/data", IMAGE,
           "/bin/sh", "-c", "echo kept in the volume > /data/note.txt")
    docker("volume", "create", SPARE_VOLUME)
    (folder / "config").mkdir()
    docker("container", "create", "--name", "mounts",
           "--mount", f"type=bind,source={folder / 'config'},target=/config,readonly",
           "--mount", f"type=volume,source={VOLUME},target=/data",
           "--mount", "type=tmpfs,target=/scratch", "--tmpfs", "/cache", IMAGE)


def registry(folder: Path) -> None:
    """This machine's docker-registry in a container, published on a free loopback port: IMAGE
    pushed to PUSHED_REPO, COMMITTED pushed to DELETED_REPO and its manifest deleted."""
    context = folder / "registry"
    binary = Path(os.path.realpath(shutil.which("docker-registry") or "/usr/bin/docker-registry"))
    files = context / "files"
    (files / "registry").mkdir(parents=True)
    shutil.copy(binary, files / "registry" / "registry")
    (files / "registry" / "config.yml").write_text(
        "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n"
        "  delete:\n    enabled: true\nhttp:\n  addr: :5000\n")
    libs = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    for lib in [w for w in libs.split() if w.startswith("/")]:
        (files / lib.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(lib, files / lib.lstrip("/"))
    (context / "Dockerfile").write_text(
        f"FROM {BASE}\nCOPY files /\nENTRYPOINT [\"/registry/registry\"]\nCMD [\"serve\", \"/registry/config.yml\"]\n")
    docker("image", "build", "--tag", REGISTRY, str(context))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    docker("container", "run", "--detach", "--name", "registry", "--restart", "always", "--network", NETWORK,
           "--publish", f"127.0.0.1:{port}:5000", REGISTRY)
    base = f"http://127.0.0.1:{port}/v2/"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
    for _ in range(50):
        try:
            opener.open(base, timeout=2).close()
            break
        except OSError:
            time.sleep(0.2)
    # Podman asks every registry for HTTPS unless told otherwise; Docker trusts loopback.
    plain = ["--tls-verify=false"] if docker("--version").startswith("podman") else []
    for image, repo in ((IMAGE, PUSHED_REPO), (COMMITTED, DELETED_REPO)):
        docker("image", "tag", image, f"127.0.0.1:{port}/{repo}:v1")
        docker("image", "push", *plain, f"127.0.0.1:{port}/{repo}:v1")
    head = urllib.request.Request(f"{base}{DELETED_REPO}/manifests/v1", method="HEAD", headers={"Accept": MANIFESTS})
    with opener.open(head, timeout=10) as answer:
        digest = answer.headers["Docker-Content-Digest"]
    opener.open(urllib.request.Request(f"{base}{DELETED_REPO}/manifests/{digest}", method="DELETE"), timeout=10).close()


def remove() -> None:
    """What build() made, also what a failed build left."""
    docker("container", "rm", "--force", "--volumes", *NAMES, check=False)
    docker("volume", "rm", "--force", VOLUME, SPARE_VOLUME, check=False)
    ours = (REGISTRY, COMMITTED, IMAGE, BASE)
    ids = docker("image", "inspect", "--format", "{{.Id}}", *ours, check=False).split()
    tags = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", check=False).splitlines()
    pushed = [t for t in tags if f"/{PUSHED_REPO}:" in t or f"/{DELETED_REPO}:" in t]
    for ref in [*pushed, *ours, *ids]:
        docker("image", "rm", "--force", ref, check=False)
    docker("network", "rm", NETWORK, check=False)


def encode(value):
    """JSON for an engine answer: records as dicts, bytes as base64."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__record__": type(value).__name__, **{k: encode(v) for k, v in dataclasses.asdict(value).items()}}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


class Recorder:
    """The real engine, with every answer a check got written down under (method, arguments)."""

    METHODS = ("image", "tags", "tags_by_image", "all_tags", "history", "container", "containers_from",
               "containers_of_older", "inspect_container", "image_ids_are_configs", "logs", "read_file",
               "read_container_file", "probe", "published_host", "volume", "volume_users", "read_volume_file",
               "volume_names")

    def __init__(self, engine):
        self.engine = engine
        self.info = engine.info
        self.calls: dict[str, object] = {}

    def __getattr__(self, name):
        if name not in self.METHODS:
            raise AttributeError(name)
        real = getattr(self.engine, name)

        def recorded(*args, **kwargs):
            value = real(*args, **kwargs)
            if name == "containers_from":
                value = list(value)
            self.calls[key(name, args, kwargs)] = encode(value)
            return value
        return recorded


def key(name: str, args: tuple, kwargs: dict) -> str:
    return json.dumps([name, list(args), kwargs], sort_keys=True)


def http_key(url: str, cap: int, method: str) -> str:
    return json.dumps([method, url, cap])


def main(kind: str) -> None:
    remove()
    with tempfile.TemporaryDirectory() as folder:
        try:
            build(Path(folder))
            engine = connect()
            recorder = Recorder(engine)
            answers: dict[str, object] = {}
            real_get = http_kind.get

            def get(url, timeout, cap, method="GET", headers=None):
                answer = real_get(url, timeout, cap, method=method, headers=headers)
                status, body, truncated, error = answer  # the error (a text) is kept in English
                answers[http_key(url, cap, method)] = encode((status, body, truncated, error("en") if error else ""))
                return answer
            # The http and registry kinds each hold their own name for get().
            http_kind.get = registry_kind.get = get
            verdicts, messages = {}, {}
            try:
                for case, kind_name, params, _ in CASES:
                    outcome = KINDS[kind_name](params).evaluate(recorder)
                    verdicts[case], messages[case] = outcome.passed, outcome.message("en")
            finally:
                http_kind.get = registry_kind.get = real_get
                engine.cleanup()
        finally:
            remove()
    wrong = [c for c, _, _, passes in CASES if verdicts[c] != verdict(passes, kind)]
    if wrong:
        sys.exit("on this engine these cases did not reach their verdict:\n"
                 + "\n".join(f"  {c}: {messages[c]}" for c in wrong))
    info = {k: v for k, v in recorder.info.items() if k != "address"}
    out = HERE / "data" / f"{kind}.json"
    out.write_text(json.dumps({"engine": kind, "info": info, "calls": recorder.calls, "http": answers},
                              indent=1, sort_keys=True) + "\n")
    print(f"wrote {out} ({len(recorder.calls)} answers)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docker20")
