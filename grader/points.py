"""Points: how they are written (the one owner of number formatting for every report and the
gradebook) and a check's points as a report records them.

Two forms, each with its own use: `number` is the value a JSON report (and the text of the
terminal and JUnit reports) carries, `text` is the cell of a gradebook or the class report. They
agree on every score a rubric can give (whole points and halves); they differ only in the type
they return and in far-fetched cases (a tiny fraction reads `0.0` as a number, `0` as text)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union


def number(x: float) -> Union[int, float]:
    """Points as a JSON number: whole points as an int, others rounded to two places."""
    return int(x) if float(x).is_integer() else round(x, 2)


def text(x: float) -> str:
    """Points as gradebook text: no trailing zeros, at most two decimal places."""
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class CheckPoints:
    """One check's points as a report records them (read back from JSON or JUnit)."""

    id: str
    title: str
    score: float
    max_score: float
    bonus: bool
    passed: bool
