"""`grade rubric draft|check`: tools for rubric authors."""
from __future__ import annotations

import sys

import click

from .. import points
from ..text import ngettext
from . import main
from .common import EXIT_ENGINE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, LANG_OPTION, lang_of, say


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
    from ..draft import DraftError, make
    from ..engine import EngineError
    from ..session import engine_session

    lang = lang_of(lang)
    try:
        with engine_session(host, call_timeout) as engine:
            text, dropped = make(engine, images, containers, files, lab)
    except EngineError as e:
        say(e.message, lang)
        sys.exit(EXIT_ENGINE)
    except DraftError as e:
        say(e.message, lang)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    for note in dropped:
        say(note, lang)
    click.echo(text, nl=False)


@rubric_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@LANG_OPTION
def rubric_check(files, lang):
    """Validate rubric FILES without an engine (exit 0 valid, 2 problems).

    Valid rubrics may still get warnings on stderr, e.g. for a regex that can backtrack
    catastrophically; they do not change the exit code."""
    from ..rubric import RubricError, load, warnings

    lang = lang_of(lang)
    status = EXIT_OK
    for f in files:
        try:
            rubric = load(f)
            n = len(rubric.checks)
            ok = ngettext("{file}: ok ({lab}, {n} check, {points} pts)", "{file}: ok ({lab}, {n} checks, {points} pts)",
                          n, file=f, lab=rubric.lab, points=points.number(rubric.max_score))
            click.echo(ok(lang))
            for warning in warnings(rubric):
                click.echo(warning.render(lang), err=True)
        except RubricError as e:
            click.echo(e.render(lang), err=True)
            status = EXIT_USAGE
    sys.exit(status)
