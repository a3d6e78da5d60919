"""image_commit: an image was made by `docker container commit`, not built from a Dockerfile.

The rule, from history alone (the `Container`/`ContainerConfig` fields are gone from API 1.45 and
`Parent` is deprecated, so they are not used):
  1. the image's history is the base's history plus one entry or more on top (a second commit on
     top of the first, to fix a mistake, is still a commit);
  2. no such entry carries a builder marker: no `#(nop)`, no `# buildkit` suffix, no
     `buildkit.dockerfile.v0` comment;
  3. each one's "created by" is the committed container's command: Docker joins the container's Cmd with
     spaces, and the committed image keeps that Cmd; after `commit --change CMD` it is the Cmd of
     a container of the base (still on the engine, or the base's own default); Podman writes
     `/bin/sh` with a comment starting `FROM `.
Rule 3 is what tells a commit from a one-step legacy build: a legacy RUN records its own command
(`/bin/sh -c echo ...`, or an exec form's words), while the built image inherits the base's Cmd.
"""
from __future__ import annotations

import json

from .. import history
from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text
from .base import IMAGE_REF, Check, failed, passed, register, require_image


@register
class ImageCommit(Check):
    kind = "image_commit"
    reacts_to = frozenset({"image", "container"})  # see grader/watch.py
    schema = {"image": IMAGE_REF, "base": {**IMAGE_REF, "description": "The image the committed container ran."}}
    required = ("image", "base")

    def expectation(self) -> Text:
        p = self.params
        return Text(f"image {p['image']} was made by `docker container commit` from a container "
                    f"of {p['base']}, not by a Dockerfile build",
                    f"이미지 {p['image']}은(는) Dockerfile 빌드가 아니라 {p['base']} 컨테이너를 "
                    "`docker container commit`해서 만들어짐")

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        ref, base_ref = p["image"], p["base"]
        image = require_image(engine, ref)
        base = require_image(engine, base_ref)
        own = history.own_entries(engine.history(image["Id"]), engine.history(base["Id"]))
        if own is None:
            return failed(f"{ref} is not built on {base_ref}, so it was not committed from a "
                          f"container of {base_ref}",
                          f"{ref}은(는) {base_ref} 기반이 아니므로 {base_ref} 컨테이너를 커밋한 "
                          "이미지가 아닙니다")
        steps = [history.parse(e) for e in own]
        evidence = [f"entry: {s.created_by!r} comment={s.comment!r}" for s in steps]
        if not steps:
            return failed(f"{ref} is {base_ref} itself: nothing was committed on top of it",
                          f"{ref}은(는) {base_ref} 그대로입니다. 그 위에 커밋한 것이 없습니다", *evidence)
        built = next((s for s in steps if s.nop or s.buildkit), None)
        if built is not None:
            return failed(f"{ref} was built from a Dockerfile (`{built.describe()}`), not committed",
                          f"{ref}은(는) 커밋이 아니라 Dockerfile로 빌드되었습니다 (`{built.describe()}`)",
                          *evidence)
        commands = {" ".join((image.get("Config") or {}).get("Cmd") or []),
                    " ".join((base.get("Config") or {}).get("Cmd") or [])}
        if any(s.created_by not in commands for s in steps):
            # A legacy build removes its intermediate containers, so this admits only real ones:
            # containers of the base, or of an image committed in between (a second commit).
            sources = [base["Id"]] + [e["Id"] for e in own[1:]
                                      if (e.get("Id") or "").startswith("sha256:")]
            commands |= {" ".join((c.get("Config") or {}).get("Cmd") or [])
                         for c in engine.containers_from(*sources)}
        evidence.append(f"CMD {json.dumps((image.get('Config') or {}).get('Cmd'))}")
        odd = [s for s in steps if s.created_by not in commands
               and not (s.created_by == "/bin/sh" and s.comment.startswith("FROM "))]  # Podman's
        step = odd[0] if odd else steps[0]
        if not odd:
            return passed(f"{ref} was committed from a container (its command: {step.created_by!r})",
                          f"{ref}은(는) 컨테이너를 커밋해 만들었습니다 (컨테이너 명령: {step.created_by!r})",
                          *evidence)
        return failed(f"{ref} has a layer made by `{step.created_by}`, which is a build step "
                      "rather than a committed container's command",
                      f"{ref}의 레이어 하나는 `{step.created_by}`로 만들어졌습니다. 커밋한 컨테이너의 "
                      "명령이 아니라 빌드 단계로 보입니다", *evidence)
