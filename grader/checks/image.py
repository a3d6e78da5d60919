"""image: an image is present under a reference (or under a tag matching a pattern); optionally
pulled from a registry, the same image as another (`same_as`), pushed to a registry (`repo_digest`),
and not a finished reference image under another name (`not_base`)."""
from __future__ import annotations

from .. import match, refs
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text
from .base import (
    IMAGE_REF,
    REGEX,
    Check,
    Fail,
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
            out.append((("tag_matches",), Text("give `image` or `tag_matches`, not both",
                                               "`image`와 `tag_matches` 중 하나만 적으세요")))
        # Neither: unless a misspelt key is there (`imgae`), which the schema's check names already.
        common = {"id", "title", "hint", "points", "bonus", "needs", "kind"}
        if "image" not in params and "tag_matches" not in params and \
                all(k in cls.schema or k in common for k in params):
            out.append(((), Text("give `image` or `tag_matches`", "`image`나 `tag_matches`를 적으세요")))
        return out

    def _what(self) -> str:
        p = self.params
        return p["image"] if "image" in p else f"a tag matching /{p['tag_matches']}/"

    def expectation(self) -> Text:
        p = self.params
        what = self._what()
        en, ko = f"image {what} is present", f"이미지 {what}이(가) 있음"
        if p.get("pulled"):
            en, ko = en + ", pulled from a registry", ko + ", 레지스트리에서 내려받음"
        if "same_as" in p:
            en, ko = en + f", the same image as {p['same_as']}", ko + f", {p['same_as']}와(과) 같은 이미지"
        if "repo_digest" in p:
            en += f", with a registry digest matching /{p['repo_digest']}/ (pushed)"
            ko += f", /{p['repo_digest']}/에 맞는 레지스트리 다이제스트가 있음(푸시함)"
        if p.get("not_base"):
            en += ", built by you (not a finished reference image)"
            ko += ", 직접 빌드함(완성 이미지가 아님)"
        return Text(en, ko)

    def _candidates(self, engine: EngineProtocol) -> list[tuple[str, dict]]:
        p = self.params
        if "image" in p:
            return [(p["image"], require_image(engine, p["image"]))]
        tags = [t for t in engine.all_tags() if match.search(p["tag_matches"], t)]
        if not tags:
            raise Fail(failed(f"no tag on the engine matches /{p['tag_matches']}/",
                              f"엔진에 /{p['tag_matches']}/에 맞는 태그가 없습니다"))
        return [(t, a) for t in tags if (a := engine.image(t)) is not None]

    def run(self, engine: EngineProtocol) -> Outcome:
        outcomes = [self._one(engine, ref, attrs) for ref, attrs in self._candidates(engine)]
        for outcome in outcomes:
            if outcome.passed:
                return outcome
        if len(outcomes) == 1:
            return outcomes[0]
        first = outcomes[0]
        return failed(f"none of {len(outcomes)} matching tags is as expected; e.g. {first.message.en}",
                      f"맞는 태그 {len(outcomes)}개 중 기대와 같은 것이 없습니다. 예: {first.message.ko}",
                      *first.evidence)

    def _one(self, engine: EngineProtocol, ref: str, attrs: dict) -> Outcome:
        p = self.params
        evidence = [f"{ref}: id {short_id(attrs['Id'])}", f"tags: {listed(attrs.get('RepoTags') or [])}",
                    f"digests: {', '.join(attrs.get('RepoDigests') or []) or '(none)'}"]
        if p.get("pulled") and not digests_for(attrs, ref):
            repo = refs.repository(ref)
            return failed(
                f"image {ref} is present but was not pulled from a registry: it has no digest of "
                f"{repo}, so it was built, tagged or loaded (`docker load`) here",
                f"이미지 {ref}이(가) 있지만 레지스트리에서 내려받은 것이 아닙니다. {repo}의 다이제스트가 "
                "없으니 이 컴퓨터에서 빌드했거나 태그를 붙였거나 `docker load`로 불러온 이미지입니다",
                *evidence)
        if "same_as" in p:
            other = p["same_as"]
            theirs = engine.image(other)
            if theirs is None:
                return failed(f"image {other} not found on the engine, so {ref} cannot be compared with it",
                              f"엔진에 이미지 {other}이(가) 없어서 {ref}와(과) 비교할 수 없습니다", *evidence)
            evidence.append(f"{other}: id {short_id(theirs['Id'])}")
            if theirs["Id"] != attrs["Id"]:
                return failed(f"{ref} is not the same image as {other} (their ids differ)",
                              f"{ref}은(는) {other}와(과) 같은 이미지가 아닙니다(id가 다름)", *evidence)
        if "repo_digest" in p:
            digests = attrs.get("RepoDigests") or []
            if not any(match.search(p["repo_digest"], d) for d in digests):
                return failed(f"{ref} has no registry digest matching /{p['repo_digest']}/: it was not "
                              "pushed to that registry (Docker records the digest on a push)",
                              f"{ref}에 /{p['repo_digest']}/에 맞는 레지스트리 다이제스트가 없습니다. 그 "
                              "레지스트리에 푸시하지 않았습니다(푸시하면 도커가 다이제스트를 기록합니다)",
                              *evidence)
        try:
            require_own(engine, ref, attrs, p)
        except Fail as f:
            return f.outcome
        return passed(f"image {ref} is present", f"이미지 {ref}이(가) 있습니다", *evidence)
