"""all: several checks that earn their points together (e.g. a file's content and a run that prints it)."""
from __future__ import annotations

import threading

from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text, _, join
from .base import KINDS, Check, register


@register
class AllOf(Check):
    kind = "all"
    reacts_to = frozenset({"parts"})  # see grader/watch.py
    schema = {
        "checks": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}},
            "description": "Parts, each a kind and its parameters (no id, points or hint).",
        }
    }
    required = ("checks",)

    # Each part is validated as a check of its own kind (rubric.py), with the same messages.

    def _parts(self) -> list[Check]:
        return [KINDS[p["kind"]]({k: v for k, v in p.items() if k != "kind"})
                for p in self.params["checks"]]

    def expectation(self) -> Text:
        # NOTE: between the parts of a check that earn their points together.
        return join([c.expectation() for c in self._parts()], _("; and "))

    def run(self, engine: EngineProtocol) -> Outcome:
        # The parts run at once (a file read and a probe each wait on the engine); the verdict and
        # evidence are as if in order: the first part that does not hold decides.
        parts = self._parts()
        done: list = [None] * len(parts)

        def one(i):
            try:
                done[i] = (parts[i].evaluate(engine), None)
            except BaseException as e:  # noqa: BLE001 - re-raised below, in the part's order
                done[i] = (None, e)

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(1, len(parts))]
        for t in threads:
            t.start()
        one(0)
        for t in threads:
            t.join()
        evidence: list[Text] = []
        for outcome, error in done:
            if error is not None:
                raise error
            evidence += outcome.evidence
            if not outcome.passed:
                return Outcome(False, outcome.message, tuple(evidence))
        return Outcome(True, _("all parts hold"), tuple(evidence))
