"""What every `grade` command shares: exit codes, the language, messages, loading a rubric and
writing a report file. No grading logic lives in the CLI."""
from __future__ import annotations

import getpass
import os
import re
import shlex
import sys
from pathlib import Path

import click

from ..text import LANGS, Text, _, detect_lang

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
    say(_("--host {host}: an engine address starts with unix:// or tcp://. Did you mean --host {meant}?",
          host=host, meant=meant), lang)
    sys.exit(EXIT_USAGE)


def lang_of(value):
    return detect_lang(value)


def say(text: Text, lang: str, err: bool = True) -> None:
    click.echo(text(lang), err=err)


def load_rubric(lab: str | None, rubric_file: str | None, lang: str, explain: bool = False):
    """The rubric to grade (or, for `grade explain`, to explain), or exit 2 with a clear message
    that names the command typed."""
    from .. import bundled
    from ..rubric import RubricError, load

    if rubric_file and lab:
        if explain:
            say(_("Give a lab or --rubric FILE, not both: `grade explain {lab}` explains the bundled lab, "
                  "`grade explain --rubric {file}` explains that file.", lab=lab, file=rubric_file), lang)
        else:
            say(_("Give a lab or --rubric FILE, not both: `grade {lab}` grades the bundled lab, "
                  "`grade --rubric {file}` grades that file.", lab=lab, file=rubric_file), lang)
        sys.exit(EXIT_USAGE)
    if rubric_file:
        path: Path | None = Path(rubric_file)
    elif lab:
        if not bundled.is_id(lab) and bundled.is_id(lab.lower()) and bundled.find(lab.lower()):
            lab = lab.lower()  # `grade CH03`: lab ids are lower-case, and only one is meant
        if not bundled.is_id(lab):
            say(_("'{lab}' is not a lab name: lab names are like ch03 (lower-case letters, digits "
                  "and '-'). To use a rubric file, give it with --rubric FILE.", lab=lab), lang)
            sys.exit(EXIT_USAGE)
        path = bundled.find(lab)
        if path is None:
            near = bundled.nearest(lab)
            known = ", ".join(bundled.bundled()) or "-"
            if near:
                say(_("There is no lab called '{lab}'. Did you mean '{near}'? Bundled labs: {known}. "
                      "Run `grade list` to see them.", lab=lab, near=near, known=known), lang)
            else:
                say(_("There is no lab called '{lab}'. Bundled labs: {known}. Run `grade list` to see them.",
                      lab=lab, known=known), lang)
            sys.exit(EXIT_USAGE)
    elif explain:
        say(_("Say which lab to explain, e.g. `grade explain ch03` (see `grade list`), or give --rubric FILE."),
            lang)
        sys.exit(EXIT_USAGE)
    else:
        say(_("Say which lab to grade, e.g. `grade ch03` (see `grade list`), or give --rubric FILE."), lang)
        sys.exit(EXIT_USAGE)
    try:
        rubric = load(path)
    except RubricError as e:
        say(_("The rubric has problems:"), lang)
        click.echo(e.render(lang), err=True)
        sys.exit(EXIT_USAGE)
    if rubric_file:  # `grade LAB` would not find its lab: the report says what to type again
        rubric.command = f"grade --rubric {shlex.quote(rubric_file)}"
    return rubric


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
        say(_("{option} {path}: that is a directory; give a file name, e.g. {example}",
              option=option, path=path, example=path.rstrip("/") + "/report"), lang)
        sys.exit(EXIT_USAGE)
    parent = target.parent
    if not parent.is_dir():
        say(_("{option} {path}: the folder {parent} does not exist (or is not a folder); create it "
              "first, e.g. `mkdir -p {parent}`", option=option, path=path, parent=str(parent)), lang)
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
        say(_("Could not write the report {path}: {error}", path=path, error=str(e.strerror or e)), lang)
        return False


# Help texts stay in English: click's own words (Usage, Options, errors) are not localised, and a
# help half in one language and half in another would be worse than either.
LANG_OPTION = click.option("--lang", type=click.Choice(list(LANGS)), default=None,
                           help="Output language (default: from LANGUAGE, then LC_ALL, LC_MESSAGES, LANG; "
                                "ko or ko_KR.UTF-8 gives Korean).")
