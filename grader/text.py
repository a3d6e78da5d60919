"""Bilingual text: every user-facing string exists in English and Korean."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    en: str
    ko: str

    def __call__(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en

    def to_dict(self) -> dict:
        return {"en": self.en, "ko": self.ko}

    def __add__(self, other: Text) -> Text:
        return Text(self.en + other.en, self.ko + other.ko)


def detect_lang(explicit: str | None = None, environ=os.environ) -> str:
    """`--lang` wins; else LC_ALL, LC_MESSAGES, LANG in the order POSIX gives them."""
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"
