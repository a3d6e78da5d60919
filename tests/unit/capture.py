"""Recapture tests/unit/data/ENGINE.json: build a small scenario on a running engine, grade
every case of cases.py through the real Engine, and record each answer the checks asked for
(inspect, history, logs, files, probes, HTTP answers). The scenario is removed afterwards.

    eval "$(GRADE_ENGINE_DIR=/tmp/my-engine bash scripts/engine start)"
    python3 tests/unit/capture.py docker20          # or docker26, docker26-containerd, podman
    GRADE_ENGINE_DIR=/tmp/my-engine bash scripts/engine stop

It uses the docker CLI on PATH (DOCKER for another one) and /bin/busybox (busybox-static).
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from cases import BASE, CASES, COMMITTED, IMAGE  # noqa: E402

from grader.checks import KINDS  # noqa: E402
from grader.checks import http as http_kind  # noqa: E402
from grader.engine import connect  # noqa: E402

DOCKER = os.environ.get("DOCKER", "docker")
NAMES = ("pinger", "created-only", "site", "once")
NETWORK = "grade-unit"


def docker(*args: str, check: bool = True) -> str:
    return subprocess.run([DOCKER, *args], check=check, text=True, capture_output=True).stdout.strip()


def build(folder: Path) -> None:
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


def remove() -> None:
    docker("container", "rm", "--force", *NAMES, check=False)
    docker("image", "rm", "--force", COMMITTED, IMAGE, BASE, check=False)
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
               "inspect_container", "logs", "read_file", "read_container_file", "probe", "published_host")

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


def main(kind: str) -> None:
    remove()
    with tempfile.TemporaryDirectory() as folder:
        try:
            build(Path(folder))
            engine = connect()
            recorder = Recorder(engine)
            answers: dict[str, object] = {}
            real_get = http_kind.get

            def get(url, timeout, cap):
                answer = real_get(url, timeout, cap)
                status, body, truncated, error = answer  # the error (a text) is kept in English
                answers[json.dumps([url, cap])] = encode((status, body, truncated, error("en") if error else ""))
                return answer
            http_kind.get = get
            verdicts = {}
            try:
                for case, kind_name, params, _ in CASES:
                    verdicts[case] = KINDS[kind_name](params).evaluate(recorder).passed
            finally:
                http_kind.get = real_get
                engine.cleanup()
        finally:
            remove()
    wrong = [c for c, _, _, passes in CASES if verdicts[c] != passes]
    if wrong:
        sys.exit(f"on this engine these cases did not reach their verdict: {', '.join(wrong)}")
    info = {k: v for k, v in recorder.info.items() if k != "address"}
    out = HERE / "data" / f"{kind}.json"
    out.write_text(json.dumps({"engine": kind, "info": info, "calls": recorder.calls, "http": answers},
                              indent=1, sort_keys=True) + "\n")
    print(f"wrote {out} ({len(recorder.calls)} answers)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docker20")
