"""Which engine address a student's machine gets, what a failed connection is blamed on, and
where the probe journal lives: per platform (Linux, macOS, Windows), without an engine."""
from __future__ import annotations

import errno
import socket
import ssl
from pathlib import Path

import pytest

from grader.engine import _default_port, _engine_address, default_addresses, explain_connect_failure
from grader.engine.journal import state_dir

HOME = "/home/kim"
NO_CONTEXT = lambda: None  # noqa: E731 - the docker CLI has no context chosen


def address(platform, env=None, existing=(), host=None, context=NO_CONTEXT, home=HOME):
    return _engine_address(host, platform=platform, env=env or {}, home=home,
                           exists=lambda path: path in existing, context=context)


# ---- which address ------------------------------------------------------------------------------

def test_windows_uses_docker_desktops_named_pipe():
    assert address("win32") == "npipe:////./pipe/docker_engine"
    assert "npipe:////./pipe/podman-machine-default" in default_addresses("win32", {}, "C:\\Users\\kim")


def test_macos_finds_docker_desktops_socket_in_the_home_folder():
    # New Docker Desktop installs may not link /var/run/docker.sock.
    assert address("darwin", existing={f"{HOME}/.docker/run/docker.sock"}) == \
        f"unix://{HOME}/.docker/run/docker.sock"
    assert address("darwin", existing={"/var/run/docker.sock", f"{HOME}/.docker/run/docker.sock"}) == \
        "unix:///var/run/docker.sock"


@pytest.mark.parametrize("existing, expected", [
    ((), "unix:///var/run/docker.sock"),
    (("/run/user/1000/docker.sock",), "unix:///run/user/1000/docker.sock"),
    (("/run/podman/podman.sock",), "unix:///run/podman/podman.sock"),
    (("/run/user/1000/podman/podman.sock",), "unix:///run/user/1000/podman/podman.sock"),
    (("/var/run/docker.sock", "/run/user/1000/podman/podman.sock"), "unix:///var/run/docker.sock"),
], ids=["nothing-there", "rootless-docker", "rootful-podman", "rootless-podman", "docker-first"])
def test_linux_finds_rootless_docker_and_podman_sockets(existing, expected):
    assert address("linux", env={"XDG_RUNTIME_DIR": "/run/user/1000"}, existing=existing) == expected


def test_host_then_docker_host_then_context_come_before_any_socket_found():
    existing = {"/var/run/docker.sock"}
    ctx = lambda: "tcp://10.0.0.5:2376"  # noqa: E731
    assert address("linux", existing=existing, context=ctx) == "tcp://10.0.0.5:2376"
    assert address("linux", env={"DOCKER_HOST": "tcp://h:1"}, existing=existing, context=ctx) == "tcp://h:1"
    assert address("linux", env={"DOCKER_HOST": "tcp://h:1"}, host="unix:///x.sock") == "unix:///x.sock"


@pytest.mark.parametrize("url, tls, expected", [
    ("tcp://docker", True, "tcp://docker:2376"),
    ("tcp://docker", False, "tcp://docker:2375"),
    ("tcp://docker:1234", True, "tcp://docker:1234"),
    ("tcp://[::1]", False, "tcp://[::1]:2375"),
    ("npipe:////./pipe/docker_engine", False, "npipe:////./pipe/docker_engine"),
    ("unix:///var/run/docker.sock", False, "unix:///var/run/docker.sock"),
])
def test_a_tcp_address_without_port_gets_the_clis_default(url, tls, expected):
    assert _default_port(url, tls) == expected


# ---- what a failed connection is blamed on -------------------------------------------------------

def test_a_missing_unix_socket_means_docker_is_not_running(tmp_path):
    text = explain_connect_failure(FileNotFoundError(2, "No such file"), f"unix://{tmp_path}/docker.sock")
    assert "the socket does not exist" in text("en") and "소켓 파일이 없으니" in text("ko")


def test_a_missing_podman_socket_says_how_to_start_podmans_service(tmp_path):
    text = explain_connect_failure(FileNotFoundError(2, "No such file"), f"unix://{tmp_path}/podman/podman.sock")
    assert "podman.socket" in text("en") and "podman machine start" in text("en") and "podman.socket" in text("ko")


def test_a_missing_named_pipe_means_docker_desktop_is_not_running(monkeypatch):
    import grader.engine.connection as engine

    monkeypatch.setattr(engine.sys, "platform", "win32")
    error = OSError(2, "CreateFile", "The system cannot find the file specified.")
    text = explain_connect_failure(FileNotFoundError(errno.ENOENT, str(error)), "npipe:////./pipe/docker_engine")
    assert "named pipe does not exist" in text("en") and "Docker Desktop" in text("en")
    assert "이름 있는 파이프" in text("ko")


def test_a_named_pipe_off_windows_says_to_use_a_socket():
    text = explain_connect_failure(Exception("npipe:// only on Windows"), "npipe:////./pipe/docker_engine")
    assert "not Windows" in text("en") and "unix://" in text("en") and "윈도우가 아닙니다" in text("ko")


@pytest.mark.parametrize("error, words", [
    (ConnectionRefusedError(111, "Connection refused"), "connection was refused"),
    (ssl.SSLError(1, "CERTIFICATE_VERIFY_FAILED"), "TLS handshake failed"),
    (socket.gaierror(-2, "Name or service not known"), "does not resolve"),
    (socket.timeout("timed out"), "did not answer in time"),
], ids=["refused", "tls", "dns", "timeout"])
def test_tcp_failures_name_their_cause(error, words):
    text = explain_connect_failure(error, "tcp://docker:2376")
    assert words in text("en") and "tcp://docker:2376" in text("en") and "tcp://docker:2376" in text("ko")


def test_a_socket_without_permission_says_how_to_get_it(tmp_path):
    sock = tmp_path / "docker.sock"
    sock.touch()
    text = explain_connect_failure(PermissionError(13, "Permission denied"), f"unix://{sock}")
    assert "permission denied" in text("en") and "docker group" in text("en")


# ---- where the probe journal lives ---------------------------------------------------------------

@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {}, Path(HOME) / ".local/state/grade/probes"),
    ("linux", {"XDG_STATE_HOME": "/srv/state"}, Path("/srv/state/grade/probes")),
    ("darwin", {}, Path(HOME) / "Library/Application Support/grade/probes"),
    ("win32", {"LOCALAPPDATA": "C:\\Users\\kim\\AppData\\Local"},
     Path("C:\\Users\\kim\\AppData\\Local") / "grade" / "probes"),
    ("win32", {}, Path(HOME) / "AppData" / "Local" / "grade" / "probes"),
], ids=["linux", "linux-xdg", "macos", "windows", "windows-no-localappdata"])
def test_the_probe_journal_follows_each_platforms_convention(platform, env, expected):
    assert state_dir(platform, env, Path(HOME)) == expected
