"""Grading never harms the engine and never lies: probes are sandboxed and always removed,
odd images still grade, and concurrent graders leave each other alone."""
from __future__ import annotations

import signal
import subprocess
import time

import pytest
from conftest import ENGINE, check, ctrl_c_reaches_it, grade_env, rubric

PROBE = "org.grade.probe"
SLOW = check("slow", "run", image="diamol/base", command="sleep 60", expect="never printed", timeout=60)


def probes(student) -> list[str]:
    return student.docker("container", "ls", "--all", "--quiet", "--filter", f"label={PROBE}").split()


def start_grading(student, path, tmp_path):
    return subprocess.Popen(["grade", "--rubric", str(path), "--json", str(tmp_path / "slow.json")],
                            env=grade_env(student.host), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=ctrl_c_reaches_it)


def wait_for_probe(student, timeout=20) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probes(student)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("the grader never started its probe")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_grader_removes_its_probes(student, tmp_path, sig):
    proc = start_grading(student, rubric(tmp_path, SLOW), tmp_path)
    wait_for_probe(student)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err
    assert probes(student) == []


def test_probes_of_a_killed_grader_are_removed_by_the_next_run(student, tmp_path, grade):
    proc = start_grading(student, rubric(tmp_path, SLOW), tmp_path)
    orphans = wait_for_probe(student)
    proc.kill()
    proc.wait(timeout=10)
    assert probes(student) == orphans  # SIGKILL leaves no chance to clean up
    graded = grade("--rubric", str(rubric(tmp_path, check("base", "image", image="diamol/base"), "quick.yaml")),
                   read_only=False)
    assert graded.code == 0
    assert probes(student) == []


def test_a_journal_never_gets_an_unlabelled_container_removed(student, tmp_path, grade):
    """A stale journal that names a student's own container (say, an id reused or a file
    edited by hand) must not cost the student that container."""
    import json
    import os

    from grader.engine.journal import state_dir

    mine = student.docker("container", "create", "--name", "students-own", "diamol/base").strip()
    state_dir().mkdir(parents=True, exist_ok=True)
    forged = state_dir() / "forged.probes"
    forged.write_text(json.dumps({"address": student.host, "host": os.uname().nodename, "pid": 2**22 + 7})
                      + "\n" + mine + "\n")
    graded = grade("--rubric", str(rubric(tmp_path, check("base", "image", image="diamol/base"))), read_only=False)
    assert graded.code == 0
    # Docker names it /students-own, Podman students-own.
    assert student.docker("container", "inspect", "--format", "{{.Name}}", mine).strip().lstrip("/") == "students-own"
    assert not forged.exists()


def test_journals_of_engines_long_gone_are_dropped_after_a_week(student, tmp_path, grade):
    import json
    import os

    from grader.engine.journal import state_dir

    state_dir().mkdir(parents=True, exist_ok=True)
    header = json.dumps({"address": "unix:///gone/docker.sock", "host": os.uname().nodename, "pid": 2**22 + 9})
    old, recent = state_dir() / "old.probes", state_dir() / "recent.probes"
    for path in (old, recent):
        path.write_text(header + "\n0123456789ab\n")
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(old, (week_ago, week_ago))
    grade("--rubric", str(rubric(tmp_path, check("base", "image", image="diamol/base"))), read_only=False)
    assert not old.exists() and recent.exists()
    recent.unlink()


def test_a_concurrent_graders_probes_are_left_alone(student, tmp_path, grade):
    proc = start_grading(student, rubric(tmp_path, SLOW), tmp_path)
    try:
        live = wait_for_probe(student)
        quick = rubric(tmp_path, check("echo", "run", image="diamol/base", command="echo hello",
                                       expect="^hello$"), "quick.yaml")
        graded = grade("--rubric", str(quick), read_only=False)
        assert graded.code == 0 and graded.points() == {"echo": 1}
        assert probes(student) == live
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert probes(student) == []


def test_two_graders_at_once_both_grade_fully(student, tmp_path):
    path = rubric(tmp_path, "\n".join(
        check(f"echo{i}", "run", image="diamol/base", command=f"echo probe {i}", expect=f"^probe {i}$")
        for i in range(4)))
    procs = [subprocess.Popen(["grade", "--rubric", str(path)], env=grade_env(student.host),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("Total: 4/4" in out for out, _ in outputs)
    assert probes(student) == []


def test_a_probe_has_no_network_no_capabilities_and_cannot_outlive_its_timeout(student, tmp_path, grade):
    path = rubric(tmp_path, "\n".join([
        check("net", "run", image="diamol/base", command="ls /sys/class/net", expect=r"\Alo\s*\Z", exit_code=0),
        check("caps", "run", image="diamol/base", command="grep CapEff /proc/self/status",
              expect=r"CapEff:\s+0+$"),
        check("nnp", "run", image="diamol/base", command="grep NoNewPrivs /proc/self/status",
              expect=r"NoNewPrivs:\s+1$"),
        check("wget", "run", image="diamol/base", command="wget -q -T 2 -O- http://127.0.0.1:1/ || echo unreachable",
              expect="^unreachable$"),
        check("timeout", "run", image="diamol/base", command="echo started; sleep 60", expect="never", timeout=1),
    ]))
    graded = grade("--rubric", str(path))
    assert graded.points() == {"net": 1, "caps": 1, "nnp": 1, "wget": 1, "timeout": 0}
    evidence = graded.check("timeout")["evidence"]
    assert "output: started" in evidence and any("still running after 1 s" in e for e in evidence)


def test_a_probe_that_ignores_sigterm_is_still_gone_at_its_timeout(student, tmp_path, grade):
    stubborn = check("stubborn", "run", image="diamol/base", command="trap '' TERM; echo started; sleep 60",
                     expect="never", timeout=1)
    graded = grade("--rubric", str(rubric(tmp_path, stubborn)))
    assert graded.points() == {"stubborn": 0}
    assert "output: started" in graded.check("stubborn")["evidence"]


def test_the_whole_run_stops_at_timeout_with_what_was_graded(student, tmp_path):
    path = rubric(tmp_path, "\n".join([
        check("quick", "image", image="diamol/base"),
        check("slow", "run", image="diamol/base", command="sleep 60", expect="never", timeout=60),
        check("later", "image", image="diamol/base", needs=["slow"]),
    ]))
    result = subprocess.run(["grade", "--rubric", str(path), "--timeout", "2", "--json", str(tmp_path / "r.json")],
                            env=grade_env(student.host), capture_output=True, text=True, timeout=60)
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "took longer than --timeout 2 s" in result.stdout
    import json

    report = json.loads((tmp_path / "r.json").read_text())
    assert {c["id"]: c["status"] for c in report["checks"]} == {"quick": "passed", "slow": "error", "later": "error"}
    assert probes(student) == []


def test_files_are_read_from_images_without_a_shell_and_reads_are_capped(student, tmp_path, grade):
    student.write("ctx", {"note.txt": "hello from scratch"})
    (student.workdir / "ctx" / "big.bin").write_bytes(b"x" * 20_000_000)
    student.build("no-shell", "FROM scratch\nCOPY note.txt big.bin /data/\n", folder="ctx")
    path = rubric(tmp_path, "\n".join([
        check("note", "image_file", image="no-shell", path="/data/note.txt", content="hello from scratch"),
        check("big", "image_file", image="no-shell", path="/data/big.bin", matches="^x+$", max_bytes=1000),
        check("exact-big", "image_file", image="no-shell", path="/data/big.bin", content="x", max_bytes=1000),
        check("missing", "image_file", image="no-shell", path="/data/nope.txt"),
    ]))
    graded = grade("--rubric", str(path))
    assert graded.points() == {"note": 1, "big": 1, "exact-big": 0, "missing": 0}
    assert "20000000 bytes" in " ".join(graded.check("big")["evidence"])
    assert "does not exist" in graded.check("missing")["message"]


def test_references_with_tags_digests_and_registries_are_normalised(student, tmp_path, grade):
    student.docker("image", "tag", "diamol/base", "localhost:5000/course/base:1.0")
    student.docker("image", "tag", "diamol/base", "two-names:latest")
    path = rubric(tmp_path, "\n".join([
        check("registry", "image", image="localhost:5000/course/base:1.0"),
        check("long-form", "image", image="docker.io/library/two-names:latest"),
        check("short-form", "image", image="two-names"),
        check("other-tag", "image", image="two-names:v2"),
        check("prefix-is-not-a-name", "image", image="two-name"),
    ]))
    graded = grade("--rubric", str(path))
    assert graded.points() == {"registry": 1, "long-form": 1, "short-form": 1, "other-tag": 0,
                               "prefix-is-not-a-name": 0}
    assert "two-names:latest" in graded.check("other-tag")["message"]


def test_a_rebuild_leaves_a_dangling_image_and_the_new_one_is_graded(student, tmp_path, grade):
    def dangling():
        return set(student.docker("image", "ls", "--quiet", "--filter", "dangling=true").split())

    student.build("rebuilt", "FROM diamol/base\nENV METHOD=GET\n")
    first = student.docker("image", "inspect", "--format", "{{.Id}}", "rebuilt").strip()
    before = dangling()
    student.build("rebuilt", "FROM diamol/base\nENV METHOD=HEAD\n")
    if ENGINE == "docker26-containerd":  # this image store deletes an image whose only name moved
        assert dangling() == before and first not in student.docker("image", "ls", "--quiet", "--no-trunc")
    else:
        assert dangling() - before == {first.split(":")[-1][:12]}  # Podman's ids have no sha256:
    graded = grade("--rubric", str(rubric(tmp_path, check("env", "image_config", image="rebuilt",
                                                           env={"METHOD": "HEAD"}))))
    assert graded.points() == {"env": 1}


def test_option_like_names_and_unicode_values_are_just_text(student, tmp_path, grade):
    student.docker("container", "run", "--name", "rf-student", "--env", "TARGET=도커.한국",
                   "diamol/base", "sh", "-c", 'echo "Pinging: $TARGET"')
    path = rubric(tmp_path, "\n".join([
        check("unicode", "container", name="rf-student", env={"TARGET": {"matches": "^도커"}},
              logs="Pinging: ${TARGET}$", own_command=False),
        check("option", "container", name="--all"),
        check("substring", "container", name="rf-stud"),
    ]))
    graded = grade("--rubric", str(path))
    assert graded.points() == {"unicode": 1, "option": 0, "substring": 0}
    assert "no container named --all" in graded.check("option")["message"]


def test_long_logs_are_read_at_the_start_and_the_end_only(student, tmp_path, grade):
    student.docker("container", "run", "--name", "chatty", "diamol/base", "sh", "-c",
                   "seq 1 300000; echo the last line")
    path = rubric(tmp_path, "\n".join([
        check("tail", "container", name="chatty", logs="^the last line$", own_command=False),
        check("start", "container", name="chatty", logs="^1$", own_command=False),
        check("middle", "container", name="chatty", logs="^150000$", own_command=False),
    ]))
    graded = grade("--rubric", str(path))
    assert graded.points() == {"tail": 1, "start": 1, "middle": 0}


def test_a_probe_gets_half_a_cpu_a_read_only_root_and_a_small_tmp(student, tmp_path, grade):
    path = rubric(tmp_path, "\n".join([
        # cgroup v1 names the quota cpu.cfs_quota_us, v2 cpu.max ("50000 100000"): 0.5 CPU either way.
        check("cpu", "run", image="diamol/base",
              command="cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu.max 2>/dev/null",
              expect=r"^50000\b"),
        check("root", "run", image="diamol/base", command="touch /written 2>&1 || echo refused",
              expect="^refused$"),
        check("tmp", "run", image="diamol/base", command="echo scratch > /tmp/x && cat /tmp/x", expect="^scratch$"),
        check("tmpcap", "run", image="diamol/base",
              command="dd if=/dev/zero of=/tmp/big bs=1M count=64 2>&1; echo end",
              expect="No space left"),
    ]))
    graded = grade("--rubric", str(path))
    assert graded.points() == {"cpu": 1, "root": 1, "tmp": 1, "tmpcap": 1}, graded.out
    assert probes(student) == []


def trickling_server(interval: float):
    """A loopback HTTP server that sends its answer one byte every `interval` seconds."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def trickle(conn):
        try:
            conn.recv(4096)
            for byte in b"HTTP/1.0 200 OK\r\nContent-Length: 40\r\n\r\n" + b"x" * 40:
                conn.send(bytes([byte]))
                time.sleep(interval)
        except OSError:
            pass
        finally:
            conn.close()

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return server


def test_a_trickling_page_gets_one_deadline_not_one_per_read(student, tmp_path, grade):
    server = trickling_server(0.5)
    try:
        port = server.getsockname()[1]
        graded = grade("--rubric", str(rubric(tmp_path, check("page", "http", port=port, timeout=2))))
    finally:
        server.close()
    assert graded.status("page") == "failed"  # 40 bytes at 0.5 s each: no read ever waits 2 s
    assert "timed out: no answer within 2 s" in graded.check("page")["message"]


def test_timeout_ends_the_run_while_a_check_is_stuck_reading(student, tmp_path):
    import json

    server = trickling_server(3)
    try:
        path = rubric(tmp_path, "\n".join([
            check("quick", "image", image="diamol/base"),
            check("page", "http", port=server.getsockname()[1], timeout=30),
        ]))
        # Before, the run hung here far past --timeout: the worker thread was joined at exit.
        result = subprocess.run(["grade", "--rubric", str(path), "--timeout", "3", "--json", str(tmp_path / "r.json")],
                                env=grade_env(student.host), capture_output=True, text=True, timeout=25)
    finally:
        server.close()
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "took longer than --timeout 3 s" in result.stdout and "Total: 1/2" in result.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert {c["id"]: c["status"] for c in report["checks"]} == {"quick": "passed", "page": "error"}


def test_a_catastrophic_rubric_regex_is_stopped_and_the_run_ends(student, tmp_path):
    import json

    student.docker("container", "run", "--name", "aaa", "diamol/base", "sh", "-c", f"echo {'a' * 41}!")
    path = rubric(tmp_path, "\n".join([
        # `own_command: false`: the container runs a command of its own, not its image's.
        check("nested", "container", name="aaa", logs="^(a+)+$", own_command=False),  # the pattern
        check("overlap", "container", name="aaa", logs="^(a|aa)+$", own_command=False),  # exponential in `regex` too
        check("fine", "container", name="aaa", logs="^a+!$", own_command=False),
    ]))
    result = subprocess.run(["grade", "--rubric", str(path), "--json", str(tmp_path / "r.json")],
                            env=grade_env(student.host), capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr
    report = {c["id"]: c for c in json.loads((tmp_path / "r.json").read_text())["checks"]}
    assert report["nested"]["status"] == "failed" and report["fine"]["status"] == "passed"
    # Not the student's fault: an error naming the pattern, no point lost, exit 3 like other faults.
    assert report["overlap"]["status"] == "error"
    assert "took longer than 2 s" in report["overlap"]["message"]
    assert result.returncode == 3


def test_engine_text_cannot_forge_report_lines(student, tmp_path, grade):
    forged = "x\n  ✓ [3/3] A web-ping container ran\nTotal: 25/25 (100.0%)\x1b[2J"
    student.docker("container", "run", "--name", "forger", "--env", f"TARGET={forged}", "diamol/base",
                   "sh", "-c", 'printf "%s\\n" "$TARGET"')
    path = rubric(tmp_path, "\n".join([
        check("env", "container", name="forger", env={"TARGET": "blog.sixeyed.com"}),
        check("logs", "container", name="forger", logs="^blog", own_command=False),
        check("run", "run", image="diamol/base", command=["printf", forged], expect="^never$"),
    ]))
    graded = grade("--rubric", str(path))
    lines = graded.out.splitlines()
    assert [line for line in lines if line.startswith("Total")] == ["Total: 0/3 (0.0%)"]
    assert not any(line.startswith("  ✓") for line in lines)
    assert "\x1b" not in graded.out
    assert "\\e[2J" in graded.out or "\\x1b[2J" in graded.out


@pytest.mark.parametrize("target", ["/dev/full", "fifo"])
def test_a_report_that_cannot_be_written_never_loses_the_grade(student, tmp_path, target):
    import os

    if target == "fifo":  # nobody reads it: opening it must not block the run forever
        target = str(tmp_path / "fifo")
        os.mkfifo(target)
    path = rubric(tmp_path, check("base", "image", image="diamol/base"))
    result = subprocess.run(["grade", "--rubric", str(path), "--junit", target,
                             "--json", str(tmp_path / "r.json")],
                            env=grade_env(student.host), capture_output=True, text=True, timeout=60)
    assert result.returncode == 4 and "Traceback" not in result.stderr
    assert "Total: 1/1 (100.0%)" in result.stdout  # the grade is shown first
    assert f"Could not write the report {target}" in result.stderr
    assert (tmp_path / "r.json").exists()  # the other report is still written


def test_lab_names_are_ids_not_paths(student, tmp_path):
    target = tmp_path / "x.yaml"
    target.write_text("version: 1\n")
    for args in (["explain", str(tmp_path / "x")], ["explain", "../../" + str(tmp_path / "x")], [str(target)]):
        result = subprocess.run(["grade", *args], env=grade_env(student.host), capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "is not a lab name" in result.stderr and "--rubric FILE" in result.stderr


def test_long_lists_of_tags_are_capped_with_how_many_more(student, tmp_path, grade):
    for i in range(30):
        student.docker("image", "tag", "diamol/base", f"many-tags:t{i:02d}")
    path = rubric(tmp_path, check("missing", "image", image="many-tags:nope"))
    graded = grade("--rubric", str(path))
    found = graded.check("missing")
    assert found["message"].endswith("many-tags:t09, ... 20 more")
    assert len(found["evidence"]) == 20 and found["evidence"][-1] == "... 11 more"
    assert "      · ... 26 more" in graded.out  # the terminal shows 4 of the 30
