"""The rubric's JSON Schema, built from the check kinds so the two cannot drift apart.

`rubrics/schema.json` is this schema written out (`python -m grader.schema > rubrics/schema.json`);
a test keeps the file equal to what this module builds.
"""
from __future__ import annotations

import json

TEXT = {
    "type": "object",
    "description": "Text in English and Korean.",
    "properties": {"en": {"type": "string", "minLength": 1}, "ko": {"type": "string", "minLength": 1}},
    "required": ["en", "ko"],
    "additionalProperties": False,
}

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"  # check, section and lab ids
ID = {"type": "string", "pattern": ID_PATTERN}

COMMON = {
    "id": {**ID, "description": "Unique in the rubric; reports and GitLab use it."},
    "title": {**TEXT, "description": "What the student achieved when this passes."},
    "hint": {**TEXT, "description": "What to type or fix when it does not."},
    "points": {"type": "number", "minimum": 0},
    "bonus": {"type": "boolean", "description": "Extra credit: counts in score, not in max_score."},
    "needs": {"type": "array", "items": ID, "uniqueItems": True,
              "description": "Checks that must pass first; otherwise this one is skipped."},
    "kind": {"type": "string"},
}
REQUIRED = ["id", "title", "hint", "points", "kind"]
COMMON_KEYS = frozenset(COMMON)  # a check's keys that are not its kind's parameters


def document_schema(kind_names: list[str], checks: dict | None = None) -> dict:
    check = checks or {"type": "object", "properties": {"kind": {"enum": sorted(kind_names)}}}
    return {
        "type": "object",
        "properties": {
            "version": {"const": 1},
            "lab": ID,
            "title": TEXT,
            "sections": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": ID,
                        "title": TEXT,
                        "checks": {"type": "array", "minItems": 1, "items": check},
                    },
                    "required": ["id", "title", "checks"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["version", "lab", "title", "sections"],
        "additionalProperties": False,
    }


def check_schema(kind) -> dict:
    """One check of one kind: the common keys plus the kind's own, nothing else."""
    return {
        "type": "object",
        "properties": {**COMMON, "kind": {"const": kind.kind}, **kind.schema},
        "required": REQUIRED + list(kind.required),
        "additionalProperties": False,
    }


def part_schema(kind) -> dict:
    """One part of an `all` check: a kind and its own parameters, no id, points or hint."""
    return {
        "type": "object",
        "properties": {"kind": {"const": kind.kind}, **kind.schema},
        "required": ["kind", *kind.required],
        "additionalProperties": False,
    }


def published_schema(kinds: dict) -> dict:
    """The whole rubric as one schema, for editors: the kind picks its parameters."""
    check = {
        "type": "object",
        "properties": {**COMMON, "kind": {"enum": sorted(kinds)}},
        "required": REQUIRED,
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                "then": {"properties": kind.schema, "required": list(kind.required)},
            }
            for name, kind in sorted(kinds.items())
        ],
        "unevaluatedProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "grade rubric",
        "description": "A lab rubric for the `grade` command (version 1).",
        **document_schema(list(kinds), check),
    }


def render() -> str:
    from .checks import KINDS

    return json.dumps(published_schema(KINDS), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
