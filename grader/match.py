"""Value matchers shared by check kinds: a plain string is an exact match."""
from __future__ import annotations

import re

SCHEMA = {
    "oneOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {
                "equals": {"type": "string"},
                "matches": {"type": "string", "format": "regex"},
                "not": {"type": "string"},
                "present": {"type": "boolean"},
            },
            "additionalProperties": False,
            "minProperties": 1,
        },
    ]
}

MAP_SCHEMA = {"type": "object", "additionalProperties": SCHEMA, "minProperties": 1}


def matches(spec, value: str | None) -> bool:
    """Does `value` (None: not set at all) satisfy `spec`?"""
    if isinstance(spec, str):
        return value == spec
    if "present" in spec and (value is not None) != spec["present"]:
        return False
    if "equals" in spec and value != spec["equals"]:
        return False
    if "not" in spec and (value is None or value == spec["not"]):
        return False
    if "matches" in spec and (value is None or not re.search(spec["matches"], value)):
        return False
    return True


def describe(spec) -> str:
    if isinstance(spec, str):
        return f"= {spec!r}"
    parts = []
    if "present" in spec:
        parts.append("set" if spec["present"] else "not set")
    if "equals" in spec:
        parts.append(f"= {spec['equals']!r}")
    if "not" in spec:
        parts.append(f"set, != {spec['not']!r}")
    if "matches" in spec:
        parts.append(f"~ /{spec['matches']}/")
    return ", ".join(parts)


def regexes(spec) -> list[str]:
    return [spec["matches"]] if isinstance(spec, dict) and "matches" in spec else []


def env_dict(env_list) -> dict[str, str]:
    """The engine's ["K=v", ...] as a dict; a bare "K" means set to empty."""
    out = {}
    for item in env_list or ():
        key, _, value = item.partition("=")
        out[key] = value
    return out
