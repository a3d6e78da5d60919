"""run: a behaviour probe. Run an image with env and/or command overrides and watch its output.

The probe has no network, no capabilities, capped memory and pids, and a wall-clock limit; it
is removed as soon as the output matches, the process exits or the time is up.
"""
from __future__ import annotations

import re

from .. import match
from ..engine import PROBE_OUTPUT, EngineProtocol, ObjectError
from ..model import Outcome
from ..text import Text
from .base import IMAGE_REF, REGEX, Check, capped, failed, passed, regex_problems, register, require_image
from .own_work import NOT_BASE, require_own

MAX_TIMEOUT = 60


@register
class Run(Check):
    kind = "run"
    reacts_to = frozenset({"its-image"})  # see grader/watch.py
    schema = {
        "image": IMAGE_REF,
        "env": {"type": "object", "additionalProperties": {"type": "string"},
                "description": "Environment overrides, like `docker run --env`."},
        "command": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                    "description": "Overrides CMD, like the words after the image in `docker run`."},
        "expect": {**REGEX, "description": "Passes once the output matches (re.search, multiline)."},
        "exit_code": {"type": "integer", "description": "The process must exit with this code."},
        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_TIMEOUT,
                    "description": "Seconds to wait (default 10)."},
        "not_base": NOT_BASE,
    }
    required = ("image",)

    @classmethod
    def problems(cls, params):
        out = regex_problems(params, "expect")
        if "expect" not in params and "exit_code" not in params:
            out.append(((), Text("give `expect`, `exit_code` or both",
                                 "`expect`나 `exit_code` 중 하나 이상을 적으세요")))
        return out

    def _command(self):
        command = self.params.get("command")
        return ["/bin/sh", "-c", command] if isinstance(command, str) else command

    def _how(self) -> str:
        p = self.params
        words = ["docker run"] + [f"--env {k}={v}" for k, v in (p.get("env") or {}).items()]
        words.append(p["image"])
        command = p.get("command")
        if command:
            words.append(command if isinstance(command, str) else " ".join(command))
        return " ".join(words)

    def expectation(self) -> Text:
        p = self.params
        wants = []
        if "expect" in p:
            wants.append(f"/{p['expect']}/")
        if "exit_code" in p:
            wants.append(f"exit {p['exit_code']}")
        return Text(f"`{self._how()}` prints {' and '.join(wants)}",
                    f"`{self._how()}` 실행 결과: {' 그리고 '.join(wants)}")

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        image = require_image(engine, p["image"])
        require_own(engine, p["image"], image, p)
        # With an exit code to check, the probe must run to its end, not stop at the first match.
        stop_at = None if "exit_code" in p else p.get("expect")
        try:
            result = engine.probe(image["Id"], env=p.get("env"), command=self._command(),
                                  expect=stop_at, timeout=p.get("timeout", 10))
        except ObjectError as e:
            # The student's image cannot run (a typo in CMD, a USER that does not exist): the
            # runtime's own words are the evidence, and the rubric's hint says what to fix.
            return failed(f"`{self._how()}` did not run: {e.message.en}",
                          f"`{self._how()}` 명령이 실행되지 않았습니다: {e.message.ko}",
                          f"ran: {self._how()}")
        matched = result.matched or ("expect" in p and stop_at is None
                                     and match.search(p["expect"], result.output, multiline=True))
        lines = [line[:200] for line in result.output.strip().splitlines()]
        # What a student needs first: how the probe ended, then the output's error lines (node's
        # `Error: Cannot find module`), then the command and the rest of the output; capped with
        # "... N more", so nothing is cut silently.
        ending = []
        if result.overflowed:
            ending.append(f"printed more than {PROBE_OUTPUT // 1000} KB; stopped")
        elif result.timed_out:
            ending.append(f"still running after {p.get('timeout', 10)} s; stopped")
        elif result.exit_code is not None:
            ending.append(f"exit code: {result.exit_code}")
        errors = [line for line in lines if _ERROR_LINE.search(line)]
        rest = [line for line in lines if not _ERROR_LINE.search(line)]
        evidence = capped(ending + [f"output: {line}" for line in errors] + [f"ran: {self._how()}"]
                          + ([f"output: {line}" for line in rest] if lines else ["output: (nothing)"]))
        missing = _MISSING_MODULE.search(result.output)
        if missing and not matched:
            # The command starts a file the image does not hold: say so, not "fix CMD".
            path = missing.group(1)
            return Outcome(False, Text(
                f"`{self._how()}` failed: the image has no {path}, which its command starts",
                f"`{self._how()}` 실행이 실패했습니다. 시작 명령이 실행하는 {path} 파일이 이미지에 없습니다"),
                evidence, hint=Text(
                    f"Copy {path.rsplit('/', 1)[-1]} into the image (the file next to your Dockerfile, "
                    f"then `COPY {path.rsplit('/', 1)[-1]} .` after WORKDIR), rebuild, and check with "
                    f"`docker container run {p['image']}`.",
                    f"{path.rsplit('/', 1)[-1]} 파일을 이미지에 복사하세요(Dockerfile 옆에 파일을 두고 "
                    f"WORKDIR 다음에 `COPY {path.rsplit('/', 1)[-1]} .` 추가). 다시 빌드한 뒤 "
                    f"`docker container run {p['image']}` 명령으로 확인해 보세요."))
        if "expect" in p and not matched and result.overflowed:
            return failed(f"`{self._how()}` printed more than {PROBE_OUTPUT // 1000} KB without "
                          f"/{p['expect']}/", f"`{self._how()}` 명령이 /{p['expect']}/ 없이 "
                          f"{PROBE_OUTPUT // 1000} KB 넘게 출력했습니다", *evidence)
        if "expect" in p and not matched:
            return failed(f"`{self._how()}` did not print /{p['expect']}/",
                          f"`{self._how()}`의 출력에 /{p['expect']}/ 패턴이 없습니다", *evidence)
        if "exit_code" in p:
            code = result.exit_code
            if code != p["exit_code"]:
                return failed(f"`{self._how()}` exited with {code}, not {p['exit_code']}",
                              f"`{self._how()}`의 종료 코드가 기대한 {p['exit_code']} 대신 {code}입니다",
                              *evidence)
        return passed(f"`{self._how()}` behaved as expected", f"`{self._how()}` 명령이 기대대로 동작합니다",
                      *evidence)


# Output lines a student should see first: runtime errors, whatever the language.
_ERROR_LINE = re.compile(r"(?i)\b(error|exception|traceback|cannot|not found|no such file|permission denied)\b")
# Node's words for a script that is not there: `Error: Cannot find module '/web-ping/app.js'`.
_MISSING_MODULE = re.compile(r"Cannot find module '(/[^']+)'")
