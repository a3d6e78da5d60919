"""Engine: a thin, read-only view of one Docker Engine for the length of a grading run.

Connects the way the docker CLI does, translates every failure into EngineError (never a
traceback), memoises what checks share, and owns the grader's probe containers.
"""
from __future__ import annotations

import os
import re
import socket
import ssl
import sys
import tarfile
import threading
import time
import uuid
from dataclasses import dataclass

from . import match, refs
from .journal import Journal
from .text import Text

PROBE_LABEL = "org.grade.probe"
RUN_LABEL = "org.grade.run"
STARTED_LABEL = "org.grade.started"
DEFAULT_TIMEOUT = 10.0  # seconds per API call; docker's own 60 s is too long at a prompt
LOG_TAIL = 200
LOG_HEAD = 64_000  # bytes of start-up output read before the tail; long logs are never read whole
FILE_CAP = 1_000_000
PROBE_OUTPUT = 64_000  # bytes of a probe's output read at most
PROBE_NANO_CPUS = 500_000_000  # 0.5 CPU
PROBE_TMPFS = "rw,nosuid,nodev,size=16m"


class EngineError(Exception):
    """The engine could not be reached or failed: never the student's fault."""

    def __init__(self, message: Text, address: str = ""):
        super().__init__(message.en)
        self.message = message
        self.address = address


class EngineUnavailable(EngineError):
    """Could not connect at all."""


class ObjectError(Exception):
    """One student object (an image, a container) could not be used: a probe of it cannot start,
    its logs or files cannot be read. The engine answered, so this is evidence for the check that
    asked (failed, or that candidate skipped), never an engine fault."""

    def __init__(self, message: Text):
        super().__init__(message.en)
        self.message = message


# What the runtime says when a student's image or container, not the engine, is at fault.
OBJECT_FAULTS = re.compile(
    r"executable file not found|no such file or directory|unable to find (user|group)|"
    r"no matching entries in (passwd|group)|permission denied|exec format error|not a directory|"
    r"is a directory|does not support reading|logging driver|cannot (read|open)|invalid argument",
    re.I)


@dataclass
class ProbeResult:
    output: str
    exit_code: int | None
    matched: bool
    timed_out: bool
    seconds: float
    overflowed: bool = False  # printed more than PROBE_OUTPUT without the expected line


@dataclass
class FileRead:
    size: int
    content: bytes
    truncated: bool
    is_dir: bool = False


def _causes(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        for arg in getattr(exc, "args", ()):
            if isinstance(arg, BaseException):
                yield from _causes(arg)
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "reason", None)
        if not isinstance(exc, BaseException):
            exc = None


def explain_connect_failure(exc: BaseException, address: str) -> Text:
    """One paragraph: what was tried, what went wrong, what to do."""
    causes = list(_causes(exc))
    text = " ".join(str(c) for c in causes)
    sock = address[len("unix://"):] if address.startswith("unix://") else ""
    if address.startswith("npipe:") and sys.platform != "win32":
        return Text(
            f"Cannot reach the Docker Engine at {address}: npipe:// is a Windows named pipe, and this "
            "system is not Windows. Set DOCKER_HOST (or --host) to a unix:// socket or a tcp:// address.",
            f"{address}에서 Docker 엔진에 연결할 수 없습니다. npipe://는 Windows의 named pipe인데 이 시스템은 "
            "Windows가 아닙니다. DOCKER_HOST(또는 --host)를 unix:// 소켓이나 tcp:// 주소로 설정하세요.")
    if address.startswith("npipe:") and (any(isinstance(c, FileNotFoundError) for c in causes)
                                         or "cannot find the file" in text or "(2," in text):
        return Text(
            f"Cannot reach the Docker Engine at {address}: the named pipe does not exist, so Docker "
            "Desktop (or Podman machine) is not running. Start it, wait until it says it is running, "
            "and run `grade` again. If your engine listens elsewhere, set DOCKER_HOST or use --host.",
            f"{address}에서 Docker 엔진에 연결할 수 없습니다. named pipe가 없으니 Docker Desktop(또는 Podman "
            "machine)이 실행 중이 아닙니다. 실행하고 준비될 때까지 기다린 뒤 `grade`를 다시 실행하세요. "
            "엔진이 다른 주소에 있다면 DOCKER_HOST를 설정하거나 --host를 쓰세요.")
    if sock and "podman" in sock and not os.path.exists(sock):
        return Text(
            f"Cannot reach Podman at {address}: the socket does not exist, so Podman's API service is "
            "not running. Start it (`systemctl --user enable --now podman.socket`, or as root "
            "`sudo systemctl enable --now podman.socket`; on a Mac or Windows `podman machine start`) "
            "and run `grade` again.",
            f"{address}에서 Podman에 연결할 수 없습니다. 소켓 파일이 없으니 Podman API 서비스가 실행 중이 "
            "아닙니다. 서비스를 시작하고(`systemctl --user enable --now podman.socket`, root라면 "
            "`sudo systemctl enable --now podman.socket`, Mac이나 Windows에서는 `podman machine start`) "
            "`grade`를 다시 실행하세요.")
    if sock and not os.path.exists(sock):
        return Text(
            f"Cannot reach the Docker Engine at {address}: the socket does not exist, so Docker is "
            "not running. Start Docker (Docker Desktop, or `sudo systemctl start docker`) and run "
            "`grade` again. If your engine listens elsewhere, set DOCKER_HOST or use --host.",
            f"{address}에서 Docker 엔진에 연결할 수 없습니다. 소켓 파일이 없으니 Docker가 실행 중이 아닙니다. "
            "Docker를 시작하고(Docker Desktop 또는 `sudo systemctl start docker`) `grade`를 다시 실행하세요. "
            "엔진이 다른 주소에 있다면 DOCKER_HOST를 설정하거나 --host를 쓰세요.")
    if any(isinstance(c, PermissionError) for c in causes) or "Permission denied" in text:
        return Text(
            f"Cannot reach the Docker Engine at {address}: permission denied on the socket. Add "
            "yourself to the docker group (`sudo usermod -aG docker $USER`, then log out and in) or "
            "run `sudo grade ...`.",
            f"{address}에서 Docker 엔진에 연결할 수 없습니다. 소켓에 접근 권한이 없습니다. "
            "docker 그룹에 사용자를 추가하거나(`sudo usermod -aG docker $USER` 후 다시 로그인) "
            "`sudo grade ...`로 실행하세요.")
    if any(isinstance(c, ssl.SSLError) for c in causes) or "SSL" in text or "certificate" in text:
        return Text(
            f"Cannot reach the Docker Engine at {address}: the TLS handshake failed ({_short(causes)}). "
            "Check that DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem for this engine and "
            "that DOCKER_TLS_VERIFY is set only for TLS engines.",
            f"{address}에서 Docker 엔진에 연결할 수 없습니다. TLS 연결에 실패했습니다({_short(causes)}). "
            "DOCKER_CERT_PATH에 이 엔진의 ca.pem, cert.pem, key.pem이 있는지, TLS 엔진일 때만 "
            "DOCKER_TLS_VERIFY를 설정했는지 확인하세요.")
    if "HTTPS server" in text or "TLS" in text:
        return Text(
            f"Cannot reach the Docker Engine at {address}: it speaks TLS but the client does not. "
            "Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the engine's client certificates.",
            f"{address}의 Docker 엔진은 TLS를 쓰는데 클라이언트 설정에는 TLS가 없습니다. "
            "DOCKER_TLS_VERIFY=1과 DOCKER_CERT_PATH(클라이언트 인증서 폴더)를 설정하세요.")
    if any(isinstance(c, (socket.timeout, TimeoutError)) for c in causes) or "timed out" in text:
        return Text(
            f"The Docker Engine at {address} did not answer in time. Check that it is running and "
            "not overloaded, or give it longer with --call-timeout.",
            f"{address}의 Docker 엔진이 제시간에 응답하지 않았습니다. 엔진이 실행 중이고 과부하가 "
            "아닌지 확인하거나 --call-timeout으로 시간을 늘리세요.")
    if any(isinstance(c, socket.gaierror) for c in causes) or "resolve" in text.lower():
        return Text(
            f"Cannot reach the Docker Engine at {address}: that host name does not resolve. Check "
            "DOCKER_HOST (or --host).",
            f"{address}에서 Docker 엔진에 연결할 수 없습니다. 호스트 이름을 찾을 수 없습니다. "
            "DOCKER_HOST(또는 --host)를 확인하세요.")
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text:
        return Text(
            f"Cannot reach the Docker Engine at {address}: the connection was refused, so no engine "
            "is listening there. Start Docker, or point DOCKER_HOST (or --host) at your engine.",
            f"{address}에서 Docker 엔진에 연결할 수 없습니다. 연결이 거부되었으니 그 주소에서 엔진이 "
            "실행 중이 아닙니다. Docker를 시작하거나 DOCKER_HOST(또는 --host)를 엔진 주소로 설정하세요.")
    return Text(
        f"Cannot reach the Docker Engine at {address}: {_short(causes)}. Check that Docker is "
        "running and that DOCKER_HOST (or --host) points at it.",
        f"{address}에서 Docker 엔진에 연결할 수 없습니다: {_short(causes)}. Docker가 실행 중인지, "
        "DOCKER_HOST(또는 --host)가 올바른지 확인하세요.")


def _short(causes) -> str:
    last = causes[-1] if causes else None
    msg = str(last) if last else "unknown error"
    return msg if len(msg) < 200 else msg[:200] + "..."


def default_addresses(platform: str | None = None, env=None, home: str | None = None) -> list[str]:
    """Where engines listen when neither --host, DOCKER_HOST nor a docker CLI context says, most
    usual first: Docker's own default, then Docker Desktop's, rootless Docker's and Podman's."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    if platform == "win32":  # Docker Desktop's named pipe; Podman machine's own
        return ["npipe:////./pipe/docker_engine", "npipe:////./pipe/podman-machine-default"]
    home = (home or os.path.expanduser("~")).rstrip("/")
    if platform == "darwin":  # /var/run/docker.sock exists only if Docker Desktop may link it
        return ["unix:///var/run/docker.sock",
                f"unix://{home}/.docker/run/docker.sock",
                f"unix://{home}/.local/share/containers/podman/machine/podman.sock",
                f"unix://{home}/.local/share/containers/podman/machine/qemu/podman.sock"]
    out = ["unix:///var/run/docker.sock"]
    runtime = (env.get("XDG_RUNTIME_DIR") or "").rstrip("/")
    if runtime:
        out.append(f"unix://{runtime}/docker.sock")  # rootless Docker
    out.append("unix:///run/podman/podman.sock")  # rootful Podman (podman.socket)
    if runtime:
        out.append(f"unix://{runtime}/podman/podman.sock")  # rootless Podman
    out.append(f"unix://{home}/.docker/desktop/docker.sock")  # Docker Desktop for Linux
    return out


def _engine_address(host: str | None, platform: str | None = None, env=None, home: str | None = None,
                    exists=os.path.exists, context=None) -> str:
    """--host, else DOCKER_HOST, else the docker CLI's current context unless it is the built-in
    default one, else the first of default_addresses() that exists (else the first of them)."""
    env = os.environ if env is None else env
    if host:
        return host
    if env.get("DOCKER_HOST"):
        return env["DOCKER_HOST"]
    ctx_host = context() if context is not None else _context_host(env)
    if ctx_host:
        return ctx_host
    candidates = default_addresses(platform, env, home)
    for address in candidates:
        if address.startswith("unix://") and exists(address[len("unix://"):]):
            return address
    return candidates[0]


def _context_host(env) -> str | None:
    """The host of the docker CLI's current context (DOCKER_CONTEXT, else config.json's
    currentContext), if one other than `default` is chosen: Docker Desktop sets desktop-linux."""
    try:
        from docker.context import ContextAPI

        ctx = ContextAPI.get_context(env.get("DOCKER_CONTEXT")) if env.get("DOCKER_CONTEXT") \
            else ContextAPI.get_current_context()
        if ctx is not None and ctx.name != "default" and ctx.Host:
            return ctx.Host
    except Exception:  # a broken CLI config must not stop grading; fall back like the CLI
        pass
    return None


def connect(host: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """DOCKER_HOST (+ TLS variables), else the docker CLI's current context, else the default socket."""
    import docker
    import requests

    address = _engine_address(host)
    try:
        from docker.utils import kwargs_from_env

        params = kwargs_from_env()
        if host:
            params["base_url"] = host
        elif "base_url" not in params and _context_host(os.environ):
            from docker.context import ContextAPI

            for k, v in ContextAPI.kwargs_from_context().items():
                params.setdefault(k, v)
        if "base_url" not in params:
            params["base_url"] = address
        params["base_url"] = _default_port(params["base_url"], "tls" in params)
        # REQUESTS_CA_BUNDLE & co. would silently replace the engine's ca.pem, so every client
        # ignores the environment before its first request (version="auto" would ask too early).
        first = _client(docker.constants.MINIMUM_DOCKER_API_VERSION, timeout, params)
        version = first.version(api_version=False)
        first.close()
        # Negotiate: the engine may be older (20.10 speaks 1.41) or newer than the SDK.
        api_version = version.get("ApiVersion") or docker.constants.MINIMUM_DOCKER_API_VERSION
        if docker.utils.version_lt(docker.constants.DEFAULT_DOCKER_API_VERSION, api_version):
            api_version = docker.constants.DEFAULT_DOCKER_API_VERSION
        api = _client(api_version, timeout, params)
    except (docker.errors.DockerException, requests.RequestException, OSError, ValueError) as e:
        raise EngineUnavailable(explain_connect_failure(e, address), address) from None
    return Engine(api, address, version)


def _default_port(url: str, tls: bool) -> str:
    """tcp://host means port 2376 with TLS, else 2375, as the docker CLI reads it."""
    if url.startswith("tcp://"):
        rest = url[len("tcp://"):]
        hostpart = rest.split("/", 1)[0]
        if not re.search(r":\d+$", hostpart) or hostpart.endswith("]"):
            return f"tcp://{hostpart}:{2376 if tls else 2375}" + rest[len(hostpart):]
    return url


def _client(version: str, timeout: float, params: dict):
    import docker

    api = docker.APIClient(version=version, timeout=timeout, **params)
    api.trust_env = False
    return api


class Engine:
    def __init__(self, api, address: str, version: dict):
        self.api = api
        self.address = address
        self.info = {
            "address": address,
            "server_version": version.get("Version", ""),
            "api_version": api.api_version,
            "os": version.get("Os", ""),
            "arch": version.get("Arch", ""),
        }
        self.run_id = uuid.uuid4().hex[:12]
        self._memo: dict = {}
        self._memo_lock = threading.Lock()
        self._probes: set[str] = set()
        self._probes_lock = threading.Lock()
        self._closed = False  # after cleanup() no new probe may start
        self.journal = Journal(address, self.run_id)

    # ---- plumbing ------------------------------------------------------------------------------

    def call(self, fn, *args, missing=None, about: Text | None = None, **kwargs):
        """Call the API; 404 gives `missing`, any other failure raises EngineError. With `about`
        (what the call does with a student's object, e.g. "starting a probe of web-ping"), an
        answer that blames that object (any 4xx, or a 5xx naming a runtime error such as
        "executable file not found") raises ObjectError instead."""
        import docker
        import requests

        try:
            return fn(*args, **kwargs)
        except docker.errors.NotFound:
            return missing
        except docker.errors.APIError as e:
            if e.status_code == 404:
                return missing
            said = str(e.explanation or e)
            if about is not None and (400 <= (e.status_code or 0) < 500 or OBJECT_FAULTS.search(said)):
                raise ObjectError(Text(f"{about.en}: {said}", f"{about.ko}: {said}")) from None
            raise EngineError(Text(f"the Docker Engine failed: {e.explanation or e}",
                                   f"Docker 엔진 오류: {e.explanation or e}"), self.address) from None
        except (docker.errors.DockerException, requests.RequestException, OSError) as e:
            raise EngineError(Text(
                f"lost the Docker Engine at {self.address}: {_short(list(_causes(e)))}",
                f"{self.address}의 Docker 엔진과의 연결이 끊겼습니다: {_short(list(_causes(e)))}"),
                self.address) from None

    def _memoised(self, key, compute):
        with self._memo_lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            self._memo[key] = value
        return value

    # ---- images --------------------------------------------------------------------------------

    def image(self, ref: str) -> dict | None:
        """Inspect an image by reference, resolved by the engine itself; kept only when the
        reference is the image's id (or a prefix typed as one) or one of its names under the
        engine's own naming (refs.key: Docker's docker.io/library/, Podman's localhost/)."""
        def compute():
            attrs = self.call(self.api.inspect_image, ref)
            short = refs.key(ref)
            if attrs is None and ref.startswith(("docker.io/", "index.docker.io/", "localhost/")) and "@" not in ref:
                # Podman resolves only its own names: docker.io/library/web-ping:latest is not
                # found there when it has localhost/web-ping:latest, but web-ping:latest is.
                attrs = self.call(self.api.inspect_image, short)
            if attrs is None:
                return None
            return attrs if self._names_image(ref, attrs) else None
        return self._memoised(("image", ref), compute)

    @staticmethod
    def _names_image(ref: str, attrs: dict) -> bool:
        image_id = refs.bare_id(attrs.get("Id") or "")
        if ref.startswith("sha256:"):
            return image_id.startswith(refs.bare_id(ref))
        if re.fullmatch(r"[0-9a-f]{12,64}", ref) and image_id.startswith(ref):
            return True  # an id (a short one from `docker image ls` too), typed as such
        want = refs.key(ref)
        names = [refs.key(t) for t in attrs.get("RepoTags") or () if t and not t.startswith("<none>")]
        names += [refs.key(d) for d in attrs.get("RepoDigests") or () if d and not d.startswith("<none>")]
        return want in names

    def _listed_images(self) -> list[dict]:
        """Every image, listed once per run: tags() and all_tags() filter it here, the same way
        on every engine (Podman's name filter and Docker's differ on localhost/ names)."""
        return self._memoised(("images",), lambda: self.call(self.api.images, missing=[]) or [])

    def tags(self, repository: str) -> list[str]:
        """Every tag of one repository, as people type them (web-ping:v3, whichever engine)."""
        def compute():
            repo = refs.repository_key(repository)
            out = {refs.key(tag) for img in self._listed_images() for tag in img.get("RepoTags") or ()
                   if tag and not tag.startswith("<none>") and refs.repository_key(tag) == repo}
            return sorted(out)
        return self._memoised(("tags", repository), compute)

    def tags_by_image(self, repository: str) -> dict[str, list[str]]:
        """The tags of one repository grouped by image id, from the one listing: thousands of
        tags of a few images cost a few history reads, not one inspect per tag."""
        def compute():
            repo = refs.repository_key(repository)
            out: dict[str, set] = {}
            for img in self._listed_images():
                for tag in img.get("RepoTags") or ():
                    if tag and not tag.startswith("<none>") and refs.repository_key(tag) == repo:
                        out.setdefault(img["Id"], set()).add(refs.key(tag))
            return {image_id: sorted(tags) for image_id, tags in sorted(out.items(), key=lambda kv: min(kv[1]))}
        return self._memoised(("tags-by-image", repository), compute)

    def history(self, image_id: str) -> list[dict]:
        """Newest entry first, as the engine gives it."""
        return self._memoised(("history", image_id),
                              lambda: self.call(self.api.history, image_id, missing=[]) or [])

    # ---- containers ----------------------------------------------------------------------------

    def container(self, name: str) -> dict | None:
        """By exact name: inspect also resolves id prefixes, so the name is compared too."""
        def compute():
            attrs = self.call(self.api.inspect_container, name)
            if attrs is None or attrs.get("Name", "").lstrip("/") != name.lstrip("/"):
                return None
            return _portable_container(attrs)
        return self._memoised(("container", name), compute)

    def containers_from(self, *image_ids: str) -> Containers:
        """Containers created from exactly these images, in one listing (the engine's filter also
        matches children; each listing costs a pass over every container on the engine). Each is
        inspected only when a check gets to it: a check that stops at the first container passing
        does not inspect the thousands after it. Those that ran come first (newest first), listed
        on their own: an engine lists a few started containers quickly, while listing thousands
        of never-started ones costs it most of a second; they are listed only if needed.
        The filter names images by bare id, the one form both Docker and Podman accept (Podman
        ignores `sha256:<id>`); ids are compared with or without `sha256:`."""
        wanted = {refs.bare_id(i) for i in image_ids if i}

        def listing(**filters):
            def ids():
                listed = self.call(self.api.containers, all=True,
                                   filters={"ancestor": sorted(wanted), **filters}, missing=[]) or []
                return [c["Id"] for c in listed
                        if refs.bare_id(c.get("ImageID") or "") in wanted and not self._is_probe(c.get("Labels"))]
            return ids

        def compute():
            if not wanted:
                return Containers(self, [])
            # Statuses every engine (Docker, Podman) knows; the full listing then adds the rest.
            return Containers(self, [listing(status=["running", "exited", "paused"]), listing()])
        return self._memoised(("from", tuple(sorted(wanted))), compute)

    def inspect_container(self, container_id: str) -> dict | None:
        def compute():
            attrs = self.call(self.api.inspect_container, container_id)
            return None if attrs is None else _portable_container(attrs)
        return self._memoised(("inspect", container_id), compute)

    def logs(self, container_id: str, tail: int = LOG_TAIL) -> str:
        """The start of the logs (what an app prints at start-up) and their last `tail` lines."""
        about = Text("its logs cannot be read", "로그를 읽을 수 없습니다")

        def compute():
            head = self.call(self._log_head, container_id, missing=b"", about=about) or b""
            if len(head) < LOG_HEAD:
                return head.decode("utf-8", "replace")  # that was all of it
            last = self.call(self.api.logs, container_id, stdout=True, stderr=True, tail=tail,
                             missing=b"", about=about) or b""
            return (head.decode("utf-8", "replace").rpartition("\n")[0] + "\n"
                    + last.decode("utf-8", "replace"))
        return self._memoised(("logs", container_id, tail), compute)

    def _log_head(self, container_id: str) -> bytes:
        stream = self.api.logs(container_id, stdout=True, stderr=True, stream=True, follow=False)
        chunks, size = [], 0
        try:
            for chunk in stream:
                chunks.append(chunk)
                size += len(chunk)
                if size >= LOG_HEAD:
                    break
        finally:
            stream.close()
        return b"".join(chunks)

    @staticmethod
    def _is_probe(labels) -> bool:
        return bool(labels) and PROBE_LABEL in labels

    # ---- probes: the only things grading creates ------------------------------------------------

    def _labels(self) -> dict:
        return {PROBE_LABEL: "1", RUN_LABEL: self.run_id, STARTED_LABEL: str(int(time.time()))}

    def _create_probe(self, image: str, mounts: list | None = None, **kwargs) -> str:
        # Bounded like a guest: half a CPU (a busy loop must not take the student's machine), and
        # nothing written to the engine's storage: the image's files are read-only, and /tmp is a
        # small tmpfs in memory (counted in the 256 MB) for programs that need scratch space.
        # `mounts` (read-only ones, for reading a volume) are the only thing a caller may add.
        host_config = self.api.create_host_config(
            network_mode="none", mem_limit="256m", memswap_limit="256m", pids_limit=128,
            nano_cpus=PROBE_NANO_CPUS, read_only=True, tmpfs={"/tmp": PROBE_TMPFS},
            cap_drop=["ALL"], security_opt=["no-new-privileges"], auto_remove=False,
            **({"mounts": mounts} if mounts else {}))
        created = self.call(self.api.create_container, image, labels=self._labels(),
                            host_config=host_config, network_disabled=True, **kwargs)
        if created is None:
            raise EngineError(Text(f"image {image} vanished while grading",
                                   f"채점 중에 이미지 {image}이(가) 사라졌습니다"), self.address)
        cid = created["Id"]
        with self._probes_lock:
            closed = self._closed
            if not closed:
                self._probes.add(cid)
                self.journal.add(cid)
        if closed:
            self._remove_probe(cid)
            raise EngineError(Text("grading was interrupted", "채점이 중단되었습니다"), self.address)
        return cid

    def _remove_probe(self, cid: str) -> None:
        try:
            self.api.remove_container(cid, force=True, v=True)
        except Exception:  # already gone, or the engine died: cleanup() and the next run retry
            return
        with self._probes_lock:
            self._probes.discard(cid)

    def cleanup(self) -> None:
        """Remove every probe this run still owns (after Ctrl-C or SIGTERM)."""
        with self._probes_lock:
            self._closed = True
            left = list(self._probes)
        for cid in left:
            self._remove_probe(cid)
        self.close()

    def close(self) -> None:
        """The run is over: if every probe is gone, the journal goes too (else the next run retries)."""
        with self._probes_lock:
            done = not self._probes
        if done:
            self.journal.close()

    def read_file(self, image_id: str, path: str, cap: int = FILE_CAP) -> FileRead | None:
        """Read a file from an image through the archive API: the container is never started."""
        def compute():
            cid = self._create_probe(image_id, entrypoint=["/.grade-never-started"], command=[])
            try:
                return self._read_archive(cid, path, cap)
            finally:
                self._remove_probe(cid)
        return self._memoised(("file", image_id, path, cap), compute)

    def _read_archive(self, container_id: str, path: str, cap: int) -> FileRead | None:
        """One path of a container's file system through the archive API; None if it is not there."""
        got = self.call(self.api.get_archive, container_id, path,
                        about=Text(f"{path} cannot be read", f"{path}을(를) 읽을 수 없습니다"))
        if got is None:
            return None
        stream, stat = got
        if stat.get("mode", 0) & (1 << 31):  # Go's os.ModeDir
            close = getattr(stream, "close", None)
            if close:
                close()
            return FileRead(size=stat.get("size", 0), content=b"", truncated=False, is_dir=True)
        return self._first_member(stream, stat.get("size", 0), cap)

    def _first_member(self, stream, size: int, cap: int) -> FileRead:
        reader = _StreamReader(stream)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                member = tar.next()
                if member is not None and member.issym():
                    return FileRead(size=0, content=("-> " + member.linkname).encode(), truncated=False)
                handle = tar.extractfile(member) if member is not None else None
                data = handle.read(cap + 1) if handle is not None else b""
        except tarfile.TarError as e:  # the engine answered with something that is not the file
            raise ObjectError(Text(f"could not read the file archive: {e}",
                                   f"파일 아카이브를 읽을 수 없습니다: {e}")) from None
        except OSError as e:
            raise EngineError(Text(f"could not read the file archive: {e}",
                                   f"파일 아카이브를 읽을 수 없습니다: {e}"), self.address) from None
        finally:
            reader.close()
        return FileRead(size=size, content=data[:cap], truncated=len(data) > cap)

    def probe(self, image: str, env: dict | None = None, command: list | None = None,
              expect: str | None = None, timeout: float = 10.0) -> ProbeResult:
        """Run the image until its output matches `expect`, it exits, or `timeout` passes."""
        start = time.monotonic()
        kwargs = {"environment": env or None}
        if command:
            kwargs["command"] = command
        cid = self._create_probe(image, **kwargs)
        chunks: list[bytes] = []
        done = threading.Event()
        matched = threading.Event()
        overflowed = threading.Event()

        def read():
            try:
                for chunk in self.api.logs(cid, stream=True, follow=True, stdout=True, stderr=True):
                    chunks.append(chunk)
                    if expect and match.search(expect, b"".join(chunks).decode("utf-8", "replace"), True):
                        matched.set()
                        break
                    if sum(map(len, chunks)) > PROBE_OUTPUT:
                        overflowed.set()
                        break
            except Exception:  # the stream ends when the probe is removed; nothing to report
                pass
            finally:
                done.set()

        try:
            self.call(self.api.start, cid, about=Text("the container could not start",
                                                      "컨테이너를 시작할 수 없습니다"))
            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            finished = done.wait(timeout)
            exit_code = None
            # A probe that printed too much may still be running: it is not waited for.
            if finished and not matched.is_set() and not overflowed.is_set():
                waited = self.call(self.api.wait, cid, timeout=max(1.0, timeout))
                exit_code = waited.get("StatusCode") if waited else None
                # Output written just before exit may arrive after the stream closed.
                tail = self.call(self.api.logs, cid, stdout=True, stderr=True, tail=LOG_TAIL)
                if tail:
                    chunks[:] = [tail]
                    if expect and match.search(expect, tail.decode("utf-8", "replace"), True):
                        matched.set()
        finally:
            self._remove_probe(cid)
        return ProbeResult(
            output=b"".join(chunks).decode("utf-8", "replace"),
            exit_code=exit_code,
            matched=matched.is_set(),
            timed_out=not finished,
            seconds=time.monotonic() - start,
            overflowed=overflowed.is_set(),
        )

    def remove_orphans(self) -> int:
        """Remove the probes that killed earlier runs on this machine left on this engine: the ids
        their journals name, each removed only if it still carries the probe label."""
        removed = 0
        for path, ids in self.journal.leftovers():
            left = False
            for cid in ids:
                attrs = self.call(self.api.inspect_container, cid)
                if attrs is None or PROBE_LABEL not in ((attrs.get("Config") or {}).get("Labels") or {}):
                    continue  # gone already, or not ours: never touch an unlabelled container
                try:
                    self.api.remove_container(cid, force=True, v=True)
                    removed += 1
                except Exception:  # noqa: BLE001 - the engine refused: keep the journal, retry next run
                    left = True
            if not left:
                path.unlink(missing_ok=True)
        return removed

    # ---- containers' own files, published ports, every tag --------------------------------------

    def read_container_file(self, container_id: str, path: str, cap: int = FILE_CAP) -> FileRead | None:
        """Read a file from a container (running or stopped) through the archive API, as it is
        now in the container, not in its image. None if the path does not exist."""
        return self._memoised(("container-file", container_id, path, cap),
                              lambda: self._read_archive(container_id, path, cap))

    def published_host(self) -> str:
        """Where the engine's published ports are reached from here: the host of a tcp://
        (or ssh://, http(s)://) engine address, e.g. GitLab's dind service `docker`; 127.0.0.1
        for an engine on a local socket."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.address if "://" in self.address else "tcp://" + self.address)
        if parts.scheme in ("tcp", "http", "https", "ssh") and parts.hostname:
            host = parts.hostname
            return "127.0.0.1" if host in ("0.0.0.0", "::") else host
        return "127.0.0.1"

    def all_tags(self) -> list[str]:
        """Every tagged image reference on the engine, in the short form people type (the same
        on Docker and Podman: localhost/web-ping:latest is web-ping:latest)."""
        def compute():
            return sorted({refs.key(t) for img in self._listed_images() for t in img.get("RepoTags") or ()
                           if t and not t.startswith("<none>")})
        return self._memoised(("all-tags",), compute)

    # ---- volumes, sizes (chapters 4-6) ----------------------------------------------------------

    def volume(self, name: str) -> dict | None:
        """A named volume's inspect data (Name, Driver, Mountpoint, CreatedAt), or None."""
        return self._memoised(("volume", name), lambda: self.call(self.api.inspect_volume, name))

    def volume_users(self, name: str) -> list[str]:
        """Ids of the containers (running or not, never the grader's probes) that mount a volume."""
        def compute():
            listed = self.call(self.api.containers, all=True, filters={"volume": name}, missing=[]) or []
            return [c["Id"] for c in listed if not self._is_probe(c.get("Labels"))]
        return self._memoised(("volume-users", name), compute)

    def read_volume_file(self, volume: str, path: str, image: str, cap: int = FILE_CAP) -> FileRead | None:
        """Read a file inside a named volume: a created, never-started probe of `image` mounts the
        volume read-only (no copy of the image's files into it) at /.grade-volume, and the archive
        API reads it there. `path` is relative to the volume's root. Only call it for a volume
        that exists: creating a container with an unknown volume name would create that volume."""
        from docker.types import Mount

        where = "/.grade-volume"

        def compute():
            mount = Mount(target=where, source=volume, type="volume", read_only=True, no_copy=True)
            cid = self._create_probe(image, mounts=[mount], entrypoint=["/.grade-never-started"], command=[])
            try:
                return self._read_archive(cid, where + "/" + path.lstrip("/"), cap)
            finally:
                self._remove_probe(cid)
        return self._memoised(("volume-file", volume, path, image, cap), compute)


class Containers:
    """Containers' inspect data from listings made in turn, each listing made and each container
    inspected only when iteration gets there (see containers_from). A container in two listings
    comes once; one removed between its listing and its inspection is skipped."""

    def __init__(self, engine: Engine, listings: list):
        self._engine = engine
        self._listings = list(listings)
        self._ids: list[str] = []
        self._lock = threading.Lock()

    def _id(self, i: int) -> str | None:
        with self._lock:
            while len(self._ids) <= i and self._listings:
                seen = set(self._ids)
                self._ids += [cid for cid in self._listings.pop(0)() if cid not in seen]
            return self._ids[i] if i < len(self._ids) else None

    def __iter__(self):
        i = 0
        while (cid := self._id(i)) is not None:
            attrs = self._engine.inspect_container(cid)
            if attrs is not None:
                yield attrs
            i += 1

    def __bool__(self) -> bool:
        return self._id(0) is not None


def _portable_container(attrs: dict) -> dict:
    """A container's inspect data with the image it was created from named as people type it:
    Docker keeps what was typed (diamol/base), Podman the full name it resolved
    (localhost/diamol/base:latest, docker.io/library/nginx:latest)."""
    config = attrs.get("Config") or {}
    typed = config.get("Image")
    if isinstance(typed, str) and typed.startswith((refs.LOCAL_DOMAIN + "/", refs.DEFAULT_DOMAIN + "/")):
        attrs = {**attrs, "Config": {**config, "Image": refs.key(typed)}}
    return attrs


class _StreamReader:
    """A file-like view of the archive stream, so tarfile reads only what it needs."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b""
        self._source = chunks

    def read(self, n=-1):
        while n < 0 or len(self._buf) < n:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                break
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def close(self):
        close = getattr(self._source, "close", None)
        if close:
            close()
