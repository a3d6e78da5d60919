"""The one result model that every report renders."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum

from .text import Text, ngettext


class Status(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"      # the engine failed: not the student's fault
    SKIPPED = "skipped"  # a needed check did not pass, so this one was not run


@dataclass(frozen=True)
class More(Text):
    """The last line of a cut list: how many lines were left out (the JSON report keeps them all
    where the check could; a renderer that cuts further adds its own count to this one)."""

    n: int

    def __call__(self, lang: str) -> str:
        return ngettext("... {n} more", "... {n} more", self.n)(lang)


@dataclass(frozen=True)
class Outcome:
    """What a check found: the verdict, a short message and the evidence behind it."""

    passed: bool
    message: Text
    # Each line is a Text: the grader's words are translated, values (`verbatim`) shown as they are.
    evidence: tuple[Text, ...] = ()
    # What to type instead of the rubric's hint, when the check knows better for this engine
    # (e.g. the engine has no default bridge, so the rubric's --publish cannot work there).
    hint: Text | None = None


@dataclass(frozen=True)
class Result:
    id: str
    section: str
    section_title: Text
    title: Text
    status: Status
    score: float
    max_score: float
    bonus: bool
    message: Text
    hint: Text
    evidence: tuple[Text, ...] = ()
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED


@dataclass
class Report:
    lab: str
    title: Text
    student: str
    engine: dict
    results: list[Result] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    seconds: float = 0.0
    fault: Text | None = None  # set when the engine failed during grading
    command: str = ""  # what grades it again: the rubric's (`grade LAB`, `grade --rubric FILE`)

    def __post_init__(self):
        # A report made without its rubric's command (a live view's heading, a test): the lab's.
        self.command = self.command or f"grade {self.lab}"

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results if not r.bonus)

    @property
    def core_score(self) -> float:
        """Points of the non-bonus checks only: never more than `max_score`, so a bonus cannot
        make up for a missed check in what a student reads as their total."""
        return sum(r.score for r in self.results if not r.bonus)

    @property
    def bonus_score(self) -> float:
        return sum(r.score for r in self.results if r.bonus)

    @property
    def bonus_max_score(self) -> float:
        return sum(r.max_score for r in self.results if r.bonus)

    @property
    def core_percent(self) -> float:
        return round(100 * self.core_score / self.max_score, 1) if self.max_score else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 1) if self.max_score else 0.0

    @property
    def complete(self) -> bool:
        """Every non-bonus check earned its points."""
        return all(r.passed for r in self.results if not r.bonus)

    @property
    def all_passed(self) -> bool:
        """Every check, bonus included, passed: only then is "every check passed" true."""
        return all(r.passed for r in self.results)

    @property
    def errored(self) -> bool:
        return self.fault is not None or any(r.status is Status.ERROR for r in self.results)

    def exit_code(self) -> int:
        if self.errored:
            return 3
        return 0 if self.complete else 1
