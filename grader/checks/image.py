"""image: an image is present under a reference (or under a tag matching a pattern); optionally
pulled from a registry, the same image as another (`same_as`), pushed to a registry (`repo_digest`),
and not a finished reference image under another name (`not_base`)."""
from __future__ import annotations

import difflib
import re

from .. import match, refs
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text, _, join, verbatim
from .base import (
    IMAGE_REF,
    REGEX,
    Check,
    Fail,
    digests_line,
    failed,
    listed,
    passed,
    regex_problems,
    register,
    require_image,
    short_id,
)
from .own_work import NOT_BASE, require_own


def digests_for(image: dict, ref: str) -> list[str]:
    """The image's registry digests for the repository of `ref` (a pulled image has one; a
    locally built, tagged or `docker load`ed one has none)."""
    repo = refs.repository(ref)
    return [d for d in image.get("RepoDigests") or () if refs.repository(d) == repo]


@register
class Image(Check):
    kind = "image"
    reacts_to = frozenset({"image"})  # see grader/watch.py
    schema = {
        "image": IMAGE_REF,
        "tag_matches": {**REGEX, "description": "Instead of `image`: some tag on the engine, written as "
                                                "people type it (127.0.0.1:5000/gallery/ui:v1), matches "
                                                "this regex; use ^ and $ to match it whole."},
        "pulled": {"type": "boolean",
                   "description": "true: the image came from a registry under this repository "
                                  "(it has a RepoDigest for it); a local build, tag or `docker load` has none."},
        "same_as": {**IMAGE_REF, "description": "The same image (same id) as this reference: a tag of it."},
        "repo_digest": {**REGEX, "description": "One of the image's RepoDigests (repository@sha256:..., "
                                                "set when it was pushed or pulled) matches this regex."},
        "not_base": NOT_BASE,
    }

    @classmethod
    def problems(cls, params):
        out = regex_problems(params, "tag_matches", "repo_digest")
        if "image" in params and "tag_matches" in params:
            out.append((("tag_matches",), _("give `image` or `tag_matches`, not both")))
        # Neither: unless a misspelt key is there (`imgae`), which the schema's check names already.
        common = {"id", "title", "hint", "points", "bonus", "needs", "kind"}
        if "image" not in params and "tag_matches" not in params and \
                all(k in cls.schema or k in common for k in params):
            out.append(((), _("give `image` or `tag_matches`")))
        return out

    def _what(self) -> Text:
        p = self.params
        return verbatim(p["image"]) if "image" in p else _("a tag matching /{pattern}/", pattern=p["tag_matches"])

    def expectation(self) -> Text:
        p = self.params
        details = []
        if p.get("pulled"):
            details.append(_("pulled from a registry"))
        if "same_as" in p:
            details.append(_("the same image as {image}", image=p["same_as"]))
        if "repo_digest" in p:
            details.append(_("with a registry digest matching /{pattern}/ (pushed)", pattern=p["repo_digest"]))
        if p.get("not_base"):
            details.append(_("built by you (not a finished reference image)"))
        if details:
            return _("image {ref} is present, {details}", ref=self._what(), details=join(details, ", "))
        return _("image {ref} is present", ref=self._what())

    def _candidates(self, engine: EngineProtocol) -> list[tuple[str, dict]]:
        p = self.params
        if "image" in p:
            return [(p["image"], require_image(engine, p["image"]))]
        every = engine.all_tags()
        tags = [t for t in every if match.search(p["tag_matches"], t)]
        if not tags:
            near = near_tags(p["tag_matches"], every)
            raise Fail(failed(_("no tag on the engine matches /{pattern}/", pattern=p["tag_matches"]),
                              *([_("tags that come close: {tags}", tags=listed(near))] if near else [])))
        return [(t, a) for t in tags if (a := engine.image(t)) is not None]

    def run(self, engine: EngineProtocol) -> Outcome:
        outcomes = [self._one(engine, ref, attrs) for ref, attrs in self._candidates(engine)]
        for outcome in outcomes:
            if outcome.passed:
                return outcome
        if len(outcomes) == 1:
            return outcomes[0]
        first = outcomes[0]
        return failed(_("none of {count} matching tags is as expected; e.g. {reason}", count=len(outcomes),
                        reason=first.message), *first.evidence)

    def _one(self, engine: EngineProtocol, ref: str, attrs: dict) -> Outcome:
        p = self.params
        evidence = [_("{ref}: id {id}", ref=ref, id=short_id(attrs["Id"])),
                    _("tags: {tags}", tags=listed(attrs.get("RepoTags") or [])), digests_line(attrs)]
        if p.get("pulled") and not digests_for(attrs, ref):
            return failed(_("image {ref} is present but was not pulled from a registry: it has no digest of "
                            "{repository}, so it was built, tagged or loaded (`docker load`) here",
                            ref=ref, repository=refs.repository(ref)), *evidence)
        if "same_as" in p:
            other = p["same_as"]
            theirs = engine.image(other)
            if theirs is None:
                return failed(_("image {other} not found on the engine, so {ref} cannot be compared with it",
                                other=other, ref=ref), *evidence)
            evidence.append(_("{ref}: id {id}", ref=other, id=short_id(theirs["Id"])))
            if theirs["Id"] != attrs["Id"]:
                return failed(_("{ref} is not the same image as {other} (their ids differ)", ref=ref, other=other),
                              *evidence)
        if "repo_digest" in p:
            digests = attrs.get("RepoDigests") or []
            if not any(match.search(p["repo_digest"], d) for d in digests):
                return failed(_("{ref} has no registry digest matching /{pattern}/: it was not pushed to that "
                                "registry (Docker records the digest on a push)", ref=ref, pattern=p["repo_digest"]),
                              *evidence)
        try:
            require_own(engine, ref, attrs, p)
        except Fail as f:
            return f.outcome
        return passed(_("image {ref} is present", ref=ref), *evidence)


def near_tags(pattern: str, tags: list[str], n: int = 3) -> list[str]:
    """Tags that a typo keeps from matching a tag pattern (127.0.0.1:5000/galery/ui:v1 for
    /...gallery/ui:v1$/): each tag's end compared with the pattern's last literal part, what
    follows its last group or class, so the student sees their tag beside the rubric's regex."""
    plain = re.sub(r"\\([^A-Za-z0-9])", r"\1", pattern)  # `\.` is a dot; `\d` stays a class
    parts = [part for part in re.split(r"\\[A-Za-z]|[\^$*+?()\[\]{}|]", plain) if len(part) >= 3]
    if not parts:
        return []
    literal = parts[-1]
    ends = {tag[-len(literal):]: tag for tag in reversed(tags)}
    return [ends[end] for end in difflib.get_close_matches(literal, list(ends), n=n, cutoff=0.85)]
