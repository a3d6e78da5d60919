"""image_base: an image is built on another (its layers start with the other's layers)."""
from __future__ import annotations

from ..text import Text
from .base import IMAGE_REF, Check, failed, passed, register, require_image


def layers(attrs: dict) -> list[str]:
    return list((attrs.get("RootFS") or {}).get("Layers") or [])


def built_on(image: dict, base: dict) -> bool:
    mine, theirs = layers(image), layers(base)
    return len(mine) >= len(theirs) and mine[: len(theirs)] == theirs


@register
class ImageBase(Check):
    kind = "image_base"
    schema = {"image": IMAGE_REF, "base": IMAGE_REF}
    required = ("image", "base")

    def expectation(self) -> Text:
        p = self.params
        return Text(f"image {p['image']} is built on {p['base']}",
                    f"이미지 {p['image']}이(가) {p['base']} 위에 만들어짐")

    def run(self, engine):
        p = self.params
        image = require_image(engine, p["image"])
        base = require_image(engine, p["base"])
        evidence = (f"{p['image']}: {len(layers(image))} layers",
                    f"{p['base']}: {len(layers(base))} layers")
        if built_on(image, base):
            return passed(f"{p['image']} is built on {p['base']}",
                          f"{p['image']}은(는) {p['base']} 위에 만들어졌습니다", *evidence)
        return failed(f"{p['image']} is not built on {p['base']}: its layers do not start with "
                      f"{p['base']}'s", f"{p['image']}은(는) {p['base']} 기반이 아닙니다. 레이어가 "
                      f"{p['base']}의 레이어로 시작하지 않습니다", *evidence)
