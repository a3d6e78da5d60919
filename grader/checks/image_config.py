"""image_config: what an image's config says: env, cmd, entrypoint, workdir, ports, labels, user."""
from __future__ import annotations

import json

from .. import match
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text, _, join, verbatim
from .base import IMAGE_REF, Check, failed, matcher_problems, passed, register, require_image
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
                out += matcher_problems(spec, (group, key))
        if not any(k in params for k in cls.schema if k not in ("image", "not_base")):
            out.append(((), _("say what to check: env, cmd, entrypoint, workdir, user, exposed_ports or labels")))
        return out

    def _wanted(self) -> list[Text]:
        p = self.params
        out = [_setting(k, v) for k, v in (p.get("env") or {}).items()]
        for key in ("cmd", "entrypoint"):
            if key in p:
                out.append(verbatim(f"{key.upper()} {json.dumps(p[key])}"))
        if "workdir" in p:
            out.append(verbatim(f"WORKDIR {p['workdir']}"))
        if "user" in p:
            out.append(verbatim(f"USER {p['user']!r}"))
        if "exposed_ports" in p:
            out.append(verbatim(f"EXPOSE {' '.join(p['exposed_ports'])}"))
        out += [_setting(f"LABEL {k}", v) for k, v in (p.get("labels") or {}).items()]
        return out

    def expectation(self) -> Text:
        return _("image {image} has {settings}", image=self.params["image"], settings=join(self._wanted(), "; "))

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        ref = p["image"]
        image = require_image(engine, ref)
        require_own(engine, ref, image, p)
        config = image.get("Config") or {}
        wrong: list[Text] = []
        evidence: list[Text] = []
        env = match.env_dict(config.get("Env"))
        for key, spec in (p.get("env") or {}).items():
            value = env.get(key)
            evidence.append(verbatim(f"{key}={value}") if value is not None else _("{key} is not set", key=key))
            if not match.matches(spec, value):
                wrong.append(_setting(key, spec))
        for key, field in (("cmd", "Cmd"), ("entrypoint", "Entrypoint")):
            if key in p:
                actual = config.get(field) or []
                evidence.append(verbatim(f"{key.upper()} {json.dumps(actual)}"))
                if actual != p[key]:
                    wrong.append(verbatim(f"{key.upper()} {json.dumps(p[key])}"))
        for key, field in (("workdir", "WorkingDir"), ("user", "User")):
            if key in p:
                actual = config.get(field) or ""
                evidence.append(verbatim(f"{key.upper()} {actual}") if actual else
                                _("{instruction} (not set)", instruction=key.upper()))
                if actual.rstrip("/") != p[key].rstrip("/") and actual != p[key]:
                    wrong.append(verbatim(f"{key.upper()} {p[key]}"))
        if "exposed_ports" in p:
            actual = sorted(config.get("ExposedPorts") or {})
            evidence.append(verbatim(f"EXPOSE {' '.join(actual)}") if actual else _("EXPOSE (none)"))
            want = sorted(x if "/" in x else x + "/tcp" for x in p["exposed_ports"])
            if not set(want) <= set(actual):
                wrong.append(verbatim(f"EXPOSE {' '.join(want)}"))
        labels = config.get("Labels") or {}
        for key, spec in (p.get("labels") or {}).items():
            evidence.append(verbatim(f"LABEL {key}={labels.get(key)}"))
            if not match.matches(spec, labels.get(key)):
                wrong.append(_setting(f"LABEL {key}", spec))
        if wrong:
            return failed(_("{ref} does not have: {settings}", ref=ref, settings=join(wrong, "; ")), *evidence)
        return passed(_("{ref} is configured as expected", ref=ref), *evidence)


def _setting(name: str, spec) -> Text:
    """A variable or label and what its value must be: `TARGET = 'x'`, `LABEL version set`."""
    return join([verbatim(name), match.describe(spec)], " ")
