"""`grade collect`: a class's reports into one gradebook (CSV) and class report (HTML)."""
from __future__ import annotations

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
              help="Also write the class report: one self-contained HTML file, in the --lang language.")
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

            Path(html_path).write_text(html_class.render(book, lang), encoding="utf-8")
    except OSError as e:
        problem = _("could not write {file}: {error}", file=str(e.filename), error=str(e.strerror or e))
        say(join([verbatim("grade collect"), problem], ": "), lang)
        sys.exit(EXIT_USAGE)
    say(gradebook.summary(book), lang)
    sys.exit(book.exit_code())
