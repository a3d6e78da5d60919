"""Extra engines for fault tests: throwaway, TLS-only, behind a slow proxy. All on this machine."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = str(ROOT / "scripts" / "engine")


def reap(engine_dir: Path) -> None:
    """Remove what an engine left if it was killed: its containerd, shims and their containers'
    processes, and its mounts; then its folder. A stopped engine leaves none of these."""
    root = str(engine_dir)
    shims, ids = [], []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if root in cmd or cwd.startswith(root):
            shims.append(int(entry.name))
            if "-id " in cmd:
                ids.append(cmd.split("-id ", 1)[1].split()[0])
    if ids:  # the containers' own processes: their cgroup names the container id
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if any(i in (entry / "cgroup").read_text() for i in ids):
                        shims.append(int(entry.name))
    for pid in shims:
        with contextlib.suppress(OSError):
            os.kill(pid, 9)
    mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    for point in sorted((m for m in mounts if m.startswith(root)), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
    shutil.rmtree(engine_dir, ignore_errors=True)


@contextlib.contextmanager
def throwaway_engine(extra_args: str = ""):
    """A private engine of its own, of the kind the tests run on, for tests that break it; yields
    (unix host, engine dir); the engine's process id is in engine.pid there."""
    engine_dir = tempfile.mkdtemp(prefix="grade-fault-engine-")
    env = {**os.environ, "GRADE_ENGINE_DIR": engine_dir, "GRADE_ENGINE_ARGS": extra_args,
           "GRADE_ENGINE_KIND": os.environ.get("GRADE_TEST_ENGINE") or "docker20"}
    try:
        subprocess.run([ENGINE, "start"], env=env, check=True, capture_output=True, text=True)
        host = subprocess.run([ENGINE, "host"], env=env, check=True, capture_output=True,
                              text=True).stdout.strip()
        yield host, Path(engine_dir)
    finally:
        subprocess.run([ENGINE, "stop"], env=env, capture_output=True)
        reap(Path(engine_dir))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(folder: Path) -> tuple[Path, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate; returns (server dir,
    client dir) laid out as dockerd and DOCKER_CERT_PATH expect."""
    server, client = folder / "server", folder / "client"
    server.mkdir(parents=True)
    client.mkdir()

    def ssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=grade test CA",
        "-keyout", "ca-key.pem", "-out", "ca.pem")
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    (folder / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}-key.pem",
            "-out", f"{name}.csr")
        ssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
            "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}-cert.pem")
    for target, prefix in ((server, "server"), (client, "client")):
        shutil.copy(folder / "ca.pem", target / "ca.pem")
        shutil.copy(folder / f"{prefix}-cert.pem", target / "cert.pem")
        shutil.copy(folder / f"{prefix}-key.pem", target / "key.pem")
    return server, client


class SlowProxy:
    """A unix-socket proxy in front of a real engine that holds every answer back for `delay` s
    and may rewrite answers with `transform`."""

    def __init__(self, upstream: str, path: Path, delay: float = 0.0, transform=None):
        self.upstream, self.path, self.delay = upstream, path, delay
        self.transform = transform or (lambda data: data)
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(str(path))
        self.server.listen(16)
        self.stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def host(self) -> str:
        return f"unix://{self.path}"

    def _serve(self):
        while not self.stopped:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.upstream)
            threading.Thread(target=self._pipe, args=(client, upstream, 0, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, self.delay, self.transform),
                             daemon=True).start()

    @staticmethod
    def _pipe(src, dst, delay, transform):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                time.sleep(delay)
                dst.sendall(transform(data) if transform else data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def close(self):
        self.stopped = True
        self.server.close()


def as_windows(data: bytes) -> bytes:
    """Make an engine's /version answer say it runs Windows containers (fixing Content-Length)."""
    if b'"Os":"linux"' not in data:
        return data
    head, sep, body = data.partition(b"\r\n\r\n")
    body = body.replace(b'"Os":"linux"', b'"Os":"windows"')
    head = re.sub(rb"(?i)content-length: \d+", b"Content-Length: %d" % len(body), head)
    return head + sep + body
