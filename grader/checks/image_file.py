"""image_file: a file in an image exists, with exact content or matching a regex.

Read through the archive API from a created, never-started container: the student's image is
not run, and an image without a shell or `cat` reads the same.
"""
from __future__ import annotations

from ..engine import EngineProtocol, ObjectError
from ..model import Outcome
from ..text import Text, _, ngettext, verbatim
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
            out.append((("absent",), _("`absent: true` cannot go with `content` or `matches`")))
        return out

    def expectation(self) -> Text:
        p = self.params
        if p.get("absent"):
            return _("{path} does not exist in image {image}", path=p["path"], image=p["image"])
        if "content" in p:
            return _("{path} exists in image {image} with content {content}", path=p["path"], image=p["image"],
                     content=repr(p["content"]))
        if "matches" in p:
            return _("{path} exists in image {image} matching /{pattern}/", path=p["path"], image=p["image"],
                     pattern=p["matches"])
        return _("{path} exists in image {image}", path=p["path"], image=p["image"])

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        ref, path = p["image"], p["path"]
        image = require_image(engine, ref)
        require_own(engine, ref, image, p)
        cap = p.get("max_bytes", DEFAULT_CAP)
        try:
            got = engine.read_file(image["Id"], path, cap)
        except ObjectError as e:
            return failed(_("{path} in {ref}: {error}", path=path, ref=ref, error=e.message))
        if p.get("absent"):
            if got is None:
                return passed(_("{path} is not in {ref}", path=path, ref=ref), _("no {path}", path=path))
            found = _("{path}: folder", path=path) if got.is_dir else \
                ngettext("{path}: file, {n} byte", "{path}: file, {n} bytes", got.size, path=path)
            return failed(_("{path} is still in {ref}: the final image should not hold it", path=path, ref=ref),
                          found)
        miss, evidence = judge(got, p, cap, verbatim(ref))
        if miss is not None:
            return miss
        return passed(_("{path} in {ref} is as expected", path=path, ref=ref), *evidence)
