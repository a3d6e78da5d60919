"""Engine faults are the engine's, never the student's: a clear paragraph, exit 3, no traceback,
and the reports still written."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time

import pytest
from conftest import DOCKER, PODMAN, check, grade_env, rubric
from engines import SlowProxy, as_windows, free_port, make_certs, throwaway_engine

BASE_CHECK = check("base", "image", image="diamol/base")


def run(args, env, timeout=60):
    return subprocess.run(["grade", *args], env=env, capture_output=True, text=True, timeout=timeout)


def assert_engine_fault(result, *words):
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_socket_without_permission_says_how_to_get_it(tmp_path):
    path = tmp_path / "docker.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(1)
    os.chown(path, 65534, 65534)
    os.chmod(path, 0o600)
    # As root the kernel would let us in anyway: drop the capability that bypasses file modes.
    result = subprocess.run(
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "grade", "ch03", "--host",
         f"unix://{path}"], env=grade_env(None), capture_output=True, text=True, timeout=60)
    server.close()
    assert_engine_fault(result, f"unix://{path}", "permission denied", "docker group")


def test_tls_settings_without_certificates_say_where_to_look(tmp_path):
    env = grade_env(f"tcp://127.0.0.1:{free_port()}", DOCKER_TLS_VERIFY="1",
                    DOCKER_CERT_PATH=str(tmp_path / "missing"))
    assert_engine_fault(run(["ch03"], env), "DOCKER_CERT_PATH")


@pytest.fixture(scope="module")
def tls_engine(tmp_path_factory):
    if PODMAN:
        pytest.skip("Docker only: Podman's API service listens on a unix socket or plain tcp, never TLS")
    folder = tmp_path_factory.mktemp("tls")
    server, client = make_certs(folder)
    port = free_port()
    args = (f"--host tcp://127.0.0.1:{port} --tlsverify --tlscacert {server}/ca.pem "
            f"--tlscert {server}/cert.pem --tlskey {server}/key.pem")
    with throwaway_engine(args):
        yield f"tcp://127.0.0.1:{port}", client


def test_tls_engine_is_reached_even_when_the_environment_names_another_ca_bundle(tls_engine, tmp_path):
    host, client = tls_engine
    # REQUESTS_CA_BUNDLE points at the system's CAs, as on many CI images; the engine's ca.pem must win.
    env = grade_env(host, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(client),
                    REQUESTS_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt",
                    CURL_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt")
    result = run(["--rubric", str(rubric(tmp_path, BASE_CHECK)), "--json", str(tmp_path / "r.json")], env)
    assert result.returncode == 1, result.stderr  # graded: this engine has no diamol/base
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["engine"]["os"] == "linux" and report["checks"][0]["status"] == "failed"


def test_tls_engine_with_a_wrong_ca_is_a_tls_error(tls_engine, tmp_path):
    host, client = tls_engine
    wrong = tmp_path / "wrong"
    _, other_client = make_certs(wrong)
    env = grade_env(host, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(other_client))
    assert_engine_fault(run(["ch03"], env), host, "TLS")


def test_plain_http_to_a_tls_engine_says_to_turn_tls_on(tls_engine):
    host, _ = tls_engine
    env = grade_env(host)
    assert_engine_fault(run(["ch03"], env), "DOCKER_TLS_VERIFY")


def test_a_slow_engine_hits_the_per_call_timeout(standins, tmp_path):
    proxy = SlowProxy(standins.removeprefix("unix://"), tmp_path / "slow.sock", delay=3)
    try:
        result = run(["ch03", "--call-timeout", "1"], grade_env(proxy.host))
    finally:
        proxy.close()
    assert_engine_fault(result, "did not answer in time", "--call-timeout")


def test_an_engine_killed_while_grading_errors_the_rest_and_still_writes_reports(tmp_path):
    with throwaway_engine() as (host, engine_dir):
        env = {**os.environ, "DOCKER_HOST": host, "DOCKER_BUILDKIT": "0"}
        (tmp_path / "ctx").mkdir()
        subprocess.run(["cp", "/bin/busybox", str(tmp_path / "ctx" / "busybox")], check=True)
        (tmp_path / "ctx" / "Dockerfile").write_text('FROM scratch\nCOPY busybox /bin/sh\n')
        subprocess.run([DOCKER, "build", "-q", "-t", "diamol/base", str(tmp_path / "ctx")], env=env,
                       check=True, capture_output=True)
        path = rubric(tmp_path, "\n".join([
            BASE_CHECK,
            check("slow", "run", image="diamol/base", command=["/bin/sh", "-c", "sleep 60"],
                  expect="never", timeout=60),
            check("after", "image", image="diamol/base", needs=["slow"]),
        ]))
        proc = subprocess.Popen(["grade", "--rubric", str(path), "--json", str(tmp_path / "r.json"),
                                 "--junit", str(tmp_path / "r.xml"), "--call-timeout", "3"],
                                env=grade_env(host), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            listed = subprocess.run([DOCKER, "ps", "-q", "--filter", "label=org.grade.probe"], env=env,
                                    capture_output=True, text=True).stdout
            if listed.strip():
                break
            time.sleep(0.1)
        pid = int((engine_dir / "engine.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, out + err
    assert "Traceback" not in out + err
    report = json.loads((tmp_path / "r.json").read_text())
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses == {"base": "passed", "slow": "error", "after": "error"}
    assert report["score"] == 1 and report["fault"]
    assert "<error" in (tmp_path / "r.xml").read_text()


def test_a_windows_engine_is_refused_plainly(standins, tmp_path):
    proxy = SlowProxy(standins.removeprefix("unix://"), tmp_path / "win.sock", transform=as_windows)
    try:
        result = run(["ch03", "--json", str(tmp_path / "r.json")], grade_env(proxy.host))
    finally:
        proxy.close()
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "needs a Linux engine" in result.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["engine"]["os"] == "windows"
    assert {c["status"] for c in report["checks"]} == {"error"}


def test_an_unwritable_report_after_an_unreachable_engine_keeps_exit_3(tmp_path):
    env = grade_env("unix://" + str(tmp_path / "no-engine.sock"))
    result = run(["ch03", "--json", "/dev/full"], env)
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "Could not write the report /dev/full" in result.stderr


def test_report_paths_that_cannot_be_files_are_refused_before_grading(tmp_path):
    # No engine behind this address: a refusal that waited for grading would say exit 3 instead.
    env = grade_env("unix://" + str(tmp_path / "no-engine.sock"))
    (tmp_path / "afile").write_text("x")
    for path, words in ((tmp_path, "is a directory"), (tmp_path / "afile" / "r.json", "does not exist"),
                        (tmp_path / "missing" / "r.json", "mkdir -p")):
        result = run(["ch03", "--json", str(path)], env)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert str(path) in result.stderr and words in result.stderr
        assert "Cannot reach" not in result.stderr  # refused before the engine was asked
    assert not (tmp_path / "missing").exists()  # never created behind the user's back


def test_one_file_for_both_reports_is_refused_before_grading(tmp_path):
    """`--json out --junit out`: the JUnit report would replace the JSON one without a word."""
    env = grade_env("unix://" + str(tmp_path / "no-engine.sock"))
    same = tmp_path / "report"
    result = run(["ch03", "--json", str(same), "--junit", str(tmp_path / "." / "report")], env)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr == (f"--json and --junit both name {same}: give each report its own file, e.g. "
                             f"`--json {same}.json --junit {same}.xml`\n")
    assert not same.exists()
