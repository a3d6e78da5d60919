"""image_base: an image is built on another: its layers start with the other's, and it adds at
least one history entry of its own (a base merely re-tagged is not "built on" it)."""
from __future__ import annotations

from .. import history
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text, _, ngettext
from .base import IMAGE_REF, Check, built_on, either, failed, layers, passed, register, require_image
from .own_work import NOT_BASE, require_own


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
        if self._not_on():
            return _("image {image} is built on {base} and adds at least one step, not on {others}",
                     image=p["image"], base=p["base"], others=either(self._not_on()))
        return _("image {image} is built on {base} and adds at least one step", image=p["image"], base=p["base"])

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        image = require_image(engine, p["image"])
        base = require_image(engine, p["base"])
        evidence = (layer_count(p["image"], image), layer_count(p["base"], base))
        if not built_on(image, base):
            return failed(_("{image} is not built on {base}: its layers do not start with {base}'s",
                            image=p["image"], base=p["base"]), *evidence)
        count = added(engine, image, base)
        above = _("entries above {base}: {count}", base=p["base"], count=count)
        if count < 1:
            return failed(_("{image} is {base} itself under another name: it adds nothing above it",
                            image=p["image"], base=p["base"]), *evidence, above)
        for other in self._not_on():
            theirs = engine.image(other)
            if theirs is not None and built_on(image, theirs):
                return failed(_("{image} is built on {other}: it still holds everything {other} has (its layers "
                                "start with {other}'s); its last stage must start FROM {base}",
                                image=p["image"], other=other, base=p["base"]),
                              *evidence, layer_count(other, theirs))
        require_own(engine, p["image"], image, p)
        return passed(_("{image} is built on {base}", image=p["image"], base=p["base"]), *evidence, above)


def layer_count(ref: str, attrs: dict) -> Text:
    return ngettext("{ref}: {n} layer", "{ref}: {n} layers", len(layers(attrs)), ref=ref)
