"""Value matchers shared by check kinds: a plain string is an exact match; and the one way every
check runs a rubric's regular expression (`search`), with a time bound."""
from __future__ import annotations

import regex

from .text import Text, _, join, verbatim

# Python's `re` holds the GIL for a whole match and cannot be stopped: `^(a+)+$` over 41 characters
# runs for minutes and ignores --timeout, Ctrl-C and SIGTERM. The `regex` package (same syntax for
# what rubrics use) takes a timeout and, with concurrent=True, lets other threads run meanwhile.
PATTERN_SECONDS = 2.0


class PatternTimeout(Exception):
    """A rubric's regex ran longer than PATTERN_SECONDS: the rubric's fault, never the student's."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        seconds = f"{PATTERN_SECONDS:g}"
        self.message = _(
            "the rubric's pattern /{pattern}/ took longer than {seconds} s and was stopped; "
            "ask the rubric's author to simplify it (`grade rubric check` warns about such patterns)",
            pattern=pattern, seconds=seconds)
        super().__init__(self.message("en"))


def compile_error(pattern: str) -> str | None:
    """Why `pattern` does not compile, or None."""
    try:
        regex.compile(pattern)
    except (regex.error, TypeError, ValueError, OverflowError, RecursionError) as e:
        return str(e) or type(e).__name__
    return None


def search(pattern: str, text: str, multiline: bool = False) -> bool:
    """Does a rubric's regex occur in `text`? Raises PatternTimeout after PATTERN_SECONDS."""
    try:
        return regex.search(pattern, text, regex.M if multiline else 0,
                            timeout=PATTERN_SECONDS, concurrent=True) is not None
    except TimeoutError:
        raise PatternTimeout(pattern) from None


# Two textbook shapes whose backtracking is exponential when the match fails, both a group
# repeated without bound: (1) its body holds a repeated item, e.g. (a+)+, (a*)*, (\w+\s?)+,
# (x+y){2,}; (2) its body is an alternation where one branch is a prefix of another, e.g.
# (a|a)+, (a|aa)*, so the same text splits in exponentially many ways. A heuristic on purpose
# (deciding it exactly is as hard as the matching): a pattern it misses is still stopped by the
# time bound above.


def risky(pattern: str) -> bool:
    """Does `pattern` hold a nested quantifier, the shape known to backtrack catastrophically?"""
    stack: list[int] = []  # start offsets of open groups
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a class: skip to its end, a ']' first in the class is literal
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            start = stack.pop()
            body = pattern[start + 1:i]
            after = pattern[i + 1:i + 2]
            if after in ("+", "*", "{") and _unbounded_after(pattern, i + 1) and (
                    _quantified_inside(body) or _overlapping_branches(body)):
                return True
        i += 1
    return False


def _unbounded_after(pattern: str, at: int) -> bool:
    if pattern[at] in "+*":
        return True
    m = regex.match(r"\{(\d*)(,?)(\d*)\}", pattern[at:])
    return m is not None and m.group(2) == "," and m.group(3) == ""


def _overlapping_branches(body: str) -> bool:
    if body.startswith("?:"):
        body = body[2:]
    branches = body.split("|") if "(" not in body and "\\" not in body else []
    return any(a.startswith(b) for i, a in enumerate(branches) for j, b in enumerate(branches) if i != j)


def _quantified_inside(body: str) -> bool:
    """A `+`, `*` or open `{n,}` on an unescaped item of the group's body."""
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "+*" and i > 0 and body[i - 1] not in "(|":
            return True
        if body[i] == "{" and regex.match(r"\{\d*,\}", body[i:]):
            return True
        i += 1
    return False


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
    if "matches" in spec and (value is None or not search(spec["matches"], value)):
        return False
    return True


def describe(spec) -> Text:
    """What a value must be, for an expectation: `= 'x'`, `set, != 'x'`, `~ /re/`."""
    if isinstance(spec, str):
        return verbatim(f"= {spec!r}")
    parts: list[Text] = []
    if "present" in spec:
        # NOTE: said of an environment variable or a label, e.g. "TARGET set".
        parts.append(_("set") if spec["present"] else _("not set"))
    if "equals" in spec:
        parts.append(verbatim(f"= {spec['equals']!r}"))
    if "not" in spec:
        # NOTE: an environment variable or a label is set, to anything but this value.
        parts.append(_("set, != {value}", value=repr(spec["not"])))
    if "matches" in spec:
        parts.append(verbatim(f"~ /{spec['matches']}/"))
    return join(parts, ", ")


def contradiction(spec) -> Text | None:
    """Why a matcher can never hold, or None: `present: false` (not set at all) with a value to
    compare, which a variable that is not set never has."""
    if not isinstance(spec, dict) or spec.get("present") is not False:
        return None
    keys = [k for k in ("equals", "matches", "not") if k in spec]
    if not keys:
        return None
    return _("`present: false` asks that it is not set, and then it has no value for `{key}` to hold, so this "
             "could never pass: keep `present: false` alone, or drop it", key=keys[0])


def env_dict(env_list) -> dict[str, str]:
    """The engine's ["K=v", ...] as a dict; a bare "K" means set to empty."""
    out = {}
    for item in env_list or ():
        key, _sep, value = item.partition("=")
        out[key] = value
    return out
