"""Points: how they are written (the one owner of number formatting for every report and the
gradebook) and a check's points as a report records them.

Two forms, each with its own use: `number` is the value a JSON report (and the text of the
terminal and JUnit reports) carries, `text` is the cell of a gradebook or the class report. They
agree on every score a rubric can give (whole points and halves); they differ only in the type
they return and in far-fetched cases (a tiny fraction reads `0.0` as a number, `0` as text)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from .text import Text, ngettext


def number(x: float) -> Union[int, float]:
    """Points as a JSON number: whole points as an int, others rounded to two places."""
    return int(x) if float(x).is_integer() else round(x, 2)


def text(x: float) -> str:
    """Points as gradebook text: no trailing zeros, at most two decimal places."""
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def worth(max_score: Union[float, str], bonus: bool = False, n: Optional[int] = None) -> Text:
    """What a check is worth, as reports say it: `3 pts`, `1 pt`, `2 pts bonus`. `n` picks the
    plural form, by default the one of `max_score` (English counts a fraction as plural: 0.5 pts);
    JUnit's reader gives a placeholder instead of a number, and each form in turn."""
    shown = max_score if isinstance(max_score, str) else number(max_score)
    if n is None:
        n = int(shown) if isinstance(shown, int) else 2
    if bonus:
        return ngettext("{points} pt bonus", "{points} pts bonus", n, points=shown)
    return ngettext("{points} pt", "{points} pts", n, points=shown)


@dataclass(frozen=True)
class CheckPoints:
    """One check's points as a report records them (read back from JSON or JUnit)."""

    id: str
    title: str
    score: float
    max_score: float
    bonus: bool
    passed: bool
