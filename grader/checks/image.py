"""image: an image is present under a reference; optionally pulled from a registry, and
optionally not a finished reference image under another name (`not_base`)."""
from __future__ import annotations

from .. import refs
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text
from .base import IMAGE_REF, Check, failed, passed, register, require_image, short_id
from .own_work import NOT_BASE, require_own


def digests_for(image: dict, ref: str) -> list[str]:
    """The image's registry digests for the repository of `ref` (a pulled image has one; a
    locally built, tagged or `docker load`ed one has none)."""
    repo = refs.repository(ref)
    return [d for d in image.get("RepoDigests") or () if refs.repository(d) == repo]


@register
class Image(Check):
    kind = "image"
    schema = {
        "image": IMAGE_REF,
        "pulled": {"type": "boolean",
                   "description": "true: the image came from a registry under this repository "
                                  "(it has a RepoDigest for it); a local build, tag or `docker load` has none."},
        "not_base": NOT_BASE,
    }
    required = ("image",)

    def expectation(self) -> Text:
        p = self.params
        ref = p["image"]
        en, ko = f"image {ref} is present", f"이미지 {ref}이(가) 있음"
        if p.get("pulled"):
            en, ko = en + ", pulled from a registry", ko + ", 레지스트리에서 내려받음"
        if p.get("not_base"):
            en += ", built by you (not a finished reference image)"
            ko += ", 직접 빌드함(완성 이미지가 아님)"
        return Text(en, ko)

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        ref = p["image"]
        attrs = require_image(engine, ref)
        evidence = [f"id: {short_id(attrs['Id'])}", f"tags: {', '.join(attrs.get('RepoTags') or [])}",
                    f"digests: {', '.join(attrs.get('RepoDigests') or []) or '(none)'}"]
        if p.get("pulled") and not digests_for(attrs, ref):
            repo = refs.repository(ref)
            return failed(
                f"image {ref} is present but was not pulled from a registry: it has no digest of "
                f"{repo}, so it was built, tagged or loaded (`docker load`) here",
                f"이미지 {ref}이(가) 있지만 레지스트리에서 내려받은 것이 아닙니다. {repo}의 다이제스트가 "
                "없으니 이 컴퓨터에서 빌드했거나 태그를 붙였거나 `docker load`로 불러온 이미지입니다",
                *evidence)
        require_own(engine, ref, attrs, p)
        return passed(f"image {ref} is present", f"이미지 {ref}이(가) 있습니다", *evidence)
