"""The `grade` command. It parses arguments and renders results; grading lives elsewhere.

Heavy modules (the docker SDK, jsonschema) are imported inside commands so `grade --help` is quick.
"""
from __future__ import annotations

import difflib
import getpass
import os
import re
import sys
from pathlib import Path

import click

from . import __version__
from .text import Text, detect_lang

EXIT_OK, EXIT_POINTS_MISSING, EXIT_USAGE, EXIT_ENGINE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_REPORT_UNWRITTEN = 4  # graded and shown, but a report file could not be written (3 still wins)


class DefaultGroup(click.Group):
    """`grade ch03` means `grade check ch03`; `grade list` and `grade explain` stay commands."""

    default = "check"

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            near = difflib.get_close_matches(args[0], [c for c in self.commands if c != self.default], n=1)
            if near and not args[0].startswith("-") and not _looks_like_lab(args[0]):
                # `grade lsit`: a command mistyped, not a lab (labs are ids like ch03).
                lang = detect_lang(_option_value(args, "--lang"))
                _say(Text(f"There is no command '{args[0]}'. Did you mean `grade {near[0]}`?",
                          f"'{args[0]}' 명령은 없습니다. `grade {near[0]}` 명령을 찾으시나요?"), lang)
                sys.exit(EXIT_USAGE)
            args = [self.default] + list(args)
        elif not args:
            args = [self.default]
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        # The grading command is typed `grade ch03`: its usage and errors say `grade LAB`, never
        # the hidden name `check` that nobody types.
        return ("LAB" if name == self.default else name), cmd, rest

    def format_usage(self, ctx, formatter):
        formatter.write_usage("grade", "LAB [OPTIONS] | COMMAND [ARGS]...")


class LabCommand(click.Command):
    def format_usage(self, ctx, formatter):
        formatter.write_usage("grade", "LAB [OPTIONS]")


def _looks_like_lab(word: str) -> bool:
    """ch03, CH03, ch-03: a chapter id rather than a command."""
    return bool(re.fullmatch(r"(?i)ch[-_ ]?\d+.*", word))


def _option_value(args, name: str):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def _check_host(host: str | None, lang: str) -> None:
    """An engine address needs its scheme, as DOCKER_HOST does: suggest the one meant."""
    if not host or "://" in host:
        return
    if host.startswith("/") or host.endswith(".sock"):
        meant = "unix://" + host
    elif re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d+", host):
        meant = "tcp://" + host
    else:
        meant = f"tcp://{host}:2376"
    _say(Text(f"--host {host}: an engine address starts with unix:// or tcp://. Did you mean "
              f"--host {meant}?",
              f"--host {host}: 엔진 주소는 unix:// 또는 tcp://로 시작합니다. --host {meant} 주소를 뜻하셨나요?"),
         lang)
    sys.exit(EXIT_USAGE)


def _lang(value):
    return detect_lang(value)


def _say(text: Text, lang: str, err: bool = True) -> None:
    click.echo(text(lang), err=err)


def _load(lab: str | None, rubric_file: str | None, lang: str):
    """The rubric to grade, or exit 2 with a clear message."""
    from . import bundled
    from .rubric import RubricError, load

    if rubric_file and lab:
        _say(Text(f"Give a lab or --rubric FILE, not both: `grade {lab}` grades the bundled lab, "
                  f"`grade --rubric {rubric_file}` grades that file.",
                  f"실습 이름과 --rubric FILE 중 하나만 주세요. `grade {lab}` 명령은 제공되는 실습을, "
                  f"`grade --rubric {rubric_file}` 명령은 그 파일을 채점합니다."), lang)
        sys.exit(EXIT_USAGE)
    if rubric_file:
        path: Path | None = Path(rubric_file)
    elif lab:
        if not bundled.is_id(lab) and bundled.is_id(lab.lower()) and bundled.find(lab.lower()):
            lab = lab.lower()  # `grade CH03`: lab ids are lower-case, and only one is meant
        if not bundled.is_id(lab):
            _say(Text(f"'{lab}' is not a lab name: lab names are like ch03 (lower-case letters, digits "
                      "and '-'). To use a rubric file, give it with --rubric FILE.",
                      f"'{lab}' 값은 실습 이름이 아닙니다. 실습 이름은 ch03처럼 영소문자, 숫자, '-'로만 "
                      "이루어집니다. 루브릭 파일을 쓰려면 --rubric FILE로 주세요."), lang)
            sys.exit(EXIT_USAGE)
        path = bundled.find(lab)
        if path is None:
            near = bundled.nearest(lab)
            known = ", ".join(bundled.bundled()) or "-"
            msg = Text(f"There is no lab called '{lab}'." + (f" Did you mean '{near}'?" if near else "") +
                       f" Bundled labs: {known}. Run `grade list` to see them.",
                       f"'{lab}' 실습은 없습니다." + (f" '{near}' 실습을 찾으시나요?" if near else "") +
                       f" 제공되는 실습: {known}. `grade list`로 볼 수 있습니다.")
            _say(msg, lang)
            sys.exit(EXIT_USAGE)
    else:
        _say(Text("Say which lab to grade, e.g. `grade ch03` (see `grade list`), or give --rubric FILE.",
                  "채점할 실습을 적으세요. 예: `grade ch03` (`grade list` 참고) 또는 --rubric FILE."), lang)
        sys.exit(EXIT_USAGE)
    try:
        return load(path)
    except RubricError as e:
        _say(Text("The rubric has problems:", "루브릭에 문제가 있습니다:"), lang)
        click.echo(e.render(lang), err=True)
        sys.exit(EXIT_USAGE)


def _default_student() -> str:
    if os.environ.get("GITLAB_CI") and os.environ.get("GITLAB_USER_LOGIN"):
        return os.environ["GITLAB_USER_LOGIN"]
    try:
        return getpass.getuser()
    except Exception:  # no user name (a bare container): still grade
        return "unknown"


def _check_report_path(path: str, option: str, lang: str) -> None:
    """Before grading, refuse a report path that cannot be a file: no grading time is wasted, and
    a folder is never created behind the user's back (a typo would hide the report there)."""
    target = Path(path)
    if target.is_dir():
        _say(Text(f"{option} {path}: that is a directory; give a file name, e.g. {path.rstrip('/')}/report",
                  f"{option} {path}: 디렉터리입니다. 파일 이름을 주세요. 예: {path.rstrip('/')}/report"), lang)
        sys.exit(EXIT_USAGE)
    parent = target.parent
    if not parent.is_dir():
        _say(Text(f"{option} {path}: the folder {parent} does not exist (or is not a folder); create it "
                  "first, e.g. `mkdir -p " + str(parent) + "`",
                  f"{option} {path}: {parent} 폴더가 없습니다(또는 폴더가 아닙니다). 먼저 만드세요. "
                  "예: `mkdir -p " + str(parent) + "`"), lang)
        sys.exit(EXIT_USAGE)


def _write(path: str, content: str, lang: str) -> bool:
    """Write one report; on failure name the file on stderr and say so (False)."""
    try:
        # O_NONBLOCK: a named pipe nobody reads fails at once (ENXIO) instead of blocking forever;
        # once open, writes block as usual.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK, 0o666)
        os.set_blocking(fd, True)
        with open(fd, "w", encoding="utf-8") as out:
            out.write(content)
        return True
    except OSError as e:
        _say(Text(f"Could not write the report {path}: {e.strerror or e}",
                  f"보고서 파일 {path}에 쓸 수 없습니다: {e.strerror or e}"), lang)
        return False


LANG_OPTION = click.option("--lang", type=click.Choice(["en", "ko"]), default=None,
                           help="Output language (default: from LANG/LC_ALL; ko_* gives Korean).")


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main():
    """Grade a Docker textbook lab by inspecting your Docker Engine.

    \b
      grade ch03                 grade chapter 3 on the engine DOCKER_HOST points at
      grade ch03 --lang ko       the same, in Korean
      grade list                 the labs you can grade
      grade explain ch03         what each check expects, without touching the engine
      grade ch03 --help          grading options: reports, student id, engine address

    Exit codes: 0 all points earned, 1 points missing, 2 usage or rubric error,
    3 the Docker Engine could not be reached, failed or grading hit --timeout,
    4 graded (the result is printed) but a --json/--junit file could not be written.
    """


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
@LANG_OPTION
def check(lab, rubric_file, json_path, junit_path, student, host, timeout, call_timeout, lang):
    """Grade LAB (a bundled rubric, see `grade list`) on your Docker Engine: `grade ch03`."""
    lang = _lang(lang)
    rubric = _load(lab, rubric_file, lang)
    _check_host(host, lang)
    for path, option in ((json_path, "--json"), (junit_path, "--junit")):
        if path:
            _check_report_path(path, option, lang)
    from .engine import EngineError
    from .grading import grade, unreachable_report
    from .reports import json_report, junit, terminal
    from .reports.live import Live as LiveView
    from .session import engine_session

    student = student or _default_student()
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
        _say(e.message, lang)
        report = unreachable_report(rubric, student, e)
    except KeyboardInterrupt:
        if live is not None:
            live.close()
        _say(Text("Interrupted: grading stopped and its probe containers were removed.",
                  "중단됨: 채점을 멈추고 채점용 컨테이너를 지웠습니다."), lang)
        sys.exit(EXIT_INTERRUPTED)
    from .signing import key_from_env  # with GRADE_SIGNING_KEY set, each report carries an HMAC signature
    # The grade is shown first: a report file that cannot be written must not lose it.
    if reached and live is None:
        click.echo(terminal.render(report, lang, color=False), nl=False)
    written = True
    if json_path:
        written &= _write(json_path, json_report.render(report, lang, key_from_env()), lang)
    if junit_path:
        written &= _write(junit_path, junit.render(report, lang, key_from_env()), lang)
    code = report.exit_code()
    sys.exit(EXIT_REPORT_UNWRITTEN if not written and code != EXIT_ENGINE else code)


@main.command("list")
@LANG_OPTION
def list_labs(lang):
    """List the bundled labs with their titles and points."""
    from . import bundled
    from .rubric import RubricError, load

    lang = _lang(lang)
    status = EXIT_OK
    for name in bundled.bundled():
        try:
            rubric = load(bundled.find(name))
        except RubricError as e:
            click.echo(f"{name:8} " + Text("(broken rubric)", "(잘못된 루브릭)")(lang))
            click.echo(e.render(lang), err=True)
            status = EXIT_USAGE
            continue
        bonus = f" + {rubric.bonus_score:g} bonus" if rubric.bonus_score else ""
        checks = Text(f"{len(rubric.checks)} checks", f"검사 {len(rubric.checks)}개")(lang)
        click.echo(f"{name:8} {rubric.title(lang)}  [{rubric.max_score:g} pts{bonus}, {checks}]")
    sys.exit(status)


@main.command("explain")
@click.argument("lab", required=False)
@click.option("--rubric", "rubric_file", type=click.Path(dir_okay=False), help="Explain this rubric file.")
@LANG_OPTION
def explain(lab, rubric_file, lang):
    """Print what every check of LAB expects and its hint, without touching the engine."""
    from .checks import KINDS

    lang = _lang(lang)
    rubric = _load(lab, rubric_file, lang)
    click.echo(click.style(f"{rubric.title(lang)} ({rubric.lab})", bold=True))
    section = None
    for spec in rubric.checks:
        if spec.section != section:
            section = spec.section
            click.echo("\n" + click.style(spec.section_title(lang), bold=True))
        bonus = " bonus" if spec.bonus else ""
        click.echo(f"  {spec.id} [{spec.points:g} pts{bonus}] {spec.title(lang)}")
        click.echo(f"      {KINDS[spec.kind](spec.params).expectation()(lang)}")
        if spec.needs:
            click.echo("      needs: " + ", ".join(spec.needs))
        click.echo(f"      {Text('hint', '힌트')(lang)}: {spec.hint(lang)}")


@main.group("rubric")
def rubric_group():
    """Tools for rubric authors."""


@rubric_group.command("draft")
@click.option("--image", "images", multiple=True, metavar="REF", help="An image of the reference solution (repeat).")
@click.option("--container", "containers", multiple=True, metavar="NAME",
              help="A container of the reference solution, by name (repeat).")
@click.option("--file", "files", multiple=True, metavar="REF:PATH",
              help="A file to check in one of those images or containers, e.g. web-ping:/web-ping/app.js (repeat).")
@click.option("--lab", default="draft", show_default=True, help="The lab id written in the draft.")
@click.option("--host", metavar="URL", help="Engine address (default: DOCKER_HOST, then the docker context).")
@click.option("--call-timeout", type=click.FloatRange(min=0.5), default=10.0, show_default=True,
              help="Seconds to wait for each engine call.")
@LANG_OPTION
def rubric_draft(images, containers, files, lab, host, call_timeout, lang):
    """Print a draft rubric for a reference solution on the engine.

    \b
      grade rubric draft --image web-ping --container ch03lab --file web-ping:/web-ping/app.js > draft.yaml

    Every drafted check is graded on the engine first and kept only if it passes; hints are TODO
    placeholders. Exit codes: 0 drafted, 2 usage error or nothing found, 3 engine unreachable.
    """
    from .draft import DraftError, make
    from .engine import EngineError
    from .session import engine_session

    lang = _lang(lang)
    try:
        with engine_session(host, call_timeout) as engine:
            text, dropped = make(engine, images, containers, files, lab)
    except EngineError as e:
        _say(e.message, lang)
        sys.exit(EXIT_ENGINE)
    except DraftError as e:
        _say(e.message, lang)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    for note in dropped:
        _say(note, lang)
    click.echo(text, nl=False)


@rubric_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@LANG_OPTION
def rubric_check(files, lang):
    """Validate rubric FILES without an engine (exit 0 valid, 2 problems).

    Valid rubrics may still get warnings on stderr, e.g. for a regex that can backtrack
    catastrophically; they do not change the exit code."""
    from .rubric import RubricError, load, warnings

    lang = _lang(lang)
    status = EXIT_OK
    for f in files:
        try:
            rubric = load(f)
            click.echo(f"{f}: ok ({rubric.lab}, {len(rubric.checks)} checks, {rubric.max_score:g} pts)")
            for warning in warnings(rubric):
                click.echo(warning.render(lang), err=True)
        except RubricError as e:
            click.echo(e.render(lang), err=True)
            status = EXIT_USAGE
    sys.exit(status)


@main.command("collect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--csv", "csv_path", required=True, metavar="FILE",
              help="Write the gradebook here, one row per student (- for standard output).")
@click.option("--html", "html_path", metavar="FILE",
              help="Also write the class report: one self-contained HTML file.")
@click.option("--keep", type=click.Choice(["newest", "best"]), default="newest", show_default=True,
              help="Which of a student's several grading runs makes their row.")
@click.option("--lab", metavar="LAB", help="The lab to collect (default: the lab of most reports); "
                                           "reports of other labs are skipped.")
@click.option("--verify", is_flag=True,
              help="Skip reports whose signature is missing or wrong (key from GRADE_SIGNING_KEY).")
def collect_command(paths, csv_path, html_path, keep, lab, verify):
    """Collect a class's JSON and JUnit reports (files, folders, GitLab artifact zips) into a gradebook.

    \b
      grade collect artifacts/ --csv gradebook.csv --html class-report.html
      grade collect artifacts/ --csv gradebook.csv --keep best --verify

    Skipped reports are listed on stderr with the reason, then a summary line.
    Exit codes: 0 every report collected, 1 gradebook written but some reports skipped,
    2 usage error (nothing to collect, several labs in equal numbers, --verify without
    GRADE_SIGNING_KEY, an output that cannot be written).
    """
    from . import signing
    from .collect import gradebook

    key = signing.key_from_env()
    if verify and key is None:
        click.echo("--verify needs the signing key in GRADE_SIGNING_KEY.", err=True)
        sys.exit(EXIT_USAGE)
    try:
        book = gradebook.collect(paths, lab=lab, keep=keep, key=key if verify else None)
    except gradebook.UsageError as e:
        click.echo(f"grade collect: {e}", err=True)
        sys.exit(EXIT_USAGE)
    for skipped in book.skipped:
        click.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)
    try:
        if csv_path == "-":
            gradebook.write_csv(book, sys.stdout)
        else:
            Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
            with open(csv_path, "w", encoding="utf-8", newline="") as out:
                gradebook.write_csv(book, out)
        if html_path:
            from .reports import html_class

            Path(html_path).parent.mkdir(parents=True, exist_ok=True)
            Path(html_path).write_text(html_class.render(book), encoding="utf-8")
    except OSError as e:
        click.echo(f"grade collect: could not write {e.filename}: {e.strerror}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(gradebook.summary(book), err=True)
    sys.exit(book.exit_code())
