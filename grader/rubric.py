"""Rubric: load a YAML rubric, validate all of it up front, report problems with file:line."""
from __future__ import annotations

import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .rubric_yaml import MAX_BYTES, Doc, Problem, RubricError, compose, read_rubric  # noqa: F401 (MAX_BYTES: importable here)
from .schema import COMMON_KEYS
from .text import Authored, Text, _, join, verbatim


@dataclass(frozen=True)
class CheckSpec:
    id: str
    section: str
    section_title: Text
    title: Text
    hint: Text
    points: float
    bonus: bool
    needs: tuple[str, ...]
    kind: str
    params: dict
    line: int = 0


@dataclass(frozen=True)
class Section:
    id: str
    title: Text


@dataclass
class Rubric:
    lab: str
    title: Text
    sections: list[Section]
    checks: list[CheckSpec]
    path: str = ""  # the file, for problems found after loading (rubric check's warnings)
    # What a student types to grade it again: `grade LAB` for a bundled lab; the CLI sets
    # `grade --rubric FILE` for a rubric file (its lab id is no bundled lab's).
    command: str = ""
    by_id: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.by_id = {c.id: c for c in self.checks}
        self.command = self.command or f"grade {self.lab}"

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks if not c.bonus)

    @property
    def bonus_score(self) -> float:
        return sum(c.points for c in self.checks if c.bonus)


# ---- validation --------------------------------------------------------------------------------

def _suggest(word, choices) -> str:
    near = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return near[0] if near else ""


def _schema_problem(doc: Doc, base: tuple, err, within: bool = False) -> None:
    """Turn one jsonschema error into a Problem with a line and a plain message. `within`: `err`
    is one form's error inside a oneOf whose value is at `base`."""
    # A oneOf form's error has an absolute_path that jsonschema computes from its parent's each
    # time it is read, so it cannot be cut down to the form's own part: its relative_path is that.
    path = base + tuple(err.relative_path if within else err.absolute_path)
    v, inst = err.validator, err.instance
    if v == "additionalProperties" or v == "unevaluatedProperties":
        allowed = list(err.schema.get("properties", {}))
        for extra in sorted(k for k in inst if k not in allowed):
            near = _suggest(extra, allowed)
            if near:
                message = _("unknown key '{key}'; did you mean '{near}'?", key=extra, near=near)
            else:
                message = _("unknown key '{key}'; allowed: {allowed}", key=extra, allowed=", ".join(allowed))
            doc.problem(path + (extra,), message, key=extra)
        return
    if v == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        name = missing[0] if missing else err.message
        doc.problem(path, _("missing required key '{key}'", key=name), key=name)
        return
    if v == "enum":
        near = _suggest(inst, err.validator_value)
        if near:
            doc.problem(path, _("'{value}' is not a valid value; did you mean '{near}'?", value=str(inst), near=near))
        else:
            doc.problem(path, _("'{value}' is not a valid value; choose one of: {options}", value=str(inst),
                                options=", ".join(map(str, err.validator_value))))
        return
    if v == "type":
        want = err.validator_value
        if want in ("number", "integer") and isinstance(inst, str) and _numeric(inst):
            # `points: "2"`: the quotes make it a text.
            doc.problem(path, _("expected a number, got the text {value}: write it without quotes", value=repr(inst)))
            return
        if _unquoted_text(doc, path, inst, want if isinstance(want, list) else [want]):
            return
        # NOTE: between JSON Schema type names: "string or integer".
        either = _(" or ")
        types = join([verbatim(w) for w in want], either) if isinstance(want, list) else want
        # NOTE: {types} are JSON Schema type names (string, integer, object, ...), {type} a Python one.
        doc.problem(path, _("expected {types}, got {type} {value}", types=types, type=type(inst).__name__,
                            value=repr(inst)))
        return
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound, value = str(err.validator_value), repr(inst)
        doc.problem(path, {
            "minimum": _("must be >= {minimum}, got {value}", minimum=bound, value=value),
            "exclusiveMinimum": _("must be > {minimum}, got {value}", minimum=bound, value=value),
            "maximum": _("must be <= {maximum}, got {value}", maximum=bound, value=value),
            "exclusiveMaximum": _("must be < {maximum}, got {value}", maximum=bound, value=value),
        }[v])
        return
    if v == "pattern":
        doc.problem(path, _("{value} does not match the pattern {pattern}", value=repr(inst),
                            pattern=str(err.validator_value)))
        return
    if v == "oneOf":
        # A value of one of several forms (a matcher object or a plain value; a state or a list
        # of states): the problem of the form it was written in is the useful one (a misspelt
        # state gets its suggestion, `{equals: 3}` and `[sleep, 10]` the item that is wrong), not
        # "not valid under any of the given schemas".
        for sub in err.context:
            if sub.validator != "type" or sub.relative_path:
                _schema_problem(doc, path, sub, within=True)
                return
        # No form has this type (`PORT: 8080` where a text or a matcher is expected).
        want = [t for sub in err.context for t in (sub.validator_value if isinstance(sub.validator_value, list)
                                                    else [sub.validator_value])]
        if _unquoted_text(doc, path, inst, want):
            return
    if v == "const":
        doc.problem(path, _("must be {expected}, got {value}", expected=repr(err.validator_value), value=repr(inst)))
        return
    if v in ("minItems", "minLength", "minProperties") and not inst:
        doc.problem(path, _("must not be empty"))
        return
    if v == "uniqueItems" and isinstance(inst, list):
        twice = next((x for i, x in enumerate(inst) if x in inst[:i]), None)
        doc.problem(path, _("lists {value} more than once", value=repr(twice)))
        return
    # NOTE: {error} is the JSON Schema validator's own message, in English.
    doc.problem(path, _("not valid by the rubric schema: {error}", error=err.message))


def _unquoted_text(doc: Doc, path: tuple, inst, want: list) -> bool:
    """A text was expected and YAML read a number or a boolean (`PORT: 8080`, `tags: [1.10]`,
    `DEBUG: yes`): say how to write it, as typed, so it stays a text. False when that is not it."""
    if "string" not in want or not isinstance(inst, (bool, int, float)):
        return False
    written = doc.written.get(tuple(path), str(inst))
    if isinstance(inst, bool):
        doc.problem(path, _("{value} is true or false to YAML, and a text is expected here: write it in quotes, "
                            "'{value}'", value=written))
    else:
        doc.problem(path, _("{value} is a number to YAML, and a text is expected here: write it in quotes, "
                            "'{value}'", value=written))
    return True


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _default_kinds() -> dict:
    from .checks import KINDS

    return KINDS


def _validate(data, doc: Doc, kinds: dict) -> None:
    from jsonschema import Draft202012Validator  # heavy: only when a rubric is loaded

    from .schema import check_schema, document_schema

    top = Draft202012Validator(document_schema(list(kinds)))
    for err in sorted(top.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        # Errors inside checks are reported per kind below, with the kind's own keys.
        p = list(err.absolute_path)
        if len(p) >= 4 and p[0] == "sections" and p[2] == "checks":
            continue
        _schema_problem(doc, (), err)
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        return  # the schema errors above already say so
    for si, section in enumerate(data["sections"]):
        if not isinstance(section, dict) or not isinstance(section.get("checks"), list):
            continue
        for ci, check in enumerate(section["checks"]):
            _validate_check(check, ("sections", si, "checks", ci), doc, kinds, check_schema)


def _validate_check(check, base: tuple, doc: Doc, kinds: dict, schema_of, part: bool = False) -> None:
    """One check, or one part of an `all` check (`part`: only a kind and its parameters), with
    the same friendly messages and lines; the parts of `all` are validated here in turn."""
    from jsonschema import Draft202012Validator

    from .schema import part_schema

    if not isinstance(check, dict):
        doc.problem(base, _("a check is a mapping of keys"))
        return
    kind = check.get("kind")
    allowed = [k for k in kinds if not (part and k == "all")]  # no `all` inside `all`
    if kind not in allowed:
        if isinstance(kind, str):
            near = _suggest(kind, allowed)
            if near:
                message = _("unknown check kind '{kind}'; did you mean '{near}'?", kind=kind, near=near)
            else:
                message = _("unknown check kind '{kind}'; known kinds: {kinds}", kind=kind, kinds=", ".join(allowed))
            doc.problem(base + ("kind",), message, key="kind")
        elif "kind" not in check:
            doc.problem(base, _("missing required key '{key}'", key="kind"), key="kind")
        return
    schema = schema_of(kinds[kind])
    errors = list(Draft202012Validator(schema).iter_errors(check))
    # `imgae: x` is one mistake: say "did you mean 'image'", not also "'image' is missing".
    typo_for = {_suggest(k, schema["properties"]) for k in check if k not in schema["properties"]}
    for err in errors:
        if err.validator == "required" and any(f"'{t}'" in err.message for t in typo_for if t):
            continue
        if kind == "all" and list(err.absolute_path)[:1] == ["checks"] and len(err.absolute_path) > 1:
            continue  # inside a part: said below, with the part's own keys
        _schema_problem(doc, base, err)
    params = check if not part else {k: v for k, v in check.items() if k != "kind"}
    # The kind's own rules read a misspelt key as the key it was meant to be: `label:` is already
    # reported as a typo of `labels`, so "say what to check" would be a second, wrong problem.
    meant = {k: _suggest(k, schema["properties"]) for k in params if k not in schema["properties"]}
    params = {(meant.get(k) or k) if meant.get(k) not in params else k: v for k, v in params.items()}
    for key, message in kinds[kind].problems(params):
        doc.problem(base + tuple(key), message, key=".".join(map(str, key)))
    if kind == "all" and isinstance(check.get("checks"), list):
        for i, each in enumerate(check["checks"]):
            _validate_check(each, base + ("checks", i), doc, kinds, part_schema, part=True)


def _semantics(data, doc: Doc) -> list[CheckSpec]:
    specs: list[CheckSpec] = []
    seen: dict[str, tuple] = {}
    where: dict[str, tuple] = {}
    sections: dict[str, tuple] = {}
    for si, section in enumerate(data["sections"]):
        stitle = Authored.of(section["title"])
        # Reports group by section id (JUnit's classname is LAB.SECTION): a copied section whose
        # id was left unchanged would merge two headings in GitLab and in the terminal report.
        if section["id"] in sections:
            doc.problem(("sections", si, "id"), _("duplicate section id '{id}' (first at line {line})",
                                                  id=section["id"], line=doc.line(sections[section["id"]])),
                        key="id")
        else:
            sections[section["id"]] = ("sections", si, "id")
        for ci, c in enumerate(section["checks"]):
            base = ("sections", si, "checks", ci)
            if c["id"] in seen:
                doc.problem(base + ("id",), _("duplicate check id '{id}' (first at line {line})",
                                              id=c["id"], line=doc.line(seen[c["id"]])), key="id")
                continue
            seen[c["id"]] = base + ("id",)
            where[c["id"]] = base
            specs.append(CheckSpec(
                id=c["id"], section=section["id"], section_title=stitle,
                title=Authored.of(c["title"]), hint=Authored.of(c["hint"]), points=float(c["points"]),
                bonus=bool(c.get("bonus", False)), needs=tuple(c.get("needs", ())), kind=c["kind"],
                params={k: v for k, v in c.items() if k not in COMMON_KEYS}, line=doc.line(base)))
    for spec in specs:
        for i, need in enumerate(spec.needs):
            if need == spec.id:
                doc.problem(where[spec.id] + ("needs", i), _("a check cannot need itself"), key="needs")
            elif need not in seen:
                near = _suggest(need, seen)
                if near:
                    message = _("needs unknown check id '{id}'; did you mean '{near}'?", id=need, near=near)
                else:
                    message = _("needs unknown check id '{id}'", id=need)
                doc.problem(where[spec.id] + ("needs", i), message, key="needs")
    _cycles(specs, where, doc)
    return specs


def _cycles(specs, where, doc) -> None:
    graph = {s.id: [n for n in s.needs if n != s.id] for s in specs}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
                doc.problem(where[node] + ("needs",), _("'needs' makes a cycle: {cycle}", cycle=" -> ".join(cycle)),
                            key="needs")
            elif state.get(nxt) is None and nxt in graph:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for s in specs:
        if s.id not in state:
            visit(s.id, [s.id])


# Validating against the JSON Schema needs jsonschema, whose import alone takes a third of a
# grading run. The same bytes checked by the same code validate the same, so a rubric that
# validated once is remembered by a hash of its text and of the grader's code files (their
# sizes and times), and not validated again until either changes.
def _validated_marker(text: str) -> Path | None:
    from . import __version__

    digest = hashlib.sha256(f"{__version__}\0{text}".encode("utf-8", "surrogatepass"))
    here = Path(__file__).resolve().parent
    try:
        for source in sorted([*here.glob("*.py"), *here.glob("checks/*.py")]):
            st = source.stat()
            digest.update(f"\0{source.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    except OSError:
        return None
    home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(home) / "grade" / "valid-rubrics" / digest.hexdigest()


def load(path, kinds: dict | None = None) -> Rubric:
    """Read and validate a rubric; raise RubricError listing every problem found."""
    marker = None
    if kinds is None:
        kinds = _default_kinds()
    path = Path(path)
    doc = Doc(str(path))
    text = read_rubric(path)
    data = compose(text, doc)
    if data is None:
        raise RubricError([Problem(doc.file, 1, "", _("the rubric is empty"))])
    if kinds is _default_kinds():
        marker = _validated_marker(text)
    if marker is None or not marker.is_file():
        _validate(data, doc, kinds)
    if doc.problems:
        raise RubricError(sorted(doc.problems, key=lambda p: p.line))
    specs = _semantics(data, doc)
    if doc.problems:
        raise RubricError(sorted(doc.problems, key=lambda p: p.line))
    if marker is not None and not marker.is_file():
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass  # a read-only home: validate every time
    sections = [Section(s["id"], Authored.of(s["title"])) for s in data["sections"]]
    return Rubric(lab=data["lab"], title=Authored.of(data["title"]), sections=sections, checks=specs,
                  path=str(path))


REGEX_KEYS = ("matches", "not_matches", "logs", "expect")  # the parameters that hold a regex


def warnings(rubric: Rubric) -> list[Problem]:
    """Valid but risky: a TODO text a draft left, a required check that needs a bonus one, and
    regexes of the shape known to backtrack catastrophically (grading stops them after a time
    bound, and the check is then an error instead of a grade)."""
    from .match import PATTERN_SECONDS, risky

    def patterns(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in REGEX_KEYS and isinstance(item, str):
                    yield key, item
                else:
                    yield from patterns(item)
        elif isinstance(value, list):
            for item in value:
                yield from patterns(item)

    out = []
    # `grade rubric draft` leaves TODO titles and hints for the author to replace; one left in
    # would be what a student reads when the check fails.
    texts = [("", "title", rubric.title)] + [(s.id, f"{s.id}.{what}", text) for s in rubric.checks
                                             for what, text in (("title", s.title), ("hint", s.hint))]
    for check_id, key, text in texts:
        if isinstance(text, Authored) and ("TODO" in text.en or "TODO" in text.ko):
            line = rubric.by_id[check_id].line if check_id else 1
            out.append(Problem(rubric.path, line, key, _(
                "warning: this text still says TODO, as the draft left it; write what a student should read")))
    # A required check blocked by an optional one: skipping the bonus would cost required points,
    # which is what `bonus` promises never happens.
    for spec in rubric.checks:
        for need in spec.needs:
            blocker = rubric.by_id.get(need)
            if not spec.bonus and blocker is not None and blocker.bonus:
                out.append(Problem(rubric.path, spec.line, f"{spec.id}.needs", _(
                    "warning: {id} is not a bonus check but needs the bonus check {need}: a student who "
                    "skips the bonus loses the points of {id} too. Make {id} a bonus as well, or drop that need.",
                    id=spec.id, need=need)))
    seconds = f"{PATTERN_SECONDS:g}"
    for spec in rubric.checks:
        for key, pattern in patterns(spec.params):
            if risky(pattern):
                out.append(Problem(rubric.path, spec.line, f"{spec.id}.{key}", _(
                    "warning: /{pattern}/ repeats a group that itself repeats (like (a+)+ or (a|aa)*); "
                    "such patterns can take exponential time on text they do not match, and grading "
                    "stops them after {seconds} s. Write it without the nested repetition.",
                    pattern=pattern, seconds=seconds)))
    return out
