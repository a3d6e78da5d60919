"""image_file: a file in an image exists, with exact content or matching a regex.

Read through the archive API from a created, never-started container: the student's image is
not run, and an image without a shell or `cat` reads the same.
"""
from __future__ import annotations

from ..engine import EngineProtocol, ObjectError
from ..model import Outcome
from ..text import Text
from .base import IMAGE_REF, REGEX, Check, failed, passed, regex_problems, register, require_image
from .files import DEFAULT_CAP, judge, max_bytes, shown  # noqa: F401 (shown: kept importable here)
from .own_work import NOT_BASE, require_own


@register
class ImageFile(Check):
    kind = "image_file"
    schema = {
        "image": IMAGE_REF,
        "path": {"type": "string", "pattern": "^/", "description": "Absolute path in the image."},
        "content": {"type": "string", "description": "Exactly this content."},
        "matches": REGEX,
        "max_bytes": max_bytes(""),
        "not_base": NOT_BASE,
    }
    required = ("image", "path")

    @classmethod
    def problems(cls, params):
        return regex_problems(params, "matches")

    def expectation(self) -> Text:
        p = self.params
        what = ""
        if "content" in p:
            what = f" with content {p['content']!r}"
        elif "matches" in p:
            what = f" matching /{p['matches']}/"
        return Text(f"{p['path']} exists in image {p['image']}{what}",
                    f"이미지 {p['image']}에 {p['path']} 파일이 있음{what}")

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        ref, path = p["image"], p["path"]
        image = require_image(engine, ref)
        require_own(engine, ref, image, p)
        cap = p.get("max_bytes", DEFAULT_CAP)
        try:
            got = engine.read_file(image["Id"], path, cap)
        except ObjectError as e:
            return failed(f"{path} in {ref}: {e.message.en}", f"{ref}의 {path}: {e.message.ko}")
        miss, evidence = judge(got, p, cap, Text(ref, ref))
        if miss is not None:
            return miss
        return passed(f"{path} in {ref} is as expected", f"{ref}의 {path} 파일이 기대와 같습니다",
                      *evidence)
