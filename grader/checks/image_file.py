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
    reacts_to = frozenset({"its-image"})  # see grader/watch.py
    schema = {
        "image": IMAGE_REF,
        "path": {"type": "string", "pattern": "^/", "description": "Absolute path in the image."},
        "content": {"type": "string", "description": "Exactly this content."},
        "matches": REGEX,
        "max_bytes": max_bytes(""),
        "absent": {"type": "boolean",
                   "description": "true: the path (file or folder) must NOT exist in the image, e.g. an "
                                  "SDK left out of a multi-stage build's final image."},
        "not_base": NOT_BASE,
    }
    required = ("image", "path")

    @classmethod
    def problems(cls, params):
        out = regex_problems(params, "matches")
        if params.get("absent") and ("content" in params or "matches" in params):
            out.append((("absent",), Text("`absent: true` cannot go with `content` or `matches`",
                                          "`absent: true`는 `content`나 `matches`와 함께 쓸 수 없습니다")))
        return out

    def expectation(self) -> Text:
        p = self.params
        if p.get("absent"):
            return Text(f"{p['path']} does not exist in image {p['image']}",
                        f"이미지 {p['image']}에 {p['path']}이(가) 없음")
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
        if p.get("absent"):
            if got is None:
                return passed(f"{path} is not in {ref}", f"{ref}에 {path}이(가) 없습니다", f"no {path}")
            kind = "folder" if got.is_dir else f"file, {got.size} bytes"
            return failed(f"{path} is still in {ref}: the final image should not hold it",
                          f"{ref}에 아직 {path}이(가) 있습니다. 최종 이미지에는 없어야 합니다",
                          f"{path}: {kind}")
        miss, evidence = judge(got, p, cap, Text(ref, ref))
        if miss is not None:
            return miss
        return passed(f"{path} in {ref} is as expected", f"{ref}의 {path} 파일이 기대와 같습니다",
                      *evidence)
