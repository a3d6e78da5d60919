"""`grade list` and `grade explain`: the bundled labs and what their checks expect; no engine."""
from __future__ import annotations

import sys

import click

from .. import points
from ..text import _, ngettext
from . import main
from .common import EXIT_OK, EXIT_USAGE, LANG_OPTION, lang_of, load_rubric


@main.command("list")
@LANG_OPTION
def list_labs(lang):
    """List the bundled labs with their titles and points."""
    from .. import bundled
    from ..rubric import RubricError, load

    lang = lang_of(lang)
    status = EXIT_OK
    for name in bundled.bundled():
        try:
            rubric = load(bundled.find(name))
        except RubricError as e:
            click.echo(f"{name:8} " + _("(broken rubric)")(lang))
            click.echo(e.render(lang), err=True)
            status = EXIT_USAGE
            continue
        n, pts = len(rubric.checks), points.number(rubric.max_score)
        if rubric.bonus_score:
            size = ngettext("{points} pts + {bonus} bonus, {n} check", "{points} pts + {bonus} bonus, {n} checks",
                            n, points=pts, bonus=points.number(rubric.bonus_score))
        else:
            size = ngettext("{points} pts, {n} check", "{points} pts, {n} checks", n, points=pts)
        click.echo(f"{name:8} {rubric.title(lang)}  [{size(lang)}]")
    sys.exit(status)


@main.command("explain")
@click.argument("lab", required=False)
@click.option("--rubric", "rubric_file", type=click.Path(dir_okay=False), help="Explain this rubric file.")
@LANG_OPTION
def explain(lab, rubric_file, lang):
    """Print what every check of LAB expects and its hint, without touching the engine."""
    from ..checks import KINDS

    lang = lang_of(lang)
    rubric = load_rubric(lab, rubric_file, lang, explain=True)
    click.echo(click.style(f"{rubric.title(lang)} ({rubric.lab})", bold=True))
    section = None
    for spec in rubric.checks:
        if spec.section != section:
            section = spec.section
            click.echo("\n" + click.style(spec.section_title(lang), bold=True))
        # points.worth says it as the reports do: `1 pt`, `2 pts`, `2 pts bonus`.
        line = _("{id} [{worth}] {title}", id=spec.id, worth=points.worth(spec.points, spec.bonus), title=spec.title)
        click.echo(f"  {line(lang)}")
        click.echo(f"      {KINDS[spec.kind](spec.params).expectation()(lang)}")
        if spec.needs:
            click.echo("      " + _("needs: {checks}", checks=", ".join(spec.needs))(lang))
        click.echo("      " + _("hint: {hint}", hint=spec.hint)(lang))
