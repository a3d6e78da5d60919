"""volume: a named volume exists (`docker volume create`, or `-v NAME:/path`), and optionally holds
a file (`path`, relative to the volume's root) that exists, has `content` or `matches` a regex.

The file is read without running anything of the student's: a created, never-started probe
container mounts the volume read-only and the archive API reads the file, as `image_file` reads
an image's files. The probe needs an image that is on the engine: the image of a container that
mounts the volume, else `probe_image` (default diamol/base, the textbook's smallest image).
"""
from __future__ import annotations

from ..engine import ObjectError
from ..model import Outcome
from ..text import Text
from .base import IMAGE_REF, REGEX, Check, failed, passed, regex_problems, register
from .image_file import DEFAULT_CAP, judge

DEFAULT_PROBE_IMAGE = "diamol/base"


@register
class Volume(Check):
    kind = "volume"
    reacts_to = frozenset({"volume", "container", "running"})  # see grader/watch.py
    schema = {
        "name": {"type": "string", "minLength": 1, "description": "The volume's exact name."},
        "path": {"type": "string", "minLength": 1,
                 "description": "A file in the volume, relative to its root (todo-list.db)."},
        "content": {"type": "string", "description": "The file holds exactly this."},
        "matches": REGEX,
        "max_bytes": {"type": "integer", "minimum": 1, "maximum": 16_000_000,
                      "description": "Read at most this much (default 1 MB)."},
        "probe_image": {**IMAGE_REF, "description": "The image the read-only probe is created from when "
                                                    "no container mounts the volume (default diamol/base)."},
    }
    required = ("name",)

    @classmethod
    def problems(cls, params):
        out = regex_problems(params, "matches")
        if ("content" in params or "matches" in params) and "path" not in params:
            out.append((("path",), Text("`content` and `matches` need the file's `path`",
                                        "`content`와 `matches`에는 파일의 `path`가 필요합니다")))
        return out

    def expectation(self) -> Text:
        p = self.params
        text = Text(f"volume {p['name']} exists", f"볼륨 {p['name']}이(가) 있음")
        if "path" in p:
            what_en = what_ko = ""
            if "content" in p:
                what_en, what_ko = f" with content {p['content']!r}", f", 내용이 {p['content']!r}"
            elif "matches" in p:
                what_en, what_ko = f" matching /{p['matches']}/", f", /{p['matches']}/에 맞음"
            text = text + Text(f", holding {p['path']}{what_en}", f", {p['path']} 파일이 있음{what_ko}")
        return text

    def run(self, engine):
        p = self.params
        name = p["name"]
        attrs = engine.volume(name)
        if attrs is None:
            return failed(f"no volume named {name}", f"이름이 {name}인 볼륨이 없습니다")
        users = engine.volume_users(name)
        evidence = [f"volume {name}: driver {attrs.get('Driver', '?')}, created {attrs.get('CreatedAt', '?')}",
                    f"mounted by {len(users)} container(s)"]
        if "path" not in p:
            return passed(f"volume {name} exists", f"볼륨 {name}이(가) 있습니다", *evidence)
        image = self._probe_image(engine, users)
        if image is None:
            other = p.get("probe_image", DEFAULT_PROBE_IMAGE)
            return failed(f"the volume's files cannot be read: no container mounts {name} and {other} "
                          f"is not on the engine (`docker image pull {other}`)",
                          f"볼륨의 파일을 읽을 수 없습니다. {name}을(를) 마운트한 컨테이너가 없고 엔진에 "
                          f"{other}도 없습니다(`docker image pull {other}`)", *evidence)
        cap = p.get("max_bytes", DEFAULT_CAP)
        path = p["path"].lstrip("/")
        try:
            got = engine.read_volume_file(name, path, image, cap)
        except ObjectError as e:
            return failed(f"{path} in volume {name}: {e.message.en}", f"볼륨 {name}의 {path}: {e.message.ko}",
                          *evidence)
        miss, seen = judge(got, {**p, "path": path}, cap, Text(f"volume {name}", f"볼륨 {name}"))
        if miss is not None:
            return Outcome(False, miss.message, tuple(evidence) + miss.evidence)
        return passed(f"{path} in volume {name} is as expected", f"볼륨 {name}의 {path} 파일이 기대와 같습니다",
                      *evidence, *seen)

    def _probe_image(self, engine, users) -> str | None:
        for cid in users[:5]:
            attrs = engine.inspect_container(cid)
            if attrs and attrs.get("Image") and engine.image(attrs["Image"]) is not None:
                return attrs["Image"]
        other = self.params.get("probe_image", DEFAULT_PROBE_IMAGE)
        found = engine.image(other)
        return found["Id"] if found else None
