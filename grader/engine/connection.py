"""Connecting the way the docker CLI does, and explaining in one paragraph why it failed."""
from __future__ import annotations

import os
import re
import socket
import ssl
import sys

from ..text import Text, _
from .api import DEFAULT_TIMEOUT, Engine
from .errors import EngineUnavailable


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
        return _("Cannot reach the Docker Engine at {address}: npipe:// is a Windows named pipe, and this "
                 "system is not Windows. Set DOCKER_HOST (or --host) to a unix:// socket or a tcp:// address.",
                 address=address)
    if address.startswith("npipe:") and (any(isinstance(c, FileNotFoundError) for c in causes)
                                         or "cannot find the file" in text or "(2," in text):
        return _("Cannot reach the Docker Engine at {address}: the named pipe does not exist, so Docker "
                 "Desktop (or Podman machine) is not running. Start it, wait until it says it is running, "
                 "and run `grade` again. If your engine listens elsewhere, set DOCKER_HOST or use --host.",
                 address=address)
    if sock and "podman" in sock and not os.path.exists(sock):
        return _("Cannot reach Podman at {address}: the socket does not exist, so Podman's API service is "
                 "not running. Start it (`systemctl --user enable --now podman.socket`, or as root "
                 "`sudo systemctl enable --now podman.socket`; on a Mac or Windows `podman machine start`) "
                 "and run `grade` again.", address=address)
    if sock and not os.path.exists(sock):
        return _("Cannot reach the Docker Engine at {address}: the socket does not exist, so Docker is "
                 "not running. Start Docker (Docker Desktop, or `sudo systemctl start docker`) and run "
                 "`grade` again. If your engine listens elsewhere, set DOCKER_HOST or use --host.",
                 address=address)
    if any(isinstance(c, PermissionError) for c in causes) or "Permission denied" in text:
        return _("Cannot reach the Docker Engine at {address}: permission denied on the socket. Add "
                 "yourself to the docker group (`sudo usermod -aG docker $USER`, then log out and in) or "
                 "run `sudo grade ...`.", address=address)
    if any(isinstance(c, ssl.SSLError) for c in causes) or "SSL" in text or "certificate" in text:
        # NOTE: {error} is the system's own message, in English.
        return _("Cannot reach the Docker Engine at {address}: the TLS handshake failed ({error}). "
                 "Check that DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem for this engine and "
                 "that DOCKER_TLS_VERIFY is set only for TLS engines.", address=address, error=_short(causes))
    if "HTTPS server" in text or "TLS" in text:
        return _("Cannot reach the Docker Engine at {address}: it speaks TLS but the client does not. "
                 "Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the engine's client certificates.",
                 address=address)
    if any(isinstance(c, (socket.timeout, TimeoutError)) for c in causes) or "timed out" in text:
        return _("The Docker Engine at {address} did not answer in time. Check that it is running and "
                 "not overloaded, or give it longer with --call-timeout.", address=address)
    if any(isinstance(c, socket.gaierror) for c in causes) or "resolve" in text.lower():
        return _("Cannot reach the Docker Engine at {address}: that host name does not resolve. Check "
                 "DOCKER_HOST (or --host).", address=address)
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text:
        return _("Cannot reach the Docker Engine at {address}: the connection was refused, so no engine "
                 "is listening there. Start Docker, or point DOCKER_HOST (or --host) at your engine.",
                 address=address)
    # NOTE: {error} is the system's own message, in English.
    return _("Cannot reach the Docker Engine at {address}: {error}. Check that Docker is "
             "running and that DOCKER_HOST (or --host) points at it.", address=address, error=_short(causes))


def failure_summary(exc: BaseException) -> str:
    """The innermost cause of a failure, in one short line."""
    return _short(list(_causes(exc)))


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

