"""`grade list` and `grade explain`: the bundled labs and what their checks expect; no engine."""
from __future__ import annotations

import sys

import click

from ..text import Text
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
    from ..checks import KINDS

    lang = lang_of(lang)
    rubric = load_rubric(lab, rubric_file, lang)
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
