#!/usr/bin/env python3
"""How soon `grade ch03 --watch` shows a change: from the moment a docker command that changes the
engine returns (its event is out by then) to the moment the checklist line it changes is on the
terminal, read from a pseudo-terminal as a student's screen would show it.

    eval "$(GRADE_ENGINE_DIR=/tmp/my-engine bash scripts/engine start)"; bash scripts/standins
    python3 benchmarks/watch.py [--runs N]

On the engine DOCKER_HOST names (holding the stand-ins, none of the chapter's own work), with the
docker CLI in $DOCKER (default `docker`; for Podman, scripts/podman-docker), each of N rounds:
  tag     `docker image tag` of a built web-ping as web-ping    until  ✓ [2/2] Image web-ping:latest is built
  probe   the same command                                        until  ✓ [3/3] Overriding TARGET ... (a probe ran)
  untag   `docker image rm web-ping`                              until  ✗ [0/2] Image web-ping:latest is built
  build   `docker image build --tag web-ping .` (all cached)      until  ✓ [2/2] Image web-ping:latest is built
It prints the median and the largest latency of each, in milliseconds. The wait before a
re-grade (a burst of events is graded once it has been quiet for 0.4 s) is part of every figure;
on Docker's containerd image store a BuildKit build emits no event and is seen by the image
listing's poll (every 2 s). The images it makes (web-ping, bench-watch:kept) are removed at the
end, the grader's own probes by the grader; nothing is written into the repository.
"""
from __future__ import annotations

import argparse
import os
import pty
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTEXT = ROOT / "labs" / "ch03" / "web-ping"
KEPT = "bench-watch:kept"  # a second name, so that removing web-ping only untags the image
TAG_LINE = "✓ [2/2] Image web-ping:latest is built"
PROBE_LINE = "✓ [3/3] Overriding TARGET and METHOD changes what web-ping does"
UNTAG_LINE = "✗ [0/2] Image web-ping:latest is built"
PATIENCE = 120.0


class Screen:
    """What a terminal shows of grade's output: lines erased by `ESC[nF ESC[J` are gone."""

    TOKEN = re.compile(r"\x1b\[(\d+)F\x1b\[J|\r\n|\x1b\[[0-9;?]*[A-Za-z]")
    HELD = re.compile(r"(\x1b(\[[0-9;?]*)?|\r|\x1b\[\d+F(\x1b\[?)?)\Z")

    def __init__(self):
        self.lines: list[str] = []
        self.current = ""
        self.pending = ""

    def feed(self, text: str) -> None:
        text = self.pending + text
        # Held back to the next read: an unfinished sequence, or an ESC[nF whose ESC[J is still to come.
        held = self.HELD.search(text)
        text, self.pending = (text[:held.start()], held.group()) if held else (text, "")
        at = 0
        for m in self.TOKEN.finditer(text):
            self.current += text[at:m.start()]
            at = m.end()
            if m.group() == "\r\n":
                self.lines.append(self.current)
                self.current = ""
            elif m.group(1):
                del self.lines[len(self.lines) - int(m.group(1)):]
        self.current += text[at:]

    def shows(self, line: str) -> bool:
        return any(line in x for x in self.lines)


class Watch:
    def __init__(self, env: dict):
        self.leader, follower = pty.openpty()
        self.proc = subprocess.Popen(["grade", "ch03", "--watch"], stdin=follower, stdout=follower,
                                     stderr=follower, env=env, close_fds=True)
        os.close(follower)
        self.screen = Screen()

    def until(self, line: str) -> float:
        """Read until the screen shows `line`; when it did (time.perf_counter)."""
        deadline = time.perf_counter() + PATIENCE
        while not self.screen.shows(line):
            if time.perf_counter() > deadline:
                raise SystemExit(f"the watch never showed {line!r}:\n" + "\n".join(self.screen.lines[-40:]))
            ready, _, _ = select.select([self.leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.leader, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise SystemExit(f"grade ended (exit {self.proc.poll()}) before showing {line!r}")
                self.screen.feed(chunk.decode(errors="replace"))
        return time.perf_counter()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            while select.select([self.leader], [], [], 5)[0] and os.read(self.leader, 65536):
                pass
        except OSError:
            pass
        code = self.proc.wait(timeout=120)
        os.close(self.leader)
        return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="rounds (default 10)")
    args = parser.parse_args()
    if not os.environ.get("DOCKER_HOST"):
        raise SystemExit("set DOCKER_HOST to the engine to use (see the header of this script)")
    docker = os.environ.get("DOCKER") or shutil.which("docker") or "docker"
    env = {**os.environ, "COLUMNS": "200", "LINES": "100", "LANG": "C.UTF-8"}

    def run(*words: str, cwd: Path | None = None) -> float:
        """Run a docker command; when it returned (time.perf_counter)."""
        subprocess.run([docker, *words], env=env, cwd=cwd, check=True, capture_output=True, timeout=600)
        return time.perf_counter()

    figures: dict[str, list[float]] = {"tag": [], "probe": [], "untag": [], "build": []}
    with tempfile.TemporaryDirectory(prefix="grade-bench-watch-") as folder:
        context = Path(folder)
        for name in ("Dockerfile", "app.js"):
            shutil.copy(CONTEXT / name, context / name)
        run("image", "build", "--tag", KEPT, ".", cwd=context)  # later builds of web-ping are all cached
        watch = Watch(env)
        try:
            watch.until("Watching ")
            watch.until(UNTAG_LINE)
            for i in range(args.runs):
                done = run("image", "tag", KEPT, "web-ping")
                figures["tag"].append(watch.until(TAG_LINE) - done)
                figures["probe"].append(watch.until(PROBE_LINE) - done)
                done = run("image", "rm", "web-ping")
                figures["untag"].append(watch.until(UNTAG_LINE) - done)
                done = run("image", "build", "--tag", "web-ping", ".", cwd=context)
                figures["build"].append(watch.until(TAG_LINE) - done)
                watch.until(PROBE_LINE)  # the round is over when the probe has run again
                run("image", "rm", "web-ping")
                watch.until(UNTAG_LINE)
                print(f"round {i + 1}/{args.runs} done", file=sys.stderr, flush=True)
        finally:
            code = watch.stop()
            subprocess.run([docker, "image", "rm", "web-ping"], env=env, capture_output=True)
            subprocess.run([docker, "image", "rm", KEPT], env=env, capture_output=True)
        left = subprocess.run([docker, "container", "ls", "--all", "--quiet", "--filter", "label=org.grade.probe"],
                              env=env, capture_output=True, text=True).stdout.split()
    server = subprocess.run([docker, "version", "--format", "{{.Server.Version}}"], env=env,
                            capture_output=True, text=True).stdout.strip()
    print(f"grade ch03 --watch, engine {server or '?'} at {env['DOCKER_HOST']}, {args.runs} rounds, "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"{'change':8} {'median ms':>10} {'max ms':>8}   until the line")
    for name, line in (("tag", TAG_LINE), ("probe", PROBE_LINE), ("untag", UNTAG_LINE), ("build", TAG_LINE)):
        values = [1000 * v for v in figures[name]]
        print(f"{name:8} {statistics.median(values):10.0f} {max(values):8.0f}   {line}")
    print(f"exit code on Ctrl-C: {code}; probe containers left: {len(left)}")
    return 0 if code == 130 and not left else 1


if __name__ == "__main__":
    sys.exit(main())
