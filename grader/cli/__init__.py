"""The `grade` command. It parses arguments and renders results; grading lives elsewhere.

One module per command (group): check (`grade LAB`), labs (`list`, `explain`), rubric, collect.
Heavy modules (the docker SDK, jsonschema) are imported inside commands so `grade --help` is quick.
"""
from __future__ import annotations

import difflib
import re
import sys

import click

from .. import __version__
from ..text import _, detect_lang
from .common import EXIT_USAGE, say


class DefaultGroup(click.Group):
    """`grade ch03` means `grade check ch03`; `grade list` and `grade explain` stay commands."""

    default = "check"

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            near = difflib.get_close_matches(args[0], [c for c in self.commands if c != self.default], n=1)
            if near and not args[0].startswith("-") and not _looks_like_lab(args[0]):
                # `grade lsit`: a command mistyped, not a lab (labs are ids like ch03).
                lang = detect_lang(_option_value(args, "--lang"))
                say(_("There is no command '{command}'. Did you mean `grade {near}`?",
                      command=args[0], near=near[0]), lang)
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

    The output speaks --lang, else the language of LANGUAGE, LC_ALL, LC_MESSAGES or LANG
    (English or Korean); this help is in English.

    Exit codes: 0 all points earned, 1 points missing, 2 usage or rubric error,
    3 the Docker Engine could not be reached, failed or grading hit --timeout,
    4 graded (the result is printed) but a --json/--junit file could not be written.
    """


def _register() -> None:
    # Imported after `main` exists: each module adds its command(s) to it.
    from . import check, collect, labs, rubric  # noqa: F401


_register()
