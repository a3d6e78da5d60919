"""image_base: an image is built on another: its layers start with the other's, and it adds at
least one history entry of its own (a base merely re-tagged is not "built on" it)."""
from __future__ import annotations

from .. import history
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text
from .base import IMAGE_REF, Check, failed, passed, register, require_image
from .own_work import NOT_BASE, require_own


def layers(attrs: dict) -> list[str]:
    return list((attrs.get("RootFS") or {}).get("Layers") or [])


def built_on(image: dict, base: dict) -> bool:
    mine, theirs = layers(image), layers(base)
    return len(mine) >= len(theirs) and mine[: len(theirs)] == theirs


def added(engine, image: dict, base: dict) -> int:
    """How many history entries the image adds above the base (0 for the base itself). When the
    histories do not line up (an engine that rewrote them), the extra layers are counted."""
    if image["Id"] == base["Id"]:
        return 0
    own = history.own_entries(engine.history(image["Id"]), engine.history(base["Id"]))
    if own is not None:
        return len(own)
    return len(layers(image)) - len(layers(base))


@register
class ImageBase(Check):
    kind = "image_base"
    schema = {"image": IMAGE_REF, "base": IMAGE_REF, "not_base": NOT_BASE}
    required = ("image", "base")

    def expectation(self) -> Text:
        p = self.params
        return Text(f"image {p['image']} is built on {p['base']} and adds at least one step",
                    f"이미지 {p['image']}이(가) {p['base']} 위에 만들어졌고 단계를 하나 이상 더함")

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        image = require_image(engine, p["image"])
        base = require_image(engine, p["base"])
        evidence = (f"{p['image']}: {len(layers(image))} layers",
                    f"{p['base']}: {len(layers(base))} layers")
        if not built_on(image, base):
            return failed(f"{p['image']} is not built on {p['base']}: its layers do not start with "
                          f"{p['base']}'s", f"{p['image']}은(는) {p['base']} 기반이 아닙니다. 레이어가 "
                          f"{p['base']}의 레이어로 시작하지 않습니다", *evidence)
        count = added(engine, image, base)
        if count < 1:
            return failed(f"{p['image']} is {p['base']} itself under another name: it adds nothing "
                          "above it", f"{p['image']}은(는) 이름만 바꾼 {p['base']}입니다. 그 위에 더한 "
                          "것이 없습니다", *evidence, f"entries above {p['base']}: 0")
        require_own(engine, p["image"], image, p)
        return passed(f"{p['image']} is built on {p['base']}",
                      f"{p['image']}은(는) {p['base']} 위에 만들어졌습니다", *evidence,
                      f"entries above {p['base']}: {count}")
