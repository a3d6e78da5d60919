"""The one container lookup: a container found by exact name, or by the image it was created
from, optionally in a state. The `container` kind judges what it finds further (env, logs, flags);
container_port, container_file and http look into what select() finds.

Images are compared by id: a container created from `web-ping` counts for `web-ping:latest`
and for the id, whichever name it was typed with.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text, _, join
from .base import IMAGE_REF, capped, either, failed, listed

STATES = ["created", "running", "paused", "restarting", "removing", "exited", "dead"]
LOOKUP = ("name", "image", "state")
LOOKUP_SCHEMA: dict = {
    "name": {"type": "string", "minLength": 1, "description": "Exact container name."},
    "image": {"oneOf": [IMAGE_REF, {"type": "array", "items": IMAGE_REF, "minItems": 1}],
              "description": "Created from this image (or any of these)."},
    "state": {"oneOf": [{"enum": STATES}, {"type": "array", "items": {"enum": STATES}, "minItems": 1}]},
}


def name_of(attrs: dict) -> str:
    return (attrs.get("Name") or attrs["Id"][:12]).lstrip("/")


def _listed(value) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class Lookup:
    name: str | None
    images: tuple[str, ...]
    states: tuple[str, ...]

    @classmethod
    def of(cls, params: dict) -> Lookup:
        return cls(params.get("name"), tuple(_listed(params.get("image"))), tuple(_listed(params.get("state"))))

    def describe(self) -> list[Text]:
        """The lookup's words, which a kind's expectation goes on from."""
        who = _("container {name}", name=self.name) if self.name else _("a container")
        if self.images:
            return [who, _("created from {images}", images=either(self.images))]
        return [who]

    def image_ids(self, engine: EngineProtocol) -> set[str]:
        return {attrs["Id"] for attrs in map(engine.image, self.images) if attrs is not None}

    def candidates(self, engine: EngineProtocol, image_ids: set[str]) -> Iterable[dict]:
        """By name (one or none), else every container created from the images (inspected lazily)."""
        if self.name:
            found = engine.container(self.name)
            return [found] if found else []
        return engine.containers_from(*image_ids)

    def missing(self, engine: EngineProtocol) -> Outcome:
        if self.name:
            return failed(_("no container named {name}", name=self.name))
        # The usual reason: the student ran the image, then rebuilt it (or moved its tag) and did
        # not run it again. Saying "none was created" would send them to run it again, into
        # "port is already allocated" from the old container.
        older = engine.containers_of_older(*self.images)
        if older:
            first = older[0]
            typed = (first.get("Config") or {}).get("Image") or ""
            return failed(_("no container runs {image} as it is now: {name} was created from {image} before it "
                            "was rebuilt, re-tagged or removed, and still has the older image; remove it "
                            "(`docker container rm -f {name}`) and run {image} again", image=typed,
                            name=name_of(first)), *(self.seen(a) for a in older))
        return failed(_("no container was created from {images}", images=listed(self.images)))

    def seen(self, attrs: dict) -> Text:
        state = (attrs.get("State") or {}).get("Status", "")
        return _("{name}: image {image}, state {state}", name=name_of(attrs),
                 image=(attrs.get("Config") or {}).get("Image", ""), state=state)

    def wrong_image(self, attrs: dict, image_ids: set[str]) -> Text | None:
        if not self.images or attrs.get("Image") in image_ids:
            return None
        name, typed = name_of(attrs), (attrs.get("Config") or {}).get("Image") or ""
        return _("{name} was created from {typed}, not from {wanted}", name=name, typed=typed,
                 wanted=either(self.images))

    def wrong_state(self, attrs: dict) -> Text | None:
        state = (attrs.get("State") or {}).get("Status", "")
        if not self.states or state in self.states:
            return None
        return _("{name} is {state}; wanted {states}", name=name_of(attrs), state=state,
                 states="/".join(self.states))


def none_as_expected(reasons: list[Text], evidence: list[Text], more: int = 0) -> Outcome:
    """The failure for candidates of which none is as expected: the one reason, or the first of
    many (`more`: candidates counted as not as expected without being judged one by one)."""
    first = reasons[0]
    if len(reasons) == 1 and not more:
        return failed(first, *evidence)
    return failed(_("none of {count} containers is as expected; e.g. {reason}", count=len(reasons) + more,
                    reason=first), *capped(evidence, 10, more))


def lookup_problems(params: dict) -> list[tuple[tuple, Text]]:
    if "name" not in params and "image" not in params:
        return [((), _("give `name`, `image` or both"))]
    return []


def lookup_text(params: dict) -> Text:
    """How the container is found, as the container kind says it: `container web, state running`."""
    lookup = Lookup.of(params)
    words = lookup.describe()
    if lookup.states:
        words.append(_("state {states}", states="/".join(lookup.states)))
    return join(words, ", ")


def select(engine: EngineProtocol, params: dict) -> tuple[list[dict], Outcome | None]:
    """The containers found for the `name`, `image` and `state` of `params` (created ones count:
    these kinds read configuration or files, which a created container has; "it ran" is the
    `container` kind's question); when there is none, the outcome saying why."""
    lookup = Lookup.of(params)
    ids = lookup.image_ids(engine)
    found: list[dict] = []
    reasons: list[Text] = []
    evidence: list[Text] = []
    for attrs in lookup.candidates(engine, ids):
        why = lookup.wrong_image(attrs, ids) or lookup.wrong_state(attrs)
        if why is None:
            found.append(attrs)
        else:
            reasons.append(why)
            evidence.append(lookup.seen(attrs))
    if found:
        return found, None
    return [], (none_as_expected(reasons, evidence) if reasons else lookup.missing(engine))
