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
from ..text import Text
from .base import IMAGE_REF, capped, failed

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

    def describe(self) -> tuple[list[str], list[str]]:
        """The lookup's words (English, Korean), which a kind's expectation goes on from."""
        who = f"container {self.name}" if self.name else "a container"
        en, ko = [who], [who.replace("a container", "컨테이너")]
        if self.images:
            imgs = " or ".join(self.images)
            en.append(f"created from {imgs}")
            ko.append(f"{imgs}에서 생성됨")
        return en, ko

    def image_ids(self, engine: EngineProtocol) -> set[str]:
        return {attrs["Id"] for attrs in map(engine.image, self.images) if attrs is not None}

    def candidates(self, engine: EngineProtocol, image_ids: set[str]) -> Iterable[dict]:
        """By name (one or none), else every container created from the images (inspected lazily)."""
        if self.name:
            found = engine.container(self.name)
            return [found] if found else []
        return engine.containers_from(*image_ids)

    def missing(self) -> Outcome:
        if self.name:
            return failed(f"no container named {self.name}", f"이름이 {self.name}인 컨테이너가 없습니다")
        imgs = ", ".join(self.images)
        return failed(f"no container was created from {imgs}", f"{imgs}에서 만든 컨테이너가 없습니다")

    def seen(self, attrs: dict) -> str:
        state = (attrs.get("State") or {}).get("Status", "")
        return f"{name_of(attrs)}: image {(attrs.get('Config') or {}).get('Image', '')}, state {state}"

    def wrong_image(self, attrs: dict, image_ids: set[str]) -> Text | None:
        if not self.images or attrs.get("Image") in image_ids:
            return None
        name, typed = name_of(attrs), (attrs.get("Config") or {}).get("Image")
        return Text(f"{name} was created from {typed}, not from {' or '.join(self.images)}",
                    f"{name}은(는) {' 또는 '.join(self.images)}이(가) 아니라 {typed}에서 만들어졌습니다")

    def wrong_state(self, attrs: dict) -> Text | None:
        state = (attrs.get("State") or {}).get("Status", "")
        if not self.states or state in self.states:
            return None
        name = name_of(attrs)
        return Text(f"{name} is {state}; wanted {'/'.join(self.states)}",
                    f"{name}의 상태는 {state}입니다. 기대: {'/'.join(self.states)}")


def none_as_expected(reasons: list[Text], evidence: list[str]) -> Outcome:
    """The failure for candidates of which none is as expected: the one reason, or the first of many."""
    first = reasons[0]
    if len(reasons) == 1:
        return failed(first.en, first.ko, *evidence)
    return failed(f"none of {len(reasons)} containers is as expected; e.g. {first.en}",
                  f"컨테이너 {len(reasons)}개 중 기대와 같은 것이 없습니다. 예: {first.ko}",
                  *capped(evidence, 10))


def lookup_problems(params: dict) -> list[tuple[tuple, Text]]:
    if "name" not in params and "image" not in params:
        return [((), Text("give `name`, `image` or both", "`name`이나 `image` 중 하나 이상을 적으세요"))]
    return []


def lookup_text(params: dict) -> Text:
    """How the container is found, as the container kind says it: `container web, state running`."""
    lookup = Lookup.of(params)
    en, ko = lookup.describe()
    if lookup.states:
        en.append("state " + "/".join(lookup.states))
        ko.append("상태 " + "/".join(lookup.states))
    return Text(", ".join(en), ", ".join(ko))


def select(engine: EngineProtocol, params: dict) -> tuple[list[dict], Outcome | None]:
    """The containers found for the `name`, `image` and `state` of `params` (created ones count:
    these kinds read configuration or files, which a created container has; "it ran" is the
    `container` kind's question); when there is none, the outcome saying why."""
    lookup = Lookup.of(params)
    ids = lookup.image_ids(engine)
    found: list[dict] = []
    reasons: list[Text] = []
    evidence: list[str] = []
    for attrs in lookup.candidates(engine, ids):
        why = lookup.wrong_image(attrs, ids) or lookup.wrong_state(attrs)
        if why is None:
            found.append(attrs)
        else:
            reasons.append(why)
            evidence.append(lookup.seen(attrs))
    if found:
        return found, None
    return [], (none_as_expected(reasons, evidence) if reasons else lookup.missing())
