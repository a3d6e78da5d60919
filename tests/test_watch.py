"""`grade LAB --watch`: the checklist follows what the student types, on a real engine. Each test
waits (with a generous bound) until the screen or the output shows what it expects; none times
anything (benchmarks/watch.py does)."""
from __future__ import annotations

import json
import os
import pty
import queue
import re
import select
import signal
import subprocess
import threading
import time

from conftest import ENGINE, check, ctrl_c_reaches_it, grade_env, rubric
from engines import ENGINE as ENGINE_SCRIPT
from engines import throwaway_engine
from test_ch03_scenarios import build_web_ping, commit_lab
from test_student_view import final_screen

PATIENCE = 300  # seconds to wait for a line before failing: a loaded machine is slow, never wrong


class Terminal:
    """`grade` with a pseudo-terminal as its output, read as the screen shows it."""

    def __init__(self, args: list[str], env: dict):
        self.leader, follower = pty.openpty()
        self.proc = subprocess.Popen(["grade", *args], stdin=follower, stdout=follower, stderr=follower,
                                     env=env, close_fds=True, preexec_fn=ctrl_c_reaches_it)
        os.close(follower)
        self.stream = b""

    def screen(self) -> str:
        """What the terminal shows now: erased lines gone, no colour, no cursor switches."""
        return re.sub(r"\x1b\[\?25[lh]", "", final_screen(self.stream.decode(errors="replace")))

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.leader], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.leader, 65536)
        except OSError:  # the other side closed: grade ended
            return False
        self.stream += chunk
        return bool(chunk)

    def until(self, *texts: str) -> str:
        """Read until the screen shows every one of `texts`; the screen then."""
        deadline = time.monotonic() + PATIENCE
        while True:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            assert time.monotonic() < deadline, f"the screen never showed {texts}:\n{screen}"
            assert self._read(0.5), f"grade ended (exit {self.proc.poll()}) before showing {texts}:\n{screen}"

    def stop(self, sig: int) -> int:
        """Send `sig`, read to the end; grade's exit code."""
        self.proc.send_signal(sig)
        deadline = time.monotonic() + PATIENCE
        while self._read(0.5) and time.monotonic() < deadline:
            pass
        return self.proc.wait(timeout=60)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=60)
        os.close(self.leader)


class Piped:
    """`grade` with its output in pipes, read line by line as it comes."""

    def __init__(self, args: list[str], env: dict):
        self.proc = subprocess.Popen(["grade", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.SimpleQueue = queue.SimpleQueue()
        for stream, into in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, into), daemon=True).start()

    def _pump(self, stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))
            self._lines.put(None)
        self._lines.put(None)

    def until(self, *lines: str, where: str = "out") -> None:
        deadline = time.monotonic() + PATIENCE
        seen = self.out if where == "out" else self.err
        while not all(line in seen for line in lines):
            assert time.monotonic() < deadline, f"never printed {lines}:\n" + "\n".join(self.out + self.err)
            try:
                self._lines.get(timeout=0.5)
            except queue.Empty:
                pass

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=60)


def probes_left(student) -> str:
    return student.docker("container", "ls", "--all", "--quiet", "--filter", "label=org.grade.probe").strip()


def test_the_checklist_follows_the_books_commands_and_ctrl_c_leaves_nothing(student):
    term = Terminal(["ch03", "--watch"], grade_env(student.host, COLUMNS="200", LINES="80"))
    try:
        term.until("Watching unix://", "✗ [0/2] Image web-ping:latest is built")
        # A wrong command turns nothing: the book's finished image under the name to build is
        # seen (the message says why) and stays ✗.
        student.docker("image", "tag", "diamol/ch03-web-ping", "web-ping")
        screen = term.until("web-ping:latest is diamol/ch03-web-ping under another name")
        assert "✗ [0/2] Image web-ping:latest is built" in screen
        build_web_ping(student)
        term.until("✓ [2/2] Image web-ping:latest is built", "✓ [1/1] web-ping is built FROM diamol/node",
                   "✓ [3/3] Overriding TARGET and METHOD changes what web-ping does",
                   "✓ [2/2] web-ping's layers follow the Dockerfile's instructions")
        # Left running: its `Pinging: google.com` line comes after the container's last event.
        student.docker("container", "run", "--detach", "--env", "TARGET=google.com", "diamol/ch03-web-ping")
        term.until("✓ [3/3] A web-ping container ran with TARGET overridden")
        commit_lab(student)
        screen = term.until("✓ [1/1] Container ch03lab was run from diamol/ch03-lab",
                            "✓ [2/2] Image ch03-lab-soln exists, built on diamol/ch03-lab",
                            "✓ [2/2] ch03-lab-soln was made with docker container commit",
                            "✓ [3/3] ch03.txt in ch03-lab-soln is signed with your name",
                            "Total: 25/25 (100.0%), bonus +0 of 2")
        code = term.stop(signal.SIGINT)
    finally:
        term.close()
    assert code == 130
    final = term.screen()
    assert "✓ [3/3] ch03.txt in ch03-lab-soln is signed with your name" in final  # the last checklist stays
    assert "Total: 25/25 (100.0%), bonus +0 of 2" in final and "Watching" not in final
    assert "Interrupted: grading stopped and its probe containers were removed." in final
    assert term.stream.rfind(b"\x1b[?25h") > term.stream.rfind(b"\x1b[?25l")  # the cursor is shown again
    assert probes_left(student) == ""


def test_piped_each_change_is_a_line_and_sigterm_writes_the_report(student, tmp_path):
    report = tmp_path / "watch.json"
    watch = Piped(["ch03", "--watch", "--json", str(report)], grade_env(student.host))
    try:
        watch.until("Total: 1/25 (4.0%), bonus +0 of 2")  # the first grading, as `grade ch03` prints it
        watch.until(f"Watching {student.host} for changes; Ctrl-C to stop.", where="err")
        first = len(watch.out)
        student.docker("image", "tag", "diamol/ch03-web-ping", "web-ping")  # changes no status
        build_web_ping(student)
        watch.until("ch03 web-ping-tag: passed (was failed)", "ch03 web-ping-env-behavior: passed (was skipped)")
        watch.proc.send_signal(signal.SIGTERM)
        code = watch.proc.wait(timeout=PATIENCE)
    finally:
        watch.close()
    assert code == 130
    changes = watch.out[first:]
    assert all(re.fullmatch(r"ch03 [a-z0-9-]+: \w+ \(was \w+\)|Total: .*", line) for line in changes), changes
    assert not any(line.startswith("ch03 web-ping-tag: failed") for line in changes)
    graded = json.loads(report.read_text())  # the last checklist, written on the way out
    assert {c["id"]: c["status"] for c in graded["checks"]}["web-ping-layers"] == "passed"
    assert probes_left(student) == ""


def test_an_engine_that_goes_away_is_said_and_exits_3(tmp_path):
    path = rubric(tmp_path, check("base", "image", image="diamol/base"))
    with throwaway_engine() as (host, engine_dir):
        watch = Piped(["--rubric", str(path), "--watch"], grade_env(host))
        try:
            watch.until(f"Watching {host} for changes; Ctrl-C to stop.", where="err")
            env = {**os.environ, "GRADE_ENGINE_DIR": str(engine_dir), "GRADE_ENGINE_KIND": ENGINE}
            subprocess.run([ENGINE_SCRIPT, "stop"], env=env, check=True, capture_output=True)
            code = watch.proc.wait(timeout=PATIENCE)
        finally:
            watch.close()
    err = "\n".join(watch.err)
    assert code == 3, err
    # The rubric is a file: `grade test --watch` would find no lab called test.
    assert f"lost the Docker Engine at {host}" in err and f"run `grade --rubric {path} --watch` again" in err, err
    assert "Total: 0/1 (0.0%)" in watch.out and not any("(was " in line for line in watch.out)
