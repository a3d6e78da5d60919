"""container: a container found by exact name, or by the image it was created from.

Predicates: the image it was created from, env, state, and a pattern in its logs (their first
64 KB, where start-up lines are, and their last 200 lines; never all of them).
The logs pattern may say ${VAR}: the container's own value of VAR, matched literally.

A container counts only if it was started at least once (`docker container create` alone is not
"ran"), unless the rubric asks for `state: created` or says `started: false`. What a container
printed counts as the app's only if it ran its image's own command: no command after the image
name and no `--entrypoint` (`docker run IMAGE echo "..."` prints anything), unless the rubric says
`own_command: false`. A candidate whose logs cannot be read (`--log-driver none`) is skipped with
a note; the others still count.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from itertools import islice

from .. import match
from ..engine import Candidates, EngineProtocol, ObjectError
from ..model import Outcome
from ..text import Text, _, join, verbatim
from .base import REGEX, Check, matcher_problems, passed, register
from .lookup import (  # noqa: F401
    LOOKUP,
    LOOKUP_SCHEMA,
    STATES,
    Lookup,
    lookup_problems,
    lookup_text,
    name_of,
    none_as_expected,
    select,
)

FLAGS = (("tty", "Tty", "--tty"), ("interactive", "OpenStdin", "--interactive"))  # key, Config field, option
NEVER_STARTED_JUDGED = 10  # never-started candidates judged one by one; the rest are counted
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def pattern_for(template: str, env: dict) -> str | None:
    """The logs regex with ${VAR} replaced by the container's value; None if VAR is unset."""
    missing = [name for name in VAR.findall(template) if not env.get(name)]
    if missing:
        return None
    return VAR.sub(lambda m: re.escape(env[m.group(1)]), template)


@register
class Container(Check):
    kind = "container"
    reacts_to = frozenset({"container", "image", "running"})  # see grader/watch.py
    schema = {
        "name": LOOKUP_SCHEMA["name"],
        "image": LOOKUP_SCHEMA["image"],
        "env": match.MAP_SCHEMA,
        "state": LOOKUP_SCHEMA["state"],
        "logs": {**REGEX, "description": "Regex searched in the logs' start and last 200 lines; "
                                         "${VAR} is the container's value."},
        "tty": {"type": "boolean", "description": "Created with a terminal (`--tty`, `-t`): Config.Tty."},
        "interactive": {"type": "boolean",
                        "description": "Created with stdin kept open (`--interactive`, `-i`): Config.OpenStdin."},
        "restart": {"enum": ["no", "always", "unless-stopped", "on-failure"],
                    "description": "Its restart policy (`--restart always`): HostConfig.RestartPolicy.Name."},
        "started": {"type": "boolean",
                    "description": "true (default unless `state` allows `created`): the container was "
                                   "started at least once; false: a created one counts too."},
        "own_command": {"type": "boolean",
                        "description": "true (default with `logs`): the container ran its image's own "
                                       "command and entrypoint, not ones given on the command line."},
    }

    @classmethod
    def problems(cls, params):
        out = lookup_problems(params)
        logs = params.get("logs")
        if isinstance(logs, str):
            e = match.compile_error(VAR.sub("x", logs))
            if e:
                out.append((("logs",), _("the regular expression does not compile: {error}", error=e)))
            elif params.get("state") in ("created", ["created"]) and not match.search(VAR.sub("", logs), ""):
                # A container that is still `created` never ran, so it printed nothing.
                out.append((("logs",), _(
                    "a container in state created never ran and printed nothing, so `logs` could never match: "
                    "ask for the state it is in after it ran (running, exited), or drop `logs`")))
        for key, spec in (params.get("env") or {}).items():
            out += matcher_problems(spec, ("env", key))
        return out

    def _lookup(self) -> Lookup:
        return Lookup.of(self.params)

    def _states(self) -> tuple[str, ...]:
        return self._lookup().states

    def expectation(self) -> Text:
        p = self.params
        parts = self._lookup().describe()
        for key, spec in (p.get("env") or {}).items():
            parts.append(_("env {key} {condition}", key=key, condition=match.describe(spec)))
        if self._states():
            parts.append(_("state {states}", states="/".join(self._states())))
        if "logs" in p:
            parts.append(_("logs show /{pattern}/", pattern=p["logs"]))
        for key, _field, flag in FLAGS:
            if key in p:
                parts.append(_("with {option}", option=flag) if p[key] else _("without {option}", option=flag))
        if "restart" in p:
            parts.append(_("restart policy {policy}", policy=p["restart"]))
        if self._own_command():
            parts.append(_("running its image's own command"))
        return join(parts, ", ")

    def _started(self) -> bool:
        return self.params.get("started", "created" not in self._states())

    def _own_command(self) -> bool:
        return self.params.get("own_command", "logs" in self.params)

    def run(self, engine: EngineProtocol) -> Outcome:
        lookup = self._lookup()
        wanted_ids = lookup.image_ids(engine)
        # Inspected lazily (engine.containers_from): one removed meanwhile is skipped.
        never: Candidates | tuple = ()
        if lookup.name or not self._started():
            groups: list[Iterable[dict]] = [lookup.candidates(engine, wanted_ids)]
        else:
            # A container never started cannot pass a check that wants one that ran: the listing
            # says which they are, so the first few are judged (their reasons shown) and the
            # rest, thousands at scale, only counted, never inspected.
            never = engine.containers_from(*wanted_ids, started=False)
            groups = [engine.containers_from(*wanted_ids, started=True), islice(never, NEVER_STARTED_JUDGED)]
        evidence: list[Text] = []
        skipped: list[Text] = []
        reasons: list[Text] = []
        for group in groups:
            for attrs in group:
                try:
                    ok, why, seen = self._judge(engine, attrs, wanted_ids)
                except ObjectError as e:  # one unreadable container must not hide the others
                    why = _("{name} was skipped: {error}", name=name_of(attrs), error=e.message)
                    ok, seen = False, _("skipped {name}: {error}", name=name_of(attrs), error=e.message)
                    skipped.append(seen)
                evidence.append(seen)
                if ok:
                    return passed(_("container {name} is as expected", name=name_of(attrs)), seen, *skipped)
                reasons.append(why)
        counted = max(0, len(never) - NEVER_STARTED_JUDGED)
        if not reasons:
            return lookup.missing(engine)
        return none_as_expected(reasons, evidence, counted)

    def _judge(self, engine: EngineProtocol, attrs: dict, wanted_ids: set[str]) -> tuple[bool, Text, Text]:
        p = self.params
        lookup = self._lookup()
        name = name_of(attrs)
        env = match.env_dict((attrs.get("Config") or {}).get("Env"))
        state = (attrs.get("State") or {}).get("Status", "")
        seen: list[Text] = [lookup.seen(attrs)]
        seen += [verbatim(f"{k}={env.get(k)}") for k in (p.get("env") or {})]

        def said(why: Text) -> tuple[bool, Text, Text]:
            return False, why, join(seen, "; ")

        wrong = lookup.wrong_image(attrs, wanted_ids)
        if wrong is not None:
            return said(wrong)
        for key, spec in (p.get("env") or {}).items():
            if not match.matches(spec, env.get(key)):
                near = _near_variable(key, env)
                if not near:
                    return said(_("{name} has {key}={value}; wanted {condition}", name=name, key=key,
                                  value=repr(env.get(key)), condition=match.describe(spec)))
                # `--env target=...`: names are case-sensitive, so TARGET kept its default
                seen.append(verbatim(f"{near}={env[near]}"))
                return said(_("{name} has {key}={value}; wanted {condition}; it also has {near}={near_value}: "
                              "variable names are case-sensitive, did you mean --env {key}={near_raw}?",
                              name=name, key=key, value=repr(env.get(key)), condition=match.describe(spec),
                              near=near, near_value=repr(env[near]), near_raw=env[near]))
        started = (attrs.get("State") or {}).get("StartedAt") or ""
        if self._started() and (not started or started.startswith("0001-") or state == "created"):
            return said(_("{name} was created but never started (`docker container create` alone does not "
                          "run it)", name=name))
        wrong = lookup.wrong_state(attrs)
        if wrong is not None:
            return said(wrong)
        for key, field, flag in FLAGS:
            if key in p:
                actual = bool((attrs.get("Config") or {}).get(field))
                seen.append(verbatim(f"{field}={str(actual).lower()}"))
                if actual != p[key]:
                    return said(_("{name} was created without {option}", name=name, option=flag) if p[key]
                                else _("{name} was created with {option}", name=name, option=flag))
        if "restart" in p:
            policy = ((attrs.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or "no"
            seen.append(verbatim(f"restart={policy}"))
            if policy != p["restart"]:
                return said(_("{name}'s restart policy is {policy}, not {wanted} (`--restart {wanted}`)",
                              name=name, policy=policy, wanted=p["restart"]))
        if self._own_command():
            override = _override(engine, attrs)
            if override is not None:
                seen.append(_("ran: {command}", command=override))
                return said(_("{name} ran `{command}` instead of its image's own command, so what it "
                              "printed is not the app's", name=name, command=override))
        if "logs" in p:
            pattern = pattern_for(p["logs"], env)
            logs = engine.logs(attrs["Id"])
            lines = logs.strip().splitlines()
            seen.append(_("log: {line}", line=lines[0][:160]) if lines else _("log: (empty)"))
            if pattern is None or not match.search(pattern, logs, multiline=True):
                return said(_("{name}'s logs do not show /{pattern}/", name=name,
                              pattern=_shown_pattern(p["logs"], env)))
        return True, verbatim(""), join(seen, "; ")


def _shown_pattern(template: str, env: dict) -> Text:
    """The logs pattern as the container made it: each ${VAR} replaced by its value, or by
    "(unset)" in the reader's language."""
    parts: list[Text] = []
    at = 0
    for m in VAR.finditer(template):
        parts.append(verbatim(template[at:m.start()]))
        value = env.get(m.group(1))
        # NOTE: in a log pattern, in place of a variable the container does not set: /pinging (unset)/.
        parts.append(verbatim(value) if value else _("(unset)"))
        at = m.end()
    parts.append(verbatim(template[at:]))
    return join(parts, "")


def _near_variable(key: str, env: dict) -> str:
    """A variable of the container whose name is nearly `key` (other case, a letter off)."""
    others = [k for k in env if k != key]
    same = [k for k in others if k.lower() == key.lower()]
    if same:
        return same[0]
    near = difflib.get_close_matches(key, others, n=1, cutoff=0.85)
    return near[0] if near else ""


def _words(value) -> list[str]:
    """Cmd or Entrypoint as a list: engines give null, a list, or (Podman, sometimes) a string."""
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def _override(engine, attrs: dict) -> Text | None:
    """The command line a container ran instead of its image's own (Cmd and Entrypoint compared
    with the image it was created from); None when it ran the image's own command."""
    config = attrs.get("Config") or {}
    image = engine.image(attrs.get("Image") or "")
    own = (image or {}).get("Config") or {}
    mine = (_words(config.get("Entrypoint")), _words(config.get("Cmd")))
    if image is not None and mine == (_words(own.get("Entrypoint")), _words(own.get("Cmd"))):
        return None
    # NOTE: the command a container ran, when it ran none at all.
    return verbatim(" ".join(mine[0] + mine[1])) if any(mine) else _("(nothing)")
