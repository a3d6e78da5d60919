"""image_config: what an image's config says: env, cmd, entrypoint, workdir, ports, labels, user."""
from __future__ import annotations

import json

from .. import match
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text
from .base import IMAGE_REF, Check, failed, passed, regex_problems, register, require_image
from .own_work import NOT_BASE, require_own

STRINGS = {"type": "array", "items": {"type": "string"}}


@register
class ImageConfig(Check):
    kind = "image_config"
    reacts_to = frozenset({"image"})  # see grader/watch.py
    schema = {
        "image": IMAGE_REF,
        "env": {**match.MAP_SCHEMA, "description": "Variable: exact value, or {equals|matches|not|present}."},
        "cmd": {**STRINGS, "description": "Exactly this CMD, exec form."},
        "entrypoint": {**STRINGS, "description": "Exactly this ENTRYPOINT, exec form ([] for none)."},
        "workdir": {"type": "string"},
        "user": {"type": "string"},
        "exposed_ports": {"type": "array", "items": {"type": "string", "pattern": r"^\d+(/(tcp|udp|sctp))?$"}},
        "labels": match.MAP_SCHEMA,
        "not_base": NOT_BASE,
    }
    required = ("image",)

    @classmethod
    def problems(cls, params):
        out = []
        for group in ("env", "labels"):
            for key, spec in (params.get(group) or {}).items():
                out += regex_problems(spec, "matches", at=(group, key))
        if not any(k in params for k in cls.schema if k not in ("image", "not_base")):
            out.append(((), Text("say what to check: env, cmd, entrypoint, workdir, user, "
                                 "exposed_ports or labels",
                                 "무엇을 검사할지 적으세요: env, cmd, entrypoint, workdir, user, "
                                 "exposed_ports, labels 중 하나 이상")))
        return out

    def _wanted(self) -> list[str]:
        p = self.params
        out = [f"{k} {match.describe(v)}" for k, v in (p.get("env") or {}).items()]
        for key in ("cmd", "entrypoint"):
            if key in p:
                out.append(f"{key.upper()} {json.dumps(p[key])}")
        if "workdir" in p:
            out.append(f"WORKDIR {p['workdir']}")
        if "user" in p:
            out.append(f"USER {p['user']!r}")
        if "exposed_ports" in p:
            out.append(f"EXPOSE {' '.join(p['exposed_ports'])}")
        out += [f"LABEL {k} {match.describe(v)}" for k, v in (p.get("labels") or {}).items()]
        return out

    def expectation(self) -> Text:
        ref, wanted = self.params["image"], "; ".join(self._wanted())
        return Text(f"image {ref} has {wanted}", f"이미지 {ref} 설정: {wanted}")

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        ref = p["image"]
        image = require_image(engine, ref)
        require_own(engine, ref, image, p)
        config = image.get("Config") or {}
        wrong: list[str] = []
        evidence: list[str] = []
        env = match.env_dict(config.get("Env"))
        for key, spec in (p.get("env") or {}).items():
            value = env.get(key)
            evidence.append(f"{key}={value}" if value is not None else f"{key} is not set")
            if not match.matches(spec, value):
                wrong.append(f"{key} {match.describe(spec)}")
        for key, field in (("cmd", "Cmd"), ("entrypoint", "Entrypoint")):
            if key in p:
                actual = config.get(field) or []
                evidence.append(f"{key.upper()} {json.dumps(actual)}")
                if actual != p[key]:
                    wrong.append(f"{key.upper()} {json.dumps(p[key])}")
        for key, field in (("workdir", "WorkingDir"), ("user", "User")):
            if key in p:
                actual = config.get(field) or ""
                evidence.append(f"{key.upper()} {actual or '(not set)'}")
                if actual.rstrip("/") != p[key].rstrip("/") and actual != p[key]:
                    wrong.append(f"{key.upper()} {p[key]}")
        if "exposed_ports" in p:
            actual = sorted(config.get("ExposedPorts") or {})
            evidence.append(f"EXPOSE {' '.join(actual) or '(none)'}")
            want = sorted(x if "/" in x else x + "/tcp" for x in p["exposed_ports"])
            if not set(want) <= set(actual):
                wrong.append(f"EXPOSE {' '.join(want)}")
        labels = config.get("Labels") or {}
        for key, spec in (p.get("labels") or {}).items():
            evidence.append(f"LABEL {key}={labels.get(key)}")
            if not match.matches(spec, labels.get(key)):
                wrong.append(f"LABEL {key} {match.describe(spec)}")
        if wrong:
            return failed(f"{ref} does not have: {'; '.join(wrong)}",
                          f"{ref}의 설정이 다릅니다. 기대한 것: {'; '.join(wrong)}", *evidence)
        return passed(f"{ref} is configured as expected", f"{ref}의 설정이 기대와 같습니다", *evidence)
