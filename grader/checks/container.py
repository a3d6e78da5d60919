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

from .. import match
from ..engine import EngineProtocol, ObjectError
from ..model import Outcome
from ..text import Text
from .base import REGEX, Check, passed, register
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
                out.append((("logs",), Text(f"the regular expression does not compile: {e}",
                                            f"정규 표현식이 올바르지 않습니다: {e}")))
        for key, spec in (params.get("env") or {}).items():
            for rx in match.regexes(spec):
                e = match.compile_error(rx)
                if e:
                    out.append((("env", key, "matches"), Text(
                        f"the regular expression does not compile: {e}",
                        f"정규 표현식이 올바르지 않습니다: {e}")))
        return out

    def _lookup(self) -> Lookup:
        return Lookup.of(self.params)

    def _states(self) -> tuple[str, ...]:
        return self._lookup().states

    def expectation(self) -> Text:
        p = self.params
        parts_en, parts_ko = self._lookup().describe()
        for key, spec in (p.get("env") or {}).items():
            parts_en.append(f"env {key} {match.describe(spec)}")
            parts_ko.append(f"환경 변수 {key} {match.describe(spec)}")
        if self._states():
            parts_en.append("state " + "/".join(self._states()))
            parts_ko.append("상태 " + "/".join(self._states()))
        if "logs" in p:
            parts_en.append(f"logs show /{p['logs']}/")
            parts_ko.append(f"로그에 /{p['logs']}/ 출력")
        for key, _field, flag in FLAGS:
            if key in p:
                parts_en.append(f"{'with' if p[key] else 'without'} {flag}")
                parts_ko.append(f"{flag} {'사용' if p[key] else '사용 안 함'}")
        if "restart" in p:
            parts_en.append(f"restart policy {p['restart']}")
            parts_ko.append(f"재시작 정책 {p['restart']}")
        if self._own_command():
            parts_en.append("running its image's own command")
            parts_ko.append("이미지의 기본 명령으로 실행함")
        return Text(", ".join(parts_en), ", ".join(parts_ko))

    def _started(self) -> bool:
        return self.params.get("started", "created" not in self._states())

    def _own_command(self) -> bool:
        return self.params.get("own_command", "logs" in self.params)

    def run(self, engine: EngineProtocol) -> Outcome:
        lookup = self._lookup()
        wanted_ids = lookup.image_ids(engine)
        candidates = lookup.candidates(engine, wanted_ids)
        # Inspected lazily (engine.containers_from): one removed meanwhile is skipped.
        if not candidates or not any(True for _ in candidates):
            return lookup.missing()
        evidence: list[str] = []
        reasons: list[Text] = []
        for attrs in candidates:
            try:
                ok, why, seen = self._judge(engine, attrs, wanted_ids)
            except ObjectError as e:  # one unreadable container must not hide the others
                ok, why = False, Text(f"{name_of(attrs)} was skipped: {e.message.en}",
                                      f"{name_of(attrs)}은(는) 건너뛰었습니다: {e.message.ko}")
                seen = f"skipped {name_of(attrs)}: {e.message.en}"
            evidence.append(seen)
            if ok:
                notes = [e for e in evidence if e.startswith("skipped ")]
                return passed(f"container {name_of(attrs)} is as expected",
                              f"컨테이너 {name_of(attrs)}이(가) 기대와 같습니다", seen, *notes)
            reasons.append(why)
        return none_as_expected(reasons, evidence)

    def _judge(self, engine: EngineProtocol, attrs: dict, wanted_ids: set[str]) -> tuple[bool, Text, str]:
        p = self.params
        lookup = self._lookup()
        name = name_of(attrs)
        env = match.env_dict((attrs.get("Config") or {}).get("Env"))
        state = (attrs.get("State") or {}).get("Status", "")
        seen = [lookup.seen(attrs)]
        seen += [f"{k}={env.get(k)}" for k in (p.get("env") or {})]
        wrong = lookup.wrong_image(attrs, wanted_ids)
        if wrong is not None:
            return False, wrong, "; ".join(seen)
        for key, spec in (p.get("env") or {}).items():
            if not match.matches(spec, env.get(key)):
                why = Text(f"{name} has {key}={env.get(key)!r}; wanted {match.describe(spec)}",
                           f"{name}의 {key}={env.get(key)!r}입니다. 기대: {match.describe(spec)}")
                near = _near_variable(key, env)
                if near:  # `--env target=...`: names are case-sensitive, so TARGET kept its default
                    why += Text(f"; it also has {near}={env[near]!r}: variable names are case-sensitive, "
                                f"did you mean --env {key}={env[near]}?",
                                f". {near}={env[near]!r} 변수도 있습니다. 변수 이름은 대소문자를 구분합니다. "
                                f"--env {key}={env[near]} 옵션을 뜻하셨나요?")
                    seen.append(f"{near}={env[near]}")
                return False, why, "; ".join(seen)
        started = (attrs.get("State") or {}).get("StartedAt") or ""
        if self._started() and (not started or started.startswith("0001-") or state == "created"):
            return False, Text(f"{name} was created but never started (`docker container create` "
                               "alone does not run it)",
                               f"{name}은(는) 만들어지기만 하고 한 번도 시작되지 않았습니다"
                               "(`docker container create`만으로는 실행되지 않습니다)"), "; ".join(seen)
        wrong = lookup.wrong_state(attrs)
        if wrong is not None:
            return False, wrong, "; ".join(seen)
        for key, field, flag in FLAGS:
            if key in p:
                actual = bool((attrs.get("Config") or {}).get(field))
                seen.append(f"{field}={str(actual).lower()}")
                if actual != p[key]:
                    return False, Text(
                        f"{name} was created {'without' if p[key] else 'with'} {flag}",
                        f"{name}은(는) {flag} {'없이' if p[key] else '옵션을 붙여'} 만들어졌습니다"
                    ), "; ".join(seen)
        if "restart" in p:
            policy = ((attrs.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or "no"
            seen.append(f"restart={policy}")
            if policy != p["restart"]:
                return False, Text(f"{name}'s restart policy is {policy}, not {p['restart']} "
                                   f"(`--restart {p['restart']}`)",
                                   f"{name}의 재시작 정책은 {p['restart']}이(가) 아니라 {policy}입니다"
                                   f"(`--restart {p['restart']}`)"), "; ".join(seen)
        if self._own_command():
            override = _override(engine, attrs)
            if override:
                return False, Text(f"{name} ran `{override}` instead of its image's own command, so "
                                   "what it printed is not the app's",
                                   f"{name}은(는) 이미지의 기본 명령 대신 `{override}`을(를) 실행했으므로 "
                                   "그 출력은 앱의 출력이 아닙니다"), "; ".join(seen + [f"ran: {override}"])
        if "logs" in p:
            pattern = pattern_for(p["logs"], env)
            logs = engine.logs(attrs["Id"])
            lines = logs.strip().splitlines()
            seen.append(f"log: {lines[0][:160] if lines else '(empty)'}")
            if pattern is None or not match.search(pattern, logs, multiline=True):
                shown = VAR.sub(lambda m: env.get(m.group(1)) or "(unset)", p["logs"])
                return False, Text(f"{name}'s logs do not show /{shown}/",
                                   f"{name}의 로그에 /{shown}/가 없습니다"), "; ".join(seen)
        return True, Text("", ""), "; ".join(seen)


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


def _override(engine, attrs: dict) -> str:
    """The command line a container ran instead of its image's own (Cmd and Entrypoint compared
    with the image it was created from); "" when it ran the image's own command."""
    config = attrs.get("Config") or {}
    image = engine.image(attrs.get("Image") or "")
    own = (image or {}).get("Config") or {}
    mine = (_words(config.get("Entrypoint")), _words(config.get("Cmd")))
    if image is not None and mine == (_words(own.get("Entrypoint")), _words(own.get("Cmd"))):
        return ""
    return " ".join(mine[0] + mine[1]) or "(nothing)"


