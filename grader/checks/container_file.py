"""container_file: a file inside a container (not its image) exists, with exact content or
matching a regex, and optionally differs from (or equals) the same path in the container's image.

The container is found as the `container` kind finds it. Its file is read through the archive
API, which works on running and stopped containers alike and runs nothing inside them; the
image's copy is read the way `image_file` reads it, from a created, never-started probe of the
very image the container was created from (by id, so a re-tagged name does not matter).
"""
from __future__ import annotations

from ..engine import EngineProtocol, ObjectError
from ..model import Outcome
from ..text import Text, _, join
from .base import REGEX, Check, decisive, failed, passed, regex_problems, register
from .files import DEFAULT_CAP, judge, max_bytes, prefixed, shown
from .lookup import LOOKUP_SCHEMA, lookup_problems, lookup_text, name_of, select


@register
class ContainerFile(Check):
    kind = "container_file"
    reacts_to = frozenset({"container", "image", "running"})  # see grader/watch.py
    schema = {
        **LOOKUP_SCHEMA,
        "path": {"type": "string", "pattern": "^/", "description": "Absolute path in the container."},
        "content": {"type": "string", "description": "Exactly this content."},
        "matches": REGEX,
        "differs_from_image": {
            "type": "boolean",
            "description": "true: the file was changed in the container (its image's copy differs or "
                           "does not exist); false: it is still the image's copy."},
        "max_bytes": max_bytes(" of each copy"),
    }
    required = ("path",)

    @classmethod
    def problems(cls, params):
        return lookup_problems(params) + regex_problems(params, "matches")

    def _what(self) -> list[Text]:
        p = self.params
        out: list[Text] = []
        if "content" in p:
            out.append(_("with content {content}", content=repr(p["content"])))
        if "matches" in p:
            out.append(_("matching /{pattern}/", pattern=p["matches"]))
        if "differs_from_image" in p:
            out.append(_("changed from the image's copy") if p["differs_from_image"] else _("as in the image"))
        return out

    def expectation(self) -> Text:
        who, what, path = lookup_text(self.params), self._what(), self.params["path"]
        if what:
            return _("{container}: {path} exists, {details}", container=who, path=path, details=join(what, ", "))
        return _("{container}: {path} exists", container=who, path=path)

    def run(self, engine: EngineProtocol) -> Outcome:
        found, why = select(engine, self.params)
        if why is not None:  # none found
            return why
        verdict, outcomes = decisive(self._guarded(engine, attrs) for attrs in found)
        if verdict is not None:
            return verdict
        evidence = [e for o in outcomes for e in o.evidence]
        return failed(_("none of {count} containers has the file as expected; e.g. {reason}",
                        count=len(found), reason=outcomes[0].message), *evidence[:12])

    def _guarded(self, engine, attrs):
        """One candidate's verdict; one whose files cannot be read is skipped with a note."""
        try:
            return self._one(engine, attrs)
        except ObjectError as e:
            name = name_of(attrs)
            return failed(_("container {name} was skipped: {error}", name=name, error=e.message),
                          _("skipped {name}: {error}", name=name, error=e.message))

    def _one(self, engine, attrs):
        p = self.params
        name, path = name_of(attrs), p["path"]
        cap = p.get("max_bytes", DEFAULT_CAP)
        got = engine.read_container_file(attrs["Id"], path, cap)
        miss, evidence = judge(got, p, cap, _("container {name}", name=name), prefix=name)
        if miss is not None:
            return miss
        if "differs_from_image" in p:
            image_ref = (attrs.get("Config") or {}).get("Image") or attrs["Image"]
            original = engine.read_file(attrs["Image"], path, cap)
            if original is None:
                evidence.append(prefixed(image_ref, _("no {path}", path=path)))
                same = False
            else:
                evidence.append(prefixed(image_ref, _("content: {content}", content=shown(original.content))))
                same = (not original.is_dir and original.size == got.size
                        and original.content == got.content and original.truncated == got.truncated)
            if p["differs_from_image"] and same:
                return failed(_("{path} in container {name} is still the copy from its image {image}",
                                path=path, name=name, image=image_ref), *evidence)
            if not p["differs_from_image"] and not same:
                return failed(_("{path} in container {name} is not the copy from its image {image}",
                                path=path, name=name, image=image_ref), *evidence)
        return passed(_("{path} in container {name} is as expected", path=path, name=name), *evidence)
