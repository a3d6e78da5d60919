"""all: several checks that earn their points together (e.g. a file's content and a run that prints it)."""
from __future__ import annotations

import threading

from ..model import Outcome
from ..text import Text
from .base import KINDS, Check, register


@register
class AllOf(Check):
    kind = "all"
    schema = {
        "checks": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}},
            "description": "Parts, each a kind and its parameters (no id, points or hint).",
        }
    }
    required = ("checks",)

    @classmethod
    def problems(cls, params):
        from jsonschema import Draft202012Validator

        out = []
        for i, part in enumerate(params.get("checks") or []):
            if not isinstance(part, dict):
                continue
            kind = KINDS.get(str(part.get("kind")))
            if kind is None or kind is AllOf:
                out.append((("checks", i, "kind"), Text(
                    f"unknown part kind {part.get('kind')!r}; known: {', '.join(k for k in KINDS if k != 'all')}",
                    f"알 수 없는 종류 {part.get('kind')!r}. 사용 가능: {', '.join(k for k in KINDS if k != 'all')}")))
                continue
            schema = {"type": "object", "properties": {"kind": {}, **kind.schema},
                      "required": list(kind.required), "additionalProperties": False}
            for err in Draft202012Validator(schema).iter_errors(part):
                path = ("checks", i) + tuple(err.absolute_path)
                out.append((path, Text(err.message, f"스키마 오류: {err.message}")))
            params_only = {k: v for k, v in part.items() if k != "kind"}
            out += [(("checks", i) + key, msg) for key, msg in kind.problems(params_only)]
        return out

    def _parts(self) -> list[Check]:
        return [KINDS[p["kind"]]({k: v for k, v in p.items() if k != "kind"})
                for p in self.params["checks"]]

    def expectation(self) -> Text:
        parts = [c.expectation() for c in self._parts()]
        return Text("; and ".join(t.en for t in parts), "; 그리고 ".join(t.ko for t in parts))

    def run(self, engine) -> Outcome:
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
        evidence: list[str] = []
        for outcome, error in done:
            if error is not None:
                raise error
            evidence += outcome.evidence
            if not outcome.passed:
                return Outcome(False, outcome.message, tuple(evidence))
        return Outcome(True, Text("all parts hold", "모든 조건을 만족합니다"), tuple(evidence))
