"""run: a behaviour probe. Run an image with env and/or command overrides and watch its output.

The probe has no network, no capabilities, capped memory and pids, and a wall-clock limit; it
is removed as soon as the output matches, the process exits or the time is up.
"""
from __future__ import annotations

import re

from .. import match
from ..engine import PROBE_OUTPUT, EngineProtocol, ObjectError
from ..model import Outcome
from ..text import Text, _, join, verbatim
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
            out.append(((), _("give `expect`, `exit_code` or both")))
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
        wants: list[Text] = []
        if "expect" in p:
            wants.append(verbatim(f"/{p['expect']}/"))
        if "exit_code" in p:
            wants.append(_("exit {code}", code=p["exit_code"]))
        # NOTE: between the things a probe must do: "prints /pinging/ and exit 0".
        wanted = join(wants, _(" and "))
        return _("`{command}` prints {wanted}", command=self._how(), wanted=wanted)

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        how = self._how()
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
            return failed(_("`{command}` did not run: {error}", command=how, error=e.message),
                          _("ran: {command}", command=how))
        matched = result.matched or ("expect" in p and stop_at is None
                                     and match.search(p["expect"], result.output, multiline=True))
        lines = [line[:200] for line in result.output.strip().splitlines()]
        # What a student needs first: how the probe ended, then the output's error lines (node's
        # `Error: Cannot find module`), then the command and the rest of the output; capped with
        # "... N more", so nothing is cut silently.
        ending: list[Text] = []
        kb = PROBE_OUTPUT // 1000
        if result.overflowed:
            ending.append(_("printed more than {kb} KB; stopped", kb=kb))
        elif result.timed_out:
            ending.append(_("still running after {seconds} s; stopped", seconds=p.get("timeout", 10)))
        elif result.exit_code is not None:
            ending.append(_("exit code: {code}", code=result.exit_code))
        errors: list[Text] = [_("output: {line}", line=line) for line in lines if _ERROR_LINE.search(line)]
        rest: list[Text] = [_("output: {line}", line=line) for line in lines if not _ERROR_LINE.search(line)]
        evidence = capped(ending + errors + [_("ran: {command}", command=how)]
                          + (rest if lines else [_("output: (nothing)")]))
        missing = _MISSING_MODULE.search(result.output)
        if missing and not matched:
            # The command starts a file the image does not hold: say so, not "fix CMD".
            path = missing.group(1)
            name = path.rsplit("/", 1)[-1]
            return Outcome(False, _("`{command}` failed: the image has no {path}, which its command starts",
                                    command=how, path=path), evidence,
                           hint=_("Copy {file} into the image (the file next to your Dockerfile, then "
                                  "`COPY {file} .` after WORKDIR), rebuild, and check with "
                                  "`docker container run {image}`.", file=name, image=p["image"]))
        if "expect" in p and not matched and result.overflowed:
            return failed(_("`{command}` printed more than {kb} KB without /{pattern}/", command=how, kb=kb,
                            pattern=p["expect"]), *evidence)
        if "expect" in p and not matched:
            return failed(_("`{command}` did not print /{pattern}/", command=how, pattern=p["expect"]), *evidence)
        if "exit_code" in p:
            code = result.exit_code
            if code != p["exit_code"]:
                return failed(_("`{command}` exited with {code}, not {wanted}", command=how, code=str(code),
                                wanted=p["exit_code"]), *evidence)
        return passed(_("`{command}` behaved as expected", command=how), *evidence)


# Output lines a student should see first: runtime errors, whatever the language.
_ERROR_LINE = re.compile(r"(?i)\b(error|exception|traceback|cannot|not found|no such file|permission denied)\b")
# Node's words for a script that is not there: `Error: Cannot find module '/web-ping/app.js'`.
_MISSING_MODULE = re.compile(r"Cannot find module '(/[^']+)'")
