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
    reacts_to = frozenset({"image"})  # see grader/watch.py
    schema = {
        "image": IMAGE_REF, "base": IMAGE_REF,
        "not_on": {"oneOf": [IMAGE_REF, {"type": "array", "items": IMAGE_REF, "minItems": 1}],
                   "description": "Not built on these images (nor one of them): e.g. a multi-stage "
                                  "build's final stage is not the SDK image."},
        "not_base": NOT_BASE,
    }
    required = ("image", "base")

    def _not_on(self) -> list[str]:
        value = self.params.get("not_on")
        return [] if value is None else [value] if isinstance(value, str) else list(value)

    def expectation(self) -> Text:
        p = self.params
        text = Text(f"image {p['image']} is built on {p['base']} and adds at least one step",
                    f"이미지 {p['image']}이(가) {p['base']} 위에 만들어졌고 단계를 하나 이상 더함")
        if self._not_on():
            others = " or ".join(self._not_on())
            text = text + Text(f", not on {others}", f", {others} 기반이 아님")
        return text

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
        for other in self._not_on():
            theirs = engine.image(other)
            if theirs is not None and built_on(image, theirs):
                return failed(f"{p['image']} is built on {other}: it still holds everything {other} has "
                              f"(its layers start with {other}'s); its last stage must start FROM {p['base']}",
                              f"{p['image']}은(는) {other} 위에 만들어져서 {other}의 내용을 모두 담고 "
                              f"있습니다(레이어가 {other}의 레이어로 시작함). 마지막 단계는 FROM {p['base']}"
                              "로 시작해야 합니다", *evidence, f"{other}: {len(layers(theirs))} layers")
        require_own(engine, p["image"], image, p)
        return passed(f"{p['image']} is built on {p['base']}",
                      f"{p['image']}은(는) {p['base']} 위에 만들어졌습니다", *evidence,
                      f"entries above {p['base']}: {count}")
