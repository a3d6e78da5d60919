"""image_history: the image's history holds given instructions in order (any builder)."""
from __future__ import annotations

import difflib

from .. import history
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text, _, join, ngettext, verbatim
from .base import (
    IMAGE_REF,
    Check,
    Fail,
    built_on,
    capped,
    decisive,
    failed,
    listed,
    passed,
    register,
    require_image,
)
from .own_work import NOT_BASE, require_own


@register
class ImageHistory(Check):
    kind = "image_history"
    reacts_to = frozenset({"image"})  # see grader/watch.py
    schema = {
        "image": {**IMAGE_REF, "description": "The image to read; or give `repository`."},
        "repository": {"type": "string", "minLength": 1,
                       "description": "Any tag of this repository may pass (e.g. web-ping)."},
        "base": {**IMAGE_REF, "description": "Only the entries added above this image count."},
        "steps": {"type": "array", "minItems": 1,
                  "items": {"type": "string", "pattern": r"^[A-Za-z]+( .+)?$"},
                  "description": "Instructions in order: `ENV TARGET`, `WORKDIR /web-ping`, `COPY app.js`, `CMD`."},
        "last": {"type": "boolean", "description": "The last step must be the image's newest entry."},
        "not_base": NOT_BASE,
    }

    @classmethod
    def problems(cls, params):
        if ("image" in params) == ("repository" in params):
            return [((), _("give exactly one of `image` or `repository`"))]
        out = []
        for i, step in enumerate(params.get("steps", [])):
            if not isinstance(step, str):
                continue
            word = history.Want.parse(step).instruction
            if word in history.INSTRUCTIONS:
                continue
            near = difflib.get_close_matches(str(word), sorted(history.INSTRUCTIONS), n=1, cutoff=0.6)
            if near:
                out.append((("steps", i), _("not a Dockerfile instruction: {step}; did you mean {near}?",
                                            step=step, near=near[0])))
            else:
                out.append((("steps", i), _("not a Dockerfile instruction: {step}", step=step)))
        return out

    def _wants(self):
        return [history.Want.parse(s) for s in self.params["steps"]]

    def expectation(self) -> Text:
        p = self.params
        what = verbatim(p["image"]) if p.get("image") else _("some tag of {repository}", repository=p["repository"])
        order = " -> ".join(map(str, self._wants()))
        if "base" in p and p.get("last"):
            return _("history of {image} above {base} holds, in order: {steps}, the last one last",
                     image=what, base=p["base"], steps=order)
        if "base" in p:
            return _("history of {image} above {base} holds, in order: {steps}", image=what, base=p["base"],
                     steps=order)
        if p.get("last"):
            return _("history of {image} holds, in order: {steps}, the last one last", image=what, steps=order)
        return _("history of {image} holds, in order: {steps}", image=what, steps=order)

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        if "repository" in p:
            # Tags of one image share its history: judge each image once, by its first tag,
            # newest image first (the student's latest build), until one passes.
            groups = engine.tags_by_image(p["repository"])
            if not groups:
                return failed(_("no image of repository {repository} found", repository=p["repository"]))
            tags = [group[0] for group in groups.values()]
        else:
            tags = [p["image"]]
        verdict, outcomes = decisive(self._one(engine, tag) for tag in tags)
        if verdict is not None:
            return verdict
        # Each tag's own verdict names the tag already, unless it came from a shared helper.
        evidence = capped(o.message if o.message("en").startswith(t) else join([verbatim(t), o.message], ": ")
                          for t, o in zip(tags, outcomes))
        return failed(_("no tag of {repository} has that history ({tags} checked)", repository=p["repository"],
                        tags=listed(tags)), *evidence)

    def _one(self, engine, ref):
        p = self.params
        try:
            image = require_image(engine, ref)
            require_own(engine, ref, image, p)
        except Fail as f:
            return f.outcome
        entries = None
        if "base" in p:
            try:
                base = require_image(engine, p["base"])
            except Fail as f:
                return f.outcome
            # Layers that do not start with the base's rule it out before any history is read: a
            # repository's tags may name many images, and on a busy engine a history lists
            # every tag of every image in it.
            if built_on(image, base):
                entries = history.own_entries(engine.history(image["Id"]), engine.history(base["Id"]))
            if entries is None:
                return failed(_("{ref} is not built on {base}", ref=ref, base=p["base"]))
        else:
            entries = engine.history(image["Id"])
        found = history.steps(entries)
        wants = self._wants()
        count, hits = history.in_order(wants, found)
        # Above a base, every entry is the student's own (a few, all shown); without one, the
        # newest entries are nearest to their Dockerfile's end.
        evidence = _evidence(found, wants, count, hits, 0 if "base" in p else max(0, len(found) - 12))
        if count == 0:
            # Not even the first step: "found 0 of 1 step in order; ... is missing after them"
            # spoke of steps that were never found.
            return failed(ngettext("{ref}: `{step}` is not in its history",
                                   "{ref}: none of the {n} steps is in its history in order; the first, `{step}`, "
                                   "is not in it at all",
                                   len(wants), ref=ref, step=str(wants[0])), *evidence)
        if count < len(wants):
            return failed(ngettext("{ref}: found {count} of {n} step in order; `{step}` is missing after them",
                                   "{ref}: found {count} of {n} steps in order; `{step}` is missing after them",
                                   len(wants), ref=ref, count=count, step=str(wants[count])), *evidence)
        if p.get("last") and hits[-1] != len(found) - 1:
            return failed(_("{ref}: `{step}` is not the last instruction; after it comes `{last}`", ref=ref,
                            step=str(wants[-1]), last=found[-1].describe()), *evidence)
        return passed(_("{ref} has the steps in order", ref=ref), *evidence)


def _evidence(found, wants, count, hits, start) -> tuple[Text, ...]:
    """Where the expected order breaks first, then the entries in Dockerfile order (numbered from
    the oldest, ✓ on those that matched a step), so the terminal's first lines point at the mistake."""
    lines: list[Text] = []
    if count < len(wants):
        missing, after = str(wants[count]), (hits[-1] if hits else -1)
        earlier = [i for i in range(after + 1) if wants[count].matches(found[i])]
        if earlier and after >= 0:
            lines.append(_("order breaks: `{step}` is entry {at}, before `{previous}` (entry {previous_at}), which "
                           "comes first in the order", step=missing, at=earlier[0] + 1,
                           previous=found[after].describe(), previous_at=after + 1))
        elif after >= 0:
            lines.append(_("order breaks: no `{step}` after `{previous}` (entry {previous_at})", step=missing,
                           previous=found[after].describe(), previous_at=after + 1))
        else:
            lines.append(_("order breaks: no `{step}` entry at all", step=missing))
    done = set(hits)
    lines += [verbatim(f"{i + 1}. {found[i].describe()}" + (" ✓" if i in done else ""))
              for i in range(start, len(found))]
    return capped(lines)
