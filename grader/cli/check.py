"""`grade LAB`: grade a lab on the engine and print (and write) its report."""
from __future__ import annotations

import os
import sys

import click

from ..text import _
from . import LabCommand, main
from .common import (
    EXIT_ENGINE,
    EXIT_INTERRUPTED,
    EXIT_REPORT_UNWRITTEN,
    EXIT_USAGE,
    LANG_OPTION,
    check_host,
    check_report_path,
    default_student,
    lang_of,
    load_rubric,
    say,
    write,
)


@main.command("check", hidden=True, cls=LabCommand)
@click.argument("lab", required=False)
@click.option("--rubric", "rubric_file", type=click.Path(dir_okay=False),
              help="Grade this rubric file instead of a bundled lab.")
@click.option("--json", "json_path", metavar="PATH", help="Also write the JSON report here.")
@click.option("--junit", "junit_path", metavar="PATH", help="Also write the JUnit XML report here.")
@click.option("--student", metavar="ID",
              help="Student id for the reports (default: GITLAB_USER_LOGIN in GitLab CI, else your user name).")
@click.option("--host", metavar="URL",
              help="Engine address, e.g. unix:///var/run/docker.sock or tcp://docker:2376 "
                   "(default: DOCKER_HOST, then the docker context).")
@click.option("--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True,
              help="Seconds the whole grading may take; checks still running then are errors.")
@click.option("--call-timeout", type=click.FloatRange(min=0.5), default=10.0, show_default=True,
              help="Seconds to wait for each engine call.")
@click.option("--watch", is_flag=True,
              help="Keep watching the engine: after each change, re-grade what it can affect and update "
                   "the checklist, until Ctrl-C (the reports are written then).")
@LANG_OPTION
def check(lab, rubric_file, json_path, junit_path, student, host, timeout, call_timeout, watch, lang):
    """Grade LAB (a bundled rubric, see `grade list`) on your Docker Engine: `grade ch03`."""
    lang = lang_of(lang)
    rubric = load_rubric(lab, rubric_file, lang)
    check_host(host, lang)
    for path, option in ((json_path, "--json"), (junit_path, "--junit")):
        if path:
            check_report_path(path, option, lang)
    if json_path and junit_path and os.path.abspath(json_path) == os.path.abspath(junit_path):
        # The JUnit report would overwrite the JSON one without a word.
        say(_("--json and --junit both name {path}: give each report its own file, e.g. `--json {example}.json "
              "--junit {example}.xml`", path=json_path, example=os.path.splitext(json_path)[0]), lang)
        sys.exit(EXIT_USAGE)
    from ..engine import EngineError
    from ..grading import grade, unreachable_report
    from ..reports import json_report, junit, terminal
    from ..reports.live import Live as LiveView
    from ..session import engine_session

    student = student or default_student()
    if watch:
        _watch(rubric, host, call_timeout, student, timeout, lang, json_path, junit_path)
    reached = False
    # On a terminal, results appear as checks finish and running probes show their wait; piped
    # (CI logs), the report is printed once at the end, as stable plain text.
    live = LiveView(rubric, lang, color=True) if sys.stdout.isatty() else None
    try:
        with engine_session(host, call_timeout) as engine:
            reached = True
            if live is not None:
                live.open(student)
                report = grade(rubric, engine, student, budget=timeout,
                               on_progress=live.started, on_result=live.finished)
                live.close(report)
            else:
                report = grade(rubric, engine, student, budget=timeout)
    except EngineError as e:
        say(e.message, lang)
        report = unreachable_report(rubric, student, e)
    except KeyboardInterrupt:
        if live is not None:
            live.close()
        say(_("Interrupted: grading stopped and its probe containers were removed."), lang)
        sys.exit(EXIT_INTERRUPTED)
    from ..signing import key_from_env  # with GRADE_SIGNING_KEY set, each report carries an HMAC signature
    # The grade is shown first: a report file that cannot be written must not lose it.
    if reached and live is None:
        click.echo(terminal.render(report, lang, color=False), nl=False)
    written = True
    if json_path:
        written &= write(json_path, json_report.render(report, lang, key_from_env()), lang)
    if junit_path:
        written &= write(junit_path, junit.render(report, lang, key_from_env()), lang)
    code = report.exit_code()
    sys.exit(EXIT_REPORT_UNWRITTEN if not written and code != EXIT_ENGINE else code)


def _watch(rubric, host, call_timeout, student, timeout, lang, json_path, junit_path):
    """`grade LAB --watch`: the checklist follows the engine until Ctrl-C (or SIGTERM), which
    exits 130, or until the engine is lost, which exits 3; either way the last checklist stays on
    the screen, the probes are removed and --json/--junit get the last grading. `--timeout`
    bounds each grading. Piped, each re-grade prints the checks whose status changed."""
    from ..engine import EngineError
    from ..grading import unreachable_report
    from ..reports.live import WatchLog, WatchScreen
    from ..session import engine_session
    from ..watch import Watcher

    watcher: Watcher | None = None
    view: WatchScreen | WatchLog | None = None
    try:
        with engine_session(host, call_timeout) as engine:
            if sys.stdout.isatty():
                view = WatchScreen(rubric, lang, color=True, address=engine.address)
                view.open(student)
            else:
                view = WatchLog(rubric, lang, address=engine.address)
            watcher = Watcher(rubric, engine, student, timeout, view)
            lost = watcher.run()
        view.close(watcher.report)  # the session is over: its probes are removed
        again = f"{rubric.command} --watch"
        say(_("{lost}. The checklist above is the last one graded; run `{command}` again once the "
              "engine is back.", lost=lost.message, command=again), lang)
        code = EXIT_ENGINE
        report = watcher.report
        if report is not None:
            report.fault = report.fault or lost.message
    except EngineError as e:  # could not connect, or the engine failed before the first grading
        if view is not None:
            view.close(watcher.report if watcher else None)
        say(e.message, lang)
        code = EXIT_ENGINE
        report = (watcher.report if watcher else None) or unreachable_report(rubric, student, e)
    except KeyboardInterrupt:
        if view is not None:
            view.close(watcher.report if watcher else None)
        say(_("Interrupted: grading stopped and its probe containers were removed."), lang)
        code = EXIT_INTERRUPTED
        report = watcher.report if watcher else None
    if report is not None:  # a report that cannot be written is named on stderr; the exit code stays
        from ..reports import json_report, junit
        from ..signing import key_from_env

        if json_path:
            write(json_path, json_report.render(report, lang, key_from_env()), lang)
        if junit_path:
            write(junit_path, junit.render(report, lang, key_from_env()), lang)
    sys.exit(code)
