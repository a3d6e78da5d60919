"""The one container lookup: a container found by exact name, or by the image it was created
from, optionally in a state, optionally publishing a host port. The `container` kind judges what
it finds further (env, logs, flags); container_port, container_file and http look into what
select() finds.

Images are compared by id: a container created from `web-ping` counts for `web-ping:latest`
and for the id, whichever name it was typed with.

`publishes` ties a check to the container a lab publishes on a host port: when a student runs the
lab's image twice (a first try on another port, then the one asked for), each check would
otherwise pick whichever container passes it, so the one on the lab's port could earn points for
mounts only the other one has.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..engine import EngineProtocol
from ..model import Outcome
from ..text import Text, _, join
from .base import IMAGE_REF, capped, either, failed, listed

STATES = ["created", "running", "paused", "restarting", "removing", "exited", "dead"]
LOOKUP = ("name", "image", "state", "publishes")
LOOKUP_SCHEMA: dict = {
    "name": {"type": "string", "minLength": 1, "description": "Exact container name."},
    "image": {"oneOf": [IMAGE_REF, {"type": "array", "items": IMAGE_REF, "minItems": 1}],
              "description": "Created from this image (or any of these)."},
    "state": {"oneOf": [{"enum": STATES}, {"type": "array", "items": {"enum": STATES}, "minItems": 1}]},
    "publishes": {"type": "integer", "minimum": 1, "maximum": 65535,
                  "description": "Only a container that publishes this host port (8016 in --publish 8016:80)."},
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
    publishes: int | None = None

    @classmethod
    def of(cls, params: dict) -> Lookup:
        return cls(params.get("name"), tuple(_listed(params.get("image"))), tuple(_listed(params.get("state"))),
                   params.get("publishes"))

    def describe(self) -> list[Text]:
        """The lookup's words, which a kind's expectation goes on from."""
        who = _("container {name}", name=self.name) if self.name else _("a container")
        words: list[Text] = [who]
        if self.images:
            words.append(_("created from {images}", images=either(self.images)))
        if self.publishes:
            words.append(_("publishing host port {port}", port=self.publishes))
        return words

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
    if found and lookup.publishes:
        # Imported here: ports.py names containers with this module's name_of.
        from .ports import bindings, describe_bindings

        port = str(lookup.publishes)
        publishing = [a for a in found if any(hp == port for binds in bindings(a)[0].values() for _ip, hp in binds)]
        if not publishing:
            shown = [describe_bindings(a) for a in found[:10]]
            if len(found) == 1:
                return [], failed(_("{name} does not publish host port {port}; the check is about the container "
                                    "published there", name=name_of(found[0]), port=port), *shown)
            return [], failed(_("none of {count} containers publishes host port {port}; the check is about the "
                                "container published there", count=len(found), port=port), *shown)
        found = publishing
    if found:
        return found, None
    return [], (none_as_expected(reasons, evidence) if reasons else lookup.missing(engine))
