"""`not_base`: credit only for the student's own work, shared by the image kinds.

A lab that hands students a finished image (chapter 3's diamol/ch03-web-ping is the very image
the chapter then asks them to build) cannot tell their build from that image re-tagged, or from a
Dockerfile that is only `FROM` it, unless the rubric names it. An image that is such a reference
image, or is built on one, earns nothing from a check with `not_base`, and the message says why.

"Built on" is read from the history (the reference's entries lie underneath, timestamps
included), not from the layers: a student's own build of the same Dockerfile and files may share
every layer with the reference, yet its history entries are its own. The layers still rule it
out first: an image whose layers do not start with the reference's is not built on it, and its
history and the reference's are then not read (a history lists every tag of every image in it,
thousands on a busy engine, which the engine pays for on each read).
"""
from __future__ import annotations

from .. import history
from ..text import _
from .base import IMAGE_REF, Fail, built_on, failed

NOT_BASE = {
    "oneOf": [IMAGE_REF, {"type": "array", "items": IMAGE_REF, "minItems": 1}],
    "description": "Finished reference images: an image that is one of these, or is built on one, "
                   "earns nothing here (it is not the student's own work).",
}


def references(params: dict) -> list[str]:
    value = params.get("not_base")
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def require_own(engine, ref: str, image: dict, params: dict) -> None:
    """Raise Fail if the image `ref` (inspect data `image`) is, or is built on, a `not_base` image."""
    for other in references(params):
        theirs = engine.image(other)
        if theirs is None:
            # Without it, `docker tag diamol/ch03-web-ping web-ping` followed by removing the
            # original name could not be told from a build: refuse rather than guess.
            raise Fail(failed(_(
                "{other} is not on the engine, so {ref} cannot be told apart from it; pull it "
                "(`docker image pull {other}`) and grade again", other=other, ref=ref)))
        if theirs["Id"] == image["Id"]:
            raise Fail(failed(
                _("{ref} is {other} under another name (the same image), not an image you built: "
                  "nothing in it is your own work", ref=ref, other=other),
                _("{ref}: id {id}", ref=ref, id=image["Id"][7:19]),
                _("{ref}: id {id}", ref=other, id=theirs["Id"][7:19])))
        if not built_on(image, theirs):
            continue
        own = history.own_entries(engine.history(image["Id"]), engine.history(theirs["Id"]))
        if own is not None:
            added = [history.parse(e).describe() for e in own]
            raise Fail(failed(
                _("{ref} is built on {other}, the lab's finished image, so its steps are not your "
                  "own work; build it from the base the lab names instead", ref=ref, other=other),
                _("{ref}: built on {other}", ref=ref, other=other),
                *(_("added above it: {step}", step=a) for a in added[:6])))
