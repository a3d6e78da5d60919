"""image_size: an image is at most so big, absolutely (`max_size: 25MB`) and/or relative to another
image (`max_ratio: 0.1` of `of`). A multi-stage build that leaves its SDK behind is a fraction of
the SDK image.

The size is the image's unpacked size, the sum of its layers' sizes in its history: the same on
every engine, and what `docker image ls` shows on Docker's classic image store and on Podman. The
image's own `Size` is not: Docker's containerd image store gives there its compressed content only
(about half), and its `docker image ls` adds that to the unpacked size.

Sizes count in decimal units, as `docker image ls` shows them (1 MB = 1,000,000 bytes). Keep
thresholds loose, as the textbook's "about 15 MB" is: engines round layer sizes differently.
"""
from __future__ import annotations

import re

from ..engine import EngineProtocol
from ..text import Text, _, ngettext
from .base import IMAGE_REF, Check, failed, passed, register, require_image

UNITS = {"B": 1, "KB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?B)\s*$")


def parse_size(text) -> int:
    """A size as the schema allows it (an integer of bytes, or `25MB`); the schema has checked it."""
    if isinstance(text, int):
        return text
    found = SIZE.match(text)
    if found is None:
        raise ValueError(f"not a size: {text!r}")
    number, unit = found.groups()
    return int(float(number) * UNITS[unit.upper()])


def human(size: int) -> str:
    """As `docker image ls` writes it: 10.8MB, 479MB."""
    for unit in ("GB", "MB", "kB"):
        scale = UNITS[unit.upper()]
        if size >= scale:
            value = size / scale
            return f"{value:.3g}{unit}" if value < 1000 else f"{value:.0f}{unit}"
    return f"{size}B"


def size_of(engine: EngineProtocol, attrs: dict) -> int:
    """The sum of the layers' sizes in the image's history (see the module doc); the image's
    `Size` if the engine gives no history."""
    layers = [entry.get("Size") for entry in engine.history(attrs["Id"])]
    if not layers:
        return int(attrs.get("Size") or 0)
    return sum(int(size) for size in layers if isinstance(size, int) and size > 0)


@register
class ImageSize(Check):
    kind = "image_size"
    reacts_to = frozenset({"image"})  # see grader/watch.py
    schema = {
        "image": IMAGE_REF,
        "max_size": {"oneOf": [{"type": "integer", "minimum": 1},
                               {"type": "string", "pattern": SIZE.pattern}],
                     "description": "At most this size: bytes, or a number with B, kB, MB or GB "
                                    "(decimal, as `docker image ls` shows), e.g. 25MB."},
        "max_ratio": {"type": "number", "exclusiveMinimum": 0,
                      "description": "At most this fraction of the size of the image `of` (0.1: a tenth)."},
        "of": {**IMAGE_REF, "description": "The image `max_ratio` compares with."},
    }
    required = ("image",)

    @classmethod
    def problems(cls, params):
        out: list[tuple[tuple, Text]] = []
        if "max_size" not in params and "max_ratio" not in params:
            out.append(((), _("give `max_size`, `max_ratio` or both")))
        if ("max_ratio" in params) != ("of" in params):
            out.append((("max_ratio",), _("`max_ratio` and `of` go together")))
        return out

    def expectation(self) -> Text:
        p = self.params
        ratio = format(p.get("max_ratio", 0), "g")
        if "max_size" in p and "max_ratio" in p:
            return _("image {image} is at most {size} and at most {ratio} of the size of {other}", image=p["image"],
                     size=human(parse_size(p["max_size"])), ratio=ratio, other=p["of"])
        if "max_ratio" in p:
            return _("image {image} is at most {ratio} of the size of {other}", image=p["image"], ratio=ratio,
                     other=p["of"])
        return _("image {image} is at most {size}", image=p["image"], size=human(parse_size(p["max_size"])))

    def run(self, engine):
        p = self.params
        ref = p["image"]
        attrs = require_image(engine, ref)
        size = size_of(engine, attrs)
        evidence = [ngettext("{ref}: {size} ({n} byte)", "{ref}: {size} ({n} bytes)", size, ref=ref, size=human(size))]
        if "max_size" in p:
            limit = parse_size(p["max_size"])
            if size > limit:
                return failed(_("{ref} is {size}, more than {limit}: the final image still holds more than the app "
                                "needs", ref=ref, size=human(size), limit=human(limit)), *evidence)
        if "max_ratio" in p:
            other = require_image(engine, p["of"])
            theirs = size_of(engine, other)
            evidence.append(ngettext("{ref}: {size} ({n} byte)", "{ref}: {size} ({n} bytes)", theirs, ref=p["of"],
                                     size=human(theirs)))
            ratio = size / theirs if theirs else float("inf")
            evidence.append(_("ratio: {ratio}", ratio=format(ratio, ".3f")))
            if ratio > p["max_ratio"]:
                return failed(_("{ref} is {size}, {ratio} of {other} ({other_size}); wanted at most {max_ratio}",
                                ref=ref, size=human(size), ratio=format(ratio, ".2f"), other=p["of"],
                                other_size=human(theirs), max_ratio=format(p["max_ratio"], "g")), *evidence)
        return passed(_("{ref} is {size}", ref=ref, size=human(size)), *evidence)
