"""What every check kind shares: the registry, the base class and small helpers."""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import ClassVar

from .. import match, refs
from ..engine import EngineProtocol, ObjectError
from ..model import More, Outcome
from ..text import Text, _, join, verbatim

KINDS: dict[str, type[Check]] = {}

IMAGE_REF = {"type": "string", "minLength": 1, "description": "An image reference, e.g. web-ping:v3."}
REGEX = {"type": "string", "minLength": 1, "description": "A Python regular expression (re.search)."}


def register(cls):
    KINDS[cls.kind] = cls
    return cls


class Fail(Exception):
    """Stop a check early with a failed outcome (e.g. its image is missing)."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome


class Check:
    kind: ClassVar[str]
    schema: ClassVar[dict] = {}
    required: ClassVar[tuple[str, ...]] = ()
    reacts_to: ClassVar[frozenset[str]] = frozenset({"image", "container", "volume", "network", "running"})

    def __init__(self, params: dict):
        self.params = params

    @classmethod
    def problems(cls, params: dict) -> list[tuple[tuple, Text]]:
        """Problems the schema cannot see (a regex that does not compile): (key path, message)."""
        return []

    def expectation(self) -> Text:
        raise NotImplementedError

    def run(self, engine: EngineProtocol) -> Outcome:
        """What a kind implements: its verdict, or Fail (stop early) or ObjectError (a student's
        object could not be used). Callers use evaluate()."""
        raise NotImplementedError

    def evaluate(self, engine: EngineProtocol) -> Outcome:
        """The one way to run a check (grading, drafting, the parts of `all`): a kind's early
        Fail and a student object that cannot be used are its failed outcome. EngineError (the
        engine's fault) and PatternTimeout (the rubric's) go to the caller."""
        try:
            return self.run(engine)
        except Fail as f:
            return f.outcome
        except ObjectError as e:  # about one student object: that check's evidence, not an engine fault
            return Outcome(False, e.message)


def passed(message: Text, *evidence: Text) -> Outcome:
    return Outcome(True, message, tuple(evidence))


def failed(message: Text, *evidence: Text) -> Outcome:
    return Outcome(False, message, tuple(evidence))


def decisive(outcomes: Iterable[Outcome]) -> tuple[Outcome | None, list[Outcome]]:
    """Among candidates (tags, containers) judged in turn, one passing is enough: given a
    generator, those after it are never judged (each may cost a probe or a history read). With a
    single candidate its own verdict stands. Returns (that verdict or None: several candidates,
    none passing; the failed outcomes judged)."""
    judged: list[Outcome] = []
    for outcome in outcomes:
        if outcome.passed:
            return outcome, judged
        judged.append(outcome)
    return (judged[0] if len(judged) == 1 else None), judged


def regex_problems(params, *keys: str, at: tuple = ()) -> list[tuple[tuple, Text]]:
    """A problem for each of `keys` in `params` holding a regex that does not compile."""
    out: list[tuple[tuple, Text]] = []
    for key in keys:
        value = params.get(key) if isinstance(params, dict) else None
        if isinstance(value, str):
            e = match.compile_error(value)
            if e:
                out.append((at + (key,), _("the regular expression does not compile: {error}", error=str(e))))
    return out


def matcher_problems(spec, at: tuple) -> list[tuple[tuple, Text]]:
    """The problems of one matcher (`TARGET: {matches: ...}`) at `at`: a regex that does not
    compile, and a matcher that could never hold (match.contradiction)."""
    out = regex_problems(spec, "matches", at=at)
    never = match.contradiction(spec)
    if never:
        out.append((at, never))
    return out


EVIDENCE_CAP = 20  # a list of thousands of tags or containers helps nobody; the count does


def capped(lines: Iterable[Text], cap: int = EVIDENCE_CAP, more: int = 0) -> tuple[Text, ...]:
    """At most `cap` evidence lines, the last one saying how many more there were (`more`: lines
    there would be for things counted but not read one by one)."""
    lines = list(lines)
    if len(lines) <= cap and not more:
        return tuple(lines)
    if len(lines) < cap:
        return tuple(lines) + (More(more),)
    return tuple(lines[:cap - 1]) + (More(len(lines) - cap + 1 + more),)


def listed(names: Iterable[str], cap: int = 10) -> Text:
    """`a, b, c` for a message, cut to `cap` names and "N more"."""
    names = list(names)
    shown: list[Text] = [verbatim(n) for n in names[:cap]]
    if len(names) > cap:
        shown.append(More(len(names) - cap))
    return join(shown, ", ")


def either(names: Iterable[str]) -> Text:
    """`a or b` for a message: any one of these names."""
    # NOTE: the separator between alternatives, as in "created from web-ping or web-ping:v2".
    return join([verbatim(n) for n in names], _(" or "))


def require_image(engine: EngineProtocol, ref: str) -> dict:
    """The image's inspect data, or a failed outcome naming the tags that do exist."""
    attrs = engine.image(ref)
    if attrs is not None:
        return attrs
    others = engine.tags(refs.repository(ref))
    if others:
        raise Fail(failed(
            _("image {ref} not found; this repository has: {tags}", ref=ref, tags=listed(others)),
            *capped(_("tag: {tag}", tag=t) for t in others)))
    near = nearest_tag(engine, ref)
    if near:
        # `webping` for `web-ping`: the student's image is there under a near name.
        raise Fail(Outcome(
            False,
            _("image {ref} not found on the engine; did you mean {near}? It exists", ref=ref, near=near),
            (_("nearest tag: {tag}", tag=near),),
            hint=_("Give your image the name the lab asks for: `docker image tag {near} {ref}` "
                   "(or build it again with `--tag {ref}`).", near=near, ref=ref)))
    raise Fail(failed(_("image {ref} not found on the engine", ref=ref)))


def nearest_tag(engine, ref: str) -> str:
    """The existing tag nearest to `ref` (difflib), compared without the default `:latest`."""
    def short(tag: str) -> str:
        return tag[:-len(":latest")] if tag.endswith(":latest") else tag
    want = short(refs.familiar(refs.normalize(ref)))
    tags = {short(t): t for t in engine.all_tags() if short(t) != want}
    near = difflib.get_close_matches(want, list(tags), n=1, cutoff=0.8)
    return near[0] if near else ""


def layers(attrs: dict) -> list[str]:
    """An image's layers (diff ids), oldest first, from its inspect data."""
    return list((attrs.get("RootFS") or {}).get("Layers") or [])


def built_on(image: dict, base: dict) -> bool:
    """Whether an image's layers start with the base's: true of any image built FROM the base (or
    committed from a container of it), so when it is false the image is not built on the base."""
    mine, theirs = layers(image), layers(base)
    return len(mine) >= len(theirs) and mine[: len(theirs)] == theirs


def digests_line(image: dict) -> Text:
    """The evidence line listing an image's registry digests (pushed or pulled)."""
    digests = image.get("RepoDigests") or []
    return _("digests: {digests}", digests=", ".join(digests)) if digests else _("digests: (none)")


def short_id(image_id: str) -> str:
    return image_id.split(":", 1)[-1][:12]
