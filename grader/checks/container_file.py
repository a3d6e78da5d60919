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
from ..text import Text
from .base import REGEX, Check, decisive, failed, passed, regex_problems, register
from .files import DEFAULT_CAP, judge, max_bytes, shown
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

    def _what(self) -> Text:
        p = self.params
        en, ko = [], []
        if "content" in p:
            en.append(f"with content {p['content']!r}")
            ko.append(f"내용이 {p['content']!r}")
        if "matches" in p:
            en.append(f"matching /{p['matches']}/")
            ko.append(f"/{p['matches']}/에 맞음")
        if "differs_from_image" in p:
            en.append("changed from the image's copy" if p["differs_from_image"] else "as in the image")
            ko.append("이미지의 파일과 다름" if p["differs_from_image"] else "이미지의 파일과 같음")
        return Text("".join(", " + e for e in en), "".join(", " + k for k in ko))

    def expectation(self) -> Text:
        who, what = lookup_text(self.params), self._what()
        path = self.params["path"]
        return Text(f"{who.en}: {path} exists{what.en}", f"{who.ko}: {path} 파일이 있음{what.ko}")

    def run(self, engine: EngineProtocol) -> Outcome:
        found, why = select(engine, self.params)
        if why is not None:  # none found
            return why
        outcomes = [self._guarded(engine, attrs) for attrs in found]
        verdict = decisive(outcomes)
        if verdict is not None:
            return verdict
        first = outcomes[0].message
        evidence = [e for o in outcomes for e in o.evidence]
        return failed(f"none of {len(found)} containers has the file as expected; e.g. {first.en}",
                      f"컨테이너 {len(found)}개 중 파일이 기대와 같은 것이 없습니다. 예: {first.ko}",
                      *evidence[:12])

    def _guarded(self, engine, attrs):
        """One candidate's verdict; one whose files cannot be read is skipped with a note."""
        try:
            return self._one(engine, attrs)
        except ObjectError as e:
            name = name_of(attrs)
            return failed(f"container {name} was skipped: {e.message.en}",
                          f"컨테이너 {name}은(는) 건너뛰었습니다: {e.message.ko}",
                          f"skipped {name}: {e.message.en}")

    def _one(self, engine, attrs):
        p = self.params
        name, path = name_of(attrs), p["path"]
        cap = p.get("max_bytes", DEFAULT_CAP)
        got = engine.read_container_file(attrs["Id"], path, cap)
        miss, evidence = judge(got, p, cap, Text(f"container {name}", f"컨테이너 {name}"), prefix=f"{name}: ")
        if miss is not None:
            return miss
        if "differs_from_image" in p:
            image_ref = (attrs.get("Config") or {}).get("Image") or attrs["Image"]
            original = engine.read_file(attrs["Image"], path, cap)
            if original is None:
                evidence.append(f"{image_ref}: no {path}")
                same = False
            else:
                evidence.append(f"{image_ref}: content: {shown(original.content)}")
                same = (not original.is_dir and original.size == got.size
                        and original.content == got.content and original.truncated == got.truncated)
            if p["differs_from_image"] and same:
                return failed(f"{path} in container {name} is still the copy from its image {image_ref}",
                              f"컨테이너 {name}의 {path}이(가) 아직 이미지 {image_ref}의 파일 그대로입니다",
                              *evidence)
            if not p["differs_from_image"] and not same:
                return failed(f"{path} in container {name} is not the copy from its image {image_ref}",
                              f"컨테이너 {name}의 {path}이(가) 이미지 {image_ref}의 파일과 다릅니다",
                              *evidence)
        return passed(f"{path} in container {name} is as expected",
                      f"컨테이너 {name}의 {path} 파일이 기대와 같습니다", *evidence)
