"""`grade collect`: a class's reports into one gradebook (CSV) and class report (HTML)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..text import _, join, verbatim
from . import main
from .common import EXIT_USAGE, LANG_OPTION, check_report_path, lang_of, say


@main.command("collect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--csv", "csv_path", required=True, metavar="FILE",
              help="Write the gradebook here, one row per student (- for standard output). Its column "
                   "names are machine ids (student, lab, check ids, score, ...), the same in every language.")
@click.option("--html", "html_path", metavar="FILE",
              help="Also write the class report: one self-contained HTML file, in the --lang language "
                   "(- for standard output).")
@click.option("--keep", type=click.Choice(["newest", "best"]), default="newest", show_default=True,
              help="Which of a student's several grading runs makes their row.")
@click.option("--lab", metavar="LAB", help="The lab to collect (default: the lab of most reports); "
                                           "reports of other labs are skipped.")
@click.option("--verify", is_flag=True,
              help="Skip reports whose signature is missing or wrong (key from GRADE_SIGNING_KEY).")
@LANG_OPTION
def collect_command(paths, csv_path, html_path, keep, lab, verify, lang):
    """Collect a class's JSON and JUnit reports (files, folders, GitLab artifact zips) into a gradebook.

    \b
      grade collect artifacts/ --csv gradebook.csv --html class-report.html
      grade collect artifacts/ --csv gradebook.csv --keep best --verify

    Skipped reports are listed on stderr with the reason, then a summary line.
    Exit codes: 0 every report collected, 1 gradebook written but some reports skipped or graded
    by another version of the rubric (listed as "not comparable"),
    2 usage error (nothing to collect, several labs in equal numbers, --verify without
    GRADE_SIGNING_KEY, an output that cannot be written).
    """
    from .. import signing
    from ..collect import gradebook

    lang = lang_of(lang)
    # Like `grade LAB --json`: an output folder is never created behind the user's back.
    for path, option in ((csv_path, "--csv"), (html_path, "--html")):
        if path and path != "-":
            check_report_path(path, option, lang)
    _check_outputs(paths, csv_path, html_path, lang)
    key = signing.key_from_env()
    if verify and key is None:
        say(_("--verify needs the signing key in GRADE_SIGNING_KEY."), lang)
        sys.exit(EXIT_USAGE)
    try:
        book = gradebook.collect(paths, lab=lab, keep=keep, key=key if verify else None)
    except gradebook.UsageError as e:
        say(join([verbatim("grade collect"), e.message], ": "), lang)
        sys.exit(EXIT_USAGE)
    for skipped in book.skipped:
        say(_("skipped {path}: {reason}", path=skipped.path, reason=skipped.reason), lang)
    for other in book.other_rubric:
        say(_("not comparable {path}: {reason}", path=other.path, reason=other.reason), lang)
    try:
        if csv_path == "-":
            gradebook.write_csv(book, sys.stdout)
        else:
            # With a byte-order mark: Excel reads a CSV file without one in the machine's code page
            # (Korean names come out garbled); csv readers and spreadsheets all take it.
            with open(csv_path, "w", encoding="utf-8-sig", newline="") as out:
                gradebook.write_csv(book, out)
        if html_path:
            from ..reports import html_class

            if html_path == "-":
                sys.stdout.write(html_class.render(book, lang))
            else:
                Path(html_path).write_text(html_class.render(book, lang), encoding="utf-8")
    except OSError as e:
        problem = _("could not write {file}: {error}", file=str(e.filename), error=str(e.strerror or e))
        say(join([verbatim("grade collect"), problem], ": "), lang)
        sys.exit(EXIT_USAGE)
    say(gradebook.summary(book), lang)
    sys.exit(book.exit_code())


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return os.path.abspath(a) == os.path.abspath(b)


def _check_outputs(paths, csv_path: str, html_path: str | None, lang: str) -> None:
    """Refuse, before reading anything, outputs that would destroy what they come from: the CSV and
    the class report in one file (the second overwrote the first, exit 0), or an output that is one
    of the reports being collected (a student's report overwritten by the gradebook)."""
    if html_path and csv_path == html_path == "-":
        say(_("--csv and --html cannot both write to standard output (-): give the class report a file, "
              "e.g. `--html class-report.html`"), lang)
        sys.exit(EXIT_USAGE)
    if html_path and "-" not in (csv_path, html_path) and _same(csv_path, html_path):
        say(_("--csv and --html both name {path}: give each its own file, e.g. `--csv gradebook.csv "
              "--html class-report.html`", path=csv_path), lang)
        sys.exit(EXIT_USAGE)
    for out, option in ((csv_path, "--csv"), (html_path, "--html")):
        if not out or out == "-":
            continue
        for src in paths:
            inside = os.path.isdir(src) and os.path.isfile(out) and \
                out.lower().endswith((".json", ".xml", ".zip")) and \
                os.path.commonpath([os.path.realpath(src), os.path.realpath(out)]) == os.path.realpath(src)
            if inside or (os.path.isfile(src) and _same(out, src)):
                say(_("{option} {path} is one of the reports to collect; writing there would replace it: "
                      "give the output another name", option=option, path=out), lang)
                sys.exit(EXIT_USAGE)
