"""image_history: the image's history holds given instructions in order (any builder)."""
from __future__ import annotations

from .. import history
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text
from .base import IMAGE_REF, Check, Fail, capped, decisive, failed, listed, passed, register, require_image
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
            return [((), Text("give exactly one of `image` or `repository`",
                              "`image`와 `repository` 중 정확히 하나를 적으세요"))]
        bad = [s for s in params.get("steps", []) if isinstance(s, str)
               and history.Want.parse(s).instruction not in history.INSTRUCTIONS]
        return [(("steps",), Text(f"not a Dockerfile instruction: {b}",
                                  f"Dockerfile 인스트럭션이 아닙니다: {b}")) for b in bad]

    def _wants(self):
        return [history.Want.parse(s) for s in self.params["steps"]]

    def expectation(self) -> Text:
        p = self.params
        what = p.get("image") or f"some tag of {p['repository']}"
        what_ko = p.get("image") or f"{p['repository']}의 어떤 태그"
        order = " -> ".join(map(str, self._wants()))
        end = (", the last one last", ", 마지막 단계가 맨 끝") if p.get("last") else ("", "")
        above = (f" above {p['base']}", f"({p['base']} 위)") if "base" in p else ("", "")
        return Text(f"history of {what}{above[0]} holds, in order: {order}{end[0]}",
                    f"{what_ko}의 히스토리{above[1]}에 순서대로 있음: {order}{end[1]}")

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        if "repository" in p:
            # Tags of one image share its history: judge each image once, by its first tag.
            groups = engine.tags_by_image(p["repository"])
            if not groups:
                return failed(f"no image of repository {p['repository']} found",
                              f"{p['repository']} 저장소의 이미지가 없습니다")
            tags = [group[0] for group in groups.values()]
        else:
            tags = [p["image"]]
        outcomes = [self._one(engine, tag) for tag in tags]
        verdict = decisive(outcomes)
        if verdict is not None:
            return verdict
        # Each tag's own verdict names the tag already, unless it came from a shared helper.
        evidence = capped(o.message.en if o.message.en.startswith(t) else f"{t}: {o.message.en}"
                          for t, o in zip(tags, outcomes))
        return failed(f"no tag of {p['repository']} has that history ({listed(tags)} checked)",
                      f"{p['repository']}의 어떤 태그도 조건에 맞지 않습니다 (확인함: {listed(tags)})",
                      *evidence)

    def _one(self, engine, ref):
        p = self.params
        try:
            image = require_image(engine, ref)
            require_own(engine, ref, image, p)
        except Fail as f:
            return f.outcome
        entries = engine.history(image["Id"])
        if "base" in p:
            try:
                base = require_image(engine, p["base"])
            except Fail as f:
                return f.outcome
            entries = history.own_entries(entries, engine.history(base["Id"]))
            if entries is None:
                return failed(f"{ref} is not built on {p['base']}",
                              f"{ref}은(는) {p['base']} 기반이 아닙니다")
        found = history.steps(entries)
        wants = self._wants()
        count, hits = history.in_order(wants, found)
        # Above a base, every entry is the student's own (a few, all shown); without one, the
        # newest entries are nearest to their Dockerfile's end.
        evidence = _evidence(found, wants, count, hits, 0 if "base" in p else max(0, len(found) - 12))
        if count < len(wants):
            missing = wants[count]
            return failed(
                f"{ref}: found {count} of {len(wants)} steps in order; `{missing}` is missing "
                f"after them", f"{ref}: {len(wants)}단계 중 {count}단계만 순서대로 있습니다. "
                f"그 뒤에 `{missing}` 단계가 없습니다", *evidence)
        if p.get("last") and hits[-1] != len(found) - 1:
            return failed(f"{ref}: `{wants[-1]}` is not the last instruction; after it comes "
                          f"`{found[-1].describe()}`",
                          f"{ref}: `{wants[-1]}` 인스트럭션이 마지막이 아닙니다. 그 뒤에 "
                          f"`{found[-1].describe()}` 인스트럭션이 있습니다", *evidence)
        return passed(f"{ref} has the steps in order", f"{ref}에 단계가 순서대로 있습니다", *evidence)


def _evidence(found, wants, count, hits, start):
    """Where the expected order breaks first, then the entries in Dockerfile order (numbered from
    the oldest, ✓ on those that matched a step), so the terminal's first lines point at the mistake."""
    lines = []
    if count < len(wants):
        missing, after = wants[count], (hits[-1] if hits else -1)
        earlier = [i for i in range(after + 1) if missing.matches(found[i])]
        if earlier and after >= 0:
            lines.append(f"order breaks: `{missing}` is entry {earlier[0] + 1}, before "
                         f"`{found[after].describe()}` (entry {after + 1}), which comes first in the order")
        elif after >= 0:
            lines.append(f"order breaks: no `{missing}` after `{found[after].describe()}` (entry {after + 1})")
        else:
            lines.append(f"order breaks: no `{missing}` entry at all")
    done = set(hits)
    lines += [f"{i + 1}. {found[i].describe()}" + (" ✓" if i in done else "") for i in range(start, len(found))]
    return capped(lines)
