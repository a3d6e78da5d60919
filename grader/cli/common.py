"""What every `grade` command shares: exit codes, the language, messages, loading a rubric and
writing a report file. No grading logic lives in the CLI."""
from __future__ import annotations

import getpass
import os
import re
import sys
from pathlib import Path

import click

from ..text import Text, detect_lang

EXIT_OK, EXIT_POINTS_MISSING, EXIT_USAGE, EXIT_ENGINE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_REPORT_UNWRITTEN = 4  # graded and shown, but a report file could not be written (3 still wins)

def check_host(host: str | None, lang: str) -> None:
    """An engine address needs its scheme, as DOCKER_HOST does: suggest the one meant."""
    if not host or "://" in host:
        return
    if host.startswith("/") or host.endswith(".sock"):
        meant = "unix://" + host
    elif re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d+", host):
        meant = "tcp://" + host
    else:
        meant = f"tcp://{host}:2376"
    say(Text(f"--host {host}: an engine address starts with unix:// or tcp://. Did you mean "
              f"--host {meant}?",
              f"--host {host}: 엔진 주소는 unix:// 또는 tcp://로 시작합니다. --host {meant} 주소를 뜻하셨나요?"),
         lang)
    sys.exit(EXIT_USAGE)


def lang_of(value):
    return detect_lang(value)


def say(text: Text, lang: str, err: bool = True) -> None:
    click.echo(text(lang), err=err)


def load_rubric(lab: str | None, rubric_file: str | None, lang: str):
    """The rubric to grade, or exit 2 with a clear message."""
    from .. import bundled
    from ..rubric import RubricError, load

    if rubric_file and lab:
        say(Text(f"Give a lab or --rubric FILE, not both: `grade {lab}` grades the bundled lab, "
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
            say(Text(f"'{lab}' is not a lab name: lab names are like ch03 (lower-case letters, digits "
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
            say(msg, lang)
            sys.exit(EXIT_USAGE)
    else:
        say(Text("Say which lab to grade, e.g. `grade ch03` (see `grade list`), or give --rubric FILE.",
                  "채점할 실습을 적으세요. 예: `grade ch03` (`grade list` 참고) 또는 --rubric FILE."), lang)
        sys.exit(EXIT_USAGE)
    try:
        return load(path)
    except RubricError as e:
        say(Text("The rubric has problems:", "루브릭에 문제가 있습니다:"), lang)
        click.echo(e.render(lang), err=True)
        sys.exit(EXIT_USAGE)


def default_student() -> str:
    if os.environ.get("GITLAB_CI") and os.environ.get("GITLAB_USER_LOGIN"):
        return os.environ["GITLAB_USER_LOGIN"]
    try:
        return getpass.getuser()
    except Exception:  # no user name (a bare container): still grade
        return "unknown"


def check_report_path(path: str, option: str, lang: str) -> None:
    """Before grading, refuse a report path that cannot be a file: no grading time is wasted, and
    a folder is never created behind the user's back (a typo would hide the report there)."""
    target = Path(path)
    if target.is_dir():
        say(Text(f"{option} {path}: that is a directory; give a file name, e.g. {path.rstrip('/')}/report",
                  f"{option} {path}: 디렉터리입니다. 파일 이름을 주세요. 예: {path.rstrip('/')}/report"), lang)
        sys.exit(EXIT_USAGE)
    parent = target.parent
    if not parent.is_dir():
        say(Text(f"{option} {path}: the folder {parent} does not exist (or is not a folder); create it "
                  "first, e.g. `mkdir -p " + str(parent) + "`",
                  f"{option} {path}: {parent} 폴더가 없습니다(또는 폴더가 아닙니다). 먼저 만드세요. "
                  "예: `mkdir -p " + str(parent) + "`"), lang)
        sys.exit(EXIT_USAGE)


def write(path: str, content: str, lang: str) -> bool:
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
        say(Text(f"Could not write the report {path}: {e.strerror or e}",
                  f"보고서 파일 {path}에 쓸 수 없습니다: {e.strerror or e}"), lang)
        return False


LANG_OPTION = click.option("--lang", type=click.Choice(["en", "ko"]), default=None,
                           help="Output language (default: from LANG/LC_ALL; ko_* gives Korean).")
