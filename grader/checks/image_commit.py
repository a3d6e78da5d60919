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
from ..text import Text, _, verbatim
from .base import IMAGE_REF, Check, failed, passed, register, require_image


@register
class ImageCommit(Check):
    kind = "image_commit"
    reacts_to = frozenset({"image", "container"})  # see grader/watch.py
    schema = {"image": IMAGE_REF, "base": {**IMAGE_REF, "description": "The image the committed container ran."}}
    required = ("image", "base")

    def expectation(self) -> Text:
        p = self.params
        return _("image {image} was made by `docker container commit` from a container of {base}, not by a "
                 "Dockerfile build", image=p["image"], base=p["base"])

    def run(self, engine: EngineProtocol) -> Outcome:
        p = self.params
        ref, base_ref = p["image"], p["base"]
        image = require_image(engine, ref)
        base = require_image(engine, base_ref)
        own = history.own_entries(engine.history(image["Id"]), engine.history(base["Id"]))
        if own is None:
            return failed(_("{ref} is not built on {base}, so it was not committed from a container of {base}",
                            ref=ref, base=base_ref))
        steps = [history.parse(e) for e in own]
        evidence: list[Text] = [_("entry: {created_by} comment={comment}", created_by=repr(s.created_by),
                                  comment=repr(s.comment)) for s in steps]
        if not steps:
            return failed(_("{ref} is {base} itself: nothing was committed on top of it", ref=ref, base=base_ref),
                          *evidence)
        built = next((s for s in steps if s.nop or s.buildkit), None)
        if built is not None:
            return failed(_("{ref} was built from a Dockerfile (`{step}`), not committed", ref=ref,
                            step=built.describe()), *evidence)
        commands = {" ".join((image.get("Config") or {}).get("Cmd") or []),
                    " ".join((base.get("Config") or {}).get("Cmd") or [])}
        if any(s.created_by not in commands for s in steps):
            # A legacy build removes its intermediate containers, so this admits only real ones:
            # containers of the base, or of an image committed in between (a second commit).
            sources = [base["Id"]] + [e["Id"] for e in own[1:]
                                      if (e.get("Id") or "").startswith("sha256:")]
            commands |= {" ".join((c.get("Config") or {}).get("Cmd") or [])
                         for c in engine.containers_from(*sources)}
        evidence.append(verbatim(f"CMD {json.dumps((image.get('Config') or {}).get('Cmd'))}"))
        odd = [s for s in steps if s.created_by not in commands
               and not (s.created_by == "/bin/sh" and s.comment.startswith("FROM "))]  # Podman's
        step = odd[0] if odd else steps[0]
        if not odd:
            return passed(_("{ref} was committed from a container (its command: {command})", ref=ref,
                            command=repr(step.created_by)), *evidence)
        return failed(_("{ref} has a layer made by `{command}`, which is a build step rather than a committed "
                        "container's command", ref=ref, command=step.created_by), *evidence)
