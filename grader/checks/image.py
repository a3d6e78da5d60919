"""image: an image is present under a reference."""
from __future__ import annotations

from ..text import Text
from .base import IMAGE_REF, Check, passed, register, require_image, short_id


@register
class Image(Check):
    kind = "image"
    schema = {"image": IMAGE_REF}
    required = ("image",)

    def expectation(self) -> Text:
        ref = self.params["image"]
        return Text(f"image {ref} is present", f"이미지 {ref}이(가) 있음")

    def run(self, engine):
        ref = self.params["image"]
        attrs = require_image(engine, ref)
        return passed(f"image {ref} is present", f"이미지 {ref}이(가) 있습니다",
                      f"id: {short_id(attrs['Id'])}", f"tags: {', '.join(attrs.get('RepoTags') or [])}")
