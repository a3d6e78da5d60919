"""Everything a person reads, in the reader's language: the one translation mechanism.

The grader's own words are written in English in the code and marked with `_()` (or `ngettext()`
where English has a plural). Babel extracts them into `grader/locale/grade.pot`; translators keep
`grader/locale/<lang>/LC_MESSAGES/grade.po`; the build compiles each `.po` into the `.mo` that
the standard `gettext` module reads (setup.py; `scripts/catalog` runs the whole cycle).

A message stays lazy, a `Text`, until a report renders it: one result can be shown in Korean on
the terminal and written in English to JUnit. Values inside a message (a name, a path, a log
line) are passed as named fields and never translated. A rubric's own titles and hints are the
rubric author's words in both languages (`Authored`), not the grader's.
"""
from __future__ import annotations

import gettext
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Union

LANGS = ("en", "ko")  # English is the source language; Korean comes from the catalog
DOMAIN = "grade"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

Field = Union[str, int, float, "Text"]


class Text:
    """Something a person reads, rendered in a language only when it is shown."""

    def __call__(self, lang: str) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, str]:
        return {lang: self(lang) for lang in LANGS}

    def __str__(self) -> str:  # logs and exceptions: English
        return self("en")


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog for `lang`; English (the source language) needs none."""
    if lang == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang])
    except FileNotFoundError:
        # An install without compiled catalogs (a source tree never built): English rather than a
        # crash; tests/unit/test_catalog.py keeps every build honest.
        return gettext.NullTranslations()


@dataclass(frozen=True)
class Message(Text):
    """One of the grader's sentences: a msgid in the catalog plus its named fields."""

    msgid: str
    fields: tuple[tuple[str, Field], ...] = ()
    plural: str | None = None
    n: int = 1

    def __call__(self, lang: str) -> str:
        t = translations(lang)
        text = t.ngettext(self.msgid, self.plural, self.n) if self.plural else t.gettext(self.msgid)
        if not self.fields and self.plural is None:
            return text  # no fields: braces in the sentence are literal
        values = {k: v(lang) if isinstance(v, Text) else v for k, v in self.fields}
        return text.format(n=self.n, **values)


@dataclass(frozen=True)
class Verbatim(Text):
    """A value shown as it is in every language: a log line, a name, a command."""

    value: str

    def __call__(self, lang: str) -> str:
        return self.value


@dataclass(frozen=True)
class Authored(Text):
    """A rubric author's own words (a title, a hint), written in both languages in the rubric."""

    en: str
    ko: str

    def __call__(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en

    @classmethod
    def of(cls, pair: Mapping[str, str]) -> Authored:
        return cls(en=pair["en"], ko=pair["ko"])


@dataclass(frozen=True)
class Joined(Text):
    """Several texts shown one after the other, with a separator that is itself a text."""

    parts: tuple[Text, ...]
    sep: Text

    def __call__(self, lang: str) -> str:
        return self.sep(lang).join(p(lang) for p in self.parts)


def _(msgid: str, /, **fields: Field) -> Message:
    """Mark an English sentence for translation; `{name}` fields are filled in at render time."""
    return Message(msgid, tuple(fields.items()))


def ngettext(singular: str, plural: str, n: int, /, **fields: Field) -> Message:
    """A sentence whose English form depends on the count `n` (`{n}` in the sentence)."""
    return Message(singular, tuple(fields.items()), plural, n)


def verbatim(value: str) -> Verbatim:
    return Verbatim(value)


def join(parts: Sequence[Text], sep: Text | str) -> Joined:
    return Joined(tuple(parts), sep if isinstance(sep, Text) else Verbatim(sep))


def detect_lang(explicit: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """`--lang` wins; else the first language we have in LANGUAGE (a list, `ko:en`), then
    LC_ALL, LC_MESSAGES and LANG, the order GNU gettext reads them in."""
    if explicit:
        return explicit
    for wanted in filter(None, environ.get("LANGUAGE", "").split(":")):
        lang = wanted.split("_")[0].split(".")[0].lower()
        if lang in LANGS:
            return lang
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"
