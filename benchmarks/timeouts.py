#!/usr/bin/env python3
"""Time the grader's bounds on an engine that holds the stand-ins (the tests assert what these
runs grade, never how long they take).

    eval "$(GRADE_ENGINE_DIR=/tmp/my-engine bash scripts/engine start)"; bash scripts/standins
    python3 benchmarks/timeouts.py

Each case is a rubric graded by the installed `grade` as a fresh process; it prints each wall
time against its target and exits 1 when one misses it:
  probes     four quick probes and one that times out after 1 s          under 20 s
  stubborn   a probe that ignores SIGTERM, with a 1 s timeout              under 15 s
  deadline   `--timeout 2` with a check that would run for 60 s           under 15 s
Nothing is left on the engine (the grader removes its probes) or in the repository.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml


def rubric(checks: list[dict]) -> dict:
    return {"version": 1, "lab": "bench", "title": {"en": "Bounds", "ko": "한도"},
            "sections": [{"id": "s", "title": {"en": "Bounds", "ko": "한도"},
                          "checks": [{"title": {"en": c["id"], "ko": c["id"]}, "hint": {"en": "-", "ko": "-"},
                                      "points": 1, **c} for c in checks]}]}


def probe(id: str, command: str, expect: str, timeout: float | None = None) -> dict:
    out = {"id": id, "kind": "run", "image": "diamol/base", "command": command, "expect": expect}
    return out if timeout is None else {**out, "timeout": timeout}


CASES = [
    ("probes", 20, [], [probe("net", "ls /sys/class/net", r"\Alo\s*\Z"),
                        probe("caps", "grep CapEff /proc/self/status", r"CapEff:\s+0+$"),
                        probe("nnp", "grep NoNewPrivs /proc/self/status", r"NoNewPrivs:\s+1$"),
                        probe("wget", "wget -q -T 2 -O- http://127.0.0.1:1/ || echo unreachable", "^unreachable$"),
                        probe("timeout", "echo started; sleep 60", "never", 1)]),
    ("stubborn", 15, [], [probe("stubborn", "trap '' TERM; echo started; sleep 60", "never", 1)]),
    ("deadline", 15, ["--timeout", "2"], [{"id": "quick", "kind": "image", "image": "diamol/base"},
                                          probe("slow", "sleep 60", "never", 60)]),
]


def main() -> int:
    missed = 0
    with tempfile.TemporaryDirectory() as folder:
        for name, target, options, checks in CASES:
            path = Path(folder) / f"{name}.yaml"
            path.write_text(yaml.safe_dump(rubric(checks), allow_unicode=True))
            start = time.monotonic()
            subprocess.run(["grade", "--rubric", str(path), *options], capture_output=True, timeout=120)
            took = time.monotonic() - start
            missed += took >= target
            print(f"{name:10} {took:6.1f} s   target under {target} s   {'ok' if took < target else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
