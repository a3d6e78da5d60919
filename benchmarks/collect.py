#!/usr/bin/env python3
"""Benchmark `grade collect` on a class's worth of reports.

    python3 benchmarks/collect.py [--reports 1000] [--runs 7] [--keep DIR]

Generates REPORTS report files in a temporary folder laid out as GitLab job artifacts
(`<student>/<job>/grade.json` and `grade-junit.xml`): the chapter 3 rubric's checks with varied
outcomes, rendered by the grader's own JSON and JUnit renderers and signed with a benchmark key.
The mix: most jobs have both reports, some only one of them; about one student in four ran the
job more than once (duplicates to merge). Then it times the installed `grade collect` (CSV and
HTML, `--verify`) as a fresh process RUNS times after a warm-up, and prints the median, min and
max wall time, the CPU time and the peak RSS of a run; it exits 1 when the median wall time misses
the target, under 2 s for 1,000 reports (the tests do not time anything). No engine or network
is needed; nothing is written into the repository.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.model import Report, Result, Status  # noqa: E402
from grader.reports import json_report, junit  # noqa: E402
from grader.rubric import load  # noqa: E402
from grader.text import Authored, verbatim  # noqa: E402

KEY = "benchmark-signing-key"
TARGET_S = 2.0


def make_report(rubric, student: str, started: float, rng: random.Random) -> Report:
    skill = rng.random()
    report = Report(lab=rubric.lab, title=rubric.title, student=student,
                    engine={"address": "tcp://docker:2376", "server_version": "27.3.1", "api_version": "1.47"},
                    started=started, seconds=rng.uniform(0.5, 3))
    for spec in rubric.checks:
        ok = rng.random() < skill + 0.2
        report.results.append(Result(
            id=spec.id, section=spec.section, section_title=spec.section_title, title=spec.title,
            status=Status.PASSED if ok else Status.FAILED, score=spec.points if ok else 0,
            max_score=spec.points, bonus=spec.bonus,
            message=Authored("as expected", "기대한 대로") if ok else Authored("not found", "없음"), hint=spec.hint,
            evidence=(verbatim(f"id: {rng.getrandbits(48):012x}"), verbatim("tags: web-ping:latest")),
            seconds=rng.uniform(0, 0.05)))
    return report


def generate(folder: Path, count: int, seed: int = 3) -> dict:
    """`count` report files under `folder`; returns what was made."""
    rng = random.Random(seed)
    rubric = load(ROOT / "rubrics" / "ch03.yaml")
    key = KEY.encode()
    files = jobs = 0
    students = 0
    t0 = time.time() - 30 * 86400
    while files < count:
        students += 1
        student = f"student{students:04d}"
        for run in range(1 + (rng.random() < 0.25) * rng.randint(1, 2)):
            jobs += 1
            report = make_report(rubric, student, t0 + students * 60 + run * 3600, rng)
            job = folder / student / f"job-{jobs}"
            job.mkdir(parents=True)
            kind = rng.random()
            if kind < 0.7 or count - files == 1:  # both, as the template uploads them
                wanted = ["json", "junit"] if count - files >= 2 else ["json"]
            else:
                wanted = ["json"] if kind < 0.85 else ["junit"]
            for k in wanted:
                if k == "json":
                    path = job / "grade.json"
                    path.write_text(json_report.render(report, "en", key))
                else:
                    path = job / "grade-junit.xml"
                    path.write_text(junit.render(report, "en", key))
                # As in an artifacts archive: the file's time is when the job wrote it.
                os.utime(path, (report.started + report.seconds,) * 2)
                files += 1
    return {"files": files, "students": students, "jobs": jobs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (default: a temp dir, removed)")
    args = ap.parse_args()
    grade = shutil.which("grade")
    if not grade:
        print("`grade` is not installed (bash scripts/setup)", file=sys.stderr)
        return 2
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="grade-bench-collect-"))
    try:
        reports = tmp / "artifacts"
        t = time.perf_counter()
        made = generate(reports, args.reports)
        gen_s = time.perf_counter() - t
        size = sum(p.stat().st_size for p in reports.rglob("*") if p.is_file())
        print(f"generated {made['files']} reports ({size / 1e6:.1f} MB) for {made['students']} students, "
              f"{made['jobs']} jobs, in {gen_s:.1f} s", file=sys.stderr)
        env = {**os.environ, "GRADE_SIGNING_KEY": KEY}
        cmd = [grade, "collect", str(reports), "--csv", str(tmp / "gradebook.csv"),
               "--html", str(tmp / "class-report.html"), "--verify"]
        times, cpu = [], []
        for i in range(args.runs + 1):
            t = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = subprocess.run(cmd, env=env, capture_output=True, text=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            elapsed = time.perf_counter() - t
            if result.returncode != 0:
                print(f"grade collect exited {result.returncode}:\n{result.stderr}", file=sys.stderr)
                return 1
            if i:  # the first run warms the page cache and the interpreter's bytecode cache
                times.append(elapsed)
                # CPU time as well: on a shared machine the wall time also measures the neighbours.
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows = sum(1 for _ in open(tmp / "gradebook.csv")) - 1
        median = statistics.median(times)
        print(f"grade collect, {made['files']} reports -> {rows} rows (CSV + HTML, --verify), {args.runs} runs")
        print(f"  median {median:.3f} s   min {min(times):.3f} s   max {max(times):.3f} s   target < {TARGET_S} s")
        print(f"  CPU median {statistics.median(cpu):.3f} s   min {min(cpu):.3f} s")
        print(f"  peak RSS {rss_mb:.1f} MB")
        print(f"  summary: {result.stderr.strip().splitlines()[-1]}")
        return 0 if median < TARGET_S else 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
