"""`grade rubric draft`: a first rubric made from a reference solution on the engine.

It inspects the images and containers it is given (and files in them), writes a check for what
it finds (image present; its env, cmd, entrypoint, workdir, exposed ports and the labels it adds; the image it is
built on, when a known image is underneath; its history in order, or a commit; a container's
image, state, env, terminal flags, first log line and published ports; file contents), grades
every drafted check on the same engine and keeps only those that pass, so the draft grades the
reference solution with full marks. Titles are written out in English and Korean (the grader's
own words, from the catalog); hints are TODO placeholders. The instructor trims it, sets points
and writes the hints.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field

import yaml

from . import history, match, refs
from .checks import KINDS
from .checks.base import layers
from .checks.ports import ANY_IP, bindings
from .rubric import RubricError, load
from .schema import COMMON_KEYS, ID_PATTERN
from .text import Text, _

TODO_HINT = _("TODO: say what to type to fix this.")
KEYED = {"ENV", "ARG", "LABEL", "WORKDIR", "COPY", "ADD", "USER"}  # steps drafted with their key
CONTENT_LIMIT = 2000  # a file up to this size (UTF-8 text) is drafted with its exact content


class DraftError(Exception):
    def __init__(self, message: Text):
        super().__init__(str(message))
        self.message = message


@dataclass
class Draft:
    lab: str
    sections: list[dict] = field(default_factory=list)
    dropped: list[Text] = field(default_factory=list)  # drafted checks that did not pass: left out
    _ids: set = field(default_factory=set)

    def unique(self, base: str) -> str:
        slug = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9._-]+", "-", base.lower())).strip("-._") or "check"
        if not re.match(ID_PATTERN, slug):
            slug = "c-" + slug
        out, n = slug, 2
        while out in self._ids:
            out, n = f"{slug}-{n}", n + 1
        self._ids.add(out)
        return out


def split_file_arg(arg: str) -> tuple[str, str]:
    """`web-ping:v3:/web-ping/app.js` is (web-ping:v3, /web-ping/app.js): the path starts at ':/'."""
    ref, sep, path = arg.partition(":/")
    if not sep or not ref:
        raise DraftError(_("--file {arg}: write it as IMAGE:PATH or CONTAINER:PATH, e.g. web-ping:/web-ping/app.js",
                           arg=arg))
    return ref, "/" + path


def pair(text: Text) -> dict[str, str]:
    """A text as a rubric writes it: English and Korean (rubrics/schema.json's pair)."""
    return {"en": text("en"), "ko": text("ko")}


def _check(draft: Draft, id_base: str, kind: str, title: Text, needs=(), **params) -> dict:
    check = {"id": draft.unique(id_base), "title": pair(title), "hint": pair(TODO_HINT), "points": 1}
    if needs:
        check["needs"] = list(needs)
    check["kind"] = kind
    check.update(params)
    return check


def _env_added(config: dict, base_config: dict | None) -> dict:
    env = match.env_dict(config.get("Env"))
    if base_config is None:
        return {k: v for k, v in env.items() if k != "PATH"}
    base_env = match.env_dict(base_config.get("Env"))
    return {k: v for k, v in env.items() if base_env.get(k) != v}


def _find_base(engine, ref: str, attrs: dict, given: list[str]) -> str | None:
    """The closest image underneath: among the other given images first, then every local tag.
    It must share the first layers and sit at the bottom of the history."""
    mine, own_history = layers(attrs), engine.history(attrs["Id"])
    best, best_len = None, -1
    local = [t[: -len(":latest")] if t.endswith(":latest") else t for t in engine.all_tags()]
    for candidate in [g for g in given if g != ref] + local:
        other = engine.image(candidate)
        if other is None or other["Id"] == attrs["Id"]:
            continue
        theirs = layers(other)
        if len(theirs) > len(mine) or mine[: len(theirs)] != theirs:
            continue
        base_history = engine.history(other["Id"])
        own = history.own_entries(own_history, base_history)
        if not own or len(base_history) <= best_len:
            continue
        best, best_len = candidate, len(base_history)
    return best


def _step(step: history.Step) -> str | None:
    if not step.instruction:
        return None
    if step.instruction not in KEYED:
        return step.instruction
    keys = [k for k in step.keys() if k and k != "in" and not history.HASHED.match(k)]
    if step.instruction == "WORKDIR":
        keys = [step.args.strip()] if step.args.strip() else []
    if not keys or not re.match(r"^\S+$", keys[0]):
        return step.instruction
    return f"{step.instruction} {keys[0]}"


def _file_params(content: bytes, truncated: bool) -> dict:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    if "\x00" in text:
        return {}
    if not truncated and len(content) <= CONTENT_LIMIT:
        return {"content": text}
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return {"matches": re.escape(first[:80])} if first else {}


def _image_checks(draft: Draft, engine, ref: str, given: list[str], files: list[str]) -> dict:
    attrs = engine.image(ref)
    if attrs is None:
        raise DraftError(_("image {ref} is not on the engine", ref=ref))
    checks = []
    present = _check(draft, ref, "image", _("Image {ref} is present", ref=ref), image=ref)
    checks.append(present)
    needs = [present["id"]]
    base = _find_base(engine, ref, attrs, given)
    base_attrs = engine.image(base) if base else None
    config = attrs.get("Config") or {}
    base_config = (base_attrs or {}).get("Config") if base_attrs else None
    params: dict = {}
    env = _env_added(config, base_config)
    if env:
        params["env"] = env
    for key, name in (("cmd", "Cmd"), ("entrypoint", "Entrypoint")):
        if config.get(name):
            params[key] = list(config[name])
    if config.get("WorkingDir"):
        params["workdir"] = config["WorkingDir"]
    ports = sorted(set(config.get("ExposedPorts") or {}) - set((base_config or {}).get("ExposedPorts") or {}))
    if ports:
        params["exposed_ports"] = ports
    # The labels the reference's Dockerfile adds (LABEL): only above a known base, since labels
    # come down from every image underneath (a publisher's own, or the stand-ins'
    # org.grade.standin), and those are not the lab's work nor on every student's engine.
    if base_config is not None:
        base_labels = base_config.get("Labels") or {}
        labels = {k: v for k, v in sorted((config.get("Labels") or {}).items()) if base_labels.get(k) != v}
        if labels:
            params["labels"] = labels
    if params:
        checks.append(_check(draft, f"{ref}-config", "image_config",
                             _("{ref} is configured like the reference", ref=ref),
                             needs, image=ref, **params))
    if base:
        checks.append(_check(draft, f"{ref}-base", "image_base",
                             _("{ref} is built on {base}", ref=ref, base=base),
                             needs, image=ref, base=base))
    entries = engine.history(attrs["Id"])
    own = history.own_entries(entries, engine.history(base_attrs["Id"])) if base_attrs else entries
    found = history.steps(own or [])
    if base and len(found) == 1 and not found[0].instruction:
        checks.append(_check(draft, f"{ref}-commit", "image_commit",
                             _("{ref} was made with docker container commit", ref=ref),
                             needs, image=ref, base=base))
    steps = [s for s in map(_step, found) if s]
    if steps:
        hist = {"image": ref, **({"base": base} if base else {}), "steps": steps}
        checks.append(_check(draft, f"{ref}-history", "image_history",
                             _("{ref}'s layers follow the reference's instructions", ref=ref), needs, **hist))
    for path in files:
        got = engine.read_file(attrs["Id"], path)
        if got is None or got.is_dir:
            raise DraftError(_("--file {ref}:{path}: no such file in the image", ref=ref, path=path))
        checks.append(_check(draft, f"{ref}-{path}", "image_file",
                             _("{path} in {ref} is as in the reference", path=path, ref=ref),
                             needs, image=ref, path=path, **_file_params(got.content, got.truncated)))
    return {"id": draft.unique(f"image-{ref}"), "title": pair(_("Image {ref}", ref=ref)),
            "checks": checks}


def _first_log_line(engine, attrs: dict) -> str | None:
    hostname = (attrs.get("Config") or {}).get("Hostname") or attrs["Id"][:12]
    for line in engine.logs(attrs["Id"]).splitlines()[:50]:
        line = line.strip()
        if re.search(r"[A-Za-z]", line) and hostname not in line and attrs["Id"][:12] not in line:
            return re.escape(line[:80])
    return None


def _container_checks(draft: Draft, engine, name: str, files: list[str]) -> dict:
    attrs = engine.container(name)
    if attrs is None:
        raise DraftError(_("no container named {name}", name=name))
    config = attrs.get("Config") or {}
    typed = config.get("Image") or ""
    current = engine.image(typed) if typed else None
    image = typed if current is not None and current["Id"] == attrs["Image"] else attrs["Image"]
    params: dict = {"name": name, "image": image, "state": (attrs.get("State") or {}).get("Status", "exited")}
    image_attrs = engine.image(attrs["Image"])
    env = _env_added(config, (image_attrs or {}).get("Config") or {})
    if env:
        params["env"] = env
    if config.get("Tty"):
        params["tty"] = True
    if config.get("OpenStdin"):
        params["interactive"] = True
    line = _first_log_line(engine, attrs)
    if line:
        params["logs"] = line
    checks = [_check(draft, f"{name}-container", "container",
                     _("Container {name} was run like the reference", name=name),
                     **params)]
    needs = [checks[0]["id"]]
    found, _unpublished = bindings(attrs)
    for port, binds in sorted(found.items()):
        for ip, host_port in binds[:1]:
            publish = {"port": port, **({"host_port": int(host_port)} if host_port.isdigit() else {}),
                       **({"host_ip": ip} if ip not in ANY_IP else {})}
            shown = f"{host_port or '?'}:{port}"
            title = _("Container {name} publishes {ports}", name=name, ports=shown)
            checks.append(_check(draft, f"{name}-port-{port}", "container_port", title, needs, name=name, **publish))
    for path in files:
        got = engine.read_container_file(attrs["Id"], path)
        if got is None or got.is_dir:
            raise DraftError(_("--file {ref}:{path}: no such file in the container", ref=name, path=path))
        original = engine.read_file(attrs["Image"], path)
        changed = original is None or original.content != got.content or original.size != got.size
        checks.append(_check(draft, f"{name}-{path}", "container_file",
                             _("{path} in container {name} is as in the reference", path=path, name=name),
                             needs, name=name, path=path, differs_from_image=changed,
                             **_file_params(got.content, got.truncated)))
    return {"id": draft.unique(f"container-{name}"), "title": pair(_("Container {name}", name=name)),
            "checks": checks}


def _keep_passing(draft: Draft, engine) -> None:
    """Grade each drafted check on the engine; leave out the ones that fail (and what needs them)."""
    failed: set[str] = set()
    for section in draft.sections:
        kept = []
        for check in section["checks"]:
            if any(n in failed for n in check.get("needs", ())):
                failed.add(check["id"])
                continue
            params = {k: v for k, v in check.items() if k not in COMMON_KEYS}
            outcome = KINDS[check["kind"]](params).evaluate(engine)
            if outcome.passed:
                kept.append(check)
            else:
                failed.add(check["id"])
                draft.dropped.append(_("{id} ({kind}) left out: {reason}", id=check["id"], kind=check["kind"],
                                       reason=outcome.message))
        section["checks"] = kept
    draft.sections = [s for s in draft.sections if s["checks"]]


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (file contents) as literal blocks, readable and editable."""


def _str(dumper, value):
    style = "|" if "\n" in value.rstrip("\n") or value.endswith("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(draft: Draft, title: Text) -> str:
    doc = {"version": 1, "lab": draft.lab, "title": pair(title), "sections": draft.sections}
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120,
                     default_flow_style=False)
    return ("# yaml-language-server: $schema=schema.json\n"
            "# A draft made by `grade rubric draft` from a reference solution. Keep the checks that matter,\n"
            "# set the points, write real hints (what to type), then run `grade rubric check` on it.\n"
            + body)


def make(engine, images=(), containers=(), files=(), lab: str = "draft") -> tuple[str, list[Text]]:
    """The draft rubric's YAML and the notes about checks left out."""
    if not re.match(ID_PATTERN, lab):
        raise DraftError(_("--lab {lab}: use lower-case letters, digits, '.', '_' or '-', e.g. ch02", lab=repr(lab)))
    if not images and not containers:
        raise DraftError(_("give at least one --image or --container"))
    draft = Draft(lab)
    by_ref: dict[str, list[str]] = {}
    for arg in files:
        ref, path = split_file_arg(arg)
        by_ref.setdefault(ref, []).append(path)
    for ref in by_ref:
        if ref not in containers and not any(refs.same(ref, i) for i in images):
            raise DraftError(_("--file {ref}:...: {ref} is not one of the --image or --container given", ref=ref))
    for ref in images:
        paths = [p for r, ps in by_ref.items() if r not in containers and refs.same(r, ref) for p in ps]
        draft.sections.append(_image_checks(draft, engine, ref, list(images), paths))
    for name in containers:
        draft.sections.append(_container_checks(draft, engine, name, by_ref.get(name, [])))
    _keep_passing(draft, engine)
    if not draft.sections:
        raise DraftError(_("nothing to draft: no check passed on this engine"))
    text = render(draft, _("TODO: the title of lab {lab}", lab=lab))
    _validate(text)
    return text, draft.dropped


def _validate(text: str) -> None:
    """The draft must load: a rubric the loader refuses would be a bug here, not the author's."""
    fd, path = tempfile.mkstemp(suffix=".yaml", prefix="grade-draft-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        load(path)
    except RubricError as e:
        raise AssertionError("the drafted rubric does not load:\n" + e.render("en")) from None
    finally:
        os.unlink(path)
